//! The identity registry's rules in plain Rust: every method takes the caller and the
//! time explicitly and returns the event its state change produced, so the rules are
//! unit-tested without the contract shell.

use ink::storage::Mapping;
use interfaces::admin::AdminSeat;
use interfaces::{
    registry_events as ev, AccountId, Anchor, Citizen, CitizenStatus, DataCategory, DeviceId,
    DeviceInfo, DeviceKey, DeviceKind, DeviceStatus, EnergyProfile, Hash32, RegistryError,
    RegistryEvent, RegistryRole, TimestampMs, VirtualId,
};

/// What is stored per virtual id (the id itself is the key).
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct CitizenRecord {
    pub account: AccountId,
    pub status: CitizenStatus,
    pub issued_by: AccountId,
    pub registered_at_ms: TimestampMs,
    pub device_count: u32,
}

/// What is stored per device id. The owner is a virtual id, so devices follow their
/// owner when an issuer moves the virtual id to a new account.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct DeviceRecord {
    pub owner: VirtualId,
    pub kind: DeviceKind,
    pub key: DeviceKey,
    pub metadata_hash: Hash32,
    pub status: DeviceStatus,
    /// An energy device's profile, fixed (again) at each commissioning.
    pub energy: Option<EnergyProfile>,
    /// When the current owner took the device.
    pub owner_since_ms: TimestampMs,
}

/// Devices a citizen may hold unless the admin sets another cap.
pub const DEFAULT_MAX_DEVICES_PER_CITIZEN: u32 = 16;

/// A consent is keyed by the citizen's virtual id (it survives account moves), the
/// service, and the data category.
pub type ConsentKey = (VirtualId, AccountId, DataCategory);

/// All registry state. Every collection is a `Mapping`: no message iterates storage.
#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
pub struct Registry {
    admin: AdminSeat,
    max_devices_per_citizen: u32,
    roles: Mapping<(AccountId, RegistryRole), ()>,
    citizens: Mapping<VirtualId, CitizenRecord>,
    virtual_id_of: Mapping<AccountId, VirtualId>,
    /// The citizen each account acted for before the admin moved it to a new account
    /// (M-1: what the old account held elsewhere follows the citizen to its new one).
    former_of: Mapping<AccountId, VirtualId>,
    devices: Mapping<DeviceId, DeviceRecord>,
    anchors: Mapping<Hash32, Anchor>,
    consents: Mapping<ConsentKey, TimestampMs>,
    paused: bool,
}

type Outcome = Result<RegistryEvent, RegistryError>;

impl Registry {
    pub fn new(admin: AccountId, max_devices_per_citizen: u32) -> Result<Self, RegistryError> {
        if max_devices_per_citizen == 0 {
            return Err(RegistryError::InvalidCap);
        }
        Ok(Self {
            admin: AdminSeat::new(admin),
            max_devices_per_citizen,
            roles: Mapping::default(),
            citizens: Mapping::default(),
            virtual_id_of: Mapping::default(),
            former_of: Mapping::default(),
            devices: Mapping::default(),
            anchors: Mapping::default(),
            consents: Mapping::default(),
            paused: false,
        })
    }

    // ----- admin and roles -------------------------------------------------------------

    pub fn admin(&self) -> AccountId {
        self.admin.admin()
    }

    pub fn pending_admin(&self) -> Option<AccountId> {
        self.admin.pending()
    }

    pub fn max_devices_per_citizen(&self) -> u32 {
        self.max_devices_per_citizen
    }

    fn ensure_admin(&self, caller: AccountId) -> Result<(), RegistryError> {
        Ok(self.admin.ensure_admin(caller)?)
    }

    fn ensure_role(&self, caller: AccountId, role: RegistryRole) -> Result<(), RegistryError> {
        if self.has_role(role, caller) {
            Ok(())
        } else {
            Err(RegistryError::MissingRole(role))
        }
    }

    fn ensure_issuer_or_operator(&self, caller: AccountId) -> Result<(), RegistryError> {
        if self.has_role(RegistryRole::Issuer, caller)
            || self.has_role(RegistryRole::Operator, caller)
        {
            Ok(())
        } else {
            Err(RegistryError::NotIssuerOrOperator)
        }
    }

    pub fn has_role(&self, role: RegistryRole, account: AccountId) -> bool {
        self.roles.contains((account, role))
    }

    pub fn grant_role(
        &mut self,
        caller: AccountId,
        role: RegistryRole,
        account: AccountId,
    ) -> Outcome {
        self.ensure_admin(caller)?;
        if self.has_role(role, account) {
            return Err(RegistryError::RoleAlreadyGranted);
        }
        self.roles.insert((account, role), &());
        Ok(RegistryEvent::RoleGranted(ev::RoleGranted {
            account,
            role,
        }))
    }

    pub fn revoke_role(
        &mut self,
        caller: AccountId,
        role: RegistryRole,
        account: AccountId,
    ) -> Outcome {
        self.ensure_admin(caller)?;
        if !self.has_role(role, account) {
            return Err(RegistryError::RoleNotGranted);
        }
        self.roles.remove((account, role));
        Ok(RegistryEvent::RoleRevoked(ev::RoleRevoked {
            account,
            role,
        }))
    }

    /// First step of a handover: the new admin must accept, so a typo cannot lock the registry.
    pub fn propose_admin(&mut self, caller: AccountId, proposed: AccountId) -> Outcome {
        Ok(RegistryEvent::AdminTransferProposed(
            self.admin.propose(caller, proposed)?,
        ))
    }

    pub fn accept_admin(&mut self, caller: AccountId) -> Outcome {
        Ok(RegistryEvent::AdminChanged(self.admin.accept(caller)?))
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// The admin stops (`true`) or resumes every change that grants, binds or discloses
    /// something (review I-5: a registry under attack, a leaked issuer or operator key);
    /// what takes something away (revoking devices, roles and consents, suspending or
    /// revoking citizens) stays open so an incident can be contained while paused.
    pub fn set_paused(&mut self, caller: AccountId, paused: bool) -> Outcome {
        self.ensure_admin(caller)?;
        if self.paused == paused {
            return Err(RegistryError::PauseUnchanged);
        }
        self.paused = paused;
        Ok(RegistryEvent::RegistryPauseChanged(
            ev::RegistryPauseChanged { paused },
        ))
    }

    fn ensure_running(&self) -> Result<(), RegistryError> {
        if self.paused {
            Err(RegistryError::Paused)
        } else {
            Ok(())
        }
    }

    pub fn set_max_devices_per_citizen(&mut self, caller: AccountId, cap: u32) -> Outcome {
        self.ensure_admin(caller)?;
        if cap == 0 {
            return Err(RegistryError::InvalidCap);
        }
        self.max_devices_per_citizen = cap;
        Ok(RegistryEvent::DeviceCapChanged(ev::DeviceCapChanged {
            max_devices_per_citizen: cap,
        }))
    }
}

fn ensure_compressed_key(key: &DeviceKey) -> Result<(), RegistryError> {
    match key[0] {
        0x02 | 0x03 => Ok(()),
        _ => Err(RegistryError::InvalidDeviceKey),
    }
}

mod anchors;
mod citizens;
mod consent;
mod devices;

// `#[ink::test]` only because `Mapping` needs ink!'s off-chain storage engine.
#[cfg(test)]
mod tests;
