import { hexToU8a, u8aToHex } from "@polkadot/util";
import { cryptoWaitReady, secp256k1PairFromSeed, secp256k1Recover, blake2AsU8a } from "@polkadot/util-crypto";
import { beforeAll, describe, expect, it } from "vitest";
import vector from "./voucher-vector.json";
import { oneTimeKey, parsePayload, payload, redemptionDigest, redemptionPreimage, signRedemption } from "../src/voucher";

const bytes = (hex: string) => hexToU8a(`0x${hex}`);

beforeAll(async () => {
  await cryptoWaitReady();
});

describe("the voucher a browser redeems", () => {
  it("computes the Rust SDK's digest and signature for the shared vector", () => {
    const ticket = parsePayload(vector.payload);
    expect(u8aToHex(ticket.token, -1, false)).toBe(vector.token);
    expect(ticket.voucherId).toBe(BigInt(vector.voucher_id));
    expect(u8aToHex(ticket.secret, -1, false)).toBe(vector.secret);
    expect(u8aToHex(secp256k1PairFromSeed(ticket.secret).publicKey, -1, false)).toBe(vector.public_key);
    const redeemer = bytes(vector.redeemer);
    const chain = bytes(vector.chain);
    expect(u8aToHex(redemptionDigest({ token: ticket.token, chain }, ticket.voucherId, redeemer), -1, false)).toBe(vector.digest);
    expect(u8aToHex(signRedemption(ticket, chain, redeemer), -1, false)).toBe(vector.signature);
    expect(payload(ticket)).toBe(vector.payload);
  });

  it("signs for one redeemer on one chain only: the key recovers from that digest alone", () => {
    const key = oneTimeKey();
    const ticket = { token: new Uint8Array(32).fill(7), voucherId: 42n, secret: key.secret };
    const [bob, chain] = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(3)];
    const signature = signRedemption(ticket, chain, bob);
    expect(signature.length).toBe(65);
    expect(signature[64]).toBeLessThan(2);
    const recover = (who: Uint8Array, on = chain) =>
      u8aToHex(
        secp256k1Recover(
          blake2AsU8a(redemptionPreimage({ token: ticket.token, chain: on }, 42n, who)),
          signature.slice(0, 64),
          signature[64],
          "blake2",
        ),
      );
    // secp256k1Recover returns the compressed key of whoever signed that digest
    expect(recover(bob)).toBe(u8aToHex(key.publicKey));
    expect(recover(new Uint8Array(32).fill(2))).not.toBe(u8aToHex(key.publicKey));
    expect(recover(bob, new Uint8Array(32).fill(4))).not.toBe(u8aToHex(key.publicKey));
  });

  it("names every malformed part of a code", () => {
    const good = vector.payload;
    expect(() => parsePayload("SCV1:00:1")).toThrow(/4 parts/);
    expect(() => parsePayload(good.replace("SCV1", "XYZ9"))).toThrow(/not a smart-city voucher/);
    expect(() => parsePayload(`SCV1:ABCD:1:${vector.secret}`)).toThrow(/token address is not 32 bytes/);
    expect(() => parsePayload(`SCV1:${vector.token}:seven:${vector.secret}`)).toThrow(/not a number/);
    expect(() => parsePayload(`SCV1:${vector.token}:1:${"00".repeat(32)}`)).toThrow(/not a secp256k1 secret/);
    expect(() => parsePayload(`SCV1:${vector.token}:1:ZZ`)).toThrow(/secret is not hex/);
    expect(parsePayload(`  ${good.toLowerCase().replace("scv1", "SCV1")}\n`).voucherId).toBe(300000000007n);
  });
});
