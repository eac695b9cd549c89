import { describe, expect, it } from "vitest";
import { heldDeviceIds, offerCost } from "../src/pages/energy";

describe("the price of part of an offer", () => {
  it("rounds up to the micro-credit, as the market's Offer::cost does", () => {
    // 1.5 SCP/kWh: 500 Wh cost 0.75 SCP exactly
    expect(offerCost(1_500_000n, 500n)).toBe(750_000n);
    // 0.000001 SCP/kWh: 1 Wh costs a thousandth of a micro-credit, charged as one
    expect(offerCost(1n, 1n)).toBe(1n);
    expect(offerCost(1n, 1_000n)).toBe(1n);
    expect(offerCost(1n, 1_001n)).toBe(2n);
    expect(offerCost(3_333_333n, 3n)).toBe(10_000n);
    expect(offerCost(2_000_000n, 0n)).toBe(0n);
  });
});

describe("the rent of a parking stay", async () => {
  const { rent, minuteOfDay } = await import("../src/pages/parking");
  it("bills started minutes at the hourly price, rounded up, as the rental does", () => {
    const hour = 3_600_000n;
    expect(rent(2_000_000n, 0n, hour)).toBe(2_000_000n);
    // 61 seconds are two started minutes
    expect(rent(2_000_000n, 0n, 61_000n)).toBe(66_667n);
    expect(rent(1n, 0n, 60_000n)).toBe(1n);
    expect(rent(60n, 0n, 1n)).toBe(1n);
  });
  it("reads a time of day, and names what is not one", () => {
    expect(minuteOfDay("08:00")).toBe(480);
    expect(minuteOfDay("24:00")).toBe(1440);
    expect(() => minuteOfDay("8h")).toThrow(/not a time of day/);
    expect(() => minuteOfDay("10:75")).toThrow(/not a time of day/);
  });
});

describe("the devices a resident holds", () => {
  const id = (n: number) => new Uint8Array(32).fill(n);
  const hex = (n: number) => "0x" + n.toString(16).padStart(2, "0").repeat(32);
  const event = (name: string, args: Record<string, unknown>) =>
    ({ block: 1, contract: "identity_registry", name, args }) as any;
  const account = (name: string) => ({ toString: () => name });
  it("come from the market's account (however old) and the registry's recent events", () => {
    const events = [
      event("DeviceRegistered", { deviceId: id(2), owner: account("eve") }),
      event("DeviceRegistered", { deviceId: id(3), owner: account("bob") }),
      event("DeviceTransferred", { deviceId: id(3), from: account("bob"), to: account("eve") }),
      event("DeviceRegistered", { deviceId: id(4), owner: account("eve") }),
      event("DeviceTransferred", { deviceId: id(4), from: account("eve"), to: account("bob") }),
    ];
    // meter 1 was registered before the blocks the node keeps: the account still names it
    expect(heldDeviceIds("eve", events, [hex(1)]).sort()).toEqual([hex(1), hex(2), hex(3)]);
    expect(heldDeviceIds("bob", events, []).sort()).toEqual([hex(4)]);
  });
});
