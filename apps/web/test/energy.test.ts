import { describe, expect, it } from "vitest";
import { offerCost } from "../src/pages/energy";

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
