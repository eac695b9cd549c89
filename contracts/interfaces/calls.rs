//! Cross-contract calls written once, each layer of the answer kept apart: the call could
//! not be made (no contract there, a trap, out of gas: [`CallError::CallFailed`]), the
//! callee could not dispatch it (ink!'s `LangError`: [`CallError::CouldNotDispatch`]), or
//! the callee answered with its own error ([`CallError::Callee`]). Each contract maps a
//! `CallError` into its own error enum (`From` impls beside those enums).

use crate::{
    token::{CreditMinter, Mint, PSP22Error, TokenError},
    AccountId, DeviceId, DeviceInfo, IdentityRegistry, RegistryError,
};
use alloc::vec::Vec;
use ink::codegen::TraitCallBuilder;
use psp22::PSP22;

type Registry = ink::contract_ref!(IdentityRegistry, ink::env::DefaultEnvironment);
type Token = ink::contract_ref!(PSP22, ink::env::DefaultEnvironment);

/// Why a cross-contract call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError<E> {
    /// The environment could not make the call (no contract at the address, the callee
    /// trapped or ran out of gas).
    CallFailed,
    /// The callee could not dispatch the message (ink!'s `LangError`).
    CouldNotDispatch,
    /// The callee refused with its own error.
    Callee(E),
}

impl<E> CallError<E> {
    /// The three layers of a `try_invoke` answer, flattened.
    pub fn layers<T>(
        answer: Result<ink::MessageResult<Result<T, E>>, ink::env::Error>,
    ) -> Result<T, Self> {
        match answer {
            Err(_) => Err(Self::CallFailed),
            Ok(Err(_)) => Err(Self::CouldNotDispatch),
            Ok(Ok(answer)) => answer.map_err(Self::Callee),
        }
    }

    /// The two layers of a query that answers a plain value (the callee has no error).
    pub fn plain<T>(answer: Result<ink::MessageResult<T>, ink::env::Error>) -> Result<T, Self> {
        match answer {
            Err(_) => Err(Self::CallFailed),
            Ok(Err(_)) => Err(Self::CouldNotDispatch),
            Ok(Ok(answer)) => Ok(answer),
        }
    }
}

// The token's own error maps here (not beside it, in token.rs, which this module reads).
impl From<CallError<RegistryError>> for TokenError {
    /// The registry refused (`Registry`), or could not be called or dispatched
    /// (`RegistryCallFailed`).
    fn from(error: CallError<RegistryError>) -> Self {
        match error {
            CallError::Callee(refused) => Self::Registry(refused),
            _ => Self::RegistryCallFailed,
        }
    }
}

/// The calling contract pays `to` `amount` of `token` out of its own balance (PSP22
/// `transfer`); nothing is called for zero.
pub fn transfer(
    token: AccountId,
    to: AccountId,
    amount: u128,
) -> Result<(), CallError<PSP22Error>> {
    if amount == 0 {
        return Ok(());
    }
    let mut token: Token = token.into();
    CallError::layers(
        token
            .call_mut()
            .transfer(to, amount, Vec::new())
            .try_invoke(),
    )
}

/// `from` pays `to` `amount` of `token` from its allowance to the calling contract (PSP22
/// `transfer_from`); nothing is called for zero.
pub fn transfer_from(
    token: AccountId,
    from: AccountId,
    to: AccountId,
    amount: u128,
) -> Result<(), CallError<PSP22Error>> {
    if amount == 0 {
        return Ok(());
    }
    let mut token: Token = token.into();
    CallError::layers(
        token
            .call_mut()
            .transfer_from(from, to, amount, Vec::new())
            .try_invoke(),
    )
}

/// `owner`'s balance of `token`.
pub fn balance_of(token: AccountId, owner: AccountId) -> Result<u128, CallError<PSP22Error>> {
    let token: Token = token.into();
    CallError::plain(token.call().balance_of(owner).try_invoke())
}

/// The calling contract (a Minter) mints `mints` with their receipts.
pub fn mint_batch(token: AccountId, mints: Vec<Mint>) -> Result<Vec<u64>, CallError<TokenError>> {
    let mut token: ink::contract_ref!(CreditMinter, ink::env::DefaultEnvironment) = token.into();
    CallError::layers(token.call_mut().mint_batch(mints).try_invoke())
}

/// Whether `account` acts for an active citizen.
pub fn is_active(
    registry: AccountId,
    account: AccountId,
) -> Result<bool, CallError<RegistryError>> {
    let registry: Registry = registry.into();
    CallError::plain(registry.call().is_active(account).try_invoke())
}

/// `is_active` for many accounts in one call (`BatchTooLarge` above `MAX_QUERY_BATCH`).
pub fn are_active(
    registry: AccountId,
    accounts: Vec<AccountId>,
) -> Result<Vec<bool>, CallError<RegistryError>> {
    let registry: Registry = registry.into();
    CallError::layers(registry.call().are_active(accounts).try_invoke())
}

/// The account that acts now for `former`'s citizen ([`IdentityRegistry::successor`]):
/// the one query every contract makes when what it holds for `former` follows the citizen
/// after a move (M-1, M-3).
pub fn successor(
    registry: AccountId,
    former: AccountId,
) -> Result<Option<AccountId>, CallError<RegistryError>> {
    let registry: Registry = registry.into();
    CallError::plain(registry.call().successor(former).try_invoke())
}

/// The registry's record of a device.
pub fn device(
    registry: AccountId,
    id: DeviceId,
) -> Result<Option<DeviceInfo>, CallError<RegistryError>> {
    let registry: Registry = registry.into();
    CallError::plain(registry.call().device(id).try_invoke())
}

/// The registry's records of many devices in one call (`BatchTooLarge` above
/// `MAX_QUERY_BATCH`).
pub fn devices(
    registry: AccountId,
    ids: Vec<DeviceId>,
) -> Result<Vec<Option<DeviceInfo>>, CallError<RegistryError>> {
    let registry: Registry = registry.into();
    CallError::layers(registry.call().devices(ids).try_invoke())
}
