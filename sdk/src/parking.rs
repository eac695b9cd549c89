//! Typed client of the parking rental, and a parking sensor simulator that signs arrival
//! and departure events the way a real sensor does.

use crate::contract::contract_client;
use crate::{
    contract::{contract_events, messages, ClientError, Receipt},
    keys::DeviceSigner,
};
use interfaces::{
    parking::{
        events as ev, sensor_preimage, Booking, Holding, ParkingConfig, ParkingError, SensorEvent,
        SensorKind, SensorOutcome, SignedSensorEvent, Space, SpaceTerms, Violation,
    },
    AccountId, Deployment, DeviceId, DeviceKey, TimestampMs,
};
use scale::Encode;

pub type ParkingResult<T> = Result<Receipt<T>, ClientError<ParkingError>>;

contract_client!(
    /// The parking rental at `handle.address`, wired to a registry and a token.
    ParkingClient,
    ParkingError,
    signed,
    deploy = new(registry: AccountId, token: AccountId, config: ParkingConfig)
);

impl ParkingClient {
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
        tx ParkingError, take_over(from: AccountId, holding: Holding) -> ();
        tx ParkingError, move_debt(from: AccountId) -> ();
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
        TakenOver,
        DebtMoved,
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

    /// The id this sensor reports for a car that presents no vehicle id, known only by the
    /// plate its camera read (M-10): `blake2-256(key ++ plate ++ UTC day of at_ms)`, keyed
    /// with a key derived from the sensor's secret. The registry knows no such id, so the
    /// stay is the space owner's violation; the plate never leaves the sensor, nobody
    /// without the sensor's key can try plates against the id, and the id changes every
    /// day. The owner, whose sensor it is, can check a plate.
    pub fn unregistered(&self, plate: &str, at_ms: TimestampMs) -> DeviceId {
        let key = self.signer.derived_key(b"smartcity/plate-key/v1");
        let day = at_ms / (24 * 3_600_000);
        let mut material = Vec::with_capacity(32 + plate.len() + 8);
        material.extend_from_slice(&key);
        material.extend_from_slice(plate.as_bytes());
        material.extend_from_slice(&day.to_le_bytes());
        crate::blake2_256(&material)
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
        let preimage = sensor_preimage(&self.parking, &event).encode();
        SignedSensorEvent {
            signature: self.signer.sign_digest(&crate::blake2_256(&preimage)),
            event,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sensor(seed: &str) -> SensorSimulator {
        let parking = Deployment {
            contract: AccountId::from([5; 32]),
            chain: [9; 32],
        };
        SensorSimulator::new([1; 32], DeviceSigner::from_seed(seed), parking)
    }

    /// M-10: an unregistered car's id is keyed by the sensor and changes every day, so
    /// neither a plate nor one car's days can be found from it without the sensor's key.
    #[test]
    fn an_unregistered_plate_is_reported_by_a_keyed_id_that_changes_daily() {
        const DAY: u64 = 24 * 3_600_000;
        let (shop, other) = (sensor("shop/sensor"), sensor("other/sensor"));
        let morning = 20_000 * DAY + 9 * 3_600_000;
        let id = shop.unregistered("KA-01-X-9999", morning);
        // the same car the same day: one id, which the shop's own sensor computes again
        assert_eq!(id, shop.unregistered("KA-01-X-9999", morning + 3_600_000));
        // another day, another sensor, another plate: another id
        assert_ne!(id, shop.unregistered("KA-01-X-9999", morning + DAY));
        assert_ne!(id, other.unregistered("KA-01-X-9999", morning));
        assert_ne!(id, shop.unregistered("KA-01-X-9998", morning));
        // nothing derived from the plate alone
        assert_ne!(id, crate::device_id("plate/KA-01-X-9999"));
        assert_ne!(id, crate::blake2_256(b"KA-01-X-9999"));
    }
}
