import { cryptoWaitReady } from "@polkadot/util-crypto";
import { hexToU8a } from "@polkadot/util";
import { beforeAll, describe, expect, it } from "vitest";
import vector from "./rider-tag-vector.json";
import { ticketTag, tripTag } from "../src/rider";

beforeAll(async () => {
  await cryptoWaitReady();
});

describe("a rider's pseudonyms", () => {
  it("are the contract's for the shared vector, from the account's bytes or its address", () => {
    const rider = hexToU8a(`0x${vector.rider}`);
    expect(ticketTag(rider, BigInt(vector.ticket))).toBe(`0x${vector.ticket_tag}`);
    expect(ticketTag(vector.rider_ss58, BigInt(vector.ticket))).toBe(`0x${vector.ticket_tag}`);
    expect(tripTag(rider, BigInt(vector.trip))).toBe(`0x${vector.trip_tag}`);
  });

  it("differ from ticket to ticket and from trip to trip", () => {
    const tags = [ticketTag(vector.rider_ss58, 1n), ticketTag(vector.rider_ss58, 2n), tripTag(vector.rider_ss58, 1n)];
    expect(new Set(tags).size).toBe(3);
  });
});
