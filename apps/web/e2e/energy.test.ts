import { describe, expect, it } from "vitest";
import { SHOTS, devAddress, open, sent, useCity } from "./city";

const city = useCity();

const ledger = async (name: string): Promise<bigint> =>
  (await city.chain.read("energy_market", "energyAccount", await devAddress(name))).ledgerWh.toBigInt();

describe("P2P energy in a browser, against a node", () => {
  it("a prosumer offers energy and another buys part of the offer", async () => {
    // Bob offers 2 kWh of his ledger at 1.5 SCP/kWh
    const bobLedger = await ledger("Bob");
    expect(bobLedger).toBeGreaterThanOrEqual(2_000n);
    const bob = await open(city.browser, "Bob", "energy");
    // his rooftop meter, with the registers the market accepted last
    const device = bob.locator("[data-testid=devices] tr[data-testid^=device-]").first();
    await device.waitFor();
    const deviceId = (await device.getAttribute("data-testid"))!.replace("device-", "");
    const last = (await city.chain.read("energy_market", "meter", deviceId)).unwrap();
    expect(last.exportWhTotal.toBigInt()).toBe(6_000n);
    expect(await device.locator("td").nth(4).textContent()).toBe("6 kWh");
    await bob.fill("#sell-kwh", "2");
    await bob.fill("#sell-price", "1.5");
    await bob.click("#sell button[type=submit]");
    await sent(bob, "sell", "Offer energy");
    const row = bob.locator("[data-testid=offers] tr", { hasText: "you" }).last();
    await row.waitFor();
    const id = BigInt(((await row.locator("td").first().textContent()) ?? "").replace("#", ""));
    expect(await ledger("Bob")).toBe(bobLedger - 2_000n);
    await bob.close();

    // Charlie buys 0.5 kWh of it: an allowance first, then the purchase
    const [charlieBalance, bobBalance, charlieLedger] = [
      await city.chain.balance("Charlie"),
      await city.chain.balance("Bob"),
      await ledger("Charlie"),
    ];
    const treasury = city.chain.manifestAccount("treasury");
    const treasuryBefore = (await city.chain.read("credit_token", "psp22::balanceOf", treasury)).toBigInt();
    const charlie = await open(city.browser, "Charlie", "energy");
    await charlie.fill("#buy-offer", id.toString());
    await charlie.fill("#buy-kwh", "0.5");
    await charlie.screenshot({ path: `${SHOTS}/energy.png`, fullPage: true });
    await charlie.click("#buy button[type=submit]");
    await sent(charlie, "buy", "Buy energy");

    // 500 Wh at 1.5 SCP/kWh: 0.75 SCP, 2.5 % of it to the city's fee account
    const cost = 750_000n;
    const fee = (cost * 250n) / 10_000n;
    expect(await city.chain.balance("Charlie")).toBe(charlieBalance - cost);
    expect(await city.chain.balance("Bob")).toBe(bobBalance + cost - fee);
    expect((await city.chain.read("credit_token", "psp22::balanceOf", treasury)).toBigInt()).toBe(treasuryBefore + fee);
    expect(await ledger("Charlie")).toBe(charlieLedger + 500n);
    const offer = (await city.chain.read("energy_market", "offer", id)).unwrap();
    expect(offer.whLeft.toBigInt()).toBe(1_500n);

    // more than is left: refused in words, nothing paid
    await charlie.fill("#buy-offer", id.toString());
    await charlie.fill("#buy-kwh", "5");
    await charlie.click("#buy button[type=submit]");
    await charlie.getByTestId("buy-status").filter({ hasText: "less energy left than that" }).waitFor();
    expect(await city.chain.balance("Charlie")).toBe(charlieBalance - cost);
    await charlie.close();
  });
});
