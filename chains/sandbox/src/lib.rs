//! The embedded sandbox chain: ink_sandbox's pallet-contracts runtime, in-process, no node,
//! behind the SDK's [`Chain`] trait; and its saved-state file ([`save`], [`load`]), the
//! one format the `smartcity` command and the meter relay both write.

use anyhow::Context;
use ink_sandbox::{
    api::{
        balance_api::BalanceAPI, contracts_api::ContractAPI, system_api::SystemAPI,
        timestamp_api::TimestampAPI,
    },
    pallet_contracts::{Determinism, Event as ContractsEvent},
    AccountId32, Sandbox,
};
use interfaces::{AccountId, GenesisHash};
use runtime::{MinimalSandbox, MinimalSandboxRuntime, RuntimeEvent};
use scale::{Decode, Encode};
use smartcity_sdk::chain::{CallReport, Chain, ChainError, ContractEvent, Weight};
use std::{io::Write, path::Path};

/// What the sandbox's chain id hashes (see [`Chain::genesis_hash`]).
pub const SANDBOX_CHAIN_NAME: &[u8] = b"smartcity/sandbox-chain";

/// Native balance every account the sandbox chain sees gets, enough for any fee and deposit.
const FUNDING: u128 = 1_000_000_000_000_000;

/// 2026-06-01T06:00:00Z: the sandbox chain starts at a fixed time so demos and tests repeat.
pub const GENESIS_TIME_MS: u64 = 1_780_293_600_000;

/// What one call may use: the normal-class share of a 2-second block (75 %: 1.5 s of
/// ref_time) and of a 5 MiB proof (3.75 MiB), as on a parachain. The sandbox's own default
/// (0.1 s) would refuse batches a real chain accepts.
pub const BLOCK_REF_TIME: u64 = 1_500_000_000_000;
pub const BLOCK_PROOF_SIZE: u64 = 3_932_160;

fn block_limit() -> ink_sandbox::Weight {
    ink_sandbox::Weight::from_parts(BLOCK_REF_TIME, BLOCK_PROOF_SIZE)
}

/// The runtime: frame-system, balances, timestamp and pallet-contracts, as ink_sandbox
/// configures them (the same runtime drink's `MinimalSandbox` is, without drink's test
/// macros, which would pull cargo-contract's build library and binaryen into the build).
mod runtime {
    ink_sandbox::create_sandbox!(MinimalSandbox);
}

/// A pallet-contracts runtime in this process. Accounts are funded on first use.
pub struct SandboxChain {
    sandbox: MinimalSandbox,
    funded: std::collections::HashSet<AccountId>,
    /// Every contract event since [`SandboxChain::keep_events`], when asked for.
    event_log: Option<Vec<ContractEvent>>,
}

impl Default for SandboxChain {
    fn default() -> Self {
        Self::new()
    }
}

impl SandboxChain {
    pub fn new() -> Self {
        let mut chain = Self {
            sandbox: MinimalSandbox::default(),
            funded: Default::default(),
            event_log: None,
        };
        chain.set_time_ms(GENESIS_TIME_MS);
        chain
    }

    /// Sets the time contracts see. The runtime's own block hook writes seconds, so the
    /// sandbox never builds blocks and keeps this time until told otherwise.
    pub fn set_time_ms(&mut self, now_ms: u64) {
        self.sandbox.set_timestamp(now_ms);
    }

    /// Moves the clock forward by `delta_ms`.
    pub fn advance_time_ms(&mut self, delta_ms: u64) {
        let now = self.now_ms();
        self.set_time_ms(now + delta_ms);
    }

    fn fund(&mut self, account: AccountId) {
        if self.funded.insert(account) {
            let _ = self.sandbox.mint_into(&to_runtime(account), FUNDING);
        }
    }

    fn gas_limit() -> ink_sandbox::Weight {
        block_limit()
    }

    /// The chain's whole state (every storage entry), to write to a file and load later:
    /// the embedded chain then persists between runs of the `smartcity` command.
    ///
    /// It also compacts the chain (see [`Self::compact`]), which costs no more here.
    pub fn export_state(&mut self) -> Vec<u8> {
        let snapshot = self.sandbox.take_snapshot();
        let funded: Vec<AccountId> = self.funded.iter().copied().collect();
        let bytes = (&snapshot.storage, snapshot.storage_root.0, funded).encode();
        self.sandbox.restore_snapshot(snapshot);
        bytes
    }

    /// Drops the trie nodes that writes replaced. The in-memory backend keeps every
    /// replaced node (with a zero reference count) until it is rebuilt, so a long-running
    /// chain (the meter relay's) grew by about 0.5 MB per batch of readings; rebuilding it
    /// from its live nodes (what a saved state holds) keeps its memory to its state.
    pub fn compact(&mut self) {
        let snapshot = self.sandbox.take_snapshot();
        self.sandbox.restore_snapshot(snapshot);
    }

    /// From now on, keeps a copy of every event the contracts emit (instantiations and
    /// calls that did not revert), for audits of what the chain published.
    pub fn keep_events(&mut self) {
        self.event_log.get_or_insert_with(Vec::new);
    }

    /// The events kept since [`Self::keep_events`], oldest first.
    pub fn kept_events(&self) -> &[ContractEvent] {
        self.event_log.as_deref().unwrap_or_default()
    }

    fn log(&mut self, report: &CallReport) {
        if let Some(log) = &mut self.event_log {
            log.extend(report.events.iter().cloned());
        }
    }

    /// Every entry `contract` keeps in its storage (its child trie), as (key, value) in
    /// key order; the keys as pallet-contracts writes them (an ink! storage key's
    /// blake2-128 then the key itself: a `Mapping`'s root key and its SCALE-encoded key).
    /// Empty for an account that is no contract. For audits of what a contract keeps.
    pub fn contract_storage(&mut self, contract: AccountId) -> Vec<(Vec<u8>, Vec<u8>)> {
        use ink_sandbox::frame_support::{
            storage::{child::ChildInfo, unhashed, ChildTriePrefixIterator},
            StorageHasher, Twox128, Twox64Concat,
        };
        let account = to_runtime(contract);
        self.sandbox.execute_with(|| {
            // pallet-contracts' `ContractInfoOf` map; its `ContractInfo` (not exported)
            // starts with the contract's trie id
            let mut key = Twox128::hash(b"Contracts").to_vec();
            key.extend(Twox128::hash(b"ContractInfoOf"));
            key.extend(Twox64Concat::hash(account.as_ref()));
            let Some(trie_id) =
                unhashed::get_raw(&key).and_then(|info| Vec::<u8>::decode(&mut &info[..]).ok())
            else {
                return Vec::new();
            };
            ChildTriePrefixIterator::<(Vec<u8>, RawValue)>::with_prefix(
                &ChildInfo::new_default(&trie_id),
                &[],
            )
            .map(|(key, RawValue(value))| (key, value))
            .collect()
        })
    }

    /// A chain with the state `export_state` returned.
    pub fn import_state(bytes: &[u8]) -> Result<Self, ChainError> {
        type Exported = (ink_sandbox::RawStorage, [u8; 32], Vec<AccountId>);
        let (storage, root, funded) = Exported::decode(&mut &bytes[..])
            .map_err(|e| ChainError::State(format!("not a saved chain state: {e}")))?;
        let mut chain = Self::new();
        chain.sandbox.restore_snapshot(ink_sandbox::Snapshot {
            storage,
            storage_root: root.into(),
        });
        chain.funded = funded.into_iter().collect();
        Ok(chain)
    }
}

/// Calls `contract` on `sandbox`, reading back this call's events only.
fn call_on(
    sandbox: &mut MinimalSandbox,
    signer: AccountId,
    contract: AccountId,
    input: Vec<u8>,
) -> Result<CallReport, ChainError> {
    // The runtime collects the whole block's events; no blocks are built here, so
    // clear them to read back only this call's.
    sandbox.reset_events();
    let result = sandbox.call_contract(
        to_runtime(contract),
        0,
        input,
        to_runtime(signer),
        block_limit(),
        None,
        Determinism::Enforced,
    );
    let outcome = result.result.map(|value| (value.did_revert(), value.data));
    to_report(
        result.gas_consumed,
        &result.debug_message,
        outcome,
        result.events,
    )
}

/// What a call or an instantiation returned, in the `Chain` trait's terms: a dispatch
/// error with the contract's debug output, or the output, the weight and (unless the
/// contract reverted) its events.
fn to_report(
    gas_consumed: ink_sandbox::Weight,
    debug_message: &[u8],
    outcome: Result<(bool, Vec<u8>), ink_sandbox::DispatchError>,
    events: EventRecords,
) -> Result<CallReport, ChainError> {
    let (reverted, output) = outcome.map_err(|error| ChainError::Dispatch {
        reason: format!("{error:?}"),
        debug_message: String::from_utf8_lossy(debug_message).into_owned(),
    })?;
    Ok(CallReport {
        output,
        reverted,
        weight: Weight {
            ref_time: gas_consumed.ref_time(),
            proof_size: gas_consumed.proof_size(),
        },
        events: if reverted {
            Vec::new()
        } else {
            contract_events(events)
        },
        fee: None,
    })
}

impl Chain for SandboxChain {
    fn instantiate(
        &mut self,
        signer: AccountId,
        code: &[u8],
        input: Vec<u8>,
        salt: Vec<u8>,
    ) -> Result<(AccountId, CallReport), ChainError> {
        self.fund(signer);
        self.sandbox.reset_events();
        let result = self.sandbox.deploy_contract(
            code.to_vec(),
            0,
            input,
            salt,
            to_runtime(signer),
            Self::gas_limit(),
            None,
        );
        let (address, outcome) = match result.result {
            Ok(value) => (
                value.account_id,
                Ok((value.result.did_revert(), value.result.data)),
            ),
            // the address is only read when the instantiation succeeded
            Err(error) => (AccountId32::new([0; 32]), Err(error)),
        };
        let report = to_report(
            result.gas_consumed,
            &result.debug_message,
            outcome,
            result.events,
        )?;
        let address = AccountId::from(*<AccountId32 as AsRef<[u8; 32]>>::as_ref(&address));
        self.log(&report);
        Ok((address, report))
    }

    fn call(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
    ) -> Result<CallReport, ChainError> {
        self.fund(signer);
        let report = call_on(&mut self.sandbox, signer, contract, input)?;
        self.log(&report);
        Ok(report)
    }

    fn query(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
    ) -> Result<CallReport, ChainError> {
        self.fund(signer);
        // in a storage transaction rolled back afterwards: nothing the call wrote stays,
        // and nothing is copied (ink_sandbox's own `dry_run` clones the whole state, which
        // cost a relay on a chain of tens of MB more than the call itself)
        self.sandbox.execute_with(sp_io::storage::start_transaction);
        let report = call_on(&mut self.sandbox, signer, contract, input);
        self.sandbox
            .execute_with(sp_io::storage::rollback_transaction);
        report.map(|mut r| {
            r.events.clear();
            r
        })
    }

    fn now_ms(&mut self) -> u64 {
        self.sandbox.get_timestamp()
    }

    /// The sandbox has no genesis block of its own (each block names a default parent):
    /// its chain id is the hash of its name, the same in every process and saved state.
    fn genesis_hash(&mut self) -> GenesisHash {
        smartcity_sdk::blake2_256(SANDBOX_CHAIN_NAME)
    }

    fn wait_until_ms(&mut self, time_ms: u64) -> Result<(), ChainError> {
        if time_ms > self.now_ms() {
            self.set_time_ms(time_ms);
        }
        Ok(())
    }
}

/// A storage value as stored: every byte, no length prefix.
struct RawValue(Vec<u8>);

impl Decode for RawValue {
    fn decode<I: scale::Input>(input: &mut I) -> Result<Self, scale::Error> {
        let mut value = vec![0; input.remaining_len()?.unwrap_or(0)];
        input.read(&mut value)?;
        Ok(Self(value))
    }
}

fn to_runtime(account: AccountId) -> AccountId32 {
    AccountId32::new(*<AccountId as AsRef<[u8; 32]>>::as_ref(&account))
}

type EventRecords = Option<Vec<ink_sandbox::EventRecordOf<MinimalSandboxRuntime>>>;

fn contract_events(records: EventRecords) -> Vec<ContractEvent> {
    records
        .unwrap_or_default()
        .into_iter()
        .filter_map(|record| match record.event {
            RuntimeEvent::Contracts(ContractsEvent::ContractEmitted { contract, data }) => {
                Some(ContractEvent {
                    contract: AccountId::from(*<AccountId32 as AsRef<[u8; 32]>>::as_ref(&contract)),
                    topics: record.topics.iter().map(|t| t.0).collect(),
                    data,
                })
            }
            _ => None,
        })
        .collect()
}

/// The first bytes of a saved chain file (format version 1).
const FILE_MAGIC: [u8; 4] = *b"SCS1";

/// A saved chain file: what the application keeps beside the chain (its contracts'
/// addresses, say), then the chain's whole state.
#[derive(Encode, Decode)]
struct SavedFile<H> {
    magic: [u8; 4],
    header: H,
    chain: Vec<u8>,
}

/// Writes `chain` with `header` to `path` atomically: a temporary file beside it, synced,
/// renamed over the old one, and the folder synced; whoever is killed at any moment leaves
/// either the old file or the new one.
pub fn save<H: Encode>(path: &Path, chain: &mut SandboxChain, header: &H) -> anyhow::Result<()> {
    let bytes = SavedFile {
        magic: FILE_MAGIC,
        header,
        chain: chain.export_state(),
    }
    .encode();
    let name = path
        .file_name()
        .with_context(|| format!("{} names no file", path.display()))?;
    let tmp = path.with_file_name(format!("{}.tmp", name.to_string_lossy()));
    {
        let mut file = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        file.write_all(&bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::File::open(folder)?.sync_all()?;
    Ok(())
}

/// Reads a file [`save`] wrote: the chain and the header saved with it.
pub fn load<H: Decode>(path: &Path) -> anyhow::Result<(SandboxChain, H)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let saved = SavedFile::<H>::decode(&mut &bytes[..])
        .ok()
        .filter(|saved| saved.magic == FILE_MAGIC)
        .with_context(|| format!("{} is not a saved smart-city chain", path.display()))?;
    Ok((SandboxChain::import_state(&saved.chain)?, saved.header))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_chain_loads_with_its_header_and_other_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("sandbox-save-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chain.state");
        let mut chain = SandboxChain::new();
        chain.advance_time_ms(60_000);
        save(&path, &mut chain, &(7u32, String::from("city"))).unwrap();
        assert!(!dir.join("chain.state.tmp").exists());
        let (mut loaded, header) = load::<(u32, String)>(&path).unwrap();
        assert_eq!(header, (7, String::from("city")));
        assert_eq!(loaded.now_ms(), GENESIS_TIME_MS + 60_000);

        std::fs::write(&path, b"not a chain").unwrap();
        let Err(refused) = load::<(u32, String)>(&path) else {
            panic!("a file that is not a saved chain loaded");
        };
        let refused = refused.to_string();
        assert!(
            refused.contains("is not a saved smart-city chain"),
            "{refused}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
