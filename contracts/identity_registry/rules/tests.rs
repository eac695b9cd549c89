//! The rules' unit tests (plain `#[ink::test]`s).

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
const METER: EnergyProfile = EnergyProfile {
    source: interfaces::EnergySource::Solar,
    rated_w: 7_000,
};

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
        .register_device(
            account(ALICE),
            meter,
            DeviceKind::Meter,
            key(7),
            [0; 32],
            NOW,
        )
        .unwrap();
    registry
        .commission_device(account(OPERATOR), meter, Some(METER))
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
        .move_citizen(account(ADMIN), [ALICE; 32], account(40))
        .unwrap();
    assert!(!registry.is_active(account(ALICE)));
    assert!(registry.is_active(account(40)));
    assert_eq!(registry.device(meter).unwrap().owner, account(40));
    // what the old account held elsewhere follows the citizen to its new account
    assert_eq!(registry.successor(account(ALICE)), Some(account(40)));
    assert_eq!(registry.successor(account(40)), None);
    assert_eq!(registry.successor(account(BOB)), None);
    registry
        .move_citizen(account(ADMIN), [ALICE; 32], account(42))
        .unwrap();
    assert_eq!(registry.successor(account(ALICE)), Some(account(42)));
    assert_eq!(registry.successor(account(40)), Some(account(42)));
    assert_eq!(
        registry.move_citizen(account(ADMIN), [ALICE; 32], account(BOB)),
        Err(RegistryError::AccountTaken)
    );
    // the old account is free again and can be given to a new citizen: then it has no
    // successor
    registry
        .register_citizen(account(ISSUER), [41; 32], account(ALICE), NOW)
        .unwrap();
    assert_eq!(registry.successor(account(ALICE)), None);
}

#[ink::test]
fn device_lifecycle() {
    let mut registry = city();
    let meter = [0xA1; 32];
    registry
        .register_device(
            account(ALICE),
            meter,
            DeviceKind::Meter,
            key(7),
            [9; 32],
            NOW,
        )
        .unwrap();
    let pending = registry.device(meter).unwrap();
    assert_eq!(pending.status, DeviceStatus::Pending);
    assert!(!pending.active);
    assert_eq!(
        registry.commission_device(account(ALICE), meter, Some(METER)),
        Err(RegistryError::MissingRole(RegistryRole::Operator))
    );
    registry
        .commission_device(account(OPERATOR), meter, Some(METER))
        .unwrap();
    assert!(registry.device(meter).unwrap().active);
    assert_eq!(
        registry.commission_device(account(OPERATOR), meter, Some(METER)),
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
        .commission_device(account(OPERATOR), meter, Some(METER))
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
        registry.commission_device(account(OPERATOR), meter, Some(METER)),
        Err(RegistryError::DeviceRevoked)
    );
    assert_eq!(
        registry.register_device(
            account(ALICE),
            meter,
            DeviceKind::Meter,
            key(7),
            [0; 32],
            NOW
        ),
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
        registry.register_device(
            account(ALICE),
            [1; 32],
            DeviceKind::Meter,
            bad_key,
            [0; 32],
            NOW
        ),
        Err(RegistryError::InvalidDeviceKey)
    );
    assert_eq!(
        registry.register_device(
            account(MALLORY),
            [1; 32],
            DeviceKind::Meter,
            key(1),
            [0; 32],
            NOW
        ),
        Err(RegistryError::CallerNotCitizen)
    );
    let meter = with_meter(&mut registry);
    assert_eq!(
        registry.revoke_device(account(BOB), meter),
        Err(RegistryError::NotDeviceOwner)
    );
    assert_eq!(
        registry.transfer_device(account(BOB), meter, account(BOB), NOW + 60_000),
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
        registry.register_device(
            account(ALICE),
            [2; 32],
            DeviceKind::Meter,
            key(2),
            [0; 32],
            NOW
        ),
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
                NOW,
            )
            .unwrap();
    }
    assert_eq!(
        registry.register_device(
            account(ALICE),
            [3; 32],
            DeviceKind::Vehicle,
            key(3),
            [0; 32],
            NOW
        ),
        Err(RegistryError::DeviceCapReached)
    );
    registry
        .transfer_device(account(ALICE), [1; 32], account(BOB), NOW + 60_000)
        .unwrap();
    assert_eq!(registry.citizen_of(account(BOB)).unwrap().device_count, 1);
    registry
        .register_device(
            account(ALICE),
            [3; 32],
            DeviceKind::Vehicle,
            key(3),
            [0; 32],
            NOW,
        )
        .unwrap();
    registry
        .register_device(
            account(BOB),
            [4; 32],
            DeviceKind::Vehicle,
            key(4),
            [0; 32],
            NOW,
        )
        .unwrap();
    assert_eq!(
        registry.transfer_device(account(ALICE), [2; 32], account(BOB), NOW + 60_000),
        Err(RegistryError::DeviceCapReached)
    );
}

#[ink::test]
fn transfer_refusals() {
    let mut registry = city();
    let meter = with_meter(&mut registry);
    assert_eq!(
        registry.transfer_device(account(ALICE), meter, account(ALICE), NOW + 60_000),
        Err(RegistryError::SameOwner)
    );
    assert_eq!(
        registry.transfer_device(account(ALICE), meter, account(MALLORY), NOW + 60_000),
        Err(RegistryError::RecipientNotActive)
    );
    registry
        .set_citizen_status(account(ISSUER), [BOB; 32], CitizenStatus::Suspended)
        .unwrap();
    assert_eq!(
        registry.transfer_device(account(ALICE), meter, account(BOB), NOW + 60_000),
        Err(RegistryError::RecipientNotActive)
    );
    registry
        .set_citizen_status(account(ISSUER), [BOB; 32], CitizenStatus::Active)
        .unwrap();
    registry
        .transfer_device(account(ALICE), meter, account(BOB), NOW + 60_000)
        .unwrap();
    let sold = registry.device(meter).unwrap();
    assert_eq!(
        (sold.owner, sold.status, sold.owner_since_ms),
        (account(BOB), DeviceStatus::Commissioned, NOW + 60_000)
    );
}

// review I-4: the operator fixes an energy device's source and rating; the source fits the kind
#[ink::test]
fn an_energy_device_is_commissioned_with_a_profile_that_fits_its_kind() {
    use interfaces::EnergySource;
    let mut registry = city();
    let (meter, charger, car) = ([1; 32], [2; 32], [3; 32]);
    for (owner, id, kind) in [
        (ALICE, meter, DeviceKind::Meter),
        (ALICE, charger, DeviceKind::EvCharger),
        (BOB, car, DeviceKind::Vehicle),
    ] {
        registry
            .register_device(account(owner), id, kind, key(id[0]), [0; 32], NOW)
            .unwrap();
    }
    assert_eq!(registry.device(meter).unwrap().owner_since_ms, NOW);
    let profile = |source| Some(EnergyProfile { source, rated_w: 0 });
    let operator = account(OPERATOR);
    assert_eq!(
        registry.commission_device(operator, meter, None),
        Err(RegistryError::EnergyProfileRequired)
    );
    assert_eq!(
        registry.commission_device(operator, meter, profile(EnergySource::Vehicle)),
        Err(RegistryError::ProfileNotForKind)
    );
    assert_eq!(
        registry.commission_device(operator, charger, profile(EnergySource::Solar)),
        Err(RegistryError::ProfileNotForKind)
    );
    assert_eq!(
        registry.commission_device(operator, car, profile(EnergySource::Vehicle)),
        Err(RegistryError::ProfileNotForKind)
    );
    registry
        .commission_device(operator, meter, profile(EnergySource::Wind))
        .unwrap();
    registry
        .commission_device(operator, charger, profile(EnergySource::Vehicle))
        .unwrap();
    registry.commission_device(operator, car, None).unwrap();
    assert_eq!(
        registry.device(meter).unwrap().energy,
        profile(EnergySource::Wind)
    );
    assert_eq!(registry.device(car).unwrap().energy, None);
}

mod anchors;
