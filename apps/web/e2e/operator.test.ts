import { describe, expect, it } from "vitest";
import { suggestions, type TripLoad } from "../src/planning";
import { SHOTS, devAddress, open, sent, useCity } from "./city";

const city = useCity();

/** Every trip on chain, as the planning report takes them. */
async function loads(): Promise<TripLoad[]> {
  const all: TripLoad[] = [];
  for (let id = 0n; ; id++) {
    const trip = await city.chain.read("fare_pricing", "trip", id);
    if (trip.isNone) return all;
    const t = trip.unwrap();
    all.push({
      trip: id,
      route: t.route.toBigInt(),
      departureMs: t.departureMs.toBigInt(),
      capacity: t.capacity.toNumber(),
      segmentLoad: t.segmentLoad.toArray().map((n: any) => n.toNumber()),
      passengerStages: t.passengerStages.toBigInt(),
      cancelled: t.state.type === "Cancelled",
    });
  }
}

describe("the operator's page in a browser, against a node", () => {
  it("shows the planning report of the operator's routes and schedules a departure", async () => {
    const page = await open(city.browser, "Alice", "operator");
    await page.getByTestId("planning").waitFor();
    // the page's suggestions are the report of what the chain holds
    for (const s of suggestions(await loads(), 8000)) {
      const note = await page.getByTestId(`suggest-${s.route}-${s.hour}`).textContent();
      expect(note).toContain(`${s.trips} departure`);
      expect(note).toContain(`${s.suggestedTrips} departure${s.suggestedTrips === 1 ? "" : "s"} at 80 %`);
    }
    await page.screenshot({ path: `${SHOTS}/operator.png`, fullPage: true });

    const before = (await loads()).length;
    const departure = new Date(Date.now() + 5 * 3_600_000);
    departure.setSeconds(0, 0);
    const pad = (n: number) => String(n).padStart(2, "0");
    const local = `${departure.getFullYear()}-${pad(departure.getMonth() + 1)}-${pad(departure.getDate())}T${pad(departure.getHours())}:${pad(departure.getMinutes())}`;
    await page.fill("#trip-departure", local);
    await page.fill("#trip-capacity", "30");
    await page.click("#add-trip button[type=submit]");
    await sent(page, "add-trip", "Schedule departure");
    const after = await loads();
    expect(after.length).toBe(before + 1);
    const added = after[after.length - 1];
    expect(added.capacity).toBe(30);
    expect(added.departureMs).toBe(BigInt(departure.getTime()));
    expect(added.route).toBe(0n);
    await page.close();
  });

  it("tells a resident who is not an operator so, and shows no report", async () => {
    const page = await open(city.browser, "Bob", "operator");
    await page.getByTestId("not-operator").waitFor();
    expect(await page.getByTestId("planning").count()).toBe(0);
    expect(await city.chain.read("fare_pricing", "isOperator", await devAddress("Bob")).then((v: any) => v.isTrue)).toBe(false);
    await page.close();
  });
});
