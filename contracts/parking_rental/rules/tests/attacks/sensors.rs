//! Security review 1, continued: the attacks through the sensor's events (their order,
//! a reset, a blocked booking, a charge nobody authorized), on payouts and across a key
//! move.

use super::*;

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
    let booked = parking
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
    let (booking, escrow) = (booked.booking, booked.escrow);
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
    assert_eq!(
        settlement.refunded,
        ink::prelude::vec![BookingCancelled {
            booking,
            refund: escrow,
            fee: 0
        }]
    );
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
        parking.sweepable(account(0), 1_200_000, account(0)),
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
