//! Identity registry: who is who in the smart city, by masked ids only.
//!
//! Issuers register citizens (account <-> virtual id, one to one); citizens register
//! their devices (meters, chargers, vehicles, sensors) with a secp256k1 key; operators
//! commission them; issuers and operators anchor digital-twin record hashes; citizens
//! grant services consent to read their data. The other contracts ask it through the
//! `IdentityRegistry` trait of the `interfaces` crate.
//!
//! The rules live in `rules.rs` (plain Rust); this module is the shell that reads the
//! caller and the time, calls the rules and emits the event they return.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub mod rules;

#[ink::contract]
mod identity_registry {
    use crate::rules::Registry;
    use ink::prelude::vec::Vec;
    use interfaces::{
        Anchor, Citizen, CitizenStatus, DataCategory, DeviceId, DeviceInfo, DeviceKey, DeviceKind,
        EnergyProfile, Hash32, IdentityRegistry as IdentityRegistryApi, RegistryError,
        RegistryEvent, RegistryRole, TimestampMs, VirtualId, MAX_QUERY_BATCH,
    };

    #[ink(storage)]
    pub struct IdentityRegistry {
        registry: Registry,
    }

    impl IdentityRegistry {
        /// Deploys the registry with the caller as admin and a cap on the devices a
        /// citizen may hold. Fails with `InvalidCap` for a cap of zero.
        #[ink(constructor)]
        pub fn new(max_devices_per_citizen: u32) -> Result<Self, RegistryError> {
            let registry = Registry::new(Self::env().caller(), max_devices_per_citizen)?;
            Ok(Self { registry })
        }

        fn apply(
            &mut self,
            outcome: Result<RegistryEvent, RegistryError>,
        ) -> Result<(), RegistryError> {
            let event = outcome?;
            let env = self.env();
            match event {
                RegistryEvent::RoleGranted(e) => env.emit_event(e),
                RegistryEvent::RegistryPauseChanged(e) => env.emit_event(e),
                RegistryEvent::RoleRevoked(e) => env.emit_event(e),
                RegistryEvent::AdminTransferProposed(e) => env.emit_event(e),
                RegistryEvent::AdminChanged(e) => env.emit_event(e),
                RegistryEvent::DeviceCapChanged(e) => env.emit_event(e),
                RegistryEvent::CitizenRegistered(e) => env.emit_event(e),
                RegistryEvent::CitizenStatusChanged(e) => env.emit_event(e),
                RegistryEvent::CitizenAccountMoved(e) => env.emit_event(e),
                RegistryEvent::DeviceRegistered(e) => env.emit_event(e),
                RegistryEvent::DeviceCommissioned(e) => env.emit_event(e),
                RegistryEvent::DeviceTransferred(e) => env.emit_event(e),
                RegistryEvent::DeviceKeyRotated(e) => env.emit_event(e),
                RegistryEvent::DeviceRevoked(e) => env.emit_event(e),
                RegistryEvent::RecordAnchored(e) => env.emit_event(e),
                RegistryEvent::ConsentGranted(e) => env.emit_event(e),
                RegistryEvent::ConsentRevoked(e) => env.emit_event(e),
            }
            Ok(())
        }

        fn now(&self) -> TimestampMs {
            self.env().block_timestamp()
        }

        // ----- admin and roles -----------------------------------------------------------

        /// The admin: grants and revokes roles, sets the device cap, hands over admin.
        #[ink(message)]
        pub fn admin(&self) -> AccountId {
            self.registry.admin()
        }

        /// The account proposed as next admin, if a handover is under way.
        #[ink(message)]
        pub fn pending_admin(&self) -> Option<AccountId> {
            self.registry.pending_admin()
        }

        /// Admin only: proposes `proposed` as the next admin (`NotAdmin`). The handover
        /// completes when `proposed` calls `accept_admin`. Emits `AdminTransferProposed`.
        #[ink(message)]
        pub fn propose_admin(&mut self, proposed: AccountId) -> Result<(), RegistryError> {
            let outcome = self.registry.propose_admin(self.env().caller(), proposed);
            self.apply(outcome)
        }

        /// The proposed admin takes over (`NotPendingAdmin` for anyone else). Emits `AdminChanged`.
        #[ink(message)]
        pub fn accept_admin(&mut self) -> Result<(), RegistryError> {
            let outcome = self.registry.accept_admin(self.env().caller());
            self.apply(outcome)
        }

        /// Admin only: gives `account` the Issuer or Operator role
        /// (`NotAdmin`, `RoleAlreadyGranted`). Emits `RoleGranted`.
        #[ink(message)]
        pub fn grant_role(
            &mut self,
            role: RegistryRole,
            account: AccountId,
        ) -> Result<(), RegistryError> {
            let outcome = self.registry.grant_role(self.env().caller(), role, account);
            self.apply(outcome)
        }

        /// Admin only: takes a role away (`NotAdmin`, `RoleNotGranted`). Emits `RoleRevoked`.
        #[ink(message)]
        pub fn revoke_role(
            &mut self,
            role: RegistryRole,
            account: AccountId,
        ) -> Result<(), RegistryError> {
            let outcome = self
                .registry
                .revoke_role(self.env().caller(), role, account);
            self.apply(outcome)
        }

        /// Whether `account` has `role`.
        #[ink(message)]
        pub fn has_role(&self, role: RegistryRole, account: AccountId) -> bool {
            self.registry.has_role(role, account)
        }

        /// How many live devices a citizen may hold.
        #[ink(message)]
        pub fn max_devices_per_citizen(&self) -> u32 {
            self.registry.max_devices_per_citizen()
        }

        /// Admin only: sets the per-citizen device cap (`NotAdmin`, `InvalidCap` for 0).
        /// Citizens above a lowered cap keep their devices but cannot add more.
        /// Emits `DeviceCapChanged`.
        #[ink(message)]
        pub fn set_max_devices_per_citizen(&mut self, cap: u32) -> Result<(), RegistryError> {
            let outcome = self
                .registry
                .set_max_devices_per_citizen(self.env().caller(), cap);
            self.apply(outcome)
        }

        /// Admin only: pauses (`true`) or resumes registering, commissioning, transferring,
        /// re-keying, moving, reactivating, anchoring and consenting; revocations and
        /// suspensions go through while paused, queries always answer (`NotAdmin`,
        /// `PauseUnchanged`). Emits `RegistryPauseChanged`.
        #[ink(message)]
        pub fn set_paused(&mut self, paused: bool) -> Result<(), RegistryError> {
            let outcome = self.registry.set_paused(self.env().caller(), paused);
            self.apply(outcome)
        }

        /// Whether the admin paused the registry.
        #[ink(message)]
        pub fn is_paused(&self) -> bool {
            self.registry.is_paused()
        }

        // ----- citizens ------------------------------------------------------------------

        /// Issuer only: registers `account` as the citizen with masked id `virtual_id`,
        /// active (`MissingRole(Issuer)`, `VirtualIdTaken`, `AccountTaken`).
        /// Emits `CitizenRegistered`.
        #[ink(message)]
        pub fn register_citizen(
            &mut self,
            virtual_id: VirtualId,
            account: AccountId,
        ) -> Result<(), RegistryError> {
            let now = self.now();
            let outcome =
                self.registry
                    .register_citizen(self.env().caller(), virtual_id, account, now);
            self.apply(outcome)
        }

        /// The citizen's issuer (or the admin): suspends, reactivates or revokes a citizen
        /// (`MissingRole(Issuer)`, `NotCitizensIssuer`, `CitizenNotFound`, `CitizenRevoked`
        /// once revoked, `StatusUnchanged`). Emits `CitizenStatusChanged`.
        #[ink(message)]
        pub fn set_citizen_status(
            &mut self,
            virtual_id: VirtualId,
            status: CitizenStatus,
        ) -> Result<(), RegistryError> {
            let outcome = self
                .registry
                .set_citizen_status(self.env().caller(), virtual_id, status);
            self.apply(outcome)
        }

        /// Admin only: binds `virtual_id` to the fresh account `to` (a lost key); its
        /// devices and consents follow (`NotAdmin`, `CitizenNotFound`, `CitizenRevoked`,
        /// `AccountTaken`). Emits `CitizenAccountMoved`.
        #[ink(message)]
        pub fn move_citizen(
            &mut self,
            virtual_id: VirtualId,
            to: AccountId,
        ) -> Result<(), RegistryError> {
            let outcome = self
                .registry
                .move_citizen(self.env().caller(), virtual_id, to);
            self.apply(outcome)
        }

        /// The citizen with this virtual id.
        #[ink(message)]
        pub fn citizen(&self, virtual_id: VirtualId) -> Option<Citizen> {
            self.registry.citizen(virtual_id)
        }

        /// The citizen this account acts for.
        #[ink(message)]
        pub fn citizen_of(&self, account: AccountId) -> Option<Citizen> {
            self.registry.citizen_of(account)
        }

        // ----- devices -------------------------------------------------------------------

        /// An active citizen registers a device it owns, pending commissioning
        /// (`CallerNotCitizen`, `CallerNotActive`, `InvalidDeviceKey`, `DeviceIdTaken`,
        /// `DeviceCapReached`). Emits `DeviceRegistered`.
        #[ink(message)]
        pub fn register_device(
            &mut self,
            device_id: DeviceId,
            kind: DeviceKind,
            key: DeviceKey,
            metadata_hash: Hash32,
        ) -> Result<(), RegistryError> {
            let outcome = self.registry.register_device(
                self.env().caller(),
                device_id,
                kind,
                key,
                metadata_hash,
                self.env().block_timestamp(),
            );
            self.apply(outcome)
        }

        /// Operator only: approves a pending device so its signatures count. A meter or an
        /// EV charger needs the `energy` profile the operator fixed at its installation
        /// (its source, its rated power); other kinds take `None` (`MissingRole(Operator)`,
        /// `DeviceNotFound`, `DeviceRevoked`, `AlreadyCommissioned`,
        /// `EnergyProfileRequired`, `ProfileNotForKind`). Emits `DeviceCommissioned`.
        #[ink(message)]
        pub fn commission_device(
            &mut self,
            device_id: DeviceId,
            energy: Option<EnergyProfile>,
        ) -> Result<(), RegistryError> {
            let outcome = self
                .registry
                .commission_device(self.env().caller(), device_id, energy);
            self.apply(outcome)
        }

        /// The owner (an active citizen) hands a device to another active citizen
        /// (`NotDeviceOwner`, `DeviceNotFound`, `DeviceRevoked`, `SameOwner`,
        /// `RecipientNotActive`, `DeviceCapReached`). Emits `DeviceTransferred`.
        #[ink(message)]
        pub fn transfer_device(
            &mut self,
            device_id: DeviceId,
            to: AccountId,
        ) -> Result<(), RegistryError> {
            let outcome = self.registry.transfer_device(
                self.env().caller(),
                device_id,
                to,
                self.env().block_timestamp(),
            );
            self.apply(outcome)
        }

        /// The owner replaces the device key; the device is pending again until an
        /// operator re-commissions it (`NotDeviceOwner`, `DeviceNotFound`,
        /// `DeviceRevoked`, `InvalidDeviceKey`, `SameKey`). Emits `DeviceKeyRotated`.
        #[ink(message)]
        pub fn rotate_device_key(
            &mut self,
            device_id: DeviceId,
            new_key: DeviceKey,
        ) -> Result<(), RegistryError> {
            let outcome = self
                .registry
                .rotate_device_key(self.env().caller(), device_id, new_key);
            self.apply(outcome)
        }

        /// The owner or an operator retires a device for good (`NotDeviceOwner`,
        /// `DeviceNotFound`, `DeviceRevoked`). Emits `DeviceRevoked`.
        #[ink(message)]
        pub fn revoke_device(&mut self, device_id: DeviceId) -> Result<(), RegistryError> {
            let outcome = self.registry.revoke_device(self.env().caller(), device_id);
            self.apply(outcome)
        }

        // ----- digital-twin anchors --------------------------------------------------------

        /// Issuer or operator: anchors the hash of `subject`'s off-chain record (a
        /// citizen's or a device's digital twin); re-anchoring bumps the version
        /// (`NotIssuerOrOperator`, `NotAnchorOwner`: only whoever anchored a subject, or
        /// the admin, re-anchors it). Emits `RecordAnchored`.
        #[ink(message)]
        pub fn anchor_record(
            &mut self,
            subject: Hash32,
            record_hash: Hash32,
        ) -> Result<(), RegistryError> {
            let now = self.now();
            let outcome =
                self.registry
                    .anchor_record(self.env().caller(), subject, record_hash, now);
            self.apply(outcome)
        }

        /// The latest anchor of `subject`.
        #[ink(message)]
        pub fn anchor(&self, subject: Hash32) -> Option<Anchor> {
            self.registry.anchor(subject)
        }

        /// Whether a copy of `subject`'s record hashes to the latest anchored hash.
        #[ink(message)]
        pub fn verify_record(&self, subject: Hash32, record_hash: Hash32) -> bool {
            self.registry.verify_record(subject, record_hash)
        }

        // ----- consent ---------------------------------------------------------------------

        /// An active citizen lets `service` read `category` until `expires_at_ms`;
        /// granting again replaces the expiry (`CallerNotCitizen`, `CallerNotActive`,
        /// `ExpiryInPast`). Emits `ConsentGranted`.
        #[ink(message)]
        pub fn grant_consent(
            &mut self,
            service: AccountId,
            category: DataCategory,
            expires_at_ms: TimestampMs,
        ) -> Result<(), RegistryError> {
            let now = self.now();
            let outcome = self.registry.grant_consent(
                self.env().caller(),
                service,
                category,
                expires_at_ms,
                now,
            );
            self.apply(outcome)
        }

        /// A citizen withdraws a consent (`CallerNotCitizen`, `ConsentNotFound`).
        /// Emits `ConsentRevoked`.
        #[ink(message)]
        pub fn revoke_consent(
            &mut self,
            service: AccountId,
            category: DataCategory,
        ) -> Result<(), RegistryError> {
            let outcome = self
                .registry
                .revoke_consent(self.env().caller(), service, category);
            self.apply(outcome)
        }

        /// The stored expiry of a consent, whether or not it has passed.
        #[ink(message)]
        pub fn consent_expiry(
            &self,
            virtual_id: VirtualId,
            service: AccountId,
            category: DataCategory,
        ) -> Option<TimestampMs> {
            self.registry.consent_expiry(virtual_id, service, category)
        }
    }

    impl IdentityRegistryApi for IdentityRegistry {
        /// Whether `account` acts for an active citizen.
        #[ink(message)]
        fn is_active(&self, account: AccountId) -> bool {
            self.registry.is_active(account)
        }

        /// `is_active` for each account, in order (`BatchTooLarge` above `MAX_QUERY_BATCH`).
        #[ink(message)]
        fn are_active(&self, accounts: Vec<AccountId>) -> Result<Vec<bool>, RegistryError> {
            ensure_batch(accounts.len())?;
            Ok(accounts
                .into_iter()
                .map(|a| self.registry.is_active(a))
                .collect())
        }

        /// The device, if registered; `active` says whether its signatures count.
        #[ink(message)]
        fn device(&self, device_id: DeviceId) -> Option<DeviceInfo> {
            self.registry.device(device_id)
        }

        /// `device` for each id, in order (`BatchTooLarge` above `MAX_QUERY_BATCH`).
        #[ink(message)]
        fn devices(
            &self,
            device_ids: Vec<DeviceId>,
        ) -> Result<Vec<Option<DeviceInfo>>, RegistryError> {
            ensure_batch(device_ids.len())?;
            Ok(device_ids
                .into_iter()
                .map(|id| self.registry.device(id))
                .collect())
        }

        /// The account that acts now for the citizen `former` acted for before the admin
        /// moved it (a lost key); `None` if `former` was never moved away from.
        #[ink(message)]
        fn successor(&self, former: AccountId) -> Option<AccountId> {
            self.registry.successor(former)
        }

        /// Whether the active citizen `citizen` lets `service` read `category` now.
        #[ink(message)]
        fn has_consent(
            &self,
            citizen: AccountId,
            service: AccountId,
            category: DataCategory,
        ) -> bool {
            self.registry
                .has_consent(citizen, service, category, self.now())
        }
    }

    fn ensure_batch(len: usize) -> Result<(), RegistryError> {
        if len > MAX_QUERY_BATCH as usize {
            Err(RegistryError::BatchTooLarge)
        } else {
            Ok(())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use ink::env::{test, DefaultEnvironment};

        fn accounts() -> test::DefaultAccounts<DefaultEnvironment> {
            test::default_accounts::<DefaultEnvironment>()
        }

        fn set_caller(account: AccountId) {
            test::set_caller::<DefaultEnvironment>(account);
        }

        #[ink::test]
        fn shell_reads_caller_and_emits_one_event_per_change() {
            let a = accounts();
            set_caller(a.alice);
            let mut contract = IdentityRegistry::new(4).unwrap();
            assert_eq!(contract.admin(), a.alice);
            contract.grant_role(RegistryRole::Issuer, a.bob).unwrap();
            set_caller(a.bob);
            contract.register_citizen([7; 32], a.charlie).unwrap();
            assert_eq!(
                contract.register_citizen([7; 32], a.django),
                Err(RegistryError::VirtualIdTaken)
            );
            assert!(contract.is_active(a.charlie));
            assert_eq!(
                contract.are_active(ink::prelude::vec![a.charlie, a.django]),
                Ok(ink::prelude::vec![true, false])
            );
            assert_eq!(test::recorded_events().count(), 2);
        }

        #[ink::test]
        fn batch_queries_are_bounded() {
            set_caller(accounts().alice);
            let contract = IdentityRegistry::new(4).unwrap();
            let too_many = ink::prelude::vec![[0u8; 32]; MAX_QUERY_BATCH as usize + 1];
            assert_eq!(
                contract.devices(too_many),
                Err(RegistryError::BatchTooLarge)
            );
            let just_enough = ink::prelude::vec![[0u8; 32]; MAX_QUERY_BATCH as usize];
            assert_eq!(
                contract.devices(just_enough).map(|v| v.len()),
                Ok(MAX_QUERY_BATCH as usize)
            );
        }

        #[ink::test]
        fn consent_follows_block_time() {
            let a = accounts();
            set_caller(a.alice);
            let mut contract = IdentityRegistry::new(4).unwrap();
            contract.grant_role(RegistryRole::Issuer, a.alice).unwrap();
            contract.register_citizen([1; 32], a.bob).unwrap();
            set_caller(a.bob);
            test::set_block_timestamp::<DefaultEnvironment>(1_000);
            contract
                .grant_consent(a.eve, DataCategory::Parking, 2_000)
                .unwrap();
            assert!(contract.has_consent(a.bob, a.eve, DataCategory::Parking));
            test::set_block_timestamp::<DefaultEnvironment>(2_000);
            assert!(!contract.has_consent(a.bob, a.eve, DataCategory::Parking));
            assert_eq!(
                contract.consent_expiry([1; 32], a.eve, DataCategory::Parking),
                Some(2_000)
            );
        }
    }
}
