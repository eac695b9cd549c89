//! `smartcity deploy`: the city's five contracts on a real node, wired as the suite wires
//! them on the sandbox, and the deployment manifest (`deployments/<network>.json`) that
//! wallets, dApps and the relay read their addresses from.

use anyhow::bail;
use interfaces::{AccountId, GenesisHash};
use serde_json::{json, Value};
use smartcity_node::NodeChain;
use smartcity_sdk::{blake2_256, ss58, CallReport, Chain, ChainError};
use smartcity_suite::{
    accounts,
    deployment::{self, CONTRACTS},
    Code, Suite,
};
use std::path::{Path, PathBuf};

/// Where a network's manifest lives.
pub fn manifest_path(dir: &Path, network: &str) -> PathBuf {
    dir.join(format!("{network}.json"))
}

/// One instantiation, as it landed.
struct Instantiation {
    address: AccountId,
    code_hash: [u8; 32],
    input: Vec<u8>,
    block: u64,
    fee: u128,
}

/// A node chain that remembers every instantiation it made (for the manifest).
struct Recording<'a> {
    chain: &'a mut NodeChain,
    made: Vec<Instantiation>,
}

impl Chain for Recording<'_> {
    fn instantiate(
        &mut self,
        signer: AccountId,
        code: &[u8],
        input: Vec<u8>,
        salt: Vec<u8>,
    ) -> Result<(AccountId, CallReport), ChainError> {
        let (address, report) = self.chain.instantiate(signer, code, input.clone(), salt)?;
        if !report.reverted {
            self.made.push(Instantiation {
                address,
                code_hash: blake2_256(code),
                input,
                block: self.chain.last_block(),
                fee: report.fee.unwrap_or(0),
            });
        }
        Ok((address, report))
    }
    fn call(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
    ) -> Result<CallReport, ChainError> {
        self.chain.call(signer, contract, input)
    }
    fn query(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
    ) -> Result<CallReport, ChainError> {
        self.chain.query(signer, contract, input)
    }
    fn now_ms(&mut self) -> u64 {
        self.chain.now_ms()
    }
    fn genesis_hash(&mut self) -> GenesisHash {
        self.chain.genesis_hash()
    }
    fn wait_until_ms(&mut self, time_ms: u64) -> Result<(), ChainError> {
        self.chain.wait_until_ms(time_ms)
    }
    fn account(&mut self, name: &str) -> AccountId {
        self.chain.account(name)
    }
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// Whether the deployment `manifest` describes is on `chain`, with `code`: the same
/// genesis, a contract at every address, and the artifacts' code hashes. Says why not.
pub fn check_manifest(
    chain: &mut NodeChain,
    manifest: &Value,
    code: &Code,
) -> anyhow::Result<Result<Suite, String>> {
    let (_, genesis) = chain.identity();
    if deployment::genesis(manifest) != Some(genesis.as_str()) {
        return Ok(Err(format!(
            "it was made on another chain (genesis {}; this one is {genesis})",
            deployment::genesis(manifest).unwrap_or("?")
        )));
    }
    let suite = deployment::suite(manifest)?;
    let wasm = [
        &code.registry,
        &code.token,
        &code.market,
        &code.parking,
        &code.fares,
    ];
    for ((name, wasm), address) in CONTRACTS
        .iter()
        .zip(wasm)
        .zip(deployment::addresses(&suite))
    {
        if !chain.contract_exists(address)? {
            return Ok(Err(format!("no contract at {name}'s address")));
        }
        if manifest["contracts"][name]["code_hash"].as_str() != Some(&hex0x(&blake2_256(wasm))) {
            return Ok(Err(format!(
                "{name} was deployed from other code than artifacts/ holds"
            )));
        }
    }
    Ok(Ok(suite))
}

/// What `deploy` did.
pub struct Deployed {
    pub suite: Suite,
    pub manifest: Value,
    /// False when an existing deployment was found and nothing was sent.
    pub new: bool,
}

/// Deploys and wires the city on `chain` unless `path` already describes a deployment
/// that is on this chain with this code (then nothing is sent); `fresh` deploys anew
/// regardless. Writes the manifest to `path`.
pub fn deploy(
    chain: &mut NodeChain,
    url: &str,
    network: &str,
    code: &Code,
    path: &Path,
    fresh: bool,
    out: &mut impl std::io::Write,
) -> anyhow::Result<Deployed> {
    if path.exists() && !fresh {
        let manifest = deployment::read(path)?;
        match check_manifest(chain, &manifest, code)? {
            Ok(suite) => {
                writeln!(
                    out,
                    "deployment found in {}: all five contracts are on chain; nothing sent (--fresh deploys anew)",
                    path.display()
                )?;
                return Ok(Deployed {
                    suite,
                    manifest,
                    new: false,
                });
            }
            Err(why) => writeln!(
                out,
                "{} does not describe this chain's deployment: {why}; deploying anew",
                path.display()
            )?,
        }
    }
    let fees_before = chain.fees_paid();
    let mut recording = Recording {
        chain,
        made: Vec::new(),
    };
    let config = smartcity_suite::market_config(&mut recording);
    let parking_terms = smartcity_suite::parking_config(&mut recording);
    let suite = smartcity_suite::deploy(&mut recording, code, config.clone())?;
    let made = recording.made;
    if made.len() != CONTRACTS.len() {
        bail!(
            "expected {} instantiations, saw {}",
            CONTRACTS.len(),
            made.len()
        );
    }
    let role_accounts = [
        ("admin", accounts::admin(chain)),
        ("issuer", accounts::issuer(chain)),
        ("operator", accounts::operator(chain)),
        ("treasury", accounts::treasury(chain)),
        ("utility", accounts::utility(chain)),
    ];
    let args = [
        json!({ "max_devices_per_citizen": 8 }),
        json!({
            "name": "Smart Credit Points", "symbol": "SCP", "decimals": 6, "initial_supply": 0,
            "gating_registry": ss58(&suite.registry),
        }),
        json!({
            "registry": ss58(&suite.registry), "token": ss58(&suite.token),
            "factors_micro_per_kwh": {
                "solar": config.factors.solar, "wind": config.factors.wind,
                "hydro": config.factors.hydro, "vehicle": config.factors.vehicle,
                "other": config.factors.other,
            },
            "peak_windows": config.peak_windows.iter().map(|w| json!({
                "start_minute": w.start_minute, "end_minute": w.end_minute,
                "multiplier_bps": w.multiplier_bps,
            })).collect::<Vec<_>>(),
            "tariff_per_kwh": config.tariff_per_kwh, "utility": ss58(&config.utility),
            "fee_bps": config.fee_bps, "fee_account": ss58(&config.fee_account),
            "max_batch": config.max_batch,
        }),
        json!({
            "registry": ss58(&suite.registry), "token": ss58(&suite.token),
            "platform_fee_bps": parking_terms.platform_fee_bps,
            "fee_account": ss58(&parking_terms.fee_account),
            "late_cancel_fee_bps": parking_terms.late_cancel_fee_bps,
            "cancel_cutoff_ms": parking_terms.cancel_cutoff_ms,
            "cancel_fee_bps": parking_terms.cancel_fee_bps,
        }),
        json!({ "registry": ss58(&suite.registry), "token": ss58(&suite.token) }),
    ];
    let mut contracts = serde_json::Map::new();
    for ((name, made), args) in CONTRACTS.iter().zip(&made).zip(args) {
        let mut entry = deployment::address_entry(&made.address);
        entry.insert("code_hash".into(), hex0x(&made.code_hash).into());
        entry.insert("constructor".into(), "new".into());
        entry.insert("args".into(), args);
        entry.insert("input".into(), hex0x(&made.input).into());
        entry.insert("block".into(), made.block.into());
        entry.insert("fee".into(), made.fee.to_string().into());
        contracts.insert(name.to_string(), entry.into());
        writeln!(
            out,
            "{name:<18} {}  block {:>5}  fee {}",
            ss58(&made.address),
            made.block,
            made.fee
        )?;
    }
    let (chain_name, genesis) = chain.identity();
    let manifest = json!({
        "network": network,
        "url": url,
        "chain": chain_name,
        "genesis_hash": genesis,
        "node": chain.node_version()?,
        "deployer": ss58(&chain.root_account()),
        "accounts": role_accounts.iter()
            .map(|(role, account)| (role.to_string(), json!(ss58(account))))
            .collect::<serde_json::Map<_, _>>(),
        "contracts": contracts,
        "fees_paid": (chain.fees_paid() - fees_before).to_string(),
        "block": chain.last_block(),
    });
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&manifest)? + "\n")?;
    std::fs::rename(&tmp, path)?;
    writeln!(
        out,
        "wired: registry roles, gated token, market as Minter, allow-lists; fees {}; manifest {}",
        chain.fees_paid() - fees_before,
        path.display()
    )?;
    Ok(Deployed {
        suite,
        manifest,
        new: true,
    })
}
