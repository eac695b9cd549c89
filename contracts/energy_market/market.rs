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
    market::{MarketError, Offer, OfferState, RejectReason, BPS, MAX_OFFER_PAGE},
    reading::MeterReading,
    AccountId, DeviceId, DeviceInfo, DeviceKey, TimestampMs,
};

/// The verdict on one reading: who benefits and the credits its export earned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    pub beneficiary: AccountId,
    pub credits: u128,
}

#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
pub struct Market {
    admin: AdminSeat,
    paused: bool,
    config: MarketConfig,
    last_seq: Mapping<DeviceId, u64>,
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
            last_seq: Mapping::default(),
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

    pub fn last_seq(&self, device: DeviceId) -> u64 {
        self.last_seq.get(device).unwrap_or(0)
    }

    pub fn set_last_seq(&mut self, device: DeviceId, seq: u64) {
        self.last_seq.insert(device, &seq);
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

    /// The verdict on one reading. `device` and `vehicle` are the registry's records (the
    /// outer `Option` of `vehicle` is whether the reading names one); `last_seq` is the
    /// device's last accepted sequence, this batch included; `recover` recovers the
    /// signer's key and is only called once the cheap checks pass.
    pub fn evaluate(
        &self,
        reading: &MeterReading,
        device: Option<&DeviceInfo>,
        vehicle: Option<Option<&DeviceInfo>>,
        last_seq: u64,
        now: TimestampMs,
        recover: impl FnOnce() -> Option<DeviceKey>,
    ) -> Result<Accepted, RejectReason> {
        interfaces::market::check_device_and_period(reading, device, now)?;
        let device = device.ok_or(RejectReason::UnknownDevice)?;
        if reading.seq == last_seq {
            return Err(RejectReason::Replayed);
        }
        if reading.seq < last_seq {
            return Err(RejectReason::StaleSeq);
        }
        if recover() != Some(device.key) {
            return Err(RejectReason::BadSignature);
        }
        let beneficiary = interfaces::market::beneficiary(device, vehicle)?;
        Ok(Accepted {
            beneficiary,
            credits: self
                .config
                .credits(reading.exported_wh, reading.source, reading.period_start),
        })
    }
}

// `#[ink::test]` only because `Mapping` needs ink!'s off-chain storage engine.
#[cfg(test)]
mod tests {
    use super::*;
    use interfaces::{
        market::{PeakWindow, SourceFactors, MAX_PEAK_WINDOWS, MAX_READINGS_PER_CALL},
        DeviceKind, DeviceStatus, EnergySource,
    };

    const HOUR_MS: u64 = 3_600_000;
    const NOON: TimestampMs = 20_000 * 24 * HOUR_MS + 12 * HOUR_MS;

    fn account(n: u8) -> AccountId {
        AccountId::from([n; 32])
    }

    fn config() -> MarketConfig {
        MarketConfig {
            factors: SourceFactors {
                solar: 2_000_000,
                wind: 1_800_000,
                hydro: 1_000_000,
                vehicle: 1_500_000,
                other: 500_000,
            },
            // 11:00 to 14:00 UTC pays 1.5x
            peak_windows: ink::prelude::vec![PeakWindow {
                start_minute: 660,
                end_minute: 840,
                multiplier_bps: 15_000
            }],
            tariff_per_kwh: 3_000_000,
            utility: account(90),
            fee_bps: 250,
            fee_account: account(91),
            max_batch: 32,
        }
    }

    fn device(kind: DeviceKind, owner: u8) -> DeviceInfo {
        DeviceInfo {
            device_id: [owner; 32],
            owner: account(owner),
            owner_id: [owner; 32],
            kind,
            key: [2; 33],
            metadata_hash: [0; 32],
            status: DeviceStatus::Commissioned,
            active: true,
        }
    }

    fn reading(seq: u64, start: TimestampMs, exported_wh: u64) -> MeterReading {
        MeterReading {
            device: [1; 32],
            seq,
            period_start: start,
            period_end: start + 15 * 60_000,
            exported_wh,
            imported_wh: 0,
            source: EnergySource::Solar,
            vehicle: None,
        }
    }

    fn market() -> Market {
        Market::new(account(1), config()).unwrap()
    }

    #[test]
    fn credits_follow_source_factor_and_peak_window() {
        let config = config();
        // 5 kWh solar off-peak at 08:00: 5 x 2 credits
        assert_eq!(
            config.credits(5_000, EnergySource::Solar, NOON - 4 * HOUR_MS),
            10_000_000
        );
        // the same at noon: x1.5
        assert_eq!(config.credits(5_000, EnergySource::Solar, NOON), 15_000_000);
        // window end is exclusive
        assert_eq!(
            config.credits(1_000, EnergySource::Wind, NOON + 2 * HOUR_MS),
            1_800_000
        );
        assert_eq!(
            config.credits(1_000, EnergySource::Vehicle, NOON - HOUR_MS),
            2_250_000
        );
        assert_eq!(config.bill(1), 3_000);
        assert_eq!(config.bill(1_001), 3_003_000);
    }

    #[test]
    fn config_is_validated() {
        let mut bad = config();
        bad.max_batch = 0;
        assert_eq!(bad.validate(), Err(MarketError::InvalidBatchLimit));
        bad.max_batch = MAX_READINGS_PER_CALL + 1;
        assert_eq!(bad.validate(), Err(MarketError::InvalidBatchLimit));
        let mut bad = config();
        bad.peak_windows[0].multiplier_bps = 9_999;
        assert_eq!(bad.validate(), Err(MarketError::InvalidPeakWindow));
        bad.peak_windows[0] = PeakWindow {
            start_minute: 900,
            end_minute: 900,
            multiplier_bps: BPS,
        };
        assert_eq!(bad.validate(), Err(MarketError::InvalidPeakWindow));
        bad.peak_windows[0] = PeakWindow {
            start_minute: 0,
            end_minute: 1_441,
            multiplier_bps: BPS,
        };
        assert_eq!(bad.validate(), Err(MarketError::InvalidPeakWindow));
        let mut bad = config();
        bad.peak_windows =
            ink::prelude::vec![config().peak_windows[0]; MAX_PEAK_WINDOWS as usize + 1];
        assert_eq!(bad.validate(), Err(MarketError::TooManyPeakWindows));
    }

    #[ink::test]
    fn each_refusal_has_its_reason() {
        let market = market();
        let meter = device(DeviceKind::Meter, 7);
        let good = reading(5, NOON, 1_000);
        let key = || Some([2; 33]);
        let evaluate = |r: &MeterReading, d: Option<&DeviceInfo>, last: u64| {
            market.evaluate(r, d, None, last, NOON + HOUR_MS, key)
        };
        assert_eq!(evaluate(&good, None, 0), Err(RejectReason::UnknownDevice));
        assert_eq!(
            evaluate(&good, Some(&device(DeviceKind::Vehicle, 7)), 0),
            Err(RejectReason::WrongKind)
        );
        let mut pending = meter.clone();
        (pending.status, pending.active) = (DeviceStatus::Pending, false);
        assert_eq!(
            evaluate(&good, Some(&pending), 0),
            Err(RejectReason::NotCommissioned)
        );
        let mut revoked = meter.clone();
        (revoked.status, revoked.active) = (DeviceStatus::Revoked, false);
        assert_eq!(
            evaluate(&good, Some(&revoked), 0),
            Err(RejectReason::DeviceRevoked)
        );
        let mut orphan = meter.clone();
        orphan.active = false;
        assert_eq!(
            evaluate(&good, Some(&orphan), 0),
            Err(RejectReason::OwnerInactive)
        );
        let mut backwards = good.clone();
        backwards.period_end = backwards.period_start;
        assert_eq!(
            evaluate(&backwards, Some(&meter), 0),
            Err(RejectReason::BadPeriod)
        );
        let future = reading(5, NOON + HOUR_MS, 1);
        assert_eq!(
            evaluate(&future, Some(&meter), 0),
            Err(RejectReason::BadPeriod)
        );
        assert_eq!(
            evaluate(&good, Some(&meter), 5),
            Err(RejectReason::Replayed)
        );
        assert_eq!(
            evaluate(&good, Some(&meter), 6),
            Err(RejectReason::StaleSeq)
        );
        assert_eq!(
            market.evaluate(&good, Some(&meter), None, 0, NOON + HOUR_MS, || Some(
                [3; 33]
            )),
            Err(RejectReason::BadSignature)
        );
        assert_eq!(
            market.evaluate(&good, Some(&meter), None, 0, NOON + HOUR_MS, || None),
            Err(RejectReason::BadSignature)
        );
        assert_eq!(
            evaluate(&good, Some(&meter), 4),
            Ok(Accepted {
                beneficiary: account(7),
                credits: 3_000_000
            })
        );
    }

    #[ink::test]
    fn vehicle_to_grid_credits_the_vehicles_owner() {
        let market = market();
        let charger = device(DeviceKind::EvCharger, 7);
        let car = device(DeviceKind::Vehicle, 8);
        let mut v2g = reading(1, NOON - 4 * HOUR_MS, 2_000);
        v2g.source = EnergySource::Vehicle;
        v2g.vehicle = Some([8; 32]);
        let now = NOON;
        let key = || Some([2; 33]);
        assert_eq!(
            market.evaluate(&v2g, Some(&charger), Some(Some(&car)), 0, now, key),
            Ok(Accepted {
                beneficiary: account(8),
                credits: 3_000_000
            })
        );
        assert_eq!(
            market.evaluate(&v2g, Some(&charger), Some(None), 0, now, key),
            Err(RejectReason::UnknownVehicle)
        );
        assert_eq!(
            market.evaluate(
                &v2g,
                Some(&charger),
                Some(Some(&device(DeviceKind::Meter, 8))),
                0,
                now,
                key
            ),
            Err(RejectReason::NotAVehicle)
        );
        let mut parked = car.clone();
        parked.active = false;
        assert_eq!(
            market.evaluate(&v2g, Some(&charger), Some(Some(&parked)), 0, now, key),
            Err(RejectReason::VehicleInactive)
        );
        assert_eq!(
            market.evaluate(
                &v2g,
                Some(&device(DeviceKind::Meter, 7)),
                Some(Some(&car)),
                0,
                now,
                key
            ),
            Err(RejectReason::VehicleNotAtCharger)
        );
    }

    #[ink::test]
    fn admin_setters_and_batch_bounds() {
        let mut market = market();
        assert_eq!(
            market.set_paused(account(2), true),
            Err(MarketError::NotAdmin)
        );
        assert_eq!(market.ensure_batch(0), Err(MarketError::BadBatchSize));
        assert_eq!(market.ensure_batch(33), Err(MarketError::BadBatchSize));
        market.ensure_batch(32).unwrap();
        market.set_paused(account(1), true).unwrap();
        assert_eq!(
            market.set_paused(account(1), true),
            Err(MarketError::PauseUnchanged)
        );
        assert_eq!(market.ensure_batch(1), Err(MarketError::Paused));
        let mut cheaper = config();
        cheaper.tariff_per_kwh = 1;
        assert_eq!(
            market.set_config(account(2), cheaper.clone()),
            Err(MarketError::NotAdmin)
        );
        market.set_config(account(1), cheaper).unwrap();
        assert_eq!(market.config().tariff_per_kwh, 1);
        assert_eq!(market.record_debt(account(5), 1_000, 10).total, 10);
        assert_eq!(market.record_debt(account(5), 500, 5).total, 15);
        market.propose_admin(account(1), account(3)).unwrap();
        assert_eq!(
            market.accept_admin(account(4)),
            Err(MarketError::NotPendingAdmin)
        );
        assert_eq!(
            market.accept_admin(account(3)).map(|e| e.previous),
            Ok(account(1))
        );
        assert_eq!(market.admin(), account(3));
    }

    #[ink::test]
    fn offers_reserve_energy_sell_in_parts_and_return_the_rest() {
        let mut market = market();
        let (seller, buyer, other) = (account(7), account(8), account(9));
        market.set_ledger_wh(seller, 10_000);
        assert_eq!(
            market.create_offer(seller, 0, 1, NOON + 1, NOON),
            Err(MarketError::ZeroAmount)
        );
        assert_eq!(
            market.create_offer(seller, 10_001, 1, NOON + 1, NOON),
            Err(MarketError::InsufficientEnergy)
        );
        assert_eq!(
            market.create_offer(seller, 1, 1, NOON, NOON),
            Err(MarketError::ExpiryInPast)
        );
        // 6 kWh at 4 credits per kWh for an hour
        let id = market
            .create_offer(seller, 6_000, 4_000_000, NOON + HOUR_MS, NOON)
            .unwrap();
        assert_eq!(market.ledger_wh(seller), 4_000);
        let (sale, cost) = market.buy(buyer, id, 2_500, NOON + 1).unwrap();
        // 2.5 kWh x 4 = 10 credits, 2.5 % fee
        assert_eq!(
            (cost, sale.fee, sale.to_seller, sale.seller),
            (10_000_000, 250_000, 9_750_000, seller)
        );
        assert_eq!(
            market.buy(other, id, 3_501, NOON + 2),
            Err(MarketError::NotEnoughOnOffer)
        );
        market.buy(other, id, 1_500, NOON + 2).unwrap();
        assert_eq!(
            (market.ledger_wh(buyer), market.ledger_wh(other)),
            (2_500, 1_500)
        );
        let (page, next) = market.open_offers(0, 10, NOON + 3).unwrap();
        assert_eq!((page.len(), page[0].1.wh_left, next), (1, 2_000, 1));
        assert_eq!(
            market.close_offer(other, id, true, NOON + 3),
            Err(MarketError::NotSeller)
        );
        assert_eq!(
            market.close_offer(other, id, false, NOON + 3),
            Err(MarketError::OfferNotExpired)
        );
        assert_eq!(market.close_offer(seller, id, true, NOON + 3), Ok(2_000));
        assert_eq!(market.ledger_wh(seller), 6_000);
        assert_eq!(
            market.buy(buyer, id, 1, NOON + 4),
            Err(MarketError::OfferClosed)
        );
        assert_eq!(market.offer(id).unwrap().state, OfferState::Cancelled);
        assert_eq!(
            market.open_offers(0, MAX_OFFER_PAGE + 1, NOON).err(),
            Some(MarketError::PageTooLarge)
        );
    }

    #[ink::test]
    fn expired_offers_are_closed_by_anyone_and_cannot_be_bought() {
        let mut market = market();
        let seller = account(7);
        market.set_ledger_wh(seller, 1_000);
        let id = market
            .create_offer(seller, 1_000, 1_000_000, NOON + 10, NOON)
            .unwrap();
        assert_eq!(
            market.buy(account(8), id, 1, NOON + 10),
            Err(MarketError::OfferExpired)
        );
        assert!(market.open_offers(0, 5, NOON + 10).unwrap().0.is_empty());
        assert_eq!(
            market.close_offer(account(9), id, false, NOON + 10),
            Ok(1_000)
        );
        assert_eq!(market.ledger_wh(seller), 1_000);
        assert_eq!(market.offer(id).unwrap().state, OfferState::Expired);
        assert_eq!(
            market.buy(account(8), 99, 1, NOON),
            Err(MarketError::OfferNotFound)
        );
    }
}
