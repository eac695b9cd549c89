//! The energy market's rules in plain Rust: configuration, the verdict on one reading,
//! credits, the energy ledger and debts. The shell supplies what needs the chain: the
//! registry's device records, the signature recovery, the token calls.

use ink::{prelude::vec::Vec, storage::Mapping};
pub use interfaces::market::MarketConfig;
use interfaces::{
    admin::AdminSeat,
    admin_events::{AdminChanged, AdminTransferProposed},
};
use interfaces::{
    debt::{events::DebtRecorded, events::DebtRepaid, DebtBook, DebtCause},
    market::{
        check_device, difference, session_owner, Difference, MarketError, MeterState, Offer,
        OfferState, RejectReason, BPS, MAX_OFFER_PAGE,
    },
    reading::MeterReading,
    AccountId, DeviceId, DeviceInfo, DeviceKey, EnergySource, TimestampMs,
};

/// One account's part of an accepted reading: the energy of `[from_ms, to_ms)` and the
/// credits its export earned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub beneficiary: AccountId,
    pub source: EnergySource,
    pub from_ms: TimestampMs,
    pub to_ms: TimestampMs,
    pub export_wh: u64,
    pub import_wh: u64,
    pub credits: u128,
}

/// The verdict on one reading that passed every rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The device's first reading: only its state is kept.
    Baseline(MeterState),
    /// The difference from the last reading: `share` for whoever benefits now, and
    /// `before_transfer` for the previous owner when the device changed hands during the
    /// interval. `next` is the device's new state.
    Measured {
        next: MeterState,
        share: Share,
        before_transfer: Option<Share>,
    },
}

#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
pub struct Market {
    admin: AdminSeat,
    paused: bool,
    config: MarketConfig,
    /// Each device's last accepted reading (its baseline before the second).
    meters: Mapping<DeviceId, MeterState>,
    ledger_wh: Mapping<AccountId, u64>,
    /// Bills that could not be collected, owed to the utility.
    debts: DebtBook,
    offers: Mapping<u64, Offer>,
    next_offer_id: u64,
}

/// A sale the shell must settle: the buyer pays `to_seller` to the seller and `fee` to
/// the fee account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sale {
    pub seller: AccountId,
    pub to_seller: u128,
    pub fee: u128,
}

impl Market {
    pub fn new(admin: AccountId, config: MarketConfig) -> Result<Self, MarketError> {
        config.validate()?;
        Ok(Self {
            admin: AdminSeat::new(admin),
            paused: false,
            config,
            meters: Mapping::default(),
            ledger_wh: Mapping::default(),
            debts: DebtBook::default(),
            offers: Mapping::default(),
            next_offer_id: 0,
        })
    }

    pub fn config(&self) -> &MarketConfig {
        &self.config
    }

    pub fn admin(&self) -> AccountId {
        self.admin.admin()
    }

    pub fn pending_admin(&self) -> Option<AccountId> {
        self.admin.pending()
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    fn ensure_admin(&self, caller: AccountId) -> Result<(), MarketError> {
        Ok(self.admin.ensure_admin(caller)?)
    }

    pub fn set_config(
        &mut self,
        caller: AccountId,
        config: MarketConfig,
    ) -> Result<(), MarketError> {
        self.ensure_admin(caller)?;
        config.validate()?;
        self.config = config;
        Ok(())
    }

    pub fn set_paused(&mut self, caller: AccountId, paused: bool) -> Result<(), MarketError> {
        self.ensure_admin(caller)?;
        if self.paused == paused {
            return Err(MarketError::PauseUnchanged);
        }
        self.paused = paused;
        Ok(())
    }

    pub fn propose_admin(
        &mut self,
        caller: AccountId,
        proposed: AccountId,
    ) -> Result<AdminTransferProposed, MarketError> {
        Ok(self.admin.propose(caller, proposed)?)
    }

    pub fn accept_admin(&mut self, caller: AccountId) -> Result<AdminChanged, MarketError> {
        Ok(self.admin.accept(caller)?)
    }

    /// A batch may be processed: not paused, between 1 and `max_batch` readings.
    pub fn ensure_batch(&self, len: usize) -> Result<(), MarketError> {
        if self.paused {
            return Err(MarketError::Paused);
        }
        if len == 0 || len > self.config.max_batch as usize {
            return Err(MarketError::BadBatchSize);
        }
        Ok(())
    }

    /// The device's last accepted reading, `None` before its baseline.
    pub fn meter(&self, device: DeviceId) -> Option<MeterState> {
        self.meters.get(device)
    }

    pub fn set_meter(&mut self, device: DeviceId, state: &MeterState) {
        self.meters.insert(device, state);
    }

    pub fn ledger_wh(&self, account: AccountId) -> u64 {
        self.ledger_wh.get(account).unwrap_or(0)
    }

    pub fn set_ledger_wh(&mut self, account: AccountId, wh: u64) {
        self.ledger_wh.insert(account, &wh);
    }

    pub fn debt(&self, account: AccountId) -> u128 {
        self.debts.total(account)
    }

    /// Records a bill of `wh` (`credits`) `account` could not pay the utility.
    pub fn record_debt(&mut self, account: AccountId, wh: u64, credits: u128) -> DebtRecorded {
        let utility = self.config.utility;
        self.debts
            .record(account, utility, credits, DebtCause::Energy { wh })
    }

    /// How much of `amount` `debtor` repays `creditor` (the utility the bills were owed
    /// to): at most what it owes.
    pub fn repayable(
        &self,
        debtor: AccountId,
        creditor: AccountId,
        amount: u128,
    ) -> Result<u128, MarketError> {
        Ok(self.debts.repayable(debtor, creditor, amount)?)
    }

    /// Takes a collected repayment off the books.
    pub fn repaid(&mut self, debtor: AccountId, creditor: AccountId, amount: u128) -> DebtRepaid {
        self.debts.repaid(debtor, creditor, amount)
    }

    fn ensure_clear(&self, account: AccountId) -> Result<(), MarketError> {
        if self.debts.is_clear(account) {
            Ok(())
        } else {
            Err(MarketError::Debtor)
        }
    }

    // ----- P2P offers ----------------------------------------------------------------------

    /// Reserves `wh` of the seller's ledger in a new offer; returns its id.
    pub fn create_offer(
        &mut self,
        seller: AccountId,
        wh: u64,
        price_per_kwh: u128,
        expires_at_ms: TimestampMs,
        now: TimestampMs,
    ) -> Result<u64, MarketError> {
        self.ensure_clear(seller)?;
        if wh == 0 {
            return Err(MarketError::ZeroAmount);
        }
        if expires_at_ms <= now {
            return Err(MarketError::ExpiryInPast);
        }
        let ledger = self.ledger_wh(seller);
        if ledger < wh {
            return Err(MarketError::InsufficientEnergy);
        }
        self.set_ledger_wh(seller, ledger.saturating_sub(wh));
        let id = self.next_offer_id;
        self.next_offer_id = id.saturating_add(1);
        self.offers.insert(
            id,
            &Offer {
                seller,
                wh_offered: wh,
                wh_left: wh,
                price_per_kwh,
                expires_at_ms,
                state: OfferState::Open,
            },
        );
        Ok(id)
    }

    /// Moves `wh` of an open offer to the buyer's ledger; returns what the shell must collect.
    pub fn buy(
        &mut self,
        buyer: AccountId,
        id: u64,
        wh: u64,
        now: TimestampMs,
    ) -> Result<(Sale, u128), MarketError> {
        self.ensure_clear(buyer)?;
        if wh == 0 {
            return Err(MarketError::ZeroAmount);
        }
        let mut offer = self.open_offer(id)?;
        if now >= offer.expires_at_ms {
            return Err(MarketError::OfferExpired);
        }
        if wh > offer.wh_left {
            return Err(MarketError::NotEnoughOnOffer);
        }
        let cost = offer.cost(wh);
        let fee = cost
            .saturating_mul(u128::from(self.config.fee_bps))
            .checked_div(u128::from(BPS))
            .unwrap_or(0);
        offer.wh_left = offer.wh_left.saturating_sub(wh);
        if offer.wh_left == 0 {
            offer.state = OfferState::SoldOut;
        }
        self.offers.insert(id, &offer);
        let ledger = self.ledger_wh(buyer);
        self.set_ledger_wh(buyer, ledger.saturating_add(wh));
        let sale = Sale {
            seller: offer.seller,
            to_seller: cost.saturating_sub(fee),
            fee,
        };
        Ok((sale, cost))
    }

    /// The seller cancels (any time) or anyone expires (after expiry) an open offer; its
    /// rest returns to the seller's ledger. Returns the Wh returned.
    pub fn close_offer(
        &mut self,
        caller: AccountId,
        id: u64,
        cancel: bool,
        now: TimestampMs,
    ) -> Result<u64, MarketError> {
        let mut offer = self.open_offer(id)?;
        if cancel && caller != offer.seller {
            return Err(MarketError::NotSeller);
        }
        if !cancel && now < offer.expires_at_ms {
            return Err(MarketError::OfferNotExpired);
        }
        let returned = offer.wh_left;
        offer.wh_left = 0;
        offer.state = if cancel {
            OfferState::Cancelled
        } else {
            OfferState::Expired
        };
        self.offers.insert(id, &offer);
        let ledger = self.ledger_wh(offer.seller);
        self.set_ledger_wh(offer.seller, ledger.saturating_add(returned));
        Ok(returned)
    }

    fn open_offer(&self, id: u64) -> Result<Offer, MarketError> {
        let offer = self.offers.get(id).ok_or(MarketError::OfferNotFound)?;
        if offer.state != OfferState::Open {
            return Err(MarketError::OfferClosed);
        }
        Ok(offer)
    }

    pub fn offer(&self, id: u64) -> Option<Offer> {
        self.offers.get(id)
    }

    /// Open, unexpired offers with ids from `from_id`, scanning at most `limit` ids
    /// (bounded work per call); returns them and the id to continue from.
    pub fn open_offers(
        &self,
        from_id: u64,
        limit: u32,
        now: TimestampMs,
    ) -> Result<(Vec<(u64, Offer)>, u64), MarketError> {
        if limit > MAX_OFFER_PAGE {
            return Err(MarketError::PageTooLarge);
        }
        let end = from_id
            .saturating_add(u64::from(limit))
            .min(self.next_offer_id);
        let mut page = Vec::new();
        for id in from_id..end {
            if let Some(offer) = self.offers.get(id) {
                if offer.state == OfferState::Open && now < offer.expires_at_ms {
                    page.push((id, offer));
                }
            }
        }
        Ok((page, end.max(from_id)))
    }

    /// The verdict on one reading. `device` and `vehicle` are the registry's records (of
    /// the device, and of the vehicle its V2G session names, if any); `last` is
    /// the device's last accepted reading, this batch included; `recover` and
    /// `recover_vehicle` recover the signers' keys and are only called once the cheap
    /// checks pass.
    #[allow(clippy::too_many_arguments)]
    pub fn evaluate(
        &self,
        reading: &MeterReading,
        device: Option<&DeviceInfo>,
        vehicle: Option<&DeviceInfo>,
        last: Option<&MeterState>,
        now: TimestampMs,
        recover: impl FnOnce() -> Option<DeviceKey>,
        recover_vehicle: impl FnOnce() -> Option<DeviceKey>,
    ) -> Result<Verdict, RejectReason> {
        check_device(reading, device, now)?;
        let device = device.ok_or(RejectReason::UnknownDevice)?;
        let source = device
            .energy
            .map(|profile| profile.source)
            .ok_or(RejectReason::NoEnergyProfile)?;
        let Some(last) = last else {
            if reading.vehicle.is_some() {
                return Err(RejectReason::PlugInMismatch);
            }
            if recover() != Some(device.key) {
                return Err(RejectReason::BadSignature);
            }
            return Ok(Verdict::Baseline(MeterState::after(reading, device.owner)));
        };
        let measured = difference(last, reading, self.config.rated_w(device))?;
        let session = match &reading.vehicle {
            Some(session) => {
                let owner = session_owner(device, session, vehicle, Some(last.at_ms))?;
                Some((owner, vehicle.map(|car| car.key)))
            }
            None => None,
        };
        if recover() != Some(device.key) {
            return Err(RejectReason::BadSignature);
        }
        if let Some((_, car_key)) = session {
            if recover_vehicle() != car_key {
                return Err(RejectReason::BadVehicleSignature);
            }
        }
        let share = |beneficiary, part: Difference| Share {
            beneficiary,
            source,
            from_ms: part.from_ms,
            to_ms: part.to_ms,
            export_wh: part.export_wh,
            import_wh: part.import_wh,
            credits: self
                .config
                .credits(part.export_wh, source, part.from_ms, part.to_ms),
        };
        let next = MeterState::after(reading, device.owner);
        // V2G: the co-signed session is the vehicle owner's, whoever owns the charger
        if let Some((owner, _)) = session {
            return Ok(Verdict::Measured {
                next,
                share: share(owner, measured),
                before_transfer: None,
            });
        }
        // review L-3: energy measured before a transfer is the previous owner's
        let since = device.owner_since_ms;
        if last.owner == device.owner || since <= measured.from_ms {
            return Ok(Verdict::Measured {
                next,
                share: share(device.owner, measured),
                before_transfer: None,
            });
        }
        if since >= measured.to_ms {
            return Ok(Verdict::Measured {
                next: MeterState::after(reading, last.owner),
                share: share(last.owner, measured),
                before_transfer: None,
            });
        }
        let (before, after) = split(measured, since);
        Ok(Verdict::Measured {
            next,
            share: share(device.owner, after),
            before_transfer: Some(share(last.owner, before)),
        })
    }
}

/// Splits a difference at `at_ms` (inside it), the energy pro rata by time.
fn split(whole: Difference, at_ms: TimestampMs) -> (Difference, Difference) {
    let length = u128::from(whole.to_ms.saturating_sub(whole.from_ms)).max(1);
    let before_ms = u128::from(at_ms.saturating_sub(whole.from_ms));
    // at most the whole, so it fits u64
    let part = |wh: u64| {
        let share = u128::from(wh)
            .saturating_mul(before_ms)
            .checked_div(length)
            .unwrap_or(0);
        u64::try_from(share).unwrap_or(wh)
    };
    let (export_before, import_before) = (part(whole.export_wh), part(whole.import_wh));
    (
        Difference {
            from_ms: whole.from_ms,
            to_ms: at_ms,
            export_wh: export_before,
            import_wh: import_before,
        },
        Difference {
            from_ms: at_ms,
            to_ms: whole.to_ms,
            export_wh: whole.export_wh.saturating_sub(export_before),
            import_wh: whole.import_wh.saturating_sub(import_before),
        },
    )
}

#[cfg(test)]
mod tests;
