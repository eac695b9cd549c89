//! The main job: a city on the embedded chain. For now the identity layer: the registry
//! deployed, an issuer and an operator appointed, citizens and their devices registered
//! and commissioned, then what the chain holds, masked ids only.

use crate::{
    chain::Chain, keys::DeviceSigner, named_account, registry::RegistryClient, short_hex, ss58,
    virtual_id, ClientError,
};
use anyhow::{anyhow, Context};
use interfaces::{Citizen, DataCategory, DeviceInfo, DeviceKind, RegistryError, RegistryRole};
use std::io::Write;

/// A resident of the demo city and what they own. The national id stays off-chain.
struct Resident {
    name: &'static str,
    national_id: &'static str,
    devices: &'static [(&'static str, DeviceKind)],
}

const RESIDENTS: &[Resident] = &[
    Resident {
        name: "asha",
        national_id: "IN-1984-000117",
        devices: &[
            ("asha/rooftop-meter", DeviceKind::Meter),
            ("asha/home-charger", DeviceKind::EvCharger),
        ],
    },
    Resident {
        name: "ben",
        national_id: "IN-1991-004242",
        devices: &[("ben/ev", DeviceKind::Vehicle)],
    },
    Resident {
        name: "chandra",
        national_id: "IN-1979-000981",
        devices: &[("chandra/shop-bay-1", DeviceKind::ParkingSensor)],
    },
];

/// The issuer's secret salt: without it nobody can link a virtual id to a national id.
const ISSUER_SALT: &[u8] = b"demo-civil-registry-salt";

/// What the demo left on the chain, read back from it.
#[derive(Debug)]
pub struct DemoOutcome {
    pub registry: RegistryClient,
    pub citizens: Vec<Citizen>,
    pub devices: Vec<DeviceInfo>,
    /// The refusal an unregistered account got when it tried to register a device.
    pub stranger_refusal: RegistryError,
}

/// The id of a demo device: a hash of its label, as a manufacturer would mask a serial.
pub fn device_id(label: &str) -> [u8; 32] {
    crate::blake2_256(format!("smartcity/device/{label}").as_bytes())
}

fn check<T>(step: &str, result: Result<T, ClientError<RegistryError>>) -> anyhow::Result<T> {
    result.map_err(|e| anyhow!("{step}: {e}"))
}

/// Runs the demo on `chain` with the registry code `registry_wasm`, narrating to `out`.
pub fn run<C: Chain>(
    chain: &mut C,
    registry_wasm: &[u8],
    out: &mut impl Write,
) -> anyhow::Result<DemoOutcome> {
    let admin = named_account("city-admin");
    let issuer = named_account("civil-registry-office");
    let operator = named_account("grid-operator");

    writeln!(
        out,
        "== Smart City demo on the embedded sandbox chain (pallet-contracts, no node) =="
    )?;
    let deployed = check(
        "deploy identity_registry",
        RegistryClient::deploy(chain, admin, registry_wasm, 8, vec![]),
    )?;
    let registry = deployed.value;
    writeln!(
        out,
        "identity_registry deployed at {} ({} bytes of wasm), admin {}",
        ss58(&registry.address()),
        registry_wasm.len(),
        ss58(&admin)
    )?;

    check(
        "grant issuer",
        registry.grant_role(chain, admin, RegistryRole::Issuer, issuer),
    )?;
    check(
        "grant operator",
        registry.grant_role(chain, admin, RegistryRole::Operator, operator),
    )?;
    writeln!(
        out,
        "roles: issuer {} (civil registry office), operator {} (grid operator)",
        ss58(&issuer),
        ss58(&operator)
    )?;

    let mut virtual_ids = Vec::new();
    let mut device_ids = Vec::new();
    for resident in RESIDENTS {
        let account = named_account(resident.name);
        let id = virtual_id(ISSUER_SALT, resident.national_id);
        check(
            &format!("register citizen {}", resident.name),
            registry.register_citizen(chain, issuer, id, account),
        )?;
        writeln!(
            out,
            "issuer registered {:<8} as virtual id {} (national id stays off-chain)",
            resident.name,
            short_hex(&id)
        )?;
        virtual_ids.push(id);
        for (label, kind) in resident.devices {
            let device = device_id(label);
            let key = DeviceSigner::from_seed(label).public_key();
            let metadata_hash = crate::blake2_256(format!("device record of {label}").as_bytes());
            check(
                &format!("register device {label}"),
                registry.register_device(chain, account, device, *kind, key, metadata_hash),
            )?;
            check(
                &format!("commission {label}"),
                registry.commission_device(chain, operator, device),
            )?;
            writeln!(
                out,
                "  {:<8} registered {:?} {}, operator commissioned it",
                resident.name,
                kind,
                short_hex(&device)
            )?;
            device_ids.push(device);
        }
    }

    // Asha lets the grid operator read her energy readings for 30 days; the issuer
    // anchors the hash of her home's digital twin.
    let asha = named_account("asha");
    let now = chain.now_ms();
    let thirty_days_ms = 30 * 24 * 3600 * 1000;
    check(
        "grant consent",
        registry.grant_consent(
            chain,
            asha,
            operator,
            DataCategory::EnergyReadings,
            now + thirty_days_ms,
        ),
    )?;
    let twin_hash =
        crate::blake2_256(b"asha's home: 5 kWp rooftop PV, 13 kWh battery, V2G charger");
    check(
        "anchor twin",
        registry.anchor_record(chain, issuer, virtual_ids[0], twin_hash),
    )?;
    writeln!(out, "asha granted the grid operator her energy readings for 30 days; issuer anchored her home's digital twin")?;

    // A stranger's device is refused with a named error.
    let stranger = named_account("stranger");
    let stranger_refusal = match registry.register_device(
        chain,
        stranger,
        device_id("stranger/meter"),
        DeviceKind::Meter,
        DeviceSigner::from_seed("stranger/meter").public_key(),
        [0; 32],
    ) {
        Err(ClientError::Contract(error)) => error,
        other => {
            return Err(anyhow!(
                "a stranger's device should be refused, got {other:?}"
            ))
        }
    };
    writeln!(
        out,
        "a stranger tried to register a meter: refused with {stranger_refusal:?}"
    )?;

    // Read back what the chain holds: the citizens, and every device in one batch query.
    let mut citizens = Vec::new();
    for id in &virtual_ids {
        let citizen = check("read citizen", registry.citizen(chain, *id))?
            .context("registered citizen missing")?;
        citizens.push(citizen);
    }
    let devices: Vec<DeviceInfo> = check("read devices", registry.devices(chain, device_ids))?
        .value
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .context("registered device missing")?;

    writeln!(out, "\nCitizens on chain (masked ids only):")?;
    writeln!(
        out,
        "  {:<16} {:<50} {:<10} devices",
        "virtual id", "account", "status"
    )?;
    for citizen in &citizens {
        writeln!(
            out,
            "  {:<16} {:<50} {:<10} {}",
            short_hex(&citizen.virtual_id),
            ss58(&citizen.account),
            format!("{:?}", citizen.status),
            citizen.device_count
        )?;
    }
    writeln!(out, "\nDevices on chain:")?;
    writeln!(
        out,
        "  {:<16} {:<16} {:<16} {:<14} {:<14} active",
        "device id", "kind", "owner", "status", "key"
    )?;
    for device in &devices {
        writeln!(
            out,
            "  {:<16} {:<16} {:<16} {:<14} {:<14} {}",
            short_hex(&device.device_id),
            format!("{:?}", device.kind),
            short_hex(&device.owner_id),
            format!("{:?}", device.status),
            short_hex(&device.key),
            device.active
        )?;
    }
    let consent = check(
        "read consent",
        registry.has_consent(chain, asha, operator, DataCategory::EnergyReadings),
    )?;
    let twin_ok = check(
        "verify twin",
        registry.verify_record(chain, virtual_ids[0], twin_hash),
    )?;
    writeln!(
        out,
        "\ngrid operator may read asha's energy readings now: {consent}"
    )?;
    writeln!(
        out,
        "asha's digital twin copy matches the anchor: {twin_ok}"
    )?;
    Ok(DemoOutcome {
        registry,
        citizens,
        devices,
        stranger_refusal,
    })
}
