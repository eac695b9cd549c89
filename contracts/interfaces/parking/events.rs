//! Events of the parking rental.

use super::*;
pub use crate::admin_events::{AdminChanged, AdminTransferProposed};
pub use crate::debt::events::{DebtMoved, DebtRecorded, DebtRepaid};
pub use crate::spending::events::SpendingCapSet;

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceListed {
    #[ink(topic)]
    pub space: u64,
    #[ink(topic)]
    pub owner: AccountId,
    pub sensor: DeviceId,
    pub terms: SpaceTerms,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceTermsChanged {
    #[ink(topic)]
    pub space: u64,
    pub terms: SpaceTerms,
}

/// The owner delisted a space; `refunded` open bookings were cancelled and refunded.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceDelisted {
    #[ink(topic)]
    pub space: u64,
    pub refunded: u32,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceRelisted {
    #[ink(topic)]
    pub space: u64,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booked {
    #[ink(topic)]
    pub booking: u64,
    #[ink(topic)]
    pub space: u64,
    #[ink(topic)]
    pub renter: AccountId,
    pub start_ms: TimestampMs,
    pub end_ms: TimestampMs,
    pub escrow: u128,
}

/// A booking was cancelled: `refund` back to the renter, `fee` to the owner.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingCancelled {
    #[ink(topic)]
    pub booking: u64,
    pub refund: u128,
    pub fee: u128,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedIn {
    #[ink(topic)]
    pub booking: u64,
    /// The vehicle's pseudonym for this stay (`TagScope::Stay`).
    pub vehicle_tag: Hash32,
    pub at_ms: TimestampMs,
}

/// A booking's escrow went to the owner less the platform fee; `overstay` was
/// billed on top at the booking's tariff: the minutes before its start (an early
/// check-in) and after its end (0 when the vehicle kept to the booking, or never came).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingSettled {
    #[ink(topic)]
    pub booking: u64,
    pub to_owner: u128,
    pub fee: u128,
    pub overstay: u128,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOpened {
    #[ink(topic)]
    pub space: u64,
    /// The vehicle's pseudonym for this stay (`TagScope::Stay`).
    pub vehicle_tag: Hash32,
    pub payer: AccountId,
    pub at_ms: TimestampMs,
}

/// A pay-as-you-go vehicle left: `charged` (the owner got it less `fee`).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionClosed {
    #[ink(topic)]
    pub space: u64,
    /// The vehicle's pseudonym for this stay (`TagScope::Stay`).
    pub vehicle_tag: Hash32,
    pub minutes: u64,
    pub charged: u128,
    pub fee: u128,
}

/// For the space's owner: a vehicle parked that should not have.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViolationRecorded {
    #[ink(topic)]
    pub space: u64,
    #[ink(topic)]
    pub owner: AccountId,
    pub index: u32,
    pub violation: Violation,
}

/// `to`, the account a citizen acts from after the admin moved it from `from` (a lost
/// key), took over `holding` (M-1).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenOver {
    #[ink(topic)]
    pub from: AccountId,
    #[ink(topic)]
    pub to: AccountId,
    pub holding: Holding,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkingConfigChanged {
    pub config: ParkingConfig,
}

/// The admin sent credits someone transferred to this contract by mistake (beyond the
/// open bookings' escrow) to `to`.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcessSwept {
    pub to: AccountId,
    pub amount: u128,
}

/// A payment the token refused to deliver to `to` (a suspended or moved account, M-1)
/// waits in the contract for `to` to claim (`claim_payout`); `total` is all it is owed.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutOwed {
    #[ink(topic)]
    pub to: AccountId,
    pub amount: u128,
    pub total: u128,
}

/// `to` claimed the payouts that waited for it.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutClaimed {
    #[ink(topic)]
    pub to: AccountId,
    pub amount: u128,
}

/// The owner bound the space to another sensor (M-1: a dead or sold sensor).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorRebound {
    #[ink(topic)]
    pub space: u64,
    pub sensor: DeviceId,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkingPauseChanged {
    pub paused: bool,
}

/// The sensor's event `seq` was authentic but did nothing (`SensorOutcome::Refused`).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorEventRefused {
    #[ink(topic)]
    pub space: u64,
    pub seq: u64,
    pub reason: SensorRefusal,
}

/// The admin reset a sensor's sequence: it counts from 1 again, and no event signed
/// before `at_ms` is taken (I-2).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorSequenceReset {
    #[ink(topic)]
    pub sensor: DeviceId,
    pub at_ms: TimestampMs,
}
