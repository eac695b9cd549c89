//! Energy market: signed meter readings verified on chain, paid in credit points.
//!
//! `submit_readings` is permissionless: the devices' signatures are the authority. For a
//! batch it asks the identity registry once (every device and vehicle of the batch), checks
//! each reading (kind, status, time, sequence, registers, plausibility, `ecdsa_recover`
//! against the registered key), moves each beneficiary's energy ledger (exports add,
//! imports consume) and accrues its credits and its bill for imports beyond the ledger:
//! a batch calls the token not at all. Each reading gets an outcome; one bad reading never
//! fails the batch.
//!
//! An account's accrual is minted by `claim` (its own) or `settle` (a page of accounts,
//! anyone may call; the relay does on a schedule): one mint call for the page, one receipt
//! per device and source, the bill paid from the credits first and the rest from the
//! account's allowance, recorded as a debt when that fails.
//!
//! The rules live in `market.rs`, a batch's bookkeeping in `batch.rs` (both plain Rust);
//! this module is the shell.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

mod batch;
pub mod market;
mod shell;

#[ink::contract]
mod energy_market {
    use crate::{
        batch::{processed_events, Batch},
        market::{Market, MarketConfig},
    };
    use ink::prelude::vec::Vec;
    use interfaces::{
        market::{
            EnergyAccount, EnergyMarket, MarketError, MeterState, Offer, ReadingOutcome,
            MAX_SETTLE_PAGE,
        },
        reading::ReadingBatch,
        ChainBound, Deployment, DeviceId, GenesisHash,
    };

    #[ink(storage)]
    pub struct EnergyMarketContract {
        pub(crate) market: Market,
        pub(crate) registry: AccountId,
        pub(crate) token: AccountId,
        chain: GenesisHash,
    }

    impl ChainBound for EnergyMarketContract {
        /// The genesis hash of the chain this contract was deployed on (I-1).
        #[ink(message)]
        fn chain_id(&self) -> GenesisHash {
            self.chain
        }
    }

    impl EnergyMarketContract {
        /// Deploys the market wired to `registry` and `token` on the chain whose genesis
        /// hash is `chain`, with the caller as admin (`InvalidBatchLimit`,
        /// `InvalidPeakWindow`, `TooManyPeakWindows`). The token's admin must then make this
        /// contract a Minter (and allow-list it and the utility if the token is gated).
        #[ink(constructor)]
        pub fn new(
            registry: AccountId,
            token: AccountId,
            config: MarketConfig,
            chain: GenesisHash,
        ) -> Result<Self, MarketError> {
            Ok(Self {
                market: Market::new(Self::env().caller(), config)?,
                registry,
                token,
                chain,
            })
        }

        /// The identity registry and the credit token this market is wired to.
        #[ink(message)]
        pub fn wiring(&self) -> (AccountId, AccountId) {
            (self.registry, self.token)
        }

        /// The admin-set parameters.
        #[ink(message)]
        pub fn config(&self) -> MarketConfig {
            self.market.config().clone()
        }

        /// Admin only: replaces the parameters (factors, peak windows, tariff, utility,
        /// batch limit) (`NotAdmin`, `InvalidBatchLimit`, `InvalidPeakWindow`,
        /// `TooManyPeakWindows`). Emits `MarketConfigChanged`.
        #[ink(message)]
        pub fn set_config(&mut self, config: MarketConfig) -> Result<(), MarketError> {
            let event = self.market.set_config(self.env().caller(), config)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// The admin.
        #[ink(message)]
        pub fn admin(&self) -> AccountId {
            self.market.admin()
        }

        /// Admin only: proposes the next admin (`NotAdmin`). Emits `AdminTransferProposed`.
        #[ink(message)]
        pub fn propose_admin(&mut self, proposed: AccountId) -> Result<(), MarketError> {
            let event = self.market.propose_admin(self.env().caller(), proposed)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// The proposed admin takes over (`NotPendingAdmin`). Emits `AdminChanged`.
        #[ink(message)]
        pub fn accept_admin(&mut self) -> Result<(), MarketError> {
            let event = self.market.accept_admin(self.env().caller())?;
            self.env().emit_event(event);
            Ok(())
        }

        /// Admin only: stops (`true`) or resumes reading submissions (`NotAdmin`,
        /// `PauseUnchanged`). Emits `MarketPauseChanged`.
        #[ink(message)]
        pub fn set_paused(&mut self, paused: bool) -> Result<(), MarketError> {
            let event = self.market.set_paused(self.env().caller(), paused)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// Whether submissions are paused.
        #[ink(message)]
        pub fn is_paused(&self) -> bool {
            self.market.is_paused()
        }

        /// The last accepted reading of `device` (its registers, time, sequence and the
        /// owner it was measured for); `None` before its first, the baseline.
        #[ink(message)]
        pub fn meter(&self, device: DeviceId) -> Option<MeterState> {
            self.market.meter(device)
        }

        /// `account`'s energy ledger: Wh exported (or bought) and not yet consumed or offered.
        #[ink(message)]
        pub fn ledger_wh(&self, account: AccountId) -> u64 {
            self.market.ledger_wh(account)
        }

        /// `account`'s energy ledger and what it accrued since its last claim: credits per
        /// device and source, and the bill for imports beyond the ledger; and the last
        /// accepted reading of each meter measured for it.
        #[ink(message)]
        pub fn energy_account(&self, account: AccountId) -> EnergyAccount {
            self.market.account(account)
        }

        /// The caller claims its accrual: its credits are minted (one receipt per device and
        /// source), after paying its bill and then its debt to the utility from them; what
        /// they cannot pay of the bill comes from its allowance to this market, recorded as
        /// a debt when that fails. Returns the micro-credits minted to
        /// it (`Paused`, `NothingToClaim`, `TokenCallFailed`/`Token` when the token cannot
        /// mint, which fails the claim and keeps the accrual). Emits `Claimed`.
        #[ink(message)]
        pub fn claim(&mut self) -> Result<u128, MarketError> {
            self.market.ensure_running()?;
            let claims = self.settle_accounts(&[self.env().caller()])?;
            claims
                .first()
                .map(|claim| claim.minted)
                .ok_or(MarketError::NothingToClaim)
        }

        /// Anyone settles the accruals of up to `MAX_SETTLE_PAGE` accounts, each as its own
        /// `claim` would; accounts with nothing accrued are skipped. Returns how many were
        /// settled (`Paused`, `PageTooLarge`, `TokenCallFailed`/`Token`: the whole page
        /// fails and keeps its accruals). Emits `Claimed` per account settled.
        #[ink(message)]
        pub fn settle(&mut self, accounts: Vec<AccountId>) -> Result<u32, MarketError> {
            self.market.ensure_running()?;
            if accounts.len() > MAX_SETTLE_PAGE as usize {
                return Err(MarketError::PageTooLarge);
            }
            let claims = self.settle_accounts(&accounts)?;
            Ok(u32::try_from(claims.len()).unwrap_or(u32::MAX))
        }

        /// Micro-credits `account` owes for imports its allowance could not pay.
        #[ink(message)]
        pub fn debt(&self, account: AccountId) -> u128 {
            self.market.debt(account)
        }

        /// The caller repays up to `amount` of what it owes `creditor` (the utility its
        /// bills were owed to), from its allowance to this market; returns what was repaid
        /// (`ZeroAmount`, `NothingOwed`, `Payment`, `TokenCallFailed`). Emits `DebtRepaid`.
        #[ink(message)]
        pub fn repay_debt(
            &mut self,
            creditor: AccountId,
            amount: u128,
        ) -> Result<u128, MarketError> {
            let debtor = self.env().caller();
            let amount = self.market.repayable(debtor, creditor, amount)?;
            let event = self.market.repaid(debtor, creditor, amount);
            self.pay(debtor, creditor, amount)?;
            self.env().emit_event(event);
            Ok(amount)
        }

        /// The caller, the account a citizen acts from after the admin moved it from `from`
        /// (a lost key: the registry's `successor`), takes over `from`'s books: its energy
        /// ledger, unpaid bill and accrued earnings, for the caller to claim, and its
        /// meters' last readings (M-1) (`NoSuccessor`, `NotSuccessor`, `NothingToClaim`,
        /// `TooManyEarnings`, `TooManyMeters`, `RegistryCallFailed`). Emits
        /// `AccountTakenOver`.
        #[ink(message)]
        pub fn take_over_account(&mut self, from: AccountId) -> Result<(), MarketError> {
            let caller = self.env().caller();
            let successor = interfaces::calls::successor(self.registry, from)?
                .ok_or(MarketError::NoSuccessor)?;
            if successor != caller {
                return Err(MarketError::NotSuccessor);
            }
            let event = self.market.take_over_account(from, caller)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// The caller (the utility a bill was owed to) moves what `from` owes it to the
        /// account `from`'s citizen acts from after a move (M-3: that account is then a
        /// debtor, refused offers and purchases until it repays) (`NoSuccessor`,
        /// `NothingOwed`, `RegistryCallFailed`). Emits `DebtMoved`.
        #[ink(message)]
        pub fn move_debt(&mut self, from: AccountId) -> Result<(), MarketError> {
            let to = interfaces::calls::successor(self.registry, from)?
                .ok_or(MarketError::NoSuccessor)?;
            let event = self.market.move_debt(self.env().caller(), from, to)?;
            self.env().emit_event(event);
            Ok(())
        }

        // ----- P2P energy ----------------------------------------------------------------

        /// The caller offers `wh` of its energy ledger at `price_per_kwh` micro-credits
        /// until `expires_at_ms`; the Wh are reserved. Returns the offer id (`Paused`,
        /// `Debtor`, `ZeroAmount`, `ExpiryInPast`, `InsufficientEnergy`). Emits
        /// `OfferCreated`.
        #[ink(message)]
        pub fn create_offer(
            &mut self,
            wh: u64,
            price_per_kwh: u128,
            expires_at_ms: u64,
        ) -> Result<u64, MarketError> {
            let (seller, now) = (self.env().caller(), self.env().block_timestamp());
            let event = self
                .market
                .create_offer(seller, wh, price_per_kwh, expires_at_ms, now)?;
            let offer_id = event.offer_id;
            self.env().emit_event(event);
            Ok(offer_id)
        }

        /// The caller buys `wh` of an open offer, paying from its allowance to this market:
        /// the seller gets the price less the operator fee, the fee account the fee; the
        /// Wh move to the caller's ledger. Returns the cost (`Paused`, `Debtor`, `ZeroAmount`,
        /// `OfferNotFound`, `OfferClosed`, `OfferExpired`, `NotEnoughOnOffer`, `Payment`,
        /// `TokenCallFailed`). Emits `OfferBought`.
        #[ink(message)]
        pub fn buy(&mut self, offer_id: u64, wh: u64) -> Result<u128, MarketError> {
            let (buyer, now) = (self.env().caller(), self.env().block_timestamp());
            // effects first: the payment calls below cannot call back (reentrancy stays denied)
            let (sale, event) = self.market.buy(buyer, offer_id, wh, now)?;
            self.pay(buyer, sale.seller, sale.to_seller)?;
            let fee_account = self.market.config().fee_account;
            self.pay(buyer, fee_account, sale.fee)?;
            let cost = event.cost;
            self.env().emit_event(event);
            Ok(cost)
        }

        /// The seller withdraws an open offer; the rest returns to its ledger (`OfferNotFound`,
        /// `OfferClosed`, `NotSeller`). Emits `OfferClosed`.
        #[ink(message)]
        pub fn cancel_offer(&mut self, offer_id: u64) -> Result<u64, MarketError> {
            self.close(offer_id, true)
        }

        /// Anyone closes an expired offer; the rest returns to the seller's ledger
        /// (`OfferNotFound`, `OfferClosed`, `OfferNotExpired`). Emits `OfferClosed`.
        #[ink(message)]
        pub fn expire_offer(&mut self, offer_id: u64) -> Result<u64, MarketError> {
            self.close(offer_id, false)
        }

        /// The offer `offer_id`, in whatever state.
        #[ink(message)]
        pub fn offer(&self, offer_id: u64) -> Option<Offer> {
            self.market.offer(offer_id)
        }

        /// Open, unexpired offers among ids `from_id..from_id + limit` and the id to ask
        /// from next (`PageTooLarge` above `MAX_OFFER_PAGE`).
        #[ink(message)]
        pub fn open_offers(
            &self,
            from_id: u64,
            limit: u32,
        ) -> Result<(Vec<(u64, Offer)>, u64), MarketError> {
            self.market
                .open_offers(from_id, limit, self.env().block_timestamp())
        }
    }

    impl EnergyMarket for EnergyMarketContract {
        /// Permissionless: processes a batch of signed readings and returns one outcome per
        /// reading, in order (`Paused`, `BadBatchSize`; `RegistryCallFailed`/`Registry`
        /// when the registry cannot answer, which reverts the whole batch so it can be
        /// resubmitted). Credits and bills accrue to the beneficiaries' accounts (see
        /// `claim`). Emits `MeasuredBeforeTransfer` per device sold during its interval,
        /// then `ReadingsProcessed` events carrying every outcome (one per 256 readings).
        #[ink(message)]
        fn submit_readings(
            &mut self,
            batch: ReadingBatch,
        ) -> Result<Vec<ReadingOutcome>, MarketError> {
            let readings = batch.0;
            self.market.ensure_batch(readings.len())?;
            let (now, me) = (self.env().block_timestamp(), Deployment::here(self.chain));
            let mut batch = Batch::new(&readings);
            self.load_records(&mut batch.slots)?;
            let outcomes = batch.process(
                &mut self.market,
                now,
                |signed| Self::recover_device(&me, signed),
                |signed| Self::recover_vehicle(&me, signed),
                |event| Self::env().emit_event(event),
            );
            for event in processed_events(&outcomes) {
                self.env().emit_event(event);
            }
            Ok(outcomes)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use interfaces::market::SourceFactors;

        #[ink::test]
        fn an_invalid_config_is_refused_at_deploy() {
            let accounts = ink::env::test::default_accounts::<ink::env::DefaultEnvironment>();
            let config = MarketConfig {
                factors: SourceFactors::default(),
                peak_windows: Vec::new(),
                tariff_per_kwh: 0,
                utility: accounts.django,
                fee_bps: 0,
                fee_account: accounts.django,
                max_batch: 0,
                max_interval_ms: 0,
                default_ratings: interfaces::market::DefaultRatings {
                    meter_w: 0,
                    charger_w: 0,
                },
            };
            assert_eq!(
                EnergyMarketContract::new(accounts.bob, accounts.charlie, config, [7; 32]).err(),
                Some(MarketError::InvalidBatchLimit)
            );
        }
    }
}
