//! Security review 1: each test performs a finding's attack on the rules and asserts the
//! safe outcome. Named after what the attacker tries.

use super::*;
use interfaces::fares::{rider_tag, RideScope, TicketState, BOARDING_WINDOW_MS};
use scale::Encode;

const DEPARTURE: u64 = 10 * HOUR;

/// M-7: the admin revokes operator 1; it keeps scheduling trips, selling tickets and
/// charging riders through its validators.
#[ink::test]
fn a_revoked_operator_cannot_run_trips_sell_or_charge() {
    let mut fares = fares();
    let v = validator(1);
    let tap_in = event(
        1,
        DEPARTURE,
        ValidatorAction::TapIn {
            rider: account(7),
            trip: 0,
            stop: 0,
        },
    );
    fares.set_operator(account(0), account(1), false).unwrap();
    assert_eq!(
        fares.add_trip(account(1), 0, 20 * HOUR, 10, HOUR),
        Err(FareError::OperatorRevoked)
    );
    assert_eq!(
        fares
            .book(account(2), true, 0, 0, 3, HOUR)
            .map(|booked| booked.ticket),
        Err(FareError::OperatorRevoked)
    );
    assert_eq!(
        refusal(fares.validator_event(&tap_in, Some(&v), Some(v.key), DEPARTURE)),
        Ok(Some(ValidatorRefusal::OperatorRevoked))
    );
    assert_eq!(
        fares.cancel_trip(account(1), 0, HOUR).map(|e| e.tickets),
        Err(FareError::OperatorRevoked)
    );
    // the admin can still cancel its trips, so that riders get their fares back
    assert_eq!(
        fares.cancel_trip(account(0), 0, HOUR).map(|e| e.tickets),
        Ok(0)
    );
}

/// L-1: a rider boards, then cancels for a refund before the validator's Board event
/// lands (an offline validator syncing later).
#[ink::test]
fn a_rider_cannot_cancel_once_boarding_has_opened() {
    let mut fares = fares();
    let ticket = fares.book(account(2), true, 0, 0, 3, HOUR).unwrap().ticket;
    let boarding = DEPARTURE - BOARDING_WINDOW_MS;
    assert_eq!(
        fares.cancel_ticket(account(2), ticket, boarding),
        Err(FareError::BoardingOpen)
    );
    // and a validator cannot board before the window, when the rider could still cancel
    let v = validator(1);
    let early = event(1, boarding - 1, ValidatorAction::Board { ticket });
    assert_eq!(
        refusal(fares.validator_event(&early, Some(&v), Some(v.key), boarding)),
        Ok(Some(ValidatorRefusal::NotBoardingYet))
    );
    let board = event(2, boarding, ValidatorAction::Board { ticket });
    assert!(fares
        .validator_event(&board, Some(&v), Some(v.key), boarding)
        .is_ok());
}

/// L-11: riders already on board of a trip the operator then cancels were never
/// refunded.
#[ink::test]
fn boarded_riders_of_a_cancelled_trip_are_refunded() {
    let mut fares = fares();
    let boarded = fares.book(account(2), true, 0, 0, 3, HOUR).unwrap().ticket;
    let booked = fares.book(account(3), true, 0, 3, 7, HOUR).unwrap().ticket;
    let v = validator(1);
    let at = DEPARTURE - BOARDING_WINDOW_MS;
    let board = event(1, at, ValidatorAction::Board { ticket: boarded });
    fares
        .validator_event(&board, Some(&v), Some(v.key), at)
        .unwrap();
    assert_eq!(
        fares.cancel_trip(account(1), 0, at).map(|e| e.tickets),
        Ok(2)
    );
    assert_eq!(
        fares.claim_refund(boarded, account(2)).map(|e| e.refund),
        Ok(10 * MICRO)
    );
    assert_eq!(
        fares.claim_refund(booked, account(3)).map(|e| e.refund),
        Ok(12_500_000)
    );
    assert_eq!(fares.ticket(boarded).unwrap().state, TicketState::Refunded);
}

/// M-3: a rider whose tap-out fare could not be collected (allowance withdrawn) rides
/// on: books tickets and taps in as if nothing were owed.
#[ink::test]
fn a_debtor_cannot_book_or_tap_in_until_it_repays() {
    let mut fares = fares();
    let rider = account(7);
    let event = fares.record_debt(&crate::rules::TapOut {
        rider,
        rider_tag: rider_tag(&rider, RideScope::Trip(0)),
        operator: account(1),
        trip: 0,
        board: 0,
        alight: 3,
        fare: 10 * MICRO,
    });
    assert_eq!((event.creditor, event.total), (account(1), 10 * MICRO));
    assert_eq!(
        fares
            .book(rider, true, 0, 0, 3, HOUR)
            .map(|booked| booked.ticket),
        Err(FareError::Debtor)
    );
    let v = validator(1);
    let tap_in = event_at(
        1,
        ValidatorAction::TapIn {
            rider,
            trip: 0,
            stop: 0,
        },
    );
    assert_eq!(
        refusal(fares.validator_event(&tap_in, Some(&v), Some(v.key), DEPARTURE)),
        Ok(Some(ValidatorRefusal::Debtor))
    );
    assert_eq!(
        fares.repayable(rider, account(1), u128::MAX),
        Ok(10 * MICRO)
    );
    fares.repaid(rider, account(1), 10 * MICRO);
    assert!(fares.book(rider, true, 0, 0, 3, HOUR).is_ok());
}

fn event_at(seq: u64, action: ValidatorAction) -> ValidatorEvent {
    event(seq, DEPARTURE, action)
}

/// I-5: the fare contract had no pause: an emergency could not stop new sales. Paused, it
/// sells and schedules nothing and takes no tap-in, while riders can still cancel, board
/// and tap out (nobody is left stuck).
#[ink::test]
fn a_paused_fare_contract_sells_nothing_but_lets_riders_out() {
    let mut fares = fares();
    let ticket = fares.book(account(2), true, 0, 0, 3, HOUR).unwrap().ticket;
    assert_eq!(fares.set_paused(account(1), true), Err(FareError::NotAdmin));
    fares.set_paused(account(0), true).unwrap();
    assert_eq!(
        fares.set_paused(account(0), true),
        Err(FareError::PauseUnchanged)
    );
    assert_eq!(
        fares
            .book(account(3), true, 0, 0, 3, HOUR)
            .map(|booked| booked.ticket),
        Err(FareError::Paused)
    );
    assert_eq!(
        fares.add_trip(account(1), 0, 20 * HOUR, 10, HOUR),
        Err(FareError::Paused)
    );
    assert_eq!(
        fares.add_route(account(1), stops(3), papers_rule(), 0, 0),
        Err(FareError::Paused)
    );
    let v = validator(1);
    let tap_in = event_at(
        1,
        ValidatorAction::TapIn {
            rider: account(7),
            trip: 0,
            stop: 0,
        },
    );
    assert_eq!(
        fares.validator_event(&tap_in, Some(&v), Some(v.key), DEPARTURE),
        Err(FareError::Paused)
    );
    assert!(fares.cancel_ticket(account(2), ticket, HOUR).is_ok());
}

/// M-2: one refund that fails (Ria suspended) blocked every later rider's refund, and
/// refunds came from the operator's allowance. Now the fares wait in escrow and each
/// rider claims its own: one the token refuses (the shell's call fails, changing nothing)
/// holds up nobody, and can claim again once the token pays it.
#[ink::test]
fn one_failed_refund_does_not_block_the_others() {
    let mut fares = fares();
    let ria = fares.book(account(2), true, 0, 0, 3, HOUR).unwrap().ticket;
    let sol = fares.book(account(3), true, 0, 0, 3, HOUR).unwrap().ticket;
    assert_eq!(fares.trip(0).unwrap().escrow, 20 * MICRO);
    fares.cancel_trip(account(1), 0, HOUR).unwrap();
    assert_eq!(
        fares.claim_refund(sol, account(3)).map(|e| e.refund),
        Ok(10 * MICRO)
    );
    // Ria's claim has not come (or its payment failed and the call changed nothing)
    assert_eq!(fares.ticket(ria).unwrap().state, TicketState::Booked);
    assert_eq!(fares.ticket(sol).unwrap().state, TicketState::Refunded);
    assert_eq!(fares.trip(0).unwrap().escrow, 10 * MICRO);
    assert_eq!(
        fares.claim_refund(ria, account(2)).map(|e| e.refund),
        Ok(10 * MICRO)
    );
    assert_eq!(fares.trip(0).unwrap().escrow, 0);
    // a cancelled trip's fares never go to the operator
    assert_eq!(
        fares
            .release_fares(0, DEPARTURE)
            .map(|e| (e.operator, e.amount)),
        Err(FareError::TripCancelled)
    );
}

/// M-2: the operator is paid from escrow once its trip has left, not before, and once.
#[ink::test]
fn fares_reach_the_operator_once_after_departure() {
    let mut fares = fares();
    fares.book(account(2), true, 0, 0, 3, HOUR).unwrap();
    assert_eq!(
        fares
            .release_fares(0, DEPARTURE - 1)
            .map(|e| (e.operator, e.amount)),
        Err(FareError::NotDeparted)
    );
    assert_eq!(
        fares
            .release_fares(0, DEPARTURE)
            .map(|e| (e.operator, e.amount)),
        Ok((account(1), 10 * MICRO))
    );
    assert_eq!(
        fares
            .release_fares(0, DEPARTURE)
            .map(|e| (e.operator, e.amount)),
        Err(FareError::FaresReleased)
    );
}

/// M-8 (fares), L-5: one rider books a trip's every seat, free to cancel them outside the
/// cut-off, padding the refund queue.
#[ink::test]
fn a_rider_cannot_hoard_a_trips_seats() {
    let mut fares = fares();
    fares.add_trip(account(1), 0, 12 * HOUR, 50, HOUR).unwrap();
    let trip = 1;
    let mut held = ink::prelude::vec::Vec::new();
    for _ in 0..interfaces::fares::MAX_TICKETS_PER_RIDER {
        held.push(
            fares
                .book(account(2), true, trip, 0, 1, HOUR)
                .unwrap()
                .ticket,
        );
    }
    assert_eq!(
        fares
            .book(account(2), true, trip, 0, 1, HOUR)
            .map(|booked| booked.ticket),
        Err(FareError::TooManyTickets)
    );
    // others still book; a cancellation frees one of the rider's places
    assert!(fares.book(account(3), true, trip, 0, 1, HOUR).is_ok());
    fares.cancel_ticket(account(2), held[0], HOUR).unwrap();
    assert!(fares.book(account(2), true, trip, 0, 1, HOUR).is_ok());
}

/// M-6: a rider's TapOut (seq 1 after its TapIn, seq 2 here) is pending; the rider submits
/// the validator's next event, someone else's TapIn (seq 3), first, hoping the TapOut is
/// then stale and never charged. The later event waits for the earlier.
#[ink::test]
fn a_rider_cannot_reorder_validator_events_to_void_a_fare() {
    let mut fares = fares();
    let v = validator(1);
    let tap_in = event_at(
        1,
        ValidatorAction::TapIn {
            rider: account(7),
            trip: 0,
            stop: 0,
        },
    );
    let tap_out = event_at(
        2,
        ValidatorAction::TapOut {
            rider: account(7),
            trip: 0,
            stop: 3,
        },
    );
    let someone_else = event_at(
        3,
        ValidatorAction::TapIn {
            rider: account(8),
            trip: 0,
            stop: 3,
        },
    );
    fares
        .validator_event(&tap_in, Some(&v), Some(v.key), DEPARTURE)
        .unwrap();
    assert_eq!(
        fares.validator_event(&someone_else, Some(&v), Some(v.key), DEPARTURE),
        Err(FareError::SequenceGap)
    );
    assert!(matches!(
        fares.validator_event(&tap_out, Some(&v), Some(v.key), DEPARTURE),
        Ok(Validated::TappedOut(TapOut { fare, .. })) if fare == 10 * MICRO
    ));
    assert!(matches!(
        fares.validator_event(&someone_else, Some(&v), Some(v.key), DEPARTURE),
        Ok(Validated::TappedIn { .. })
    ));
}

/// I-2: a validator whose counter restarted is reset by the admin only, and no event it
/// signed before the reset can be replayed afterwards.
#[ink::test]
fn a_validator_reset_replays_no_old_event() {
    let mut fares = fares();
    let v = validator(1);
    let old_tap_in = event(
        1,
        DEPARTURE - 1,
        ValidatorAction::TapIn {
            rider: account(7),
            trip: 0,
            stop: 0,
        },
    );
    fares
        .validator_event(&old_tap_in, Some(&v), Some(v.key), DEPARTURE)
        .unwrap();
    assert_eq!(
        fares.reset_validator_sequence(account(1), v.device_id, DEPARTURE),
        Err(FareError::NotAdmin)
    );
    let reset = fares
        .reset_validator_sequence(account(0), v.device_id, DEPARTURE)
        .unwrap();
    assert_eq!((reset.validator, reset.at_ms), (v.device_id, DEPARTURE));
    assert_eq!(
        fares.validator_event(&old_tap_in, Some(&v), Some(v.key), DEPARTURE),
        Err(FareError::BadEventTime)
    );
    let tap_out = event_at(
        1,
        ValidatorAction::TapOut {
            rider: account(7),
            trip: 0,
            stop: 3,
        },
    );
    assert!(matches!(
        fares.validator_event(&tap_out, Some(&v), Some(v.key), DEPARTURE),
        Ok(Validated::TappedOut(_))
    ));
}

/// M-5: the operator's own validator reports a tap-in and a tap-out for a rider who never
/// rode (or rode with another operator): the rider is charged only within the cap it gave
/// this operator, and not at all without one.
#[ink::test]
fn an_operators_validator_cannot_charge_a_rider_who_authorized_nothing() {
    let mut fares = fares();
    let v = validator(1);
    let victim = account(20);
    let tap_in = |seq, rider| {
        event_at(
            seq,
            ValidatorAction::TapIn {
                rider,
                trip: 0,
                stop: 0,
            },
        )
    };
    assert_eq!(
        refusal(fares.validator_event(&tap_in(1, victim), Some(&v), Some(v.key), DEPARTURE)),
        Ok(Some(ValidatorRefusal::NotAuthorized))
    );
    // a cap below the dearest ride from stop 0 (7 stages: 20 credits) is not enough
    fares.set_spending_cap(victim, account(1), 19 * MICRO);
    assert_eq!(
        refusal(fares.validator_event(&tap_in(2, victim), Some(&v), Some(v.key), DEPARTURE)),
        Ok(Some(ValidatorRefusal::NotAuthorized))
    );
    // with 25 credits let: 20 held at the tap-in, the 3-stage fare of 10 charged, 10 back
    fares.set_spending_cap(victim, account(1), 25 * MICRO);
    fares
        .validator_event(&tap_in(3, victim), Some(&v), Some(v.key), DEPARTURE)
        .unwrap();
    assert_eq!(fares.spending_cap(victim, account(1)), 5 * MICRO);
    let tap_out = event_at(
        4,
        ValidatorAction::TapOut {
            rider: victim,
            trip: 0,
            stop: 3,
        },
    );
    assert!(matches!(
        fares.validator_event(&tap_out, Some(&v), Some(v.key), DEPARTURE),
        Ok(Validated::TappedOut(TapOut { fare, .. })) if fare == 10 * MICRO
    ));
    assert_eq!(fares.spending_cap(victim, account(1)), 15 * MICRO);
    // the cap is for this operator only
    assert_eq!(fares.spending_cap(victim, account(2)), 0);
}

/// M-3: a rider who owes the bus company has its key moved (to account 9), which used to
/// start debt-free. The company moves the debt after it: the new key books nothing.
#[ink::test]
fn a_debtors_new_key_keeps_its_debt_to_the_operator() {
    let mut fares = fares();
    let (rider, new_rider, operator) = (account(7), account(9), account(1));
    fares.record_debt(&crate::rules::TapOut {
        rider,
        rider_tag: rider_tag(&rider, RideScope::Trip(0)),
        operator,
        trip: 0,
        board: 0,
        alight: 3,
        fare: 10 * MICRO,
    });
    assert_eq!(
        fares.move_debt(account(2), rider, new_rider),
        Err(FareError::NothingOwed)
    );
    let moved = fares.move_debt(operator, rider, new_rider).unwrap();
    assert_eq!(
        (moved.from, moved.to, moved.creditor, moved.amount),
        (rider, new_rider, operator, 10 * MICRO)
    );
    assert_eq!(
        fares
            .book(new_rider, true, 0, 0, 3, HOUR)
            .map(|booked| booked.ticket),
        Err(FareError::Debtor)
    );
    assert!(fares.book(rider, true, 0, 0, 3, HOUR).is_ok());
}

/// M-1: Ria's refund of a cancelled trip waits for her claim; her key is lost and the
/// admin moves her to account 9. The refund used to be payable only to the old key,
/// for good. The new key takes over the ticket (and a booked one: the per-trip cap counts
/// it); a boarded or refunded ticket stays as it is.
#[ink::test]
fn a_moved_riders_new_key_takes_over_its_tickets_and_refunds() {
    let mut fares = fares();
    let (ria, new_ria) = (account(2), account(9));
    let waiting = fares.book(ria, true, 0, 0, 3, HOUR).unwrap().ticket;
    let paid = fares.book(account(3), true, 0, 0, 3, HOUR).unwrap().ticket;
    fares.cancel_trip(account(1), 0, HOUR).unwrap();
    fares.claim_refund(paid, account(3)).unwrap();
    // only the ticket's rider's successor takes it over
    assert_eq!(
        fares.take_over_ticket(waiting, account(3), new_ria),
        Err(FareError::NotRider)
    );
    let event = fares.take_over_ticket(waiting, ria, new_ria).unwrap();
    assert_eq!(
        (event.ticket, event.rider_tag),
        (waiting, rider_tag(&new_ria, RideScope::Ticket(waiting)))
    );
    assert_eq!(
        fares.claim_refund(waiting, ria).map(|e| e.refund),
        Err(FareError::NotRider)
    );
    assert_eq!(
        fares.claim_refund(waiting, new_ria).map(|e| e.refund),
        Ok(10 * MICRO)
    );
    assert_eq!(
        fares.take_over_ticket(paid, account(3), new_ria),
        Err(FareError::TicketClosed)
    );
    assert_eq!(
        fares.take_over_ticket(99, ria, new_ria),
        Err(FareError::TicketNotFound)
    );
    // a booked ticket on another trip: the new key rides, cancels or is refunded with it
    fares.add_trip(account(1), 0, 12 * HOUR, 50, HOUR).unwrap();
    let booked = fares.book(ria, true, 1, 0, 3, HOUR).unwrap().ticket;
    fares.take_over_ticket(booked, ria, new_ria).unwrap();
    assert_eq!(
        fares.ticket(booked).unwrap().rider_tag,
        rider_tag(&new_ria, RideScope::Ticket(booked))
    );
    assert_eq!(
        fares
            .cancel_ticket(ria, booked, HOUR)
            .map(|(refund, ..)| refund),
        Err(FareError::NotRider)
    );
    assert!(fares.cancel_ticket(new_ria, booked, HOUR).is_ok());
}

/// M-10: the fare contract stored and emitted each ticket's and tap-in's rider account:
/// anyone reading it saw a rider's every trip, day after day. Now a ticket holds a
/// pseudonym of its own, a tap-in one per trip; neither holds the account, and no two
/// are alike, while the rider (and only it) still acts on its ticket.
#[ink::test]
fn an_observer_cannot_follow_a_rider_from_trip_to_trip() {
    let mut fares = fares();
    fares.add_trip(account(1), 0, 12 * HOUR, 50, HOUR).unwrap();
    let ria = account(7);
    let monday = fares.book(ria, true, 0, 0, 3, HOUR).unwrap().ticket;
    let tuesday = fares.book(ria, true, 1, 0, 3, HOUR).unwrap().ticket;
    let [a, b] = [monday, tuesday].map(|id| fares.ticket(id).unwrap());
    assert_ne!(a.rider_tag, b.rider_tag);
    for ticket in [a, b] {
        let stored = ticket.encode();
        let account: &[u8] = ria.as_ref();
        assert!(!stored.windows(32).any(|w| w == account));
    }
    // the rider's tap-ins on two trips carry two pseudonyms, neither a ticket's
    let v = validator(1);
    let mut tags = ink::prelude::vec::Vec::new();
    for (seq, trip) in [(1, 0), (2, 1)] {
        let tap = event_at(
            seq,
            ValidatorAction::TapIn {
                rider: ria,
                trip,
                stop: 4,
            },
        );
        match fares.validator_event(&tap, Some(&v), Some(v.key), DEPARTURE) {
            Ok(Validated::TappedIn(tapped)) => tags.push(tapped.rider_tag),
            other => panic!("{other:?}"),
        }
    }
    assert_ne!(tags[0], tags[1]);
    assert!(!tags.contains(&a.rider_tag) && !tags.contains(&b.rider_tag));
    // the rider is still the one who acts on its ticket
    assert_eq!(
        fares
            .cancel_ticket(account(8), monday, HOUR)
            .map(|(refund, ..)| refund),
        Err(FareError::NotRider)
    );
    assert!(fares.cancel_ticket(ria, monday, HOUR).is_ok());
}
