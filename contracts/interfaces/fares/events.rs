//! Events of the fare contract: one for every booking, cancellation and boarding, so
//! off-chain planning can rebuild each trip's load.

use super::*;
pub use crate::admin_events::{AdminChanged, AdminTransferProposed};
pub use crate::debt::events::{DebtMoved, DebtRecorded, DebtRepaid};
pub use crate::spending::events::SpendingCapSet;

/// A departed trip's fares went from escrow to its operator.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaresReleased {
    #[ink(topic)]
    pub trip: u64,
    #[ink(topic)]
    pub operator: AccountId,
    pub amount: u128,
}

/// The admin paused (or resumed) new routes, trips, tickets and tap-ins.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FarePauseChanged {
    pub paused: bool,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorChanged {
    #[ink(topic)]
    pub account: AccountId,
    pub operator: bool,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteAdded {
    #[ink(topic)]
    pub route: u64,
    #[ink(topic)]
    pub operator: AccountId,
    pub stops: u32,
    pub rule: FareRule,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripScheduled {
    #[ink(topic)]
    pub trip: u64,
    #[ink(topic)]
    pub route: u64,
    pub departure_ms: TimestampMs,
    pub capacity: u32,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripCancelled {
    #[ink(topic)]
    pub trip: u64,
    pub tickets: u32,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketBooked {
    #[ink(topic)]
    pub ticket: u64,
    #[ink(topic)]
    pub trip: u64,
    /// The rider's pseudonym for this ticket (M-10).
    pub rider_tag: Hash32,
    pub board: u32,
    pub alight: u32,
    pub fare: u128,
    /// What the slab table would have charged.
    pub slab_fare: u128,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketCancelled {
    #[ink(topic)]
    pub ticket: u64,
    pub trip: u64,
    pub refund: u128,
    pub fee: u128,
}

/// The rider of a cancelled trip's ticket claimed its fare back in full.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRefunded {
    #[ink(topic)]
    pub ticket: u64,
    pub trip: u64,
    pub refund: u128,
}

/// The account a citizen acts from after the admin moved it (a lost key) is the rider of
/// `ticket` now (M-1); `rider_tag` is the new account's pseudonym for it (M-10).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketTakenOver {
    #[ink(topic)]
    pub ticket: u64,
    pub rider_tag: Hash32,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketBoarded {
    #[ink(topic)]
    pub ticket: u64,
    pub trip: u64,
    pub at_ms: TimestampMs,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TappedIn {
    #[ink(topic)]
    pub trip: u64,
    /// The rider's pseudonym on this trip (M-10).
    pub rider_tag: Hash32,
    pub stop: u32,
}

/// A tap-out rider charged the exact fare (`paid` false: recorded as owed).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TappedOut {
    #[ink(topic)]
    pub trip: u64,
    /// The rider's pseudonym on this trip, as its tap-in's (M-10).
    pub rider_tag: Hash32,
    pub board: u32,
    pub alight: u32,
    pub fare: u128,
    pub paid: bool,
}

/// The validator's event `seq` was authentic but did nothing
/// (`ValidatorOutcome::Refused`).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatorEventRefused {
    #[ink(topic)]
    pub validator: DeviceId,
    pub seq: u64,
    pub reason: ValidatorRefusal,
}

/// The admin reset a validator's sequence: it counts from 1 again, and no event
/// signed before `at_ms` is taken (I-2).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatorSequenceReset {
    #[ink(topic)]
    pub validator: DeviceId,
    pub at_ms: TimestampMs,
}
