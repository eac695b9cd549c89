//! The embedded sandbox chain: drink's pallet-contracts runtime, in-process, no node.

use crate::chain::{CallReport, Chain, ChainError, ContractEvent, Weight};
use drink::{
    minimal::{MinimalSandbox, MinimalSandboxRuntime, RuntimeEvent},
    pallet_contracts::{Determinism, Event as ContractsEvent},
    sandbox_api::{
        balance_api::BalanceAPI, contracts_api::ContractAPI, system_api::SystemAPI,
        timestamp_api::TimestampAPI,
    },
    session::Session,
    AccountId32, Sandbox,
};
use interfaces::AccountId;

/// Native balance every account the sandbox chain sees gets, enough for any fee and deposit.
const FUNDING: u128 = 1_000_000_000_000_000;

/// 2026-06-01T06:00:00Z: the sandbox chain starts at a fixed time so demos and tests repeat.
pub const GENESIS_TIME_MS: u64 = 1_780_293_600_000;

/// A pallet-contracts runtime in this process. Accounts are funded on first use.
pub struct SandboxChain {
    session: Session<MinimalSandbox>,
    funded: std::collections::HashSet<AccountId>,
}

impl Default for SandboxChain {
    fn default() -> Self {
        Self::new()
    }
}

impl SandboxChain {
    pub fn new() -> Self {
        let mut chain = Self {
            session: Session::default(),
            funded: Default::default(),
        };
        chain.set_time_ms(GENESIS_TIME_MS);
        chain
    }

    /// Sets the time contracts see. The runtime's own block hook writes seconds, so the
    /// sandbox never builds blocks and keeps this time until told otherwise.
    pub fn set_time_ms(&mut self, now_ms: u64) {
        self.session.sandbox().set_timestamp(now_ms);
    }

    /// Moves the clock forward by `delta_ms`.
    pub fn advance_time_ms(&mut self, delta_ms: u64) {
        let now = self.now_ms();
        self.set_time_ms(now + delta_ms);
    }

    fn fund(&mut self, account: AccountId) {
        if self.funded.insert(account) {
            let _ = self
                .session
                .sandbox()
                .mint_into(&to_runtime(account), FUNDING);
        }
    }

    fn gas_limit() -> drink::Weight {
        MinimalSandbox::default_gas_limit()
    }

    fn run_call(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
    ) -> Result<CallReport, ChainError> {
        self.fund(signer);
        // The runtime collects the whole block's events; no blocks are built here, so
        // clear them to read back only this call's.
        self.session.sandbox().reset_events();
        let result = self.session.sandbox().call_contract(
            to_runtime(contract),
            0,
            input,
            to_runtime(signer),
            Self::gas_limit(),
            None,
            Determinism::Enforced,
        );
        let weight = Weight {
            ref_time: result.gas_consumed.ref_time(),
            proof_size: result.gas_consumed.proof_size(),
        };
        let debug_message = String::from_utf8_lossy(&result.debug_message).into_owned();
        let value = result.result.map_err(|error| ChainError::Dispatch {
            reason: format!("{error:?}"),
            debug_message,
        })?;
        let reverted = value.did_revert();
        Ok(CallReport {
            output: value.data,
            reverted,
            weight,
            events: if reverted {
                Vec::new()
            } else {
                contract_events(result.events)
            },
        })
    }
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
        self.session.sandbox().reset_events();
        let result = self.session.sandbox().deploy_contract(
            code.to_vec(),
            0,
            input,
            salt,
            to_runtime(signer),
            Self::gas_limit(),
            None,
        );
        let weight = Weight {
            ref_time: result.gas_consumed.ref_time(),
            proof_size: result.gas_consumed.proof_size(),
        };
        let debug_message = String::from_utf8_lossy(&result.debug_message).into_owned();
        let value = result.result.map_err(|error| ChainError::Dispatch {
            reason: format!("{error:?}"),
            debug_message,
        })?;
        let reverted = value.result.did_revert();
        let address = AccountId::from(*<AccountId32 as AsRef<[u8; 32]>>::as_ref(&value.account_id));
        let report = CallReport {
            output: value.result.data,
            reverted,
            weight,
            events: if reverted {
                Vec::new()
            } else {
                contract_events(result.events)
            },
        };
        Ok((address, report))
    }

    fn call(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
    ) -> Result<CallReport, ChainError> {
        self.run_call(signer, contract, input)
    }

    fn query(
        &mut self,
        signer: AccountId,
        contract: AccountId,
        input: Vec<u8>,
    ) -> Result<CallReport, ChainError> {
        self.fund(signer);
        let snapshot = self.session.sandbox().take_snapshot();
        let report = self.run_call(signer, contract, input);
        self.session.sandbox().restore_snapshot(snapshot);
        report.map(|mut r| {
            r.events.clear();
            r
        })
    }

    fn now_ms(&mut self) -> u64 {
        self.session.sandbox().get_timestamp()
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
