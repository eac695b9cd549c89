//! Events of the energy market.

use super::*;
pub use crate::admin_events::{AdminChanged, AdminTransferProposed};
pub use crate::debt::events::{DebtMoved, DebtRecorded, DebtRepaid};

/// One event per `OUTCOMES_PER_EVENT` readings of a batch, not per reading:
/// pallet-contracts charges each event topic a storage read and write (2.5 KB of
/// proof, 0.13e9 ref_time), which per reading would bound a block to a few hundred
/// readings. `outcomes[i]` answers the batch's reading `first + i` (its device and
/// sequence are in the call's data); `accepted` and `credits` count these outcomes.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadingsProcessed {
    pub first: u32,
    pub outcomes: Vec<ReadingOutcome>,
    pub accepted: u32,
    pub credits: u128,
}

/// A device changed hands between two of its readings: the part of the interval before
/// the transfer (pro rata by time) was credited, and billed, to the previous owner.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasuredBeforeTransfer {
    #[ink(topic)]
    pub device: crate::DeviceId,
    pub owner: AccountId,
    pub from_ms: TimestampMs,
    pub to_ms: TimestampMs,
    pub export_wh: u64,
    pub import_wh: u64,
    pub credits: u128,
    pub billable_wh: u64,
}

/// An account's accrual was settled (by its `claim` or anyone's `settle`): its
/// credits minted with one receipt per device and source, its bill paid from them
/// first (`netted`, minted to the utility), then its debt to the utility
/// (`debt_repaid`, with its `DebtRepaid`); the rest of the bill from its allowance
/// (`collected`) or recorded as a debt (`owed`, with its `DebtRecorded`).
/// `to`, the account a citizen acts from after the admin moved it from `from` (a lost
/// key), took over `from`'s books (M-1): `ledger_wh` of energy, an unpaid `bill` and
/// `credits` accrued, now `to`'s to claim.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountTakenOver {
    #[ink(topic)]
    pub from: AccountId,
    #[ink(topic)]
    pub to: AccountId,
    pub ledger_wh: u64,
    pub bill: u128,
    pub credits: u128,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    #[ink(topic)]
    pub account: AccountId,
    /// Micro-credits minted to the account: what it earned less what paid its bill.
    pub minted: u128,
    /// The bill, in micro-credits, and the Wh it is for.
    pub bill: u128,
    pub billed_wh: u64,
    pub netted: u128,
    pub debt_repaid: u128,
    pub collected: u128,
    pub owed: u128,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferCreated {
    #[ink(topic)]
    pub offer_id: u64,
    #[ink(topic)]
    pub seller: AccountId,
    pub wh: u64,
    pub price_per_kwh: u128,
    pub expires_at_ms: TimestampMs,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferBought {
    #[ink(topic)]
    pub offer_id: u64,
    #[ink(topic)]
    pub buyer: AccountId,
    pub wh: u64,
    /// What the buyer paid, fee included.
    pub cost: u128,
    pub fee: u128,
}

/// The seller cancelled, or anyone expired, an offer; its rest went back to the seller's ledger.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferClosed {
    #[ink(topic)]
    pub offer_id: u64,
    pub state: OfferState,
    pub wh_returned: u64,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketConfigChanged {
    pub factors: SourceFactors,
    pub peak_windows: Vec<PeakWindow>,
    pub tariff_per_kwh: u128,
    pub utility: AccountId,
    pub fee_bps: u32,
    pub fee_account: AccountId,
    pub max_batch: u32,
    pub max_interval_ms: u64,
    pub default_ratings: DefaultRatings,
}

impl From<MarketConfig> for MarketConfigChanged {
    fn from(config: MarketConfig) -> Self {
        Self {
            factors: config.factors,
            peak_windows: config.peak_windows,
            tariff_per_kwh: config.tariff_per_kwh,
            utility: config.utility,
            fee_bps: config.fee_bps,
            fee_account: config.fee_account,
            max_batch: config.max_batch,
            max_interval_ms: config.max_interval_ms,
            default_ratings: config.default_ratings,
        }
    }
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketPauseChanged {
    pub paused: bool,
}
