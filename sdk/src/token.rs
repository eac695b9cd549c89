//! Typed client of the credit token: PSP22 messages (errors: `PSP22Error`) and the
//! token's own (errors: `TokenError`).

use crate::contract::contract_client;
use crate::{
    chain::{Chain, ContractEvent},
    contract::{decode_event, messages, ClientError, Receipt},
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
    signed,
    deploy_with = new(
        initial_supply: u128,
        name: Option<String>,
        symbol: Option<String>,
        decimals: u8,
        registry: Option<AccountId>,
    )
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

impl TokenClient {
    /// Deploys the token from its `.wasm` with `config`; `signer` becomes admin and holds
    /// the initial supply.
    pub fn deploy<C: Chain>(
        chain: &mut C,
        signer: AccountId,
        code: &[u8],
        config: TokenConfig,
        salt: Vec<u8>,
    ) -> Result<Receipt<Self>, ClientError<TokenError>> {
        Self::deploy_with(
            chain,
            signer,
            code,
            config.initial_supply,
            config.name,
            config.symbol,
            config.decimals,
            config.gating_registry,
            salt,
        )
    }

    messages! {
        // the token's own messages
        tx TokenError, propose_admin(proposed: AccountId) -> ();
        tx TokenError, accept_admin() -> ();
        tx TokenError, grant_role(role: TokenRole, account: AccountId) -> ();
        tx TokenError, revoke_role(role: TokenRole, account: AccountId) -> ();
        tx TokenError, pause() -> ();
        tx TokenError, unpause() -> ();
        tx TokenError, set_allow_listed(account: AccountId, allowed: bool) -> ();
        tx TokenError, mint_with_receipt(to: AccountId, amount: u128, earning: Earning) -> u64;
        tx TokenError, set_co2e_rate(grams_per_credit: u128) -> ();
        tx TokenError, retire(amount: u128, claim: RetirementClaim) -> u64;
        tx TokenError, create_voucher(amount: u128, key: [u8; 33], expires_at_ms: TimestampMs, receipts: Vec<u64>) -> u64;
        tx TokenError, redeem_voucher(id: u64, signature: [u8; 65]) -> ();
        tx TokenError, reclaim_voucher(id: u64) -> ();
        // minter only: the energy market's batch mint
        tx TokenError as "CreditMinter::mint_batch", mint_batch(mints: Vec<Mint>) -> Vec<u64>;
        read TokenError, admin() -> AccountId;
        read TokenError, has_role(role: TokenRole, account: AccountId) -> bool;
        read TokenError, is_paused() -> bool;
        read TokenError, is_allow_listed(account: AccountId) -> bool;
        read TokenError, gating_registry() -> Option<AccountId>;
        read TokenError, receipt(id: u64) -> Option<MintReceipt>;
        read TokenError, retirement(id: u64) -> Option<Retirement>;
        read TokenError, retired_total(account: AccountId) -> RetiredTotal;
        read TokenError, co2e_rate() -> u128;
        read TokenError, voucher(id: u64) -> Option<Voucher>;
        // PSP22 and its extensions
        read TokenError as "PSP22::total_supply", total_supply() -> u128;
        read TokenError as "PSP22::balance_of", balance_of(owner: AccountId) -> u128;
        read TokenError as "PSP22::allowance", allowance(owner: AccountId, spender: AccountId) -> u128;
        read TokenError as "PSP22Metadata::token_name", token_name() -> Option<String>;
        read TokenError as "PSP22Metadata::token_symbol", token_symbol() -> Option<String>;
        read TokenError as "PSP22Metadata::token_decimals", token_decimals() -> u8;
        // (`_data`: the contract's own name for the argument it ignores)
        tx PSP22Error as "PSP22::transfer", transfer(to: AccountId, value: u128, _data: Vec<u8>) -> ();
        tx PSP22Error as "PSP22::transfer_from", transfer_from(from: AccountId, to: AccountId, value: u128, _data: Vec<u8>) -> ();
        tx PSP22Error as "PSP22::approve", approve(spender: AccountId, value: u128) -> ();
        tx PSP22Error as "PSP22::increase_allowance", increase_allowance(spender: AccountId, delta_value: u128) -> ();
        tx PSP22Error as "PSP22::decrease_allowance", decrease_allowance(spender: AccountId, delta_value: u128) -> ();
        tx PSP22Error as "PSP22Mintable::mint", mint(value: u128) -> ();
        tx PSP22Error as "PSP22Burnable::burn", burn(value: u128) -> ();
    }
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
