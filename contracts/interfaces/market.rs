//! The energy market's edge: its configuration, per-reading outcomes, errors and events.

use crate::{
    reading::{MeterReading, ReadingBatch},
    registry::{DeviceInfo, DeviceStatus},
    token::TokenError,
    AccountId, DeviceKind, EnergySource, RegistryError, TimestampMs,
};
use alloc::vec::Vec;

/// Basis points: 10,000 = 100 %.
pub const BPS: u32 = 10_000;
/// The most peak windows the admin may set.
pub const MAX_PEAK_WINDOWS: u32 = 4;
/// The batch bound lives with the batch type ([`crate::reading::ReadingBatch`]).
pub use crate::reading::MAX_READINGS_PER_CALL;
/// Outcomes per `ReadingsProcessed` event: 256 of at most 57 bytes keep an event under
/// pallet-contracts' 16 KiB event payload; a full batch emits three.
pub const OUTCOMES_PER_EVENT: u32 = 256;

/// A daily window, in minutes of the UTC day `[start_minute, end_minute)`, during which
/// exported energy earns `multiplier_bps` (15,000 = x1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct PeakWindow {
    pub start_minute: u16,
    pub end_minute: u16,
    pub multiplier_bps: u32,
}

/// Micro-credits per kWh exported, per energy source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct SourceFactors {
    pub solar: u128,
    pub wind: u128,
    pub hydro: u128,
    pub vehicle: u128,
    pub other: u128,
}

impl SourceFactors {
    pub fn of(&self, source: EnergySource) -> u128 {
        match source {
            EnergySource::Solar => self.solar,
            EnergySource::Wind => self.wind,
            EnergySource::Hydro => self.hydro,
            EnergySource::Vehicle => self.vehicle,
            EnergySource::Other => self.other,
        }
    }
}

/// Wh per kWh times basis points per unit: the divisor of a credit computation.
const WH_PER_KWH_TIMES_BPS: u128 = 1_000 * BPS as u128;

/// The admin-set parameters, kept in the contract's root storage (read once per call).
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct MarketConfig {
    pub factors: SourceFactors,
    pub peak_windows: Vec<PeakWindow>,
    /// Micro-credits per kWh imported beyond the ledger (pay-as-you-go).
    pub tariff_per_kwh: u128,
    /// Receives pay-as-you-go bills.
    pub utility: AccountId,
    /// The operator's cut of each P2P sale, in basis points.
    pub fee_bps: u32,
    /// Receives the P2P fees.
    pub fee_account: AccountId,
    /// The most readings per `submit_readings` call.
    pub max_batch: u32,
}

impl MarketConfig {
    pub fn validate(&self) -> Result<(), MarketError> {
        if self.max_batch == 0 || self.max_batch > MAX_READINGS_PER_CALL {
            return Err(MarketError::InvalidBatchLimit);
        }
        if self.fee_bps > BPS {
            return Err(MarketError::InvalidFee);
        }
        if self.peak_windows.len() > MAX_PEAK_WINDOWS as usize {
            return Err(MarketError::TooManyPeakWindows);
        }
        for window in &self.peak_windows {
            if window.start_minute >= window.end_minute
                || window.end_minute > 1_440
                || window.multiplier_bps < BPS
            {
                return Err(MarketError::InvalidPeakWindow);
            }
        }
        Ok(())
    }

    /// Micro-credits for `exported_wh` of `source` exported in a period starting at `start_ms`.
    pub fn credits(&self, exported_wh: u64, source: EnergySource, start_ms: TimestampMs) -> u128 {
        let minute = minute_of_day(start_ms);
        let multiplier = self
            .peak_windows
            .iter()
            .find(|w| w.start_minute <= minute && minute < w.end_minute)
            .map_or(BPS, |w| w.multiplier_bps);
        u128::from(exported_wh)
            .saturating_mul(self.factors.of(source))
            .saturating_mul(u128::from(multiplier))
            .checked_div(WH_PER_KWH_TIMES_BPS)
            .unwrap_or(0)
    }

    /// Micro-credits owed for `wh` imported beyond the ledger, rounded up.
    pub fn bill(&self, wh: u64) -> u128 {
        u128::from(wh)
            .saturating_mul(self.tariff_per_kwh)
            .div_ceil(1_000)
    }
}

/// Why a reading was not accepted. One rejected reading never fails its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum RejectReason {
    /// The registry does not know the device.
    UnknownDevice,
    /// The device is not a Meter or an EvCharger.
    WrongKind,
    /// The device is registered but not commissioned (or its key was rotated since).
    NotCommissioned,
    DeviceRevoked,
    /// The device's owner is not an active citizen.
    OwnerInactive,
    /// `period_end` is not after `period_start`, or lies in the future.
    BadPeriod,
    /// The same sequence number was accepted before (a replay).
    Replayed,
    /// A sequence number below the last accepted one.
    StaleSeq,
    /// The signature does not recover to the device's key for this market (forged, another
    /// device's key, or signed for another deployment).
    BadSignature,
    /// A V2G reading names a vehicle the registry does not know.
    UnknownVehicle,
    /// A V2G reading names a device that is not a Vehicle.
    NotAVehicle,
    /// The named vehicle is not commissioned, or its owner is not active.
    VehicleInactive,
    /// Only an EvCharger may name a vehicle.
    VehicleNotAtCharger,
}

/// The market's first rules for a reading, which need no market state: its `device` (the
/// registry's record) must be a commissioned meter or EV charger of an active owner, and
/// its period must be non-empty and end by `latest_end` (the block's time on chain; a
/// relay allows its clock skew). The market and the relay apply these very rules.
pub fn check_device_and_period(
    reading: &MeterReading,
    device: Option<&DeviceInfo>,
    latest_end: TimestampMs,
) -> Result<(), RejectReason> {
    let device = device.ok_or(RejectReason::UnknownDevice)?;
    if !matches!(device.kind, DeviceKind::Meter | DeviceKind::EvCharger) {
        return Err(RejectReason::WrongKind);
    }
    match device.status {
        DeviceStatus::Revoked => return Err(RejectReason::DeviceRevoked),
        DeviceStatus::Pending => return Err(RejectReason::NotCommissioned),
        DeviceStatus::Commissioned if !device.active => return Err(RejectReason::OwnerInactive),
        DeviceStatus::Commissioned => {}
    }
    if reading.period_end <= reading.period_start || reading.period_end > latest_end {
        return Err(RejectReason::BadPeriod);
    }
    Ok(())
}

/// Who earns a reading's credits: the device's owner, or for V2G (`vehicle` is
/// `Some(record)` when the reading names one) the vehicle's owner, if the device is an EV
/// charger and the vehicle a registered, active vehicle.
pub fn beneficiary(
    device: &DeviceInfo,
    vehicle: Option<Option<&DeviceInfo>>,
) -> Result<AccountId, RejectReason> {
    match vehicle {
        None => Ok(device.owner),
        Some(_) if device.kind != DeviceKind::EvCharger => Err(RejectReason::VehicleNotAtCharger),
        Some(None) => Err(RejectReason::UnknownVehicle),
        Some(Some(car)) if car.kind != DeviceKind::Vehicle => Err(RejectReason::NotAVehicle),
        Some(Some(car)) if !car.active => Err(RejectReason::VehicleInactive),
        Some(Some(car)) => Ok(car.owner),
    }
}

/// What happened to one reading of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum ReadingOutcome {
    Accepted {
        /// Who earns the credits and whose ledger moves: the meter's owner, or for V2G
        /// the vehicle's owner.
        beneficiary: AccountId,
        /// Micro-credits minted for the export.
        credits: u128,
        /// Imported Wh not covered by the energy ledger, billed pay-as-you-go.
        billable_wh: u64,
    },
    Rejected(RejectReason),
}

/// Every refusal of the energy market's messages (a whole call fails, nothing changes).
#[derive(Debug, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum MarketError {
    NotAdmin,
    NotPendingAdmin,
    Paused,
    PauseUnchanged,
    /// An empty batch, or more readings than the batch limit.
    BadBatchSize,
    /// A batch limit of zero or above `MAX_READINGS_PER_CALL`.
    InvalidBatchLimit,
    /// A window is empty, ends after minute 1440, or has a multiplier below 1x.
    InvalidPeakWindow,
    TooManyPeakWindows,
    /// The registry refused a query.
    Registry(RegistryError),
    /// The registry could not be asked (no contract there, trapped, wrong contract).
    RegistryCallFailed,
    /// The token refused to mint (the market is not a Minter, the token is paused...).
    Token(TokenError),
    /// The token could not be called.
    TokenCallFailed,
    /// A fee above 100 %.
    InvalidFee,
    /// Amounts of energy must be positive.
    ZeroAmount,
    /// The seller's ledger holds less energy than offered.
    InsufficientEnergy,
    /// An expiry must be in the future.
    ExpiryInPast,
    OfferNotFound,
    /// Only the seller may cancel an offer.
    NotSeller,
    /// The offer was sold out, cancelled or expired.
    OfferClosed,
    /// The offer's expiry has passed: it can only be expired.
    OfferExpired,
    /// The offer has not expired yet.
    OfferNotExpired,
    /// More Wh asked than the offer has left.
    NotEnoughOnOffer,
    /// The buyer's payment failed (allowance, balance, gating).
    Payment(crate::token::PSP22Error),
    /// A page of offers may hold at most `MAX_OFFER_PAGE`.
    PageTooLarge,
    /// The caller owes a debt here: no new offers or purchases until it is repaid.
    Debtor,
    /// The caller owes that creditor nothing.
    NothingOwed,
}

impl From<crate::debt::RepayRefusal> for MarketError {
    fn from(refusal: crate::debt::RepayRefusal) -> Self {
        match refusal {
            crate::debt::RepayRefusal::ZeroAmount => Self::ZeroAmount,
            crate::debt::RepayRefusal::NothingOwed => Self::NothingOwed,
        }
    }
}

/// The most offers `open_offers` returns, and scans, per call.
pub const MAX_OFFER_PAGE: u32 = 32;

/// Where an offer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum OfferState {
    Open,
    SoldOut,
    Cancelled,
    Expired,
}

/// Surplus energy a prosumer offers from its ledger (the Wh are reserved while open).
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Offer {
    pub seller: AccountId,
    pub wh_offered: u64,
    pub wh_left: u64,
    /// Micro-credits per kWh.
    pub price_per_kwh: u128,
    pub expires_at_ms: TimestampMs,
    pub state: OfferState,
}

impl Offer {
    /// What `wh` of this offer costs, rounded up to the micro-credit.
    pub fn cost(&self, wh: u64) -> u128 {
        u128::from(wh)
            .saturating_mul(self.price_per_kwh)
            .div_ceil(1_000)
    }
}

impl From<crate::admin::AdminRefusal> for MarketError {
    fn from(refusal: crate::admin::AdminRefusal) -> Self {
        match refusal {
            crate::admin::AdminRefusal::NotAdmin => Self::NotAdmin,
            crate::admin::AdminRefusal::NotPendingAdmin => Self::NotPendingAdmin,
        }
    }
}

impl From<RegistryError> for MarketError {
    fn from(error: RegistryError) -> Self {
        Self::Registry(error)
    }
}

impl From<TokenError> for MarketError {
    fn from(error: TokenError) -> Self {
        Self::Token(error)
    }
}

/// Events of the energy market.
pub mod events {
    use super::*;
    pub use crate::admin_events::{AdminChanged, AdminTransferProposed};
    pub use crate::debt::events::{DebtRecorded, DebtRepaid};

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

    /// Imports beyond the ledger were paid to the utility.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Billed {
        #[ink(topic)]
        pub account: AccountId,
        pub wh: u64,
        pub credits: u128,
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
    }

    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct MarketPauseChanged {
        pub paused: bool,
    }
}

/// When a reading's period falls, for the peak multiplier.
pub fn minute_of_day(timestamp_ms: TimestampMs) -> u16 {
    // 1440 minutes fit u16
    ((timestamp_ms / 60_000) % 1_440) as u16
}

/// What the relay calls: a batch of signed readings, each answered.
#[ink::trait_definition]
pub trait EnergyMarket {
    /// Verifies each reading (device, kind, status, period, sequence, signature), mints
    /// the credits of the accepted ones, moves the energy ledger, bills imports; returns
    /// one outcome per reading, in order.
    #[ink(message)]
    fn submit_readings(&mut self, batch: ReadingBatch) -> Result<Vec<ReadingOutcome>, MarketError>;
}
