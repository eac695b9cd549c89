// The operator's planning report, as the Rust SDK computes it
// (`smartcity_sdk::fares::suggestions`, the `smartcity fares report` command): trips that
// ran grouped by route and hour of departure (UTC), how full they ran, and how many
// departures would carry the same riders at the target load. The shared vector
// `test/planning-vector.json` holds both to the same answers.

/** One trip's load, as the fare contract's `trip` holds it. */
export interface TripLoad {
  trip: bigint;
  route: bigint;
  departureMs: bigint;
  capacity: number;
  /** Passengers per segment. */
  segmentLoad: number[];
  passengerStages: bigint;
  cancelled: boolean;
}

export interface Suggestion {
  route: bigint;
  /** Hour of the UTC day the trips leave in. */
  hour: number;
  trips: number;
  loadFactorBps: number;
  /** The busiest segment, in basis points of a trip's capacity. */
  peakSegmentBps: number;
  /** Departures carrying the same passenger-stages at the target load (at least 1; one
   * more than now when a segment was full). */
  suggestedTrips: number;
}

const HOUR_MS = 3_600_000n;

/** Groups the trips that ran by route and hour and suggests departures towards `targetBps`. */
export function suggestions(loads: TripLoad[], targetBps: number): Suggestion[] {
  const groups = new Map<string, TripLoad[]>();
  for (const load of loads.filter((l) => !l.cancelled)) {
    const hour = (load.departureMs / HOUR_MS) % 24n;
    const key = `${load.route}:${hour}`;
    groups.set(key, [...(groups.get(key) ?? []), load]);
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => {
    const [ra, ha] = a.split(":").map(BigInt);
    const [rb, hb] = b.split(":").map(BigInt);
    return ra === rb ? Number(ha - hb) : ra < rb ? -1 : 1;
  });
  return ordered.map(([key, trips]) => {
    const [route, hour] = key.split(":").map(BigInt);
    const passengerStages = trips.reduce((sum, t) => sum + t.passengerStages, 0n);
    const seatStages = trips.reduce((sum, t) => sum + BigInt(t.capacity) * BigInt(t.segmentLoad.length), 0n);
    const perTrip = seatStages / BigInt(trips.length);
    const atTarget = (perTrip * BigInt(targetBps)) / 10_000n;
    const divisor = atTarget > 0n ? atTarget : 1n;
    let suggested = Number((passengerStages + divisor - 1n) / divisor);
    suggested = Math.max(suggested, 1);
    const peakSegmentBps = Math.max(
      0,
      ...trips.flatMap((t) => t.segmentLoad.map((l) => Math.floor((l * 10_000) / Math.max(t.capacity, 1)))),
    );
    if (peakSegmentBps >= 10_000) suggested = Math.max(suggested, trips.length + 1);
    return {
      route,
      hour: Number(hour),
      trips: trips.length,
      loadFactorBps: seatStages > 0n ? Number((passengerStages * 10_000n) / seatStages) : 0,
      peakSegmentBps,
      suggestedTrips: suggested,
    };
  });
}
