import { describe, expect, it } from "vitest";
import vector from "./planning-vector.json";
import { suggestions } from "../src/planning";

describe("the operator's planning report", () => {
  it("is the Rust SDK's for the shared vector", () => {
    const loads = vector.trips.map((t) => ({
      trip: BigInt(t.trip),
      route: BigInt(t.route),
      departureMs: BigInt(t.departure_ms),
      capacity: t.capacity,
      segmentLoad: t.segment_load,
      passengerStages: BigInt(t.passenger_stages),
      cancelled: t.cancelled,
    }));
    const report = suggestions(loads, vector.target_bps).map((s) => ({
      route: Number(s.route),
      hour: s.hour,
      trips: s.trips,
      load_factor_bps: s.loadFactorBps,
      peak_segment_bps: s.peakSegmentBps,
      suggested_trips: s.suggestedTrips,
    }));
    expect(report).toEqual(vector.suggestions);
  });

  it("suggests one departure at least, and none from cancelled trips", () => {
    const quiet = { trip: 0n, route: 0n, departureMs: 0n, capacity: 40, segmentLoad: [0, 0], passengerStages: 0n, cancelled: false };
    expect(suggestions([quiet], 8000)[0].suggestedTrips).toBe(1);
    expect(suggestions([{ ...quiet, cancelled: true }], 8000)).toEqual([]);
  });
});
