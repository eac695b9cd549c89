//! The token shell's own work beside its messages (`lib.rs`): emitting what the rules
//! return, and the checks that need the environment or the registry (a transfer to the
//! token itself, the gating on active citizens). Plain methods on the contract.

use crate::{
    credit_token::CreditToken,
    credits::{Events, TokenEvent},
};
use ink::{codegen::Env, prelude::vec::Vec};
use interfaces::{token::TokenError, AccountId, TimestampMs};
use psp22::PSP22Event;

impl CreditToken {
    pub(crate) fn emit(&self, events: Events) {
        for event in events {
            let env = self.env();
            match event {
                TokenEvent::Psp22(PSP22Event::Transfer(e)) => env.emit_event(e),
                TokenEvent::Psp22(PSP22Event::Approval(e)) => env.emit_event(e),
                TokenEvent::RoleGranted(e) => env.emit_event(e),
                TokenEvent::RoleRevoked(e) => env.emit_event(e),
                TokenEvent::AdminTransferProposed(e) => env.emit_event(e),
                TokenEvent::AdminChanged(e) => env.emit_event(e),
                TokenEvent::PauseChanged(e) => env.emit_event(e),
                TokenEvent::AllowListChanged(e) => env.emit_event(e),
                TokenEvent::ReceiptsIssued(e) => env.emit_event(e),
                TokenEvent::CreditsRetired(e) => env.emit_event(e),
                TokenEvent::Co2eRateChanged(e) => env.emit_event(e),
                TokenEvent::ReceiptSplit(e) => env.emit_event(e),
                TokenEvent::VoucherCreated(e) => env.emit_event(e),
                TokenEvent::VoucherRedeemed(e) => env.emit_event(e),
                TokenEvent::VoucherReclaimed(e) => env.emit_event(e),
            }
        }
    }

    pub(crate) fn apply(&self, outcome: Result<Events, TokenError>) -> Result<(), TokenError> {
        self.emit(outcome?);
        Ok(())
    }

    pub(crate) fn now(&self) -> TimestampMs {
        self.env().block_timestamp()
    }

    /// Credits sent to this contract with a transfer would be stuck: only vouchers
    /// hold credits here (L-9).
    pub(crate) fn ensure_recipient(&self, to: AccountId) -> Result<(), TokenError> {
        if to == self.env().account_id() {
            return Err(TokenError::RecipientIsToken);
        }
        Ok(())
    }

    /// With gating on, `from` and `to` must each be this contract (voucher escrow),
    /// allow-listed, or an active citizen; the citizens are asked in one registry call.
    pub(crate) fn ensure_may_move(&self, from: AccountId, to: AccountId) -> Result<(), TokenError> {
        let Some(registry) = self.registry else {
            return Ok(());
        };
        let me = self.env().account_id();
        let cleared = |account: AccountId| account == me || self.credits.is_allow_listed(account);
        let (from_cleared, to_cleared) = (cleared(from), cleared(to));
        if from_cleared && to_cleared {
            return Ok(());
        }
        let mut asked = Vec::with_capacity(2);
        if !from_cleared {
            asked.push(from);
        }
        if !to_cleared {
            asked.push(to);
        }
        let active = interfaces::calls::are_active(registry, asked)?;
        let mut answers = active.into_iter();
        if !from_cleared && !answers.next().unwrap_or(false) {
            return Err(TokenError::SenderNotAllowed);
        }
        if !to_cleared && !answers.next().unwrap_or(false) {
            return Err(TokenError::RecipientNotAllowed);
        }
        Ok(())
    }
}
