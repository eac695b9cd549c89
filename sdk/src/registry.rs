//! Typed client of the identity registry: one method per message, encoded once here.

use crate::contract::contract_client;
use crate::{
    chain::{Chain, ContractEvent},
    contract::messages,
    contract::{decode_event, selector, ClientError, Receipt},
};
use interfaces::{
    registry_events as ev, AccountId, Anchor, Citizen, CitizenStatus, DataCategory, DeviceId,
    DeviceInfo, DeviceKey, DeviceKind, EnergyProfile, Hash32, RegistryError, RegistryEvent,
    RegistryRole, TimestampMs, VirtualId,
};

pub type RegistryResult<T> = Result<Receipt<T>, ClientError<RegistryError>>;

contract_client!(
    /// The identity registry at `handle.address`.
    RegistryClient,
    RegistryError,
    deploy = new(max_devices_per_citizen: u32)
);

impl RegistryClient {
    messages! {
        tx RegistryError, propose_admin(proposed: AccountId) -> ();
        tx RegistryError, accept_admin() -> ();
        tx RegistryError, grant_role(role: RegistryRole, account: AccountId) -> ();
        tx RegistryError, revoke_role(role: RegistryRole, account: AccountId) -> ();
        tx RegistryError, set_max_devices_per_citizen(cap: u32) -> ();
        tx RegistryError, set_paused(paused: bool) -> ();
        read RegistryError, is_paused() -> bool;
        tx RegistryError, register_citizen(virtual_id: VirtualId, account: AccountId) -> ();
        tx RegistryError, set_citizen_status(virtual_id: VirtualId, status: CitizenStatus) -> ();
        tx RegistryError, move_citizen(virtual_id: VirtualId, to: AccountId) -> ();
        tx RegistryError, register_device(device_id: DeviceId, kind: DeviceKind, key: DeviceKey, metadata_hash: Hash32) -> ();
        tx RegistryError, commission_device(device_id: DeviceId, energy: Option<EnergyProfile>) -> ();
        tx RegistryError, transfer_device(device_id: DeviceId, to: AccountId) -> ();
        tx RegistryError, rotate_device_key(device_id: DeviceId, new_key: DeviceKey) -> ();
        tx RegistryError, revoke_device(device_id: DeviceId) -> ();
        tx RegistryError, anchor_record(subject: Hash32, record_hash: Hash32) -> ();
        tx RegistryError, grant_consent(service: AccountId, category: DataCategory, expires_at_ms: TimestampMs) -> ();
        tx RegistryError, revoke_consent(service: AccountId, category: DataCategory) -> ();
        read RegistryError, admin() -> AccountId;
        read RegistryError, pending_admin() -> Option<AccountId>;
        read RegistryError, has_role(role: RegistryRole, account: AccountId) -> bool;
        read RegistryError, max_devices_per_citizen() -> u32;
        read RegistryError, citizen(virtual_id: VirtualId) -> Option<Citizen>;
        read RegistryError, citizen_of(account: AccountId) -> Option<Citizen>;
        read RegistryError, anchor(subject: Hash32) -> Option<Anchor>;
        read RegistryError, verify_record(subject: Hash32, record_hash: Hash32) -> bool;
        read RegistryError, consent_expiry(virtual_id: VirtualId, service: AccountId, category: DataCategory) -> Option<TimestampMs>;
        // the `IdentityRegistry` trait's messages, as other contracts call them
        read RegistryError as "IdentityRegistry::is_active", is_active(account: AccountId) -> bool;
        read RegistryError as "IdentityRegistry::successor",
            /// The account that acts now for `former`'s citizen after the admin moved it (a
            /// lost key); `None` if `former` was never moved away from.
            successor(former: AccountId) -> Option<AccountId>;
        read RegistryError as "IdentityRegistry::device", device(device_id: DeviceId) -> Option<DeviceInfo>;
        read RegistryError as "IdentityRegistry::has_consent", has_consent(citizen: AccountId, service: AccountId, category: DataCategory) -> bool;
    }

    // Batch queries keep their receipts: what they weigh is measured.

    pub fn are_active<C: Chain>(
        &self,
        chain: &mut C,
        accounts: Vec<AccountId>,
    ) -> RegistryResult<Vec<bool>> {
        let reader = AccountId::from([0; 32]);
        self.handle.read_fallible(
            chain,
            reader,
            selector("IdentityRegistry::are_active"),
            accounts,
        )
    }

    pub fn devices<C: Chain>(
        &self,
        chain: &mut C,
        device_ids: Vec<DeviceId>,
    ) -> RegistryResult<Vec<Option<DeviceInfo>>> {
        let reader = AccountId::from([0; 32]);
        self.handle.read_fallible(
            chain,
            reader,
            selector("IdentityRegistry::devices"),
            device_ids,
        )
    }
}

/// The registry events among `events`, typed, in order.
pub fn registry_events(events: &[ContractEvent]) -> Vec<RegistryEvent> {
    events.iter().filter_map(registry_event).collect()
}

/// One registry event, if `event` is one.
pub fn registry_event(event: &ContractEvent) -> Option<RegistryEvent> {
    macro_rules! try_each {
        ($($variant:ident),*) => {
            $(
                if let Some(e) = decode_event::<ev::$variant>(event) {
                    return Some(RegistryEvent::$variant(e));
                }
            )*
        };
    }
    try_each!(
        RoleGranted,
        RegistryPauseChanged,
        RoleRevoked,
        AdminTransferProposed,
        AdminChanged,
        DeviceCapChanged,
        CitizenRegistered,
        CitizenStatusChanged,
        CitizenAccountMoved,
        DeviceRegistered,
        DeviceCommissioned,
        DeviceTransferred,
        DeviceKeyRotated,
        DeviceRevoked,
        RecordAnchored,
        ConsentGranted,
        ConsentRevoked
    );
    None
}
