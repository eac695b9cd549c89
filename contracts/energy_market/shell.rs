//! The market shell's own work beside its messages (`lib.rs`): closing an offer, the
//! signatures' recovery, the registry's records of a batch, and a claim's mints and
//! collection. Plain methods on the contract, in plain Rust.

use crate::{batch::Slot, energy_market::EnergyMarketContract, market::Claim};
use ink::{codegen::Env, prelude::vec::Vec};
use interfaces::{
    calls::CallError,
    market::MarketError,
    reading::{reading_preimage, session_preimage, SignedReading},
    token::{Mint, PSP22Error, TokenError, MAX_MINT_BATCH},
    AccountId, Deployment, MAX_QUERY_BATCH,
};

impl EnergyMarketContract {
    pub(crate) fn close(&mut self, offer_id: u64, cancel: bool) -> Result<u64, MarketError> {
        let (caller, now) = (self.env().caller(), self.env().block_timestamp());
        let event = self.market.close_offer(caller, offer_id, cancel, now)?;
        let wh_returned = event.wh_returned;
        self.env().emit_event(event);
        Ok(wh_returned)
    }

    /// `from` pays `to` from its allowance to this market.
    pub(crate) fn pay(
        &self,
        from: AccountId,
        to: AccountId,
        amount: u128,
    ) -> Result<(), MarketError> {
        interfaces::calls::transfer_from(self.token, from, to, amount).map_err(Into::into)
    }

    /// The key the device's signature recovers to over the reading's digest.
    pub(crate) fn recover_device(me: &Deployment, signed: &SignedReading) -> Option<[u8; 33]> {
        reading_preimage(me, &signed.reading).signer(&signed.signature)
    }

    /// The key a V2G session's co-signature recovers to (`None` without a session).
    pub(crate) fn recover_vehicle(me: &Deployment, signed: &SignedReading) -> Option<[u8; 33]> {
        let session = signed.reading.vehicle.as_ref()?;
        session_preimage(
            me,
            &signed.reading.device,
            &session.vehicle,
            session.plugged_in_ms,
            signed.reading.at_ms,
        )
        .signer(&session.signature)
    }

    /// The registry's record of every slot's id, asked in calls of at most
    /// `MAX_QUERY_BATCH` ids (one call for a full batch of meters).
    pub(crate) fn load_records(&self, slots: &mut [Slot]) -> Result<(), MarketError> {
        for chunk in slots.chunks_mut(MAX_QUERY_BATCH as usize) {
            let ids = chunk.iter().map(|slot| slot.id).collect();
            let answer = interfaces::calls::devices(self.registry, ids)?;
            if answer.len() != chunk.len() {
                return Err(MarketError::RegistryCallFailed);
            }
            for (slot, record) in chunk.iter_mut().zip(answer) {
                slot.record = record;
            }
        }
        Ok(())
    }

    /// Settles `accounts`' accruals: their mints in calls of at most `MAX_MINT_BATCH`
    /// (one call for a page of households), then each unpaid bill collected.
    pub(crate) fn settle_accounts(
        &mut self,
        accounts: &[AccountId],
    ) -> Result<Vec<Claim>, MarketError> {
        // effects first: the accruals are off the books before any call
        let claims: Vec<Claim> = accounts
            .iter()
            .filter_map(|&account| self.market.take_claim(account))
            .collect();
        let mints: Vec<Mint> = claims
            .iter()
            .flat_map(|claim| claim.mints.iter().cloned())
            .collect();
        for chunk in mints.chunks(MAX_MINT_BATCH as usize) {
            interfaces::calls::mint_batch(self.token, chunk.to_vec())?;
        }
        for claim in &claims {
            let (collected, owed) = self.collect(claim.account, claim.unpaid_wh, claim.unpaid)?;
            if let Some(repaid) = &claim.debt_repaid {
                self.env().emit_event(repaid.clone());
            }
            self.env().emit_event(claim.event(collected, owed));
        }
        Ok(claims)
    }

    /// Collects what the credits of a claim did not pay of its bill (`credits`, for
    /// `wh`) from the account's allowance; returns `(collected, owed)`. A failure of
    /// the payer's (allowance, balance, gating) or a trapped call leaves the bill owed
    /// in the debt book, never lost. A paused token fails the whole claim instead
    /// (L-10: nobody owes for the token's pause).
    pub(crate) fn collect(
        &mut self,
        account: AccountId,
        wh: u64,
        credits: u128,
    ) -> Result<(u128, u128), MarketError> {
        if credits == 0 {
            return Ok((0, 0));
        }
        let utility = self.market.config().utility;
        match interfaces::calls::transfer_from(self.token, account, utility, credits) {
            Ok(()) => Ok((credits, 0)),
            Err(CallError::Callee(PSP22Error::Custom(reason)))
                if reason == TokenError::Paused.name() =>
            {
                Err(MarketError::Token(TokenError::Paused))
            }
            _ => {
                let event = self.market.record_debt(account, wh, credits);
                self.env().emit_event(event);
                Ok((0, credits))
            }
        }
    }
}
