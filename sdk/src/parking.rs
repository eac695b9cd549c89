//! Typed client of the parking rental, and a parking sensor simulator that signs arrival
//! and departure events the way a real sensor does.

use crate::{
    chain::Chain,
    contract::{contract_events, messages, selector, ClientError, ContractHandle, Receipt},
    keys::DeviceSigner,
};
use interfaces::{
    parking::{
        events as ev, Booking, ParkingConfig, ParkingError, SensorEvent, SensorKind, SensorOutcome,
        SensorPreimage, SignedSensorEvent, Space, SpaceTerms, Violation,
    },
    AccountId, Deployment, DeviceId, DeviceKey, TimestampMs,
};
use scale::Encode;

pub type ParkingResult<T> = Result<Receipt<T>, ClientError<ParkingError>>;

/// The parking rental at `handle.address`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParkingClient {
    pub handle: ContractHandle,
}

impl ParkingClient {
    /// Deploys the rental wired to `registry` and `token` on `chain` (its genesis hash);
    /// `signer` becomes admin.
    pub fn deploy<C: Chain>(
        chain: &mut C,
        signer: AccountId,
        code: &[u8],
        registry: AccountId,
        token: AccountId,
        config: ParkingConfig,
        salt: Vec<u8>,
    ) -> ParkingResult<Self> {
        let genesis = chain.genesis_hash();
        let receipt = ContractHandle::instantiate(
            chain,
            signer,
            code,
            selector("new"),
            (registry, token, config, genesis),
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

    /// This contract on its chain: what its signers bind (see [`ContractHandle::deployment`]).
    pub fn deployment<C: Chain>(
        &self,
        chain: &mut C,
    ) -> Result<Deployment, ClientError<ParkingError>> {
        self.handle.deployment(chain)
    }

    messages! {
        tx ParkingError, set_config(config: ParkingConfig) -> ();
        tx ParkingError, repay_debt(creditor: AccountId, amount: u128) -> u128;
        tx ParkingError, close_overdue(space: u64) -> SensorOutcome;
        tx ParkingError, rebind_sensor(space: u64, sensor: DeviceId) -> ();
        tx ParkingError, sweep_excess(to: AccountId) -> u128;
        tx ParkingError, set_paused(paused: bool) -> ();
        tx ParkingError, list_space(sensor: DeviceId, terms: SpaceTerms) -> u64;
        tx ParkingError, set_terms(space: u64, terms: SpaceTerms) -> ();
        tx ParkingError, delist(space: u64, refund: bool) -> u32;
        tx ParkingError, relist(space: u64) -> ();
        tx ParkingError, book(space: u64, vehicle: Option<DeviceId>, start_ms: TimestampMs, end_ms: TimestampMs) -> u64;
        tx ParkingError, cancel(booking: u64) -> u128;
        tx ParkingError, settle(booking: u64) -> ();
        tx ParkingError, report(signed: SignedSensorEvent) -> SensorOutcome;
        tx ParkingError, reset_sensor_sequence(sensor: DeviceId) -> ();
        tx ParkingError, set_spending_cap(owner: AccountId, cap: u128) -> ();
        tx ParkingError, claim_payout() -> u128;
        read ParkingError, config() -> ParkingConfig;
        read ParkingError, space(space: u64) -> Option<Space>;
        read ParkingError, space_of_sensor(sensor: DeviceId) -> Option<u64>;
        read ParkingError, booking(booking: u64) -> Option<Booking>;
        read ParkingError, escrow_total() -> u128;
        read ParkingError, debt(account: AccountId) -> u128;
        read ParkingError, spending_cap(payer: AccountId, owner: AccountId) -> u128;
        read ParkingError, payout_owed(account: AccountId) -> u128;
        read_fallible ParkingError, free_spaces(start_ms: TimestampMs, end_ms: TimestampMs, from_id: u64, limit: u32) -> (Vec<u64>, u64);
        read_fallible ParkingError, renter_bookings(renter: AccountId, from: u32, limit: u32) -> (Vec<(u64, Booking)>, u32);
        read_fallible ParkingError, violations(space: u64, from: u32, limit: u32) -> (Vec<Violation>, u32);
    }
}

contract_events!(
    /// Every parking-rental event, typed.
    ParkingEvent,
    parking_events,
    [
        SpaceListed,
        SpaceTermsChanged,
        SpaceDelisted,
        SpaceRelisted,
        Booked,
        BookingCancelled,
        CheckedIn,
        BookingSettled,
        SessionOpened,
        SessionClosed,
        ViolationRecorded,
        DebtRecorded,
        DebtRepaid,
        SensorRebound,
        ExcessSwept,
        ParkingConfigChanged,
        ParkingPauseChanged,
        SensorEventRefused,
        SensorSequenceReset,
        SpendingCapSet,
        PayoutOwed,
        PayoutClaimed,
    ]
);

/// A simulated parking sensor bound to one parking deployment: keeps its key and
/// sequence and signs what it sees.
#[derive(Debug, Clone)]
pub struct SensorSimulator {
    pub sensor: DeviceId,
    signer: DeviceSigner,
    /// The parking contract (on its chain) every signature is bound to.
    pub parking: Deployment,
    /// The last sequence number signed; the next event gets `seq + 1`.
    pub seq: u64,
}

impl SensorSimulator {
    pub fn new(sensor: DeviceId, signer: DeviceSigner, parking: Deployment) -> Self {
        Self {
            sensor,
            signer,
            parking,
            seq: 0,
        }
    }

    /// The key to register in the identity registry.
    pub fn public_key(&self) -> DeviceKey {
        self.signer.public_key()
    }

    /// Signs "`vehicle` arrived at `at_ms`".
    pub fn arrived(&mut self, vehicle: DeviceId, at_ms: TimestampMs) -> SignedSensorEvent {
        self.next(SensorKind::Arrived, vehicle, at_ms)
    }

    /// Signs "`vehicle` left at `at_ms`".
    pub fn left(&mut self, vehicle: DeviceId, at_ms: TimestampMs) -> SignedSensorEvent {
        self.next(SensorKind::Left, vehicle, at_ms)
    }

    fn next(
        &mut self,
        kind: SensorKind,
        vehicle: DeviceId,
        at_ms: TimestampMs,
    ) -> SignedSensorEvent {
        self.seq += 1;
        self.sign(SensorEvent {
            sensor: self.sensor,
            seq: self.seq,
            at_ms,
            kind,
            vehicle,
        })
    }

    /// Signs any event as this sensor (tests use it to forge and replay).
    pub fn sign(&self, event: SensorEvent) -> SignedSensorEvent {
        let preimage = SensorPreimage {
            parking: &self.parking,
            event: &event,
        }
        .encode();
        SignedSensorEvent {
            signature: self.signer.sign_digest(&crate::blake2_256(&preimage)),
            event,
        }
    }
}
