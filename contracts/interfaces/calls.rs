//! Cross-contract calls written once, each layer of the answer kept apart: the call could
//! not be made (no contract there, a trap, out of gas: [`CallError::CallFailed`]), the
//! callee could not dispatch it (ink!'s `LangError`: [`CallError::CouldNotDispatch`]), or
//! the callee answered with its own error ([`CallError::Callee`]). Each contract maps a
//! `CallError` into its own error enum (`From` impls beside those enums).

use crate::{token::PSP22Error, AccountId};
use alloc::vec::Vec;

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
}

/// The calling contract pays `to` `amount` of `token` out of its own balance (PSP22
/// `transfer`); nothing is called for zero.
pub fn transfer(
    token: AccountId,
    to: AccountId,
    amount: u128,
) -> Result<(), CallError<PSP22Error>> {
    use ink::codegen::TraitCallBuilder;
    use psp22::PSP22;
    if amount == 0 {
        return Ok(());
    }
    let mut token: ink::contract_ref!(PSP22, ink::env::DefaultEnvironment) = token.into();
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
    use ink::codegen::TraitCallBuilder;
    use psp22::PSP22;
    if amount == 0 {
        return Ok(());
    }
    let mut token: ink::contract_ref!(PSP22, ink::env::DefaultEnvironment) = token.into();
    CallError::layers(
        token
            .call_mut()
            .transfer_from(from, to, amount, Vec::new())
            .try_invoke(),
    )
}
