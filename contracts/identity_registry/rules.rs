//! The identity registry's rules in plain Rust: every method takes the caller and the
//! time explicitly and returns the event its state change produced, so the rules are
//! unit-tested without the contract shell.

use ink::storage::Mapping;
use interfaces::admin::AdminSeat;
use interfaces::{
    registry_events as ev, AccountId, Anchor, Citizen, CitizenStatus, DataCategory, DeviceId,
    DeviceInfo, DeviceKey, DeviceKind, DeviceStatus, Hash32, RegistryError, RegistryEvent,
    RegistryRole, TimestampMs, VirtualId,
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
    devices: Mapping<DeviceId, DeviceRecord>,
    anchors: Mapping<Hash32, Anchor>,
    consents: Mapping<ConsentKey, TimestampMs>,
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
            devices: Mapping::default(),
            anchors: Mapping::default(),
            consents: Mapping::default(),
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

    // ----- citizens ----------------------------------------------------------------------

    pub fn register_citizen(
        &mut self,
        caller: AccountId,
        virtual_id: VirtualId,
        account: AccountId,
        now: TimestampMs,
    ) -> Outcome {
        self.ensure_role(caller, RegistryRole::Issuer)?;
        if self.citizens.contains(virtual_id) {
            return Err(RegistryError::VirtualIdTaken);
        }
        if self.virtual_id_of.contains(account) {
            return Err(RegistryError::AccountTaken);
        }
        let record = CitizenRecord {
            account,
            status: CitizenStatus::Active,
            issued_by: caller,
            registered_at_ms: now,
            device_count: 0,
        };
        self.citizens.insert(virtual_id, &record);
        self.virtual_id_of.insert(account, &virtual_id);
        Ok(RegistryEvent::CitizenRegistered(ev::CitizenRegistered {
            virtual_id,
            account,
            issued_by: caller,
        }))
    }

    /// Suspend, reactivate or revoke. Revocation is final.
    pub fn set_citizen_status(
        &mut self,
        caller: AccountId,
        virtual_id: VirtualId,
        status: CitizenStatus,
    ) -> Outcome {
        self.ensure_role(caller, RegistryRole::Issuer)?;
        let mut record = self
            .citizens
            .get(virtual_id)
            .ok_or(RegistryError::CitizenNotFound)?;
        if record.status == CitizenStatus::Revoked {
            return Err(RegistryError::CitizenRevoked);
        }
        if record.status == status {
            return Err(RegistryError::StatusUnchanged);
        }
        record.status = status;
        self.citizens.insert(virtual_id, &record);
        Ok(RegistryEvent::CitizenStatusChanged(
            ev::CitizenStatusChanged {
                virtual_id,
                status,
                changed_by: caller,
            },
        ))
    }

    /// A citizen lost their key: the issuer binds the virtual id to a fresh account.
    /// Devices and consents are keyed by virtual id, so they follow.
    pub fn move_citizen(
        &mut self,
        caller: AccountId,
        virtual_id: VirtualId,
        to: AccountId,
    ) -> Outcome {
        self.ensure_role(caller, RegistryRole::Issuer)?;
        let mut record = self
            .citizens
            .get(virtual_id)
            .ok_or(RegistryError::CitizenNotFound)?;
        if record.status == CitizenStatus::Revoked {
            return Err(RegistryError::CitizenRevoked);
        }
        if self.virtual_id_of.contains(to) {
            return Err(RegistryError::AccountTaken);
        }
        let from = record.account;
        self.virtual_id_of.remove(from);
        self.virtual_id_of.insert(to, &virtual_id);
        record.account = to;
        self.citizens.insert(virtual_id, &record);
        Ok(RegistryEvent::CitizenAccountMoved(
            ev::CitizenAccountMoved {
                virtual_id,
                from,
                to,
            },
        ))
    }

    pub fn citizen(&self, virtual_id: VirtualId) -> Option<Citizen> {
        self.citizens.get(virtual_id).map(|record| Citizen {
            virtual_id,
            account: record.account,
            status: record.status,
            issued_by: record.issued_by,
            registered_at_ms: record.registered_at_ms,
            device_count: record.device_count,
        })
    }

    pub fn citizen_of(&self, account: AccountId) -> Option<Citizen> {
        self.virtual_id_of
            .get(account)
            .and_then(|id| self.citizen(id))
    }

    pub fn is_active(&self, account: AccountId) -> bool {
        self.virtual_id_of
            .get(account)
            .and_then(|id| self.citizens.get(id))
            .is_some_and(|record| record.status == CitizenStatus::Active)
    }

    /// The caller's virtual id and record, if the caller is an active citizen.
    fn active_caller(
        &self,
        caller: AccountId,
    ) -> Result<(VirtualId, CitizenRecord), RegistryError> {
        let id = self
            .virtual_id_of
            .get(caller)
            .ok_or(RegistryError::CallerNotCitizen)?;
        let record = self
            .citizens
            .get(id)
            .ok_or(RegistryError::CallerNotCitizen)?;
        if record.status != CitizenStatus::Active {
            return Err(RegistryError::CallerNotActive);
        }
        Ok((id, record))
    }

    // ----- devices -----------------------------------------------------------------------

    pub fn register_device(
        &mut self,
        caller: AccountId,
        device_id: DeviceId,
        kind: DeviceKind,
        key: DeviceKey,
        metadata_hash: Hash32,
    ) -> Outcome {
        let (owner, mut citizen) = self.active_caller(caller)?;
        ensure_compressed_key(&key)?;
        if self.devices.contains(device_id) {
            return Err(RegistryError::DeviceIdTaken);
        }
        if citizen.device_count >= self.max_devices_per_citizen {
            return Err(RegistryError::DeviceCapReached);
        }
        citizen.device_count = citizen.device_count.saturating_add(1);
        self.citizens.insert(owner, &citizen);
        let record = DeviceRecord {
            owner,
            kind,
            key,
            metadata_hash,
            status: DeviceStatus::Pending,
        };
        self.devices.insert(device_id, &record);
        Ok(RegistryEvent::DeviceRegistered(ev::DeviceRegistered {
            device_id,
            owner: caller,
            kind,
            key,
        }))
    }

    pub fn commission_device(&mut self, caller: AccountId, device_id: DeviceId) -> Outcome {
        self.ensure_role(caller, RegistryRole::Operator)?;
        let mut device = self
            .devices
            .get(device_id)
            .ok_or(RegistryError::DeviceNotFound)?;
        match device.status {
            DeviceStatus::Revoked => return Err(RegistryError::DeviceRevoked),
            DeviceStatus::Commissioned => return Err(RegistryError::AlreadyCommissioned),
            DeviceStatus::Pending => {}
        }
        device.status = DeviceStatus::Commissioned;
        self.devices.insert(device_id, &device);
        Ok(RegistryEvent::DeviceCommissioned(ev::DeviceCommissioned {
            device_id,
            operator: caller,
        }))
    }

    /// The owner hands a device to another active citizen; it stays commissioned, as the
    /// hardware and its key are unchanged.
    pub fn transfer_device(
        &mut self,
        caller: AccountId,
        device_id: DeviceId,
        to: AccountId,
    ) -> Outcome {
        let (owner, mut seller) = self.active_caller(caller)?;
        let mut device = self.owned_live_device(owner, device_id)?;
        let buyer_id = self
            .virtual_id_of
            .get(to)
            .ok_or(RegistryError::RecipientNotActive)?;
        if buyer_id == owner {
            return Err(RegistryError::SameOwner);
        }
        let mut buyer = self
            .citizens
            .get(buyer_id)
            .ok_or(RegistryError::RecipientNotActive)?;
        if buyer.status != CitizenStatus::Active {
            return Err(RegistryError::RecipientNotActive);
        }
        if buyer.device_count >= self.max_devices_per_citizen {
            return Err(RegistryError::DeviceCapReached);
        }
        seller.device_count = seller.device_count.saturating_sub(1);
        buyer.device_count = buyer.device_count.saturating_add(1);
        self.citizens.insert(owner, &seller);
        self.citizens.insert(buyer_id, &buyer);
        device.owner = buyer_id;
        self.devices.insert(device_id, &device);
        Ok(RegistryEvent::DeviceTransferred(ev::DeviceTransferred {
            device_id,
            from: caller,
            to,
        }))
    }

    /// A new key sends the device back to `Pending`: otherwise an owner could swap in a
    /// key of their own and sign whatever readings they like.
    pub fn rotate_device_key(
        &mut self,
        caller: AccountId,
        device_id: DeviceId,
        new_key: DeviceKey,
    ) -> Outcome {
        let (owner, _) = self.active_caller(caller)?;
        ensure_compressed_key(&new_key)?;
        let mut device = self.owned_live_device(owner, device_id)?;
        if device.key == new_key {
            return Err(RegistryError::SameKey);
        }
        device.key = new_key;
        device.status = DeviceStatus::Pending;
        self.devices.insert(device_id, &device);
        Ok(RegistryEvent::DeviceKeyRotated(ev::DeviceKeyRotated {
            device_id,
            new_key,
        }))
    }

    /// The owner (even a suspended one, so a stolen meter can always be disowned) or an
    /// operator revokes a device for good; it stops counting towards the owner's cap.
    pub fn revoke_device(&mut self, caller: AccountId, device_id: DeviceId) -> Outcome {
        let mut device = self
            .devices
            .get(device_id)
            .ok_or(RegistryError::DeviceNotFound)?;
        let is_owner = self.virtual_id_of.get(caller) == Some(device.owner);
        if !is_owner && !self.has_role(RegistryRole::Operator, caller) {
            return Err(RegistryError::NotDeviceOwner);
        }
        if device.status == DeviceStatus::Revoked {
            return Err(RegistryError::DeviceRevoked);
        }
        device.status = DeviceStatus::Revoked;
        self.devices.insert(device_id, &device);
        if let Some(mut owner) = self.citizens.get(device.owner) {
            owner.device_count = owner.device_count.saturating_sub(1);
            self.citizens.insert(device.owner, &owner);
        }
        Ok(RegistryEvent::DeviceRevoked(ev::DeviceRevoked {
            device_id,
            revoked_by: caller,
        }))
    }

    fn owned_live_device(
        &self,
        owner: VirtualId,
        device_id: DeviceId,
    ) -> Result<DeviceRecord, RegistryError> {
        let device = self
            .devices
            .get(device_id)
            .ok_or(RegistryError::DeviceNotFound)?;
        if device.owner != owner {
            return Err(RegistryError::NotDeviceOwner);
        }
        if device.status == DeviceStatus::Revoked {
            return Err(RegistryError::DeviceRevoked);
        }
        Ok(device)
    }

    pub fn device(&self, device_id: DeviceId) -> Option<DeviceInfo> {
        let device = self.devices.get(device_id)?;
        let owner = self.citizens.get(device.owner);
        let owner_active = owner
            .as_ref()
            .is_some_and(|c| c.status == CitizenStatus::Active);
        Some(DeviceInfo {
            device_id,
            // The owner record always exists (citizens are never deleted); the fallback
            // is the zero account only to keep this a total function.
            owner: owner.map(|c| c.account).unwrap_or(AccountId::from([0; 32])),
            owner_id: device.owner,
            kind: device.kind,
            key: device.key,
            metadata_hash: device.metadata_hash,
            status: device.status,
            active: owner_active && device.status == DeviceStatus::Commissioned,
        })
    }

    // ----- digital-twin anchors ------------------------------------------------------------

    /// Anchors (or re-anchors, bumping the version) the hash of a subject's off-chain record.
    pub fn anchor_record(
        &mut self,
        caller: AccountId,
        subject: Hash32,
        record_hash: Hash32,
        now: TimestampMs,
    ) -> Outcome {
        self.ensure_issuer_or_operator(caller)?;
        let version = self
            .anchors
            .get(subject)
            .map_or(1, |previous| previous.version.saturating_add(1));
        self.anchors.insert(
            subject,
            &Anchor {
                record_hash,
                anchored_by: caller,
                anchored_at_ms: now,
                version,
            },
        );
        Ok(RegistryEvent::RecordAnchored(ev::RecordAnchored {
            subject,
            record_hash,
            version,
            anchored_by: caller,
        }))
    }

    pub fn anchor(&self, subject: Hash32) -> Option<Anchor> {
        self.anchors.get(subject)
    }

    /// Whether `record_hash` is the latest anchored hash for `subject`.
    pub fn verify_record(&self, subject: Hash32, record_hash: Hash32) -> bool {
        self.anchors
            .get(subject)
            .is_some_and(|anchor| anchor.record_hash == record_hash)
    }

    // ----- consent -------------------------------------------------------------------------

    /// Grants (or extends, or shortens) a service's access to a data category.
    pub fn grant_consent(
        &mut self,
        caller: AccountId,
        service: AccountId,
        category: DataCategory,
        expires_at_ms: TimestampMs,
        now: TimestampMs,
    ) -> Outcome {
        let (virtual_id, _) = self.active_caller(caller)?;
        if expires_at_ms <= now {
            return Err(RegistryError::ExpiryInPast);
        }
        self.consents
            .insert((virtual_id, service, category), &expires_at_ms);
        Ok(RegistryEvent::ConsentGranted(ev::ConsentGranted {
            virtual_id,
            service,
            category,
            expires_at_ms,
        }))
    }

    /// Withdraws a consent. Allowed to suspended citizens too: withdrawing is never barred.
    pub fn revoke_consent(
        &mut self,
        caller: AccountId,
        service: AccountId,
        category: DataCategory,
    ) -> Outcome {
        let virtual_id = self
            .virtual_id_of
            .get(caller)
            .ok_or(RegistryError::CallerNotCitizen)?;
        if self
            .consents
            .take((virtual_id, service, category))
            .is_none()
        {
            return Err(RegistryError::ConsentNotFound);
        }
        Ok(RegistryEvent::ConsentRevoked(ev::ConsentRevoked {
            virtual_id,
            service,
            category,
        }))
    }

    /// The expiry of a consent, expired or not.
    pub fn consent_expiry(
        &self,
        virtual_id: VirtualId,
        service: AccountId,
        category: DataCategory,
    ) -> Option<TimestampMs> {
        self.consents.get((virtual_id, service, category))
    }

    /// Whether the active citizen acting as `citizen` lets `service` read `category` at `now`.
    pub fn has_consent(
        &self,
        citizen: AccountId,
        service: AccountId,
        category: DataCategory,
        now: TimestampMs,
    ) -> bool {
        if !self.is_active(citizen) {
            return false;
        }
        self.virtual_id_of
            .get(citizen)
            .and_then(|id| self.consents.get((id, service, category)))
            .is_some_and(|expires_at_ms| now < expires_at_ms)
    }
}

fn ensure_compressed_key(key: &DeviceKey) -> Result<(), RegistryError> {
    match key[0] {
        0x02 | 0x03 => Ok(()),
        _ => Err(RegistryError::InvalidDeviceKey),
    }
}

// `#[ink::test]` only because `Mapping` needs ink!'s off-chain storage engine.
#[cfg(test)]
mod tests {
    use super::*;

    fn account(n: u8) -> AccountId {
        AccountId::from([n; 32])
    }
    const ADMIN: u8 = 1;
    const ISSUER: u8 = 2;
    const OPERATOR: u8 = 3;
    const ALICE: u8 = 10;
    const BOB: u8 = 11;
    const MALLORY: u8 = 66;
    const NOW: TimestampMs = 1_700_000_000_000;

    fn key(n: u8) -> DeviceKey {
        let mut key = [n; 33];
        key[0] = 0x02;
        key
    }

    /// A registry with an issuer, an operator, and Alice and Bob as active citizens.
    fn city() -> Registry {
        let mut registry = Registry::new(account(ADMIN), 2).unwrap();
        registry
            .grant_role(account(ADMIN), RegistryRole::Issuer, account(ISSUER))
            .unwrap();
        registry
            .grant_role(account(ADMIN), RegistryRole::Operator, account(OPERATOR))
            .unwrap();
        registry
            .register_citizen(account(ISSUER), [ALICE; 32], account(ALICE), NOW)
            .unwrap();
        registry
            .register_citizen(account(ISSUER), [BOB; 32], account(BOB), NOW)
            .unwrap();
        registry
    }

    fn with_meter(registry: &mut Registry) -> DeviceId {
        let meter = [0xA1; 32];
        registry
            .register_device(account(ALICE), meter, DeviceKind::Meter, key(7), [0; 32])
            .unwrap();
        registry
            .commission_device(account(OPERATOR), meter)
            .unwrap();
        meter
    }

    #[ink::test]
    fn zero_cap_is_refused() {
        assert_eq!(
            Registry::new(account(ADMIN), 0).err(),
            Some(RegistryError::InvalidCap)
        );
        let mut registry = city();
        assert_eq!(
            registry.set_max_devices_per_citizen(account(ADMIN), 0),
            Err(RegistryError::InvalidCap)
        );
        assert_eq!(
            registry.set_max_devices_per_citizen(account(MALLORY), 5),
            Err(RegistryError::NotAdmin)
        );
    }

    #[ink::test]
    fn roles_are_admin_only_and_not_doubled() {
        let mut registry = city();
        assert_eq!(
            registry.grant_role(account(MALLORY), RegistryRole::Issuer, account(MALLORY)),
            Err(RegistryError::NotAdmin)
        );
        assert_eq!(
            registry.grant_role(account(ADMIN), RegistryRole::Issuer, account(ISSUER)),
            Err(RegistryError::RoleAlreadyGranted)
        );
        registry
            .revoke_role(account(ADMIN), RegistryRole::Issuer, account(ISSUER))
            .unwrap();
        assert!(!registry.has_role(RegistryRole::Issuer, account(ISSUER)));
        assert_eq!(
            registry.revoke_role(account(ADMIN), RegistryRole::Issuer, account(ISSUER)),
            Err(RegistryError::RoleNotGranted)
        );
        assert_eq!(
            registry.register_citizen(account(ISSUER), [5; 32], account(5), NOW),
            Err(RegistryError::MissingRole(RegistryRole::Issuer))
        );
    }

    #[ink::test]
    fn admin_handover_needs_acceptance() {
        let mut registry = city();
        registry
            .propose_admin(account(ADMIN), account(BOB))
            .unwrap();
        assert_eq!(registry.admin(), account(ADMIN));
        assert_eq!(
            registry.accept_admin(account(MALLORY)),
            Err(RegistryError::NotPendingAdmin)
        );
        assert_eq!(
            registry.accept_admin(account(BOB)),
            Ok(RegistryEvent::AdminChanged(ev::AdminChanged {
                previous: account(ADMIN),
                new_admin: account(BOB)
            }))
        );
        assert_eq!(registry.admin(), account(BOB));
        assert_eq!(registry.pending_admin(), None);
        assert_eq!(
            registry.grant_role(account(ADMIN), RegistryRole::Issuer, account(5)),
            Err(RegistryError::NotAdmin)
        );
    }

    #[ink::test]
    fn one_account_per_virtual_id_and_back() {
        let mut registry = city();
        assert_eq!(
            registry.register_citizen(account(ISSUER), [ALICE; 32], account(20), NOW),
            Err(RegistryError::VirtualIdTaken)
        );
        assert_eq!(
            registry.register_citizen(account(ISSUER), [20; 32], account(ALICE), NOW),
            Err(RegistryError::AccountTaken)
        );
        let alice = registry.citizen_of(account(ALICE)).unwrap();
        assert_eq!(alice.virtual_id, [ALICE; 32]);
        assert_eq!(alice.issued_by, account(ISSUER));
        assert_eq!(alice.registered_at_ms, NOW);
    }

    #[ink::test]
    fn suspend_reactivate_and_revoke_is_final() {
        let mut registry = city();
        let id = [ALICE; 32];
        registry
            .set_citizen_status(account(ISSUER), id, CitizenStatus::Suspended)
            .unwrap();
        assert!(!registry.is_active(account(ALICE)));
        assert_eq!(
            registry.set_citizen_status(account(ISSUER), id, CitizenStatus::Suspended),
            Err(RegistryError::StatusUnchanged)
        );
        registry
            .set_citizen_status(account(ISSUER), id, CitizenStatus::Active)
            .unwrap();
        assert!(registry.is_active(account(ALICE)));
        registry
            .set_citizen_status(account(ISSUER), id, CitizenStatus::Revoked)
            .unwrap();
        assert_eq!(
            registry.set_citizen_status(account(ISSUER), id, CitizenStatus::Active),
            Err(RegistryError::CitizenRevoked)
        );
        assert_eq!(
            registry.set_citizen_status(account(ISSUER), [99; 32], CitizenStatus::Active),
            Err(RegistryError::CitizenNotFound)
        );
    }

    #[ink::test]
    fn moved_virtual_id_keeps_its_devices() {
        let mut registry = city();
        let meter = with_meter(&mut registry);
        registry
            .move_citizen(account(ISSUER), [ALICE; 32], account(40))
            .unwrap();
        assert!(!registry.is_active(account(ALICE)));
        assert!(registry.is_active(account(40)));
        assert_eq!(registry.device(meter).unwrap().owner, account(40));
        assert_eq!(
            registry.move_citizen(account(ISSUER), [ALICE; 32], account(BOB)),
            Err(RegistryError::AccountTaken)
        );
        // the old account is free again and can be given to a new citizen
        registry
            .register_citizen(account(ISSUER), [41; 32], account(ALICE), NOW)
            .unwrap();
    }

    #[ink::test]
    fn device_lifecycle() {
        let mut registry = city();
        let meter = [0xA1; 32];
        registry
            .register_device(account(ALICE), meter, DeviceKind::Meter, key(7), [9; 32])
            .unwrap();
        let pending = registry.device(meter).unwrap();
        assert_eq!(pending.status, DeviceStatus::Pending);
        assert!(!pending.active);
        assert_eq!(
            registry.commission_device(account(ALICE), meter),
            Err(RegistryError::MissingRole(RegistryRole::Operator))
        );
        registry
            .commission_device(account(OPERATOR), meter)
            .unwrap();
        assert!(registry.device(meter).unwrap().active);
        assert_eq!(
            registry.commission_device(account(OPERATOR), meter),
            Err(RegistryError::AlreadyCommissioned)
        );
        // a rotated key needs an operator again
        assert_eq!(
            registry.rotate_device_key(account(ALICE), meter, key(7)),
            Err(RegistryError::SameKey)
        );
        registry
            .rotate_device_key(account(ALICE), meter, key(8))
            .unwrap();
        let rotated = registry.device(meter).unwrap();
        assert_eq!(
            (rotated.key, rotated.status),
            (key(8), DeviceStatus::Pending)
        );
        registry
            .commission_device(account(OPERATOR), meter)
            .unwrap();
        registry.revoke_device(account(ALICE), meter).unwrap();
        assert_eq!(
            registry.device(meter).unwrap().status,
            DeviceStatus::Revoked
        );
        assert_eq!(
            registry.revoke_device(account(ALICE), meter),
            Err(RegistryError::DeviceRevoked)
        );
        assert_eq!(
            registry.commission_device(account(OPERATOR), meter),
            Err(RegistryError::DeviceRevoked)
        );
        assert_eq!(
            registry.register_device(account(ALICE), meter, DeviceKind::Meter, key(7), [0; 32]),
            Err(RegistryError::DeviceIdTaken)
        );
        assert_eq!(registry.citizen_of(account(ALICE)).unwrap().device_count, 0);
    }

    #[ink::test]
    fn device_refusals() {
        let mut registry = city();
        let mut bad_key = key(1);
        bad_key[0] = 0x04;
        assert_eq!(
            registry.register_device(account(ALICE), [1; 32], DeviceKind::Meter, bad_key, [0; 32]),
            Err(RegistryError::InvalidDeviceKey)
        );
        assert_eq!(
            registry.register_device(
                account(MALLORY),
                [1; 32],
                DeviceKind::Meter,
                key(1),
                [0; 32]
            ),
            Err(RegistryError::CallerNotCitizen)
        );
        let meter = with_meter(&mut registry);
        assert_eq!(
            registry.revoke_device(account(BOB), meter),
            Err(RegistryError::NotDeviceOwner)
        );
        assert_eq!(
            registry.transfer_device(account(BOB), meter, account(BOB)),
            Err(RegistryError::NotDeviceOwner)
        );
        assert_eq!(
            registry.rotate_device_key(account(ALICE), [77; 32], key(3)),
            Err(RegistryError::DeviceNotFound)
        );
        registry
            .set_citizen_status(account(ISSUER), [ALICE; 32], CitizenStatus::Suspended)
            .unwrap();
        assert!(!registry.device(meter).unwrap().active);
        assert_eq!(
            registry.register_device(account(ALICE), [2; 32], DeviceKind::Meter, key(2), [0; 32]),
            Err(RegistryError::CallerNotActive)
        );
        // an operator can always revoke
        registry.revoke_device(account(OPERATOR), meter).unwrap();
    }

    #[ink::test]
    fn cap_counts_held_devices() {
        let mut registry = city();
        for n in 1..=2u8 {
            registry
                .register_device(
                    account(ALICE),
                    [n; 32],
                    DeviceKind::Vehicle,
                    key(n),
                    [0; 32],
                )
                .unwrap();
        }
        assert_eq!(
            registry.register_device(
                account(ALICE),
                [3; 32],
                DeviceKind::Vehicle,
                key(3),
                [0; 32]
            ),
            Err(RegistryError::DeviceCapReached)
        );
        registry
            .transfer_device(account(ALICE), [1; 32], account(BOB))
            .unwrap();
        assert_eq!(registry.citizen_of(account(BOB)).unwrap().device_count, 1);
        registry
            .register_device(
                account(ALICE),
                [3; 32],
                DeviceKind::Vehicle,
                key(3),
                [0; 32],
            )
            .unwrap();
        registry
            .register_device(account(BOB), [4; 32], DeviceKind::Vehicle, key(4), [0; 32])
            .unwrap();
        assert_eq!(
            registry.transfer_device(account(ALICE), [2; 32], account(BOB)),
            Err(RegistryError::DeviceCapReached)
        );
    }

    #[ink::test]
    fn transfer_refusals() {
        let mut registry = city();
        let meter = with_meter(&mut registry);
        assert_eq!(
            registry.transfer_device(account(ALICE), meter, account(ALICE)),
            Err(RegistryError::SameOwner)
        );
        assert_eq!(
            registry.transfer_device(account(ALICE), meter, account(MALLORY)),
            Err(RegistryError::RecipientNotActive)
        );
        registry
            .set_citizen_status(account(ISSUER), [BOB; 32], CitizenStatus::Suspended)
            .unwrap();
        assert_eq!(
            registry.transfer_device(account(ALICE), meter, account(BOB)),
            Err(RegistryError::RecipientNotActive)
        );
        registry
            .set_citizen_status(account(ISSUER), [BOB; 32], CitizenStatus::Active)
            .unwrap();
        registry
            .transfer_device(account(ALICE), meter, account(BOB))
            .unwrap();
        let sold = registry.device(meter).unwrap();
        assert_eq!(
            (sold.owner, sold.status),
            (account(BOB), DeviceStatus::Commissioned)
        );
    }

    #[ink::test]
    fn anchors_are_versioned_and_checked() {
        let mut registry = city();
        let subject = [ALICE; 32];
        assert_eq!(
            registry.anchor_record(account(ALICE), subject, [1; 32], NOW),
            Err(RegistryError::NotIssuerOrOperator)
        );
        registry
            .anchor_record(account(ISSUER), subject, [1; 32], NOW)
            .unwrap();
        assert!(registry.verify_record(subject, [1; 32]));
        registry
            .anchor_record(account(OPERATOR), subject, [2; 32], NOW + 5)
            .unwrap();
        assert!(!registry.verify_record(subject, [1; 32]));
        assert!(registry.verify_record(subject, [2; 32]));
        let anchor = registry.anchor(subject).unwrap();
        assert_eq!(
            (anchor.version, anchor.anchored_by, anchor.anchored_at_ms),
            (2, account(OPERATOR), NOW + 5)
        );
        assert!(!registry.verify_record([0; 32], [0; 32]));
    }

    #[ink::test]
    fn consent_holds_until_expiry() {
        let mut registry = city();
        let service = account(50);
        let category = DataCategory::EnergyReadings;
        assert_eq!(
            registry.grant_consent(account(ALICE), service, category, NOW, NOW),
            Err(RegistryError::ExpiryInPast)
        );
        registry
            .grant_consent(account(ALICE), service, category, NOW + 1_000, NOW)
            .unwrap();
        assert!(registry.has_consent(account(ALICE), service, category, NOW + 999));
        assert!(!registry.has_consent(account(ALICE), service, category, NOW + 1_000));
        assert!(!registry.has_consent(account(ALICE), service, DataCategory::Mobility, NOW));
        registry
            .set_citizen_status(account(ISSUER), [ALICE; 32], CitizenStatus::Suspended)
            .unwrap();
        assert!(!registry.has_consent(account(ALICE), service, category, NOW));
        registry
            .revoke_consent(account(ALICE), service, category)
            .unwrap();
        assert_eq!(
            registry.revoke_consent(account(ALICE), service, category),
            Err(RegistryError::ConsentNotFound)
        );
        assert_eq!(
            registry.grant_consent(account(MALLORY), service, category, NOW + 1, NOW),
            Err(RegistryError::CallerNotCitizen)
        );
    }
}
