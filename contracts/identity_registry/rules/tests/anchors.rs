//! The registry's rules for digital-twin anchors and consent, the issuers' scope and the
//! pause.

use super::*;

#[ink::test]
fn anchors_are_versioned_and_checked() {
    let mut registry = city();
    // Alice's own twin: she lets the issuer and the operator keep it (M-10)
    let subject = [ALICE; 32];
    for service in [ISSUER, OPERATOR] {
        registry
            .grant_consent(
                account(ALICE),
                account(service),
                DataCategory::DigitalTwin,
                NOW + 1_000,
                NOW,
            )
            .unwrap();
    }
    assert_eq!(
        registry.anchor_record(account(ALICE), subject, [1; 32], NOW),
        Err(RegistryError::NotIssuerOrOperator)
    );
    registry
        .anchor_record(account(ISSUER), subject, [1; 32], NOW)
        .unwrap();
    assert!(registry.verify_record(subject, [1; 32]));
    // I-6: another issuer or operator cannot overwrite the issuer's anchor
    assert_eq!(
        registry.anchor_record(account(OPERATOR), subject, [2; 32], NOW + 5),
        Err(RegistryError::NotAnchorOwner)
    );
    registry
        .anchor_record(account(ISSUER), subject, [2; 32], NOW + 5)
        .unwrap();
    assert!(!registry.verify_record(subject, [1; 32]));
    assert!(registry.verify_record(subject, [2; 32]));
    let anchor = registry.anchor(subject).unwrap();
    assert_eq!(
        (anchor.version, anchor.anchored_by, anchor.anchored_at_ms),
        (2, account(ISSUER), NOW + 5)
    );
    assert!(!registry.verify_record([0; 32], [0; 32]));
}

/// M-10: the registry's consent is consulted. A service anchors a citizen's digital
/// twin, or one of its devices', only while the citizen lets it keep `DigitalTwin`
/// data; a subject that is no citizen's (a street light) needs no consent.
#[ink::test]
fn a_service_cannot_anchor_a_citizens_twin_without_consent() {
    let mut registry = city();
    let (alice, meter, street_light) = ([ALICE; 32], [77; 32], [78; 32]);
    registry
        .register_device(
            account(ALICE),
            meter,
            DeviceKind::Meter,
            [2; 33],
            [0; 32],
            NOW,
        )
        .unwrap();
    for subject in [alice, meter] {
        assert_eq!(
            registry.anchor_record(account(OPERATOR), subject, [1; 32], NOW),
            Err(RegistryError::NoConsent)
        );
    }
    registry
        .anchor_record(account(OPERATOR), street_light, [1; 32], NOW)
        .unwrap();
    // consent for another category or another service does not count
    registry
        .grant_consent(
            account(ALICE),
            account(OPERATOR),
            DataCategory::Parking,
            NOW + 1_000,
            NOW,
        )
        .unwrap();
    registry
        .grant_consent(
            account(ALICE),
            account(ISSUER),
            DataCategory::DigitalTwin,
            NOW + 1_000,
            NOW,
        )
        .unwrap();
    assert_eq!(
        registry.anchor_record(account(OPERATOR), meter, [1; 32], NOW),
        Err(RegistryError::NoConsent)
    );
    registry
        .grant_consent(
            account(ALICE),
            account(OPERATOR),
            DataCategory::DigitalTwin,
            NOW + 1_000,
            NOW,
        )
        .unwrap();
    for subject in [alice, meter] {
        registry
            .anchor_record(account(OPERATOR), subject, [1; 32], NOW + 10)
            .unwrap();
    }
    // an expired consent is none
    assert_eq!(
        registry.anchor_record(account(OPERATOR), alice, [2; 32], NOW + 1_000),
        Err(RegistryError::NoConsent)
    );
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

/// Security review I-6: a rogue issuer suspends a citizen another issuer registered, or
/// moves it to an account of its own and takes over its meters and credits.
#[ink::test]
fn an_issuer_cannot_suspend_or_move_another_issuers_citizen() {
    let mut registry = city();
    let rogue = account(4);
    registry
        .grant_role(account(ADMIN), RegistryRole::Issuer, rogue)
        .unwrap();
    assert_eq!(
        registry.set_citizen_status(rogue, [ALICE; 32], CitizenStatus::Suspended),
        Err(RegistryError::NotCitizensIssuer)
    );
    assert_eq!(
        registry.move_citizen(rogue, [ALICE; 32], account(44)),
        Err(RegistryError::NotAdmin)
    );
    assert_eq!(
        registry.move_citizen(account(ISSUER), [ALICE; 32], account(44)),
        Err(RegistryError::NotAdmin)
    );
    // the citizen's own issuer and the admin still can
    assert!(registry
        .set_citizen_status(account(ISSUER), [ALICE; 32], CitizenStatus::Suspended)
        .is_ok());
    assert!(registry
        .set_citizen_status(account(ADMIN), [ALICE; 32], CitizenStatus::Active)
        .is_ok());
    assert!(registry.is_active(account(ALICE)));
}

// review I-5 (registry): the admin can stop every change that grants or binds something
// during an incident, while what contains it (revocations, suspensions) still goes through
#[ink::test]
fn a_paused_registry_refuses_every_grant_but_lets_an_incident_be_contained() {
    let mut registry = city();
    let meter = with_meter(&mut registry);
    assert_eq!(
        registry.set_paused(account(OPERATOR), true),
        Err(RegistryError::NotAdmin)
    );
    registry.set_paused(account(ADMIN), true).unwrap();
    assert!(registry.is_paused());
    assert_eq!(
        registry.set_paused(account(ADMIN), true),
        Err(RegistryError::PauseUnchanged)
    );
    let paused = Err(RegistryError::Paused);
    assert_eq!(
        registry.register_citizen(account(ISSUER), [30; 32], account(30), NOW),
        paused
    );
    assert_eq!(
        registry.register_device(
            account(ALICE),
            [5; 32],
            DeviceKind::Meter,
            key(5),
            [0; 32],
            NOW
        ),
        paused
    );
    assert_eq!(
        registry.transfer_device(account(ALICE), meter, account(BOB), NOW),
        paused
    );
    assert_eq!(
        registry.rotate_device_key(account(ALICE), meter, key(9)),
        paused
    );
    assert_eq!(
        registry.move_citizen(account(ADMIN), [BOB; 32], account(31)),
        paused
    );
    assert_eq!(
        registry.anchor_record(account(ISSUER), [1; 32], [2; 32], NOW),
        paused
    );
    assert_eq!(
        registry.grant_consent(
            account(ALICE),
            account(40),
            DataCategory::EnergyReadings,
            NOW + 1,
            NOW
        ),
        paused
    );
    // containing the incident still works: suspend a citizen, revoke a device; queries answer
    registry
        .set_citizen_status(account(ISSUER), [BOB; 32], CitizenStatus::Suspended)
        .unwrap();
    assert_eq!(
        registry.set_citizen_status(account(ISSUER), [BOB; 32], CitizenStatus::Active),
        paused
    );
    registry.revoke_device(account(OPERATOR), meter).unwrap();
    assert!(registry.device(meter).is_some());
    registry.set_paused(account(ADMIN), false).unwrap();
    registry
        .set_citizen_status(account(ISSUER), [BOB; 32], CitizenStatus::Active)
        .unwrap();
}
