//! Mint receipts (the provenance of minted credits) and carbon retirements, which consume
//! them; the receipt checks and splitting vouchers share.

use super::*;

impl Credits {
    // ----- mint receipts ----------------------------------------------------------------------

    /// A Minter mints each item with a receipt; all or nothing.
    pub fn mint_batch(
        &mut self,
        caller: AccountId,
        mints: Vec<Mint>,
        now: TimestampMs,
    ) -> Result<(Vec<u64>, Events), TokenError> {
        self.ensure_role(caller, TokenRole::Minter)?;
        self.ensure_not_paused()?;
        if mints.len() > MAX_MINT_BATCH as usize {
            return Err(TokenError::BatchTooLarge);
        }
        let mut ids = Vec::with_capacity(mints.len());
        let mut events = Vec::with_capacity(mints.len().saturating_mul(2));
        for Mint {
            to,
            amount,
            earning,
        } in mints
        {
            if amount == 0 {
                return Err(TokenError::ZeroAmount);
            }
            events.extend(self.mint_unchecked(to, amount)?);
            ids.push(self.issue_receipt(caller, to, amount, earning, now));
        }
        if let Some(first_receipt_id) = ids.first().copied() {
            events.push(TokenEvent::ReceiptsIssued(ev::ReceiptsIssued {
                minted_by: caller,
                first_receipt_id,
                count: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            }));
        }
        Ok((ids, events))
    }

    fn issue_receipt(
        &mut self,
        minter: AccountId,
        owner: AccountId,
        amount: u128,
        earning: Earning,
        now: TimestampMs,
    ) -> u64 {
        let id = self.next_receipt_id;
        self.next_receipt_id = id.saturating_add(1);
        self.receipts.insert(
            id,
            &MintReceipt {
                owner,
                amount,
                earning,
                minted_by: minter,
                minted_at_ms: now,
                voucher: None,
                retirement: None,
            },
        );
        id
    }

    pub fn receipt(&self, id: u64) -> Option<MintReceipt> {
        self.receipts.get(id)
    }

    // ----- carbon retirement ---------------------------------------------------------------------

    /// Grams of CO2e one whole credit may be retired for.
    pub fn co2e_rate(&self) -> u128 {
        self.grams_per_credit
    }

    /// Admin only: sets the grams of CO2e one whole credit may be retired for.
    pub fn set_co2e_rate(
        &mut self,
        caller: AccountId,
        grams_per_credit: u128,
    ) -> Result<Events, TokenError> {
        self.ensure_admin(caller)?;
        self.grams_per_credit = grams_per_credit;
        Ok(ink::prelude::vec![TokenEvent::Co2eRateChanged(
            ev::Co2eRateChanged {
                grams_per_credit,
                by: caller
            }
        )])
    }

    /// Burns `amount` of the caller's credits as a carbon offset for `claim.beneficiary`:
    /// the CO2e claimed is at most the amount at the admin-set rate (`ClaimExceedsRate`),
    /// the period is not empty (`InvalidPeriod`), and the receipts named are the caller's,
    /// free, and stand for at most the amount (the last one split); they are consumed
    /// (M-9). Returns the retirement id.
    pub fn retire(
        &mut self,
        caller: AccountId,
        amount: u128,
        claim: RetirementClaim,
        now: TimestampMs,
    ) -> Result<(u64, Events), TokenError> {
        self.ensure_not_paused()?;
        if amount == 0 {
            return Err(TokenError::ZeroAmount);
        }
        let backed = amount.saturating_mul(self.grams_per_credit) / MICRO;
        if claim.grams_co2e > backed {
            return Err(TokenError::ClaimExceedsRate);
        }
        if claim.period_start_ms >= claim.period_end_ms {
            return Err(TokenError::InvalidPeriod);
        }
        let held = self.free_receipts(caller, &claim.receipts, amount)?;
        let mut events = psp22_events(self.balances.burn(caller, amount)?);
        let id = self.next_retirement_id;
        self.next_retirement_id = id.saturating_add(1);
        let receipts = self.hold_receipts(held, amount, Hold::Retirement(id), &mut events);
        let retirement = Retirement {
            account: caller,
            beneficiary: claim.beneficiary,
            amount,
            grams_co2e: claim.grams_co2e,
            purpose_hash: claim.purpose_hash,
            period_start_ms: claim.period_start_ms,
            period_end_ms: claim.period_end_ms,
            receipts,
            retired_at_ms: now,
        };
        let mut total = self.retired.get(claim.beneficiary).unwrap_or_default();
        total.amount = total.amount.saturating_add(amount);
        total.grams_co2e = total.grams_co2e.saturating_add(claim.grams_co2e);
        self.retired.insert(claim.beneficiary, &total);
        events.push(TokenEvent::CreditsRetired(ev::CreditsRetired {
            retirement_id: id,
            account: caller,
            beneficiary: retirement.beneficiary,
            amount,
            grams_co2e: retirement.grams_co2e,
            purpose_hash: retirement.purpose_hash,
            period_start_ms: retirement.period_start_ms,
            period_end_ms: retirement.period_end_ms,
            receipts: retirement.receipts.clone(),
        }));
        self.retirements.insert(id, &retirement);
        Ok((id, events))
    }

    /// Checks, before anything is written, that `receipts` are `caller`'s, each named once,
    /// in no voucher or retirement, at most `MAX_VOUCHER_RECEIPTS`, and that none is beyond
    /// what `amount` needs (`ReceiptsExceedAmount`, L-8). Returns them.
    pub(super) fn free_receipts(
        &self,
        caller: AccountId,
        receipts: &[u64],
        amount: u128,
    ) -> Result<Vec<(u64, MintReceipt)>, TokenError> {
        if receipts.len() > MAX_VOUCHER_RECEIPTS as usize {
            return Err(TokenError::BatchTooLarge);
        }
        let mut held: Vec<(u64, MintReceipt)> = Vec::with_capacity(receipts.len());
        let mut backing = amount;
        for receipt_id in receipts {
            let receipt = self
                .receipts
                .get(receipt_id)
                .ok_or(TokenError::ReceiptNotFound)?;
            if receipt.owner != caller {
                return Err(TokenError::NotReceiptOwner);
            }
            if receipt.retirement.is_some() {
                return Err(TokenError::ReceiptRetired);
            }
            if receipt.voucher.is_some() || held.iter().any(|(id, _)| id == receipt_id) {
                return Err(TokenError::ReceiptInVoucher);
            }
            if backing == 0 {
                return Err(TokenError::ReceiptsExceedAmount);
            }
            backing = backing.saturating_sub(receipt.amount);
            held.push((*receipt_id, receipt));
        }
        Ok(held)
    }

    /// Puts the receipts `free_receipts` returned in `hold` for `amount` credits: each in
    /// whole while the amount lasts, the last split (`ReceiptSplit`) when it stands for
    /// more, `hold` taking the new part. Returns the ids held.
    pub(super) fn hold_receipts(
        &mut self,
        held: Vec<(u64, MintReceipt)>,
        amount: u128,
        hold: Hold,
        events: &mut Events,
    ) -> Vec<u64> {
        let mut unbacked = amount;
        let mut attached = Vec::with_capacity(held.len());
        for (receipt_id, mut receipt) in held {
            let id = if receipt.amount <= unbacked {
                unbacked = unbacked.saturating_sub(receipt.amount);
                receipt_id
            } else {
                let part_id = self.next_receipt_id;
                self.next_receipt_id = part_id.saturating_add(1);
                receipt.amount = receipt.amount.saturating_sub(unbacked);
                self.receipts.insert(receipt_id, &receipt);
                events.push(TokenEvent::ReceiptSplit(ev::ReceiptSplit {
                    receipt_id,
                    part_id,
                    amount: unbacked,
                }));
                receipt.amount = unbacked;
                unbacked = 0;
                part_id
            };
            match hold {
                Hold::Voucher(voucher) => receipt.voucher = Some(voucher),
                Hold::Retirement(retirement) => receipt.retirement = Some(retirement),
            }
            self.receipts.insert(id, &receipt);
            attached.push(id);
        }
        attached
    }

    pub fn retirement(&self, id: u64) -> Option<Retirement> {
        self.retirements.get(id)
    }

    pub fn retired_total(&self, account: AccountId) -> RetiredTotal {
        self.retired.get(account).unwrap_or_default()
    }
}
