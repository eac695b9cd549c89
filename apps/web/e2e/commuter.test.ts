import { describe, expect, it } from "vitest";
import { SHOTS, devAddress, open, sent, useCity } from "./city";
import { ticketTag } from "../src/rider";

const city = useCity();

describe("a commuter in a browser, against a node", () => {
  it("books a parking space for the next hour: the rent goes into escrow", async () => {
    const ferdie = await devAddress("Ferdie");
    const before = await city.chain.balance("Ferdie");
    const escrowBefore = (await city.chain.read("parking_rental", "escrowTotal")).toBigInt();
    const page = await open(city.browser, "Ferdie", "parking");
    // the default search: the next whole hour, 60 minutes; Dave's driveway is free then
    const row = page.locator("[data-testid=free-spaces] tr[data-testid^=space-]").first();
    await row.waitFor();
    const space = (await row.getAttribute("data-testid"))!.replace("space-", "");
    expect(await row.locator("td").last().textContent()).toBe("2 SCP");
    await page.fill("#book-space-id", space);
    await page.click("#book-space button[type=submit]");
    await sent(page, "book-space", "Book");
    await page.locator("[data-testid=my-bookings] tr[data-testid^=booking-]").first().waitFor();
    await page.screenshot({ path: `${SHOTS}/parking.png`, fullPage: true });

    // what the chain holds: 2 SCP (60 minutes at 2 SCP an hour) in escrow, a booking of his
    expect(await city.chain.balance("Ferdie")).toBe(before - 2_000_000n);
    expect((await city.chain.read("parking_rental", "escrowTotal")).toBigInt()).toBe(escrowBefore + 2_000_000n);
    const [bookings] = await city.chain.read("parking_rental", "renterBookings", ferdie, 0, 32);
    const booking = bookings.toArray()[0][1];
    expect(booking.space.toString()).toBe(space);
    expect(booking.state.type).toBe("Booked");
    expect(booking.escrow.toBigInt()).toBe(2_000_000n);
    expect(booking.endMs.toBigInt() - booking.startMs.toBigInt()).toBe(3_600_000n);

    // the same hour again is not free any more: the page no longer offers the space
    await page.click("#find-space button[type=submit]");
    await page.locator(`[data-testid=space-${space}]`).waitFor({ state: "detached" });
    await page.close();
  });

  it("books a bus ticket at the exact fare, shown beside the slab fare, and sees the seat taken", async () => {
    const ferdie = await devAddress("Ferdie");
    const before = await city.chain.balance("Ferdie");
    const page = await open(city.browser, "Ferdie", "transit");
    // Central → University: 3 stages; slabs 1 SCP up to 2 stages, 1.8 SCP up to 4
    await page.selectOption("#alight", "3");
    await page.getByTestId("exact-fare").filter({ hasText: /^1\.4 SCP$/ }).waitFor();
    expect(await page.getByTestId("slab-fare").textContent()).toBe("1.8 SCP");
    await page.click("#book-ticket button[type=submit]");
    await sent(page, "book-ticket", "Book ticket");
    await page.locator("[data-testid=my-tickets] tr[data-testid^=ticket-]").first().waitFor();
    await page.getByTestId("segment-0").filter({ hasText: "1/40" }).waitFor();
    await page.screenshot({ path: `${SHOTS}/transit.png`, fullPage: true });

    expect(await city.chain.balance("Ferdie")).toBe(before - 1_400_000n);
    const trip = 0n; // the first departure of the seeded route
    const tickets = (await city.chain.read("fare_pricing", "tripTickets", trip, 0, 32)).toArray();
    const mine = tickets.filter(([id, t]: any) => t.riderTag.toString() === ticketTag(ferdie, id.toBigInt()));
    expect(mine.length).toBe(1);
    const ticket = mine[0][1];
    expect([ticket.board.toNumber(), ticket.alight.toNumber()]).toEqual([0, 3]);
    expect(ticket.fare.toBigInt()).toBe(1_400_000n);
    const [loads] = await city.chain.read("fare_pricing", "occupancy", trip);
    expect(loads.toArray().map((n: any) => n.toNumber())).toEqual([1, 1, 1, 0]);
    expect(await page.getByTestId("segment-3").textContent()).toBe("0/40");

    // tap-in rides: he lets the route's operator (Alice) charge them up to 12 SCP
    const alice = await devAddress("Alice");
    await page.getByTestId("tap-cap").filter({ hasText: /^0 SCP$/ }).waitFor();
    await page.fill("#tap-cap-amount", "12");
    await page.click("#tap-cap button[type=submit]");
    await sent(page, "tap-cap", "Set the limit");
    expect((await city.chain.read("fare_pricing", "spendingCap", ferdie, alice)).toBigInt()).toBe(12_000_000n);
    await page.getByTestId("tap-cap").filter({ hasText: /^12 SCP$/ }).waitFor();

    // the operator cancelled a departure he had booked (the seed): he claims its fare back
    const beforeClaim = await city.chain.balance("Ferdie");
    await page.click("#claim-refund button[type=submit]");
    await sent(page, "claim-refund", "Claim the fare back");
    expect(await city.chain.balance("Ferdie")).toBe(beforeClaim + 500_000n);
    await page.locator("#claim-refund").waitFor({ state: "detached" });
    await page.close();
  });

  it("lets a space's owner bill his car without a booking, up to a limit he sets", async () => {
    const ferdie = await devAddress("Ferdie");
    const dave = await devAddress("Dave");
    const page = await open(city.browser, "Ferdie", "parking");
    await page.fill("#walk-in-space", "0");
    await page.fill("#walk-in-amount", "20");
    await page.click("#walk-in-cap button[type=submit]");
    await sent(page, "walk-in-cap", "Set the limit");
    expect((await city.chain.read("parking_rental", "spendingCap", ferdie, dave)).toBigInt()).toBe(20_000_000n);
    // a space that does not exist: said before anything is signed
    await page.fill("#walk-in-space", "99");
    await page.click("#walk-in-cap button[type=submit]");
    await page.getByTestId("walk-in-cap-status").filter({ hasText: "There is no space #99." }).waitFor();
    await page.close();
  });
});
