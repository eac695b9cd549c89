//! The energy market's edge: its configuration, per-reading outcomes, errors and events.

use crate::{
    reading::{MeterReading, ReadingBatch, VehicleSession},
    registry::{DeviceInfo, DeviceStatus},
    token::{Earning, TokenError},
    AccountId, DeviceId, DeviceKind, EnergySource, RegistryError, TimestampMs,
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
/// The longest interval the admin may let a reading earn time-of-use multipliers over.
pub const MAX_INTERVAL_LIMIT_MS: u64 = 7 * DAY_MS;
/// The most earnings (one per device and source) an account accrues between two claims;
/// a reading that would add one more is refused (`AccrualFull`) until the account is
/// settled, and its energy is carried by the device's next reading.
pub const MAX_ACCRUED_EARNINGS: u32 = 16;
/// The most meters whose last reading an account keeps: its owner's meters and chargers,
/// and those it sold whose first reading for the buyer has not come yet. A reading that
/// would add one more is refused (`TooManyMeters`); its energy waits in the registers.
pub const MAX_HELD_METERS: u32 = 32;
/// The most accounts one `settle` call settles.
pub const MAX_SETTLE_PAGE: u32 = 64;
const DAY_MS: u64 = 86_400_000;
const HOUR_MS: u128 = 3_600_000;

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

/// The rated power of an energy device whose operator left it at 0, per kind, in watts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct DefaultRatings {
    pub meter_w: u32,
    pub charger_w: u32,
}

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
    /// A reading's interval (from the device's previous accepted reading) longer than this
    /// is credited at the off-peak factor: time of use is only known for short intervals.
    pub max_interval_ms: u64,
    /// Rated power of devices commissioned without one.
    pub default_ratings: DefaultRatings,
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
        for (i, window) in self.peak_windows.iter().enumerate() {
            if window.start_minute >= window.end_minute
                || window.end_minute > 1_440
                || window.multiplier_bps < BPS
            {
                return Err(MarketError::InvalidPeakWindow);
            }
            // windows may not overlap: each minute has one multiplier
            let overlaps = self.peak_windows[..i].iter().any(|other| {
                window.start_minute < other.end_minute && other.start_minute < window.end_minute
            });
            if overlaps {
                return Err(MarketError::InvalidPeakWindow);
            }
        }
        if self.max_interval_ms == 0 || self.max_interval_ms > MAX_INTERVAL_LIMIT_MS {
            return Err(MarketError::InvalidInterval);
        }
        if self.default_ratings.meter_w == 0 || self.default_ratings.charger_w == 0 {
            return Err(MarketError::InvalidRating);
        }
        Ok(())
    }

    /// Micro-credits for `exported_wh` of `source` exported over `[from_ms, to_ms)`: the
    /// energy is spread evenly over the interval, and the part inside a peak window earns
    /// its multiplier (pro rata by time). An interval longer than `max_interval_ms` earns
    /// no multiplier.
    pub fn credits(
        &self,
        exported_wh: u64,
        source: EnergySource,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> u128 {
        let length = u128::from(to_ms.saturating_sub(from_ms));
        if length == 0 {
            return 0;
        }
        // the interval's milliseconds, each weighted by its multiplier (BPS off peak)
        let mut weighted = length.saturating_mul(u128::from(BPS));
        if to_ms.saturating_sub(from_ms) <= self.max_interval_ms {
            let mut day = from_ms.saturating_sub(from_ms.checked_rem(DAY_MS).unwrap_or(0));
            while day < to_ms {
                for window in &self.peak_windows {
                    let minute = |m: u16| u64::from(m).saturating_mul(60_000);
                    let start = day.saturating_add(minute(window.start_minute));
                    let end = day.saturating_add(minute(window.end_minute));
                    let overlap = to_ms.min(end).saturating_sub(from_ms.max(start));
                    let extra = window.multiplier_bps.saturating_sub(BPS);
                    weighted = weighted
                        .saturating_add(u128::from(overlap).saturating_mul(u128::from(extra)));
                }
                day = day.saturating_add(DAY_MS);
            }
        }
        u128::from(exported_wh)
            .saturating_mul(self.factors.of(source))
            .saturating_mul(weighted)
            .checked_div(WH_PER_KWH_TIMES_BPS.saturating_mul(length))
            .unwrap_or(0)
    }

    /// The rated power of `device` in watts: its profile's, or the default for its kind.
    pub fn rated_w(&self, device: &DeviceInfo) -> u32 {
        match device.energy {
            Some(profile) if profile.rated_w > 0 => profile.rated_w,
            _ if device.kind == DeviceKind::EvCharger => self.default_ratings.charger_w,
            _ => self.default_ratings.meter_w,
        }
    }

    /// Micro-credits owed for `wh` imported beyond the ledger, rounded up.
    pub fn bill(&self, wh: u64) -> u128 {
        u128::from(wh)
            .saturating_mul(self.tariff_per_kwh)
            .div_ceil(1_000)
    }
}

/// Why a reading was not accepted. One rejected reading never fails its batch, and a
/// rejected reading changes nothing: its energy is carried by the device's next reading.
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
    /// The device was commissioned without an energy profile.
    NoEnergyProfile,
    /// `at_ms` lies in the future.
    InFuture,
    /// The same sequence number was accepted before (a replay).
    Replayed,
    /// A sequence number below the last accepted one (an older reading; its energy is in
    /// the newer one's difference).
    StaleSeq,
    /// A higher sequence than the last accepted reading's, but not a later time.
    NotAfterLast,
    /// A register is below the last accepted reading's: registers never go down.
    RegisterDecreased,
    /// More energy than the device's rated power delivers in the interval.
    Implausible,
    /// The signature does not recover to the device's key for this market (forged, another
    /// device's key, or signed for another deployment).
    BadSignature,
    /// A V2G session names a vehicle the registry does not know.
    UnknownVehicle,
    /// A V2G session names a device that is not a Vehicle.
    NotAVehicle,
    /// The named vehicle is not commissioned, or its owner is not active.
    VehicleInactive,
    /// Only an EvCharger may carry a vehicle session.
    VehicleNotAtCharger,
    /// The session's plug-in is not the charger's last accepted reading (or the charger
    /// has none yet).
    PlugInMismatch,
    /// The vehicle's co-signature does not recover to its registered key.
    BadVehicleSignature,
    /// The beneficiary already accrues `MAX_ACCRUED_EARNINGS` earnings: it must be settled
    /// (`claim`, `settle`) before another device's credits accrue to it.
    AccrualFull,
    /// The account the reading's registers belong to already keeps `MAX_HELD_METERS`
    /// meters' readings.
    TooManyMeters,
}

/// Credits one device earned for an account since the account's last claim, with their
/// provenance: the receipt the claim's mint will carry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Accrued {
    /// The device, its source, the span of the intervals and the Wh exported.
    pub earning: Earning,
    /// Micro-credits earned.
    pub credits: u128,
}

/// What the market keeps per account: its energy ledger, and what it accrued since its
/// last claim (credits earned, bills for imports beyond the ledger).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct EnergyAccount {
    /// Wh exported (or bought) and not yet consumed or offered.
    pub ledger_wh: u64,
    /// Micro-credits billed for imports beyond the ledger and not yet paid, each bill
    /// priced at the tariff of the batch that measured it.
    pub bill: u128,
    /// The Wh `bill` is for.
    pub billed_wh: u64,
    /// Earnings not yet minted, one per device and source, at most `MAX_ACCRUED_EARNINGS`.
    pub earnings: Vec<Accrued>,
    /// The last accepted reading of each meter measured for this account, at most
    /// `MAX_HELD_METERS`.
    pub meters: Vec<HeldMeter>,
}

impl EnergyAccount {
    /// Micro-credits earned and not yet minted.
    pub fn credits(&self) -> u128 {
        self.earnings
            .iter()
            .fold(0u128, |sum, accrued| sum.saturating_add(accrued.credits))
    }

    /// Whether a claim has anything to mint or bill.
    pub fn has_claim(&self) -> bool {
        self.bill > 0 || !self.earnings.is_empty()
    }

    /// Whether credits of `device`'s `source` can accrue: it already has their earning, or
    /// there is room for one more.
    pub fn has_room(&self, device: &crate::DeviceId, source: EnergySource) -> bool {
        self.earnings.len() < MAX_ACCRUED_EARNINGS as usize
            || self.earning_of(device, source).is_some()
    }

    /// The last accepted reading of `device` this account keeps.
    pub fn meter(&self, device: &DeviceId) -> Option<&HeldMeter> {
        self.meters.iter().find(|held| held.device == *device)
    }

    /// Whether the account can keep `device`'s reading: it keeps one already, or there is
    /// room for one more.
    pub fn has_meter_room(&self, device: &DeviceId) -> bool {
        self.meters.len() < MAX_HELD_METERS as usize || self.meter(device).is_some()
    }

    /// Keeps `held` as its device's last reading, replacing the one before (the caller
    /// checks the room first).
    pub fn put_meter(&mut self, held: HeldMeter) {
        match self.meters.iter_mut().find(|m| m.device == held.device) {
            Some(mine) => *mine = held,
            None => self.meters.push(held),
        }
    }

    /// Takes `device`'s reading off this account (it moves to another).
    pub fn remove_meter(&mut self, device: &DeviceId) {
        self.meters.retain(|held| held.device != *device);
    }

    /// The index of `device`'s `source` earning.
    pub fn earning_of(&self, device: &crate::DeviceId, source: EnergySource) -> Option<usize> {
        self.earnings
            .iter()
            .position(|a| a.earning.device == *device && a.earning.source == source)
    }

    /// Adds `credits` earned by `earning` to the earning of its device and source (its
    /// energy added, its span widened), or as a new one: the caller checks the room
    /// (`has_room`) first.
    pub fn add_earning(&mut self, earning: &Earning, credits: u128) {
        match self.earning_of(&earning.device, earning.source) {
            Some(i) => {
                let accrued = &mut self.earnings[i];
                accrued.credits = accrued.credits.saturating_add(credits);
                let mine = &mut accrued.earning;
                mine.energy_wh = mine.energy_wh.saturating_add(earning.energy_wh);
                mine.period_start_ms = mine.period_start_ms.min(earning.period_start_ms);
                mine.period_end_ms = mine.period_end_ms.max(earning.period_end_ms);
            }
            None => self.earnings.push(Accrued {
                earning: earning.clone(),
                credits,
            }),
        }
    }
}

/// What happened to one reading of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum ReadingOutcome {
    /// The device's first reading: its registers are the baseline later readings are
    /// measured from (nothing credited, nothing billed).
    Baseline,
    Accepted {
        /// Who earns the credits and whose ledger moves: the meter's owner, or for V2G
        /// the vehicle's owner. When the device changed hands during the interval, this is
        /// the new owner's share; the previous owner's is in a `MeasuredBeforeTransfer`
        /// event.
        beneficiary: AccountId,
        /// Micro-credits the export earned, accrued to the beneficiary (minted by its
        /// next claim).
        credits: u128,
        /// Imported Wh not covered by the energy ledger, billed to the beneficiary's
        /// accrual (paid by its next claim).
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
    /// A window is empty, ends after minute 1440, overlaps another, or has a multiplier
    /// below 1x.
    InvalidPeakWindow,
    /// A maximum interval of zero or above `MAX_INTERVAL_LIMIT_MS`.
    InvalidInterval,
    /// A default rated power of zero.
    InvalidRating,
    TooManyPeakWindows,
    /// The registry refused a query.
    Registry(RegistryError),
    /// The registry could not be asked (no contract there, trapped, wrong contract).
    RegistryCallFailed,
    /// The account has nothing accrued to claim.
    NothingToClaim,
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
    /// A page of offers may hold at most `MAX_OFFER_PAGE`, a page of accounts to settle
    /// at most `MAX_SETTLE_PAGE`.
    PageTooLarge,
    /// The caller owes a debt here: no new offers or purchases until it is repaid.
    Debtor,
    /// The caller owes that creditor nothing.
    NothingOwed,
    /// The registry knows no account that acts now for that account's citizen: it was
    /// never moved to a new account (M-3).
    NoSuccessor,
    /// The caller is not the account that acts now for that account's citizen.
    NotSuccessor,
    /// The account's earnings and the caller's would be more than `MAX_ACCRUED_EARNINGS`
    /// together: the caller claims its own first.
    TooManyEarnings,
    /// The account's meters and the caller's would be more than `MAX_HELD_METERS`
    /// together.
    TooManyMeters,
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
pub mod events;
mod register;
pub use register::{
    check_device, difference, max_wh, session_owner, Difference, HeldMeter, MeterState,
};

/// What the relay calls: a batch of signed readings, each answered.
#[ink::trait_definition]
pub trait EnergyMarket {
    /// Verifies each register reading (device, kind, status, time, sequence, registers,
    /// plausibility, signature, V2G co-signature), credits and bills each device's
    /// difference from its last accepted reading (the first is its baseline), moves the
    /// energy ledger and accrues the credits and bills to their accounts (minted and paid
    /// by the accounts' claims); returns one outcome per reading, in order.
    #[ink(message)]
    fn submit_readings(&mut self, batch: ReadingBatch) -> Result<Vec<ReadingOutcome>, MarketError>;
}

impl From<crate::calls::CallError<crate::token::PSP22Error>> for MarketError {
    /// The token refused (`Payment`), or could not be called or dispatched
    /// (`TokenCallFailed`).
    fn from(error: crate::calls::CallError<crate::token::PSP22Error>) -> Self {
        match error {
            crate::calls::CallError::Callee(refused) => Self::Payment(refused),
            _ => Self::TokenCallFailed,
        }
    }
}

impl From<crate::calls::CallError<RegistryError>> for MarketError {
    /// The registry refused (`Registry`), or could not be called or dispatched
    /// (`RegistryCallFailed`).
    fn from(error: crate::calls::CallError<RegistryError>) -> Self {
        match error {
            crate::calls::CallError::Callee(refused) => Self::Registry(refused),
            _ => Self::RegistryCallFailed,
        }
    }
}

impl From<crate::calls::CallError<TokenError>> for MarketError {
    /// The token refused (`Token`), or could not be called or dispatched
    /// (`TokenCallFailed`).
    fn from(error: crate::calls::CallError<TokenError>) -> Self {
        match error {
            crate::calls::CallError::Callee(refused) => Self::Token(refused),
            _ => Self::TokenCallFailed,
        }
    }
}
