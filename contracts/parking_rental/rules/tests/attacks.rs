//! Security review 1: each test performs a finding's attack on the rules and asserts the
//! safe outcome. Named after what the attacker tries.

use super::*;
use interfaces::parking::{vehicle_tag, Holding, TagScope, Tariff};

const NINE: u64 = DAY + 9 * HOUR;

fn renter_with(car: &DeviceInfo) -> RenterCheck<'_> {
    RenterCheck {
        active: true,
        vehicle: Some(car),
    }
}

fn expensive() -> SpaceTerms {
    SpaceTerms {
        price_per_hour: 1_000_000_000_000,
        ..terms()
    }
}

/// H-1: the owner sees the signed Left event and raises the price before it lands.
#[ink::test]
fn owner_cannot_reprice_a_running_session() {
    let mut parking = parking();
    let car = device(20, DeviceKind::Vehicle, 2);
    let arrived = event(1, NINE, SensorKind::Arrived, 20);
    parking.sensor_event(0, &arrived, Some(&car)).unwrap();
    parking.set_terms(account(1), 0, expensive()).unwrap();
    let left = event(2, NINE + 10 * MINUTE, SensorKind::Left, 20);
    let (outcome, _, settlement) = parking.sensor_event(0, &left, Some(&car)).unwrap();
    // 10 minutes at the 1.2 credits an hour the session opened at
    assert_eq!(outcome, SensorOutcome::SessionClosed { charged: 200_000 });
    assert_eq!(settlement.collect.unwrap().amount, 200_000);
}

/// H-1, the overstay variant: a booking made at 1.2 credits an hour, one second late.
#[ink::test]
fn owner_cannot_reprice_a_bookings_overstay() {
    let mut parking = parking();
    let car = device(20, DeviceKind::Vehicle, 2);
    parking
        .book(
            account(2),
            renter_with(&car),
            0,
            Some([20; 32]),
            NINE,
            NINE + HOUR,
            DAY,
        )
        .unwrap();
    let booking = parking.booking(0).unwrap();
    assert_eq!(booking.tariff, Tariff::of(&terms()));
    parking
        .sensor_event(0, &event(1, NINE, SensorKind::Arrived, 20), Some(&car))
        .unwrap();
    parking.set_terms(account(1), 0, expensive()).unwrap();
    let left = event(2, NINE + HOUR + 1_000, SensorKind::Left, 20);
    let (outcome, _, _) = parking.sensor_event(0, &left, Some(&car)).unwrap();
    assert_eq!(
        outcome,
        SensorOutcome::CheckedOut {
            booking: 0,
            overstay: 20_000
        }
    );
}

/// H-1: one collection is capped at the longest stay the terms allowed when the stay
/// began (8 hours here), however late the Left event says the car left.
#[ink::test]
fn a_session_cannot_be_billed_beyond_the_longest_stay() {
    let mut parking = parking();
    let car = device(20, DeviceKind::Vehicle, 2);
    parking
        .sensor_event(0, &event(1, NINE, SensorKind::Arrived, 20), Some(&car))
        .unwrap();
    let left = event(2, NINE + 72 * HOUR, SensorKind::Left, 20);
    let (outcome, _, _) = parking.sensor_event(0, &left, Some(&car)).unwrap();
    assert_eq!(outcome, SensorOutcome::SessionClosed { charged: 9_600_000 });
}

/// M-4: Ben books 09:00-10:00 and arrives at 08:55; he must not pay a pay-as-you-go
/// session on top of his booking's escrow.
#[ink::test]
fn early_arrival_is_not_billed_twice() {
    let mut parking = parking();
    let car = device(20, DeviceKind::Vehicle, 2);
    parking
        .book(account(2), citizen(), 0, None, NINE, NINE + HOUR, DAY)
        .unwrap();
    let arrived = event(1, NINE - 5 * MINUTE, SensorKind::Arrived, 20);
    let (outcome, _, _) = parking.sensor_event(0, &arrived, Some(&car)).unwrap();
    assert_eq!(outcome, SensorOutcome::CheckedIn { booking: 0 });
    let left = event(2, NINE + HOUR, SensorKind::Left, 20);
    let (outcome, _, settlement) = parking.sensor_event(0, &left, Some(&car)).unwrap();
    // the 5 minutes before the start, at the booking's tariff, and nothing else
    assert_eq!(
        outcome,
        SensorOutcome::CheckedOut {
            booking: 0,
            overstay: 100_000
        }
    );
    assert_eq!(settlement.collect.unwrap().amount, 100_000);
    assert_eq!(
        parking.settle(0, NINE + 2 * HOUR).unwrap_err(),
        ParkingError::BookingClosed
    );
    // earlier than the check-in window, the car is a walk-in like any other
    parking
        .book(
            account(2),
            citizen(),
            0,
            None,
            NINE + 4 * HOUR,
            NINE + 5 * HOUR,
            DAY,
        )
        .unwrap();
    let too_early = event(3, NINE + 3 * HOUR, SensorKind::Arrived, 20);
    assert_eq!(
        parking.sensor_event(0, &too_early, Some(&car)).unwrap().0,
        SensorOutcome::SessionOpened { payer: account(2) }
    );
}

/// L-7: the car named in Rita's booking was sold to account 3; its new owner parks on
/// Rita's booking and would bill Rita the overstay.
#[ink::test]
fn a_sold_car_cannot_use_the_sellers_booking() {
    let mut parking = parking();
    let car = device(20, DeviceKind::Vehicle, 2);
    parking
        .book(
            account(2),
            renter_with(&car),
            0,
            Some([20; 32]),
            NINE,
            NINE + HOUR,
            DAY,
        )
        .unwrap();
    let sold = device(20, DeviceKind::Vehicle, 3);
    let arrived = event(1, NINE + MINUTE, SensorKind::Arrived, 20);
    let (outcome, _, _) = parking.sensor_event(0, &arrived, Some(&sold)).unwrap();
    assert_eq!(outcome, SensorOutcome::ViolationRecorded { index: 0 });
    assert_eq!(parking.booking(0).unwrap().state, BookingState::Booked);
    assert_eq!(parking.space(0).unwrap().session, None);
}

/// M-10: the rental's storage and events named the vehicle of every booking, stay and
/// violation by its id: whoever followed one id saw a car's every stay. Each now holds a
/// pseudonym for that booking or stay alone, which whoever knows the id can check.
#[ink::test]
fn an_observer_cannot_follow_a_vehicle_from_stay_to_stay() {
    let mut parking = parking();
    let car = device(20, DeviceKind::Vehicle, 2);
    parking
        .book(
            account(2),
            renter_with(&car),
            0,
            Some([20; 32]),
            NINE,
            NINE + HOUR,
            DAY,
        )
        .unwrap();
    let booked = parking.booking(0).unwrap().vehicle_tag.unwrap();
    let mut seq = 0;
    let mut sense = |parking: &mut Parking, at: u64, kind: SensorKind, vehicle: &DeviceInfo| {
        seq += 1;
        let id = vehicle.device_id[0];
        let outcome = parking.sensor_event(0, &event(seq, at, kind, id), Some(vehicle));
        outcome.unwrap().0
    };
    let session_tag = |parking: &Parking| parking.space(0).unwrap().session.unwrap().vehicle_tag;
    // the booked stay, then a pay-as-you-go stay the same afternoon
    sense(&mut parking, NINE, SensorKind::Arrived, &car);
    let first = session_tag(&parking);
    sense(&mut parking, NINE + HOUR - MINUTE, SensorKind::Left, &car);
    sense(&mut parking, NINE + 3 * HOUR, SensorKind::Arrived, &car);
    let second = session_tag(&parking);
    sense(&mut parking, NINE + 4 * HOUR, SensorKind::Left, &car);
    // a car nobody registered is reported by the pseudonym of its stay too
    let stranger = device(30, DeviceKind::Vehicle, 9);
    let unknown = DeviceInfo {
        active: false,
        ..stranger
    };
    sense(&mut parking, NINE + 5 * HOUR, SensorKind::Arrived, &unknown);
    let violation = parking.violations(0, 0, 1).unwrap().0[0].vehicle_tag;

    let tags = [booked, first, second];
    assert!(tags.iter().all(|tag| *tag != [20; 32]));
    assert_ne!(violation, [30; 32]);
    assert!(booked != first && first != second && booked != second);
    // the renter (or the space's owner) who knows the car's id checks each one
    let stay = |since_ms| TagScope::Stay { space: 0, since_ms };
    assert_eq!(booked, vehicle_tag(&[20; 32], TagScope::Booking(0)));
    assert_eq!(first, vehicle_tag(&[20; 32], stay(NINE)));
    assert_eq!(second, vehicle_tag(&[20; 32], stay(NINE + 3 * HOUR)));
    assert_eq!(violation, vehicle_tag(&[30; 32], stay(NINE + 5 * HOUR)));
}

/// L-6: a delisted space keeps charging cars that park on it.
#[ink::test]
fn a_delisted_space_opens_no_session() {
    let mut parking = parking();
    parking.delist(account(1), 0, false, DAY).unwrap();
    let car = device(20, DeviceKind::Vehicle, 2);
    let arrived = event(1, NINE, SensorKind::Arrived, 20);
    assert_eq!(
        parking.sensor_event(0, &arrived, Some(&car)).unwrap().0,
        SensorOutcome::Refused {
            reason: SensorRefusal::NotListed
        }
    );
    assert_eq!(parking.space(0).unwrap().session, None);
}

/// L-6: the owner delists (with refunds) while a booking is running but its car has not
/// arrived yet, turning the renter into a pay-as-you-go parker.
#[ink::test]
fn delisting_cannot_cancel_a_running_booking() {
    let mut parking = parking();
    parking
        .book(account(2), citizen(), 0, None, NINE, NINE + HOUR, DAY)
        .unwrap();
    assert_eq!(
        parking
            .delist(account(1), 0, true, NINE + 30 * MINUTE)
            .unwrap_err(),
        ParkingError::BookingInProgress
    );
    // before it starts the refund is the renter's whole escrow
    let delisting = parking.delist(account(1), 0, true, NINE - MINUTE).unwrap();
    assert_eq!(delisting.refunded, 1);
}

/// M-8: one renter books a space's every slot a year ahead, free to cancel.
#[ink::test]
fn one_renter_cannot_hoard_a_space() {
    let mut parking = parking();
    let book = |p: &mut Parking, day: u64, renter: u8| {
        let start = NINE + day * 24 * HOUR;
        p.book(
            account(renter),
            citizen(),
            0,
            None,
            start,
            start + HOUR,
            DAY,
        )
    };
    assert_eq!(book(&mut parking, 365, 2), Err(ParkingError::TooFarAhead));
    assert_eq!(book(&mut parking, 31, 2), Err(ParkingError::TooFarAhead));
    for day in 0..MAX_OPEN_BOOKINGS_PER_RENTER as u64 {
        book(&mut parking, day, 2).unwrap();
    }
    assert_eq!(
        book(&mut parking, 10, 2),
        Err(ParkingError::TooManyBookingsOfRenter)
    );
    // others can still book
    assert!(book(&mut parking, 10, 3).is_ok());
}

/// M-8: with a cancellation fee set, letting a held space go costs something from the
/// moment of booking, and the late fee still applies inside the cut-off when higher.
#[ink::test]
fn a_cancellation_fee_applies_from_booking_time() {
    let mut parking = parking();
    let mut config = config();
    config.cancel_fee_bps = 500;
    parking.set_config(account(0), config).unwrap();
    parking
        .book(account(2), citizen(), 0, None, NINE, NINE + HOUR, DAY)
        .unwrap();
    parking
        .book(
            account(2),
            citizen(),
            0,
            None,
            NINE + HOUR,
            NINE + 2 * HOUR,
            DAY,
        )
        .unwrap();
    let (refund, fee, _) = parking.cancel(account(2), 0, DAY).unwrap();
    assert_eq!((refund, fee), (1_140_000, 60_000));
    let (refund, fee, _) = parking.cancel(account(2), 1, NINE + 30 * MINUTE).unwrap();
    assert_eq!((refund, fee), (960_000, 240_000));
}

/// M-3: Sam withdraws his allowance, parks pay-as-you-go (the charge becomes a debt) and
/// goes on booking as if nothing were owed.
#[ink::test]
fn a_debtor_cannot_book_until_it_repays() {
    let mut parking = parking();
    let sam = account(2);
    let event = parking.record_debt(Collect {
        from: sam,
        amount: 600_000,
        owner: account(1),
        space: 0,
    });
    assert_eq!(
        (event.debtor, event.creditor, event.total),
        (sam, account(1), 600_000)
    );
    assert_eq!(
        parking.book(sam, citizen(), 0, None, NINE, NINE + HOUR, DAY),
        Err(ParkingError::Debtor)
    );
    // the debt is owed to the owner and repaid at most in full
    assert_eq!(
        parking.repayable(sam, account(3), 1),
        Err(ParkingError::NothingOwed)
    );
    assert_eq!(parking.repayable(sam, account(1), 10_000_000), Ok(600_000));
    parking.repaid(sam, account(1), 600_000);
    assert_eq!(parking.debt(sam), 0);
    assert!(parking
        .book(sam, citizen(), 0, None, NINE, NINE + HOUR, DAY)
        .is_ok());
}

/// M-1: Rita is checked in when the shop's sensor dies (or the shop moves to a new key):
/// no Left event will ever come, and the escrow used to stay locked for good.
#[ink::test]
fn a_dead_sensor_cannot_lock_a_bookings_escrow() {
    let mut parking = parking();
    let car = device(20, DeviceKind::Vehicle, 2);
    parking
        .book(account(2), citizen(), 0, None, NINE, NINE + HOUR, DAY)
        .unwrap();
    parking
        .sensor_event(0, &event(1, NINE, SensorKind::Arrived, 20), Some(&car))
        .unwrap();
    let due = NINE + HOUR + interfaces::parking::CHECKOUT_GRACE_MS;
    assert_eq!(
        parking.close_overdue(0, due - 1).unwrap_err(),
        ParkingError::NotOverdue
    );
    let (outcome, _, settlement) = parking.close_overdue(0, due).unwrap();
    // the car is taken to have left at the end of the grace: an hour of overstay
    assert_eq!(
        outcome,
        SensorOutcome::CheckedOut {
            booking: 0,
            overstay: 1_200_000
        }
    );
    assert_eq!(
        settlement.releases,
        ink::prelude::vec![(account(1), 1_140_000), (account(99), 60_000)]
    );
    assert_eq!(parking.escrow_total(), 0);
    assert_eq!(parking.space(0).unwrap().session, None);
    assert_eq!(
        parking.close_overdue(0, due).unwrap_err(),
        ParkingError::NoSession
    );
}

/// M-1, pay-as-you-go: a session no sensor closes is billed at most the tariff's longest
/// stay, once that and the grace have passed.
#[ink::test]
fn a_dead_sensor_cannot_leave_a_session_open_for_ever() {
    let mut parking = parking();
    let car = device(20, DeviceKind::Vehicle, 2);
    parking
        .sensor_event(0, &event(1, NINE, SensorKind::Arrived, 20), Some(&car))
        .unwrap();
    let due = NINE + 8 * HOUR + interfaces::parking::CHECKOUT_GRACE_MS;
    assert_eq!(
        parking.close_overdue(0, due - 1).unwrap_err(),
        ParkingError::NotOverdue
    );
    let (outcome, _, _) = parking.close_overdue(0, due).unwrap();
    assert_eq!(outcome, SensorOutcome::SessionClosed { charged: 9_600_000 });
}

/// M-1: the sensor died or was sold; the owner binds the space to a new one, and only the
/// new one reports for it.
#[ink::test]
fn an_owner_rebinds_a_space_to_a_new_sensor() {
    let mut parking = parking();
    let new = device(11, DeviceKind::ParkingSensor, 1);
    let strangers = device(12, DeviceKind::ParkingSensor, 3);
    assert_eq!(
        parking.rebind_sensor(account(3), 0, [12; 32], Some(&strangers)),
        Err(ParkingError::NotSpaceOwner)
    );
    assert_eq!(
        parking.rebind_sensor(account(1), 0, [12; 32], Some(&strangers)),
        Err(ParkingError::SensorNotUsable)
    );
    parking
        .rebind_sensor(account(1), 0, [11; 32], Some(&new))
        .unwrap();
    assert_eq!(parking.space_of_sensor([10; 32]), None);
    assert_eq!(parking.space_of_sensor([11; 32]), Some(0));
    let mut from_new = event(1, NINE, SensorKind::Arrived, 40);
    from_new.sensor = [11; 32];
    assert_eq!(
        parking.authenticate(&from_new, Some(&new), Some(new.key), NINE),
        Ok(0)
    );
    let old = device(10, DeviceKind::ParkingSensor, 1);
    let from_old = event(1, NINE, SensorKind::Arrived, 40);
    assert_eq!(
        parking.authenticate(&from_old, Some(&old), Some(old.key), NINE),
        Err(ParkingError::UnknownSensor)
    );
}

/// Authenticates sensor 10's event at `now` and applies it, as `report` does: the outcome.
fn report(
    parking: &mut Parking,
    event: &SensorEvent,
    vehicle: Option<&DeviceInfo>,
    now: u64,
) -> Result<SensorOutcome, ParkingError> {
    Ok(applied(parking, event, vehicle, now)?.0)
}

/// `report`'s outcome, and the payments it leaves for the shell.
fn applied(
    parking: &mut Parking,
    event: &SensorEvent,
    vehicle: Option<&DeviceInfo>,
    now: u64,
) -> Result<(SensorOutcome, Settlement), ParkingError> {
    let sensor = device(10, DeviceKind::ParkingSensor, 1);
    let space = parking.authenticate(event, Some(&sensor), Some(sensor.key), now)?;
    let (outcome, _, settlement) = parking.sensor_event(space, event, vehicle)?;
    Ok((outcome, settlement))
}

/// M-6: a parker holds the sensor's Arrived and Left events (seq 1 and 2) and submits the
/// Left first, hoping it finds nothing to close and the Arrived is then stale: the stay
/// would never be billed. The Left waits for the Arrived instead.
#[ink::test]
fn a_parker_cannot_reorder_sensor_events_to_void_a_stay() {
    let mut parking = parking();
    let car = device(20, DeviceKind::Vehicle, 2);
    let arrived = event(1, NINE, SensorKind::Arrived, 20);
    let left = event(2, NINE + HOUR, SensorKind::Left, 20);
    let now = NINE + 2 * HOUR;
    assert_eq!(
        report(&mut parking, &left, Some(&car), now),
        Err(ParkingError::SequenceGap)
    );
    assert_eq!(
        report(&mut parking, &arrived, Some(&car), now),
        Ok(SensorOutcome::SessionOpened { payer: account(2) })
    );
    assert_eq!(
        report(&mut parking, &left, Some(&car), now),
        Ok(SensorOutcome::SessionClosed { charged: 1_200_000 })
    );
    assert_eq!(
        report(&mut parking, &arrived, Some(&car), now),
        Err(ParkingError::StaleSeq)
    );
}

/// M-6: an event the space contradicts (a second car while one is parked) is used up, so
/// it cannot hold back the sensor's next events, and changes nothing else.
#[ink::test]
fn a_refused_sensor_event_does_not_stall_the_next() {
    let mut parking = parking();
    let car = device(20, DeviceKind::Vehicle, 2);
    let other = device(21, DeviceKind::Vehicle, 3);
    let now = NINE + 2 * HOUR;
    report(
        &mut parking,
        &event(1, NINE, SensorKind::Arrived, 20),
        Some(&car),
        now,
    )
    .unwrap();
    assert_eq!(
        report(
            &mut parking,
            &event(2, NINE + 1, SensorKind::Arrived, 21),
            Some(&other),
            now
        ),
        Ok(SensorOutcome::Refused {
            reason: SensorRefusal::SpaceOccupied
        })
    );
    let stay = TagScope::Stay {
        space: 0,
        since_ms: NINE,
    };
    assert_eq!(
        parking.space(0).unwrap().session.unwrap().vehicle_tag,
        vehicle_tag(&[20; 32], stay)
    );
    assert_eq!(
        report(
            &mut parking,
            &event(3, NINE + HOUR, SensorKind::Left, 20),
            Some(&car),
            now
        ),
        Ok(SensorOutcome::SessionClosed { charged: 1_200_000 })
    );
}

/// I-2: a sensor whose counter restarted at 1 (or reached `u64::MAX`) is stuck until the
/// admin resets it; after the reset no event signed before it is taken, so old events
/// cannot be replayed. Only the admin resets.
#[ink::test]
fn a_sensor_reset_replays_no_old_event() {
    let mut parking = parking();
    let car = device(20, DeviceKind::Vehicle, 2);
    let now = NINE + 2 * HOUR;
    report(
        &mut parking,
        &event(1, NINE, SensorKind::Arrived, 20),
        Some(&car),
        now,
    )
    .unwrap();
    report(
        &mut parking,
        &event(2, NINE + HOUR, SensorKind::Left, 20),
        Some(&car),
        now,
    )
    .unwrap();
    let mut at_max = event(3, NINE + HOUR + 1, SensorKind::Arrived, 20);
    at_max.seq = u64::MAX;
    assert_eq!(
        report(&mut parking, &at_max, Some(&car), now),
        Err(ParkingError::SequenceGap)
    );
    assert_eq!(
        parking.reset_sensor_sequence(account(1), [10; 32], now),
        Err(ParkingError::NotAdmin)
    );
    let reset = parking
        .reset_sensor_sequence(account(0), [10; 32], now)
        .unwrap();
    assert_eq!(reset.at_ms, now);
    // the old Arrived, numbered 1 again, is refused: it was signed before the reset
    assert_eq!(
        report(
            &mut parking,
            &event(1, NINE, SensorKind::Arrived, 20),
            Some(&car),
            now
        ),
        Err(ParkingError::BadEventTime)
    );
    assert_eq!(
        report(
            &mut parking,
            &event(1, now, SensorKind::Arrived, 20),
            Some(&car),
            now
        ),
        Ok(SensorOutcome::SessionOpened { payer: account(2) })
    );
}

/// Renter 2's booking 10:00-11:00 (its id and escrow), and car 21 of owner 3 parked
/// pay-as-you-go since 09:00 (sensor event 1), still there at its start.
fn blocked_booking(parking: &mut Parking) -> (u64, u128, DeviceInfo) {
    let blocker = device(21, DeviceKind::Vehicle, 3);
    let (booking, escrow) = parking
        .book(
            account(2),
            citizen(),
            0,
            None,
            NINE + HOUR,
            NINE + 2 * HOUR,
            DAY,
        )
        .unwrap();
    let arrived = event(1, NINE, SensorKind::Arrived, 21);
    report(parking, &arrived, Some(&blocker), NINE).unwrap();
    (booking, escrow, blocker)
}

/// L-4: a pay-as-you-go car stays on into the start of someone's booking, so the renter
/// cannot park; the owner would be paid twice for the hour. The booking is refunded in
/// full when the blocker leaves, and the blocker is billed its whole stay.
#[ink::test]
fn a_blocked_booking_is_refunded_and_the_blocker_pays() {
    let mut parking = parking();
    let (booking, escrow, blocker) = blocked_booking(&mut parking);
    let now = NINE + 3 * HOUR;
    // the renter's car comes and finds the space taken
    let car = device(20, DeviceKind::Vehicle, 2);
    let arrived = event(2, NINE + HOUR, SensorKind::Arrived, 20);
    assert_eq!(
        report(&mut parking, &arrived, Some(&car), now),
        Ok(SensorOutcome::Refused {
            reason: SensorRefusal::SpaceOccupied
        })
    );
    let left = event(3, NINE + 2 * HOUR + 30 * MINUTE, SensorKind::Left, 21);
    let (outcome, settlement) = applied(&mut parking, &left, Some(&blocker), now).unwrap();
    assert_eq!(outcome, SensorOutcome::SessionClosed { charged: 3_000_000 });
    assert_eq!(settlement.refunded, ink::prelude::vec![(booking, escrow)]);
    assert!(settlement.releases.contains(&(account(2), escrow)));
    assert_eq!(settlement.collect.unwrap().from, account(3));
    assert_eq!(
        parking.booking(booking).unwrap().state,
        BookingState::Cancelled
    );
    assert_eq!(parking.escrow_total(), 0);
}

/// L-4: the blocker is still there when the booking ends; settling it then refunds the
/// renter rather than paying the owner for a space nobody could use.
#[ink::test]
fn a_booking_blocked_to_its_end_is_not_paid_to_the_owner() {
    let mut parking = parking();
    let (booking, escrow, _) = blocked_booking(&mut parking);
    let now = NINE + 3 * HOUR;
    let (payout, settlement) = parking.settle(booking, now).unwrap();
    assert_eq!(payout, None);
    assert_eq!(
        settlement.releases,
        ink::prelude::vec![(account(2), escrow)]
    );
    assert_eq!(
        parking.settle(booking, now).unwrap_err(),
        ParkingError::BookingClosed
    );
}

/// M-5: the space's own sensor reports a registered car whose owner never agreed to pay
/// this space's owner: no session is opened and nothing is billed; with a cap, the stay
/// holds the longest charge on it and gives back what it did not cost.
#[ink::test]
fn a_space_owners_sensor_cannot_bill_a_car_owner_who_authorized_nothing() {
    let mut parking = parking();
    let car = device(26, DeviceKind::Vehicle, 6);
    let now = NINE + 2 * HOUR;
    assert_eq!(
        report(
            &mut parking,
            &event(1, NINE, SensorKind::Arrived, 26),
            Some(&car),
            now
        ),
        Ok(SensorOutcome::ViolationRecorded { index: 0 })
    );
    assert_eq!(parking.space(0).unwrap().session, None);
    assert_eq!(
        parking.violations(0, 0, 1).unwrap().0[0].kind,
        ViolationKind::NotAuthorized
    );
    report(
        &mut parking,
        &event(2, NINE + 1, SensorKind::Left, 26),
        Some(&car),
        now,
    )
    .unwrap();
    // the longest stay (8 hours at 1.2 credits) is 9.6 credits: a cap of 9 is not enough
    parking.set_spending_cap(account(6), account(1), 9_000_000);
    assert_eq!(
        report(
            &mut parking,
            &event(3, NINE + 2, SensorKind::Arrived, 26),
            Some(&car),
            now
        ),
        Ok(SensorOutcome::ViolationRecorded { index: 1 })
    );
    parking.set_spending_cap(account(6), account(1), 10_000_000);
    assert_eq!(
        report(
            &mut parking,
            &event(4, NINE + 3, SensorKind::Arrived, 26),
            Some(&car),
            now
        ),
        Ok(SensorOutcome::SessionOpened { payer: account(6) })
    );
    assert_eq!(parking.spending_cap(account(6), account(1)), 400_000);
    assert_eq!(
        report(
            &mut parking,
            &event(5, NINE + HOUR + 3, SensorKind::Left, 26),
            Some(&car),
            now
        ),
        Ok(SensorOutcome::SessionClosed { charged: 1_200_000 })
    );
    assert_eq!(parking.spending_cap(account(6), account(1)), 8_800_000);
}

/// M-1: a payout the token refused waits in the books (and in `escrow_total`, so it is
/// never swept) until its payee claims it, once.
#[ink::test]
fn a_refused_payout_waits_for_its_payee_once() {
    let mut parking = parking();
    let owner = account(1);
    let event = parking.owe_payout(owner, 1_140_000);
    assert_eq!((event.amount, event.total), (1_140_000, 1_140_000));
    parking.owe_payout(owner, 60_000);
    assert_eq!(parking.payout_owed(owner), 1_200_000);
    assert_eq!(parking.escrow_total(), 1_200_000);
    assert_eq!(
        parking.sweepable(account(0), 1_200_000),
        Err(ParkingError::NothingToSweep)
    );
    assert_eq!(
        parking.claim_payout(account(2)),
        Err(ParkingError::NoPayoutOwed)
    );
    assert_eq!(parking.claim_payout(owner).unwrap().amount, 1_200_000);
    assert_eq!((parking.payout_owed(owner), parking.escrow_total()), (0, 0));
    assert_eq!(parking.claim_payout(owner), Err(ParkingError::NoPayoutOwed));
}

/// M-1: the shop's key is lost and the admin moves its citizen to account 7: its space,
/// the payouts waiting for it and Rita's open booking (Rita moved to account 8) used to
/// stay with keys nobody holds. The new accounts take them over; nobody takes over what
/// the named account does not hold.
#[ink::test]
fn a_moved_citizens_new_key_takes_over_its_space_booking_and_payouts() {
    let mut parking = parking();
    let (shop, rita) = (account(1), account(2));
    let (new_shop, new_rita) = (account(7), account(8));
    let car = device(20, DeviceKind::Vehicle, 2);
    parking
        .book(
            rita,
            renter_with(&car),
            0,
            Some([20; 32]),
            NINE,
            NINE + HOUR,
            DAY,
        )
        .unwrap();
    parking
        .sensor_event(0, &event(1, NINE, SensorKind::Arrived, 20), Some(&car))
        .unwrap();
    parking.owe_payout(shop, 1_140_000);

    // what the named account does not hold
    assert_eq!(
        parking.take_over(Holding::Space(0), rita, new_rita),
        Err(ParkingError::NotTheirs)
    );
    assert_eq!(
        parking.take_over(Holding::Booking(0), shop, new_shop),
        Err(ParkingError::NotTheirs)
    );
    assert_eq!(
        parking.take_over(Holding::Payouts(0), rita, new_rita),
        Err(ParkingError::NoPayoutOwed)
    );

    let space = parking
        .take_over(Holding::Space(0), shop, new_shop)
        .unwrap();
    assert_eq!(
        (space.from, space.to, space.holding),
        (shop, new_shop, Holding::Space(0))
    );
    assert_eq!(parking.space(0).unwrap().owner, new_shop);
    let payouts = parking
        .take_over(Holding::Payouts(0), shop, new_shop)
        .unwrap();
    assert_eq!(payouts.holding, Holding::Payouts(1_140_000));
    assert_eq!(
        (parking.payout_owed(shop), parking.payout_owed(new_shop)),
        (0, 1_140_000)
    );
    // Rita's checked-in booking: the stay is the new key's to pay, its escrow settled to
    // the space's new owner
    parking
        .take_over(Holding::Booking(0), rita, new_rita)
        .unwrap();
    assert_eq!(parking.booking(0).unwrap().renter, new_rita);
    assert_eq!(parking.space(0).unwrap().session.unwrap().payer, new_rita);
    assert_eq!(parking.renter_bookings(new_rita, 0, 10).unwrap().1, 1);
    let moved_car = device(20, DeviceKind::Vehicle, 8);
    let (_, _, settlement) = parking
        .sensor_event(
            0,
            &event(2, NINE + HOUR - MINUTE, SensorKind::Left, 20),
            Some(&moved_car),
        )
        .unwrap();
    assert!(settlement.releases.iter().any(|(to, _)| *to == new_shop));
    assert_eq!(parking.booking(0).unwrap().state, BookingState::Settled);
}

/// M-3: Sam owes the shop; his key is moved to account 8, which used to start debt-free.
/// The shop moves the debt after him: the new key books nothing until it repays.
#[ink::test]
fn a_debtors_new_key_keeps_its_debt() {
    let mut parking = parking();
    let (shop, sam, new_sam) = (account(1), account(2), account(8));
    parking.record_debt(Collect {
        from: sam,
        amount: 600_000,
        owner: shop,
        space: 0,
    });
    assert_eq!(
        parking.move_debt(account(3), sam, new_sam),
        Err(ParkingError::NothingOwed)
    );
    let moved = parking.move_debt(shop, sam, new_sam).unwrap();
    assert_eq!(
        (moved.from, moved.to, moved.creditor, moved.amount),
        (sam, new_sam, shop, 600_000)
    );
    assert_eq!((parking.debt(sam), parking.debt(new_sam)), (0, 600_000));
    assert_eq!(
        parking.book(new_sam, citizen(), 0, None, NINE, NINE + HOUR, DAY),
        Err(ParkingError::Debtor)
    );
    assert_eq!(parking.repayable(new_sam, shop, 10_000_000), Ok(600_000));
}
