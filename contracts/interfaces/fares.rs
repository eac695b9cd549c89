//! The fare pricing contract's edge: routes and their fare rule (exact per-stage fares
//! interpolated between slab points), trips, tickets, the signed validator event, errors
//! and events.

use crate::{
    signed::SignedPayload, token::PSP22Error, AccountId, Deployment, DeviceId, Hash32,
    RegistryError, TimestampMs,
};
use alloc::vec::Vec;
use scale::Encode;

/// Basis points: 10,000 = 100 %.
pub const BPS: u32 = 10_000;
/// The most stops of a route (so at most 31 stages, the segment counters of a trip).
pub const MAX_STOPS: u32 = 32;
/// The longest stop name, in bytes.
pub const MAX_STOP_NAME_LEN: u32 = 32;
/// The most slab points of a fare rule.
pub const MAX_SLABS: u32 = 8;
/// The most seats of a trip.
pub const MAX_CAPACITY: u32 = 500;
/// The most items a paged query returns.
pub const MAX_PAGE: u32 = 32;
/// The most open tickets one rider holds on one trip (security review M-8, L-5: one rider
/// cannot book a bus full and cancel it for free).
pub const MAX_TICKETS_PER_RIDER: u32 = 4;
/// Boarding opens this long before departure (security review L-1): from then on a
/// validator may board tickets and riders can no longer cancel them, so a rider cannot
/// board and cancel for a refund before the Board event lands.
pub const BOARDING_WINDOW_MS: u64 = 30 * 60_000;
/// Domain of a transit validator's signature.
pub const VALIDATOR_DOMAIN: &[u8] = b"smartcity/transit-validator/v2";
/// Domain of a rider's pseudonym ([`rider_tag`]).
pub const RIDER_TAG_DOMAIN: &[u8] = b"smartcity/rider-tag/v1";

/// What one pseudonym of a rider stands for (M-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum RideScope {
    /// The rider of one ticket.
    Ticket(u64),
    /// The rider on one trip: its open tickets' count and its tap-in there.
    Trip(u64),
}

/// The rider as the fare contract stores and emits it (M-10): `blake2-256(RIDER_TAG_DOMAIN
/// ++ rider ++ SCALE(scope))`, one pseudonym per ticket and one per trip. The contract
/// checks a caller against it (the rider's own account gives the same tag); its storage
/// and events never hold a rider's account, nor one pseudonym across two trips.
pub fn rider_tag(rider: &AccountId, scope: RideScope) -> Hash32 {
    use ink::env::hash::{Blake2x256, HashOutput};
    let mut tag = <Blake2x256 as HashOutput>::Type::default();
    let mut preimage = Vec::with_capacity(RIDER_TAG_DOMAIN.len() + 32 + 9);
    preimage.extend_from_slice(RIDER_TAG_DOMAIN);
    preimage.extend_from_slice(rider.as_ref());
    scope.encode_to(&mut preimage);
    ink::env::hash_bytes::<Blake2x256>(&preimage, &mut tag);
    tag
}

/// A slab point: riding up to `up_to_stages` stages costs `fare` at the slab price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Slab {
    pub up_to_stages: u32,
    /// Micro-credits.
    pub fare: u128,
}

/// A route's fares: the slab table the operator publishes. The slab fare of `n` stages is
/// the fare of the first slab reaching `n`; the exact fare is the straight line between
/// the slab points around `n` (from 0 stages costing 0), rounded down: the rider pays for
/// exactly the stages ridden, never more than the slab fare.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct FareRule {
    pub slabs: Vec<Slab>,
}

impl FareRule {
    /// At most `MAX_SLABS` points, stages strictly increasing from at least 1, fares not
    /// decreasing, the last slab reaching `stages` (the route's length).
    pub fn validate(&self, stages: u32) -> Result<(), FareError> {
        if self.slabs.is_empty() || self.slabs.len() > MAX_SLABS as usize {
            return Err(FareError::InvalidSlabs);
        }
        let mut previous = Slab {
            up_to_stages: 0,
            fare: 0,
        };
        for slab in &self.slabs {
            if slab.up_to_stages <= previous.up_to_stages || slab.fare < previous.fare {
                return Err(FareError::InvalidSlabs);
            }
            previous = *slab;
        }
        if previous.up_to_stages < stages {
            return Err(FareError::SlabsTooShort);
        }
        Ok(())
    }

    /// The fare of the first slab reaching `stages`.
    pub fn slab_fare(&self, stages: u32) -> Option<u128> {
        if stages == 0 {
            return None;
        }
        self.slabs
            .iter()
            .find(|s| s.up_to_stages >= stages)
            .map(|s| s.fare)
    }

    /// The exact fare of `stages`: interpolated between the slab points around it.
    pub fn exact_fare(&self, stages: u32) -> Option<u128> {
        if stages == 0 {
            return None;
        }
        let mut lower = Slab {
            up_to_stages: 0,
            fare: 0,
        };
        for upper in &self.slabs {
            if upper.up_to_stages >= stages {
                let span = u128::from(upper.up_to_stages.saturating_sub(lower.up_to_stages));
                let ridden = u128::from(stages.saturating_sub(lower.up_to_stages));
                let rise = upper.fare.saturating_sub(lower.fare);
                let extra = rise.saturating_mul(ridden).checked_div(span).unwrap_or(0);
                return Some(lower.fare.saturating_add(extra));
            }
            lower = *upper;
        }
        None
    }
}

/// An operator's route: its stops in order and its fare rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Route {
    pub operator: AccountId,
    /// Stop names, in order (2 to `MAX_STOPS`).
    pub stops: Vec<Vec<u8>>,
    pub rule: FareRule,
    /// Kept from a refund (for the operator) when a ticket is cancelled within
    /// `cancel_cutoff_ms` of departure.
    pub cancel_fee_bps: u32,
    pub cancel_cutoff_ms: u64,
}

impl Route {
    /// Stages between the first and the last stop.
    pub fn stages(&self) -> u32 {
        u32::try_from(self.stops.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum TripState {
    Scheduled,
    /// Cancelled by the operator: each ticket's rider claims its fare back
    /// (`claim_refund`).
    Cancelled,
}

/// One departure of a route, with its load per segment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Trip {
    pub route: u64,
    pub departure_ms: TimestampMs,
    pub capacity: u32,
    pub state: TripState,
    /// Passengers on each segment (stop i to stop i + 1): booked tickets and completed
    /// tap-in/tap-out rides.
    pub segment_load: Vec<u32>,
    /// Sum over passengers of the stages they ride: the load factor's numerator.
    pub passenger_stages: u64,
    /// Tickets ever booked on the trip (cancelled ones included).
    pub tickets: u32,
    /// The fares this contract holds for the trip's tickets (M-2: refunds come from here,
    /// not from the operator's allowance); paid to the operator after departure.
    pub escrow: u128,
    /// Whether `release_fares` paid the escrow to the operator.
    pub released: bool,
}

impl Trip {
    /// Passenger-stages over seat-stages, in basis points.
    pub fn load_factor_bps(&self) -> u32 {
        let seat_stages = u64::from(self.capacity)
            .saturating_mul(u64::try_from(self.segment_load.len()).unwrap_or(u64::MAX));
        u32::try_from(
            self.passenger_stages
                .saturating_mul(u64::from(BPS))
                .checked_div(seat_stages)
                .unwrap_or(0),
        )
        .unwrap_or(u32::MAX)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum TicketState {
    Booked,
    /// A validator marked it used.
    Boarded,
    /// The rider cancelled before departure.
    Cancelled,
    /// The operator cancelled the trip and the rider claimed its fare back.
    Refunded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Ticket {
    pub trip: u64,
    /// The rider's pseudonym for this ticket ([`RideScope::Ticket`]).
    pub rider_tag: Hash32,
    /// Stop indexes on the route, `board < alight`.
    pub board: u32,
    pub alight: u32,
    /// The exact fare paid.
    pub fare: u128,
    pub state: TicketState,
}

/// The exact and the slab fare of a ride, and what the rider saves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct FareQuote {
    pub stages: u32,
    pub exact: u128,
    pub slab: u128,
}

/// What a transit validator reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum ValidatorAction {
    /// A ticket holder boarded: the ticket is used.
    Board { ticket: u64 },
    /// A rider without a ticket tapped in at `stop` of `trip`.
    TapIn {
        rider: AccountId,
        trip: u64,
        stop: u32,
    },
    /// The rider tapped out at `stop`: charged the exact fare.
    TapOut {
        rider: AccountId,
        trip: u64,
        stop: u32,
    },
}

/// A validator's report, bound to one deployment by the signature's preimage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct ValidatorEvent {
    pub validator: DeviceId,
    /// 1, 2, 3... per validator: each event is taken only after the one before it (the
    /// replay and reordering guard).
    pub seq: u64,
    pub at_ms: TimestampMs,
    pub action: ValidatorAction,
}

/// A validator event with the validator's 65-byte recoverable secp256k1 signature over
/// the blake2-256 of [`validator_preimage`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct SignedValidatorEvent {
    pub event: ValidatorEvent,
    pub signature: [u8; 65],
}

/// `VALIDATOR_DOMAIN ++ fare contract ++ chain ++ SCALE(event)`, the domain written raw.
pub fn validator_preimage<'a>(
    fares: &'a Deployment,
    event: &'a ValidatorEvent,
) -> SignedPayload<'a, &'a ValidatorEvent> {
    SignedPayload::new(VALIDATOR_DOMAIN, fares, event)
}

/// What an accepted validator event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum ValidatorOutcome {
    Boarded {
        ticket: u64,
    },
    TappedIn,
    /// Tapped out and charged the exact fare; `paid` is false when the rider's allowance
    /// or balance was short and the fare was recorded as owed.
    TappedOut {
        stages: u32,
        fare: u128,
        paid: bool,
    },
    /// The event was authentic and next in the validator's sequence, but does not fit the
    /// trip, ticket or rider: its sequence is used, nothing else changes (M-6: one event
    /// that cannot apply must not hold up the validator's next).
    Refused {
        reason: ValidatorRefusal,
    },
}

/// Why an authentic validator event did nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum ValidatorRefusal {
    TicketNotFound,
    /// The ticket was used, cancelled or refunded already.
    TicketClosed,
    /// A Board event before the boarding window opened.
    NotBoardingYet,
    TripNotFound,
    TripCancelled,
    /// The route's operator no longer holds the operator role.
    OperatorRevoked,
    /// The validator is not its route's operator's.
    NotRouteOperator,
    /// The rider owes a debt here (a tap-in).
    Debtor,
    /// A stop not on the route.
    BadStops,
    AlreadyTappedIn,
    /// A tap-out without a tap-in on this trip, or at a stop not after it.
    NoTapIn,
    /// The rider's spending cap for the operator does not cover the ride (a tap-in).
    NotAuthorized,
}

impl ValidatorRefusal {
    /// The refusal an error of an authentic event's effect stands for; `None` for an
    /// error that fails the whole call (a pause, a token outage: the event is submitted
    /// again later).
    pub fn of(error: &FareError) -> Option<Self> {
        Some(match error {
            FareError::TicketNotFound => Self::TicketNotFound,
            FareError::TicketClosed => Self::TicketClosed,
            FareError::NotBoardingYet => Self::NotBoardingYet,
            FareError::TripNotFound => Self::TripNotFound,
            FareError::TripCancelled => Self::TripCancelled,
            FareError::OperatorRevoked => Self::OperatorRevoked,
            FareError::NotRouteOperator => Self::NotRouteOperator,
            FareError::Debtor => Self::Debtor,
            FareError::BadStops => Self::BadStops,
            FareError::AlreadyTappedIn => Self::AlreadyTappedIn,
            FareError::NoTapIn => Self::NoTapIn,
            FareError::NotAuthorized => Self::NotAuthorized,
            _ => return None,
        })
    }
}

impl From<crate::sequence::SequenceRefusal> for FareError {
    fn from(refusal: crate::sequence::SequenceRefusal) -> Self {
        match refusal {
            crate::sequence::SequenceRefusal::Stale => Self::StaleSeq,
            crate::sequence::SequenceRefusal::Gap => Self::SequenceGap,
            crate::sequence::SequenceRefusal::BadTime => Self::BadEventTime,
        }
    }
}

/// Every refusal of the fare contract's messages (a whole call fails, nothing changes).
#[derive(Debug, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum FareError {
    NotAdmin,
    NotPendingAdmin,
    /// The caller is not an operator (a role the admin grants).
    NotOperator,
    /// The operator role is already as asked.
    RoleUnchanged,
    /// Fewer than 2 or more than `MAX_STOPS` stops, or a name empty or too long.
    InvalidStops,
    /// No slab, more than `MAX_SLABS`, stages not increasing or fares decreasing.
    InvalidSlabs,
    /// The last slab does not reach the route's length.
    SlabsTooShort,
    /// A cancel fee above 100 %.
    InvalidFee,
    RouteNotFound,
    NotRouteOperator,
    /// A capacity of zero or above `MAX_CAPACITY`.
    InvalidCapacity,
    /// A departure in the past.
    DepartureInPast,
    TripNotFound,
    /// The operator cancelled the trip.
    TripCancelled,
    /// The trip has left: no booking, no cancellation.
    Departed,
    /// Board and alight are not two stops of the route in travel order.
    BadStops,
    /// A segment between board and alight is full.
    SegmentFull,
    /// The rider is not an active citizen.
    NotACitizen,
    TicketNotFound,
    NotRider,
    /// The ticket was used, cancelled or refunded already.
    TicketClosed,
    PageTooLarge,
    /// The registry does not know the validator, or it is not a commissioned, active
    /// TransitValidator of the route's operator.
    ValidatorNotUsable,
    /// The signature does not recover to the validator's key for this deployment.
    BadSignature,
    /// A sequence number not above the validator's last one (a replay).
    StaleSeq,
    /// A sequence number beyond the validator's next: its earlier events come first (M-6).
    SequenceGap,
    /// The event's time is in the future or before the validator's previous event.
    BadEventTime,
    /// The rider has tapped in on this trip already.
    AlreadyTappedIn,
    /// A tap-out without a tap-in on this trip, or at a stop not after it.
    NoTapIn,
    /// The token refused a payment (allowance, balance, gating).
    Payment(PSP22Error),
    TokenCallFailed,
    Registry(RegistryError),
    RegistryCallFailed,
    /// The route's operator no longer holds the operator role: its trips sell no tickets
    /// and its validators charge nothing.
    OperatorRevoked,
    /// Boarding has opened (`BOARDING_WINDOW_MS` before departure): too late to cancel.
    BoardingOpen,
    /// A Board event before the boarding window opened.
    NotBoardingYet,
    /// The rider owes a debt here: no new tickets or tap-ins until it is repaid (M-3).
    Debtor,
    /// The caller owes that creditor nothing.
    NothingOwed,
    /// A repayment of zero.
    ZeroAmount,
    /// The admin paused new routes, trips, tickets and tap-ins (I-5).
    Paused,
    /// The contract is already in the requested pause state.
    PauseUnchanged,
    /// A trip's fares are released to the operator only after its departure.
    NotDeparted,
    /// The trip's fares were released already.
    FaresReleased,
    /// The ticket has no refund waiting: its trip is not cancelled, or it was cancelled
    /// or refunded already.
    NoRefundOwed,
    /// The rider holds `MAX_TICKETS_PER_RIDER` open tickets on this trip.
    TooManyTickets,
    /// The rider's spending cap for the route's operator does not cover the dearest ride
    /// from the tap-in stop (M-5: a rider is charged only what it authorized).
    NotAuthorized,
    /// The registry knows no account that acts now for that account's citizen: it was
    /// never moved to a new account (M-3).
    NoSuccessor,
    /// The caller is not the account that acts now for the rider's citizen.
    NotSuccessor,
}

impl From<crate::debt::RepayRefusal> for FareError {
    fn from(refusal: crate::debt::RepayRefusal) -> Self {
        match refusal {
            crate::debt::RepayRefusal::ZeroAmount => Self::ZeroAmount,
            crate::debt::RepayRefusal::NothingOwed => Self::NothingOwed,
        }
    }
}

impl From<crate::admin::AdminRefusal> for FareError {
    fn from(refusal: crate::admin::AdminRefusal) -> Self {
        match refusal {
            crate::admin::AdminRefusal::NotAdmin => Self::NotAdmin,
            crate::admin::AdminRefusal::NotPendingAdmin => Self::NotPendingAdmin,
        }
    }
}

impl From<RegistryError> for FareError {
    fn from(error: RegistryError) -> Self {
        Self::Registry(error)
    }
}

/// Events of the fare contract: one for every booking, cancellation and boarding, so
/// off-chain planning can rebuild each trip's load.
pub mod events;

impl From<crate::calls::CallError<PSP22Error>> for FareError {
    /// The token refused (`Payment`), or could not be called or dispatched
    /// (`TokenCallFailed`).
    fn from(error: crate::calls::CallError<PSP22Error>) -> Self {
        match error {
            crate::calls::CallError::Callee(refused) => Self::Payment(refused),
            _ => Self::TokenCallFailed,
        }
    }
}

impl From<crate::calls::CallError<RegistryError>> for FareError {
    /// The registry refused (`Registry`), or could not be called or dispatched
    /// (`RegistryCallFailed`).
    fn from(error: crate::calls::CallError<RegistryError>) -> Self {
        match error {
            crate::calls::CallError::Callee(refused) => Self::Registry(refused),
            _ => Self::RegistryCallFailed,
        }
    }
}
