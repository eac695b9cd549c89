//! Typed client of the fare contract, and a transit validator simulator that signs
//! boardings and tap-in/tap-out events the way a real validator does.

use crate::contract::contract_client;
use crate::{
    contract::{contract_events, messages, ClientError, Receipt},
    keys::DeviceSigner,
};
use interfaces::{
    fares::{
        events as ev, validator_preimage, FareError, FareQuote, FareRule, Route,
        SignedValidatorEvent, Ticket, Trip, ValidatorAction, ValidatorEvent, ValidatorOutcome,
    },
    AccountId, Deployment, DeviceId, DeviceKey, TimestampMs,
};
use scale::Encode;

pub type FareResult<T> = Result<Receipt<T>, ClientError<FareError>>;

contract_client!(
    /// The fare contract at `handle.address`, wired to a registry and a token.
    FareClient,
    FareError,
    signed,
    deploy = new(registry: AccountId, token: AccountId)
);

impl FareClient {
    messages! {
        tx FareError, set_operator(account: AccountId, operator: bool) -> ();
        tx FareError, set_paused(paused: bool) -> ();
        tx FareError, claim_refund(ticket: u64) -> u128;
        tx FareError, release_fares(trip: u64) -> u128;
        tx FareError, repay_debt(creditor: AccountId, amount: u128) -> u128;
        tx FareError, move_debt(from: AccountId) -> ();
        tx FareError, take_over_ticket(ticket: u64, from: AccountId) -> ();
        tx FareError, add_route(stops: Vec<Vec<u8>>, rule: FareRule, cancel_fee_bps: u32, cancel_cutoff_ms: u64) -> u64;
        tx FareError, add_trip(route: u64, departure_ms: TimestampMs, capacity: u32) -> u64;
        tx FareError, cancel_trip(trip: u64) -> u32;
        tx FareError, book_ticket(trip: u64, board: u32, alight: u32) -> u64;
        tx FareError, cancel_ticket(ticket: u64) -> u128;
        tx FareError, validate(signed: SignedValidatorEvent) -> ValidatorOutcome;
        tx FareError, reset_validator_sequence(validator: DeviceId) -> ();
        tx FareError, set_spending_cap(operator: AccountId, cap: u128) -> ();
        read FareError, is_paused() -> bool;
        read FareError, is_operator(account: AccountId) -> bool;
        read FareError, route(route: u64) -> Option<Route>;
        read FareError, trip(trip: u64) -> Option<Trip>;
        read FareError, ticket(ticket: u64) -> Option<Ticket>;
        read FareError, debt(account: AccountId) -> u128;
        read FareError, spending_cap(rider: AccountId, operator: AccountId) -> u128;
        read_fallible FareError, quote(route: u64, board: u32, alight: u32) -> FareQuote;
        read_fallible FareError, occupancy(trip: u64) -> (Vec<u32>, u32);
        read_fallible FareError, trip_tickets(trip: u64, from: u32, limit: u32) -> Vec<(u64, Ticket)>;
    }
}

contract_events!(
    /// Every fare-contract event, typed.
    FareEvent,
    fare_events,
    [
        OperatorChanged,
        FarePauseChanged,
        FaresReleased,
        RouteAdded,
        TripScheduled,
        TripCancelled,
        TicketBooked,
        TicketCancelled,
        TicketRefunded,
        TicketBoarded,
        TappedIn,
        TappedOut,
        ValidatorEventRefused,
        ValidatorSequenceReset,
        SpendingCapSet,
        DebtRecorded,
        DebtRepaid,
        DebtMoved,
        TicketTakenOver,
    ]
);

/// A simulated transit validator bound to one fare deployment: keeps its key and
/// sequence and signs what it sees.
#[derive(Debug, Clone)]
pub struct ValidatorSimulator {
    pub validator: DeviceId,
    signer: DeviceSigner,
    /// The fare contract (on its chain) every signature is bound to.
    pub fares: Deployment,
    /// The last sequence number signed; the next event gets `seq + 1`.
    pub seq: u64,
}

impl ValidatorSimulator {
    pub fn new(validator: DeviceId, signer: DeviceSigner, fares: Deployment) -> Self {
        Self {
            validator,
            signer,
            fares,
            seq: 0,
        }
    }

    /// The key to register in the identity registry.
    pub fn public_key(&self) -> DeviceKey {
        self.signer.public_key()
    }

    /// Signs the next event: `action` seen at `at_ms`.
    pub fn next(&mut self, action: ValidatorAction, at_ms: TimestampMs) -> SignedValidatorEvent {
        self.seq += 1;
        self.sign(ValidatorEvent {
            validator: self.validator,
            seq: self.seq,
            at_ms,
            action,
        })
    }

    /// Signs any event as this validator (tests use it to forge and replay).
    pub fn sign(&self, event: ValidatorEvent) -> SignedValidatorEvent {
        let preimage = validator_preimage(&self.fares, &event).encode();
        SignedValidatorEvent {
            signature: self.signer.sign_digest(&crate::blake2_256(&preimage)),
            event,
        }
    }
}

/// One trip's load, rebuilt from the fare contract's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripLoad {
    pub trip: u64,
    pub route: u64,
    pub departure_ms: TimestampMs,
    pub capacity: u32,
    /// Passengers per segment: booked tickets and completed tap-in/tap-out rides.
    pub segment_load: Vec<u32>,
    pub passenger_stages: u64,
    pub cancelled: bool,
}

impl TripLoad {
    /// Passenger-stages over seat-stages, in basis points.
    pub fn load_factor_bps(&self) -> u32 {
        let seat_stages = u64::from(self.capacity) * self.segment_load.len() as u64;
        (self.passenger_stages * 10_000)
            .checked_div(seat_stages)
            .unwrap_or(0) as u32
    }
}

/// Every trip's load from the fare events of a chain, in trip order: `TripScheduled`
/// opens a trip (its route's `RouteAdded` gives the stages), `TicketBooked` and
/// `TappedOut` add a ride, `TicketCancelled` takes one away, `TripCancelled` marks it.
pub fn trip_loads(events: &[FareEvent]) -> Vec<TripLoad> {
    use std::collections::BTreeMap;
    let mut stages: BTreeMap<u64, usize> = BTreeMap::new();
    let mut trips: BTreeMap<u64, TripLoad> = BTreeMap::new();
    let mut tickets: BTreeMap<u64, (u64, u32, u32)> = BTreeMap::new();
    let ride =
        |trips: &mut BTreeMap<u64, TripLoad>, trip: u64, board: u32, alight: u32, add: bool| {
            if let Some(load) = trips.get_mut(&trip) {
                let end = (alight as usize).min(load.segment_load.len());
                for segment in &mut load.segment_load[(board as usize).min(end)..end] {
                    *segment = if add {
                        *segment + 1
                    } else {
                        segment.saturating_sub(1)
                    };
                }
                let ridden = u64::from(alight.saturating_sub(board));
                load.passenger_stages = if add {
                    load.passenger_stages + ridden
                } else {
                    load.passenger_stages.saturating_sub(ridden)
                };
            }
        };
    for event in events {
        match event {
            FareEvent::RouteAdded(e) => {
                stages.insert(e.route, e.stops.saturating_sub(1) as usize);
            }
            FareEvent::TripScheduled(e) => {
                let segments = stages.get(&e.route).copied().unwrap_or(0);
                trips.insert(
                    e.trip,
                    TripLoad {
                        trip: e.trip,
                        route: e.route,
                        departure_ms: e.departure_ms,
                        capacity: e.capacity,
                        segment_load: vec![0; segments],
                        passenger_stages: 0,
                        cancelled: false,
                    },
                );
            }
            FareEvent::TicketBooked(e) => {
                tickets.insert(e.ticket, (e.trip, e.board, e.alight));
                ride(&mut trips, e.trip, e.board, e.alight, true);
            }
            FareEvent::TicketCancelled(e) => {
                if let Some(&(trip, board, alight)) = tickets.get(&e.ticket) {
                    ride(&mut trips, trip, board, alight, false);
                }
            }
            FareEvent::TappedOut(e) => ride(&mut trips, e.trip, e.board, e.alight, true),
            FareEvent::TripCancelled(e) => {
                if let Some(load) = trips.get_mut(&e.trip) {
                    load.cancelled = true;
                }
            }
            _ => {}
        }
    }
    trips.into_values().collect()
}

/// For one route and hour of departure: how full its trips ran and how many departures
/// would carry the same riders at the target load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion {
    pub route: u64,
    /// Hour of the UTC day the trips leave in.
    pub hour: u64,
    pub trips: u32,
    pub load_factor_bps: u32,
    /// The busiest segment of those trips, in basis points of a trip's capacity.
    pub peak_segment_bps: u32,
    /// Departures that carry the same passenger-stages at the target load (at least 1),
    /// and one more than now when a segment was full.
    pub suggested_trips: u32,
}

/// Groups the trips that ran (not cancelled) by route and hour and suggests departures
/// towards `target_bps` (8,000 = 80 %).
pub fn suggestions(loads: &[TripLoad], target_bps: u32) -> Vec<Suggestion> {
    use std::collections::BTreeMap;
    let mut groups: BTreeMap<(u64, u64), Vec<&TripLoad>> = BTreeMap::new();
    for load in loads.iter().filter(|l| !l.cancelled) {
        let hour = load.departure_ms / 3_600_000 % 24;
        groups.entry((load.route, hour)).or_default().push(load);
    }
    groups
        .into_iter()
        .map(|((route, hour), trips)| {
            let passenger_stages: u64 = trips.iter().map(|t| t.passenger_stages).sum();
            let seat_stages: u64 = trips
                .iter()
                .map(|t| u64::from(t.capacity) * t.segment_load.len() as u64)
                .sum();
            let per_trip = seat_stages / trips.len() as u64;
            let at_target = per_trip * u64::from(target_bps) / 10_000;
            let mut suggested = passenger_stages.div_ceil(at_target.max(1)).max(1) as u32;
            let peak_segment_bps = trips
                .iter()
                .flat_map(|t| {
                    t.segment_load
                        .iter()
                        .map(|&l| (u64::from(l) * 10_000 / u64::from(t.capacity.max(1))) as u32)
                })
                .max()
                .unwrap_or(0);
            if peak_segment_bps >= 10_000 {
                suggested = suggested.max(trips.len() as u32 + 1);
            }
            Suggestion {
                route,
                hour,
                trips: trips.len() as u32,
                load_factor_bps: (passenger_stages * 10_000)
                    .checked_div(seat_stages)
                    .unwrap_or(0) as u32,
                peak_segment_bps,
                suggested_trips: suggested,
            }
        })
        .collect()
}

/// The planning report `smartcity fares report` prints: each trip's load per segment,
/// then per route and hour a suggestion towards the target load.
pub fn render_report(loads: &[TripLoad], target_bps: u32) -> String {
    let mut out = String::new();
    let percent = |bps: u32| format!("{:.0} %", f64::from(bps) / 100.0);
    for load in loads {
        let hh_mm = {
            let minutes = load.departure_ms / 60_000 % 1_440;
            format!("{:02}:{:02}", minutes / 60, minutes % 60)
        };
        let segments: Vec<String> = load
            .segment_load
            .iter()
            .map(|&l| format!("{l}/{}", load.capacity))
            .collect();
        out.push_str(&format!(
            "  trip {} (route {}, {hh_mm}){}: load {} | segments {}\n",
            load.trip,
            load.route,
            if load.cancelled { " CANCELLED" } else { "" },
            percent(load.load_factor_bps()),
            segments.join(" ")
        ));
    }
    out.push_str(&format!("  towards a {} load:\n", percent(target_bps)));
    for s in suggestions(loads, target_bps) {
        let advice = match s.suggested_trips.cmp(&s.trips) {
            std::cmp::Ordering::Less => {
                format!("fewer departures: {} -> {}", s.trips, s.suggested_trips)
            }
            std::cmp::Ordering::Greater => {
                format!("more departures: {} -> {}", s.trips, s.suggested_trips)
            }
            std::cmp::Ordering::Equal => format!("keep {} departures", s.trips),
        };
        out.push_str(&format!(
            "  route {} at {:02}:00: {} trips, load {}, busiest segment {} -> {advice}\n",
            s.route,
            s.hour,
            s.trips,
            percent(s.load_factor_bps),
            percent(s.peak_segment_bps),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use interfaces::fares::{FareRule, Slab};

    fn scheduled(trip: u64, hour: u64, capacity: u32) -> FareEvent {
        FareEvent::TripScheduled(ev::TripScheduled {
            trip,
            route: 0,
            departure_ms: hour * 3_600_000,
            capacity,
        })
    }

    fn booked(ticket: u64, trip: u64, board: u32, alight: u32) -> FareEvent {
        FareEvent::TicketBooked(ev::TicketBooked {
            ticket,
            trip,
            rider_tag: [1; 32],
            board,
            alight,
            fare: 1,
            slab_fare: 1,
        })
    }

    #[test]
    fn loads_follow_bookings_cancellations_and_taps_and_suggest_departures() {
        let route = FareEvent::RouteAdded(ev::RouteAdded {
            route: 0,
            operator: AccountId::from([2; 32]),
            stops: 5,
            rule: FareRule {
                slabs: vec![Slab {
                    up_to_stages: 4,
                    fare: 1,
                }],
            },
        });
        let mut events = vec![
            route,
            scheduled(0, 7, 2),
            scheduled(1, 7, 2),
            scheduled(2, 8, 2),
        ];
        // 07:00: one rider on each trip, one stage each: 2 of 16 seat-stages
        events.push(booked(0, 0, 0, 1));
        events.push(booked(1, 1, 0, 1));
        events.push(booked(2, 1, 1, 2));
        events.push(FareEvent::TicketCancelled(ev::TicketCancelled {
            ticket: 2,
            trip: 1,
            refund: 1,
            fee: 0,
        }));
        // 08:00: full end to end, twice
        events.push(booked(3, 2, 0, 4));
        events.push(booked(4, 2, 0, 4));
        events.push(FareEvent::TappedOut(ev::TappedOut {
            trip: 0,
            rider_tag: [3; 32],
            board: 2,
            alight: 4,
            fare: 1,
            paid: true,
        }));
        let loads = trip_loads(&events);
        assert_eq!(loads[0].segment_load, vec![1, 0, 1, 1]);
        assert_eq!(loads[1].segment_load, vec![1, 0, 0, 0]);
        assert_eq!(loads[2].load_factor_bps(), 10_000);
        let advice = suggestions(&loads, 8_000);
        assert_eq!(
            (advice[0].hour, advice[0].trips, advice[0].suggested_trips),
            (7, 2, 1)
        );
        assert_eq!(
            (
                advice[1].hour,
                advice[1].peak_segment_bps,
                advice[1].suggested_trips
            ),
            (8, 10_000, 2)
        );
        assert!(render_report(&loads, 8_000).contains("fewer departures: 2 -> 1"));
    }

    /// The contract stores riders as pseudonyms the web app finds its tickets by;
    /// `apps/web/test/rider-tag-vector.json` holds one of each kind, which the app's unit
    /// tests check too.
    #[test]
    fn the_shared_rider_tag_vector_is_what_the_contract_computes() {
        use interfaces::fares::{rider_tag, RideScope};
        let vector: serde_json::Value =
            serde_json::from_str(include_str!("../../apps/web/test/rider-tag-vector.json"))
                .unwrap();
        let hex32 = |key: &str| -> [u8; 32] {
            let text = vector[key].as_str().unwrap();
            let bytes: Vec<u8> = (0..64)
                .step_by(2)
                .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
                .collect();
            bytes.try_into().unwrap()
        };
        let rider = AccountId::from(hex32("rider"));
        let (ticket, trip) = (
            vector["ticket"].as_u64().unwrap(),
            vector["trip"].as_u64().unwrap(),
        );
        assert_eq!(
            rider_tag(&rider, RideScope::Ticket(ticket)),
            hex32("ticket_tag")
        );
        assert_eq!(rider_tag(&rider, RideScope::Trip(trip)), hex32("trip_tag"));
        assert_eq!(crate::ss58(&rider), vector["rider_ss58"].as_str().unwrap());
    }

    /// The web app's operator page computes the report in the browser;
    /// `apps/web/test/planning-vector.json` holds six trips and their report, which the
    /// app's unit tests check too.
    #[test]
    fn the_shared_planning_vector_is_what_this_sdk_computes() {
        let vector: serde_json::Value =
            serde_json::from_str(include_str!("../../apps/web/test/planning-vector.json")).unwrap();
        let number = |v: &serde_json::Value| v.as_u64().unwrap();
        let loads: Vec<TripLoad> = vector["trips"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| TripLoad {
                trip: number(&t["trip"]),
                route: number(&t["route"]),
                departure_ms: number(&t["departure_ms"]),
                capacity: number(&t["capacity"]) as u32,
                segment_load: t["segment_load"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| number(l) as u32)
                    .collect(),
                passenger_stages: number(&t["passenger_stages"]),
                cancelled: t["cancelled"].as_bool().unwrap(),
            })
            .collect();
        let expected: Vec<Suggestion> = vector["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| Suggestion {
                route: number(&s["route"]),
                hour: number(&s["hour"]),
                trips: number(&s["trips"]) as u32,
                load_factor_bps: number(&s["load_factor_bps"]) as u32,
                peak_segment_bps: number(&s["peak_segment_bps"]) as u32,
                suggested_trips: number(&s["suggested_trips"]) as u32,
            })
            .collect();
        let target = number(&vector["target_bps"]) as u32;
        assert_eq!(suggestions(&loads, target), expected);
    }
}
