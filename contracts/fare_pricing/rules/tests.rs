//! The rules' unit tests (plain `#[ink::test]`s); `attacks`: the security review's
//! attacks on these rules, each refused.

mod attacks;

use super::*;
use interfaces::fares::{Slab, ValidatorAction};

const MICRO: u128 = 1_000_000;
const HOUR: u64 = 3_600_000;

fn account(n: u8) -> AccountId {
    AccountId::from([n; 32])
}

/// The paper's slabs: up to 3 stages 10 credits, 4 to 7 stages 20 credits.
fn papers_rule() -> FareRule {
    FareRule {
        slabs: ink::prelude::vec![
            Slab {
                up_to_stages: 3,
                fare: 10 * MICRO
            },
            Slab {
                up_to_stages: 7,
                fare: 20 * MICRO
            },
        ],
    }
}

fn stops(n: u8) -> Vec<Vec<u8>> {
    (0..n).map(|i| ink::prelude::vec![b'A' + i]).collect()
}

/// Operator 1 runs route 0 (8 stops, the paper's slabs, 10 % fee inside an hour) and
/// trip 0 leaving at 10 h with 2 seats.
/// Route 0 of operator 1 (8 stops, the paper's slabs) with trip 0 at 10:00; riders 2 to 9
/// let operator 1 charge them up to 100 credits for tap-in rides.
fn fares() -> Fares {
    let mut fares = Fares::new(account(0));
    fares.set_operator(account(0), account(1), true).unwrap();
    fares
        .add_route(account(1), stops(8), papers_rule(), 1_000, HOUR)
        .unwrap();
    fares.add_trip(account(1), 0, 10 * HOUR, 2, 0).unwrap();
    for rider in 2..=9 {
        fares.set_spending_cap(account(rider), account(1), 100 * MICRO);
    }
    fares
}

fn validator(owner: u8) -> DeviceInfo {
    DeviceInfo {
        device_id: [50; 32],
        owner: account(owner),
        owner_id: [owner; 32],
        kind: DeviceKind::TransitValidator,
        key: [50; 33],
        metadata_hash: [0; 32],
        status: DeviceStatus::Commissioned,
        active: true,
        energy: None,
        owner_since_ms: 0,
    }
}

/// The reason a validator event was refused for, `None` when it applied.
fn refusal(validated: Result<Validated, FareError>) -> Result<Option<ValidatorRefusal>, FareError> {
    validated.map(|v| match v {
        Validated::Refused(refused) => Some(refused.reason),
        _ => None,
    })
}

fn event(seq: u64, at_ms: u64, action: ValidatorAction) -> ValidatorEvent {
    ValidatorEvent {
        validator: [50; 32],
        seq,
        at_ms,
        action,
    }
}

#[ink::test]
fn the_exact_fare_lies_between_the_slabs_on_the_papers_example() {
    let rule = papers_rule();
    // alighting at stage 5: half way from slab 1 (3 stages) to slab 2 (7 stages)
    assert_eq!(rule.exact_fare(5), Some(15 * MICRO));
    assert_eq!(rule.slab_fare(5), Some(20 * MICRO));
    // the slab points themselves cost the slab fare
    assert_eq!(rule.exact_fare(3), Some(10 * MICRO));
    assert_eq!(rule.exact_fare(7), Some(20 * MICRO));
    // one stage is a third of the first slab, rounded down for the rider
    assert_eq!(rule.exact_fare(1), Some(3_333_333));
    assert_eq!(rule.slab_fare(1), Some(10 * MICRO));
    assert_eq!(rule.exact_fare(4), Some(12_500_000));
    assert_eq!((rule.exact_fare(8), rule.exact_fare(0)), (None, None));
    for stages in 1..=7 {
        assert!(rule.exact_fare(stages) <= rule.slab_fare(stages));
    }
}

#[ink::test]
fn slab_tables_and_routes_are_validated() {
    let mut fares = fares();
    let mut falling = papers_rule();
    falling.slabs[1].fare = MICRO;
    assert_eq!(falling.validate(7), Err(FareError::InvalidSlabs));
    assert_eq!(papers_rule().validate(8), Err(FareError::SlabsTooShort));
    assert_eq!(
        fares.add_route(account(2), stops(4), papers_rule(), 0, 0),
        Err(FareError::NotOperator)
    );
    assert_eq!(
        fares.add_route(account(1), stops(1), papers_rule(), 0, 0),
        Err(FareError::InvalidStops)
    );
    assert_eq!(
        fares.add_route(account(1), stops(9), papers_rule(), 0, 0),
        Err(FareError::SlabsTooShort)
    );
    assert_eq!(
        fares.add_trip(account(2), 0, 10 * HOUR, 2, 0),
        Err(FareError::NotRouteOperator)
    );
    assert_eq!(
        fares.add_trip(account(1), 0, 10 * HOUR, 0, 0),
        Err(FareError::InvalidCapacity)
    );
    assert_eq!(
        fares.quote(0, 2, 7),
        Ok(FareQuote {
            stages: 5,
            exact: 15 * MICRO,
            slab: 20 * MICRO
        })
    );
    assert_eq!(fares.quote(0, 5, 5), Err(FareError::BadStops));
}

#[ink::test]
fn a_full_segment_refuses_only_the_rides_through_it() {
    let mut fares = fares();
    for rider in [2, 3] {
        fares.book(account(rider), true, 0, 0, 3, HOUR).unwrap();
    }
    // segment 1-2 is full, 3-5 is free
    assert_eq!(
        fares.book(account(4), true, 0, 1, 2, HOUR),
        Err(FareError::SegmentFull)
    );
    let booked = fares.book(account(4), true, 0, 3, 5, HOUR).unwrap();
    assert_eq!(
        (booked.fare, booked.board, booked.alight),
        (6_666_666, 3, 5)
    );
    assert_eq!(
        booked.rider_tag,
        fares.ticket(booked.ticket).unwrap().rider_tag
    );
    let trip = fares.trip(0).unwrap();
    // the fares are held in escrow: 10 + 10 + 6.666666 credits
    assert_eq!(trip.escrow, 26_666_666);
    assert_eq!(trip.segment_load, ink::prelude::vec![2, 2, 2, 1, 1, 0, 0]);
    // 3 + 3 + 2 passenger-stages over 2 seats x 7 stages
    assert_eq!(trip.load_factor_bps(), 5_714);
    assert_eq!(
        fares.book(account(5), false, 0, 5, 6, HOUR),
        Err(FareError::NotACitizen)
    );
    assert_eq!(
        fares.book(account(5), true, 0, 5, 6, 10 * HOUR),
        Err(FareError::Departed)
    );
}

#[ink::test]
fn cancelling_frees_the_seat_and_refunds_less_a_late_fee() {
    let mut fares = fares();
    let early = fares.book(account(2), true, 0, 0, 5, HOUR).unwrap().ticket;
    let late = fares.book(account(3), true, 0, 0, 5, HOUR).unwrap().ticket;
    assert_eq!(
        fares.cancel_ticket(account(3), early, HOUR),
        Err(FareError::NotRider)
    );
    let (cancelled, operator) = fares.cancel_ticket(account(2), early, HOUR).unwrap();
    assert_eq!(
        (
            cancelled.ticket,
            cancelled.trip,
            cancelled.refund,
            cancelled.fee
        ),
        (early, 0, 15 * MICRO, 0)
    );
    assert_eq!(operator, account(1));
    // 45 minutes before departure (inside the cut-off, before boarding): 10 % kept
    let (cancelled, _) = fares
        .cancel_ticket(account(3), late, 10 * HOUR - 3 * HOUR / 4)
        .unwrap();
    assert_eq!((cancelled.refund, cancelled.fee), (13_500_000, 1_500_000));
    assert_eq!(
        fares.cancel_ticket(account(3), late, HOUR),
        Err(FareError::TicketClosed)
    );
    let trip = fares.trip(0).unwrap();
    assert_eq!((trip.segment_load[0], trip.passenger_stages), (0, 0));
}

#[ink::test]
fn a_cancelled_trips_riders_each_claim_their_fare_back() {
    let mut fares = fares();
    let kept = fares.book(account(2), true, 0, 0, 3, HOUR).unwrap().ticket;
    let cancelled = fares.book(account(3), true, 0, 0, 3, HOUR).unwrap().ticket;
    fares.cancel_ticket(account(3), cancelled, HOUR).unwrap();
    let other = fares.book(account(4), true, 0, 3, 7, HOUR).unwrap().ticket;
    // nothing to claim while the trip runs
    assert_eq!(
        fares.claim_refund(kept, account(2)).map(|e| e.refund),
        Err(FareError::NoRefundOwed)
    );
    assert_eq!(
        fares.cancel_trip(account(2), 0, HOUR).map(|e| e.tickets),
        Err(FareError::NotRouteOperator)
    );
    assert_eq!(
        fares.cancel_trip(account(1), 0, HOUR).map(|e| e.tickets),
        Ok(3)
    );
    // only the ticket's rider claims it: the refund goes to the caller
    assert_eq!(
        fares.claim_refund(kept, account(4)).map(|e| e.refund),
        Err(FareError::NotRider)
    );
    assert_eq!(
        fares.claim_refund(kept, account(2)).map(|e| e.refund),
        Ok(10 * MICRO)
    );
    assert_eq!(
        fares.claim_refund(kept, account(2)).map(|e| e.refund),
        Err(FareError::NoRefundOwed)
    );
    // the rider's own cancellation was refunded already
    assert_eq!(
        fares.claim_refund(cancelled, account(3)).map(|e| e.refund),
        Err(FareError::NoRefundOwed)
    );
    assert_eq!(
        fares.claim_refund(other, account(4)).map(|e| e.refund),
        Ok(12_500_000)
    );
    assert_eq!(fares.trip(0).unwrap().escrow, 0);
    assert_eq!(fares.ticket(other).unwrap().state, TicketState::Refunded);
    assert_eq!(
        fares.claim_refund(99, account(4)).map(|e| e.refund),
        Err(FareError::TicketNotFound)
    );
    assert_eq!(
        fares.book(account(5), true, 0, 0, 1, HOUR),
        Err(FareError::TripCancelled)
    );
}

#[ink::test]
fn validators_board_a_ticket_once_and_charge_taps_exactly() {
    let mut fares = fares();
    let ticket = fares.book(account(2), true, 0, 0, 3, HOUR).unwrap().ticket;
    let v = validator(1);
    let board = event(1, 10 * HOUR, ValidatorAction::Board { ticket });
    assert_eq!(
        fares.validator_event(&board, Some(&v), Some([9; 33]), 10 * HOUR),
        Err(FareError::BadSignature)
    );
    // another operator's validator boards nobody on this trip
    let mut foreign = board;
    foreign.validator = [51; 32];
    let other = DeviceInfo {
        device_id: [51; 32],
        ..validator(2)
    };
    assert_eq!(
        refusal(fares.validator_event(&foreign, Some(&other), Some(other.key), 10 * HOUR)),
        Ok(Some(ValidatorRefusal::NotRouteOperator))
    );
    assert_eq!(fares.ticket(ticket).unwrap().state, TicketState::Booked);
    assert_eq!(
        fares.validator_event(&board, Some(&v), Some(v.key), 10 * HOUR),
        Ok(Validated::Boarded(
            interfaces::fares::events::TicketBoarded {
                ticket,
                trip: 0,
                at_ms: 10 * HOUR
            }
        ))
    );
    // an authentic event that does not fit uses its sequence number, and nothing else
    let again = event(2, 10 * HOUR, ValidatorAction::Board { ticket });
    assert_eq!(
        refusal(fares.validator_event(&again, Some(&v), Some(v.key), 10 * HOUR)),
        Ok(Some(ValidatorRefusal::TicketClosed))
    );
    assert_eq!(
        fares.validator_event(&board, Some(&v), Some(v.key), 10 * HOUR),
        Err(FareError::StaleSeq)
    );
    // a rider without a ticket taps in at stop 2 and out at stop 7: 5 stages
    let rider = account(7);
    let tap_in = event(
        3,
        10 * HOUR,
        ValidatorAction::TapIn {
            rider,
            trip: 0,
            stop: 2,
        },
    );
    fares
        .validator_event(&tap_in, Some(&v), Some(v.key), 10 * HOUR)
        .unwrap();
    let early_out = event(
        4,
        10 * HOUR,
        ValidatorAction::TapOut {
            rider,
            trip: 0,
            stop: 2,
        },
    );
    assert_eq!(
        refusal(fares.validator_event(&early_out, Some(&v), Some(v.key), 10 * HOUR)),
        Ok(Some(ValidatorRefusal::NoTapIn))
    );
    let tap_out = event(
        5,
        11 * HOUR,
        ValidatorAction::TapOut {
            rider,
            trip: 0,
            stop: 7,
        },
    );
    assert_eq!(
        fares.validator_event(&tap_out, Some(&v), Some(v.key), 11 * HOUR),
        Ok(Validated::TappedOut(TapOut {
            rider,
            // the tap-in's pseudonym: the ride is one, the rider's next ride another
            rider_tag: interfaces::fares::rider_tag(&rider, interfaces::fares::RideScope::Trip(0)),
            operator: account(1),
            trip: 0,
            board: 2,
            alight: 7,
            fare: 15 * MICRO
        }))
    );
    let trip = fares.trip(0).unwrap();
    assert_eq!(trip.segment_load, ink::prelude::vec![1, 1, 2, 1, 1, 1, 1]);
    assert_eq!(trip.passenger_stages, 8);
}
