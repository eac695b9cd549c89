//! The parking rental's edge: spaces and their terms, bookings, the signed sensor event
//! (DESIGN 4.1, its own domain), what a sensor event did, errors and events.

use crate::{
    signed::SignedPayload, token::PSP22Error, AccountId, Deployment, DeviceId, Hash32,
    RegistryError, TimestampMs,
};
use alloc::vec::Vec;
use scale::Encode;

/// Basis points: 10,000 = 100 %.
pub const BPS: u32 = 10_000;
/// The most daily availability windows a space may have.
pub const MAX_WINDOWS: u32 = 4;
/// The longest geohash a space shows on chain: 6 characters, a cell of about 1.2 km x
/// 0.6 km (security review M-10: 12 characters would locate a private space, a home, to a
/// few centimetres; the exact spot goes to the renter off chain).
pub const MAX_GEOHASH_LEN: u32 = 6;
/// The most bookings of one space that are neither settled nor cancelled. Bounds the
/// overlap check of `book` and the scan of a sensor event; ended bookings leave the list
/// when they are settled (by check-out, or by anyone with `settle`).
pub const MAX_OPEN_BOOKINGS: u32 = 16;
/// The most open bookings one renter may hold on one space (security review M-8: one
/// renter cannot fill a space's `MAX_OPEN_BOOKINGS`).
pub const MAX_OPEN_BOOKINGS_PER_RENTER: u32 = 4;
/// How far ahead a booking may start: 30 days (M-8: no year-ahead hoarding).
pub const BOOKING_HORIZON_MS: u64 = 30 * DAY_MS;
/// How early before its start a booked vehicle may check into its booking (M-4); the
/// minutes before the start are billed at the booking's tariff.
pub const EARLY_CHECK_IN_MS: u64 = 30 * MINUTE_MS;
/// How long after a booking's end (or a pay-as-you-go stay's longest billable time) a
/// session its sensor never closed may be closed by anyone (M-1: `close_overdue`).
pub const CHECKOUT_GRACE_MS: u64 = 60 * MINUTE_MS;
/// The most items a paged query returns (or, for `free_spaces`, the most spaces it looks at).
pub const MAX_PAGE: u32 = 32;
/// Domain of a parking sensor's signature.
pub const SENSOR_DOMAIN: &[u8] = b"smartcity/parking-sensor/v2";

const MINUTE_MS: u64 = 60_000;
const DAY_MS: u64 = 1_440 * MINUTE_MS;

/// A daily window `[start_minute, end_minute)` of the UTC day during which the space may
/// be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Availability {
    pub start_minute: u16,
    pub end_minute: u16,
}

/// What the owner sets for a space: where it is, its price and the times it is free.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct SpaceTerms {
    /// Geohash characters (at most `MAX_GEOHASH_LEN`: a neighbourhood, not an address),
    /// e.g. `b"tdr1v9"`.
    pub geohash: Vec<u8>,
    /// Micro-credits per hour; billed per started minute.
    pub price_per_hour: u128,
    /// The shortest and longest booking, in minutes.
    pub min_minutes: u32,
    pub max_minutes: u32,
    /// At most `MAX_WINDOWS` daily windows; a booking lies inside one of them.
    pub windows: Vec<Availability>,
}

impl SpaceTerms {
    pub fn validate(&self) -> Result<(), ParkingError> {
        if self.geohash.is_empty() || self.geohash.len() > MAX_GEOHASH_LEN as usize {
            return Err(ParkingError::InvalidGeohash);
        }
        if self.price_per_hour == 0 {
            return Err(ParkingError::ZeroPrice);
        }
        if self.min_minutes == 0 || self.min_minutes > self.max_minutes {
            return Err(ParkingError::InvalidDurations);
        }
        if self.windows.is_empty() || self.windows.len() > MAX_WINDOWS as usize {
            return Err(ParkingError::InvalidWindowCount);
        }
        if self
            .windows
            .iter()
            .any(|w| w.start_minute >= w.end_minute || w.end_minute > 1_440)
        {
            return Err(ParkingError::InvalidWindow);
        }
        Ok(())
    }

    /// Whether `[start_ms, end_ms)` lies inside one availability window of one UTC day.
    pub fn available(&self, start_ms: TimestampMs, end_ms: TimestampMs) -> bool {
        let day = start_ms / DAY_MS;
        let midnight = day.saturating_mul(DAY_MS);
        self.windows.iter().any(|w| {
            let from = midnight.saturating_add(u64::from(w.start_minute).saturating_mul(MINUTE_MS));
            let to = midnight.saturating_add(u64::from(w.end_minute).saturating_mul(MINUTE_MS));
            from <= start_ms && end_ms <= to
        })
    }

    /// Micro-credits for `[start_ms, end_ms)`: started minutes at the hourly price,
    /// rounded up.
    pub fn rent(&self, start_ms: TimestampMs, end_ms: TimestampMs) -> u128 {
        rent(self.price_per_hour, end_ms.saturating_sub(start_ms))
    }
}

/// The price a stay is billed at, fixed when its booking is made or its session opens
/// (security review H-1): the owner's later `set_terms` changes nothing already running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Tariff {
    /// Micro-credits per hour; billed per started minute.
    pub price_per_hour: u128,
    /// The longest stay the terms allowed: one charge never bills more minutes.
    pub max_minutes: u32,
}

impl Tariff {
    /// The terms' price and longest stay, as they stand now.
    pub fn of(terms: &SpaceTerms) -> Self {
        Self {
            price_per_hour: terms.price_per_hour,
            max_minutes: terms.max_minutes,
        }
    }

    /// What `duration_ms` costs at this tariff, capped at `max_minutes`.
    pub fn charge(&self, duration_ms: u64) -> u128 {
        let cap = u64::from(self.max_minutes).saturating_mul(MINUTE_MS);
        rent(self.price_per_hour, duration_ms.min(cap))
    }

    /// The most one charge at this tariff can be: the longest stay.
    pub fn most(&self) -> u128 {
        self.charge(u64::MAX)
    }
}

/// Micro-credits for `duration_ms` at `price_per_hour`: per started minute, rounded up.
pub fn rent(price_per_hour: u128, duration_ms: u64) -> u128 {
    u128::from(minutes_started(duration_ms))
        .saturating_mul(price_per_hour)
        .div_ceil(60)
}

/// Minutes of `duration_ms`, a started minute counting whole.
pub fn minutes_started(duration_ms: u64) -> u64 {
    duration_ms.div_ceil(MINUTE_MS)
}

/// Domain of a vehicle's pseudonyms (M-10).
pub const VEHICLE_TAG_DOMAIN: &[u8] = b"smartcity/vehicle-tag/v1";

/// What one pseudonym of a vehicle stands for (M-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum TagScope {
    /// The vehicle a booking names.
    Booking(u64),
    /// One stay on a space (a session, or a violation), from when the vehicle arrived.
    Stay { space: u64, since_ms: TimestampMs },
}

/// The vehicle as the rental stores and emits it (M-10): `blake2-256(VEHICLE_TAG_DOMAIN ++
/// vehicle ++ SCALE(scope))`, a pseudonym for one booking or one stay. Whoever knows the
/// vehicle's id (its owner, the renter, the space's owner) can check a tag; the rental's
/// storage and events never hold the id itself, nor one id across two stays.
pub fn vehicle_tag(vehicle: &DeviceId, scope: TagScope) -> Hash32 {
    use ink::env::hash::{Blake2x256, HashOutput};
    let mut tag = <Blake2x256 as HashOutput>::Type::default();
    let mut preimage = Vec::with_capacity(VEHICLE_TAG_DOMAIN.len() + 32 + 17);
    preimage.extend_from_slice(VEHICLE_TAG_DOMAIN);
    preimage.extend_from_slice(vehicle);
    scope.encode_to(&mut preimage);
    ink::env::hash_bytes::<Blake2x256>(&preimage, &mut tag);
    tag
}

/// Someone's vehicle on the space now, as the sensor reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Session {
    /// The vehicle's pseudonym for this stay ([`TagScope::Stay`] from `since_ms`).
    pub vehicle_tag: Hash32,
    /// Who pays: the booking's renter, or the vehicle's owner (pay-as-you-go).
    pub payer: AccountId,
    pub since_ms: TimestampMs,
    /// The booking checked in; `None` for a pay-as-you-go session.
    pub booking: Option<u64>,
    /// What the stay is billed at: the booking's tariff, or the terms' when the session
    /// opened.
    pub tariff: Tariff,
    /// What a pay-as-you-go stay holds on the payer's spending cap for the owner (the
    /// tariff's `most`), given back less the charge when it ends; 0 for a booking.
    pub held: u128,
}

/// A listed (or delisted) space.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Space {
    pub owner: AccountId,
    /// The ParkingSensor that reports arrivals and departures on this space.
    pub sensor: DeviceId,
    pub terms: SpaceTerms,
    pub listed: bool,
    /// The vehicle parked now, if any.
    pub session: Option<Session>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum BookingState {
    /// Paid into escrow; the vehicle has not arrived.
    Booked,
    /// The sensor saw the booked vehicle arrive.
    CheckedIn,
    /// The escrow went to the owner (check-out, or after the booking's end).
    Settled,
    /// The renter cancelled before the start, or the owner delisted with refunds.
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Booking {
    pub space: u64,
    pub renter: AccountId,
    /// The pseudonym ([`TagScope::Booking`]) of the renter's registered vehicle, if one
    /// was named; otherwise any vehicle of the renter's checks in.
    pub vehicle_tag: Option<Hash32>,
    pub start_ms: TimestampMs,
    pub end_ms: TimestampMs,
    /// Micro-credits held by the contract for this booking until it settles or is cancelled.
    pub escrow: u128,
    pub state: BookingState,
    /// The price of minutes beyond the booking (an early arrival, an overstay), fixed
    /// when it was made.
    pub tariff: Tariff,
}

/// What a parking sensor saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum SensorKind {
    Arrived,
    Left,
}

/// A parking sensor's report: a vehicle (the id its plate or tag maps to, registered or
/// not) arrived on or left the sensor's space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct SensorEvent {
    pub sensor: DeviceId,
    /// 1, 2, 3... per sensor: each event is taken only after the one before it (the
    /// replay and reordering guard).
    pub seq: u64,
    pub at_ms: TimestampMs,
    pub kind: SensorKind,
    pub vehicle: DeviceId,
}

/// A sensor event with the sensor's 65-byte recoverable secp256k1 signature over the
/// blake2-256 of [`sensor_preimage`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct SignedSensorEvent {
    pub event: SensorEvent,
    pub signature: [u8; 65],
}

/// `SENSOR_DOMAIN ++ parking contract ++ chain ++ SCALE(event)`, the domain written raw:
/// bound to one deployment on one chain, like a meter reading.
pub fn sensor_preimage<'a>(
    parking: &'a Deployment,
    event: &'a SensorEvent,
) -> SignedPayload<'a, &'a SensorEvent> {
    SignedPayload::new(SENSOR_DOMAIN, parking, event)
}

/// Why a vehicle on a space was reported to its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum ViolationKind {
    /// The registry does not know the vehicle (or it is not a usable Vehicle): nobody
    /// can be billed, booking or not.
    UnknownVehicle,
    /// A registered vehicle other than the renter's parked during this booking.
    SomeoneElsesBooking(u64),
    /// A registered vehicle without a booking whose owner's spending cap for the space's
    /// owner does not cover the longest stay (M-5): nobody agreed to pay.
    NotAuthorized,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Violation {
    /// The vehicle's pseudonym for this stay ([`TagScope::Stay`] from `at_ms`). An
    /// unregistered car is reported by its sensor as a keyed id of its plate (see
    /// `smartcity_sdk::parking::SensorSimulator::unregistered`), never the plate.
    pub vehicle_tag: Hash32,
    pub at_ms: TimestampMs,
    pub kind: ViolationKind,
}

/// What an accepted sensor event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum SensorOutcome {
    /// The booked vehicle arrived.
    CheckedIn { booking: u64 },
    /// A registered vehicle without a booking: billed when it leaves.
    SessionOpened { payer: AccountId },
    /// A violation was recorded for the space's owner (its index among the space's).
    ViolationRecorded { index: u32 },
    /// The vehicle of a checked-in booking left: the escrow was settled; `overstay` (the
    /// minutes outside the booking, at its tariff) billed.
    CheckedOut { booking: u64, overstay: u128 },
    /// A pay-as-you-go vehicle left and was billed.
    SessionClosed { charged: u128 },
    /// A vehicle left that had no session here (one reported as a violation).
    NothingToClose,
    /// The event was authentic and next in the sensor's sequence, but the space
    /// contradicts it: its sequence is used, nothing else changes (M-6: a device's events
    /// apply in order, so one that cannot apply must not hold up the next).
    Refused { reason: SensorRefusal },
}

/// Why an authentic sensor event did nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum SensorRefusal {
    /// A vehicle arrived on a space another vehicle holds.
    SpaceOccupied,
    /// `Left` named another vehicle than the one on the space.
    VehicleMismatch,
    /// A vehicle without a booking arrived on a delisted space.
    NotListed,
}

impl SensorRefusal {
    /// The refusal an error of an authentic event's effect stands for; `None` for an error
    /// that fails the whole call (a token outage: the event is submitted again later).
    pub fn of(error: &ParkingError) -> Option<Self> {
        Some(match error {
            ParkingError::SpaceOccupied => Self::SpaceOccupied,
            ParkingError::VehicleMismatch => Self::VehicleMismatch,
            ParkingError::NotListed => Self::NotListed,
            _ => return None,
        })
    }
}

impl From<crate::sequence::SequenceRefusal> for ParkingError {
    fn from(refusal: crate::sequence::SequenceRefusal) -> Self {
        match refusal {
            crate::sequence::SequenceRefusal::Stale => Self::StaleSeq,
            crate::sequence::SequenceRefusal::Gap => Self::SequenceGap,
            crate::sequence::SequenceRefusal::BadTime => Self::BadEventTime,
        }
    }
}

/// The admin-set parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct ParkingConfig {
    /// The platform's cut of every payment to an owner, in basis points.
    pub platform_fee_bps: u32,
    /// Receives the platform fee.
    pub fee_account: AccountId,
    /// Kept from a refund (and paid to the owner) when a booking is cancelled within
    /// `cancel_cutoff_ms` of its start.
    pub late_cancel_fee_bps: u32,
    pub cancel_cutoff_ms: u64,
    /// Kept from every cancellation, from the moment of booking (M-8: holding a space
    /// and letting it go costs something); zero allowed. Inside the cut-off the higher of
    /// the two fees applies.
    pub cancel_fee_bps: u32,
}

impl ParkingConfig {
    pub fn validate(&self) -> Result<(), ParkingError> {
        if self.platform_fee_bps > BPS
            || self.late_cancel_fee_bps > BPS
            || self.cancel_fee_bps > BPS
        {
            return Err(ParkingError::InvalidFee);
        }
        Ok(())
    }

    /// `amount`'s share at `bps`, rounded down.
    pub fn share(amount: u128, bps: u32) -> u128 {
        amount
            .saturating_mul(u128::from(bps))
            .checked_div(u128::from(BPS))
            .unwrap_or(0)
    }
}

/// Every refusal of the parking contract's messages (a whole call fails, nothing changes).
#[derive(Debug, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum ParkingError {
    NotAdmin,
    NotPendingAdmin,
    Paused,
    PauseUnchanged,
    /// A fee above 100 %.
    InvalidFee,
    /// An empty geohash or one longer than `MAX_GEOHASH_LEN`.
    InvalidGeohash,
    ZeroPrice,
    /// A minimum of zero minutes, or above the maximum.
    InvalidDurations,
    /// No availability window, or more than `MAX_WINDOWS`.
    InvalidWindowCount,
    /// A window that is empty or ends after minute 1440.
    InvalidWindow,
    /// The sensor is not a commissioned, active ParkingSensor of the caller.
    SensorNotUsable,
    /// The sensor already reports for another space.
    SensorInUse,
    SpaceNotFound,
    NotSpaceOwner,
    /// The space is delisted.
    NotListed,
    AlreadyListed,
    /// The space has bookings to settle or refund first (delist with `refund`).
    HasBookings,
    /// A vehicle is on the space.
    SpaceOccupied,
    /// The caller is not an active citizen.
    NotACitizen,
    /// The named vehicle is not a commissioned Vehicle of the caller's.
    VehicleNotUsable,
    /// The interval is empty or starts in the past.
    BadInterval,
    /// The interval is not inside one availability window.
    OutsideAvailability,
    /// Shorter than the space's minimum or longer than its maximum.
    DurationOutOfRange,
    /// The interval overlaps another booking of the space.
    Overlap,
    /// The space has `MAX_OPEN_BOOKINGS` open bookings already.
    TooManyOpenBookings,
    BookingNotFound,
    NotRenter,
    /// Only a booking that has not started (and was not checked in) can be cancelled.
    TooLateToCancel,
    /// The booking was settled or cancelled already.
    BookingClosed,
    /// A booking is settled after its end (or at check-out).
    NotEnded,
    PageTooLarge,
    /// The sensor reports for no space.
    UnknownSensor,
    /// The registry does not know the sensor, or it is no longer a commissioned, active
    /// ParkingSensor of the space's owner.
    SensorInactive,
    /// The signature does not recover to the sensor's key for this deployment.
    BadSignature,
    /// A sequence number not above the sensor's last one (a replay).
    StaleSeq,
    /// A sequence number beyond the sensor's next: its earlier events come first (M-6).
    SequenceGap,
    /// The event's time is in the future or before the sensor's previous event.
    BadEventTime,
    /// `Left` named another vehicle than the one on the space.
    VehicleMismatch,
    /// The token refused a payment (allowance, balance, gating).
    Payment(PSP22Error),
    /// The token could not be called.
    TokenCallFailed,
    Registry(RegistryError),
    RegistryCallFailed,
    /// The booking would start more than `BOOKING_HORIZON_MS` from now.
    TooFarAhead,
    /// The renter holds `MAX_OPEN_BOOKINGS_PER_RENTER` open bookings of this space.
    TooManyBookingsOfRenter,
    /// A booking of the space is running now (started, not ended): it cannot be
    /// cancelled by delisting.
    BookingInProgress,
    /// The caller owes a debt here: no new bookings until it is repaid (M-3).
    Debtor,
    /// The caller owes that creditor nothing.
    NothingOwed,
    /// A repayment of zero.
    ZeroAmount,
    /// No vehicle is parked on the space.
    NoSession,
    /// The contract holds no credits beyond the open bookings' escrow.
    NothingToSweep,
    /// The session is not overdue yet (`CHECKOUT_GRACE_MS` after the booking's end, or
    /// after a pay-as-you-go stay's longest billable time).
    NotOverdue,
    /// No payout waits for the caller.
    NoPayoutOwed,
    /// The registry knows no account that acts now for that account's citizen: it was
    /// never moved to a new account (M-1).
    NoSuccessor,
    /// The caller is not the account that acts now for that account's citizen.
    NotSuccessor,
    /// What was named is not that account's: a space it does not own, a booking it did
    /// not make or that is over.
    NotTheirs,
}

/// What a citizen's new account takes over from its old one after a move (M-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum Holding {
    /// A space the old account owns: the new one manages it and is paid for it.
    Space(u64),
    /// An open booking the old account made: the new one is its renter (its car checks
    /// in, its refund and settlement go there).
    Booking(u64),
    /// The payouts waiting for the old account (`amount` of them, in the event).
    Payouts(u128),
}

impl From<crate::debt::RepayRefusal> for ParkingError {
    fn from(refusal: crate::debt::RepayRefusal) -> Self {
        match refusal {
            crate::debt::RepayRefusal::ZeroAmount => Self::ZeroAmount,
            crate::debt::RepayRefusal::NothingOwed => Self::NothingOwed,
        }
    }
}

impl From<crate::admin::AdminRefusal> for ParkingError {
    fn from(refusal: crate::admin::AdminRefusal) -> Self {
        match refusal {
            crate::admin::AdminRefusal::NotAdmin => Self::NotAdmin,
            crate::admin::AdminRefusal::NotPendingAdmin => Self::NotPendingAdmin,
        }
    }
}

impl From<RegistryError> for ParkingError {
    fn from(error: RegistryError) -> Self {
        Self::Registry(error)
    }
}

/// Events of the parking rental.
pub mod events;

impl From<crate::calls::CallError<PSP22Error>> for ParkingError {
    /// The token refused (`Payment`), or could not be called or dispatched
    /// (`TokenCallFailed`).
    fn from(error: crate::calls::CallError<PSP22Error>) -> Self {
        match error {
            crate::calls::CallError::Callee(refused) => Self::Payment(refused),
            _ => Self::TokenCallFailed,
        }
    }
}

impl From<crate::calls::CallError<RegistryError>> for ParkingError {
    /// The registry refused (`Registry`), or could not be called or dispatched
    /// (`RegistryCallFailed`).
    fn from(error: crate::calls::CallError<RegistryError>) -> Self {
        match error {
            crate::calls::CallError::Callee(refused) => Self::Registry(refused),
            _ => Self::RegistryCallFailed,
        }
    }
}
