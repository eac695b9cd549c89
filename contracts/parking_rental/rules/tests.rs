//! The rules' unit tests (plain `#[ink::test]`s); `attacks`: the security review's
//! attacks on these rules, each refused.

mod attacks;

use super::*;
use interfaces::parking::{Availability, SpaceTerms};

const MINUTE: u64 = 60_000;
const HOUR: u64 = 60 * MINUTE;
/// Midnight UTC of some day.
const DAY: u64 = 20_000 * 24 * HOUR;

fn account(n: u8) -> AccountId {
    AccountId::from([n; 32])
}

fn device(id: u8, kind: DeviceKind, owner: u8) -> DeviceInfo {
    DeviceInfo {
        device_id: [id; 32],
        owner: account(owner),
        owner_id: [owner; 32],
        kind,
        key: [id; 33],
        metadata_hash: [0; 32],
        status: DeviceStatus::Commissioned,
        active: true,
        energy: None,
        owner_since_ms: 0,
    }
}

fn terms() -> SpaceTerms {
    SpaceTerms {
        geohash: b"tdr1v9".to_vec(),
        // 1.2 credits an hour: 20,000 micro-credits a minute
        price_per_hour: 1_200_000,
        min_minutes: 30,
        max_minutes: 8 * 60,
        // 08:00 to 18:00 UTC
        windows: ink::prelude::vec![Availability {
            start_minute: 8 * 60,
            end_minute: 18 * 60
        }],
    }
}

fn config() -> ParkingConfig {
    ParkingConfig {
        platform_fee_bps: 500,
        fee_account: account(99),
        late_cancel_fee_bps: 2_000,
        cancel_cutoff_ms: HOUR,
        cancel_fee_bps: 0,
    }
}

/// Space 0 of owner 1 watched by sensor 10; the owners of vehicles 2 to 5 let owner 1 bill
/// them up to 100 credits pay-as-you-go.
fn parking() -> Parking {
    let mut parking = Parking::new(account(0), config()).unwrap();
    let sensor = device(10, DeviceKind::ParkingSensor, 1);
    parking
        .list_space(account(1), [10; 32], Some(&sensor), terms())
        .unwrap();
    for payer in 2..=5 {
        parking.set_spending_cap(account(payer), account(1), 100_000_000);
    }
    parking
}

fn citizen() -> RenterCheck<'static> {
    RenterCheck {
        active: true,
        vehicle: None,
    }
}

/// The pseudonym of car `vehicle`'s stay on space 0 from `since_ms` (M-10).
fn stay_tag(vehicle: u8, since_ms: u64) -> interfaces::Hash32 {
    vehicle_tag(&[vehicle; 32], TagScope::Stay { space: 0, since_ms })
}

fn event(seq: u64, at_ms: u64, kind: SensorKind, vehicle: u8) -> SensorEvent {
    SensorEvent {
        sensor: [10; 32],
        seq,
        at_ms,
        kind,
        vehicle: [vehicle; 32],
    }
}

#[ink::test]
fn rent_is_per_started_minute_rounded_up() {
    let t = terms();
    assert_eq!(t.rent(0, 30 * MINUTE), 600_000);
    // 30 minutes and one second bill 31 minutes
    assert_eq!(t.rent(0, 30 * MINUTE + 1_000), 620_000);
    // 7 credits an hour over one minute: 116,666.67 rounds up
    assert_eq!(interfaces::parking::rent(7_000_000, MINUTE), 116_667);
}

#[ink::test]
fn listing_needs_an_own_commissioned_sensor_once() {
    let mut parking = parking();
    let other = device(11, DeviceKind::ParkingSensor, 2);
    assert_eq!(
        parking.list_space(account(1), [11; 32], Some(&other), terms()),
        Err(ParkingError::SensorNotUsable)
    );
    let meter = device(12, DeviceKind::Meter, 1);
    assert_eq!(
        parking.list_space(account(1), [12; 32], Some(&meter), terms()),
        Err(ParkingError::SensorNotUsable)
    );
    let sensor = device(10, DeviceKind::ParkingSensor, 1);
    assert_eq!(
        parking.list_space(account(1), [10; 32], Some(&sensor), terms()),
        Err(ParkingError::SensorInUse)
    );
    let mut bad = terms();
    bad.windows.clear();
    assert_eq!(
        parking.list_space(account(1), [13; 32], None, bad),
        Err(ParkingError::InvalidWindowCount)
    );
}

#[ink::test]
fn bookings_stay_inside_availability_without_overlap() {
    let mut parking = parking();
    let now = DAY;
    let nine = DAY + 9 * HOUR;
    let booked = parking
        .book(account(2), citizen(), 0, None, nine, nine + HOUR, now)
        .unwrap();
    assert_eq!(
        (booked.booking, booked.space, booked.renter, booked.escrow),
        (0, 0, account(2), 1_200_000)
    );
    let book = |p: &mut Parking, start, end| {
        p.book(account(3), citizen(), 0, None, start, end, now)
            .map(|booked| (booked.booking, booked.escrow))
    };
    assert_eq!(
        book(&mut parking, nine + 30 * MINUTE, nine + 2 * HOUR),
        Err(ParkingError::Overlap)
    );
    assert_eq!(
        book(&mut parking, DAY + 17 * HOUR, DAY + 19 * HOUR),
        Err(ParkingError::OutsideAvailability)
    );
    assert_eq!(
        book(&mut parking, nine + HOUR, nine + HOUR + 10 * MINUTE),
        Err(ParkingError::DurationOutOfRange)
    );
    assert_eq!(
        book(&mut parking, now - HOUR, now),
        Err(ParkingError::BadInterval)
    );
    // back to back is no overlap
    assert_eq!(
        book(&mut parking, nine + HOUR, nine + 2 * HOUR),
        Ok((1, 1_200_000))
    );
    assert_eq!(parking.escrow_total(), 2_400_000);
    assert_eq!(
        parking.free_spaces(nine, nine + HOUR, 0, 10),
        Ok((ink::prelude::vec![], 1))
    );
    assert_eq!(
        parking.free_spaces(nine + 3 * HOUR, nine + 4 * HOUR, 0, 10),
        Ok((ink::prelude::vec![0], 1))
    );
}

#[ink::test]
fn late_cancellation_keeps_a_fee_for_the_owner() {
    let mut parking = parking();
    let nine = DAY + 9 * HOUR;
    parking
        .book(account(2), citizen(), 0, None, nine, nine + HOUR, DAY)
        .unwrap();
    parking
        .book(
            account(2),
            citizen(),
            0,
            None,
            nine + HOUR,
            nine + 2 * HOUR,
            DAY,
        )
        .unwrap();
    assert_eq!(
        parking.cancel(account(3), 0, DAY).unwrap_err(),
        ParkingError::NotRenter
    );
    let (cancelled, settlement) = parking.cancel(account(2), 0, DAY).unwrap();
    assert_eq!(
        cancelled,
        BookingCancelled {
            booking: 0,
            refund: 1_200_000,
            fee: 0
        }
    );
    assert_eq!(
        settlement.releases,
        ink::prelude::vec![(account(2), 1_200_000), (account(1), 0)]
    );
    // 30 minutes before the start: inside the one-hour cut-off, 20 % kept
    let (cancelled, _) = parking.cancel(account(2), 1, nine + 30 * MINUTE).unwrap();
    assert_eq!((cancelled.refund, cancelled.fee), (960_000, 240_000));
    assert_eq!(
        parking.cancel(account(2), 1, DAY).unwrap_err(),
        ParkingError::BookingClosed
    );
    assert_eq!(parking.escrow_total(), 0);
}

#[ink::test]
fn the_booked_vehicle_checks_in_and_out_with_overstay() {
    let mut parking = parking();
    let nine = DAY + 9 * HOUR;
    let car = device(20, DeviceKind::Vehicle, 2);
    let renter = RenterCheck {
        active: true,
        vehicle: Some(&car),
    };
    parking
        .book(
            account(2),
            renter,
            0,
            Some([20; 32]),
            nine,
            nine + HOUR,
            DAY,
        )
        .unwrap();
    let arrived = event(1, nine + MINUTE, SensorKind::Arrived, 20);
    let (outcome, effect, _) = parking.sensor_event(0, &arrived, Some(&car)).unwrap();
    assert_eq!(outcome, SensorOutcome::CheckedIn { booking: 0 });
    // the event carries the stay's pseudonym of the car, never its id (M-10)
    let stay = stay_tag(20, nine + MINUTE);
    assert_eq!(
        effect,
        SensorEffect::CheckedIn(CheckedIn {
            booking: 0,
            vehicle_tag: stay,
            at_ms: nine + MINUTE
        })
    );
    assert_eq!(
        parking.settle(0, nine + 2 * HOUR).unwrap_err(),
        ParkingError::SpaceOccupied
    );
    // leaves 10 minutes late
    let left = event(2, nine + HOUR + 10 * MINUTE, SensorKind::Left, 20);
    let (outcome, effect, settlement) = parking.sensor_event(0, &left, Some(&car)).unwrap();
    assert_eq!(
        outcome,
        SensorOutcome::CheckedOut {
            booking: 0,
            overstay: 200_000
        }
    );
    assert_eq!(
        effect,
        SensorEffect::Settled(BookingSettled {
            booking: 0,
            to_owner: 1_140_000,
            fee: 60_000,
            overstay: 200_000
        })
    );
    // 5 % platform fee on the escrow; the overstay is collected from the renter
    assert_eq!(
        settlement.releases,
        ink::prelude::vec![(account(1), 1_140_000), (account(99), 60_000)]
    );
    assert_eq!(
        settlement.collect,
        Some(Collect {
            from: account(2),
            amount: 200_000,
            owner: account(1),
            space: 0
        })
    );
    assert_eq!(parking.booking(0).unwrap().state, BookingState::Settled);
    assert_eq!(parking.escrow_total(), 0);
}

#[ink::test]
fn strangers_and_unknown_vehicles_are_violations_and_walk_ins_pay_as_they_go() {
    let mut parking = parking();
    let nine = DAY + 9 * HOUR;
    let (mine, strangers) = (
        device(20, DeviceKind::Vehicle, 2),
        device(30, DeviceKind::Vehicle, 3),
    );
    parking
        .book(account(2), citizen(), 0, None, nine, nine + HOUR, DAY)
        .unwrap();
    // someone else's car during account 2's booking
    let e = event(1, nine + MINUTE, SensorKind::Arrived, 30);
    let (outcome, _, _) = parking.sensor_event(0, &e, Some(&strangers)).unwrap();
    assert_eq!(outcome, SensorOutcome::ViolationRecorded { index: 0 });
    // an unknown car after the booking
    let e = event(2, nine + 2 * HOUR, SensorKind::Arrived, 40);
    let (outcome, _, _) = parking.sensor_event(0, &e, None).unwrap();
    assert_eq!(outcome, SensorOutcome::ViolationRecorded { index: 1 });
    let e = event(3, nine + 2 * HOUR + MINUTE, SensorKind::Left, 40);
    assert_eq!(
        parking.sensor_event(0, &e, None).unwrap().0,
        SensorOutcome::NothingToClose
    );
    // a registered car without a booking: billed 45 minutes at check-out
    let e = event(4, nine + 3 * HOUR, SensorKind::Arrived, 20);
    assert_eq!(
        parking.sensor_event(0, &e, Some(&mine)).unwrap().0,
        SensorOutcome::SessionOpened { payer: account(2) }
    );
    // another car's Left uses its sequence number and changes nothing else
    let e = event(5, nine + 3 * HOUR + 45 * MINUTE, SensorKind::Left, 30);
    let (outcome, effect, _) = parking.sensor_event(0, &e, Some(&strangers)).unwrap();
    let reason = SensorRefusal::VehicleMismatch;
    assert_eq!(outcome, SensorOutcome::Refused { reason });
    assert_eq!(
        effect,
        SensorEffect::Refused(SensorEventRefused {
            space: 0,
            seq: 5,
            reason
        })
    );
    let e = event(6, nine + 3 * HOUR + 45 * MINUTE, SensorKind::Left, 20);
    let (outcome, effect, _) = parking.sensor_event(0, &e, Some(&mine)).unwrap();
    assert_eq!(outcome, SensorOutcome::SessionClosed { charged: 900_000 });
    // 45 minutes at 1.2 SCP an hour, 5 % of it the platform's
    let stay = stay_tag(20, nine + 3 * HOUR);
    assert_eq!(
        effect,
        SensorEffect::SessionClosed(SessionClosed {
            space: 0,
            vehicle_tag: stay,
            minutes: 45,
            charged: 900_000,
            fee: 45_000
        })
    );
    let (page, count) = parking.violations(0, 0, 10).unwrap();
    assert_eq!(count, 2);
    assert_eq!(page[0].kind, ViolationKind::SomeoneElsesBooking(0));
    assert_eq!(page[1].kind, ViolationKind::UnknownVehicle);
}

#[ink::test]
fn sensor_events_are_authenticated_in_order() {
    let mut parking = parking();
    let sensor = device(10, DeviceKind::ParkingSensor, 1);
    let now = DAY + 10 * HOUR;
    let e = event(1, now - MINUTE, SensorKind::Arrived, 40);
    assert_eq!(
        parking.authenticate(&e, Some(&sensor), Some([9; 33]), now),
        Err(ParkingError::BadSignature)
    );
    assert_eq!(
        parking.authenticate(&e, Some(&sensor), Some(sensor.key), now),
        Ok(0)
    );
    let future = event(1, now + MINUTE, SensorKind::Arrived, 40);
    assert_eq!(
        parking.authenticate(&future, Some(&sensor), Some(sensor.key), now),
        Err(ParkingError::BadEventTime)
    );
    let mut revoked = sensor.clone();
    revoked.status = DeviceStatus::Revoked;
    assert_eq!(
        parking.authenticate(&e, Some(&revoked), Some(sensor.key), now),
        Err(ParkingError::SensorInactive)
    );
    parking.sensor_event(0, &e, None).unwrap();
    assert_eq!(
        parking.authenticate(&e, Some(&sensor), Some(sensor.key), now),
        Err(ParkingError::StaleSeq)
    );
    let mut unknown = e;
    unknown.sensor = [77; 32];
    assert_eq!(
        parking.authenticate(&unknown, Some(&sensor), Some(sensor.key), now),
        Err(ParkingError::UnknownSensor)
    );
}

#[ink::test]
fn delisting_refunds_future_bookings_only_when_asked() {
    let mut parking = parking();
    let nine = DAY + 9 * HOUR;
    parking
        .book(account(2), citizen(), 0, None, nine, nine + HOUR, DAY)
        .unwrap();
    parking
        .book(
            account(3),
            citizen(),
            0,
            None,
            nine + 2 * HOUR,
            nine + 3 * HOUR,
            DAY,
        )
        .unwrap();
    let after_first = nine + HOUR + MINUTE;
    assert_eq!(
        parking
            .delist(account(1), 0, false, after_first)
            .unwrap_err(),
        ParkingError::HasBookings
    );
    assert_eq!(
        parking
            .delist(account(2), 0, true, after_first)
            .unwrap_err(),
        ParkingError::NotSpaceOwner
    );
    let delisting = parking.delist(account(1), 0, true, after_first).unwrap();
    assert_eq!(delisting.delisted.refunded, 1);
    // the ended booking settles to the owner, the future one is refunded
    assert_eq!(
        delisting.settlement.releases,
        ink::prelude::vec![
            (account(1), 1_140_000),
            (account(99), 60_000),
            (account(3), 1_200_000)
        ]
    );
    assert_eq!(parking.escrow_total(), 0);
    assert_eq!(
        parking.book(
            account(2),
            citizen(),
            0,
            None,
            nine + 4 * HOUR,
            nine + 5 * HOUR,
            DAY
        ),
        Err(ParkingError::NotListed)
    );
}
