//! Weight of each registry message on the sandbox chain (ref_time, proof_size), measured
//! once per message in a populated registry. A benchmark, not a test: it prints a table.

use crate::{
    chain::{Chain, Weight},
    demo::device_id,
    keys::DeviceSigner,
    named_account,
    registry::RegistryClient,
    ClientError, Receipt,
};
use anyhow::anyhow;
use interfaces::{
    CitizenStatus, DataCategory, DeviceKind, RegistryError, RegistryRole, MAX_QUERY_BATCH,
};

/// One measured message.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub message: String,
    pub weight: Weight,
}

const CITIZENS: usize = 8;
const DEVICES_PER_CITIZEN: usize = 16;

fn weigh<T>(
    table: &mut Vec<Measurement>,
    message: impl Into<String>,
    result: Result<Receipt<T>, ClientError<RegistryError>>,
) -> anyhow::Result<T> {
    let message = message.into();
    let receipt = result.map_err(|e| anyhow!("{message}: {e}"))?;
    table.push(Measurement {
        message,
        weight: receipt.weight,
    });
    Ok(receipt.value)
}

/// Deploys a registry, fills it with `CITIZENS` x `DEVICES_PER_CITIZEN` devices, and
/// weighs every message.
pub fn registry<C: Chain>(chain: &mut C, registry_wasm: &[u8]) -> anyhow::Result<Vec<Measurement>> {
    let mut table = Vec::new();
    let admin = named_account("bench/admin");
    let issuer = named_account("bench/issuer");
    let operator = named_account("bench/operator");
    let registry = weigh(
        &mut table,
        "new (constructor)",
        RegistryClient::deploy(
            chain,
            admin,
            registry_wasm,
            DEVICES_PER_CITIZEN as u32,
            b"bench".to_vec(),
        ),
    )?;
    weigh(
        &mut table,
        "grant_role",
        registry.grant_role(chain, admin, RegistryRole::Issuer, issuer),
    )?;
    registry
        .grant_role(chain, admin, RegistryRole::Operator, operator)
        .map_err(|e| anyhow!("{e}"))?;

    let mut accounts = Vec::new();
    let mut devices = Vec::new();
    for c in 0..CITIZENS {
        let account = named_account(&format!("bench/citizen-{c}"));
        let id = crate::blake2_256(format!("bench/vid-{c}").as_bytes());
        let result = registry.register_citizen(chain, issuer, id, account);
        if c == 0 {
            weigh(&mut table, "register_citizen", result)?;
        } else {
            result.map_err(|e| anyhow!("{e}"))?;
        }
        accounts.push(account);
        for d in 0..DEVICES_PER_CITIZEN {
            let label = format!("bench/{c}/{d}");
            let device = device_id(&label);
            let key = DeviceSigner::from_seed(&label).public_key();
            let registered =
                registry.register_device(chain, account, device, DeviceKind::Meter, key, [7; 32]);
            let commissioned =
                registered.and_then(|_| registry.commission_device(chain, operator, device));
            if c == 0 && d == 0 {
                // re-run on a fresh id to weigh each step on its own
                let probe = device_id("bench/probe");
                let probe_key = DeviceSigner::from_seed("bench/probe").public_key();
                registry
                    .set_max_devices_per_citizen(chain, admin, DEVICES_PER_CITIZEN as u32 + 1)
                    .map_err(|e| anyhow!("{e}"))?;
                weigh(
                    &mut table,
                    "register_device",
                    registry.register_device(
                        chain,
                        account,
                        probe,
                        DeviceKind::Meter,
                        probe_key,
                        [7; 32],
                    ),
                )?;
                weigh(
                    &mut table,
                    "commission_device",
                    registry.commission_device(chain, operator, probe),
                )?;
                let rotated = DeviceSigner::from_seed("bench/probe/2").public_key();
                weigh(
                    &mut table,
                    "rotate_device_key",
                    registry.rotate_device_key(chain, account, probe, rotated),
                )?;
                weigh(
                    &mut table,
                    "revoke_device",
                    registry.revoke_device(chain, account, probe),
                )?;
                weigh(
                    &mut table,
                    "set_max_devices_per_citizen",
                    registry.set_max_devices_per_citizen(chain, admin, DEVICES_PER_CITIZEN as u32),
                )?;
            }
            commissioned.map_err(|e| anyhow!("{e}"))?;
            devices.push(device);
        }
    }

    let first = accounts[0];
    let service = named_account("bench/service");
    let now = chain.now_ms();
    weigh(
        &mut table,
        "grant_consent",
        registry.grant_consent(
            chain,
            first,
            service,
            DataCategory::EnergyReadings,
            now + 1_000_000,
        ),
    )?;
    weigh(
        &mut table,
        "anchor_record",
        registry.anchor_record(chain, issuer, [1; 32], [2; 32]),
    )?;
    weigh(
        &mut table,
        "set_citizen_status (suspend)",
        registry.set_citizen_status(
            chain,
            issuer,
            crate::blake2_256(b"bench/vid-1"),
            CitizenStatus::Suspended,
        ),
    )?;
    weigh(
        &mut table,
        "move_citizen",
        registry.move_citizen(
            chain,
            issuer,
            crate::blake2_256(b"bench/vid-2"),
            named_account("bench/new-account"),
        ),
    )?;
    registry
        .set_max_devices_per_citizen(chain, admin, DEVICES_PER_CITIZEN as u32 + 1)
        .map_err(|e| anyhow!("{e}"))?;
    weigh(
        &mut table,
        "transfer_device",
        registry.transfer_device(chain, first, devices[0], accounts[3]),
    )?;
    weigh(
        &mut table,
        "revoke_consent",
        registry.revoke_consent(chain, first, service, DataCategory::EnergyReadings),
    )?;

    // Queries, as a consumer contract would call them through the trait.
    let batch = MAX_QUERY_BATCH as usize;
    weigh(
        &mut table,
        "IdentityRegistry::are_active (10 accounts)",
        registry.are_active(chain, cycle(&accounts, 10)),
    )?;
    weigh(
        &mut table,
        format!("IdentityRegistry::are_active ({batch} accounts)"),
        registry.are_active(chain, cycle(&accounts, batch)),
    )?;
    weigh(
        &mut table,
        "IdentityRegistry::devices (10 ids)",
        registry.devices(chain, devices[..10].to_vec()),
    )?;
    weigh(
        &mut table,
        format!("IdentityRegistry::devices ({batch} ids)"),
        registry.devices(chain, devices[..batch].to_vec()),
    )?;
    for (message, weight) in registry.single_query_weights(chain, first, devices[1])? {
        table.push(Measurement { message, weight });
    }
    Ok(table)
}

fn cycle<T: Copy>(items: &[T], n: usize) -> Vec<T> {
    items.iter().copied().cycle().take(n).collect()
}

impl RegistryClient {
    /// Weights of the single-item trait queries (`is_active`, `device`, `has_consent`).
    fn single_query_weights<C: Chain>(
        &self,
        chain: &mut C,
        account: interfaces::AccountId,
        device: interfaces::DeviceId,
    ) -> anyhow::Result<Vec<(String, Weight)>> {
        use crate::contract::selector;
        let mut out = Vec::new();
        let calls: [(&str, Vec<u8>); 3] = [
            (
                "IdentityRegistry::is_active",
                scale::Encode::encode(&account),
            ),
            ("IdentityRegistry::device", scale::Encode::encode(&device)),
            (
                "IdentityRegistry::has_consent",
                scale::Encode::encode(&(account, account, DataCategory::Mobility)),
            ),
        ];
        for (name, args) in calls {
            let mut input = selector(name).to_vec();
            input.extend(args);
            let report = chain.query(account, self.address(), input)?;
            out.push((name.to_string(), report.weight));
        }
        Ok(out)
    }
}

/// The table in Markdown, as the README carries it.
pub fn markdown(table: &[Measurement]) -> String {
    let mut text = String::from("| message | ref_time | proof_size |\n|---|---:|---:|\n");
    for m in table {
        text.push_str(&format!(
            "| `{}` | {} | {} |\n",
            m.message,
            group(m.weight.ref_time),
            group(m.weight.proof_size)
        ));
    }
    text
}

/// 1234567 -> "1,234,567".
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
