//! The rules' unit tests (`#[ink::test]` only because `Mapping` needs ink!'s off-chain
//! storage engine), the review's attacks on the readings among them.
use super::*;
use interfaces::{
    market::{
        DefaultRatings, EnergyAccount, PeakWindow, SourceFactors, MAX_PEAK_WINDOWS,
        MAX_READINGS_PER_CALL,
    },
    reading::VehicleSession,
    DeviceKind, DeviceStatus, EnergyProfile, EnergySource,
};

const HOUR_MS: u64 = 3_600_000;
const MIDNIGHT: TimestampMs = 20_000 * 24 * HOUR_MS;
const NOON: TimestampMs = MIDNIGHT + 12 * HOUR_MS;
const KEY: DeviceKey = [2; 33];

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
        max_interval_ms: 2 * 24 * HOUR_MS,
        default_ratings: DefaultRatings {
            meter_w: 10_000,
            charger_w: 11_000,
        },
    }
}

fn device(kind: DeviceKind, owner: u8) -> DeviceInfo {
    let energy = match kind {
        DeviceKind::Meter => Some(EnergyProfile {
            source: EnergySource::Solar,
            rated_w: 0,
        }),
        DeviceKind::EvCharger => Some(EnergyProfile {
            source: EnergySource::Vehicle,
            rated_w: 0,
        }),
        _ => None,
    };
    DeviceInfo {
        device_id: [owner; 32],
        owner: account(owner),
        owner_id: [owner; 32],
        kind,
        key: KEY,
        metadata_hash: [0; 32],
        status: DeviceStatus::Commissioned,
        active: true,
        energy,
        owner_since_ms: 0,
    }
}

/// Registers `(import, export)` in Wh read at `at`.
fn reading(seq: u64, at: TimestampMs, import: u64, export: u64) -> MeterReading {
    MeterReading {
        device: [7; 32],
        seq,
        at_ms: at,
        import_wh_total: import,
        export_wh_total: export,
        vehicle: None,
    }
}

fn state(owner: u8, seq: u64, at: TimestampMs, import: u64, export: u64) -> MeterState {
    MeterState::after(&reading(seq, at, import, export), account(owner))
}

fn market() -> Market {
    Market::new(account(1), config()).unwrap()
}

/// The verdict on `r` from a meter of account 7 whose signatures recover.
fn judge(
    market: &Market,
    r: &MeterReading,
    last: Option<&MeterState>,
) -> Result<Verdict, RejectReason> {
    let meter = device(DeviceKind::Meter, 7);
    market.evaluate(
        r,
        Some(&meter),
        None,
        last,
        NOON + 48 * HOUR_MS,
        || Some(KEY),
        || None,
    )
}

/// The one share of a measured verdict.
fn share(verdict: Result<Verdict, RejectReason>) -> Share {
    match verdict {
        Ok(Verdict::Measured {
            share,
            before_transfer: None,
            ..
        }) => share,
        other => panic!("not one share: {other:?}"),
    }
}

#[test]
fn credits_follow_source_factor_and_the_time_inside_peak_windows() {
    let config = config();
    let at = |h: u64| MIDNIGHT + h * HOUR_MS;
    // 5 kWh solar from 08:00 to 09:00: 5 x 2 credits
    assert_eq!(
        config.credits(5_000, EnergySource::Solar, at(8), at(9)),
        10_000_000
    );
    // the same from 12:00 to 13:00: x1.5
    assert_eq!(
        config.credits(5_000, EnergySource::Solar, at(12), at(13)),
        15_000_000
    );
    // window end is exclusive
    assert_eq!(
        config.credits(1_000, EnergySource::Wind, at(14), at(15)),
        1_800_000
    );
    // 10:00 to 12:00: half of it in the window, x1.25 overall
    assert_eq!(
        config.credits(2_000, EnergySource::Solar, at(10), at(12)),
        5_000_000
    );
    // two days from 00:00: 6 of 48 hours at x1.5
    assert_eq!(
        config.credits(48_000, EnergySource::Hydro, at(0), at(48)),
        48_000_000 + 3_000_000
    );
    // longer than max_interval_ms: off peak throughout
    assert_eq!(
        config.credits(49_000, EnergySource::Hydro, at(0), at(49)),
        49_000_000
    );
    assert_eq!(config.credits(1_000, EnergySource::Solar, at(1), at(1)), 0);
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
    bad.peak_windows.push(PeakWindow {
        start_minute: 800,
        end_minute: 900,
        multiplier_bps: 12_000,
    });
    assert_eq!(bad.validate(), Err(MarketError::InvalidPeakWindow));
    let mut bad = config();
    bad.peak_windows = ink::prelude::vec![config().peak_windows[0]; MAX_PEAK_WINDOWS as usize + 1];
    assert_eq!(bad.validate(), Err(MarketError::TooManyPeakWindows));
    let mut bad = config();
    bad.max_interval_ms = 0;
    assert_eq!(bad.validate(), Err(MarketError::InvalidInterval));
    bad.max_interval_ms = interfaces::market::MAX_INTERVAL_LIMIT_MS + 1;
    assert_eq!(bad.validate(), Err(MarketError::InvalidInterval));
    let mut bad = config();
    bad.default_ratings.charger_w = 0;
    assert_eq!(bad.validate(), Err(MarketError::InvalidRating));
}

#[ink::test]
fn each_refusal_has_its_reason() {
    let market = market();
    let meter = device(DeviceKind::Meter, 7);
    let last = state(7, 5, NOON, 100, 100);
    let good = reading(6, NOON + HOUR_MS, 200, 1_100);
    let now = NOON + 2 * HOUR_MS;
    let evaluate = |r: &MeterReading, d: Option<&DeviceInfo>, last: Option<&MeterState>| {
        market.evaluate(r, d, None, last, now, || Some(KEY), || None)
    };
    let refused = |r: &MeterReading, d: &DeviceInfo| evaluate(r, Some(d), Some(&last)).err();
    assert_eq!(
        evaluate(&good, None, Some(&last)).err(),
        Some(RejectReason::UnknownDevice)
    );
    assert_eq!(
        refused(&good, &device(DeviceKind::Vehicle, 7)),
        Some(RejectReason::WrongKind)
    );
    let mut pending = meter.clone();
    (pending.status, pending.active) = (DeviceStatus::Pending, false);
    assert_eq!(
        refused(&good, &pending),
        Some(RejectReason::NotCommissioned)
    );
    let mut revoked = meter.clone();
    (revoked.status, revoked.active) = (DeviceStatus::Revoked, false);
    assert_eq!(refused(&good, &revoked), Some(RejectReason::DeviceRevoked));
    let mut orphan = meter.clone();
    orphan.active = false;
    assert_eq!(refused(&good, &orphan), Some(RejectReason::OwnerInactive));
    let mut unprofiled = meter.clone();
    unprofiled.energy = None;
    assert_eq!(
        refused(&good, &unprofiled),
        Some(RejectReason::NoEnergyProfile)
    );
    let future = reading(6, now + 1, 200, 1_100);
    assert_eq!(refused(&future, &meter), Some(RejectReason::InFuture));
    assert_eq!(
        refused(&reading(5, NOON + HOUR_MS, 200, 1_100), &meter),
        Some(RejectReason::Replayed)
    );
    assert_eq!(
        refused(&reading(4, NOON + HOUR_MS, 200, 1_100), &meter),
        Some(RejectReason::StaleSeq)
    );
    assert_eq!(
        refused(&reading(6, NOON, 200, 1_100), &meter),
        Some(RejectReason::NotAfterLast)
    );
    assert_eq!(
        refused(&reading(6, NOON + HOUR_MS, 99, 1_100), &meter),
        Some(RejectReason::RegisterDecreased)
    );
    assert_eq!(
        refused(&reading(6, NOON + HOUR_MS, 200, 99), &meter),
        Some(RejectReason::RegisterDecreased)
    );
    assert_eq!(
        market
            .evaluate(
                &good,
                Some(&meter),
                None,
                Some(&last),
                now,
                || Some([3; 33]),
                || None
            )
            .err(),
        Some(RejectReason::BadSignature)
    );
    assert_eq!(
        market
            .evaluate(&good, Some(&meter), None, None, now, || None, || None)
            .err(),
        Some(RejectReason::BadSignature)
    );
    // the first reading is the baseline; the next is measured from it
    assert_eq!(
        evaluate(&good, Some(&meter), None),
        Ok(Verdict::Baseline(state(7, 6, NOON + HOUR_MS, 200, 1_100)))
    );
    let measured = share(evaluate(&good, Some(&meter), Some(&last)));
    assert_eq!(
        (
            measured.beneficiary,
            measured.export_wh,
            measured.import_wh,
            measured.credits
        ),
        (account(7), 1_000, 100, 3_000_000)
    );
}

// review I-3: a difference the installation cannot deliver is refused by name
#[ink::test]
fn an_implausible_difference_is_refused() {
    let market = market();
    let last = state(7, 1, NOON, 0, 0);
    // the default 10 kW meter delivers at most 2,500 Wh in 15 minutes, either way
    let quarter = NOON + 15 * 60_000;
    assert!(judge(&market, &reading(2, quarter, 0, 2_500), Some(&last)).is_ok());
    assert_eq!(
        judge(&market, &reading(2, quarter, 0, 2_501), Some(&last)).err(),
        Some(RejectReason::Implausible)
    );
    assert_eq!(
        judge(&market, &reading(2, quarter, 2_501, 0), Some(&last)).err(),
        Some(RejectReason::Implausible)
    );
    // a rating fixed at commissioning overrides the default
    let mut small = device(DeviceKind::Meter, 7);
    small.energy = Some(EnergyProfile {
        source: EnergySource::Solar,
        rated_w: 4_000,
    });
    assert_eq!(
        market
            .evaluate(
                &reading(2, quarter, 0, 1_001),
                Some(&small),
                None,
                Some(&last),
                quarter,
                || Some(KEY),
                || None
            )
            .err(),
        Some(RejectReason::Implausible)
    );
}

// review H-2: withholding an import-heavy reading does not avoid its bill, and
// front-running a batch with its last reading loses nothing
#[ink::test]
fn a_withheld_or_reordered_reading_loses_no_energy() {
    let market = market();
    let base = state(7, 1, NOON, 1_000, 1_000);
    let r2 = reading(2, NOON + HOUR_MS, 1_000, 2_000); // +1 kWh export
    let r3 = reading(3, NOON + 2 * HOUR_MS, 9_000, 2_000); // +8 kWh import, withheld
    let r4 = reading(4, NOON + 3 * HOUR_MS, 9_000, 3_000); // +1 kWh export
    let after_r2 = state(7, 2, NOON + HOUR_MS, 1_000, 2_000);
    // r3 never reaches the chain: r4 carries its import
    let r4_share = share(judge(&market, &r4, Some(&after_r2)));
    assert_eq!((r4_share.import_wh, r4_share.export_wh), (8_000, 1_000));
    // r4 submitted first: r2 and r3 are stale, yet the difference holds all of them
    let first = share(judge(&market, &r4, Some(&base)));
    assert_eq!((first.import_wh, first.export_wh), (8_000, 2_000));
    let after_r4 = state(7, 4, NOON + 3 * HOUR_MS, 9_000, 3_000);
    assert_eq!(
        judge(&market, &r2, Some(&after_r4)).err(),
        Some(RejectReason::StaleSeq)
    );
    assert_eq!(
        judge(&market, &r3, Some(&after_r4)).err(),
        Some(RejectReason::StaleSeq)
    );
}

// review L-2: overlapping intervals cannot be credited twice, and a long interval gets
// the multiplier only for its part inside the peak window
#[ink::test]
fn intervals_never_overlap_and_peaks_count_pro_rata() {
    let market = market();
    let last = state(7, 1, NOON - HOUR_MS, 0, 0);
    let r2 = reading(2, NOON + HOUR_MS, 0, 2_000);
    let once = share(judge(&market, &r2, Some(&last)));
    // 11:00 to 13:00 is all peak: 2 kWh x 2 x 1.5
    assert_eq!(once.credits, 6_000_000);
    let after = state(7, 2, NOON + HOUR_MS, 0, 2_000);
    // a later reading with the same registers earns nothing; an earlier one is refused
    assert_eq!(
        share(judge(
            &market,
            &reading(3, NOON + 2 * HOUR_MS, 0, 2_000),
            Some(&after)
        ))
        .credits,
        0
    );
    assert_eq!(
        judge(&market, &reading(3, NOON, 0, 2_500), Some(&after)).err(),
        Some(RejectReason::NotAfterLast)
    );
    // 24 hours from 12:00: only 3 of them in the window (12:00 to 14:00, then 11:00 to
    // 12:00 the next day), not all 24 as when the start minute decided
    let day = state(7, 1, NOON, 0, 0);
    let long = share(judge(
        &market,
        &reading(2, NOON + 24 * HOUR_MS, 0, 24_000),
        Some(&day),
    ));
    assert_eq!(long.credits, 48_000_000 + 3_000_000);
}

// review I-4: a reading names no source; the device's profile decides
#[ink::test]
fn the_source_is_the_devices_not_the_readings() {
    let market = market();
    let mut wind = device(DeviceKind::Meter, 7);
    wind.energy = Some(EnergyProfile {
        source: EnergySource::Wind,
        rated_w: 0,
    });
    let last = state(7, 1, MIDNIGHT, 0, 0);
    let r = reading(2, MIDNIGHT + HOUR_MS, 0, 1_000);
    let verdict = market.evaluate(
        &r,
        Some(&wind),
        None,
        Some(&last),
        NOON,
        || Some(KEY),
        || None,
    );
    let got = share(verdict);
    assert_eq!((got.source, got.credits), (EnergySource::Wind, 1_800_000));
}

// review L-3: energy measured before a transfer stays with the seller
#[ink::test]
fn a_transferred_meters_earlier_energy_stays_with_the_seller() {
    let market = market();
    let mut sold = device(DeviceKind::Meter, 8);
    sold.owner_since_ms = MIDNIGHT + HOUR_MS;
    let last = state(7, 1, MIDNIGHT, 0, 0);
    let verdict = |r: &MeterReading| {
        market.evaluate(
            r,
            Some(&sold),
            None,
            Some(&last),
            NOON,
            || Some(KEY),
            || None,
        )
    };
    // read 3 hours after the last reading, 1 hour of it before the transfer
    match verdict(&reading(2, MIDNIGHT + 3 * HOUR_MS, 300, 3_000)) {
        Ok(Verdict::Measured {
            next,
            share,
            before_transfer: Some(before),
        }) => {
            assert_eq!(
                (before.beneficiary, before.export_wh, before.import_wh),
                (account(7), 1_000, 100)
            );
            assert_eq!(
                (before.from_ms, before.to_ms),
                (MIDNIGHT, MIDNIGHT + HOUR_MS)
            );
            assert_eq!(
                (share.beneficiary, share.export_wh, share.import_wh),
                (account(8), 2_000, 200)
            );
            assert_eq!(next.owner, account(8));
        }
        other => panic!("not split: {other:?}"),
    }
    // a reading taken before the transfer, submitted after it, is all the seller's
    let early = share(verdict(&reading(2, MIDNIGHT + HOUR_MS / 2, 0, 500)));
    assert_eq!((early.beneficiary, early.export_wh), (account(7), 500));
    // an owner's account move (no transfer since the last reading) changes nothing
    let mut moved = device(DeviceKind::Meter, 9);
    moved.owner_since_ms = 0;
    let r = reading(2, MIDNIGHT + HOUR_MS, 0, 100);
    let mine = share(market.evaluate(
        &r,
        Some(&moved),
        None,
        Some(&last),
        NOON,
        || Some(KEY),
        || None,
    ));
    assert_eq!(mine.beneficiary, account(9));
}

// review M-5 (V2G): a charger bills and credits its own owner unless the vehicle co-signs
#[ink::test]
fn a_charger_without_the_vehicles_co_signature_bills_its_own_owner() {
    let market = market();
    let charger = device(DeviceKind::EvCharger, 7);
    let car = device(DeviceKind::Vehicle, 8);
    let plugged_in = NOON - 4 * HOUR_MS;
    let last = state(7, 1, plugged_in, 0, 0);
    let mut v2g = reading(2, NOON - 3 * HOUR_MS, 3_000, 2_000);
    let session = VehicleSession {
        vehicle: [8; 32],
        plugged_in_ms: plugged_in,
        signature: [1; 65],
    };
    let judge_v2g = |r: &MeterReading, car: Option<&DeviceInfo>, car_key: Option<DeviceKey>| {
        market.evaluate(
            r,
            Some(&charger),
            car,
            Some(&last),
            NOON,
            || Some(KEY),
            || car_key,
        )
    };
    // no session: the charger's owner
    let own = share(judge_v2g(&v2g, None, None));
    assert_eq!(
        (own.beneficiary, own.import_wh, own.credits),
        (account(7), 3_000, 3_000_000)
    );
    v2g.vehicle = Some(Box::new(session.clone()));
    // a co-signed session: the vehicle's owner, credited and billed
    let theirs = share(judge_v2g(&v2g, Some(&car), Some(KEY)));
    assert_eq!(
        (theirs.beneficiary, theirs.import_wh, theirs.source),
        (account(8), 3_000, EnergySource::Vehicle)
    );
    assert_eq!(
        judge_v2g(&v2g, Some(&car), Some([9; 33])).err(),
        Some(RejectReason::BadVehicleSignature)
    );
    assert_eq!(
        judge_v2g(&v2g, Some(&car), None).err(),
        Some(RejectReason::BadVehicleSignature)
    );
    assert_eq!(
        judge_v2g(&v2g, None, None).err(),
        Some(RejectReason::UnknownVehicle)
    );
    assert_eq!(
        judge_v2g(&v2g, Some(&device(DeviceKind::Meter, 8)), Some(KEY)).err(),
        Some(RejectReason::NotAVehicle)
    );
    let mut parked = car.clone();
    parked.active = false;
    assert_eq!(
        judge_v2g(&v2g, Some(&parked), Some(KEY)).err(),
        Some(RejectReason::VehicleInactive)
    );
    let mut late = v2g.clone();
    late.vehicle = Some(Box::new(VehicleSession {
        plugged_in_ms: plugged_in + 1,
        ..session
    }));
    assert_eq!(
        judge_v2g(&late, Some(&car), Some(KEY)).err(),
        Some(RejectReason::PlugInMismatch)
    );
    // only a charger carries a session, and not on its baseline
    assert_eq!(
        judge(&market, &v2g, Some(&last)).err(),
        Some(RejectReason::VehicleNotAtCharger)
    );
    assert_eq!(
        market
            .evaluate(
                &v2g,
                Some(&charger),
                Some(&car),
                None,
                NOON,
                || Some(KEY),
                || Some(KEY)
            )
            .err(),
        Some(RejectReason::PlugInMismatch)
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
    assert_eq!(
        market.set_paused(account(1), true),
        Ok(MarketPauseChanged { paused: true })
    );
    assert_eq!(
        market.set_paused(account(1), true),
        Err(MarketError::PauseUnchanged)
    );
    assert_eq!(market.ensure_batch(1), Err(MarketError::Paused));
    assert_eq!(
        market.create_offer(account(7), 1, 1, NOON + 1, NOON),
        Err(MarketError::Paused)
    );
    assert_eq!(market.buy(account(8), 0, 1, NOON), Err(MarketError::Paused));
    let mut cheaper = config();
    cheaper.tariff_per_kwh = 1;
    assert_eq!(
        market.set_config(account(2), cheaper.clone()),
        Err(MarketError::NotAdmin)
    );
    let changed = market.set_config(account(1), cheaper).unwrap();
    assert_eq!(
        (changed.tariff_per_kwh, changed.utility),
        (1, config().utility)
    );
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

mod accounts;
mod batch;
