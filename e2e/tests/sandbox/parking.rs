//! The committed registry, credit token and parking rental deployed and wired on the
//! sandbox chain: a shop owner lists a space watched by a sensor, renters book it with
//! the rent escrowed, the sensor's signed events check vehicles in and out, strangers are
//! reported, the owner is paid. Every test ends by checking the escrow invariant: the
//! contract's token balance is the sum of its open bookings' escrow and the payouts it owes.

use crate::common::{wasm, Base};
use interfaces::{
    parking::{
        vehicle_tag, Availability, BookingState, Holding, ParkingConfig, ParkingError,
        SensorOutcome, SpaceTerms, TagScope, ViolationKind,
    },
    token::{Earning, PSP22Error, TokenRole},
    AccountId, CitizenStatus, Deployment, DeviceKind, EnergySource,
};
use smartcity_sandbox::SandboxChain;
use smartcity_sdk::{
    device_id,
    keys::DeviceSigner,
    named_account,
    parking::{parking_events, ParkingEvent, SensorSimulator},
    Chain, ClientError, ParkingClient, RegistryClient, TokenClient,
};

const MINUTE: u64 = 60_000;
const HOUR: u64 = 60 * MINUTE;
/// 1.2 credits an hour: 20,000 micro-credits a minute.
const PRICE_PER_HOUR: u128 = 1_200_000;

/// Registry, gated token and parking rental, wired. The shop owner holds the sensor of
/// space 0; Rita (a car) and Sam (a car) rent; a minter funds them.
struct Lot {
    chain: SandboxChain,
    registry: RegistryClient,
    token: TokenClient,
    parking: ParkingClient,
    admin: AccountId,
    operator: AccountId,
    shop: AccountId,
    rita: AccountId,
    sam: AccountId,
    fees: AccountId,
    sensor: SensorSimulator,
    rita_car: [u8; 32],
    sam_car: [u8; 32],
    space: u64,
    /// Midnight UTC of the chain's first day.
    midnight: u64,
    bookings: Vec<u64>,
}

fn terms() -> SpaceTerms {
    SpaceTerms {
        geohash: b"tdr1v9".to_vec(),
        price_per_hour: PRICE_PER_HOUR,
        min_minutes: 30,
        max_minutes: 8 * 60,
        // 08:00 to 18:00 UTC
        windows: vec![Availability {
            start_minute: 8 * 60,
            end_minute: 18 * 60,
        }],
    }
}

fn config(fees: AccountId) -> ParkingConfig {
    ParkingConfig {
        platform_fee_bps: 500,
        fee_account: fees,
        late_cancel_fee_bps: 2_000,
        cancel_cutoff_ms: HOUR,
        cancel_fee_bps: 0,
    }
}

impl Lot {
    fn new() -> Self {
        let minter = named_account("minter");
        let fees = named_account("platform-fees");
        let (shop, rita, sam) = (
            named_account("shop"),
            named_account("rita"),
            named_account("sam"),
        );
        let Base {
            mut chain,
            admin,
            operator,
            registry,
            token,
            ..
        } = Base::new(&[("shop", shop), ("rita", rita), ("sam", sam)]);
        token
            .grant_role(&mut chain, admin, TokenRole::Minter, minter)
            .unwrap();
        token
            .set_allow_listed(&mut chain, admin, fees, true)
            .unwrap();
        let parking = ParkingClient::deploy(
            &mut chain,
            admin,
            &wasm("parking_rental"),
            registry.address(),
            token.address(),
            config(fees),
            vec![],
        )
        .unwrap()
        .value;
        // the gated token lets the rental hold escrow
        token
            .set_allow_listed(&mut chain, admin, parking.address(), true)
            .unwrap();
        // everyone starts with 50 credits and lets the rental take at most 40 of them (a
        // bounded approval, as payers should give)
        for who in [rita, sam] {
            token
                .mint_with_receipt(&mut chain, minter, who, 50_000_000, earning())
                .unwrap();
            token
                .approve(&mut chain, who, parking.address(), 40_000_000)
                .unwrap();
            // and lets the shop's spaces bill its car pay-as-you-go up to 40 (M-5)
            parking
                .set_spending_cap(&mut chain, who, shop, 40_000_000)
                .unwrap();
        }
        let sensor = SensorSimulator::new(
            device_id("shop/sensor"),
            DeviceSigner::from_seed("shop/sensor"),
            parking.deployment(&mut chain).unwrap(),
        );
        let midnight = chain.now_ms() / (24 * HOUR) * (24 * HOUR);
        let mut lot = Lot {
            chain,
            registry,
            token,
            parking,
            admin,
            operator,
            shop,
            rita,
            sam,
            fees,
            rita_car: device_id("rita/car"),
            sam_car: device_id("sam/car"),
            sensor,
            space: 0,
            midnight,
            bookings: Vec::new(),
        };
        let key = lot.sensor.public_key();
        let sensor_id = lot.sensor.sensor;
        lot.register(shop, sensor_id, DeviceKind::ParkingSensor, key);
        for (owner, car, seed) in [
            (rita, lot.rita_car, "rita/car"),
            (sam, lot.sam_car, "sam/car"),
        ] {
            let key = DeviceSigner::from_seed(seed).public_key();
            lot.register(owner, car, DeviceKind::Vehicle, key);
        }
        lot.space = lot
            .parking
            .list_space(&mut lot.chain, shop, sensor_id, terms())
            .unwrap()
            .value;
        lot
    }

    fn register(&mut self, owner: AccountId, id: [u8; 32], kind: DeviceKind, key: [u8; 33]) {
        self.registry
            .register_device(&mut self.chain, owner, id, kind, key, [0; 32])
            .unwrap();
        self.registry
            .commission_device(&mut self.chain, self.operator, id, None)
            .unwrap();
    }

    /// `hour:minute` UTC of the chain's first day, in ms.
    fn at(&self, hour: u64, minute: u64) -> u64 {
        self.midnight + hour * HOUR + minute * MINUTE
    }

    fn set_time(&mut self, hour: u64, minute: u64) {
        let t = self.at(hour, minute);
        self.chain.set_time_ms(t);
    }

    fn book(
        &mut self,
        renter: AccountId,
        vehicle: Option<[u8; 32]>,
        from: (u64, u64),
        to: (u64, u64),
    ) -> Result<u64, ClientError<ParkingError>> {
        let (start, end) = (self.at(from.0, from.1), self.at(to.0, to.1));
        let id = self
            .parking
            .book(&mut self.chain, renter, self.space, vehicle, start, end)?
            .value;
        self.bookings.push(id);
        Ok(id)
    }

    fn balance(&mut self, account: AccountId) -> u128 {
        self.token.balance_of(&mut self.chain, account).unwrap()
    }

    /// Rita's booking 09:00-10:00 for her car, checked in at 09:02 (it is 09:05 now).
    fn rita_checked_in(&mut self) -> u64 {
        let booking = self
            .book(self.rita, Some(self.rita_car), (9, 0), (10, 0))
            .unwrap();
        self.set_time(9, 5);
        let arrived = self.sensor.arrived(self.rita_car, self.at(9, 2));
        assert_eq!(
            self.report(arrived).unwrap(),
            SensorOutcome::CheckedIn { booking }
        );
        booking
    }

    fn report(
        &mut self,
        signed: interfaces::parking::SignedSensorEvent,
    ) -> Result<SensorOutcome, ClientError<ParkingError>> {
        let anyone = named_account("sensor-gateway");
        self.parking
            .report(&mut self.chain, anyone, signed)
            .map(|r| r.value)
    }

    /// The invariant: the contract holds exactly the escrow of its open bookings.
    fn assert_escrow(&mut self) {
        let held = self.balance(self.parking.address());
        let mut open = 0u128;
        for id in self.bookings.clone() {
            let booking = self.parking.booking(&mut self.chain, id).unwrap().unwrap();
            if matches!(
                booking.state,
                BookingState::Booked | BookingState::CheckedIn
            ) {
                open += booking.escrow;
            }
        }
        // and the payouts the token refused to deliver, waiting to be claimed (M-1)
        for who in [self.shop, self.rita, self.sam] {
            open += self.parking.payout_owed(&mut self.chain, who).unwrap();
        }
        assert_eq!(
            held, open,
            "token balance vs open bookings' escrow and payouts owed"
        );
        assert_eq!(
            self.parking.escrow_total(&mut self.chain).unwrap(),
            open,
            "escrow_total vs open bookings' escrow and payouts owed"
        );
    }
}

fn earning() -> Earning {
    Earning {
        device: [0; 32],
        source: EnergySource::Solar,
        period_start_ms: 0,
        period_end_ms: 1,
        energy_wh: 1,
    }
}

#[test]
fn a_space_is_listed_booked_and_double_or_outside_bookings_are_refused() {
    let mut lot = Lot::new();
    let (rita, sam) = (lot.rita, lot.sam);
    let space = lot
        .parking
        .space(&mut lot.chain, lot.space)
        .unwrap()
        .unwrap();
    assert_eq!((space.owner, space.listed), (lot.shop, true));

    // a sensor the caller does not own, and a sensor already in use
    let sensor_id = lot.sensor.sensor;
    assert_eq!(
        lot.parking
            .list_space(&mut lot.chain, rita, sensor_id, terms())
            .unwrap_err(),
        ClientError::Contract(ParkingError::SensorNotUsable)
    );
    assert_eq!(
        lot.parking
            .list_space(&mut lot.chain, lot.shop, sensor_id, terms())
            .unwrap_err(),
        ClientError::Contract(ParkingError::SensorInUse)
    );

    // 09:00 to 10:30: 90 minutes at 1.2 credits an hour
    let (start, end, car) = (lot.at(9, 0), lot.at(10, 30), lot.rita_car);
    let receipt = lot
        .parking
        .book(&mut lot.chain, rita, lot.space, Some(car), start, end)
        .unwrap();
    lot.bookings.push(receipt.value);
    assert!(matches!(
        &parking_events(lot.parking.address(), &receipt.events)[..],
        [ParkingEvent::Booked(e)] if e.renter == rita && e.escrow == 1_800_000
    ));
    assert_eq!(lot.balance(rita), 48_200_000);
    println!(
        "book: ref_time {}, proof_size {}",
        receipt.weight.ref_time, receipt.weight.proof_size
    );

    assert_eq!(
        lot.book(sam, None, (10, 0), (11, 0)).unwrap_err(),
        ClientError::Contract(ParkingError::Overlap)
    );
    assert_eq!(
        lot.book(sam, None, (17, 30), (18, 30)).unwrap_err(),
        ClientError::Contract(ParkingError::OutsideAvailability)
    );
    assert_eq!(
        lot.book(sam, None, (12, 0), (12, 10)).unwrap_err(),
        ClientError::Contract(ParkingError::DurationOutOfRange)
    );
    // the chain starts at 06:00: an interval that began at 05:00 is in the past
    assert_eq!(
        lot.book(sam, None, (5, 0), (9, 0)).unwrap_err(),
        ClientError::Contract(ParkingError::BadInterval)
    );
    // someone else's car, and a non-citizen
    assert_eq!(
        lot.book(sam, Some(lot.rita_car), (11, 0), (12, 0))
            .unwrap_err(),
        ClientError::Contract(ParkingError::VehicleNotUsable)
    );
    let outsider = named_account("outsider");
    assert_eq!(
        lot.book(outsider, None, (11, 0), (12, 0)).unwrap_err(),
        ClientError::Contract(ParkingError::NotACitizen)
    );
    // back to back with Rita's is fine
    let sams = lot.book(sam, None, (10, 30), (11, 0)).unwrap();
    let (page, count) = lot
        .parking
        .renter_bookings(&mut lot.chain, sam, 0, 10)
        .unwrap();
    assert_eq!((count, page[0].0), (1, sams));
    let (nine, ten) = (lot.at(9, 0), lot.at(10, 0));
    let (free, _) = lot
        .parking
        .free_spaces(&mut lot.chain, nine, ten, 0, 10)
        .unwrap();
    assert!(free.is_empty());
    let (noon, one) = (lot.at(12, 0), lot.at(13, 0));
    let (free, next) = lot
        .parking
        .free_spaces(&mut lot.chain, noon, one, 0, 10)
        .unwrap();
    assert_eq!((free, next), (vec![lot.space], 1));
    lot.assert_escrow();
}

#[test]
fn cancelling_early_refunds_in_full_and_late_keeps_the_owners_fee() {
    let mut lot = Lot::new();
    let (rita, shop) = (lot.rita, lot.shop);
    let early = lot.book(rita, None, (9, 0), (10, 0)).unwrap();
    let late = lot.book(rita, None, (12, 0), (13, 0)).unwrap();
    lot.assert_escrow();
    assert_eq!(
        lot.parking
            .cancel(&mut lot.chain, lot.sam, early)
            .unwrap_err(),
        ClientError::Contract(ParkingError::NotRenter)
    );
    // 06:00, three hours ahead of the start: outside the one-hour cut-off
    let refund = lot.parking.cancel(&mut lot.chain, rita, early).unwrap();
    assert_eq!(refund.value, 1_200_000);
    assert!(matches!(
        &parking_events(lot.parking.address(), &refund.events)[..],
        [ParkingEvent::BookingCancelled(e)] if e.refund == 1_200_000 && e.fee == 0
    ));
    lot.assert_escrow();
    // 11:30, inside the cut-off: 20 % goes to the owner
    lot.set_time(11, 30);
    let refund = lot
        .parking
        .cancel(&mut lot.chain, rita, late)
        .unwrap()
        .value;
    assert_eq!(refund, 960_000);
    assert_eq!(lot.balance(shop), 240_000);
    assert_eq!(lot.balance(rita), 50_000_000 - 240_000);
    assert_eq!(
        lot.parking.cancel(&mut lot.chain, rita, late).unwrap_err(),
        ClientError::Contract(ParkingError::BookingClosed)
    );
    // after the start nobody cancels
    let started = lot.book(rita, None, (12, 0), (13, 0)).unwrap();
    lot.set_time(12, 1);
    assert_eq!(
        lot.parking
            .cancel(&mut lot.chain, rita, started)
            .unwrap_err(),
        ClientError::Contract(ParkingError::TooLateToCancel)
    );
    lot.assert_escrow();
}

#[test]
fn the_sensor_checks_the_booked_car_in_and_out_and_the_owner_is_paid() {
    let mut lot = Lot::new();
    let (rita, shop, fees) = (lot.rita, lot.shop, lot.fees);
    let booking = lot.book(rita, Some(lot.rita_car), (9, 0), (10, 0)).unwrap();
    lot.set_time(9, 5);
    let car = lot.rita_car;
    let arrived = lot.sensor.arrived(car, lot.at(9, 2));
    let receipt = lot
        .parking
        .report(&mut lot.chain, named_account("gateway"), arrived)
        .unwrap();
    assert_eq!(receipt.value, SensorOutcome::CheckedIn { booking });
    println!(
        "report (check-in): ref_time {}, proof_size {}",
        receipt.weight.ref_time, receipt.weight.proof_size
    );
    let space = lot
        .parking
        .space(&mut lot.chain, lot.space)
        .unwrap()
        .unwrap();
    assert_eq!(space.session.unwrap().booking, Some(booking));
    lot.assert_escrow();

    // leaves early: unused time is not refunded
    lot.set_time(9, 50);
    let left = lot.sensor.left(car, lot.at(9, 45));
    let receipt = lot
        .parking
        .report(&mut lot.chain, named_account("gateway"), left)
        .unwrap();
    assert_eq!(
        receipt.value,
        SensorOutcome::CheckedOut {
            booking,
            overstay: 0
        }
    );
    assert!(matches!(
        &parking_events(lot.parking.address(), &receipt.events)[..],
        [ParkingEvent::BookingSettled(e)] if e.to_owner == 1_140_000 && e.fee == 60_000
    ));
    println!(
        "report (check-out): ref_time {}, proof_size {}",
        receipt.weight.ref_time, receipt.weight.proof_size
    );
    assert_eq!((lot.balance(shop), lot.balance(fees)), (1_140_000, 60_000));
    assert_eq!(lot.balance(rita), 48_800_000);
    let state = lot
        .parking
        .booking(&mut lot.chain, booking)
        .unwrap()
        .unwrap()
        .state;
    assert_eq!(state, BookingState::Settled);
    lot.assert_escrow();
}

/// Security review M-1, end to end with the gated token: the shop is suspended while Rita's
/// car is parked on her booking. The token refuses every payment to the shop, which failed
/// the whole check-out and locked Rita's escrow and overstay. Now the shop's share waits
/// for it to claim, and everything else is settled.
#[test]
fn a_suspended_owner_cannot_lock_the_escrow_of_a_checked_in_booking() {
    let mut lot = Lot::new();
    let (rita, shop) = (lot.rita, lot.shop);
    let booking = lot.rita_checked_in();
    let (issuer, shop_id) = (
        smartcity_suite::accounts::issuer(&mut lot.chain),
        smartcity_sdk::virtual_id(b"salt", "shop"),
    );
    lot.registry
        .set_citizen_status(&mut lot.chain, issuer, shop_id, CitizenStatus::Suspended)
        .unwrap();
    // the suspended shop's sensor no longer reports; an hour after the end anyone closes
    lot.set_time(11, 0);
    let anyone = named_account("anyone");
    let closed = lot
        .parking
        .close_overdue(&mut lot.chain, anyone, lot.space)
        .unwrap();
    assert_eq!(
        closed.value,
        SensorOutcome::CheckedOut {
            booking,
            overstay: 1_200_000
        }
    );
    let owed = 2 * 1_140_000;
    assert!(parking_events(lot.parking.address(), &closed.events)
        .iter()
        .any(|e| matches!(e, ParkingEvent::PayoutOwed(p) if p.to == shop && p.amount == owed)));
    assert_eq!(lot.balance(rita), 50_000_000 - 2 * 1_200_000);
    assert_eq!(lot.balance(shop), 0);
    assert_eq!(lot.parking.payout_owed(&mut lot.chain, shop).unwrap(), owed);
    lot.assert_escrow();
    // while suspended the claim fails and changes nothing; reinstated, the shop is paid
    assert_eq!(
        lot.parking.claim_payout(&mut lot.chain, shop).unwrap_err(),
        ClientError::Contract(ParkingError::Payment(PSP22Error::Custom(
            "RecipientNotAllowed".into()
        )))
    );
    lot.registry
        .set_citizen_status(&mut lot.chain, issuer, shop_id, CitizenStatus::Active)
        .unwrap();
    assert_eq!(
        lot.parking
            .claim_payout(&mut lot.chain, shop)
            .unwrap()
            .value,
        owed
    );
    assert_eq!(lot.balance(shop), owed);
    assert_eq!(
        lot.parking.claim_payout(&mut lot.chain, shop).unwrap_err(),
        ClientError::Contract(ParkingError::NoPayoutOwed)
    );
    lot.assert_escrow();
}

/// Security review M-1 and M-3, end to end: keys are lost. The admin moves the shop to a
/// new key while Rita is checked in: the payout for the old key waits, and used to wait
/// for good; the new key takes it over, and the space. Then Sam, who owes the shop, has his
/// key moved: his debt used to stay with the old key, leaving the new one free to book.
#[test]
fn a_lost_key_move_keeps_payouts_spaces_and_debts_with_the_citizen() {
    let mut lot = Lot::new();
    let (shop, sam) = (lot.shop, lot.sam);
    let (admin, anyone) = (lot.admin, named_account("anyone"));
    let (new_shop, new_sam) = (named_account("shop/new-key"), named_account("sam/new-key"));
    let id = |name: &str| smartcity_sdk::virtual_id(b"salt", name);
    lot.rita_checked_in();
    lot.registry
        .move_citizen(&mut lot.chain, admin, id("shop"), new_shop)
        .unwrap();
    // the shop's sensor no longer reports for a space of the old key; anyone closes
    lot.set_time(11, 0);
    lot.parking
        .close_overdue(&mut lot.chain, anyone, lot.space)
        .unwrap();
    let owed = 2 * 1_140_000;
    assert_eq!(lot.parking.payout_owed(&mut lot.chain, shop).unwrap(), owed);
    // nobody but the citizen's new key takes it over
    for stranger in [anyone, lot.rita] {
        assert_eq!(
            lot.parking
                .take_over(&mut lot.chain, stranger, shop, Holding::Payouts(0))
                .unwrap_err(),
            ClientError::Contract(ParkingError::NotSuccessor)
        );
    }
    let taken = lot
        .parking
        .take_over(&mut lot.chain, new_shop, shop, Holding::Payouts(0))
        .unwrap();
    assert!(parking_events(lot.parking.address(), &taken.events)
        .iter()
        .any(|e| matches!(e, ParkingEvent::TakenOver(t) if t.from == shop && t.to == new_shop && t.holding == Holding::Payouts(owed))));
    assert_eq!(lot.balance(new_shop), owed);
    assert_eq!(lot.parking.payout_owed(&mut lot.chain, shop).unwrap(), 0);
    lot.assert_escrow();
    // and the space: its sensor (moved with the citizen) reports again, paid to the new key
    lot.parking
        .take_over(&mut lot.chain, new_shop, shop, Holding::Space(lot.space))
        .unwrap();
    let space = lot
        .parking
        .space(&mut lot.chain, lot.space)
        .unwrap()
        .unwrap();
    assert_eq!(space.owner, new_shop);

    // Sam walks in with his allowance withdrawn: he owes the shop's new key
    lot.parking
        .set_spending_cap(&mut lot.chain, sam, new_shop, 40_000_000)
        .unwrap();
    lot.token
        .approve(&mut lot.chain, sam, lot.parking.address(), 0)
        .unwrap();
    lot.set_time(12, 0);
    let arrived = lot.sensor.arrived(lot.sam_car, lot.at(11, 10));
    lot.report(arrived).unwrap();
    let left = lot.sensor.left(lot.sam_car, lot.at(11, 40));
    lot.report(left).unwrap();
    assert_eq!(lot.parking.debt(&mut lot.chain, sam).unwrap(), 600_000);
    // his key is moved; the shop moves the debt after it, and the new key books nothing
    lot.registry
        .move_citizen(&mut lot.chain, admin, id("sam"), new_sam)
        .unwrap();
    let moved = lot
        .parking
        .move_debt(&mut lot.chain, new_shop, sam)
        .unwrap();
    assert!(parking_events(lot.parking.address(), &moved.events)
        .iter()
        .any(|e| matches!(e, ParkingEvent::DebtMoved(d) if d.from == sam && d.to == new_sam && d.creditor == new_shop && d.amount == 600_000)));
    assert_eq!(lot.parking.debt(&mut lot.chain, new_sam).unwrap(), 600_000);
    assert_eq!(lot.parking.debt(&mut lot.chain, sam).unwrap(), 0);
    lot.token
        .approve(&mut lot.chain, new_sam, lot.parking.address(), 10_000_000)
        .unwrap();
    assert_eq!(
        lot.book(new_sam, None, (16, 0), (17, 0)).unwrap_err(),
        ClientError::Contract(ParkingError::Debtor)
    );
    // an account that was never moved has no successor to move a debt to
    assert_eq!(
        lot.parking
            .move_debt(&mut lot.chain, new_shop, lot.rita)
            .unwrap_err(),
        ClientError::Contract(ParkingError::NoSuccessor)
    );
}

/// Security review M-1, end to end: Rita is checked in when the shop's sensor is revoked
/// (dead, stolen): no Left event can come any more, and her escrow used to stay locked.
#[test]
fn a_dead_sensor_cannot_lock_the_escrow_of_a_checked_in_booking() {
    let mut lot = Lot::new();
    let (rita, shop) = (lot.rita, lot.shop);
    let booking = lot.rita_checked_in();
    let car = lot.rita_car;
    let sensor_id = lot.sensor.sensor;
    lot.registry
        .revoke_device(&mut lot.chain, shop, sensor_id)
        .unwrap();
    let left = lot.sensor.left(car, lot.at(9, 50));
    assert_eq!(
        lot.report(left).unwrap_err(),
        ClientError::Contract(ParkingError::SensorInactive)
    );
    let anyone = named_account("anyone");
    lot.set_time(10, 59);
    assert_eq!(
        lot.parking
            .close_overdue(&mut lot.chain, anyone, lot.space)
            .unwrap_err(),
        ClientError::Contract(ParkingError::NotOverdue)
    );
    // an hour after the booking's end anyone closes it: the escrow goes to the shop and
    // Rita pays the hour of grace at her booking's price
    lot.set_time(11, 0);
    let closed = lot
        .parking
        .close_overdue(&mut lot.chain, anyone, lot.space)
        .unwrap();
    assert_eq!(
        closed.value,
        SensorOutcome::CheckedOut {
            booking,
            overstay: 1_200_000
        }
    );
    assert_eq!(lot.balance(rita), 50_000_000 - 2 * 1_200_000);
    assert_eq!(lot.balance(shop), 2 * 1_140_000);
    assert_eq!(lot.parking.escrow_total(&mut lot.chain).unwrap(), 0);
    // the shop binds the space to a new sensor, which reports from now on
    let new = SensorSimulator::new(
        device_id("shop/sensor-2"),
        DeviceSigner::from_seed("shop/sensor-2"),
        lot.sensor.parking,
    );
    let (new_id, new_key) = (new.sensor, new.public_key());
    lot.register(shop, new_id, DeviceKind::ParkingSensor, new_key);
    lot.parking
        .rebind_sensor(&mut lot.chain, shop, lot.space, new_id)
        .unwrap();
    lot.sensor = new;
    let arrived = lot.sensor.arrived(car, lot.at(11, 0));
    assert_eq!(
        lot.report(arrived).unwrap(),
        SensorOutcome::SessionOpened { payer: rita }
    );
    lot.assert_escrow();
}

/// Security review L-9 (the rental): credits someone transfers to the rental by mistake
/// were stuck and broke "balance = escrow_total"; the admin sends them on.
#[test]
fn credits_sent_to_the_rental_by_mistake_can_be_swept() {
    let mut lot = Lot::new();
    let (rita, admin) = (lot.rita, lot.admin);
    lot.book(rita, None, (9, 0), (10, 0)).unwrap();
    let rental = lot.parking.address();
    lot.token
        .transfer(&mut lot.chain, rita, rental, 1_000_000, vec![])
        .unwrap();
    assert_eq!(
        lot.parking
            .sweep_excess(&mut lot.chain, rita, rita)
            .unwrap_err(),
        ClientError::Contract(ParkingError::NotAdmin)
    );
    let swept = lot
        .parking
        .sweep_excess(&mut lot.chain, admin, rita)
        .unwrap();
    assert_eq!(swept.value, 1_000_000);
    assert_eq!(
        lot.parking
            .sweep_excess(&mut lot.chain, admin, rita)
            .unwrap_err(),
        ClientError::Contract(ParkingError::NothingToSweep)
    );
    // the escrow of Rita's booking stays
    lot.assert_escrow();
}

#[test]
fn overstay_is_billed_at_the_hourly_price_and_a_no_show_still_pays_the_owner() {
    let mut lot = Lot::new();
    let (rita, sam, shop) = (lot.rita, lot.sam, lot.shop);
    let booking = lot.book(rita, None, (9, 0), (10, 0)).unwrap();
    let no_show = lot.book(sam, None, (11, 0), (12, 0)).unwrap();
    lot.set_time(9, 1);
    // no vehicle named: any of Rita's registered cars checks in
    let car = lot.rita_car;
    let arrived = lot.sensor.arrived(car, lot.at(9, 0));
    assert_eq!(
        lot.report(arrived).unwrap(),
        SensorOutcome::CheckedIn { booking }
    );
    // 25 minutes over: 500,000 more, collected from Rita, 5 % to the platform
    lot.set_time(10, 30);
    let left = lot.sensor.left(car, lot.at(10, 25));
    assert_eq!(
        lot.report(left).unwrap(),
        SensorOutcome::CheckedOut {
            booking,
            overstay: 500_000
        }
    );
    assert_eq!(lot.balance(rita), 50_000_000 - 1_200_000 - 500_000);
    assert_eq!(lot.balance(shop), 1_140_000 + 475_000);
    lot.assert_escrow();

    // Sam never came: not settled before the end, then anyone settles it for the owner
    assert_eq!(
        lot.parking
            .settle(&mut lot.chain, rita, no_show)
            .unwrap_err(),
        ClientError::Contract(ParkingError::NotEnded)
    );
    lot.set_time(12, 0);
    lot.parking.settle(&mut lot.chain, rita, no_show).unwrap();
    assert_eq!(lot.balance(shop), 1_140_000 + 475_000 + 1_140_000);
    assert_eq!(
        lot.parking
            .settle(&mut lot.chain, rita, no_show)
            .unwrap_err(),
        ClientError::Contract(ParkingError::BookingClosed)
    );
    lot.assert_escrow();
}

/// Security review H-1, end to end with the gated token: the shop sees Sam's signed Left
/// event and raises its price to take Sam's whole allowance before the event lands.
#[test]
fn owner_cannot_reprice_a_running_session_to_drain_the_parker() {
    let mut lot = Lot::new();
    let (sam, shop) = (lot.sam, lot.shop);
    lot.set_time(15, 0);
    let car = lot.sam_car;
    let arrived = lot.sensor.arrived(car, lot.at(13, 0));
    lot.report(arrived).unwrap();
    let left = lot.sensor.left(car, lot.at(13, 10));
    let greedy = SpaceTerms {
        price_per_hour: 6 * 50_000_000,
        ..terms()
    };
    lot.parking
        .set_terms(&mut lot.chain, shop, lot.space, greedy)
        .unwrap();
    // 10 minutes at the 1.2 credits an hour the session opened at
    assert_eq!(
        lot.report(left).unwrap(),
        SensorOutcome::SessionClosed { charged: 200_000 }
    );
    assert_eq!(lot.balance(sam), 49_800_000);
    // a new stay at the new price would hold 2,400 credits (8 hours at 300) on Sam's cap
    // of 40 for the shop: no session opens, the car is reported (M-5)
    let arrived = lot.sensor.arrived(car, lot.at(13, 30));
    assert!(matches!(
        lot.report(arrived).unwrap(),
        SensorOutcome::ViolationRecorded { .. }
    ));
    let left = lot.sensor.left(car, lot.at(13, 40));
    assert_eq!(lot.report(left).unwrap(), SensorOutcome::NothingToClose);
    // Sam lets the shop bill that much: a new session is billed at the new price
    lot.parking
        .set_spending_cap(&mut lot.chain, sam, shop, 2_400_000_000)
        .unwrap();
    let arrived = lot.sensor.arrived(car, lot.at(14, 0));
    lot.report(arrived).unwrap();
    let left = lot.sensor.left(car, lot.at(14, 1));
    assert_eq!(
        lot.report(left).unwrap(),
        SensorOutcome::SessionClosed { charged: 5_000_000 }
    );
    assert_eq!(
        lot.parking.spending_cap(&mut lot.chain, sam, shop).unwrap(),
        2_395_000_000
    );
    lot.assert_escrow();
}

#[test]
fn a_registered_car_without_a_booking_pays_as_it_goes_or_owes() {
    let mut lot = Lot::new();
    let (sam, shop) = (lot.sam, lot.shop);
    lot.set_time(15, 0);
    let car = lot.sam_car;
    let arrived = lot.sensor.arrived(car, lot.at(13, 0));
    assert_eq!(
        lot.report(arrived).unwrap(),
        SensorOutcome::SessionOpened { payer: sam }
    );
    // 1 h 14 min 30 s: 75 started minutes
    let left = lot.sensor.left(car, lot.at(14, 14) + 30_000);
    let receipt = lot
        .parking
        .report(&mut lot.chain, named_account("gateway"), left)
        .unwrap();
    assert_eq!(
        receipt.value,
        SensorOutcome::SessionClosed { charged: 1_500_000 }
    );
    assert!(matches!(
        &parking_events(lot.parking.address(), &receipt.events)[..],
        [ParkingEvent::SessionClosed(e)] if e.minutes == 75 && e.fee == 75_000
    ));
    assert_eq!(lot.balance(sam), 48_500_000);
    assert_eq!(lot.balance(shop), 1_425_000);

    // with the allowance withdrawn the charge is owed, and the car still checks out
    lot.token
        .approve(&mut lot.chain, sam, lot.parking.address(), 0)
        .unwrap();
    let arrived = lot.sensor.arrived(car, lot.at(14, 20));
    lot.report(arrived).unwrap();
    let left = lot.sensor.left(car, lot.at(14, 50));
    let receipt = lot
        .parking
        .report(&mut lot.chain, named_account("gateway"), left)
        .unwrap();
    assert_eq!(
        receipt.value,
        SensorOutcome::SessionClosed { charged: 600_000 }
    );
    assert!(parking_events(lot.parking.address(), &receipt.events)
        .iter()
        .any(|e| matches!(e, ParkingEvent::DebtRecorded(d) if d.debtor == sam && d.creditor == shop && d.total == 600_000)));
    assert_eq!(lot.parking.debt(&mut lot.chain, sam).unwrap(), 600_000);
    assert_eq!(lot.balance(sam), 48_500_000);
    lot.assert_escrow();

    // security review M-3: the debtor books nothing until it has repaid the shop
    assert_eq!(
        lot.book(sam, None, (16, 0), (17, 0)).unwrap_err(),
        ClientError::Contract(ParkingError::Debtor)
    );
    lot.token
        .approve(&mut lot.chain, sam, lot.parking.address(), 10_000_000)
        .unwrap();
    let repaid = lot
        .parking
        .repay_debt(&mut lot.chain, sam, shop, 10_000_000)
        .unwrap();
    assert_eq!(repaid.value, 600_000);
    assert!(parking_events(lot.parking.address(), &repaid.events)
        .iter()
        .any(|e| matches!(e, ParkingEvent::DebtRepaid(d) if d.creditor == shop && d.total == 0)));
    // the shop gets it less the 5 % platform fee, as for a charge collected at check-out
    assert_eq!(lot.balance(shop), 1_425_000 + 570_000);
    assert_eq!(lot.balance(sam), 47_900_000);
    assert!(lot.book(sam, None, (16, 0), (17, 0)).is_ok());
    lot.assert_escrow();
}

/// Security review M-3 (netting): a debtor collects nothing from the rental while its
/// creditors wait. Sam owes the shop a pay-as-you-go charge he dodged with `approve(0)`;
/// the refund of a booking he made before goes to the shop first (less the platform fee,
/// as a repayment would), and only the rest reaches him.
#[test]
fn a_debtors_refund_repays_its_creditor_before_it_reaches_the_debtor() {
    let mut lot = Lot::new();
    let (sam, shop, fees) = (lot.sam, lot.shop, named_account("platform-fees"));
    lot.set_time(15, 0);
    let booking = lot.book(sam, None, (17, 0), (18, 0)).unwrap();
    lot.token
        .approve(&mut lot.chain, sam, lot.parking.address(), 0)
        .unwrap();
    let car = lot.sam_car;
    let arrived = lot.sensor.arrived(car, lot.at(14, 20));
    lot.report(arrived).unwrap();
    let left = lot.sensor.left(car, lot.at(14, 50));
    assert_eq!(
        lot.report(left).unwrap(),
        SensorOutcome::SessionClosed { charged: 600_000 }
    );
    assert_eq!(lot.parking.debt(&mut lot.chain, sam).unwrap(), 600_000);
    let before = [lot.balance(sam), lot.balance(shop), lot.balance(fees)];

    // the attack: cancel the earlier booking and collect its 1.2 SCP refund in full
    let cancelled = lot.parking.cancel(&mut lot.chain, sam, booking).unwrap();
    assert_eq!(cancelled.value, 1_200_000);
    assert!(parking_events(lot.parking.address(), &cancelled.events)
        .iter()
        .any(|e| matches!(e, ParkingEvent::DebtRepaid(d)
            if d.debtor == sam && d.creditor == shop && d.amount == 600_000 && d.total == 0)));
    let after = [lot.balance(sam), lot.balance(shop), lot.balance(fees)];
    assert_eq!(after[0] - before[0], 600_000, "only what his debt left");
    assert_eq!(after[1] - before[1], 570_000);
    assert_eq!(after[2] - before[2], 30_000);
    assert_eq!(lot.parking.debt(&mut lot.chain, sam).unwrap(), 0);
    // clear again: he books
    lot.token
        .approve(&mut lot.chain, sam, lot.parking.address(), 10_000_000)
        .unwrap();
    assert!(lot.book(sam, None, (16, 0), (17, 0)).is_ok());
    lot.assert_escrow();
}

#[test]
fn unknown_cars_and_cars_on_someone_elses_booking_are_reported_to_the_owner() {
    let mut lot = Lot::new();
    let (rita, shop) = (lot.rita, lot.shop);
    let booking = lot.book(rita, Some(lot.rita_car), (9, 0), (10, 0)).unwrap();
    lot.set_time(9, 30);
    // Sam's registered car parks in Rita's booking
    let sams = lot.sam_car;
    let arrived = lot.sensor.arrived(sams, lot.at(9, 10));
    let receipt = lot
        .parking
        .report(&mut lot.chain, named_account("gateway"), arrived)
        .unwrap();
    assert_eq!(receipt.value, SensorOutcome::ViolationRecorded { index: 0 });
    assert!(matches!(
        &parking_events(lot.parking.address(), &receipt.events)[..],
        [ParkingEvent::ViolationRecorded(v)]
            if v.owner == shop && v.violation.kind == ViolationKind::SomeoneElsesBooking(booking)
    ));
    let left = lot.sensor.left(sams, lot.at(9, 15));
    assert_eq!(lot.report(left).unwrap(), SensorOutcome::NothingToClose);
    // a car the registry has never seen: the sensor reports a keyed id of its plate (M-10)
    let unknown = lot.sensor.unregistered("XY-123", lot.at(9, 20));
    let arrived = lot.sensor.arrived(unknown, lot.at(9, 20));
    assert_eq!(
        lot.report(arrived).unwrap(),
        SensorOutcome::ViolationRecorded { index: 1 }
    );
    let (page, count) = lot
        .parking
        .violations(&mut lot.chain, lot.space, 0, 10)
        .unwrap();
    assert_eq!(count, 2);
    assert_eq!(page[1].kind, ViolationKind::UnknownVehicle);
    // stored as the pseudonym of that stay, which the shop (holding its sensor's key) checks
    let stay = TagScope::Stay {
        space: lot.space,
        since_ms: lot.at(9, 20),
    };
    assert_eq!(page[1].vehicle_tag, vehicle_tag(&unknown, stay));
    // Rita's booking is untouched by either
    let state = lot
        .parking
        .booking(&mut lot.chain, booking)
        .unwrap()
        .unwrap()
        .state;
    assert_eq!(state, BookingState::Booked);
    lot.assert_escrow();
}

#[test]
fn replayed_forged_and_foreign_sensor_events_are_refused() {
    let mut lot = Lot::new();
    lot.set_time(9, 0);
    let car = lot.sam_car;
    let arrived = lot.sensor.arrived(car, lot.at(8, 50));
    lot.report(arrived.clone()).unwrap();
    // the same event again
    assert_eq!(
        lot.report(arrived.clone()).unwrap_err(),
        ClientError::Contract(ParkingError::StaleSeq)
    );
    // a changed event under the old signature
    let mut forged = arrived.clone();
    forged.event.seq = 9;
    forged.event.kind = interfaces::parking::SensorKind::Left;
    assert_eq!(
        lot.report(forged).unwrap_err(),
        ClientError::Contract(ParkingError::BadSignature)
    );
    // signed by another key
    let impostor = SensorSimulator::new(
        lot.sensor.sensor,
        DeviceSigner::from_seed("impostor"),
        lot.sensor.parking,
    );
    let mut event = arrived.event;
    event.seq = 2;
    event.kind = interfaces::parking::SensorKind::Left;
    assert_eq!(
        lot.report(impostor.sign(event)).unwrap_err(),
        ClientError::Contract(ParkingError::BadSignature)
    );
    // signed for another deployment, or for this one on another chain (I-1)
    for elsewhere in [
        Deployment {
            contract: named_account("another-parking"),
            ..lot.sensor.parking
        },
        Deployment {
            chain: smartcity_sdk::blake2_256(b"another chain"),
            ..lot.sensor.parking
        },
    ] {
        let mut foreign = lot.sensor.clone();
        foreign.parking = elsewhere;
        assert_eq!(
            lot.report(foreign.sign(event)).unwrap_err(),
            ClientError::Contract(ParkingError::BadSignature)
        );
    }
    // from the future
    let mut ahead = lot.sensor.clone();
    let future = ahead.left(car, lot.at(9, 30));
    assert_eq!(
        lot.report(future).unwrap_err(),
        ClientError::Contract(ParkingError::BadEventTime)
    );
    // I-7: the malleable high-s twin of the sensor's next signature, which recovers to
    // the sensor's key, is refused; the signature itself is taken
    let left = lot.sensor.left(car, lot.at(8, 55));
    let mut twin = left.clone();
    twin.signature = smartcity_sdk::keys::malleable_twin(&left.signature);
    assert_eq!(
        lot.report(twin).unwrap_err(),
        ClientError::Contract(ParkingError::BadSignature)
    );
    assert!(matches!(
        lot.report(left).unwrap(),
        SensorOutcome::SessionClosed { .. }
    ));
    // a revoked sensor reports nothing
    let sensor_id = lot.sensor.sensor;
    lot.registry
        .revoke_device(&mut lot.chain, lot.shop, sensor_id)
        .unwrap();
    let left = lot.sensor.left(car, lot.at(8, 58));
    assert_eq!(
        lot.report(left).unwrap_err(),
        ClientError::Contract(ParkingError::SensorInactive)
    );
    lot.assert_escrow();
}

#[test]
fn delisting_with_future_bookings_needs_refunds() {
    let mut lot = Lot::new();
    let (rita, sam, shop) = (lot.rita, lot.sam, lot.shop);
    lot.book(rita, None, (9, 0), (10, 0)).unwrap();
    lot.book(sam, None, (13, 0), (14, 0)).unwrap();
    lot.set_time(11, 0);
    assert_eq!(
        lot.parking
            .delist(&mut lot.chain, shop, lot.space, false)
            .unwrap_err(),
        ClientError::Contract(ParkingError::HasBookings)
    );
    assert_eq!(
        lot.parking
            .delist(&mut lot.chain, rita, lot.space, true)
            .unwrap_err(),
        ClientError::Contract(ParkingError::NotSpaceOwner)
    );
    let receipt = lot
        .parking
        .delist(&mut lot.chain, shop, lot.space, true)
        .unwrap();
    assert_eq!(receipt.value, 1);
    // Rita's ended booking paid the owner; Sam's future one came back in full
    assert_eq!(lot.balance(shop), 1_140_000);
    assert_eq!(lot.balance(sam), 50_000_000);
    assert_eq!(
        lot.book(sam, None, (15, 0), (16, 0)).unwrap_err(),
        ClientError::Contract(ParkingError::NotListed)
    );
    lot.parking.relist(&mut lot.chain, shop, lot.space).unwrap();
    lot.book(sam, None, (15, 0), (16, 0)).unwrap();
    lot.assert_escrow();
}

#[test]
fn the_admin_sets_fees_and_pauses_bookings_not_settlements() {
    let mut lot = Lot::new();
    let (admin, rita) = (lot.admin, lot.rita);
    let booking = lot.book(rita, None, (9, 0), (10, 0)).unwrap();
    let mut bad = config(lot.fees);
    bad.platform_fee_bps = 10_001;
    assert_eq!(
        lot.parking
            .set_config(&mut lot.chain, admin, bad)
            .unwrap_err(),
        ClientError::Contract(ParkingError::InvalidFee)
    );
    assert_eq!(
        lot.parking
            .set_paused(&mut lot.chain, rita, true)
            .unwrap_err(),
        ClientError::Contract(ParkingError::NotAdmin)
    );
    lot.parking.set_paused(&mut lot.chain, admin, true).unwrap();
    assert_eq!(
        lot.book(rita, None, (11, 0), (12, 0)).unwrap_err(),
        ClientError::Contract(ParkingError::Paused)
    );
    // a paused rental still lets the renter out of its escrow
    assert_eq!(
        lot.parking
            .cancel(&mut lot.chain, rita, booking)
            .unwrap()
            .value,
        1_200_000
    );
    // a renter without the credits is refused by the token
    lot.parking
        .set_paused(&mut lot.chain, admin, false)
        .unwrap();
    lot.token
        .approve(&mut lot.chain, rita, lot.parking.address(), 0)
        .unwrap();
    assert_eq!(
        lot.book(rita, None, (11, 0), (12, 0)).unwrap_err(),
        ClientError::Contract(ParkingError::Payment(PSP22Error::InsufficientAllowance))
    );
    lot.assert_escrow();
}

#[test]
fn terms_change_for_new_bookings_and_queries_page() {
    let mut lot = Lot::new();
    let (rita, sam, shop) = (lot.rita, lot.sam, lot.shop);
    let kept = lot.book(rita, None, (9, 0), (10, 0)).unwrap();
    // the owner doubles the price and opens the evening
    let mut dearer = terms();
    dearer.price_per_hour = 2 * PRICE_PER_HOUR;
    dearer.windows[0].end_minute = 22 * 60;
    let receipt = lot
        .parking
        .set_terms(&mut lot.chain, shop, lot.space, dearer.clone())
        .unwrap();
    assert!(matches!(
        &parking_events(lot.parking.address(), &receipt.events)[..],
        [ParkingEvent::SpaceTermsChanged(e)] if e.terms == dearer
    ));
    assert_eq!(
        lot.parking
            .set_terms(&mut lot.chain, rita, lot.space, terms())
            .unwrap_err(),
        ClientError::Contract(ParkingError::NotSpaceOwner)
    );
    let mut bad = terms();
    // M-10: more than 6 characters would locate a private space to the metre
    bad.geohash = vec![b'x'; 7];
    assert_eq!(
        lot.parking
            .set_terms(&mut lot.chain, shop, lot.space, bad)
            .unwrap_err(),
        ClientError::Contract(ParkingError::InvalidGeohash)
    );
    // the booking made keeps its price; a new one pays the new one, in the evening too
    let booking = lot.parking.booking(&mut lot.chain, kept).unwrap().unwrap();
    assert_eq!(booking.escrow, 1_200_000);
    let evening = lot.book(sam, None, (20, 0), (21, 0)).unwrap();
    let booking = lot
        .parking
        .booking(&mut lot.chain, evening)
        .unwrap()
        .unwrap();
    assert_eq!(booking.escrow, 2_400_000);

    // Rita's bookings page by three; a renter holds at most 4 open bookings of a space
    for hour in [11, 12, 13] {
        lot.book(rita, None, (hour, 0), (hour + 1, 0)).unwrap();
    }
    assert_eq!(
        lot.book(rita, None, (14, 0), (15, 0)).unwrap_err(),
        ClientError::Contract(ParkingError::TooManyBookingsOfRenter)
    );
    let (first, count) = lot
        .parking
        .renter_bookings(&mut lot.chain, rita, 0, 3)
        .unwrap();
    let (rest, _) = lot
        .parking
        .renter_bookings(&mut lot.chain, rita, 3, 3)
        .unwrap();
    assert_eq!((count, first.len(), rest.len()), (4, 3, 1));
    assert_eq!(first[0].0, kept);
    assert_eq!(
        lot.parking
            .renter_bookings(&mut lot.chain, rita, 0, 33)
            .unwrap_err(),
        ClientError::Contract(ParkingError::PageTooLarge)
    );
    lot.assert_escrow();
}
