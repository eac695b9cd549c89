import { describe, expect, it } from "vitest";
import { co2e, credits, energy, fee, parseCredits, short } from "../src/format";

describe("amounts for people", () => {
  it("writes credits with their decimals, grouped, without trailing zeros", () => {
    expect(credits(12_500_000n)).toBe("12.5");
    expect(credits(0n)).toBe("0");
    expect(credits(1n)).toBe("0.000001");
    expect(credits(1_234_567_000_000n)).toBe("1,234,567");
    expect(credits(-4_500_000n)).toBe("-4.5");
  });

  it("reads what a person types, and names what it cannot read", () => {
    expect(parseCredits("12.5")).toBe(12_500_000n);
    expect(parseCredits(" 1,000 ")).toBe(1_000_000_000n);
    expect(parseCredits("0.000001")).toBe(1n);
    expect(parseCredits("7")).toBe(7_000_000n);
    expect(() => parseCredits("0.0000001")).toThrow(/at most 6 decimals/);
    expect(() => parseCredits("-3")).toThrow(/not an amount/);
    expect(() => parseCredits("ten")).toThrow(/not an amount/);
    expect(() => parseCredits("")).toThrow(/not an amount/);
    for (const amount of [0n, 1n, 999_999n, 12_500_000n, 10n ** 30n]) {
      expect(parseCredits(credits(amount))).toBe(amount);
    }
  });

  it("writes energy, CO2e, fees and addresses", () => {
    expect(energy(5500)).toBe("5.5 kWh");
    expect(energy(999)).toBe("999 Wh");
    expect(co2e(1500n)).toBe("1.5 kg CO2e");
    expect(co2e(400n)).toBe("400 g CO2e");
    expect(fee(1_234_567_890n, "UNIT", 12)).toBe("0.0012 UNIT");
    expect(fee(3_000_000_000_000n, "UNIT", 12)).toBe("3 UNIT");
    expect(fee(12_000_000n, "UNIT", 12)).toBe("0.000012 UNIT");
    expect(short("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")).toBe("5GrwvaEF…cNoHGKutQY");
  });
});

describe("ids people type", () => {
  it("takes 12 and #12, and names anything else", async () => {
    const { parseId } = await import("../src/format");
    expect(parseId(" #12 ", "offer")).toBe(12n);
    expect(parseId("7", "voucher")).toBe(7n);
    expect(() => parseId("", "offer")).toThrow("Give the offer's number (like 12).");
    expect(() => parseId("x1", "offer")).toThrow(/offer's number/);
  });
});
