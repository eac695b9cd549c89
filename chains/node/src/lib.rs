//! A real chain behind the SDK's [`Chain`] trait: a substrate-contracts-node, or any chain
//! with pallet-contracts, reached over WebSocket with subxt.
//!
//! Every call is dry-run first (`ContractsApi_call`, `ContractsApi_instantiate`): a call the
//! dry run refuses or that reverts is reported as the sandbox reports it, and costs no fee;
//! otherwise the extrinsic is signed with the signer's key, sized from the dry run (gas and
//! storage deposit, each with a margin), submitted, and followed until it is in a block
//! (or finalized, see [`NodeChain::wait_for_finality`]). Its report carries the dry run's
//! output and weight, the block's `ContractEmitted` events of that extrinsic, and the fee.
//!
//! Keys: the chain holds a root key (a secret URI, `//Alice` on a dev chain) and derives a
//! hard key per account name from it (`<root>//<name>`, see [`Chain::account`]); on a dev
//! chain it funds each derived account from the root. Further keys can be added with
//! [`NodeChain::add_key`].

mod dry_run;
mod events;
mod find;
mod submit;

use events::{contract_events, instantiated};
use interfaces::{AccountId, GenesisHash};
use scale::{Decode, Encode};
use smartcity_sdk::chain::{CallReport, Chain, ChainError, SentCall, SentState, Weight};
use std::{
    collections::HashMap,
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use subxt::{
    backend::{legacy::LegacyRpcMethods, rpc::RpcClient},
    dynamic::Value,
    ext::scale_value::At,
    OnlineClient, PolkadotConfig,
};
use subxt_signer::{
    sr25519::Keypair,
    {DeriveJunction, SecretUri},
};

pub use dry_run::DryRun;

type Client = OnlineClient<PolkadotConfig>;

/// What a submitted call's gas limit and storage deposit limit add to the dry run's
/// figures, in percent: state can change between the dry run and the block.
pub const MARGIN_PERCENT: u64 = 10;

/// What a derived account is topped up to on a dev chain, when it holds less than half
/// of it (in the chain's smallest unit; a dev chain's accounts hold 2^60).
pub const DEV_FUNDING: u128 = 1_000_000_000_000_000;

/// A pallet-contracts chain over WebSocket.
pub struct NodeChain {
    runtime: tokio::runtime::Runtime,
    client: Client,
    rpc: LegacyRpcMethods<PolkadotConfig>,
    /// The same connection, for the methods `rpc` lacks (`author_pendingExtrinsics`).
    raw_rpc: RpcClient,
    chain_name: String,
    root: Keypair,
    keys: HashMap<AccountId, Keypair>,
    /// The next nonce of each key this chain signed with: calls from one key never reuse
    /// one, even when the node's pool has not seen the previous one yet.
    nonces: HashMap<AccountId, u64>,
    /// Prefixed to every instantiation salt, so a second run against the same chain
    /// deploys new contracts instead of colliding with the first run's addresses.
    salt_prefix: Vec<u8>,
    fund_accounts: bool,
    finality: bool,
    fees_paid: u128,
    last_block: u64,
}

/// Why a node chain could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot reach the node at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the secret URI is not valid: {0}")]
    BadSecret(String),
    #[error("the chain at {url} has no Contracts pallet")]
    NoContractsPallet { url: String },
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

fn node_error(error: impl std::fmt::Display) -> ChainError {
    ChainError::Node(error.to_string())
}

impl NodeChain {
    /// Connects to the node at `url` (`ws://` on loopback, `wss://` elsewhere) with the
    /// root key `root_suri` (a secret URI: `//Alice`, or a mnemonic with derivations).
    /// On a dev chain (its name is "Development" or "Local Testnet"), derived accounts
    /// are funded from the root.
    pub fn connect(url: &str, root_suri: &str) -> Result<Self, ConnectError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| ConnectError::Runtime(e.to_string()))?;
        let unreachable = |e: subxt::Error| ConnectError::Unreachable {
            url: url.to_string(),
            reason: e.to_string(),
        };
        let rpc = runtime
            .block_on(RpcClient::from_insecure_url(url))
            .map_err(unreachable)?;
        let client = runtime
            .block_on(Client::from_rpc_client(rpc.clone()))
            .map_err(unreachable)?;
        let raw_rpc = rpc.clone();
        let rpc = LegacyRpcMethods::<PolkadotConfig>::new(rpc);
        if client.metadata().pallet_by_name("Contracts").is_none() {
            return Err(ConnectError::NoContractsPallet {
                url: url.to_string(),
            });
        }
        let chain_name = runtime.block_on(rpc.system_chain()).map_err(unreachable)?;
        let root = keypair(root_suri)?;
        let mut chain = Self {
            runtime,
            client,
            rpc,
            raw_rpc,
            fund_accounts: is_dev_chain(&chain_name),
            chain_name,
            keys: HashMap::new(),
            nonces: HashMap::new(),
            salt_prefix: unique_salt_prefix(),
            finality: false,
            fees_paid: 0,
            last_block: 0,
            root: root.clone(),
        };
        chain.add_key(root);
        Ok(chain)
    }

    /// The root key's account: the one that derives and funds the others.
    pub fn root_account(&self) -> AccountId {
        account_of(&self.root)
    }

    /// Lets the chain sign for `key`'s account; returns that account.
    pub fn add_key(&mut self, key: Keypair) -> AccountId {
        let account = account_of(&key);
        self.keys.insert(account, key);
        account
    }

    /// Adds the key of a secret URI (from a file or the environment; never pass one on a
    /// command line, where logs and `ps` see it).
    pub fn add_secret_uri(&mut self, suri: &str) -> Result<AccountId, ConnectError> {
        Ok(self.add_key(keypair(suri)?))
    }

    /// Follow every extrinsic until it is finalized, not only until it is in a block.
    pub fn wait_for_finality(&mut self, yes: bool) {
        self.finality = yes;
    }

    /// Uses `salt` before every instantiation salt instead of a fresh one per connection
    /// (a deployment that must land at addresses known in advance).
    pub fn set_salt_prefix(&mut self, salt: Vec<u8>) {
        self.salt_prefix = salt;
    }

    /// Fees paid by all extrinsics this chain submitted, in the chain's smallest unit.
    pub fn fees_paid(&self) -> u128 {
        self.fees_paid
    }

    /// The number of the block the last extrinsic landed in.
    pub fn last_block(&self) -> u64 {
        self.last_block
    }

    /// The chain's name and genesis hash (hex), as a deployment manifest records them.
    pub fn identity(&self) -> (String, String) {
        let genesis = format!("0x{}", hex::encode(self.client.genesis_hash()));
        (self.chain_name.clone(), genesis)
    }

    /// The node's own name and version (`substrate-contracts-node 0.42.0-...`).
    pub fn node_version(&mut self) -> Result<String, ChainError> {
        let rpc = self.rpc.clone();
        self.runtime
            .block_on(async move {
                Ok::<_, subxt::Error>(format!(
                    "{} {}",
                    rpc.system_name().await?,
                    rpc.system_version().await?
                ))
            })
            .map_err(node_error)
    }

    /// A numeric constant of a pallet (`Contracts`, `MaxCodeLen`), from the metadata.
    pub fn constant(&self, pallet: &str, name: &str) -> Option<u128> {
        let address = subxt::dynamic::constant(pallet, name);
        self.client
            .constants()
            .at(&address)
            .ok()
            .and_then(|value| value.to_value().ok())
            .and_then(|value| value.as_u128())
    }

    /// The number of the chain's best block.
    pub fn best_block(&mut self) -> Result<u64, ChainError> {
        let at = self.best_hash()?;
        let block = self
            .runtime
            .block_on(self.client.blocks().at(at))
            .map_err(node_error)?;
        Ok(block.number().into())
    }

    /// The free balance of `account`, in the chain's smallest unit.
    pub fn free_balance(&mut self, account: AccountId) -> Result<u128, ChainError> {
        let info = self.fetch(
            "System",
            "Account",
            vec![Value::from_bytes(bytes_of(&account))],
        )?;
        let Some(value) = info else { return Ok(0) };
        Ok(value
            .at("data")
            .and_then(|data| data.at("free"))
            .and_then(|free| free.as_u128())
            .unwrap_or(0))
    }

    /// Whether code with this hash is already stored on the chain.
    pub fn code_stored(&mut self, code_hash: [u8; 32]) -> Result<bool, ChainError> {
        Ok(self
            .fetch(
                "Contracts",
                "CodeInfoOf",
                vec![Value::from_bytes(code_hash)],
            )?
            .is_some())
    }

    /// Whether a contract lives at `address`.
    pub fn contract_exists(&mut self, address: AccountId) -> Result<bool, ChainError> {
        Ok(self
            .fetch(
                "Contracts",
                "ContractInfoOf",
                vec![Value::from_bytes(bytes_of(&address))],
            )?
            .is_some())
    }

    /// Moves `amount` of the chain's native token from `from` to `to`.
    pub fn transfer_native(
        &mut self,
        from: AccountId,
        to: AccountId,
        amount: u128,
    ) -> Result<(), ChainError> {
        let call = subxt::dynamic::tx(
            "Balances",
            "transfer_keep_alive",
            vec![
                Value::unnamed_variant("Id", [Value::from_bytes(bytes_of(&to))]),
                Value::u128(amount),
            ],
        );
        self.submit(from, &call).map(|_| ())
    }

    /// The hash of the best block: reads follow it, not the last finalized one (which is
    /// what subxt's `at_latest` reads, and which lags on a dev node).
    fn best_hash(&self) -> Result<subxt::utils::H256, ChainError> {
        self.runtime
            .block_on(self.rpc.chain_get_block_hash(None))
            .map_err(node_error)?
            .ok_or_else(|| ChainError::Node("the node has no best block".into()))
    }

    /// A storage entry at the best block, decoded with the chain's metadata.
    fn fetch(
        &mut self,
        pallet: &str,
        entry: &str,
        keys: Vec<Value>,
    ) -> Result<Option<Value<u32>>, ChainError> {
        let at = self.best_hash()?;
        let query = subxt::dynamic::storage(pallet, entry, keys);
        let client = self.client.clone();
        let found = self
            .runtime
            .block_on(async move { client.storage().at(at).fetch(&query).await })
            .map_err(node_error)?;
        found
            .map(|value| value.to_value().map_err(node_error))
            .transpose()
    }

    fn key(&self, signer: AccountId) -> Result<Keypair, ChainError> {
        self.keys.get(&signer).cloned().ok_or_else(|| {
            ChainError::Node(format!(
                "no key for account {}: derive it with Chain::account or add it with add_key",
                smartcity_sdk::ss58(&signer)
            ))
        })
    }

    fn dry_run_call(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: &[u8],
    ) -> Result<DryRun, ChainError> {
        let args = (
            signer,
            contract,
            0u128,
            Option::<dry_run::WeightArg>::None,
            Option::<u128>::None,
            input,
        )
            .encode();
        self.runtime_call("ContractsApi_call", args, dry_run::decode_call)
    }

    fn runtime_call(
        &mut self,
        function: &str,
        args: Vec<u8>,
        decode: fn(&[u8], &subxt::Metadata) -> Result<DryRun, ChainError>,
    ) -> Result<DryRun, ChainError> {
        let at = self.best_hash()?;
        let client = self.client.clone();
        let function = function.to_string();
        let bytes: Vec<u8> = self
            .runtime
            .block_on(async move {
                // `call_raw` decodes its answer; ask for the raw bytes and decode them here,
                // where the dispatch error can be read with the chain's metadata
                let api = client.runtime_api().at(at);
                api.call_raw::<RawBytes>(&function, Some(&args)).await
            })
            .map_err(node_error)?
            .0;
        decode(&bytes, &self.client.metadata())
    }

    fn fund(&mut self, account: AccountId) -> Result<(), ChainError> {
        if !self.fund_accounts || account == self.root_account() {
            return Ok(());
        }
        if self.free_balance(account)? < DEV_FUNDING / 2 {
            self.transfer_native(self.root_account(), account, DEV_FUNDING)?;
        }
        Ok(())
    }
}

/// The whole answer of a runtime API call, undecoded.
struct RawBytes(Vec<u8>);

impl Decode for RawBytes {
    fn decode<I: scale::Input>(input: &mut I) -> Result<Self, scale::Error> {
        let mut bytes = Vec::new();
        while let Ok(byte) = input.read_byte() {
            bytes.push(byte);
        }
        Ok(Self(bytes))
    }
}

fn keypair(suri: &str) -> Result<Keypair, ConnectError> {
    let uri: SecretUri = suri
        .parse()
        .map_err(|e: subxt_signer::SecretUriError| ConnectError::BadSecret(e.to_string()))?;
    Keypair::from_uri(&uri).map_err(|e| ConnectError::BadSecret(e.to_string()))
}

fn account_of(key: &Keypair) -> AccountId {
    AccountId::from(key.public_key().0)
}

fn bytes_of(account: &AccountId) -> [u8; 32] {
    *<AccountId as AsRef<[u8; 32]>>::as_ref(account)
}

fn is_dev_chain(name: &str) -> bool {
    matches!(name, "Development" | "Local Testnet")
}

fn unique_salt_prefix() -> Vec<u8> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    (nanos, std::process::id()).encode()
}

fn with_margin(value: u64) -> u64 {
    value.saturating_add(value / 100 * MARGIN_PERCENT)
}

fn weight_value(weight: Weight) -> Value {
    Value::named_composite([
        ("ref_time", Value::u128(with_margin(weight.ref_time).into())),
        (
            "proof_size",
            Value::u128(with_margin(weight.proof_size).into()),
        ),
    ])
}

fn deposit_value(charge: u128) -> Value {
    let limit = charge.saturating_add(charge / 100 * u128::from(MARGIN_PERCENT));
    Value::unnamed_variant("Some", [Value::u128(limit)])
}

impl Chain for NodeChain {
    fn instantiate(
        &mut self,
        signer: AccountId,
        code: &[u8],
        input: Vec<u8>,
        salt: Vec<u8>,
    ) -> Result<(AccountId, CallReport), ChainError> {
        let mut full_salt = self.salt_prefix.clone();
        full_salt.extend_from_slice(&salt);
        let code_hash = smartcity_sdk::blake2_256(code);
        let stored = self.code_stored(code_hash)?;
        let code_arg = if stored {
            dry_run::CodeArg::Existing(code_hash)
        } else {
            dry_run::CodeArg::Upload(code.to_vec())
        };
        let args = (
            signer,
            0u128,
            Option::<dry_run::WeightArg>::None,
            Option::<u128>::None,
            code_arg,
            &input,
            &full_salt,
        )
            .encode();
        let dry = self.runtime_call(
            "ContractsApi_instantiate",
            args,
            dry_run::decode_instantiate,
        )?;
        let address = dry.address.unwrap_or(AccountId::from([0; 32]));
        let report = dry.report()?;
        if report.reverted {
            return Ok((address, report));
        }
        let fields = |code_field: Value| {
            vec![
                Value::u128(0),
                weight_value(dry.gas_required),
                deposit_value(dry.deposit_charge),
                code_field,
                Value::from_bytes(&input),
                Value::from_bytes(&full_salt),
            ]
        };
        let call = if stored {
            subxt::dynamic::tx(
                "Contracts",
                "instantiate",
                fields(Value::from_bytes(code_hash)),
            )
        } else {
            subxt::dynamic::tx(
                "Contracts",
                "instantiate_with_code",
                fields(Value::from_bytes(code)),
            )
        };
        let fee_before = self.fees_paid;
        let events = self.submit(signer, &call)?;
        let address = instantiated(&events).ok_or_else(|| {
            ChainError::Node("the instantiation landed without an Instantiated event".into())
        })?;
        Ok((
            address,
            CallReport {
                events: contract_events(&events),
                fee: Some(self.fees_paid - fee_before),
                ..report
            },
        ))
    }

    fn call(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
    ) -> Result<CallReport, ChainError> {
        self.call_noted(signer, contract, input, &mut |_| Ok(()))
    }

    fn call_noted(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
        sending: &mut dyn FnMut(SentCall) -> Result<(), String>,
    ) -> Result<CallReport, ChainError> {
        let dry = self.dry_run_call(signer, contract, &input)?;
        let report = dry.report()?;
        if report.reverted {
            return Ok(report);
        }
        let call = subxt::dynamic::tx(
            "Contracts",
            "call",
            vec![
                Value::unnamed_variant("Id", [Value::from_bytes(bytes_of(&contract))]),
                Value::u128(0),
                weight_value(dry.gas_required),
                deposit_value(dry.deposit_charge),
                Value::from_bytes(&input),
            ],
        );
        let fee_before = self.fees_paid;
        let events = self.submit_noted(signer, &call, sending)?;
        Ok(CallReport {
            events: contract_events(&events),
            fee: Some(self.fees_paid - fee_before),
            ..report
        })
    }

    fn find_sent(&mut self, sent: &SentCall) -> Result<SentState, ChainError> {
        self.find_extrinsic(sent)
    }

    fn query(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
    ) -> Result<CallReport, ChainError> {
        self.dry_run_call(signer, contract, &input)?.report()
    }

    fn genesis_hash(&mut self) -> GenesisHash {
        self.client.genesis_hash().0
    }

    fn now_ms(&mut self) -> u64 {
        self.fetch("Timestamp", "Now", vec![])
            .ok()
            .flatten()
            .and_then(|now| now.as_u128())
            .map_or(0, |now| now as u64)
    }

    /// Waits (in wall-clock time, which a node's block timestamps follow) until `time_ms`,
    /// then makes sure a block at or after it exists: an instant-seal dev node only builds
    /// a block when an extrinsic arrives, so the root key sends a remark.
    fn wait_until_ms(&mut self, time_ms: u64) -> Result<(), ChainError> {
        loop {
            if self.now_ms() >= time_ms {
                return Ok(());
            }
            let wall = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            if wall < time_ms {
                std::thread::sleep(Duration::from_millis((time_ms - wall).min(60_000)));
                continue;
            }
            let remark = subxt::dynamic::tx("System", "remark", vec![Value::from_bytes(b"tick")]);
            self.submit(self.root_account(), &remark)?;
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `<root>//<name>`: a hard derivation of the root key, funded on a dev chain.
    fn account(&mut self, name: &str) -> AccountId {
        let key = self.root.derive([DeriveJunction::hard(name)]);
        let account = self.add_key(key);
        if let Err(error) = self.fund(account) {
            // a later call from this account reports the missing funds by name
            eprintln!("could not fund {name}: {error}");
        }
        account
    }
}
