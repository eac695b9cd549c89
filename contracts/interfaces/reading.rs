//! The signed meter reading (DESIGN 4.1), shared by the meters' signing side (client,
//! relay) and the energy market that verifies it.

use crate::{AccountId, DeviceId, EnergySource, TimestampMs};
use alloc::vec::Vec;
use scale::{Encode, Output};

/// What a bi-directional meter (or an EV charger) measured over one period.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct MeterReading {
    /// The meter, or the EV charger.
    pub device: DeviceId,
    /// Strictly increasing per device: the replay and double-billing guard.
    pub seq: u64,
    pub period_start: TimestampMs,
    /// Must be after `period_start`.
    pub period_end: TimestampMs,
    /// Energy to the grid in the period.
    pub exported_wh: u64,
    /// Energy from the grid in the period.
    pub imported_wh: u64,
    pub source: EnergySource,
    /// V2G: the registered vehicle that exported through this charger.
    pub vehicle: Option<DeviceId>,
}

/// A reading with the device's 65-byte recoverable secp256k1 signature (r ++ s ++ v) over
/// [`reading_digest_preimage`] hashed with blake2-256.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct SignedReading {
    pub reading: MeterReading,
    pub signature: [u8; 65],
}

/// Domain of a meter reading signature.
pub const READING_DOMAIN: &[u8] = b"smartcity/meter-reading/v1";

/// `READING_DOMAIN ++ market ++ SCALE(reading)`: its blake2-256 is what the device signs.
/// Binding the market's account id stops a reading from being replayed on another deployment.
///
/// A value whose SCALE encoding is the preimage (the domain written raw, without a length
/// prefix), so the contract hashes it with `ink::env::hash_encoded` straight from ink!'s
/// buffer, without building a `Vec` per reading.
#[derive(Debug, Clone, Copy)]
pub struct ReadingPreimage<'a> {
    pub market: &'a AccountId,
    pub reading: &'a MeterReading,
}

impl Encode for ReadingPreimage<'_> {
    fn size_hint(&self) -> usize {
        READING_DOMAIN
            .len()
            .saturating_add(32)
            .saturating_add(self.reading.size_hint())
    }

    fn encode_to<T: Output + ?Sized>(&self, dest: &mut T) {
        dest.write(READING_DOMAIN);
        dest.write(self.market.as_ref());
        self.reading.encode_to(dest);
    }
}

/// The preimage's bytes (what the signing side hashes).
pub fn reading_digest_preimage(market: &AccountId, reading: &MeterReading) -> Vec<u8> {
    ReadingPreimage { market, reading }.encode()
}
