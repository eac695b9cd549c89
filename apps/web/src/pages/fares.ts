// What the transit and operator pages read of the fare contract: its routes and its trips.
// The contract keeps them by sequential id and lists neither, so they are read id by id
// until the first missing one (at most a few hundred: a city with more needs an indexer).
import { u8aToString } from "@polkadot/util";
import type { City } from "../chain";
import type { TripLoad } from "../planning";
import { big, get } from "./page";
import { untilMissing } from "./paging";

const MAX_ROUTES = 50;
const MAX_TRIPS = 200;

export interface RouteView {
  id: bigint;
  operator: string;
  stops: string[];
}

/** Every route, with its stops' names. */
export async function routes(city: City, reader: string): Promise<RouteView[]> {
  const all = await untilMissing(MAX_ROUTES, async (id) => {
    const route: any = await city.read("fare_pricing", "route", reader, id);
    return route.isSome ? route.unwrap() : undefined;
  });
  return all.map(([id, route]) => ({
    id,
    operator: get(route, "operator").toString(),
    stops: get(route, "stops").toArray().map((stop: any) => u8aToString(stop.toU8a(true))),
  }));
}

/** A trip as the pages show it: its load as the planning report takes it, and its state. */
export interface TripView extends TripLoad {
  state: string;
}

/** Every trip. */
export async function trips(city: City, reader: string): Promise<TripView[]> {
  const all = await untilMissing(MAX_TRIPS, async (id) => {
    const trip: any = await city.read("fare_pricing", "trip", reader, id);
    return trip.isSome ? trip.unwrap() : undefined;
  });
  return all.map(([id, trip]) => {
    const state: string = get(trip, "state").type;
    return {
      trip: id,
      route: big(get(trip, "route")),
      departureMs: big(get(trip, "departure_ms")),
      capacity: Number(get(trip, "capacity").toString()),
      segmentLoad: get(trip, "segment_load").toArray().map((n: any) => Number(n.toString())),
      passengerStages: big(get(trip, "passenger_stages")),
      cancelled: state === "Cancelled",
      state,
    };
  });
}
