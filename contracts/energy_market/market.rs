//! The energy market's rules in plain Rust: configuration, the verdict on one reading,
//! credits, the energy ledger and debts. The shell supplies what needs the chain: the
//! registry's device records, the signature recovery, the token calls.

use ink::storage::Mapping;
pub use interfaces::market::MarketConfig;
use interfaces::{
    market::{MarketError, RejectReason},
    reading::MeterReading,
    AccountId, DeviceId, DeviceInfo, DeviceKey, DeviceKind, DeviceStatus, TimestampMs,
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
    admin: AccountId,
    pending_admin: Option<AccountId>,
    paused: bool,
    config: MarketConfig,
    last_seq: Mapping<DeviceId, u64>,
    ledger_wh: Mapping<AccountId, u64>,
    debts: Mapping<AccountId, u128>,
}

impl Market {
    pub fn new(admin: AccountId, config: MarketConfig) -> Result<Self, MarketError> {
        config.validate()?;
        Ok(Self {
            admin,
            pending_admin: None,
            paused: false,
            config,
            last_seq: Mapping::default(),
            ledger_wh: Mapping::default(),
            debts: Mapping::default(),
        })
    }

    pub fn config(&self) -> &MarketConfig {
        &self.config
    }

    pub fn admin(&self) -> AccountId {
        self.admin
    }

    pub fn pending_admin(&self) -> Option<AccountId> {
        self.pending_admin
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    fn ensure_admin(&self, caller: AccountId) -> Result<(), MarketError> {
        if caller == self.admin {
            Ok(())
        } else {
            Err(MarketError::NotAdmin)
        }
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
    ) -> Result<(), MarketError> {
        self.ensure_admin(caller)?;
        self.pending_admin = Some(proposed);
        Ok(())
    }

    /// Returns the previous admin.
    pub fn accept_admin(&mut self, caller: AccountId) -> Result<AccountId, MarketError> {
        if self.pending_admin != Some(caller) {
            return Err(MarketError::NotPendingAdmin);
        }
        let previous = self.admin;
        self.admin = caller;
        self.pending_admin = None;
        Ok(previous)
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
        self.debts.get(account).unwrap_or(0)
    }

    /// Adds `credits` to `account`'s debt; returns the new total.
    pub fn add_debt(&mut self, account: AccountId, credits: u128) -> u128 {
        let total = self.debt(account).saturating_add(credits);
        self.debts.insert(account, &total);
        total
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
        let device = device.ok_or(RejectReason::UnknownDevice)?;
        if !matches!(device.kind, DeviceKind::Meter | DeviceKind::EvCharger) {
            return Err(RejectReason::WrongKind);
        }
        match device.status {
            DeviceStatus::Revoked => return Err(RejectReason::DeviceRevoked),
            DeviceStatus::Pending => return Err(RejectReason::NotCommissioned),
            DeviceStatus::Commissioned if !device.active => {
                return Err(RejectReason::OwnerInactive)
            }
            DeviceStatus::Commissioned => {}
        }
        if reading.period_end <= reading.period_start || reading.period_end > now {
            return Err(RejectReason::BadPeriod);
        }
        if reading.seq == last_seq {
            return Err(RejectReason::Replayed);
        }
        if reading.seq < last_seq {
            return Err(RejectReason::StaleSeq);
        }
        if recover() != Some(device.key) {
            return Err(RejectReason::BadSignature);
        }
        let beneficiary = match vehicle {
            None => device.owner,
            Some(_) if device.kind != DeviceKind::EvCharger => {
                return Err(RejectReason::VehicleNotAtCharger)
            }
            Some(None) => return Err(RejectReason::UnknownVehicle),
            Some(Some(car)) if car.kind != DeviceKind::Vehicle => {
                return Err(RejectReason::NotAVehicle)
            }
            Some(Some(car)) if !car.active => return Err(RejectReason::VehicleInactive),
            Some(Some(car)) => car.owner,
        };
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
        market::{PeakWindow, SourceFactors, BPS, MAX_PEAK_WINDOWS, MAX_READINGS_PER_CALL},
        EnergySource,
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
        assert_eq!(market.add_debt(account(5), 10), 10);
        assert_eq!(market.add_debt(account(5), 5), 15);
        market.propose_admin(account(1), account(3)).unwrap();
        assert_eq!(
            market.accept_admin(account(4)),
            Err(MarketError::NotPendingAdmin)
        );
        assert_eq!(market.accept_admin(account(3)), Ok(account(1)));
        assert_eq!(market.admin(), account(3));
    }
}
