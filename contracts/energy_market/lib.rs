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
        batch::{slot_index, Books, Slot},
        market::{Market, MarketConfig, Verdict},
    };
    use ink::prelude::vec::Vec;
    use interfaces::{
        market::{
            events as ev, EnergyAccount, EnergyMarket, MarketError, MeterState, Offer,
            ReadingOutcome, RejectReason, MAX_SETTLE_PAGE, OUTCOMES_PER_EVENT,
        },
        reading::ReadingBatch,
        ChainBound, Deployment, DeviceId, GenesisHash, MAX_QUERY_BATCH,
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
            self.market
                .set_config(self.env().caller(), config.clone())?;
            self.env().emit_event(ev::MarketConfigChanged {
                factors: config.factors,
                peak_windows: config.peak_windows,
                tariff_per_kwh: config.tariff_per_kwh,
                utility: config.utility,
                fee_bps: config.fee_bps,
                fee_account: config.fee_account,
                max_batch: config.max_batch,
                max_interval_ms: config.max_interval_ms,
                default_ratings: config.default_ratings,
            });
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
            self.market.set_paused(self.env().caller(), paused)?;
            self.env().emit_event(ev::MarketPauseChanged { paused });
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
        /// device and source, and the bill for imports beyond the ledger.
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
            self.ensure_running()?;
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
            self.ensure_running()?;
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
        /// ledger, unpaid bill and accrued earnings, for the caller to claim (M-1)
        /// (`NoSuccessor`, `NotSuccessor`, `NothingToClaim`, `TooManyEarnings`,
        /// `RegistryCallFailed`). Emits `AccountTakenOver`.
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
            self.ensure_running()?;
            let (seller, now) = (self.env().caller(), self.env().block_timestamp());
            let offer_id =
                self.market
                    .create_offer(seller, wh, price_per_kwh, expires_at_ms, now)?;
            self.env().emit_event(ev::OfferCreated {
                offer_id,
                seller,
                wh,
                price_per_kwh,
                expires_at_ms,
            });
            Ok(offer_id)
        }

        /// The caller buys `wh` of an open offer, paying from its allowance to this market:
        /// the seller gets the price less the operator fee, the fee account the fee; the
        /// Wh move to the caller's ledger. Returns the cost (`Paused`, `Debtor`, `ZeroAmount`,
        /// `OfferNotFound`, `OfferClosed`, `OfferExpired`, `NotEnoughOnOffer`, `Payment`,
        /// `TokenCallFailed`). Emits `OfferBought`.
        #[ink(message)]
        pub fn buy(&mut self, offer_id: u64, wh: u64) -> Result<u128, MarketError> {
            self.ensure_running()?;
            let (buyer, now) = (self.env().caller(), self.env().block_timestamp());
            // effects first: the payment calls below cannot call back (reentrancy stays denied)
            let (sale, cost) = self.market.buy(buyer, offer_id, wh, now)?;
            self.pay(buyer, sale.seller, sale.to_seller)?;
            let fee_account = self.market.config().fee_account;
            self.pay(buyer, fee_account, sale.fee)?;
            self.env().emit_event(ev::OfferBought {
                offer_id,
                buyer,
                wh,
                cost,
                fee: sale.fee,
            });
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
            let batch = batch.0;
            self.market.ensure_batch(batch.len())?;
            let (now, me) = (self.env().block_timestamp(), Deployment::here(self.chain));

            // every device and vehicle once, and each reading's slots; sized for a full
            // registry query up front, as growing by doubling would leave every smaller
            // copy behind in the contract's 1 MiB (the allocator never frees)
            let mut slots: Vec<Slot> =
                Vec::with_capacity(batch.len().min(MAX_QUERY_BATCH as usize));
            let mut places: Vec<(usize, Option<usize>)> = Vec::with_capacity(batch.len());
            let mut hint = None;
            for signed in &batch {
                let device = slot_index(&mut slots, signed.reading.device, hint);
                let vehicle = signed
                    .reading
                    .vehicle
                    .as_ref()
                    .map(|session| slot_index(&mut slots, session.vehicle, None));
                places.push((device, vehicle));
                hint = Some(device);
            }
            self.load_records(&mut slots)?;

            // sized once: the allocator never frees, so growing would waste memory
            let mut books = Books {
                ledgers: Vec::with_capacity(slots.len()),
            };
            let mut outcomes = Vec::with_capacity(batch.len());
            for (signed, &(d, v)) in batch.iter().zip(&places) {
                let last = match slots[d].state {
                    Some(state) => state,
                    None => self.market.meter(signed.reading.device),
                };
                slots[d].state = Some(last);
                let verdict = self.market.evaluate(
                    &signed.reading,
                    slots[d].record.as_ref(),
                    v.and_then(|v| slots[v].record.as_ref()),
                    last.as_ref(),
                    now,
                    || self.recover_device(&me, signed),
                    || self.recover_vehicle(&me, signed),
                );
                let outcome = match verdict {
                    Err(reason) => ReadingOutcome::Rejected(reason),
                    Ok(Verdict::Baseline(state)) => {
                        (slots[d].state, slots[d].changed) = (Some(Some(state)), true);
                        ReadingOutcome::Baseline
                    }
                    Ok(Verdict::Measured {
                        next,
                        share,
                        before_transfer,
                    }) => {
                        let device = signed.reading.device;
                        let l = books.ledger(&self.market, slots[d].ledger, share.beneficiary);
                        slots[d].ledger = Some(l);
                        let before = before_transfer.map(|before| {
                            (books.ledger(&self.market, None, before.beneficiary), before)
                        });
                        let fits = books.fits(l, &device, &share)
                            && before
                                .as_ref()
                                .is_none_or(|(b, before)| books.fits(*b, &device, before));
                        if !fits {
                            ReadingOutcome::Rejected(RejectReason::AccrualFull)
                        } else {
                            (slots[d].state, slots[d].changed) = (Some(Some(next)), true);
                            if let Some((b, before)) = before {
                                let billable_wh = books.apply(b, device, &before);
                                self.env().emit_event(ev::MeasuredBeforeTransfer {
                                    device,
                                    owner: before.beneficiary,
                                    from_ms: before.from_ms,
                                    to_ms: before.to_ms,
                                    export_wh: before.export_wh,
                                    import_wh: before.import_wh,
                                    credits: before.credits,
                                    billable_wh,
                                });
                            }
                            let billable_wh = books.apply(l, device, &share);
                            ReadingOutcome::Accepted {
                                beneficiary: share.beneficiary,
                                credits: share.credits,
                                billable_wh,
                            }
                        }
                    }
                };
                outcomes.push(outcome);
            }

            for slot in slots.iter().filter(|slot| slot.changed) {
                if let Some(Some(state)) = &slot.state {
                    self.market.set_meter(slot.id, state);
                }
            }
            for ledger in books.ledgers.iter_mut().filter(|ledger| ledger.changed) {
                // one bill per account and batch, priced at today's tariff
                let state = &mut ledger.state;
                let bill = self.market.config().bill(ledger.billable_wh);
                state.bill = state.bill.saturating_add(bill);
                state.billed_wh = state.billed_wh.saturating_add(ledger.billable_wh);
                self.market.set_account(ledger.account, state);
            }
            for (chunk, part) in outcomes.chunks(OUTCOMES_PER_EVENT as usize).enumerate() {
                let mut accepted = 0u32;
                let mut credits = 0u128;
                for outcome in part {
                    if let ReadingOutcome::Accepted { credits: c, .. } = outcome {
                        accepted = accepted.saturating_add(1);
                        credits = credits.saturating_add(*c);
                    }
                }
                let first = u32::try_from(chunk.saturating_mul(OUTCOMES_PER_EVENT as usize))
                    .unwrap_or(u32::MAX);
                self.env().emit_event(ev::ReadingsProcessed {
                    first,
                    outcomes: part.to_vec(),
                    accepted,
                    credits,
                });
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
