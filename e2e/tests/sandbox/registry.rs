//! The committed identity_registry artifact on the embedded sandbox chain, driven through
//! the typed client: every happy path, every refusal by its error variant, events read
//! back, and a second contract asking the registry through `contract_ref!`.

use interfaces::{
    registry_events as ev, AccountId, CitizenStatus, DataCategory, DeviceKind, DeviceStatus,
    RegistryError, RegistryEvent, RegistryRole, MAX_QUERY_BATCH,
};
use smartcity_sandbox::SandboxChain;
use smartcity_sdk::{
    contract::{selector, ContractHandle},
    device_id,
    keys::DeviceSigner,
    named_account,
    registry::registry_events,
    Chain, ClientError, RegistryClient,
};
use smartcity_suite::artifacts;

type Refusal = ClientError<RegistryError>;

/// What an operator commissions a rooftop meter with.
const SOLAR_METER: interfaces::EnergyProfile = interfaces::EnergyProfile {
    source: interfaces::EnergySource::Solar,
    rated_w: 0,
};

fn refused(error: RegistryError) -> Refusal {
    ClientError::Contract(error)
}

fn key(seed: &str) -> [u8; 33] {
    DeviceSigner::from_seed(seed).public_key()
}

fn vid(name: &str) -> [u8; 32] {
    smartcity_sdk::virtual_id(b"e2e-salt", name)
}

/// A registry with an issuer and an operator, and Alice and Bob registered as citizens.
struct City {
    chain: SandboxChain,
    registry: RegistryClient,
    admin: AccountId,
    issuer: AccountId,
    operator: AccountId,
    alice: AccountId,
    bob: AccountId,
    stranger: AccountId,
}

const CAP: u32 = 3;

impl City {
    fn new() -> Self {
        let mut chain = SandboxChain::new();
        let wasm = artifacts::wasm(&artifacts::default_dir(), "identity_registry").unwrap();
        let admin = named_account("admin");
        let issuer = named_account("issuer");
        let operator = named_account("operator");
        let alice = named_account("alice");
        let bob = named_account("bob");
        let registry = RegistryClient::deploy(&mut chain, admin, &wasm, CAP, vec![])
            .unwrap()
            .value;
        registry
            .grant_role(&mut chain, admin, RegistryRole::Issuer, issuer)
            .unwrap();
        registry
            .grant_role(&mut chain, admin, RegistryRole::Operator, operator)
            .unwrap();
        registry
            .register_citizen(&mut chain, issuer, vid("alice"), alice)
            .unwrap();
        registry
            .register_citizen(&mut chain, issuer, vid("bob"), bob)
            .unwrap();
        City {
            chain,
            registry,
            admin,
            issuer,
            operator,
            alice,
            bob,
            stranger: named_account("stranger"),
        }
    }

    /// Alice's commissioned meter.
    fn alice_meter(&mut self) -> [u8; 32] {
        let meter = device_id("alice/meter");
        self.registry
            .register_device(
                &mut self.chain,
                self.alice,
                meter,
                DeviceKind::Meter,
                key("alice/meter"),
                [1; 32],
            )
            .unwrap();
        self.registry
            .commission_device(&mut self.chain, self.operator, meter, Some(SOLAR_METER))
            .unwrap();
        meter
    }
}

#[test]
fn constructor_refuses_a_zero_device_cap() {
    let mut chain = SandboxChain::new();
    let wasm = artifacts::wasm(&artifacts::default_dir(), "identity_registry").unwrap();
    let result = RegistryClient::deploy(&mut chain, named_account("admin"), &wasm, 0, vec![]);
    assert_eq!(result.unwrap_err(), refused(RegistryError::InvalidCap));
}

#[test]
fn issuer_registers_citizens_one_account_per_virtual_id() {
    let mut city = City::new();
    let carol = named_account("carol");
    let receipt = city
        .registry
        .register_citizen(&mut city.chain, city.issuer, vid("carol"), carol)
        .unwrap();
    assert_eq!(
        registry_events(&receipt.events),
        vec![RegistryEvent::CitizenRegistered(ev::CitizenRegistered {
            virtual_id: vid("carol"),
            account: carol,
            issued_by: city.issuer,
        })]
    );
    let citizen = city
        .registry
        .citizen_of(&mut city.chain, carol)
        .unwrap()
        .unwrap();
    assert_eq!(
        (citizen.virtual_id, citizen.status),
        (vid("carol"), CitizenStatus::Active)
    );
    assert!(city.registry.is_active(&mut city.chain, carol).unwrap());

    let dave = named_account("dave");
    assert_eq!(
        city.registry
            .register_citizen(&mut city.chain, city.stranger, vid("dave"), dave)
            .unwrap_err(),
        refused(RegistryError::MissingRole(RegistryRole::Issuer))
    );
    assert_eq!(
        city.registry
            .register_citizen(&mut city.chain, city.issuer, vid("carol"), dave)
            .unwrap_err(),
        refused(RegistryError::VirtualIdTaken)
    );
    assert_eq!(
        city.registry
            .register_citizen(&mut city.chain, city.issuer, vid("dave"), carol)
            .unwrap_err(),
        refused(RegistryError::AccountTaken)
    );
    // a refused call leaves nothing behind
    assert_eq!(
        city.registry.citizen_of(&mut city.chain, dave).unwrap(),
        None
    );
    assert_eq!(
        city.registry.citizen(&mut city.chain, vid("dave")).unwrap(),
        None
    );
}

#[test]
fn admin_grants_roles_and_hands_over() {
    let mut city = City::new();
    let (admin, successor) = (city.admin, named_account("successor"));
    assert_eq!(
        city.registry
            .grant_role(
                &mut city.chain,
                city.stranger,
                RegistryRole::Issuer,
                city.stranger
            )
            .unwrap_err(),
        refused(RegistryError::NotAdmin)
    );
    assert_eq!(
        city.registry
            .grant_role(&mut city.chain, admin, RegistryRole::Issuer, city.issuer)
            .unwrap_err(),
        refused(RegistryError::RoleAlreadyGranted)
    );
    assert_eq!(
        city.registry
            .revoke_role(&mut city.chain, admin, RegistryRole::Operator, city.issuer)
            .unwrap_err(),
        refused(RegistryError::RoleNotGranted)
    );
    let revoked = city
        .registry
        .revoke_role(
            &mut city.chain,
            admin,
            RegistryRole::Operator,
            city.operator,
        )
        .unwrap();
    assert_eq!(
        registry_events(&revoked.events),
        vec![RegistryEvent::RoleRevoked(ev::RoleRevoked {
            account: city.operator,
            role: RegistryRole::Operator
        })]
    );
    assert!(!city
        .registry
        .has_role(&mut city.chain, RegistryRole::Operator, city.operator)
        .unwrap());

    assert_eq!(
        city.registry
            .propose_admin(&mut city.chain, city.stranger, city.stranger)
            .unwrap_err(),
        refused(RegistryError::NotAdmin)
    );
    city.registry
        .propose_admin(&mut city.chain, admin, successor)
        .unwrap();
    assert_eq!(
        city.registry.pending_admin(&mut city.chain).unwrap(),
        Some(successor)
    );
    assert_eq!(
        city.registry
            .accept_admin(&mut city.chain, city.stranger)
            .unwrap_err(),
        refused(RegistryError::NotPendingAdmin)
    );
    let accepted = city
        .registry
        .accept_admin(&mut city.chain, successor)
        .unwrap();
    assert_eq!(
        registry_events(&accepted.events),
        vec![RegistryEvent::AdminChanged(ev::AdminChanged {
            previous: admin,
            new_admin: successor
        })]
    );
    assert_eq!(city.registry.admin(&mut city.chain).unwrap(), successor);
    assert_eq!(
        city.registry
            .set_max_devices_per_citizen(&mut city.chain, admin, 5)
            .unwrap_err(),
        refused(RegistryError::NotAdmin)
    );
    assert_eq!(
        city.registry
            .set_max_devices_per_citizen(&mut city.chain, successor, 0)
            .unwrap_err(),
        refused(RegistryError::InvalidCap)
    );
    city.registry
        .set_max_devices_per_citizen(&mut city.chain, successor, 5)
        .unwrap();
    assert_eq!(
        city.registry
            .max_devices_per_citizen(&mut city.chain)
            .unwrap(),
        5
    );
}

#[test]
fn suspended_citizen_is_inactive_and_revocation_is_final() {
    let mut city = City::new();
    let meter = city.alice_meter();
    city.registry
        .set_citizen_status(
            &mut city.chain,
            city.issuer,
            vid("alice"),
            CitizenStatus::Suspended,
        )
        .unwrap();
    assert!(!city
        .registry
        .is_active(&mut city.chain, city.alice)
        .unwrap());
    assert!(
        !city
            .registry
            .device(&mut city.chain, meter)
            .unwrap()
            .unwrap()
            .active
    );
    assert_eq!(
        city.registry
            .register_device(
                &mut city.chain,
                city.alice,
                [9; 32],
                DeviceKind::Meter,
                key("x"),
                [0; 32]
            )
            .unwrap_err(),
        refused(RegistryError::CallerNotActive)
    );
    assert_eq!(
        city.registry
            .set_citizen_status(
                &mut city.chain,
                city.issuer,
                vid("alice"),
                CitizenStatus::Suspended
            )
            .unwrap_err(),
        refused(RegistryError::StatusUnchanged)
    );
    assert_eq!(
        city.registry
            .set_citizen_status(
                &mut city.chain,
                city.operator,
                vid("alice"),
                CitizenStatus::Active
            )
            .unwrap_err(),
        refused(RegistryError::MissingRole(RegistryRole::Issuer))
    );
    city.registry
        .set_citizen_status(
            &mut city.chain,
            city.issuer,
            vid("alice"),
            CitizenStatus::Active,
        )
        .unwrap();
    assert!(
        city.registry
            .device(&mut city.chain, meter)
            .unwrap()
            .unwrap()
            .active
    );
    city.registry
        .set_citizen_status(
            &mut city.chain,
            city.issuer,
            vid("alice"),
            CitizenStatus::Revoked,
        )
        .unwrap();
    assert_eq!(
        city.registry
            .set_citizen_status(
                &mut city.chain,
                city.issuer,
                vid("alice"),
                CitizenStatus::Active
            )
            .unwrap_err(),
        refused(RegistryError::CitizenRevoked)
    );
    assert_eq!(
        city.registry
            .move_citizen(
                &mut city.chain,
                city.admin,
                vid("alice"),
                named_account("alice-2")
            )
            .unwrap_err(),
        refused(RegistryError::CitizenRevoked)
    );
    assert_eq!(
        city.registry
            .set_citizen_status(
                &mut city.chain,
                city.issuer,
                vid("nobody"),
                CitizenStatus::Active
            )
            .unwrap_err(),
        refused(RegistryError::CitizenNotFound)
    );
}

#[test]
fn lost_key_moves_the_virtual_id_with_its_devices_and_consents() {
    let mut city = City::new();
    let meter = city.alice_meter();
    let service = named_account("utility");
    let now = city.chain.now_ms();
    city.registry
        .grant_consent(
            &mut city.chain,
            city.alice,
            service,
            DataCategory::EnergyReadings,
            now + 60_000,
        )
        .unwrap();
    let new_account = named_account("alice-new-phone");
    assert_eq!(
        city.registry
            .move_citizen(&mut city.chain, city.admin, vid("alice"), city.bob)
            .unwrap_err(),
        refused(RegistryError::AccountTaken)
    );
    // security review I-6: a move hands over a citizen's devices and credits: the admin
    // makes it, not an issuer
    assert_eq!(
        city.registry
            .move_citizen(&mut city.chain, city.issuer, vid("alice"), new_account)
            .unwrap_err(),
        refused(RegistryError::NotAdmin)
    );
    let moved = city
        .registry
        .move_citizen(&mut city.chain, city.admin, vid("alice"), new_account)
        .unwrap();
    assert_eq!(
        registry_events(&moved.events),
        vec![RegistryEvent::CitizenAccountMoved(
            ev::CitizenAccountMoved {
                virtual_id: vid("alice"),
                from: city.alice,
                to: new_account
            }
        )]
    );
    assert!(!city
        .registry
        .is_active(&mut city.chain, city.alice)
        .unwrap());
    assert!(city
        .registry
        .is_active(&mut city.chain, new_account)
        .unwrap());
    let device = city
        .registry
        .device(&mut city.chain, meter)
        .unwrap()
        .unwrap();
    assert_eq!((device.owner, device.active), (new_account, true));
    assert!(city
        .registry
        .has_consent(
            &mut city.chain,
            new_account,
            service,
            DataCategory::EnergyReadings
        )
        .unwrap());
    // the old key can no longer act for the citizen
    assert_eq!(
        city.registry
            .revoke_device(&mut city.chain, city.alice, meter)
            .unwrap_err(),
        refused(RegistryError::NotDeviceOwner)
    );
    assert_eq!(
        city.registry
            .move_citizen(
                &mut city.chain,
                city.admin,
                vid("nobody"),
                named_account("x")
            )
            .unwrap_err(),
        refused(RegistryError::CitizenNotFound)
    );
}

#[test]
fn device_is_registered_commissioned_sold_rekeyed_and_revoked() {
    let mut city = City::new();
    let ev_id = device_id("alice/ev");
    let registered = city
        .registry
        .register_device(
            &mut city.chain,
            city.alice,
            ev_id,
            DeviceKind::Vehicle,
            key("alice/ev"),
            [3; 32],
        )
        .unwrap();
    assert_eq!(
        registry_events(&registered.events),
        vec![RegistryEvent::DeviceRegistered(ev::DeviceRegistered {
            device_id: ev_id,
            owner: city.alice,
            kind: DeviceKind::Vehicle,
            key: key("alice/ev"),
        })]
    );
    let pending = city
        .registry
        .device(&mut city.chain, ev_id)
        .unwrap()
        .unwrap();
    assert_eq!(
        (pending.status, pending.active, pending.metadata_hash),
        (DeviceStatus::Pending, false, [3; 32])
    );

    assert_eq!(
        city.registry
            .commission_device(&mut city.chain, city.alice, ev_id, None)
            .unwrap_err(),
        refused(RegistryError::MissingRole(RegistryRole::Operator))
    );
    let commissioned = city
        .registry
        .commission_device(&mut city.chain, city.operator, ev_id, None)
        .unwrap();
    assert_eq!(
        registry_events(&commissioned.events),
        vec![RegistryEvent::DeviceCommissioned(ev::DeviceCommissioned {
            device_id: ev_id,
            operator: city.operator,
            energy: None
        })]
    );
    assert_eq!(
        city.registry
            .commission_device(&mut city.chain, city.operator, ev_id, None)
            .unwrap_err(),
        refused(RegistryError::AlreadyCommissioned)
    );

    // Alice sells the car to Bob: it stays commissioned.
    assert_eq!(
        city.registry
            .transfer_device(&mut city.chain, city.alice, ev_id, city.alice)
            .unwrap_err(),
        refused(RegistryError::SameOwner)
    );
    assert_eq!(
        city.registry
            .transfer_device(&mut city.chain, city.alice, ev_id, city.stranger)
            .unwrap_err(),
        refused(RegistryError::RecipientNotActive)
    );
    assert_eq!(
        city.registry
            .transfer_device(&mut city.chain, city.bob, ev_id, city.bob)
            .unwrap_err(),
        refused(RegistryError::NotDeviceOwner)
    );
    let sold = city
        .registry
        .transfer_device(&mut city.chain, city.alice, ev_id, city.bob)
        .unwrap();
    assert_eq!(
        registry_events(&sold.events),
        vec![RegistryEvent::DeviceTransferred(ev::DeviceTransferred {
            device_id: ev_id,
            from: city.alice,
            to: city.bob
        })]
    );
    let bobs = city
        .registry
        .device(&mut city.chain, ev_id)
        .unwrap()
        .unwrap();
    assert_eq!(
        (bobs.owner, bobs.owner_id, bobs.active),
        (city.bob, vid("bob"), true)
    );
    assert_eq!(
        city.registry
            .citizen_of(&mut city.chain, city.alice)
            .unwrap()
            .unwrap()
            .device_count,
        0
    );
    assert_eq!(
        city.registry
            .citizen_of(&mut city.chain, city.bob)
            .unwrap()
            .unwrap()
            .device_count,
        1
    );

    // Bob rotates the key: pending again until an operator approves the new key.
    assert_eq!(
        city.registry
            .rotate_device_key(&mut city.chain, city.bob, ev_id, key("alice/ev"))
            .unwrap_err(),
        refused(RegistryError::SameKey)
    );
    let mut not_compressed = key("bob/ev");
    not_compressed[0] = 0x04;
    assert_eq!(
        city.registry
            .rotate_device_key(&mut city.chain, city.bob, ev_id, not_compressed)
            .unwrap_err(),
        refused(RegistryError::InvalidDeviceKey)
    );
    city.registry
        .rotate_device_key(&mut city.chain, city.bob, ev_id, key("bob/ev"))
        .unwrap();
    let rotated = city
        .registry
        .device(&mut city.chain, ev_id)
        .unwrap()
        .unwrap();
    assert_eq!(
        (rotated.key, rotated.status, rotated.active),
        (key("bob/ev"), DeviceStatus::Pending, false)
    );
    city.registry
        .commission_device(&mut city.chain, city.operator, ev_id, None)
        .unwrap();

    // Revocation is final, and frees a place under the cap.
    assert_eq!(
        city.registry
            .revoke_device(&mut city.chain, city.alice, ev_id)
            .unwrap_err(),
        refused(RegistryError::NotDeviceOwner)
    );
    let revoked = city
        .registry
        .revoke_device(&mut city.chain, city.bob, ev_id)
        .unwrap();
    assert_eq!(
        registry_events(&revoked.events),
        vec![RegistryEvent::DeviceRevoked(ev::DeviceRevoked {
            device_id: ev_id,
            revoked_by: city.bob
        })]
    );
    assert_eq!(
        city.registry
            .revoke_device(&mut city.chain, city.bob, ev_id)
            .unwrap_err(),
        refused(RegistryError::DeviceRevoked)
    );
    assert_eq!(
        city.registry
            .commission_device(&mut city.chain, city.operator, ev_id, None)
            .unwrap_err(),
        refused(RegistryError::DeviceRevoked)
    );
    assert_eq!(
        city.registry
            .transfer_device(&mut city.chain, city.bob, ev_id, city.alice)
            .unwrap_err(),
        refused(RegistryError::DeviceRevoked)
    );
    assert_eq!(
        city.registry
            .register_device(
                &mut city.chain,
                city.bob,
                ev_id,
                DeviceKind::Vehicle,
                key("bob/ev2"),
                [0; 32]
            )
            .unwrap_err(),
        refused(RegistryError::DeviceIdTaken)
    );
    assert_eq!(
        city.registry
            .citizen_of(&mut city.chain, city.bob)
            .unwrap()
            .unwrap()
            .device_count,
        0
    );
}

#[test]
fn device_refusals_by_name() {
    let mut city = City::new();
    let unknown = device_id("nowhere");
    assert_eq!(
        city.registry
            .register_device(
                &mut city.chain,
                city.stranger,
                unknown,
                DeviceKind::Meter,
                key("s"),
                [0; 32]
            )
            .unwrap_err(),
        refused(RegistryError::CallerNotCitizen)
    );
    assert_eq!(
        city.registry
            .commission_device(&mut city.chain, city.operator, unknown, None)
            .unwrap_err(),
        refused(RegistryError::DeviceNotFound)
    );
    assert_eq!(
        city.registry
            .revoke_device(&mut city.chain, city.alice, unknown)
            .unwrap_err(),
        refused(RegistryError::DeviceNotFound)
    );
    assert_eq!(
        city.registry.device(&mut city.chain, unknown).unwrap(),
        None
    );
    let mut uncompressed = key("a");
    uncompressed[0] = 0x04;
    assert_eq!(
        city.registry
            .register_device(
                &mut city.chain,
                city.alice,
                unknown,
                DeviceKind::Meter,
                uncompressed,
                [0; 32]
            )
            .unwrap_err(),
        refused(RegistryError::InvalidDeviceKey)
    );
    // the cap counts devices held, and binds transfers too
    for n in 0..CAP {
        let label = format!("alice/sensor-{n}");
        city.registry
            .register_device(
                &mut city.chain,
                city.alice,
                device_id(&label),
                DeviceKind::ParkingSensor,
                key(&label),
                [0; 32],
            )
            .unwrap();
    }
    assert_eq!(
        city.registry
            .register_device(
                &mut city.chain,
                city.alice,
                unknown,
                DeviceKind::Meter,
                key("one-more"),
                [0; 32]
            )
            .unwrap_err(),
        refused(RegistryError::DeviceCapReached)
    );
    city.registry
        .register_device(
            &mut city.chain,
            city.bob,
            device_id("bob/ev"),
            DeviceKind::Vehicle,
            key("bob/ev"),
            [0; 32],
        )
        .unwrap();
    assert_eq!(
        city.registry
            .transfer_device(&mut city.chain, city.bob, device_id("bob/ev"), city.alice)
            .unwrap_err(),
        refused(RegistryError::DeviceCapReached)
    );
    // an operator may revoke anyone's device
    city.registry
        .revoke_device(&mut city.chain, city.operator, device_id("alice/sensor-0"))
        .unwrap();
    city.registry
        .transfer_device(&mut city.chain, city.bob, device_id("bob/ev"), city.alice)
        .unwrap();
}

#[test]
fn digital_twin_anchor_checks_copies() {
    let mut city = City::new();
    let subject = vid("alice");
    let record_v1 = smartcity_sdk::blake2_256(b"alice's home twin, v1");
    assert_eq!(
        city.registry
            .anchor_record(&mut city.chain, city.alice, subject, record_v1)
            .unwrap_err(),
        refused(RegistryError::NotIssuerOrOperator)
    );
    // M-10: Alice's twin is hers: without her consent even the issuer cannot keep it
    assert_eq!(
        city.registry
            .anchor_record(&mut city.chain, city.issuer, subject, record_v1)
            .unwrap_err(),
        refused(RegistryError::NoConsent)
    );
    let (alice, until) = (city.alice, city.chain.now_ms() + 86_400_000);
    for service in [city.issuer, city.operator] {
        city.registry
            .grant_consent(
                &mut city.chain,
                alice,
                service,
                DataCategory::DigitalTwin,
                until,
            )
            .unwrap();
    }
    city.registry
        .anchor_record(&mut city.chain, city.issuer, subject, record_v1)
        .unwrap();
    assert!(city
        .registry
        .verify_record(&mut city.chain, subject, record_v1)
        .unwrap());
    let record_v2 = smartcity_sdk::blake2_256(b"alice's home twin, v2: battery added");
    // I-6: anchors are scoped to who wrote them: the operator cannot overwrite the
    // issuer's record
    assert_eq!(
        city.registry
            .anchor_record(&mut city.chain, city.operator, subject, record_v2)
            .unwrap_err(),
        refused(RegistryError::NotAnchorOwner)
    );
    let reanchored = city
        .registry
        .anchor_record(&mut city.chain, city.issuer, subject, record_v2)
        .unwrap();
    assert_eq!(
        registry_events(&reanchored.events),
        vec![RegistryEvent::RecordAnchored(ev::RecordAnchored {
            subject,
            record_hash: record_v2,
            version: 2,
            anchored_by: city.issuer
        })]
    );
    assert!(!city
        .registry
        .verify_record(&mut city.chain, subject, record_v1)
        .unwrap());
    assert!(city
        .registry
        .verify_record(&mut city.chain, subject, record_v2)
        .unwrap());
    let anchor = city
        .registry
        .anchor(&mut city.chain, subject)
        .unwrap()
        .unwrap();
    assert_eq!(
        (anchor.version, anchor.anchored_at_ms),
        (2, city.chain.now_ms())
    );
    assert_eq!(
        city.registry
            .anchor(&mut city.chain, vid("nobody"))
            .unwrap(),
        None
    );
}

#[test]
fn consent_holds_until_it_expires_or_is_revoked() {
    let mut city = City::new();
    let service = named_account("mobility-planner");
    let now = city.chain.now_ms();
    assert_eq!(
        city.registry
            .grant_consent(
                &mut city.chain,
                city.alice,
                service,
                DataCategory::Mobility,
                now
            )
            .unwrap_err(),
        refused(RegistryError::ExpiryInPast)
    );
    assert_eq!(
        city.registry
            .grant_consent(
                &mut city.chain,
                city.stranger,
                service,
                DataCategory::Mobility,
                now + 10
            )
            .unwrap_err(),
        refused(RegistryError::CallerNotCitizen)
    );
    let granted = city
        .registry
        .grant_consent(
            &mut city.chain,
            city.alice,
            service,
            DataCategory::Mobility,
            now + 60_000,
        )
        .unwrap();
    assert_eq!(
        registry_events(&granted.events),
        vec![RegistryEvent::ConsentGranted(ev::ConsentGranted {
            virtual_id: vid("alice"),
            service,
            category: DataCategory::Mobility,
            expires_at_ms: now + 60_000
        })]
    );
    assert!(city
        .registry
        .has_consent(&mut city.chain, city.alice, service, DataCategory::Mobility)
        .unwrap());
    assert!(!city
        .registry
        .has_consent(&mut city.chain, city.alice, service, DataCategory::Parking)
        .unwrap());
    assert!(!city
        .registry
        .has_consent(&mut city.chain, city.bob, service, DataCategory::Mobility)
        .unwrap());

    city.chain.advance_time_ms(60_000);
    assert!(!city
        .registry
        .has_consent(&mut city.chain, city.alice, service, DataCategory::Mobility)
        .unwrap());
    assert_eq!(
        city.registry
            .consent_expiry(
                &mut city.chain,
                vid("alice"),
                service,
                DataCategory::Mobility
            )
            .unwrap(),
        Some(now + 60_000)
    );

    let custom = DataCategory::Custom(7);
    let later = city.chain.now_ms() + 1_000;
    city.registry
        .grant_consent(&mut city.chain, city.alice, service, custom, later)
        .unwrap();
    assert!(city
        .registry
        .has_consent(&mut city.chain, city.alice, service, custom)
        .unwrap());
    city.registry
        .revoke_consent(&mut city.chain, city.alice, service, custom)
        .unwrap();
    assert!(!city
        .registry
        .has_consent(&mut city.chain, city.alice, service, custom)
        .unwrap());
    assert_eq!(
        city.registry
            .revoke_consent(&mut city.chain, city.alice, service, custom)
            .unwrap_err(),
        refused(RegistryError::ConsentNotFound)
    );
}

#[test]
fn batch_queries_answer_in_order_and_are_bounded() {
    let mut city = City::new();
    let meter = city.alice_meter();
    let unknown = device_id("nowhere");
    let answer = city
        .registry
        .are_active(&mut city.chain, vec![city.alice, city.stranger, city.bob])
        .unwrap()
        .value;
    assert_eq!(answer, vec![true, false, true]);
    let devices = city
        .registry
        .devices(&mut city.chain, vec![unknown, meter])
        .unwrap()
        .value;
    assert_eq!(devices[0], None);
    assert_eq!(
        devices[1].as_ref().map(|d| (d.owner, d.active)),
        Some((city.alice, true))
    );
    // a full batch of the largest answer fits the contract's buffers
    let full = city
        .registry
        .devices(&mut city.chain, vec![meter; MAX_QUERY_BATCH as usize])
        .unwrap()
        .value;
    assert_eq!(full.len(), MAX_QUERY_BATCH as usize);
    assert!(full.iter().all(|d| d.as_ref().is_some_and(|d| d.active)));
    let too_many = vec![city.alice; MAX_QUERY_BATCH as usize + 1];
    assert_eq!(
        city.registry
            .are_active(&mut city.chain, too_many)
            .unwrap_err(),
        refused(RegistryError::BatchTooLarge)
    );
    assert_eq!(
        city.registry
            .devices(&mut city.chain, vec![meter; MAX_QUERY_BATCH as usize + 1])
            .unwrap_err(),
        refused(RegistryError::BatchTooLarge)
    );
}

/// The consumer fixture's error, mirrored for decoding.
#[derive(Debug, PartialEq, Eq, scale::Decode)]
enum ConsumerError {
    CallFailed,
    CouldNotDispatch,
    Registry(RegistryError),
}

fn deploy_consumer(chain: &mut SandboxChain, registry: AccountId, salt: &[u8]) -> ContractHandle {
    let dir = artifacts::default_dir().join("fixtures");
    let wasm = artifacts::wasm(&dir, "registry_consumer").unwrap();
    // the consumer's constructor cannot fail: it returns `Self`, encoded as `Ok(())`
    let (address, report) = Chain::instantiate(
        chain,
        named_account("consumer-deployer"),
        &wasm,
        smartcity_sdk::contract::input(selector("new"), registry),
        salt.to_vec(),
    )
    .unwrap();
    assert!(!report.reverted);
    ContractHandle { address }
}

#[test]
fn another_contract_asks_the_registry_through_the_trait() {
    let mut city = City::new();
    let meter = city.alice_meter();
    let pending = device_id("bob/pending-meter");
    city.registry
        .register_device(
            &mut city.chain,
            city.bob,
            pending,
            DeviceKind::Meter,
            key("bob/pending"),
            [0; 32],
        )
        .unwrap();
    let consumer = deploy_consumer(&mut city.chain, city.registry.address(), b"1");
    let caller = city.alice;

    let count = consumer
        .call::<_, _, u32, ConsumerError>(
            &mut city.chain,
            caller,
            selector("count_active"),
            vec![city.alice, city.stranger, city.bob],
        )
        .unwrap();
    assert_eq!(count.value, 2);
    println!(
        "consumer count_active (3 accounts, one cross-contract call): ref_time {}, proof_size {}",
        count.weight.ref_time, count.weight.proof_size
    );
    let owners = consumer
        .call::<_, _, Vec<Option<AccountId>>, ConsumerError>(
            &mut city.chain,
            caller,
            selector("trusted_owners"),
            vec![meter, pending, device_id("nowhere")],
        )
        .unwrap();
    assert_eq!(owners.value, vec![Some(city.alice), None, None]);
    println!(
        "consumer trusted_owners (3 devices, one cross-contract call): ref_time {}, proof_size {}",
        owners.weight.ref_time, owners.weight.proof_size
    );

    // the registry's own refusal arrives nested in the consumer's error
    let too_many = vec![city.alice; MAX_QUERY_BATCH as usize + 1];
    assert_eq!(
        consumer
            .call::<_, _, u32, ConsumerError>(
                &mut city.chain,
                caller,
                selector("count_active"),
                too_many
            )
            .unwrap_err(),
        ClientError::Contract(ConsumerError::Registry(RegistryError::BatchTooLarge))
    );

    // a suspension is seen by the consumer at once
    city.registry
        .set_citizen_status(
            &mut city.chain,
            city.issuer,
            vid("alice"),
            CitizenStatus::Suspended,
        )
        .unwrap();
    let still_citizen = consumer
        .read::<_, _, Result<bool, ConsumerError>, ConsumerError>(
            &mut city.chain,
            caller,
            selector("is_citizen"),
            city.alice,
        )
        .unwrap();
    assert_eq!(still_citizen.value, Ok(false));
}

#[test]
fn a_failed_cross_contract_call_is_a_named_error_not_a_trap() {
    let mut city = City::new();
    // pointed at an account with no code: the call itself fails
    let nowhere = deploy_consumer(&mut city.chain, named_account("not-a-contract"), b"1");
    assert_eq!(
        nowhere
            .read::<_, _, Result<bool, ConsumerError>, ConsumerError>(
                &mut city.chain,
                city.alice,
                selector("is_citizen"),
                city.alice
            )
            .unwrap()
            .value,
        Err(ConsumerError::CallFailed)
    );
    // pointed at a contract that does not implement the trait: it cannot dispatch
    let other = deploy_consumer(&mut city.chain, city.registry.address(), b"2");
    let confused = deploy_consumer(&mut city.chain, other.address, b"3");
    assert_eq!(
        confused
            .read::<_, _, Result<bool, ConsumerError>, ConsumerError>(
                &mut city.chain,
                city.alice,
                selector("is_citizen"),
                city.alice
            )
            .unwrap()
            .value,
        Err(ConsumerError::CouldNotDispatch)
    );
}
