import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Abi } from "@polkadot/api-contract";
import { outcomeOf } from "../src/chain";
import { explain } from "../src/errors";

// every error variant any of the city's contracts can return, from their metadata
function variantNames(): Set<string> {
  const names = new Set<string>(["CouldNotReadInput"]);
  for (const contract of ["identity_registry", "credit_token", "energy_market", "parking_rental", "fare_pricing"]) {
    const abi = JSON.parse(readFileSync(new URL(`../../../artifacts/${contract}/${contract}.json`, import.meta.url), "utf8"));
    for (const { type } of abi.types) {
      const last = type.path?.[type.path.length - 1] ?? "";
      if (last.endsWith("Error") && type.def.variant) {
        for (const variant of type.def.variant.variants ?? []) names.add(variant.name);
      }
    }
  }
  return names;
}

describe("refusals in words", () => {
  it("explains by the innermost name and keeps the whole name for support", () => {
    expect(explain(["PSP22", "InsufficientBalance"])).toBe(
      "You do not have that many credits. (PSP22 › InsufficientBalance)",
    );
    expect(explain(["Token", "Paused"])).toMatch(/^This service is paused/);
    expect(explain(["SegmentFull"])).toBe("The contract refused: segment full. (SegmentFull)");
  });

  it("has a sentence only for names the contracts really return", () => {
    const names = variantNames();
    const source = readFileSync(new URL("../src/errors.ts", import.meta.url), "utf8");
    const keys = [...source.matchAll(/^  ([A-Za-z0-9]+): "/gm)].map((m) => m[1]);
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.filter((key) => !names.has(key))).toEqual([]);
  });
});

describe("a message's output as the node returns it", () => {
  // the token's own metadata builds the codecs a dry run of `redeem_voucher` returns
  const abi = new Abi(
    JSON.parse(readFileSync(new URL("../../../artifacts/credit_token/credit_token.json", import.meta.url), "utf8")),
  );
  const output = (value: unknown) => {
    const message = abi.findMessage("redeem_voucher");
    return abi.registry.createTypeUnsafe(message.returnType!.lookupName || message.returnType!.type, [value]);
  };

  it("names a nested refusal from the outermost variant in", async () => {
    const refused = outcomeOf(output({ ok: { err: { PSP22: "InsufficientBalance" } } }));
    expect(refused).toEqual({
      ok: false,
      path: ["PSP22", "InsufficientBalance"],
      error: "You do not have that many credits. (PSP22 › InsufficientBalance)",
    });
    const closed = outcomeOf(output({ ok: { err: "VoucherClosed" } }));
    expect(closed.ok ? [] : closed.path).toEqual(["VoucherClosed"]);
  });

  it("gives the value of a message that succeeded, and names the language error", () => {
    const fine = outcomeOf(output({ ok: { ok: null } }));
    expect(fine.ok).toBe(true);
    const unreadable = outcomeOf(output({ err: "CouldNotReadInput" }));
    expect(unreadable.ok ? [] : unreadable.path).toEqual(["CouldNotReadInput"]);
  });
});
