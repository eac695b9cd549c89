//! The parking rental's rules in plain Rust: spaces, bookings and their escrow, what a
//! sensor event does. Each method takes the caller and the time explicitly; what needs
//! the chain (the registry's records, the recovered signer, the token's payments) comes
//! in as arguments or goes out as a [`Settlement`] for the shell to carry out.

use ink::{prelude::vec::Vec, storage::Mapping};
use interfaces::{
    admin::AdminSeat,
    admin_events::{AdminChanged, AdminTransferProposed},
    debt::{
        events::{DebtRecorded, DebtRepaid},
        DebtBook, DebtCause,
    },
    parking::{
        events::{
            Booked, BookingCancelled, BookingSettled, CheckedIn, ExcessSwept, ParkingConfigChanged,
            ParkingPauseChanged, PayoutClaimed, PayoutOwed, SensorEventRefused, SensorRebound,
            SensorSequenceReset, SessionClosed, SessionOpened, SpaceDelisted, SpaceListed,
            SpaceRelisted, SpaceTermsChanged, ViolationRecorded,
        },
        minutes_started, vehicle_tag, Booking, BookingState, ParkingConfig, ParkingError,
        SensorEvent, SensorKind, SensorOutcome, SensorRefusal, Session, Space, SpaceTerms,
        TagScope, Tariff, Violation, ViolationKind, BOOKING_HORIZON_MS, CHECKOUT_GRACE_MS,
        EARLY_CHECK_IN_MS, MAX_OPEN_BOOKINGS, MAX_OPEN_BOOKINGS_PER_RENTER, MAX_PAGE,
    },
    sequence,
    spending::{events::SpendingCapSet, SpendingCaps},
    AccountId, DeviceId, DeviceInfo, DeviceKey, DeviceKind, DeviceStatus, TimestampMs,
};

/// Payments the shell makes after a state change, in order. Releases come out of the
/// contract's own balance (escrow, or what it just collected); a collection is taken from
/// `from`'s allowance to this contract and, when that fails, recorded as `from`'s debt.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub collect: Option<Collect>,
    pub releases: Vec<(AccountId, u128)>,
    /// The events of bookings refunded in full (their refunds are among `releases`).
    pub refunded: Vec<BookingCancelled>,
}

/// A charge beyond the escrow (overstay, pay-as-you-go): the owner gets `amount` less the
/// platform fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collect {
    pub from: AccountId,
    pub amount: u128,
    pub owner: AccountId,
    pub space: u64,
}

/// What the registry says about a booking's renter: an active citizen, and the named
/// vehicle's record.
#[derive(Debug, Clone, Copy)]
pub struct RenterCheck<'a> {
    pub active: bool,
    pub vehicle: Option<&'a DeviceInfo>,
}

/// What a delisting did: the ended bookings settled, the payments, and the delisting
/// (with the number of bookings refunded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delisting {
    pub settled: Vec<BookingSettled>,
    pub settlement: Settlement,
    pub delisted: SpaceDelisted,
}

/// A booking settled into the owner's and the platform's payouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payout {
    pub to_owner: u128,
    pub fee: u128,
}

impl Payout {
    /// The event of `booking` settled with this payout and `overstay` billed on top.
    pub fn settled(self, booking: u64, overstay: u128) -> BookingSettled {
        BookingSettled {
            booking,
            to_owner: self.to_owner,
            fee: self.fee,
            overstay,
        }
    }
}

#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
pub struct Parking {
    admin: AdminSeat,
    paused: bool,
    config: ParkingConfig,
    spaces: Mapping<u64, Space>,
    next_space: u64,
    space_of_sensor: Mapping<DeviceId, u64>,
    /// Each sensor's last accepted (sequence, event time).
    sensor_last: Mapping<DeviceId, (u64, TimestampMs)>,
    bookings: Mapping<u64, Booking>,
    next_booking: u64,
    /// Per space, the ids of its bookings neither settled nor cancelled (at most
    /// `MAX_OPEN_BOOKINGS`).
    open_bookings: Mapping<u64, Vec<u64>>,
    renter_bookings: Mapping<(AccountId, u32), u64>,
    renter_booking_count: Mapping<AccountId, u32>,
    violations: Mapping<(u64, u32), Violation>,
    violation_count: Mapping<u64, u32>,
    /// Charges that could not be collected, owed to space owners.
    debts: DebtBook,
    /// What each vehicle owner lets each space owner bill it pay-as-you-go (M-5).
    caps: SpendingCaps,
    /// What the contract holds for open bookings: its token balance, always.
    /// What the contract holds for others: open bookings' escrow and payouts owed.
    escrow_total: u128,
    /// Payments the token refused to deliver (M-1), waiting for their payee to claim.
    payouts_owed: Mapping<AccountId, u128>,
}

impl Parking {
    pub fn new(admin: AccountId, config: ParkingConfig) -> Result<Self, ParkingError> {
        config.validate()?;
        Ok(Self {
            admin: AdminSeat::new(admin),
            paused: false,
            config,
            spaces: Mapping::default(),
            next_space: 0,
            space_of_sensor: Mapping::default(),
            sensor_last: Mapping::default(),
            bookings: Mapping::default(),
            next_booking: 0,
            open_bookings: Mapping::default(),
            renter_bookings: Mapping::default(),
            renter_booking_count: Mapping::default(),
            violations: Mapping::default(),
            violation_count: Mapping::default(),
            debts: DebtBook::default(),
            caps: SpendingCaps::default(),
            escrow_total: 0,
            payouts_owed: Mapping::default(),
        })
    }

    // ----- admin ---------------------------------------------------------------------------

    pub fn admin(&self) -> AccountId {
        self.admin.admin()
    }

    pub fn config(&self) -> ParkingConfig {
        self.config
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    pub fn set_config(
        &mut self,
        caller: AccountId,
        config: ParkingConfig,
    ) -> Result<ParkingConfigChanged, ParkingError> {
        self.admin.ensure_admin(caller)?;
        config.validate()?;
        self.config = config;
        Ok(ParkingConfigChanged { config })
    }

    pub fn set_paused(
        &mut self,
        caller: AccountId,
        paused: bool,
    ) -> Result<ParkingPauseChanged, ParkingError> {
        self.admin.ensure_admin(caller)?;
        if self.paused == paused {
            return Err(ParkingError::PauseUnchanged);
        }
        self.paused = paused;
        Ok(ParkingPauseChanged { paused })
    }

    pub fn propose_admin(
        &mut self,
        caller: AccountId,
        proposed: AccountId,
    ) -> Result<AdminTransferProposed, ParkingError> {
        Ok(self.admin.propose(caller, proposed)?)
    }

    pub fn accept_admin(&mut self, caller: AccountId) -> Result<AdminChanged, ParkingError> {
        Ok(self.admin.accept(caller)?)
    }

    fn ensure_running(&self) -> Result<(), ParkingError> {
        if self.paused {
            Err(ParkingError::Paused)
        } else {
            Ok(())
        }
    }
}

/// The event of what a sensor event (or a time-out) changed, for the shell to emit. The
/// events of a stay carry the vehicle's pseudonym for it (M-10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SensorEffect {
    None,
    CheckedIn(CheckedIn),
    SessionOpened(SessionOpened),
    Violation(ViolationRecorded),
    Settled(BookingSettled),
    SessionClosed(SessionClosed),
    Refused(SensorEventRefused),
}

/// A commissioned ParkingSensor whose owner (an active citizen) is `owner`.
fn usable_sensor(sensor: &DeviceInfo, owner: AccountId) -> bool {
    sensor.kind == DeviceKind::ParkingSensor
        && sensor.status == DeviceStatus::Commissioned
        && sensor.active
        && sensor.owner == owner
}

/// A commissioned Vehicle of an active citizen (of `owner`, when given).
fn usable_vehicle(vehicle: &DeviceInfo, owner: Option<AccountId>) -> bool {
    vehicle.kind == DeviceKind::Vehicle
        && vehicle.status == DeviceStatus::Commissioned
        && vehicle.active
        && owner.is_none_or(|o| vehicle.owner == o)
}

mod bookings;
mod moves;
mod sensors;
mod spaces;

// `#[ink::test]` only because `Mapping` needs ink!'s off-chain storage engine.
#[cfg(test)]
mod tests;
