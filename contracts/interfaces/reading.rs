//! The signed meter reading (DESIGN 4.1), shared by the meters' signing side (client,
//! relay) and the energy market that verifies it.

use crate::{signed::SignedPayload, Deployment, DeviceId, TimestampMs};
use alloc::{boxed::Box, vec::Vec};
use scale::{Compact, Decode, Encode, Input, Output};

/// What a bi-directional meter (or an EV charger) reads from its cumulative registers.
///
/// The registers count energy since installation and never go down, so the market credits
/// and bills the **difference** from the device's last accepted reading: a reading that is
/// lost, withheld or submitted out of order loses nothing, the next one carries its energy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct MeterReading {
    /// The meter, or the EV charger.
    pub device: DeviceId,
    /// Strictly increasing per device (gaps allowed): the replay guard.
    pub seq: u64,
    /// When the registers were read (the device's clock, UTC).
    pub at_ms: TimestampMs,
    /// Energy drawn from the grid since installation, in Wh.
    pub import_wh_total: u64,
    /// Energy delivered to the grid since installation, in Wh.
    pub export_wh_total: u64,
    /// V2G, on an EV charger's plug-out reading: the vehicle that was plugged in since the
    /// charger's previous reading, with its co-signature. The difference is then the
    /// vehicle owner's (credited and billed); without it, the charger owner's. Boxed (the
    /// encoding is the same): a full batch of readings without one then takes 768 x 81
    /// bytes of the contract's 1 MiB of memory instead of 768 x 185.
    pub vehicle: Option<Box<VehicleSession>>,
}

/// A vehicle's consent to one charging session: it signs, with its registered key, that it
/// was plugged into `charger` from `plugged_in_ms` to the reading's `at_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct VehicleSession {
    pub vehicle: DeviceId,
    /// Must be the charger's last accepted reading's `at_ms` (its plug-in reading).
    pub plugged_in_ms: TimestampMs,
    /// 65-byte recoverable secp256k1 signature over [`session_preimage`] hashed with blake2-256.
    pub signature: [u8; 65],
}

/// A reading with the device's 65-byte recoverable secp256k1 signature (r ++ s ++ v) over
/// [`reading_digest_preimage`] hashed with blake2-256.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct SignedReading {
    pub reading: MeterReading,
    pub signature: [u8; 65],
}

/// Domain of a meter reading signature (v2: cumulative registers; v3: bound to the chain).
pub const READING_DOMAIN: &[u8] = b"smartcity/meter-reading/v3";

/// Domain of a vehicle's charging-session co-signature (v2: bound to the chain).
pub const SESSION_DOMAIN: &[u8] = b"smartcity/v2g-session/v2";

/// `READING_DOMAIN ++ market ++ chain ++ SCALE(reading)`: its blake2-256 is what the device
/// signs. Binding the market's [`Deployment`] stops a reading from being replayed on another
/// deployment or another chain.
pub fn reading_preimage<'a>(
    market: &'a Deployment,
    reading: &'a MeterReading,
) -> SignedPayload<'a, &'a MeterReading> {
    SignedPayload::new(READING_DOMAIN, market, reading)
}

/// The preimage's bytes (what the signing side hashes).
pub fn reading_digest_preimage(market: &Deployment, reading: &MeterReading) -> Vec<u8> {
    reading_preimage(market, reading).encode()
}

/// What a vehicle co-signs for a charging session: `SESSION_DOMAIN ++ market ++ chain ++
/// charger ++ vehicle ++ plugged_in_ms ++ plugged_out_ms` (SCALE, the domain raw).
pub type SessionPayload<'a> = (&'a DeviceId, &'a DeviceId, TimestampMs, TimestampMs);

/// The preimage a vehicle co-signs: its charger, itself, and when it was plugged in and
/// out, bound to `market`.
pub fn session_preimage<'a>(
    market: &'a Deployment,
    charger: &'a DeviceId,
    vehicle: &'a DeviceId,
    plugged_in_ms: TimestampMs,
    plugged_out_ms: TimestampMs,
) -> SignedPayload<'a, SessionPayload<'a>> {
    SignedPayload::new(
        SESSION_DOMAIN,
        market,
        (charger, vehicle, plugged_in_ms, plugged_out_ms),
    )
}

/// The most readings one `submit_readings` call may carry whatever the admin sets.
///
/// Large batches are what make a block hold many readings: every call pays first for
/// loading the market's, the registry's and the token's code (about 150 KB of proof), so
/// 768 readings of a few meters fit about 13,000 readings in a block where batches of 64
/// fit 1,300 (and 1,024 would add almost nothing). The call data must fit the contracts'
/// input buffer (`INK_STATIC_BUFFER_SIZE`, 144 KiB, set by `scripts/build.sh`): a reading
/// takes 130 bytes (99 KB for 768), 235 with a V2G session, so a batch holds at most
/// [`MAX_BATCH_BYTES`]. A batch paying 256 households must fit the contract's 1 MiB of
/// memory. What a batch weighs depends on how many households it pays: each costs a mint,
/// a ledger and a registry record (about 1.2e9 ref_time and 10 KB of proof), so about 360
/// readings of distinct households fill a block. A relay dry-runs its batch and splits it
/// when it does not fit; the admin's `max_batch` can cap it lower.
pub const MAX_READINGS_PER_CALL: u32 = 768;

/// The most bytes of readings one call carries (the input buffer less room for the
/// selector and the call's other data): a sender splits a batch that would exceed it.
pub const MAX_BATCH_BYTES: usize = 140 * 1024;

/// The readings of one `submit_readings` call. SCALE-encoded exactly like
/// `Vec<SignedReading>` (and described so in the metadata), but decoded into one
/// allocation of its exact length, refusing more than `MAX_READINGS_PER_CALL` before
/// allocating anything: the generic decoder sizes its first allocation from the input
/// and may have to grow it, and a contract's allocator never frees, so a full batch
/// would take twice its size of the contract's 1 MiB of memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadingBatch(pub Vec<SignedReading>);

impl From<Vec<SignedReading>> for ReadingBatch {
    fn from(readings: Vec<SignedReading>) -> Self {
        Self(readings)
    }
}

impl Encode for ReadingBatch {
    fn size_hint(&self) -> usize {
        self.0.size_hint()
    }

    fn encode_to<T: Output + ?Sized>(&self, dest: &mut T) {
        self.0.encode_to(dest)
    }
}

impl Decode for ReadingBatch {
    fn decode<I: Input>(input: &mut I) -> Result<Self, scale::Error> {
        let len = Compact::<u32>::decode(input)?.0;
        if len > MAX_READINGS_PER_CALL {
            return Err("more readings than MAX_READINGS_PER_CALL".into());
        }
        let mut readings = Vec::with_capacity(len as usize);
        for _ in 0..len {
            readings.push(SignedReading::decode(input)?);
        }
        Ok(Self(readings))
    }
}

// the metadata (built with `std`) describes it as the sequence it is on the wire
#[cfg(feature = "std")]
impl scale_info::TypeInfo for ReadingBatch {
    type Identity = Self;

    fn type_info() -> scale_info::Type {
        <Vec<SignedReading> as scale_info::TypeInfo>::type_info()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(seq: u64) -> SignedReading {
        SignedReading {
            reading: MeterReading {
                device: [1; 32],
                seq,
                at_ms: 900_000,
                import_wh_total: 0,
                export_wh_total: 1_000,
                vehicle: None,
            },
            signature: [7; 65],
        }
    }

    #[test]
    fn a_batch_is_encoded_like_a_vec_and_bounded_when_decoded() {
        let readings: Vec<_> = (1..=3).map(signed).collect();
        let bytes = readings.encode();
        assert_eq!(ReadingBatch(readings.clone()).encode(), bytes);
        let decoded = ReadingBatch::decode(&mut &bytes[..]).unwrap();
        assert_eq!((decoded.0.capacity(), decoded.0), (3, readings));
        // a length above the bound is refused before anything is allocated for it
        let too_many = Compact(MAX_READINGS_PER_CALL + 1).encode();
        assert!(ReadingBatch::decode(&mut &too_many[..]).is_err());
        let truncated = &bytes[..bytes.len() - 1];
        assert!(ReadingBatch::decode(&mut &truncated[..]).is_err());
    }
}
