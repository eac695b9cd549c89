//! QR vouchers: credits locked under a one-time key with their receipts, redeemed once by
//! a signature over the redeemer, or reclaimed after expiry.

use super::*;

impl Credits {
    // ----- vouchers ----------------------------------------------------------------------------

    /// Locks `amount` of the caller's credits in `escrow` (the token contract's own account)
    /// under the one-time `key`, with the caller's receipts attached as provenance. The
    /// receipts attached stand for at most `amount` (L-8): the one that would exceed it is
    /// split, the voucher taking a new receipt for the part it carries; a receipt beyond
    /// that is refused (`ReceiptsExceedAmount`).
    #[allow(clippy::too_many_arguments)]
    pub fn create_voucher(
        &mut self,
        caller: AccountId,
        escrow: AccountId,
        amount: u128,
        key: [u8; 33],
        expires_at_ms: TimestampMs,
        receipts: Vec<u64>,
        now: TimestampMs,
    ) -> Result<(u64, Events), TokenError> {
        self.ensure_not_paused()?;
        if amount == 0 {
            return Err(TokenError::ZeroAmount);
        }
        if !matches!(key[0], 0x02 | 0x03) {
            return Err(TokenError::InvalidVoucherKey);
        }
        if expires_at_ms <= now {
            return Err(TokenError::ExpiryInPast);
        }
        let id = self.next_voucher_id;
        let held = self.free_receipts(caller, &receipts, amount)?;
        let mut events = psp22_events(self.balances.transfer(caller, escrow, amount)?);
        let attached = self.hold_receipts(held, amount, Hold::Voucher(id), &mut events);
        self.next_voucher_id = id.saturating_add(1);
        self.vouchers.insert(
            id,
            &Voucher {
                creator: caller,
                amount,
                key,
                expires_at_ms,
                receipts: attached.clone(),
                state: VoucherState::Open,
            },
        );
        events.push(TokenEvent::VoucherCreated(ev::VoucherCreated {
            voucher_id: id,
            creator: caller,
            amount,
            expires_at_ms,
            receipts: attached,
        }));
        Ok((id, events))
    }

    /// Pays an open, unexpired voucher to `redeemer`. `signer_key` is the key the shell
    /// recovered from the redeemer's signature (`None` when recovery failed).
    pub fn redeem_voucher(
        &mut self,
        redeemer: AccountId,
        escrow: AccountId,
        id: u64,
        signer_key: Option<[u8; 33]>,
        now: TimestampMs,
    ) -> Result<Events, TokenError> {
        self.ensure_not_paused()?;
        let mut voucher = self.open_voucher(id)?;
        if now >= voucher.expires_at_ms {
            return Err(TokenError::VoucherExpired);
        }
        if signer_key != Some(voucher.key) {
            return Err(TokenError::BadSignature);
        }
        let mut events = psp22_events(self.balances.transfer(escrow, redeemer, voucher.amount)?);
        self.release_receipts(&voucher, Some(redeemer));
        voucher.state = VoucherState::Redeemed {
            by: redeemer,
            at_ms: now,
        };
        self.vouchers.insert(id, &voucher);
        events.push(TokenEvent::VoucherRedeemed(ev::VoucherRedeemed {
            voucher_id: id,
            redeemer,
            amount: voucher.amount,
        }));
        Ok(events)
    }

    /// The creator takes an expired, unredeemed voucher back.
    pub fn reclaim_voucher(
        &mut self,
        caller: AccountId,
        escrow: AccountId,
        id: u64,
        now: TimestampMs,
    ) -> Result<Events, TokenError> {
        self.ensure_not_paused()?;
        let mut voucher = self.open_voucher(id)?;
        if caller != voucher.creator {
            return Err(TokenError::NotVoucherCreator);
        }
        if now < voucher.expires_at_ms {
            return Err(TokenError::VoucherNotExpired);
        }
        let mut events = psp22_events(self.balances.transfer(escrow, caller, voucher.amount)?);
        self.release_receipts(&voucher, None);
        voucher.state = VoucherState::Reclaimed { at_ms: now };
        self.vouchers.insert(id, &voucher);
        events.push(TokenEvent::VoucherReclaimed(ev::VoucherReclaimed {
            voucher_id: id,
            creator: caller,
            amount: voucher.amount,
        }));
        Ok(events)
    }

    fn open_voucher(&self, id: u64) -> Result<Voucher, TokenError> {
        let voucher = self.vouchers.get(id).ok_or(TokenError::VoucherNotFound)?;
        if voucher.state != VoucherState::Open {
            return Err(TokenError::VoucherClosed);
        }
        Ok(voucher)
    }

    /// Detaches a closed voucher's receipts; a redemption hands them to the redeemer.
    fn release_receipts(&mut self, voucher: &Voucher, new_owner: Option<AccountId>) {
        for receipt_id in &voucher.receipts {
            if let Some(mut receipt) = self.receipts.get(receipt_id) {
                receipt.voucher = None;
                if let Some(owner) = new_owner {
                    receipt.owner = owner;
                }
                self.receipts.insert(receipt_id, &receipt);
            }
        }
    }

    pub fn voucher(&self, id: u64) -> Option<Voucher> {
        self.vouchers.get(id)
    }
}
