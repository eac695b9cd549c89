//! Typed client of the credit token: PSP22 messages (errors: `PSP22Error`) and the
//! token's own (errors: `TokenError`).

use crate::contract::contract_client;
use crate::{
    chain::{Chain, ContractEvent},
    contract::{decode_event, selector, ClientError, ContractHandle, Receipt},
};
use interfaces::{
    token::{
        events as ev, Earning, Mint, MintReceipt, PSP22Error, RetiredTotal, Retirement,
        RetirementClaim, TokenError, TokenRole, Voucher,
    },
    AccountId, TimestampMs,
};

pub type TokenResult<T> = Result<Receipt<T>, ClientError<TokenError>>;
pub type Psp22Result<T> = Result<Receipt<T>, ClientError<PSP22Error>>;

contract_client!(
    /// The credit token at `handle.address`.
    TokenClient,
    TokenError,
    signed
);

/// Constructor arguments of the credit token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConfig {
    pub initial_supply: u128,
    pub name: Option<String>,
    pub symbol: Option<String>,
    pub decimals: u8,
    /// The identity registry that gates transfers; `None` for an ungated token.
    pub gating_registry: Option<AccountId>,
}

impl TokenConfig {
    /// Smart credit points, 6 decimals, no initial supply (credits are earned, not issued).
    pub fn city(gating_registry: Option<AccountId>) -> Self {
        Self {
            initial_supply: 0,
            name: Some("Smart Credit Points".into()),
            symbol: Some("SCP".into()),
            decimals: 6,
            gating_registry,
        }
    }
}

macro_rules! own_tx {
    ($name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty) => {
        pub fn $name<C: Chain>(&self, chain: &mut C, signer: AccountId $(, $arg: $ty)*) -> TokenResult<$ret> {
            self.handle.call(chain, signer, selector(stringify!($name)), ($($arg,)*))
        }
    };
}

macro_rules! psp22_tx {
    ($trait_name:literal, $name:ident ( $($arg:ident : $ty:ty),* )) => {
        pub fn $name<C: Chain>(&self, chain: &mut C, signer: AccountId $(, $arg: $ty)*) -> Psp22Result<()> {
            self.handle.call(chain, signer, selector(concat!($trait_name, "::", stringify!($name))), ($($arg,)*))
        }
    };
}

macro_rules! read {
    ($selector:expr, $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty) => {
        pub fn $name<C: Chain>(&self, chain: &mut C $(, $arg: $ty)*) -> Result<$ret, ClientError<TokenError>> {
            let reader = AccountId::from([0; 32]);
            self.handle.read(chain, reader, selector($selector), ($($arg,)*)).map(|r| r.value)
        }
    };
}

impl TokenClient {
    /// Deploys the token from its `.wasm`; `signer` becomes admin and holds the initial supply.
    pub fn deploy<C: Chain>(
        chain: &mut C,
        signer: AccountId,
        code: &[u8],
        config: TokenConfig,
        salt: Vec<u8>,
    ) -> Result<Receipt<Self>, ClientError<TokenError>> {
        // ink! 5 constructors answer `Ok(Ok(()))`, infallible ones included.
        let receipt = ContractHandle::instantiate_bound(
            chain,
            signer,
            code,
            |genesis| {
                (
                    config.initial_supply,
                    config.name,
                    config.symbol,
                    config.decimals,
                    config.gating_registry,
                    genesis,
                )
            },
            salt,
        )?;
        Ok(receipt.map(|handle| Self { handle }))
    }

    // The token's own messages.
    own_tx!(propose_admin(proposed: AccountId) -> ());
    own_tx!(accept_admin() -> ());
    own_tx!(grant_role(role: TokenRole, account: AccountId) -> ());
    own_tx!(revoke_role(role: TokenRole, account: AccountId) -> ());
    own_tx!(pause() -> ());
    own_tx!(unpause() -> ());
    own_tx!(set_allow_listed(account: AccountId, allowed: bool) -> ());
    own_tx!(mint_with_receipt(to: AccountId, amount: u128, earning: Earning) -> u64);
    own_tx!(set_co2e_rate(grams_per_credit: u128) -> ());
    own_tx!(retire(amount: u128, claim: RetirementClaim) -> u64);
    own_tx!(create_voucher(amount: u128, key: [u8; 33], expires_at_ms: TimestampMs, receipts: Vec<u64>) -> u64);
    own_tx!(redeem_voucher(id: u64, signature: [u8; 65]) -> ());
    own_tx!(reclaim_voucher(id: u64) -> ());

    /// Minter only: the energy market's batch mint (`CreditMinter::mint_batch`).
    pub fn mint_batch<C: Chain>(
        &self,
        chain: &mut C,
        signer: AccountId,
        mints: Vec<Mint>,
    ) -> TokenResult<Vec<u64>> {
        self.handle
            .call(chain, signer, selector("CreditMinter::mint_batch"), mints)
    }

    read!("admin", admin() -> AccountId);
    read!("has_role", has_role(role: TokenRole, account: AccountId) -> bool);
    read!("is_paused", is_paused() -> bool);
    read!("is_allow_listed", is_allow_listed(account: AccountId) -> bool);
    read!("gating_registry", gating_registry() -> Option<AccountId>);
    read!("receipt", receipt(id: u64) -> Option<MintReceipt>);
    read!("retirement", retirement(id: u64) -> Option<Retirement>);
    read!("retired_total", retired_total(account: AccountId) -> RetiredTotal);
    read!("co2e_rate", co2e_rate() -> u128);
    read!("voucher", voucher(id: u64) -> Option<Voucher>);
    read!("PSP22::total_supply", total_supply() -> u128);
    read!("PSP22::balance_of", balance_of(owner: AccountId) -> u128);
    read!("PSP22::allowance", allowance(owner: AccountId, spender: AccountId) -> u128);
    read!("PSP22Metadata::token_name", token_name() -> Option<String>);
    read!("PSP22Metadata::token_symbol", token_symbol() -> Option<String>);
    read!("PSP22Metadata::token_decimals", token_decimals() -> u8);

    // PSP22 and its extensions.
    psp22_tx!("PSP22", transfer(to: AccountId, value: u128, data: Vec<u8>));
    psp22_tx!("PSP22", transfer_from(from: AccountId, to: AccountId, value: u128, data: Vec<u8>));
    psp22_tx!("PSP22", approve(spender: AccountId, value: u128));
    psp22_tx!("PSP22", increase_allowance(spender: AccountId, delta_value: u128));
    psp22_tx!("PSP22", decrease_allowance(spender: AccountId, delta_value: u128));
    psp22_tx!("PSP22Mintable", mint(value: u128));
    psp22_tx!("PSP22Burnable", burn(value: u128));
}

/// Every credit-token event, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenEvent {
    Transfer {
        from: Option<AccountId>,
        to: Option<AccountId>,
        value: u128,
    },
    Approval {
        owner: AccountId,
        spender: AccountId,
        amount: u128,
    },
    RoleGranted(ev::TokenRoleGranted),
    RoleRevoked(ev::TokenRoleRevoked),
    AdminTransferProposed(ev::AdminTransferProposed),
    AdminChanged(ev::AdminChanged),
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

/// The credit-token events among `events`, typed, in order.
pub fn token_events(events: &[ContractEvent]) -> Vec<TokenEvent> {
    events.iter().filter_map(token_event).collect()
}

/// One credit-token event, if `event` is one.
pub fn token_event(event: &ContractEvent) -> Option<TokenEvent> {
    if let Some(e) = decode_event::<ev::Transfer>(event) {
        return Some(TokenEvent::Transfer {
            from: e.from,
            to: e.to,
            value: e.value,
        });
    }
    if let Some(e) = decode_event::<ev::Approval>(event) {
        return Some(TokenEvent::Approval {
            owner: e.owner,
            spender: e.spender,
            amount: e.amount,
        });
    }
    macro_rules! try_each {
        ($($variant:ident => $ty:ident),*) => {
            $(
                if let Some(e) = decode_event::<ev::$ty>(event) {
                    return Some(TokenEvent::$variant(e));
                }
            )*
        };
    }
    try_each!(
        RoleGranted => TokenRoleGranted,
        RoleRevoked => TokenRoleRevoked,
        AdminTransferProposed => AdminTransferProposed,
        AdminChanged => AdminChanged,
        PauseChanged => PauseChanged,
        AllowListChanged => AllowListChanged,
        ReceiptsIssued => ReceiptsIssued,
        CreditsRetired => CreditsRetired,
        Co2eRateChanged => Co2eRateChanged,
        ReceiptSplit => ReceiptSplit,
        VoucherCreated => VoucherCreated,
        VoucherRedeemed => VoucherRedeemed,
        VoucherReclaimed => VoucherReclaimed
    );
    None
}
