//! The credit token's rules in plain Rust: balances (the `psp22` crate's `PSP22Data`),
//! roles, pause, allow-list, mint receipts, carbon retirements and vouchers. Methods
//! take the caller, the time and the contract's own account explicitly and return the
//! events of their state change. Identity gating (a cross-contract call) and signature
//! recovery (a host function) stay in the contract shell.

use ink::{prelude::vec::Vec, storage::Mapping};
use interfaces::{
    admin::AdminSeat,
    admin_events::{AdminChanged, AdminTransferProposed},
    token::{
        events as ev, Earning, Mint, MintReceipt, RetiredTotal, Retirement, RetirementClaim,
        TokenError, TokenRole, Voucher, VoucherState, MAX_MINT_BATCH, MAX_VOUCHER_RECEIPTS,
    },
    AccountId, TimestampMs,
};
use psp22::{PSP22Data, PSP22Event};

/// Every event the token emits, as its rules return them.
pub enum TokenEvent {
    Psp22(PSP22Event),
    RoleGranted(ev::TokenRoleGranted),
    RoleRevoked(ev::TokenRoleRevoked),
    AdminTransferProposed(AdminTransferProposed),
    AdminChanged(AdminChanged),
    PauseChanged(ev::PauseChanged),
    AllowListChanged(ev::AllowListChanged),
    ReceiptsIssued(ev::ReceiptsIssued),
    CreditsRetired(ev::CreditsRetired),
    Co2eRateChanged(ev::Co2eRateChanged),
    ReceiptSplit(ev::ReceiptSplit),
    VoucherCreated(ev::VoucherCreated),
    VoucherRedeemed(ev::VoucherRedeemed),
    VoucherReclaimed(ev::VoucherReclaimed),
}

pub type Events = Vec<TokenEvent>;

/// What holds a receipt: an open voucher, or the retirement that consumed it.
#[derive(Debug, Clone, Copy)]
enum Hold {
    Voucher(u64),
    Retirement(u64),
}

fn psp22_events(events: Vec<PSP22Event>) -> Events {
    events.into_iter().map(TokenEvent::Psp22).collect()
}

#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
pub struct Credits {
    balances: PSP22Data,
    admin: AdminSeat,
    paused: bool,
    roles: Mapping<(AccountId, TokenRole), ()>,
    allow_list: Mapping<AccountId, ()>,
    receipts: Mapping<u64, MintReceipt>,
    next_receipt_id: u64,
    retirements: Mapping<u64, Retirement>,
    next_retirement_id: u64,
    retired: Mapping<AccountId, RetiredTotal>,
    vouchers: Mapping<u64, Voucher>,
    next_voucher_id: u64,
    /// Grams of CO2e one whole credit may be retired for (admin-set; 0 until set).
    grams_per_credit: u128,
}

/// Micro-credits in one credit.
const MICRO: u128 = 1_000_000;

impl Credits {
    /// A token whose `initial_supply` is held by `admin`.
    pub fn new(admin: AccountId, initial_supply: u128) -> (Self, Events) {
        let (balances, events) = PSP22Data::new(initial_supply, admin);
        let credits = Self {
            balances,
            admin: AdminSeat::new(admin),
            paused: false,
            roles: Mapping::default(),
            allow_list: Mapping::default(),
            receipts: Mapping::default(),
            next_receipt_id: 0,
            retirements: Mapping::default(),
            next_retirement_id: 0,
            retired: Mapping::default(),
            vouchers: Mapping::default(),
            next_voucher_id: 0,
            grams_per_credit: 0,
        };
        (credits, psp22_events(events))
    }

    // ----- PSP22 balances ------------------------------------------------------------------

    pub fn total_supply(&self) -> u128 {
        self.balances.total_supply()
    }

    pub fn balance_of(&self, owner: AccountId) -> u128 {
        self.balances.balance_of(owner)
    }

    pub fn allowance(&self, owner: AccountId, spender: AccountId) -> u128 {
        self.balances.allowance(owner, spender)
    }

    fn ensure_not_paused(&self) -> Result<(), TokenError> {
        if self.paused {
            Err(TokenError::Paused)
        } else {
            Ok(())
        }
    }

    pub fn transfer(
        &mut self,
        caller: AccountId,
        to: AccountId,
        value: u128,
    ) -> Result<Events, TokenError> {
        self.ensure_not_paused()?;
        Ok(psp22_events(self.balances.transfer(caller, to, value)?))
    }

    pub fn transfer_from(
        &mut self,
        caller: AccountId,
        from: AccountId,
        to: AccountId,
        value: u128,
    ) -> Result<Events, TokenError> {
        self.ensure_not_paused()?;
        Ok(psp22_events(
            self.balances.transfer_from(caller, from, to, value)?,
        ))
    }

    pub fn approve(
        &mut self,
        owner: AccountId,
        spender: AccountId,
        value: u128,
    ) -> Result<Events, TokenError> {
        Ok(psp22_events(self.balances.approve(owner, spender, value)?))
    }

    pub fn increase_allowance(
        &mut self,
        owner: AccountId,
        spender: AccountId,
        delta: u128,
    ) -> Result<Events, TokenError> {
        Ok(psp22_events(
            self.balances.increase_allowance(owner, spender, delta)?,
        ))
    }

    pub fn decrease_allowance(
        &mut self,
        owner: AccountId,
        spender: AccountId,
        delta: u128,
    ) -> Result<Events, TokenError> {
        Ok(psp22_events(
            self.balances.decrease_allowance(owner, spender, delta)?,
        ))
    }

    /// A Minter mints without a receipt (PSP22Mintable mints to the caller).
    pub fn mint(
        &mut self,
        caller: AccountId,
        to: AccountId,
        value: u128,
    ) -> Result<Events, TokenError> {
        self.ensure_role(caller, TokenRole::Minter)?;
        self.ensure_not_paused()?;
        self.mint_unchecked(to, value)
    }

    fn mint_unchecked(&mut self, to: AccountId, value: u128) -> Result<Events, TokenError> {
        if self.balances.total_supply().checked_add(value).is_none() {
            return Err(TokenError::SupplyOverflow);
        }
        Ok(psp22_events(self.balances.mint(to, value)?))
    }

    /// The holder burns its own credits (PSP22Burnable).
    pub fn burn(&mut self, caller: AccountId, value: u128) -> Result<Events, TokenError> {
        self.ensure_not_paused()?;
        Ok(psp22_events(self.balances.burn(caller, value)?))
    }

    // ----- admin, roles, pause, allow-list ----------------------------------------------------

    pub fn admin(&self) -> AccountId {
        self.admin.admin()
    }

    pub fn pending_admin(&self) -> Option<AccountId> {
        self.admin.pending()
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    fn ensure_admin(&self, caller: AccountId) -> Result<(), TokenError> {
        Ok(self.admin.ensure_admin(caller)?)
    }

    fn ensure_role(&self, caller: AccountId, role: TokenRole) -> Result<(), TokenError> {
        match (self.has_role(role, caller), role) {
            (true, _) => Ok(()),
            (false, TokenRole::Minter) => Err(TokenError::NotMinter),
        }
    }

    pub fn has_role(&self, role: TokenRole, account: AccountId) -> bool {
        self.roles.contains((account, role))
    }

    pub fn grant_role(
        &mut self,
        caller: AccountId,
        role: TokenRole,
        account: AccountId,
    ) -> Result<Events, TokenError> {
        self.ensure_admin(caller)?;
        if self.has_role(role, account) {
            return Err(TokenError::RoleAlreadyGranted);
        }
        self.roles.insert((account, role), &());
        Ok(ink::prelude::vec![TokenEvent::RoleGranted(
            ev::TokenRoleGranted { account, role }
        )])
    }

    pub fn revoke_role(
        &mut self,
        caller: AccountId,
        role: TokenRole,
        account: AccountId,
    ) -> Result<Events, TokenError> {
        self.ensure_admin(caller)?;
        if !self.has_role(role, account) {
            return Err(TokenError::RoleNotGranted);
        }
        self.roles.remove((account, role));
        Ok(ink::prelude::vec![TokenEvent::RoleRevoked(
            ev::TokenRoleRevoked { account, role }
        )])
    }

    pub fn propose_admin(
        &mut self,
        caller: AccountId,
        proposed: AccountId,
    ) -> Result<Events, TokenError> {
        let event = self.admin.propose(caller, proposed)?;
        Ok(ink::prelude::vec![TokenEvent::AdminTransferProposed(event)])
    }

    pub fn accept_admin(&mut self, caller: AccountId) -> Result<Events, TokenError> {
        let event = self.admin.accept(caller)?;
        Ok(ink::prelude::vec![TokenEvent::AdminChanged(event)])
    }

    pub fn set_paused(&mut self, caller: AccountId, paused: bool) -> Result<Events, TokenError> {
        self.ensure_admin(caller)?;
        if self.paused == paused {
            return Err(TokenError::PauseUnchanged);
        }
        self.paused = paused;
        Ok(ink::prelude::vec![TokenEvent::PauseChanged(
            ev::PauseChanged { paused, by: caller }
        )])
    }

    pub fn is_allow_listed(&self, account: AccountId) -> bool {
        self.allow_list.contains(account)
    }

    pub fn set_allow_listed(
        &mut self,
        caller: AccountId,
        account: AccountId,
        allowed: bool,
    ) -> Result<Events, TokenError> {
        self.ensure_admin(caller)?;
        if self.is_allow_listed(account) == allowed {
            return Err(TokenError::AllowListUnchanged);
        }
        if allowed {
            self.allow_list.insert(account, &());
        } else {
            self.allow_list.remove(account);
        }
        Ok(ink::prelude::vec![TokenEvent::AllowListChanged(
            ev::AllowListChanged { account, allowed }
        )])
    }

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
    fn free_receipts(
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
    fn hold_receipts(
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

// `#[ink::test]` only because `Mapping` needs ink!'s off-chain storage engine.
#[cfg(test)]
mod tests {
    use super::*;
    use interfaces::EnergySource;
    use interfaces::Hash32;

    fn account(n: u8) -> AccountId {
        AccountId::from([n; 32])
    }
    const ADMIN: u8 = 1;
    const MARKET: u8 = 2;
    const ALICE: u8 = 10;
    const BOB: u8 = 11;
    const ESCROW: u8 = 99;
    const NOW: TimestampMs = 1_000_000;

    fn earning(wh: u64) -> Earning {
        Earning {
            device: [7; 32],
            source: EnergySource::Solar,
            period_start_ms: 0,
            period_end_ms: 900_000,
            energy_wh: wh,
        }
    }

    fn token() -> Credits {
        let (mut credits, _) = Credits::new(account(ADMIN), 0);
        credits
            .grant_role(account(ADMIN), TokenRole::Minter, account(MARKET))
            .unwrap();
        credits
    }

    /// A retirement for Alice herself over the period before `NOW`, naming no receipts.
    fn claim(grams_co2e: u128, purpose_hash: Hash32) -> RetirementClaim {
        RetirementClaim {
            beneficiary: account(ALICE),
            grams_co2e,
            purpose_hash,
            period_start_ms: 0,
            period_end_ms: NOW,
            receipts: Vec::new(),
        }
    }

    fn key() -> [u8; 33] {
        let mut key = [5; 33];
        key[0] = 0x03;
        key
    }

    #[ink::test]
    fn only_minters_mint_and_receipts_record_provenance() {
        let mut credits = token();
        let mint = |to, amount| Mint {
            to,
            amount,
            earning: earning(1_500),
        };
        assert_eq!(
            credits
                .mint_batch(
                    account(ALICE),
                    ink::prelude::vec![mint(account(ALICE), 5)],
                    NOW
                )
                .err(),
            Some(TokenError::NotMinter)
        );
        let (ids, events) = credits
            .mint_batch(
                account(MARKET),
                ink::prelude::vec![mint(account(ALICE), 5), mint(account(BOB), 7)],
                NOW,
            )
            .unwrap();
        assert_eq!(ids, ink::prelude::vec![0, 1]);
        assert_eq!(events.len(), 3); // two Transfers, one ReceiptsIssued
        assert_eq!(
            (credits.balance_of(account(ALICE)), credits.total_supply()),
            (5, 12)
        );
        let receipt = credits.receipt(1).unwrap();
        assert_eq!(
            (receipt.owner, receipt.amount, receipt.earning.energy_wh),
            (account(BOB), 7, 1_500)
        );
        assert_eq!(
            credits
                .mint_batch(
                    account(MARKET),
                    ink::prelude::vec![mint(account(ALICE), 0)],
                    NOW
                )
                .err(),
            Some(TokenError::ZeroAmount)
        );
        let too_many = (0..=MAX_MINT_BATCH)
            .map(|_| mint(account(ALICE), 1))
            .collect();
        assert_eq!(
            credits.mint_batch(account(MARKET), too_many, NOW).err(),
            Some(TokenError::BatchTooLarge)
        );
        credits
            .mint(account(MARKET), account(ALICE), u128::MAX - 12)
            .unwrap();
        assert_eq!(
            credits.mint(account(MARKET), account(ALICE), 1).err(),
            Some(TokenError::SupplyOverflow)
        );
    }

    #[ink::test]
    fn pause_stops_every_balance_change_but_approvals() {
        let mut credits = token();
        credits.mint(account(MARKET), account(ALICE), 10).unwrap();
        assert_eq!(
            credits.set_paused(account(ALICE), true).err(),
            Some(TokenError::NotAdmin)
        );
        credits.set_paused(account(ADMIN), true).unwrap();
        assert_eq!(
            credits.set_paused(account(ADMIN), true).err(),
            Some(TokenError::PauseUnchanged)
        );
        assert_eq!(
            credits.transfer(account(ALICE), account(BOB), 1).err(),
            Some(TokenError::Paused)
        );
        assert_eq!(
            credits.mint(account(MARKET), account(ALICE), 1).err(),
            Some(TokenError::Paused)
        );
        assert_eq!(
            credits.burn(account(ALICE), 1).err(),
            Some(TokenError::Paused)
        );
        assert_eq!(
            credits
                .retire(account(ALICE), 1, claim(1, [0; 32]), NOW)
                .err(),
            Some(TokenError::Paused)
        );
        credits.approve(account(ALICE), account(BOB), 3).unwrap();
        credits.set_paused(account(ADMIN), false).unwrap();
        credits
            .transfer_from(account(BOB), account(ALICE), account(BOB), 3)
            .unwrap();
        assert_eq!(credits.balance_of(account(BOB)), 3);
    }

    #[ink::test]
    fn retirement_burns_and_keeps_a_running_total() {
        let mut credits = token();
        // 400 g of CO2e per credit
        credits.set_co2e_rate(account(ADMIN), 400).unwrap();
        credits
            .mint(account(MARKET), account(ALICE), 100 * MICRO)
            .unwrap();
        assert_eq!(
            credits
                .retire(account(ALICE), 101 * MICRO, claim(1, [0; 32]), NOW)
                .err(),
            Some(TokenError::PSP22(psp22::PSP22Error::InsufficientBalance))
        );
        assert_eq!(
            credits
                .retire(account(ALICE), 0, claim(1, [0; 32]), NOW)
                .err(),
            Some(TokenError::ZeroAmount)
        );
        let (first, _) = credits
            .retire(account(ALICE), 30 * MICRO, claim(12_000, [1; 32]), NOW)
            .unwrap();
        let (second, _) = credits
            .retire(account(ALICE), 20 * MICRO, claim(8_000, [2; 32]), NOW + 1)
            .unwrap();
        assert_eq!((first, second), (0, 1));
        assert_eq!(credits.total_supply(), 50 * MICRO);
        assert_eq!(
            credits.retired_total(account(ALICE)),
            RetiredTotal {
                amount: 50 * MICRO,
                grams_co2e: 20_000
            }
        );
        assert_eq!(credits.retirement(1).unwrap().purpose_hash, [2; 32]);
    }

    /// M-9: one micro-credit retired as a 1,000-tonne offset.
    #[ink::test]
    fn a_retirement_cannot_claim_more_co2e_than_its_credits_back() {
        let mut credits = token();
        credits
            .mint(account(MARKET), account(ALICE), 10 * MICRO)
            .unwrap();
        // no rate set: no CO2e can be claimed at all
        assert_eq!(
            credits
                .retire(account(ALICE), 1, claim(1, [0; 32]), NOW)
                .err(),
            Some(TokenError::ClaimExceedsRate)
        );
        assert_eq!(
            credits.set_co2e_rate(account(ALICE), 400).err(),
            Some(TokenError::NotAdmin)
        );
        credits.set_co2e_rate(account(ADMIN), 400).unwrap();
        assert_eq!(
            credits
                .retire(account(ALICE), 1, claim(1_000_000_000_000, [0; 32]), NOW)
                .err(),
            Some(TokenError::ClaimExceedsRate)
        );
        // a whole credit backs 400 g, not a gram more
        assert_eq!(
            credits
                .retire(account(ALICE), MICRO, claim(401, [0; 32]), NOW)
                .err(),
            Some(TokenError::ClaimExceedsRate)
        );
        assert!(credits
            .retire(account(ALICE), MICRO, claim(400, [0; 32]), NOW)
            .is_ok());
        assert_eq!(credits.balance_of(account(ALICE)), 9 * MICRO);
    }

    /// M-9: a retirement named no beneficiary, purpose or period, and did not consume the
    /// receipts it stood on, so the same earned credits could back one offset after another
    /// (retired, then given on in a voucher and claimed again).
    #[ink::test]
    fn a_retirement_names_its_claim_and_consumes_its_receipts_once() {
        let mut credits = token();
        credits.set_co2e_rate(account(ADMIN), 700).unwrap();
        let (ids, _) = credits
            .mint_batch(
                account(MARKET),
                ink::prelude::vec![
                    Mint {
                        to: account(ALICE),
                        amount: 10 * MICRO,
                        earning: earning(5_000)
                    },
                    Mint {
                        to: account(ALICE),
                        amount: 5 * MICRO,
                        earning: earning(2_500)
                    }
                ],
                NOW,
            )
            .unwrap();
        let steel_works = account(BOB);
        let claim_for = |receipts: Vec<u64>, start, end| RetirementClaim {
            beneficiary: steel_works,
            grams_co2e: 8_400,
            purpose_hash: [3; 32],
            period_start_ms: start,
            period_end_ms: end,
            receipts,
        };
        assert_eq!(
            credits
                .retire(
                    account(ALICE),
                    12 * MICRO,
                    claim_for(ids.clone(), NOW, NOW),
                    NOW
                )
                .err(),
            Some(TokenError::InvalidPeriod)
        );
        assert_eq!(
            credits
                .retire(
                    account(BOB),
                    12 * MICRO,
                    claim_for(ids.clone(), 0, NOW),
                    NOW
                )
                .err(),
            Some(TokenError::NotReceiptOwner)
        );
        // 12 credits: the 10-credit receipt whole and 2 of the 5-credit one, split
        let (id, _) = credits
            .retire(
                account(ALICE),
                12 * MICRO,
                claim_for(ids.clone(), 0, NOW),
                NOW,
            )
            .unwrap();
        let retirement = credits.retirement(id).unwrap();
        assert_eq!(
            (
                retirement.account,
                retirement.beneficiary,
                retirement.purpose_hash
            ),
            (account(ALICE), steel_works, [3; 32])
        );
        assert_eq!(
            (retirement.period_start_ms, retirement.period_end_ms),
            (0, NOW)
        );
        assert_eq!(retirement.receipts.len(), 2);
        assert_eq!(retirement.receipts[0], ids[0]);
        let part = credits.receipt(retirement.receipts[1]).unwrap();
        assert_eq!((part.amount, part.retirement), (2 * MICRO, Some(id)));
        let rest = credits.receipt(ids[1]).unwrap();
        assert_eq!((rest.amount, rest.retirement), (3 * MICRO, None));
        // the beneficiary's total counts the offset; the retiring account's does not
        assert_eq!(credits.retired_total(steel_works).grams_co2e, 8_400);
        assert_eq!(credits.retired_total(account(ALICE)).amount, 0);
        // the consumed receipt backs no second retirement and no voucher
        let again = ink::prelude::vec![ids[0]];
        assert_eq!(
            credits
                .retire(
                    account(ALICE),
                    12 * MICRO,
                    claim_for(again.clone(), 0, NOW),
                    NOW
                )
                .err(),
            Some(TokenError::ReceiptRetired)
        );
        assert_eq!(
            credits
                .create_voucher(
                    account(ALICE),
                    account(ESCROW),
                    MICRO,
                    key(),
                    NOW + 1,
                    again,
                    NOW
                )
                .err(),
            Some(TokenError::ReceiptRetired)
        );
        // the rest of the split receipt is still Alice's to use
        assert!(credits
            .create_voucher(
                account(ALICE),
                account(ESCROW),
                MICRO,
                key(),
                NOW + 1,
                ink::prelude::vec![ids[1]],
                NOW
            )
            .is_ok());
    }

    /// L-8: a 1,000-credit receipt attached to a one-micro-credit voucher.
    #[ink::test]
    fn a_voucher_cannot_carry_more_provenance_than_credits() {
        let mut credits = token();
        let (ids, _) = credits
            .mint_batch(
                account(MARKET),
                ink::prelude::vec![Mint {
                    to: account(ALICE),
                    amount: 1_000 * MICRO,
                    earning: earning(4_000)
                }],
                NOW,
            )
            .unwrap();
        let (more, _) = credits
            .mint_batch(
                account(MARKET),
                ink::prelude::vec![Mint {
                    to: account(ALICE),
                    amount: 5,
                    earning: earning(1)
                }],
                NOW,
            )
            .unwrap();
        let escrow = account(ESCROW);
        // a second receipt on a voucher the first already backs in full
        let both = ink::prelude::vec![ids[0], more[0]];
        assert_eq!(
            credits
                .create_voucher(account(ALICE), escrow, 1, key(), NOW + 10, both, NOW)
                .err(),
            Some(TokenError::ReceiptsExceedAmount)
        );
        let twice = ink::prelude::vec![ids[0], ids[0]];
        assert_eq!(
            credits
                .create_voucher(
                    account(ALICE),
                    escrow,
                    2_000 * MICRO,
                    key(),
                    NOW + 10,
                    twice,
                    NOW
                )
                .err(),
            Some(TokenError::ReceiptInVoucher)
        );
        // the voucher carries a one-micro-credit part of the receipt, no more
        let (voucher, _) = credits
            .create_voucher(account(ALICE), escrow, 1, key(), NOW + 10, ids.clone(), NOW)
            .unwrap();
        let carried = credits.voucher(voucher).unwrap().receipts;
        assert_eq!(carried.len(), 1);
        assert_ne!(carried[0], ids[0]);
        let part = credits.receipt(carried[0]).unwrap();
        assert_eq!((part.amount, part.voucher), (1, Some(voucher)));
        let rest = credits.receipt(ids[0]).unwrap();
        assert_eq!((rest.amount, rest.voucher), (1_000 * MICRO - 1, None));
        assert_eq!(part.earning, rest.earning);
    }

    #[ink::test]
    fn voucher_locks_pays_once_and_moves_provenance() {
        let mut credits = token();
        let (ids, _) = credits
            .mint_batch(
                account(MARKET),
                ink::prelude::vec![Mint {
                    to: account(ALICE),
                    amount: 40,
                    earning: earning(4_000)
                }],
                NOW,
            )
            .unwrap();
        let create = |credits: &mut Credits, receipts| {
            credits.create_voucher(
                account(ALICE),
                account(ESCROW),
                25,
                key(),
                NOW + 100,
                receipts,
                NOW,
            )
        };
        assert_eq!(
            create(&mut credits, ink::prelude::vec![9]).err(),
            Some(TokenError::ReceiptNotFound)
        );
        let (voucher, _) = create(&mut credits, ids.clone()).unwrap();
        // the voucher carries a 25-credit part of the 40-credit receipt
        let carried = credits.voucher(voucher).unwrap().receipts;
        assert_eq!(
            create(&mut credits, carried.clone()).err(),
            Some(TokenError::ReceiptInVoucher)
        );
        assert_eq!(
            (
                credits.balance_of(account(ALICE)),
                credits.balance_of(account(ESCROW))
            ),
            (15, 25)
        );
        assert_eq!(
            credits
                .redeem_voucher(account(BOB), account(ESCROW), voucher, None, NOW)
                .err(),
            Some(TokenError::BadSignature)
        );
        credits
            .redeem_voucher(account(BOB), account(ESCROW), voucher, Some(key()), NOW + 1)
            .unwrap();
        assert_eq!(
            (
                credits.balance_of(account(BOB)),
                credits.balance_of(account(ESCROW))
            ),
            (25, 0)
        );
        assert_eq!(credits.receipt(carried[0]).unwrap().owner, account(BOB));
        assert_eq!(credits.receipt(carried[0]).unwrap().amount, 25);
        assert_eq!(credits.receipt(ids[0]).unwrap().owner, account(ALICE));
        assert_eq!(credits.receipt(ids[0]).unwrap().amount, 15);
        assert_eq!(
            credits
                .redeem_voucher(account(BOB), account(ESCROW), voucher, Some(key()), NOW + 2)
                .err(),
            Some(TokenError::VoucherClosed)
        );
        assert_eq!(
            credits.voucher(voucher).unwrap().state,
            VoucherState::Redeemed {
                by: account(BOB),
                at_ms: NOW + 1
            }
        );
    }

    #[ink::test]
    fn voucher_refusals_and_reclaim_after_expiry() {
        let mut credits = token();
        credits.mint(account(MARKET), account(ALICE), 10).unwrap();
        let mut bad_key = key();
        bad_key[0] = 0x04;
        let create = |credits: &mut Credits, amount, key, expiry| {
            credits.create_voucher(
                account(ALICE),
                account(ESCROW),
                amount,
                key,
                expiry,
                Vec::new(),
                NOW,
            )
        };
        assert_eq!(
            create(&mut credits, 5, bad_key, NOW + 1).err(),
            Some(TokenError::InvalidVoucherKey)
        );
        assert_eq!(
            create(&mut credits, 5, key(), NOW).err(),
            Some(TokenError::ExpiryInPast)
        );
        assert_eq!(
            create(&mut credits, 0, key(), NOW + 1).err(),
            Some(TokenError::ZeroAmount)
        );
        assert_eq!(
            create(&mut credits, 11, key(), NOW + 1).err(),
            Some(TokenError::PSP22(psp22::PSP22Error::InsufficientBalance))
        );
        let (voucher, _) = create(&mut credits, 6, key(), NOW + 10).unwrap();
        assert_eq!(
            credits
                .reclaim_voucher(account(ALICE), account(ESCROW), voucher, NOW + 9)
                .err(),
            Some(TokenError::VoucherNotExpired)
        );
        assert_eq!(
            credits
                .reclaim_voucher(account(BOB), account(ESCROW), voucher, NOW + 10)
                .err(),
            Some(TokenError::NotVoucherCreator)
        );
        assert_eq!(
            credits
                .redeem_voucher(
                    account(BOB),
                    account(ESCROW),
                    voucher,
                    Some(key()),
                    NOW + 10
                )
                .err(),
            Some(TokenError::VoucherExpired)
        );
        credits
            .reclaim_voucher(account(ALICE), account(ESCROW), voucher, NOW + 10)
            .unwrap();
        assert_eq!(credits.balance_of(account(ALICE)), 10);
        assert_eq!(
            credits
                .reclaim_voucher(account(ALICE), account(ESCROW), voucher, NOW + 11)
                .err(),
            Some(TokenError::VoucherClosed)
        );
        assert_eq!(
            credits
                .redeem_voucher(account(BOB), account(ESCROW), 77, Some(key()), NOW)
                .err(),
            Some(TokenError::VoucherNotFound)
        );
    }
}
