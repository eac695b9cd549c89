//! The pallet-contracts runtime API's answers (`ContractsApi_call`,
//! `ContractsApi_instantiate`): what a dry run reports, decoded field by field so that
//! the dispatch error inside can be named with the chain's own metadata.

use interfaces::AccountId;
use scale::{Decode, Encode};
use smartcity_sdk::chain::{CallReport, ChainError, Weight};

/// `Weight` as the runtime API encodes it.
#[derive(Debug, Clone, Copy, Encode, Decode)]
pub struct WeightArg {
    #[codec(compact)]
    pub ref_time: u64,
    #[codec(compact)]
    pub proof_size: u64,
}

impl From<WeightArg> for Weight {
    fn from(w: WeightArg) -> Self {
        Weight {
            ref_time: w.ref_time,
            proof_size: w.proof_size,
        }
    }
}

/// `Code<Hash>`: the code to instantiate, new or already stored.
#[derive(Encode)]
pub enum CodeArg {
    Upload(Vec<u8>),
    Existing([u8; 32]),
}

#[derive(Decode)]
enum StorageDeposit {
    Refund(u128),
    Charge(u128),
}

/// The head every dry-run answer starts with.
#[derive(Decode)]
struct Head {
    gas_consumed: WeightArg,
    gas_required: WeightArg,
    storage_deposit: StorageDeposit,
    debug_message: Vec<u8>,
}

/// `ExecReturnValue`: the flags `seal_return` set (bit 0: revert) and the output.
#[derive(Decode)]
struct ExecReturn {
    flags: u32,
    data: Vec<u8>,
}

/// What a dry run found.
#[derive(Debug, Clone)]
pub struct DryRun {
    /// What the call used.
    pub gas_consumed: Weight,
    /// What the call needs as its limit (more than it uses when it frees storage).
    pub gas_required: Weight,
    /// The storage deposit the call charges (0 when it refunds).
    pub deposit_charge: u128,
    /// The storage deposit the call gives back (0 when it charges).
    pub deposit_refund: u128,
    /// The contract's output and whether it reverted; or the dispatch error, named.
    pub outcome: Result<(bool, Vec<u8>), String>,
    pub debug_message: String,
    /// The new contract's address (an instantiation that succeeded).
    pub address: Option<AccountId>,
}

impl DryRun {
    /// The report a call gets when the dry run is all there is (a query, a reverted call),
    /// or the dispatch error it met.
    pub fn report(&self) -> Result<CallReport, ChainError> {
        let (reverted, output) = self
            .outcome
            .clone()
            .map_err(|reason| ChainError::Dispatch {
                reason,
                debug_message: self.debug_message.clone(),
            })?;
        Ok(CallReport {
            output,
            reverted,
            weight: self.gas_consumed,
            events: Vec::new(),
            fee: None,
        })
    }
}

fn decode_error(what: &str, error: impl std::fmt::Display) -> ChainError {
    ChainError::Node(format!("cannot decode the node's {what} answer: {error}"))
}

/// Decodes a `ContractExecResult`.
pub fn decode_call(bytes: &[u8], metadata: &subxt::Metadata) -> Result<DryRun, ChainError> {
    decode(bytes, metadata, false)
}

/// Decodes a `ContractInstantiateResult`.
pub fn decode_instantiate(bytes: &[u8], metadata: &subxt::Metadata) -> Result<DryRun, ChainError> {
    decode(bytes, metadata, true)
}

fn decode(
    bytes: &[u8],
    metadata: &subxt::Metadata,
    instantiate: bool,
) -> Result<DryRun, ChainError> {
    let what = if instantiate { "instantiate" } else { "call" };
    let input = &mut &bytes[..];
    let head = Head::decode(input).map_err(|e| decode_error(what, e))?;
    let ok = u8::decode(input).map_err(|e| decode_error(what, e))? == 0;
    let (outcome, address) = if ok {
        let exec = ExecReturn::decode(input).map_err(|e| decode_error(what, e))?;
        let address = if instantiate {
            Some(AccountId::from(
                <[u8; 32]>::decode(input).map_err(|e| decode_error(what, e))?,
            ))
        } else {
            None
        };
        (Ok((exec.flags & 1 == 1, exec.data)), address)
    } else {
        let error = subxt::error::DispatchError::decode_from(input.to_vec(), metadata.clone())
            .map_err(|e| decode_error(what, e))?;
        (Err(crate::events::dispatch_name(&error)), None)
    };
    Ok(DryRun {
        gas_consumed: head.gas_consumed.into(),
        gas_required: head.gas_required.into(),
        deposit_charge: match head.storage_deposit {
            StorageDeposit::Charge(amount) => amount,
            StorageDeposit::Refund(_) => 0,
        },
        deposit_refund: match head.storage_deposit {
            StorageDeposit::Refund(amount) => amount,
            StorageDeposit::Charge(_) => 0,
        },
        outcome,
        debug_message: String::from_utf8_lossy(&head.debug_message).into_owned(),
        address,
    })
}
