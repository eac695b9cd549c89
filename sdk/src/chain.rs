//! The `Chain` trait: the few things a contract client needs from a chain.
//!
//! Two backends implement it: the embedded sandbox chain (`smartcity_sandbox::SandboxChain`,
//! a real pallet-contracts runtime in-process) and a real node over WebSocket
//! (`smartcity_node::NodeChain`). Typed clients encode each message once, over this trait.

use interfaces::{AccountId, GenesisHash};

/// Weight consumed by a call, as pallet-contracts measures it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Weight {
    /// Execution time, in picoseconds of reference hardware.
    pub ref_time: u64,
    /// Bytes of state proof the call needs (what a parachain block has to carry).
    pub proof_size: u64,
}

/// An event a contract emitted (`ContractEmitted`), with its topics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractEvent {
    pub contract: AccountId,
    /// The first topic is the event's signature topic (ink! 5), then its `#[ink(topic)]` fields.
    pub topics: Vec<[u8; 32]>,
    /// The SCALE-encoded event struct.
    pub data: Vec<u8>,
}

/// What a contract call or instantiation returned, before any typed decoding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallReport {
    /// The SCALE-encoded `MessageResult` the contract returned.
    pub output: Vec<u8>,
    /// The contract asked to roll its state changes back (an `Err` result).
    pub reverted: bool,
    pub weight: Weight,
    /// Events the call emitted; empty for a reverted call or a query.
    pub events: Vec<ContractEvent>,
    /// The fee the signer paid for the extrinsic, in the chain's smallest unit: `None`
    /// where nothing was submitted (a query, a reverted call) or the chain charges none
    /// (the sandbox).
    pub fee: Option<u128>,
}

/// A call signed and about to go out, as its caller notes it before sending
/// ([`Chain::call_noted`]): what finds it again after a restart ([`Chain::find_sent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentCall {
    /// The extrinsic's hash.
    pub extrinsic: [u8; 32],
    /// The chain's best block when it was signed: it lands in a later one.
    pub from_block: u64,
}

/// What became of a call sent before its caller stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentState {
    /// In a block: its report as `call` would have given it, without the output (the
    /// events, the fee and the extrinsic's weight), or the dispatch error it failed with
    /// (its state changes then did not happen).
    InBlock(Result<CallReport, ChainError>),
    /// Still waiting in the node's pool: it may land yet.
    InPool,
    /// In no block since it was signed and not in the pool: it never went out, and cannot
    /// land any more once its nonce is taken by the next extrinsic of its signer.
    NotFound,
}

/// Why the chain did not run a call to its end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The runtime refused or aborted the call: the contract trapped, ran out of gas,
    /// the address holds no contract, the deposit limit was hit...
    #[error("the chain refused the call: {reason}{}", debug_suffix(.debug_message))]
    Dispatch {
        reason: String,
        debug_message: String,
    },
    /// Contract code could not be read or is not valid.
    #[error("contract code: {0}")]
    Code(String),
    /// A saved chain state could not be read.
    #[error("chain state: {0}")]
    State(String),
    /// The node could not be reached, refused the extrinsic (a bad nonce, too low a
    /// balance for the fee) or answered what could not be read: nothing about the call.
    #[error("node: {0}")]
    Node(String),
}

impl ChainError {
    /// The call ran out of something one call may use (gas, or the contract's memory:
    /// a trap): a smaller call may pass. Anything else (no contract there, a node that
    /// cannot be reached, a state that cannot be read) says nothing about the call's size.
    pub fn is_resource_limit(&self) -> bool {
        match self {
            Self::Dispatch { reason, .. } => {
                reason.contains("OutOfGas") || reason.contains("ContractTrapped")
            }
            Self::Code(_) | Self::State(_) | Self::Node(_) => false,
        }
    }
}

fn debug_suffix(debug_message: &str) -> String {
    if debug_message.is_empty() {
        String::new()
    } else {
        format!(" (contract said: {debug_message})")
    }
}

/// What the typed clients need from a chain.
///
/// `signer` is the account on whose behalf a call is made; a backend that signs
/// extrinsics holds the matching key.
pub trait Chain {
    /// Uploads `code` and instantiates it with the encoded constructor call `input`.
    /// Returns the new contract's address and the constructor's report.
    fn instantiate(
        &mut self,
        signer: AccountId,
        code: &[u8],
        input: Vec<u8>,
        salt: Vec<u8>,
    ) -> Result<(AccountId, CallReport), ChainError>;

    /// Calls a message and keeps its state changes (unless the contract reverts).
    fn call(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
    ) -> Result<CallReport, ChainError>;

    /// `call`, telling `sending` the extrinsic before it goes out, so that a caller that
    /// stops in between can look it up after a restart ([`Chain::find_sent`]). A `sending`
    /// error stops the call before anything is sent (`ChainError::Node`). A chain without
    /// extrinsics (the sandbox, whose calls are done or not when they return) notes
    /// nothing.
    fn call_noted(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
        sending: &mut dyn FnMut(SentCall) -> Result<(), String>,
    ) -> Result<CallReport, ChainError> {
        let _ = sending;
        self.call(signer, contract, input)
    }

    /// Looks a call noted by [`Chain::call_noted`] up: in the blocks since it was signed,
    /// then in the node's pool.
    fn find_sent(&mut self, sent: &SentCall) -> Result<SentState, ChainError> {
        let _ = sent;
        Ok(SentState::NotFound)
    }

    /// Calls a message and throws its state changes away (a read, or a dry run).
    fn query(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
    ) -> Result<CallReport, ChainError>;

    /// The chain's current time, in unix milliseconds (what contracts see as `block_timestamp`).
    fn now_ms(&mut self) -> u64;

    /// The chain's genesis block hash: its chain id, which the deploys pass to every
    /// contract that takes signatures and every signed preimage binds (I-1).
    fn genesis_hash(&mut self) -> GenesisHash;

    /// Returns once the chain's time is at least `time_ms` (a demo's scenes happen hours
    /// apart): the sandbox moves its clock there; a node backend waits for such a block.
    fn wait_until_ms(&mut self, time_ms: u64) -> Result<(), ChainError>;

    /// The account this chain uses for a name (`"city-admin"`, `"asha"`) in a set-up or a
    /// demo. The sandbox signs for any account, so a name's hash serves
    /// ([`crate::named_account`]); a node backend derives a key for the name from its own
    /// root key, and on a dev chain funds it.
    fn account(&mut self, name: &str) -> AccountId {
        crate::named_account(name)
    }
}
