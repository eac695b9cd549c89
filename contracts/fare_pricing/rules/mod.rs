//! The fare contract's rules in plain Rust: routes and fare rules, trips and their segment
//! loads, tickets, cancellations and refunds, what a validator event does. Each method
//! takes the caller and the time explicitly; the registry's records and the recovered
//! signer come in as arguments, the payments go out for the shell to make.

use ink::{prelude::vec::Vec, storage::Mapping};
use interfaces::{
    admin::AdminSeat,
    admin_events::{AdminChanged, AdminTransferProposed},
    debt::{
        events::{DebtMoved, DebtRecorded, DebtRepaid},
        DebtBook, DebtCause,
    },
    fares::{
        events::{
            FarePauseChanged, FaresReleased, OperatorChanged, RouteAdded, TappedIn, TappedOut,
            TicketBoarded, TicketBooked, TicketCancelled, TicketRefunded, TicketTakenOver,
            TripCancelled, TripScheduled, ValidatorEventRefused, ValidatorSequenceReset,
        },
        rider_tag, FareError, FareQuote, FareRule, RideScope, Route, Ticket, TicketState, Trip,
        TripState, ValidatorAction, ValidatorEvent, ValidatorRefusal, BOARDING_WINDOW_MS, BPS,
        MAX_CAPACITY, MAX_PAGE, MAX_STOPS, MAX_STOP_NAME_LEN, MAX_TICKETS_PER_RIDER,
    },
    sequence,
    spending::{events::SpendingCapSet, SpendingCaps},
    AccountId, DeviceId, DeviceInfo, DeviceKey, DeviceKind, DeviceStatus, Hash32, TimestampMs,
};

/// A payment the shell makes with `transfer_from`: `from` pays `to` from its allowance to
/// this contract (riders pay operators; operators refund riders).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    pub from: AccountId,
    pub to: AccountId,
    pub amount: u128,
}

/// A tap-out to charge: who, the ride, and the exact fare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TapOut {
    /// Who pays (the validator's event names it; nothing stores it).
    pub rider: AccountId,
    /// The rider's pseudonym on the trip, for the event (M-10).
    pub rider_tag: Hash32,
    pub operator: AccountId,
    pub trip: u64,
    pub board: u32,
    pub alight: u32,
    pub fare: u128,
}

impl TapOut {
    /// The event of this ride, `paid` or recorded as owed.
    pub fn event(&self, paid: bool) -> TappedOut {
        TappedOut {
            trip: self.trip,
            rider_tag: self.rider_tag,
            board: self.board,
            alight: self.alight,
            fare: self.fare,
            paid,
        }
    }
}

/// What an authenticated validator event asks the shell to do, with the event to emit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validated {
    Boarded(TicketBoarded),
    TappedIn(TappedIn),
    /// To charge: the shell emits `TapOut::event` once it knows whether the fare was paid.
    TappedOut(TapOut),
    /// Authentic, but it did not fit: its sequence was used, nothing else changed.
    Refused(ValidatorEventRefused),
}

/// An open tap-in: the boarding stop, and the fare held on the rider's spending cap for
/// the operator (the dearest ride from that stop).
type TapIn = (u32, u128);

#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
pub struct Fares {
    admin: AdminSeat,
    paused: bool,
    operators: Mapping<AccountId, ()>,
    routes: Mapping<u64, Route>,
    next_route: u64,
    trips: Mapping<u64, Trip>,
    next_trip: u64,
    tickets: Mapping<u64, Ticket>,
    next_ticket: u64,
    /// Each trip's tickets in booking order (`trip_tickets`, the operator's manifest).
    trip_tickets: Mapping<(u64, u32), u64>,
    /// Open (booked, not cancelled or refunded) tickets by the rider's pseudonym on the
    /// trip ([`RideScope::Trip`], M-10: no account in storage).
    rider_tickets: Mapping<Hash32, u32>,
    /// Open tap-ins by the rider's pseudonym on the trip.
    tap_ins: Mapping<Hash32, TapIn>,
    /// Each validator's last accepted (sequence, event time).
    validator_last: Mapping<DeviceId, (u64, TimestampMs)>,
    /// Tap-out fares riders could not pay: owed to operators.
    debts: DebtBook,
    /// What each rider lets each operator's validators charge it (M-5).
    caps: SpendingCaps,
}

impl Fares {
    pub fn new(admin: AccountId) -> Self {
        Self {
            admin: AdminSeat::new(admin),
            paused: false,
            operators: Mapping::default(),
            routes: Mapping::default(),
            next_route: 0,
            trips: Mapping::default(),
            next_trip: 0,
            tickets: Mapping::default(),
            next_ticket: 0,
            trip_tickets: Mapping::default(),
            rider_tickets: Mapping::default(),
            tap_ins: Mapping::default(),
            validator_last: Mapping::default(),
            debts: DebtBook::default(),
            caps: SpendingCaps::default(),
        }
    }

    // ----- admin and operators -------------------------------------------------------------

    pub fn admin(&self) -> AccountId {
        self.admin.admin()
    }

    pub fn propose_admin(
        &mut self,
        caller: AccountId,
        proposed: AccountId,
    ) -> Result<AdminTransferProposed, FareError> {
        Ok(self.admin.propose(caller, proposed)?)
    }

    pub fn accept_admin(&mut self, caller: AccountId) -> Result<AdminChanged, FareError> {
        Ok(self.admin.accept(caller)?)
    }

    /// The admin stops (`true`) or resumes new routes, trips, tickets and tap-ins;
    /// cancellations, refunds, boardings and tap-outs go on, so nobody is left stuck.
    pub fn set_paused(
        &mut self,
        caller: AccountId,
        paused: bool,
    ) -> Result<FarePauseChanged, FareError> {
        self.admin.ensure_admin(caller)?;
        if self.paused == paused {
            return Err(FareError::PauseUnchanged);
        }
        self.paused = paused;
        Ok(FarePauseChanged { paused })
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    fn ensure_running(&self) -> Result<(), FareError> {
        if self.paused {
            Err(FareError::Paused)
        } else {
            Ok(())
        }
    }

    /// The admin grants (`true`) or revokes the operator role.
    pub fn set_operator(
        &mut self,
        caller: AccountId,
        account: AccountId,
        operator: bool,
    ) -> Result<OperatorChanged, FareError> {
        self.admin.ensure_admin(caller)?;
        if self.is_operator(account) == operator {
            return Err(FareError::RoleUnchanged);
        }
        if operator {
            self.operators.insert(account, &());
        } else {
            self.operators.remove(account);
        }
        Ok(OperatorChanged { account, operator })
    }

    pub fn is_operator(&self, account: AccountId) -> bool {
        self.operators.contains(account)
    }
}

/// `trip` with a completed ride from `board` to `alight` added to its loads.
fn trip_with_ride(
    trip: Option<Trip>,
    board: u32,
    alight: u32,
    stages: u32,
) -> Result<Trip, FareError> {
    let mut trip = trip.ok_or(FareError::TripNotFound)?;
    for load in &mut trip.segment_load[(board as usize)..(alight as usize)] {
        *load = load.saturating_add(1);
    }
    trip.passenger_stages = trip.passenger_stages.saturating_add(u64::from(stages));
    Ok(trip)
}

/// The exact and slab fare of stops `board` to `alight` of `route`.
pub fn quote(route: &Route, board: u32, alight: u32) -> Result<FareQuote, FareError> {
    if board >= alight || alight > route.stages() {
        return Err(FareError::BadStops);
    }
    let stages = alight.saturating_sub(board);
    let exact = route.rule.exact_fare(stages).ok_or(FareError::BadStops)?;
    let slab = route.rule.slab_fare(stages).ok_or(FareError::BadStops)?;
    Ok(FareQuote {
        stages,
        exact,
        slab,
    })
}

mod tickets;
mod trips;
mod validators;

// `#[ink::test]` only because `Mapping` needs ink!'s off-chain storage engine.
#[cfg(test)]
mod tests;
