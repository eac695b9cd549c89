//! Typed client of the energy market.

use crate::contract::contract_client;
use crate::{
    chain::Chain,
    contract::{contract_events, messages, selector, ClientError, Receipt},
};
use interfaces::{
    market::{
        events as ev, EnergyAccount, MarketConfig, MarketError, MeterState, Offer, ReadingOutcome,
    },
    reading::SignedReading,
    AccountId, DeviceId, TimestampMs,
};

pub type MarketResult<T> = Result<Receipt<T>, ClientError<MarketError>>;

contract_client!(
    /// The energy market at `handle.address`, wired to a registry and a token.
    MarketClient,
    MarketError,
    signed,
    deploy = new(registry: AccountId, token: AccountId, config: MarketConfig)
);

impl MarketClient {
    /// `submit_readings`, noting the extrinsic before it goes out: a relay records it, to
    /// find the batch's own events after a restart ([`Chain::find_sent`]).
    pub fn submit_readings_noted<C: Chain>(
        &self,
        chain: &mut C,
        signer: AccountId,
        batch: Vec<SignedReading>,
        sending: &mut dyn FnMut(crate::SentCall) -> Result<(), String>,
    ) -> MarketResult<Vec<ReadingOutcome>> {
        self.handle.call_noted(
            chain,
            signer,
            selector("EnergyMarket::submit_readings"),
            batch,
            sending,
        )
    }

    /// Runs `submit_readings` without keeping its effects: what each reading would get, and
    /// the call's weight (a relay checks a batch this way before paying for it).
    pub fn dry_run_readings<C: Chain>(
        &self,
        chain: &mut C,
        signer: AccountId,
        batch: Vec<SignedReading>,
    ) -> MarketResult<Vec<ReadingOutcome>> {
        self.handle.read_fallible(
            chain,
            signer,
            selector("EnergyMarket::submit_readings"),
            batch,
        )
    }

    messages! {
        tx MarketError as "EnergyMarket::submit_readings",
            /// Submits a batch of signed readings (anyone may: the signatures are the
            /// authority).
            submit_readings(batch: Vec<SignedReading>) -> Vec<ReadingOutcome>;
        tx MarketError, set_config(config: MarketConfig) -> ();
        tx MarketError, set_paused(paused: bool) -> ();
        tx MarketError, create_offer(wh: u64, price_per_kwh: u128, expires_at_ms: TimestampMs) -> u64;
        tx MarketError, buy(offer_id: u64, wh: u64) -> u128;
        tx MarketError, cancel_offer(offer_id: u64) -> u64;
        tx MarketError, expire_offer(offer_id: u64) -> u64;
        read_fallible MarketError, open_offers(from_id: u64, limit: u32) -> (Vec<(u64, Offer)>, u64);
        tx MarketError, repay_debt(creditor: AccountId, amount: u128) -> u128;
        tx MarketError, move_debt(from: AccountId) -> ();
        tx MarketError, take_over_account(from: AccountId) -> ();
        tx MarketError, claim() -> u128;
        tx MarketError, settle(accounts: Vec<AccountId>) -> u32;
        read MarketError, energy_account(account: AccountId) -> EnergyAccount;
        read MarketError, offer(offer_id: u64) -> Option<Offer>;
        read MarketError, config() -> MarketConfig;
        read MarketError, wiring() -> (AccountId, AccountId);
        read MarketError, admin() -> AccountId;
        read MarketError, is_paused() -> bool;
        read MarketError, meter(device: DeviceId) -> Option<MeterState>;
        read MarketError, ledger_wh(account: AccountId) -> u64;
        read MarketError, debt(account: AccountId) -> u128;
    }
}

contract_events!(
    /// Every energy-market event, typed.
    MarketEvent,
    market_events,
    [
        ReadingsProcessed,
        MeasuredBeforeTransfer,
        Claimed,
        DebtRecorded,
        DebtRepaid,
        DebtMoved,
        AccountTakenOver,
        MarketConfigChanged,
        MarketPauseChanged,
        OfferCreated,
        OfferBought,
        OfferClosed,
    ]
);
