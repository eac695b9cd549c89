//! Everything that crosses a contract boundary in Smart City Contracts.
//!
//! Reading this crate alone tells who calls whom and what can fail: the shared
//! identity types, each contract's error enum, the events clients decode, and the
//! `#[ink::trait_definition]`s the contracts call each other through
//! (`ink::contract_ref!(IdentityRegistry)`), never another contract's crate.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

extern crate alloc;

pub mod calls;
pub mod debt;
pub mod fares;
pub mod market;
pub mod parking;
pub mod reading;
pub mod registry;
pub mod signed;
pub mod spending;
pub mod token;

/// The two-step admin handover every contract uses: the admin proposes, the proposed
/// account accepts, so a typo in an address cannot lock a contract.
pub mod admin {
    use crate::{
        admin_events::{AdminChanged, AdminTransferProposed},
        AccountId,
    };

    /// Why an admin action was refused; each contract's error takes it with `From`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum AdminRefusal {
        NotAdmin,
        NotPendingAdmin,
    }

    /// Who administers a contract, and who is proposed to take over.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct AdminSeat {
        admin: AccountId,
        pending: Option<AccountId>,
    }

    impl AdminSeat {
        pub fn new(admin: AccountId) -> Self {
            Self {
                admin,
                pending: None,
            }
        }

        pub fn admin(&self) -> AccountId {
            self.admin
        }

        pub fn pending(&self) -> Option<AccountId> {
            self.pending
        }

        pub fn ensure_admin(&self, caller: AccountId) -> Result<(), AdminRefusal> {
            if caller == self.admin {
                Ok(())
            } else {
                Err(AdminRefusal::NotAdmin)
            }
        }

        /// The admin proposes its successor.
        pub fn propose(
            &mut self,
            caller: AccountId,
            proposed: AccountId,
        ) -> Result<AdminTransferProposed, AdminRefusal> {
            self.ensure_admin(caller)?;
            self.pending = Some(proposed);
            Ok(AdminTransferProposed {
                current: caller,
                proposed,
            })
        }

        /// The proposed account takes over.
        pub fn accept(&mut self, caller: AccountId) -> Result<AdminChanged, AdminRefusal> {
            if self.pending != Some(caller) {
                return Err(AdminRefusal::NotPendingAdmin);
            }
            let previous = self.admin;
            self.admin = caller;
            self.pending = None;
            Ok(AdminChanged {
                previous,
                new_admin: caller,
            })
        }
    }
}

/// Events of the two-step admin handover, the same in every contract.
pub mod admin_events {
    use crate::AccountId;

    /// The admin proposed `proposed` as the next admin; it takes over when it accepts.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AdminTransferProposed {
        pub current: AccountId,
        #[ink(topic)]
        pub proposed: AccountId,
    }

    /// `new_admin` accepted and is the admin now.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AdminChanged {
        pub previous: AccountId,
        #[ink(topic)]
        pub new_admin: AccountId,
    }
}

/// A device's signed events (a parking sensor's, a transit validator's) apply one after
/// another, none skipped and none reordered (M-6): an event is taken only when its
/// sequence number is the next one, so a later event submitted first waits for the earlier.
pub mod sequence {
    use crate::TimestampMs;

    /// Why an event is not the device's next.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum SequenceRefusal {
        /// At or below the last sequence applied: a replay.
        Stale,
        /// Beyond the next: an earlier event of the device has not been applied yet.
        Gap,
        /// In the future, or before the device's previous event.
        BadTime,
    }

    /// Whether an event numbered `seq` at `at_ms` follows `last` (the last sequence applied
    /// and its time; `(0, 0)` before the first, so a device counts from 1) at `now`.
    pub fn follows(
        last: (u64, TimestampMs),
        seq: u64,
        at_ms: TimestampMs,
        now: TimestampMs,
    ) -> Result<(), SequenceRefusal> {
        let (last_seq, last_at) = last;
        if seq <= last_seq {
            return Err(SequenceRefusal::Stale);
        }
        if last_seq.checked_add(1) != Some(seq) {
            return Err(SequenceRefusal::Gap);
        }
        if at_ms > now || at_ms < last_at {
            return Err(SequenceRefusal::BadTime);
        }
        Ok(())
    }

    /// Where a device stands after an operator resets its sequence at `now` (I-2: a device
    /// whose counter restarted, or reached `u64::MAX`): it counts from 1 again, and no
    /// event signed before the reset is taken, however it is numbered.
    pub fn reset(now: TimestampMs) -> (u64, TimestampMs) {
        (0, now)
    }
}

/// Half of secp256k1's group order, big-endian.
const SECP256K1_HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// Whether a 65-byte recoverable signature (r ++ s ++ v) is in its canonical low-s form.
/// Every signature has a malleable twin `(r, n - s, v ^ 1)` that recovers to the same key;
/// the contracts take only the low-s one (I-7), as secp256k1 signers produce it.
pub fn is_low_s(signature: &[u8; 65]) -> bool {
    signature[32..64] <= SECP256K1_HALF_ORDER[..]
}

/// The device key a 65-byte recoverable signature over `digest` recovers to, as every
/// contract takes a signature: pallet-contracts' `ecdsa_recover`, low-s only (I-7).
/// `None` for a high-s or malformed signature.
pub fn recover_signer(signature: &[u8; 65], digest: &[u8; 32]) -> Option<DeviceKey> {
    if !is_low_s(signature) {
        return None;
    }
    let mut key = [0u8; 33];
    ink::env::ecdsa_recover(signature, digest, &mut key).ok()?;
    Some(key)
}

pub use registry::{
    events as registry_events, Anchor, Citizen, CitizenStatus, DataCategory, DeviceInfo,
    DeviceStatus, EnergyProfile, IdentityRegistry, RegistryError, RegistryEvent, RegistryRole,
};

pub use ink::primitives::AccountId;

/// Masked citizen id, computed off-chain by the issuer, e.g.
/// `blake2-256(issuer salt ++ national id)`. The chain never sees the national id.
pub type VirtualId = [u8; 32];

/// Masked device id (a meter, a charger, a vehicle, a sensor), computed off-chain.
pub type DeviceId = [u8; 32];

/// Compressed secp256k1 public key of a device (`0x02`/`0x03` ++ 32-byte x).
///
/// secp256k1 because `ecdsa_recover` is a stable host function of pallet-contracts.
pub type DeviceKey = [u8; 33];

/// A 32-byte hash (blake2-256 unless a message says otherwise).
pub type Hash32 = [u8; 32];

/// Milliseconds since the unix epoch, as `block_timestamp()` returns them.
pub type TimestampMs = u64;

/// A chain's genesis block hash: the chain id every signed preimage binds (I-1).
pub type GenesisHash = [u8; 32];

/// Where a device's or a voucher key's signature counts: one contract on one chain.
///
/// Every signed preimage writes it after its domain (`contract ++ chain`, 64 bytes), so a
/// signature made for a contract cannot be replayed on another deployment, nor on another
/// chain where a contract has the same address (a test network, a fork). A contract knows
/// its chain from its constructor (`chain_id()`); a signer reads it from the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct Deployment {
    pub contract: AccountId,
    pub chain: GenesisHash,
}

impl Deployment {
    /// The contract this code runs in, on `chain` (what its own signature checks bind).
    pub fn here(chain: GenesisHash) -> Self {
        Self {
            contract: ink::env::account_id::<ink::env::DefaultEnvironment>(),
            chain,
        }
    }
}

/// What every contract that takes signatures answers (I-1): the market, the rental, the
/// fare contract and the token. Signers ask it once and bind its answer.
#[ink::trait_definition]
pub trait ChainBound {
    /// The genesis hash of the chain this contract was deployed on, as its deployer passed
    /// it to the constructor: every signature the contract takes binds it.
    #[ink(message)]
    fn chain_id(&self) -> GenesisHash;
}

/// What a registered device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum DeviceKind {
    /// A bi-directional electricity meter.
    Meter,
    /// An EV charger (V2G readings name the vehicle that exported).
    EvCharger,
    /// A vehicle (an EV, a car that parks).
    Vehicle,
    /// A parking-space occupancy sensor.
    ParkingSensor,
    /// A transit ticket validator.
    TransitValidator,
    /// Anything else a city registers.
    Other,
}

/// Where exported energy came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum EnergySource {
    Solar,
    Wind,
    Hydro,
    /// Vehicle-to-grid: an EV exporting through a charger.
    Vehicle,
    Other,
}

/// The most items a batch query (`are_active`, `devices`) answers in one call.
///
/// Bounds the work of one message, and keeps the answer (about 165 bytes per
/// `Option<DeviceInfo>`: 42 KB) inside the 144 KiB input/output buffer the contracts are
/// built with (`INK_STATIC_BUFFER_SIZE` in `scripts/build.sh`; ink!'s default of 16 KiB
/// trapped at 128 devices). One call answers the meters of a batch of readings from up to
/// 256 devices; a consumer with more items splits its batch.
pub const MAX_QUERY_BATCH: u32 = 256;

#[cfg(test)]
mod tests {
    use super::sequence::{follows, reset, SequenceRefusal};

    #[test]
    fn a_device_event_follows_only_its_predecessor_and_moves_time_forward() {
        // the first event of a device is number 1
        assert_eq!(follows((0, 0), 1, 10, 10), Ok(()));
        assert_eq!(follows((0, 0), 2, 10, 10), Err(SequenceRefusal::Gap));
        assert_eq!(follows((4, 100), 4, 100, 200), Err(SequenceRefusal::Stale));
        assert_eq!(follows((4, 100), 6, 150, 200), Err(SequenceRefusal::Gap));
        assert_eq!(follows((4, 100), 5, 99, 200), Err(SequenceRefusal::BadTime));
        assert_eq!(
            follows((4, 100), 5, 201, 200),
            Err(SequenceRefusal::BadTime)
        );
        assert_eq!(follows((4, 100), 5, 100, 200), Ok(()));
        // a counter at its end takes nothing more until it is reset
        assert_eq!(
            follows((u64::MAX, 0), u64::MAX, 1, 1),
            Err(SequenceRefusal::Stale)
        );
        // after a reset at 500 the device counts from 1, and nothing signed before counts
        assert_eq!(
            follows(reset(500), 1, 499, 600),
            Err(SequenceRefusal::BadTime)
        );
        assert_eq!(follows(reset(500), 1, 500, 600), Ok(()));
    }

    #[test]
    fn only_low_s_signatures_are_canonical() {
        let mut signature = [0u8; 65];
        signature[32..64].copy_from_slice(&super::SECP256K1_HALF_ORDER);
        assert!(super::is_low_s(&signature));
        signature[63] += 1;
        assert!(!super::is_low_s(&signature));
        signature[32..64].fill(0xff);
        assert!(!super::is_low_s(&signature));
    }
}
