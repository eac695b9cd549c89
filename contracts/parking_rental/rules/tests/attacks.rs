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
    assert_eq!(delisting.delisted.refunded, 1);
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
    let (cancelled, _) = parking.cancel(account(2), 0, DAY).unwrap();
    assert_eq!((cancelled.refund, cancelled.fee), (1_140_000, 60_000));
    let (cancelled, _) = parking.cancel(account(2), 1, NINE + 30 * MINUTE).unwrap();
    assert_eq!((cancelled.refund, cancelled.fee), (960_000, 240_000));
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

mod sensors;
