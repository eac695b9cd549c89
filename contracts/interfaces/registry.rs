//! The identity registry's edge: its types, errors, events and the trait other
//! contracts call it through.

use crate::{
    AccountId, DeviceId, DeviceKey, DeviceKind, EnergySource, Hash32, TimestampMs, VirtualId,
};
use alloc::vec::Vec;

/// A role of the identity registry, granted and revoked by its admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum RegistryRole {
    /// Registers citizens, changes their status, moves a virtual id to a new account,
    /// anchors digital-twin records.
    Issuer,
    /// Commissions devices, revokes devices, anchors digital-twin records.
    Operator,
}

/// Where a citizen stands. Only `Active` citizens count for the other contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum CitizenStatus {
    Active,
    /// Temporarily barred; an issuer can reactivate.
    Suspended,
    /// Permanently barred; the virtual id and the account stay taken.
    Revoked,
}

/// A registered citizen, known only by a masked virtual id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Citizen {
    pub virtual_id: VirtualId,
    /// The account that currently acts for this virtual id.
    pub account: AccountId,
    pub status: CitizenStatus,
    /// The issuer that registered the citizen.
    pub issued_by: AccountId,
    pub registered_at_ms: TimestampMs,
    /// Devices currently held (registered and not revoked), bounded by the registry's cap.
    pub device_count: u32,
}

/// Where a device stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum DeviceStatus {
    /// Registered (or its key rotated) and waiting for an operator to commission it.
    Pending,
    /// Approved by an operator: its signed readings count.
    Commissioned,
    /// Permanently retired; the device id cannot be registered again.
    Revoked,
}

/// What the operator who inspected an energy device's installation fixed when commissioning
/// it: the energy it exports, and how much power it can deliver. A reading names neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct EnergyProfile {
    /// A meter's source (never `Vehicle`); an EV charger's is always `Vehicle`.
    pub source: EnergySource,
    /// The most power the installation can import or export, in watts; 0 takes the energy
    /// market's default for the device's kind.
    pub rated_w: u32,
}

impl EnergyProfile {
    /// Whether a device of `kind` may carry this profile (review I-4: the source is tied
    /// to the kind): only meters and EV chargers have one, and only a charger exports a
    /// vehicle's energy.
    pub fn fits(&self, kind: DeviceKind) -> bool {
        match kind {
            DeviceKind::Meter => self.source != EnergySource::Vehicle,
            DeviceKind::EvCharger => self.source == EnergySource::Vehicle,
            _ => false,
        }
    }
}

/// What the registry knows of a device, as the other contracts see it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct DeviceInfo {
    pub device_id: DeviceId,
    /// The owner's current account (follows the owner's virtual id across account moves).
    pub owner: AccountId,
    pub owner_id: VirtualId,
    pub kind: DeviceKind,
    pub key: DeviceKey,
    /// Hash of the off-chain device record (make, model, serial), never the record itself.
    pub metadata_hash: Hash32,
    pub status: DeviceStatus,
    /// Commissioned, and its owner is an active citizen: the only state in which a
    /// consumer should trust what the device signs.
    pub active: bool,
    /// A meter's or EV charger's profile, fixed at commissioning (`None` for other kinds,
    /// and until an energy device is commissioned).
    pub energy: Option<EnergyProfile>,
    /// When the current owner took the device (registration or transfer): energy a meter
    /// measured before it belongs to the previous owner.
    pub owner_since_ms: TimestampMs,
}

/// A category of personal data a citizen can let a service read off-chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum DataCategory {
    EnergyReadings,
    Mobility,
    Parking,
    DeviceTelemetry,
    DigitalTwin,
    /// A category the city defines later, by number.
    Custom(u16),
}

/// The hash of an off-chain record (a digital twin), anchored for a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Anchor {
    pub record_hash: Hash32,
    pub anchored_by: AccountId,
    pub anchored_at_ms: TimestampMs,
    /// 1 for the first anchor of a subject, +1 for each re-anchoring.
    pub version: u32,
}

/// Every refusal of the identity registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum RegistryError {
    /// Only the admin may do this.
    NotAdmin,
    /// `accept_admin` was called by an account that is not the proposed admin, or none is proposed.
    NotPendingAdmin,
    /// The caller lacks the role this message needs.
    MissingRole(RegistryRole),
    /// The caller needs the Issuer or the Operator role.
    NotIssuerOrOperator,
    /// The account already has that role.
    RoleAlreadyGranted,
    /// The account does not have that role.
    RoleNotGranted,
    /// The virtual id is already registered.
    VirtualIdTaken,
    /// The account already acts for a (possibly revoked) virtual id.
    AccountTaken,
    /// No citizen with that virtual id or account.
    CitizenNotFound,
    /// The caller is not a registered citizen.
    CallerNotCitizen,
    /// The caller is a citizen but suspended or revoked.
    CallerNotActive,
    /// The citizen is revoked, which is final.
    CitizenRevoked,
    /// The citizen already has the requested status.
    StatusUnchanged,
    /// The device id is already registered (revoked ids stay taken).
    DeviceIdTaken,
    /// No device with that id.
    DeviceNotFound,
    /// The caller does not own the device.
    NotDeviceOwner,
    /// The device is revoked, which is final.
    DeviceRevoked,
    /// The device is already commissioned.
    AlreadyCommissioned,
    /// A meter or an EV charger is commissioned with its energy profile
    /// (`commission_energy_device`).
    EnergyProfileRequired,
    /// Only meters and EV chargers have an energy profile; a meter's source is not
    /// `Vehicle`, a charger's is.
    ProfileNotForKind,
    /// The key is not a compressed secp256k1 public key (first byte 0x02 or 0x03).
    InvalidDeviceKey,
    /// The new key equals the current key.
    SameKey,
    /// The owner already holds as many devices as the registry allows.
    DeviceCapReached,
    /// The device already belongs to that citizen.
    SameOwner,
    /// The recipient of a device is not an active citizen.
    RecipientNotActive,
    /// A consent's expiry is not in the future.
    ExpiryInPast,
    /// No consent for that service and category.
    ConsentNotFound,
    /// A batch query asked for more than `MAX_QUERY_BATCH` items.
    BatchTooLarge,
    /// A cap of zero would lock every citizen out of registering devices.
    InvalidCap,
    /// An issuer acts only on the citizens it registered (the admin on any).
    NotCitizensIssuer,
    /// A subject's record is re-anchored only by whoever anchored it (or the admin).
    NotAnchorOwner,
    /// The admin paused the registry: nothing is registered, commissioned, moved, anchored
    /// or consented to (revocations and suspensions still go through).
    Paused,
    /// The registry is already paused, or already running.
    PauseUnchanged,
    /// The citizen has not let this service keep its digital twin (a citizen's or its
    /// device's record is anchored only with `grant_consent(service, DigitalTwin, ..)`).
    NoConsent,
}

impl From<crate::admin::AdminRefusal> for RegistryError {
    fn from(refusal: crate::admin::AdminRefusal) -> Self {
        match refusal {
            crate::admin::AdminRefusal::NotAdmin => Self::NotAdmin,
            crate::admin::AdminRefusal::NotPendingAdmin => Self::NotPendingAdmin,
        }
    }
}

/// Events of the identity registry, one per state change.
pub mod events {
    use super::*;

    /// `account` received `role` from the admin.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RoleGranted {
        #[ink(topic)]
        pub account: AccountId,
        pub role: RegistryRole,
    }

    /// `account` lost `role`.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RoleRevoked {
        #[ink(topic)]
        pub account: AccountId,
        pub role: RegistryRole,
    }

    pub use crate::admin_events::{AdminChanged, AdminTransferProposed};

    /// The per-citizen device cap changed.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeviceCapChanged {
        pub max_devices_per_citizen: u32,
    }

    /// An issuer registered a citizen.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CitizenRegistered {
        #[ink(topic)]
        pub virtual_id: VirtualId,
        #[ink(topic)]
        pub account: AccountId,
        pub issued_by: AccountId,
    }

    /// An issuer changed a citizen's status (suspend, revoke, reactivate).
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CitizenStatusChanged {
        #[ink(topic)]
        pub virtual_id: VirtualId,
        pub status: CitizenStatus,
        pub changed_by: AccountId,
    }

    /// An issuer moved a virtual id to a new account (lost key).
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CitizenAccountMoved {
        #[ink(topic)]
        pub virtual_id: VirtualId,
        pub from: AccountId,
        #[ink(topic)]
        pub to: AccountId,
    }

    /// A citizen registered a device; it counts once an operator commissions it.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeviceRegistered {
        #[ink(topic)]
        pub device_id: DeviceId,
        #[ink(topic)]
        pub owner: AccountId,
        pub kind: DeviceKind,
        pub key: DeviceKey,
    }

    /// An operator commissioned a device.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeviceCommissioned {
        #[ink(topic)]
        pub device_id: DeviceId,
        pub operator: AccountId,
        /// A meter's or charger's profile as the operator fixed it.
        pub energy: Option<EnergyProfile>,
    }

    /// A device changed hands (sale of a vehicle, a house).
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeviceTransferred {
        #[ink(topic)]
        pub device_id: DeviceId,
        #[ink(topic)]
        pub from: AccountId,
        #[ink(topic)]
        pub to: AccountId,
    }

    /// The owner rotated the device's key; the device waits for re-commissioning.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeviceKeyRotated {
        #[ink(topic)]
        pub device_id: DeviceId,
        pub new_key: DeviceKey,
    }

    /// The admin paused (`true`) or resumed the registry.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RegistryPauseChanged {
        pub paused: bool,
    }

    /// The owner or an operator revoked a device.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeviceRevoked {
        #[ink(topic)]
        pub device_id: DeviceId,
        pub revoked_by: AccountId,
    }

    /// An issuer or operator anchored the hash of a subject's off-chain record.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecordAnchored {
        #[ink(topic)]
        pub subject: Hash32,
        pub record_hash: Hash32,
        pub version: u32,
        pub anchored_by: AccountId,
    }

    /// A citizen let `service` read `category` until `expires_at_ms`.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ConsentGranted {
        #[ink(topic)]
        pub virtual_id: VirtualId,
        #[ink(topic)]
        pub service: AccountId,
        pub category: DataCategory,
        pub expires_at_ms: TimestampMs,
    }

    /// A citizen withdrew a consent.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ConsentRevoked {
        #[ink(topic)]
        pub virtual_id: VirtualId,
        #[ink(topic)]
        pub service: AccountId,
        pub category: DataCategory,
    }
}

/// Every event the registry emits, as its rules return them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryEvent {
    RoleGranted(events::RoleGranted),
    RegistryPauseChanged(events::RegistryPauseChanged),
    RoleRevoked(events::RoleRevoked),
    AdminTransferProposed(events::AdminTransferProposed),
    AdminChanged(events::AdminChanged),
    DeviceCapChanged(events::DeviceCapChanged),
    CitizenRegistered(events::CitizenRegistered),
    CitizenStatusChanged(events::CitizenStatusChanged),
    CitizenAccountMoved(events::CitizenAccountMoved),
    DeviceRegistered(events::DeviceRegistered),
    DeviceCommissioned(events::DeviceCommissioned),
    DeviceTransferred(events::DeviceTransferred),
    DeviceKeyRotated(events::DeviceKeyRotated),
    DeviceRevoked(events::DeviceRevoked),
    RecordAnchored(events::RecordAnchored),
    ConsentGranted(events::ConsentGranted),
    ConsentRevoked(events::ConsentRevoked),
}

/// What other contracts ask the identity registry. Queries only: they never change state.
///
/// Consumers handling a batch use `are_active` and `devices`, one cross-contract call
/// for the whole batch rather than one per item.
#[ink::trait_definition]
pub trait IdentityRegistry {
    /// Whether `account` acts for an active citizen.
    #[ink(message)]
    fn is_active(&self, account: AccountId) -> bool;

    /// `is_active` for each account, in order. At most `MAX_QUERY_BATCH` accounts.
    #[ink(message)]
    fn are_active(&self, accounts: Vec<AccountId>) -> Result<Vec<bool>, RegistryError>;

    /// The device, if registered (revoked devices are returned with `active == false`).
    #[ink(message)]
    fn device(&self, device_id: DeviceId) -> Option<DeviceInfo>;

    /// `device` for each id, in order. At most `MAX_QUERY_BATCH` ids.
    #[ink(message)]
    fn devices(&self, device_ids: Vec<DeviceId>) -> Result<Vec<Option<DeviceInfo>>, RegistryError>;

    /// The account that acts now for the citizen `former` acted for before the admin moved
    /// it to a new account (a lost key), the latest after several moves; `None` if `former`
    /// was never moved away from. What a contract holds for `former` (a space, a booking,
    /// a payout, a debt) follows the citizen to this account (M-1, M-3).
    #[ink(message)]
    fn successor(&self, former: AccountId) -> Option<AccountId>;

    /// Whether the active citizen acting as `citizen` lets `service` read `category` now.
    #[ink(message)]
    fn has_consent(&self, citizen: AccountId, service: AccountId, category: DataCategory) -> bool;
}
