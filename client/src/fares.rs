//! Typed client of the fare contract, and a transit validator simulator that signs
//! boardings and tap-in/tap-out events the way a real validator does.

use crate::{
    chain::{Chain, ContractEvent},
    contract::{decode_event, selector, ClientError, ContractHandle, Receipt},
    keys::DeviceSigner,
};
use interfaces::{
    fares::{
        events as ev, FareError, FareQuote, FareRule, Route, SignedValidatorEvent, Ticket, Trip,
        ValidatorAction, ValidatorEvent, ValidatorOutcome, ValidatorPreimage,
    },
    AccountId, DeviceId, DeviceKey, TimestampMs,
};
use scale::Encode;

pub type FareResult<T> = Result<Receipt<T>, ClientError<FareError>>;

/// The fare contract at `handle.address`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FareClient {
    pub handle: ContractHandle,
}

/// A state-changing message: `name(signer, args...) -> FareResult<ret>`.
macro_rules! tx {
    ($name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty) => {
        pub fn $name<C: Chain>(&self, chain: &mut C, signer: AccountId $(, $arg: $ty)*) -> FareResult<$ret> {
            self.handle.call(chain, signer, selector(stringify!($name)), ($($arg,)*))
        }
    };
}

/// A query returning a plain value.
macro_rules! read {
    ($name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty) => {
        pub fn $name<C: Chain>(&self, chain: &mut C $(, $arg: $ty)*) -> Result<$ret, ClientError<FareError>> {
            let reader = AccountId::from([0; 32]);
            self.handle.read(chain, reader, selector(stringify!($name)), ($($arg,)*)).map(|r| r.value)
        }
    };
}

/// A query returning `Result<ret, FareError>`.
macro_rules! read_fallible {
    ($name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty) => {
        pub fn $name<C: Chain>(&self, chain: &mut C $(, $arg: $ty)*) -> Result<$ret, ClientError<FareError>> {
            let reader = AccountId::from([0; 32]);
            self.handle.read_fallible(chain, reader, selector(stringify!($name)), ($($arg,)*)).map(|r| r.value)
        }
    };
}

impl FareClient {
    /// Deploys the fare contract wired to `registry` and `token`; `signer` becomes admin.
    pub fn deploy<C: Chain>(
        chain: &mut C,
        signer: AccountId,
        code: &[u8],
        registry: AccountId,
        token: AccountId,
        salt: Vec<u8>,
    ) -> FareResult<Self> {
        let receipt = ContractHandle::instantiate(
            chain,
            signer,
            code,
            selector("new"),
            (registry, token),
            salt,
        )?;
        Ok(receipt.map(|handle| Self { handle }))
    }

    pub fn at(address: AccountId) -> Self {
        Self {
            handle: ContractHandle { address },
        }
    }

    pub fn address(&self) -> AccountId {
        self.handle.address
    }

    tx!(set_operator(account: AccountId, operator: bool) -> ());
    tx!(add_route(stops: Vec<Vec<u8>>, rule: FareRule, cancel_fee_bps: u32, cancel_cutoff_ms: u64) -> u64);
    tx!(add_trip(route: u64, departure_ms: TimestampMs, capacity: u32) -> u64);
    tx!(cancel_trip(trip: u64) -> u32);
    tx!(refund_cancelled(trip: u64, limit: u32) -> u32);
    tx!(book_ticket(trip: u64, board: u32, alight: u32) -> u64);
    tx!(cancel_ticket(ticket: u64) -> u128);
    tx!(validate(signed: SignedValidatorEvent) -> ValidatorOutcome);

    read!(is_operator(account: AccountId) -> bool);
    read!(route(route: u64) -> Option<Route>);
    read!(trip(trip: u64) -> Option<Trip>);
    read!(ticket(ticket: u64) -> Option<Ticket>);
    read!(debt(account: AccountId) -> u128);
    read_fallible!(quote(route: u64, board: u32, alight: u32) -> FareQuote);
    read_fallible!(occupancy(trip: u64) -> (Vec<u32>, u32));
    read_fallible!(trip_tickets(trip: u64, from: u32, limit: u32) -> Vec<(u64, Ticket)>);
}

/// Every fare-contract event, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FareEvent {
    OperatorChanged(ev::OperatorChanged),
    RouteAdded(ev::RouteAdded),
    TripScheduled(ev::TripScheduled),
    TripCancelled(ev::TripCancelled),
    TicketBooked(ev::TicketBooked),
    TicketCancelled(ev::TicketCancelled),
    TicketRefunded(ev::TicketRefunded),
    TicketBoarded(ev::TicketBoarded),
    TappedIn(ev::TappedIn),
    TappedOut(ev::TappedOut),
}

/// The fare events among `events`, typed, in order (other contracts' skipped).
pub fn fare_events(fares: AccountId, events: &[ContractEvent]) -> Vec<FareEvent> {
    events
        .iter()
        .filter(|e| e.contract == fares)
        .filter_map(|event| {
            macro_rules! try_each {
                ($($variant:ident),*) => {
                    $(
                        if let Some(e) = decode_event::<ev::$variant>(event) {
                            return Some(FareEvent::$variant(e));
                        }
                    )*
                };
            }
            try_each!(
                OperatorChanged,
                RouteAdded,
                TripScheduled,
                TripCancelled,
                TicketBooked,
                TicketCancelled,
                TicketRefunded,
                TicketBoarded,
                TappedIn,
                TappedOut
            );
            None
        })
        .collect()
}

/// A simulated transit validator bound to one fare deployment: keeps its key and
/// sequence and signs what it sees.
#[derive(Debug, Clone)]
pub struct ValidatorSimulator {
    pub validator: DeviceId,
    signer: DeviceSigner,
    /// The fare contract whose account id every signature is bound to.
    pub fares: AccountId,
    /// The last sequence number signed; the next event gets `seq + 1`.
    pub seq: u64,
}

impl ValidatorSimulator {
    pub fn new(validator: DeviceId, signer: DeviceSigner, fares: AccountId) -> Self {
        Self {
            validator,
            signer,
            fares,
            seq: 0,
        }
    }

    /// The key to register in the identity registry.
    pub fn public_key(&self) -> DeviceKey {
        self.signer.public_key()
    }

    /// Signs the next event: `action` seen at `at_ms`.
    pub fn next(&mut self, action: ValidatorAction, at_ms: TimestampMs) -> SignedValidatorEvent {
        self.seq += 1;
        self.sign(ValidatorEvent {
            validator: self.validator,
            seq: self.seq,
            at_ms,
            action,
        })
    }

    /// Signs any event as this validator (tests use it to forge and replay).
    pub fn sign(&self, event: ValidatorEvent) -> SignedValidatorEvent {
        let preimage = ValidatorPreimage {
            fares: &self.fares,
            event: &event,
        }
        .encode();
        SignedValidatorEvent {
            signature: self.signer.sign_digest(&crate::blake2_256(&preimage)),
            event,
        }
    }
}
