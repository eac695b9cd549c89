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

mod receipts;
#[cfg(test)]
mod tests;
mod vouchers;

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
}
