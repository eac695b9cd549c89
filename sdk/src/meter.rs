//! A meter simulator: keeps its device key, sequence and cumulative registers and signs
//! register readings the way a real bi-directional meter (or EV charger) does, for
//! integrators and tests; and a vehicle's co-signature of a V2G charging session.

use crate::keys::DeviceSigner;
use interfaces::{
    reading::{
        reading_digest_preimage, session_preimage, MeterReading, SignedReading, VehicleSession,
    },
    Deployment, DeviceId, DeviceKey, DeviceKind, EnergyProfile, EnergySource, TimestampMs,
};
use scale::Encode;

/// A simulated meter bound to one energy market deployment.
#[derive(Debug, Clone)]
pub struct MeterSimulator {
    pub device: DeviceId,
    signer: DeviceSigner,
    /// The market (on its chain) every signature is bound to.
    pub market: Deployment,
    /// The last sequence number signed; the next reading gets `seq + 1`.
    pub seq: u64,
    /// What its operator commissions it with (a reading names no source).
    pub source: EnergySource,
    /// The import register: Wh drawn from the grid since installation.
    pub import_wh_total: u64,
    /// The export register: Wh delivered to the grid since installation.
    pub export_wh_total: u64,
}

impl MeterSimulator {
    pub fn new(
        device: DeviceId,
        signer: DeviceSigner,
        market: Deployment,
        source: EnergySource,
    ) -> Self {
        Self {
            device,
            signer,
            market,
            seq: 0,
            source,
            import_wh_total: 0,
            export_wh_total: 0,
        }
    }

    /// The key to register in the identity registry.
    pub fn public_key(&self) -> DeviceKey {
        self.signer.public_key()
    }

    /// The kind to register it as: an EV charger exports vehicles' energy, a meter the rest.
    pub fn kind(&self) -> DeviceKind {
        if self.source == EnergySource::Vehicle {
            DeviceKind::EvCharger
        } else {
            DeviceKind::Meter
        }
    }

    /// The profile an operator commissions it with (the market's default rating).
    pub fn profile(&self) -> EnergyProfile {
        EnergyProfile {
            source: self.source,
            rated_w: 0,
        }
    }

    /// Advances the registers by `imported_wh` and `exported_wh` and signs the next reading,
    /// taken at `at_ms`.
    pub fn read(
        &mut self,
        at_ms: TimestampMs,
        imported_wh: u64,
        exported_wh: u64,
    ) -> SignedReading {
        self.import_wh_total = self.import_wh_total.saturating_add(imported_wh);
        self.export_wh_total = self.export_wh_total.saturating_add(exported_wh);
        self.seq += 1;
        self.sign(MeterReading {
            device: self.device,
            seq: self.seq,
            at_ms,
            import_wh_total: self.import_wh_total,
            export_wh_total: self.export_wh_total,
            vehicle: None,
        })
    }

    /// Signs the next reading at `at_ms` as a charger's plug-out, with the vehicle's
    /// session (see [`co_sign_session`]); the registers advance as in [`Self::read`].
    pub fn read_session(
        &mut self,
        at_ms: TimestampMs,
        imported_wh: u64,
        exported_wh: u64,
        session: VehicleSession,
    ) -> SignedReading {
        let mut signed = self.read(at_ms, imported_wh, exported_wh);
        signed.reading.vehicle = Some(Box::new(session));
        self.sign(signed.reading)
    }

    /// Signs any reading as this meter (tests use it to forge and replay).
    pub fn sign(&self, reading: MeterReading) -> SignedReading {
        let digest = crate::blake2_256(&reading_digest_preimage(&self.market, &reading));
        SignedReading {
            signature: self.signer.sign_digest(&digest),
            reading,
        }
    }
}

/// A vehicle's co-signature of its charging session at `charger` from `plugged_in_ms` (the
/// charger's previous reading) to `plugged_out_ms` (the reading that carries it).
pub fn co_sign_session(
    vehicle_signer: &DeviceSigner,
    market: &Deployment,
    charger: &DeviceId,
    vehicle: DeviceId,
    plugged_in_ms: TimestampMs,
    plugged_out_ms: TimestampMs,
) -> VehicleSession {
    let preimage =
        session_preimage(market, charger, &vehicle, plugged_in_ms, plugged_out_ms).encode();
    VehicleSession {
        vehicle,
        plugged_in_ms,
        signature: vehicle_signer.sign_digest(&crate::blake2_256(&preimage)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secp256k1::{ecdsa::RecoverableSignature, ecdsa::RecoveryId, Message, SECP256K1};

    fn market(contract: u8, chain: u8) -> Deployment {
        Deployment {
            contract: [contract; 32].into(),
            chain: [chain; 32],
        }
    }

    fn recover(signed: &SignedReading, market: &Deployment) -> [u8; 33] {
        let digest = crate::blake2_256(&reading_digest_preimage(market, &signed.reading));
        let id = RecoveryId::from_i32(i32::from(signed.signature[64])).unwrap();
        let signature = RecoverableSignature::from_compact(&signed.signature[..64], id).unwrap();
        SECP256K1
            .recover_ecdsa(&Message::from_digest(digest), &signature)
            .unwrap()
            .serialize()
    }

    #[test]
    fn readings_are_sequenced_and_recover_to_the_device_key_for_this_market_only() {
        let market = market(5, 9);
        let mut meter = MeterSimulator::new(
            [1; 32],
            DeviceSigner::from_seed("m"),
            market,
            EnergySource::Solar,
        );
        let first = meter.read(900_000, 300, 1_200);
        let second = meter.read(1_800_000, 0, 800);
        assert_eq!((first.reading.seq, second.reading.seq), (1, 2));
        let registers = |r: &SignedReading| (r.reading.import_wh_total, r.reading.export_wh_total);
        assert_eq!(
            (registers(&first), registers(&second)),
            ((300, 1_200), (300, 2_000))
        );
        assert_eq!(recover(&first, &market), meter.public_key());
        // another market on this chain, or this market's address on another chain
        assert_ne!(recover(&first, &self::market(6, 9)), meter.public_key());
        assert_ne!(recover(&first, &self::market(5, 8)), meter.public_key());
    }

    #[test]
    fn digest_preimage_is_domain_market_chain_then_scale_reading() {
        let market = market(5, 9);
        let reading = MeterReading {
            device: [1; 32],
            seq: 7,
            at_ms: 2,
            import_wh_total: 4,
            export_wh_total: 3,
            vehicle: None,
        };
        let preimage = reading_digest_preimage(&market, &reading);
        assert_eq!(&preimage[..26], b"smartcity/meter-reading/v3");
        assert_eq!(&preimage[26..58], &[5; 32]);
        assert_eq!(&preimage[58..90], &[9; 32]);
        assert_eq!(&preimage[90..], &reading.encode()[..]);
    }
}
