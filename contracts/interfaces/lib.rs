//! Everything that crosses a contract boundary in Smart City Contracts.
//!
//! Reading this crate alone tells who calls whom and what can fail: the shared
//! identity types, each contract's error enum, the events clients decode, and the
//! `#[ink::trait_definition]`s the contracts call each other through
//! (`ink::contract_ref!(IdentityRegistry)`), never another contract's crate.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

extern crate alloc;

pub mod debt;
pub mod fares;
pub mod market;
pub mod parking;
pub mod reading;
pub mod registry;
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
