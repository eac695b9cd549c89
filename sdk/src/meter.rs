//! A meter simulator: keeps its device key and sequence and signs readings the way a real
//! bi-directional meter (or EV charger) does, for integrators and tests.

use crate::keys::DeviceSigner;
use interfaces::{
    reading::{reading_digest_preimage, MeterReading, SignedReading},
    AccountId, DeviceId, DeviceKey, EnergySource, TimestampMs,
};

/// A simulated meter bound to one energy market deployment.
#[derive(Debug, Clone)]
pub struct MeterSimulator {
    pub device: DeviceId,
    signer: DeviceSigner,
    /// The market whose account id every signature is bound to.
    pub market: AccountId,
    /// The last sequence number signed; the next reading gets `seq + 1`.
    pub seq: u64,
    pub source: EnergySource,
}

impl MeterSimulator {
    pub fn new(
        device: DeviceId,
        signer: DeviceSigner,
        market: AccountId,
        source: EnergySource,
    ) -> Self {
        Self {
            device,
            signer,
            market,
            seq: 0,
            source,
        }
    }

    /// The key to register in the identity registry.
    pub fn public_key(&self) -> DeviceKey {
        self.signer.public_key()
    }

    /// Signs the next reading: exported and imported Wh over `[start, end)`.
    pub fn read(
        &mut self,
        period_start: TimestampMs,
        period_end: TimestampMs,
        exported_wh: u64,
        imported_wh: u64,
    ) -> SignedReading {
        self.seq += 1;
        self.sign(MeterReading {
            device: self.device,
            seq: self.seq,
            period_start,
            period_end,
            exported_wh,
            imported_wh,
            source: self.source,
            vehicle: None,
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use scale::Encode;
    use secp256k1::{ecdsa::RecoverableSignature, ecdsa::RecoveryId, Message, SECP256K1};

    fn recover(signed: &SignedReading, market: &AccountId) -> [u8; 33] {
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
        let market = AccountId::from([5; 32]);
        let mut meter = MeterSimulator::new(
            [1; 32],
            DeviceSigner::from_seed("m"),
            market,
            EnergySource::Solar,
        );
        let first = meter.read(0, 900_000, 1_200, 300);
        let second = meter.read(900_000, 1_800_000, 800, 0);
        assert_eq!((first.reading.seq, second.reading.seq), (1, 2));
        assert_eq!(recover(&first, &market), meter.public_key());
        assert_ne!(
            recover(&first, &AccountId::from([6; 32])),
            meter.public_key()
        );
    }

    #[test]
    fn digest_preimage_is_domain_market_then_scale_reading() {
        let market = AccountId::from([5; 32]);
        let reading = MeterReading {
            device: [1; 32],
            seq: 7,
            period_start: 1,
            period_end: 2,
            exported_wh: 3,
            imported_wh: 4,
            source: EnergySource::Wind,
            vehicle: Some([2; 32]),
        };
        let preimage = reading_digest_preimage(&market, &reading);
        assert_eq!(&preimage[..26], b"smartcity/meter-reading/v1");
        assert_eq!(&preimage[26..58], &[5; 32]);
        assert_eq!(&preimage[58..], &reading.encode()[..]);
    }
}
