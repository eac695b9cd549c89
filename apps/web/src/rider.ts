// A rider's pseudonyms, as the fare contract keeps them (`interfaces::fares::rider_tag`):
// the contract stores and emits no rider's account (security review M-10), only
// blake2-256(domain ++ account ++ SCALE(scope)), one per ticket and one per trip. The app
// finds the resident's own tickets by computing its pseudonym for each.
import { bnToU8a, stringToU8a, u8aConcat, u8aToHex } from "@polkadot/util";
import { blake2AsU8a, decodeAddress } from "@polkadot/util-crypto";

/** The domain of a rider's pseudonym (`interfaces::fares::RIDER_TAG_DOMAIN`). */
export const RIDER_TAG_DOMAIN = stringToU8a("smartcity/rider-tag/v1");

/** What a pseudonym stands for: SCALE's variant index of `RideScope`. */
const TICKET = 0;
const TRIP = 1;

function tag(rider: string | Uint8Array, variant: number, id: bigint): string {
  const account = typeof rider === "string" ? decodeAddress(rider) : rider;
  const scope = u8aConcat(new Uint8Array([variant]), bnToU8a(id, { bitLength: 64, isLe: true }));
  return u8aToHex(blake2AsU8a(u8aConcat(RIDER_TAG_DOMAIN, account, scope), 256));
}

/** The rider's pseudonym for ticket `ticket` (hex, as the contract's `riderTag`). */
export const ticketTag = (rider: string | Uint8Array, ticket: bigint): string => tag(rider, TICKET, ticket);

/** The rider's pseudonym on trip `trip` (its tap-in there). */
export const tripTag = (rider: string | Uint8Array, trip: bigint): string => tag(rider, TRIP, trip);
