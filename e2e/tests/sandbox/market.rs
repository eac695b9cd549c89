//! The committed registry, credit token and energy market deployed and wired on the
//! sandbox chain: signed readings verified on chain, credits and bills accrued and minted
//! by claims, every rejection by its reason while the rest of the batch is accepted, V2G,
//! pay-as-you-go billing netted against the credits.

use crate::common::{wasm, Base};
use interfaces::{
    market::{
        DefaultRatings, MarketConfig, MarketError, OfferState, PeakWindow, ReadingOutcome,
        RejectReason, SourceFactors, MAX_READINGS_PER_CALL, MAX_SETTLE_PAGE,
    },
    reading::{MeterReading, SignedReading},
    token::PSP22Error,
    token::{TokenError, TokenRole},
    AccountId, Deployment, DeviceKind, EnergyProfile, EnergySource,
};
use smartcity_sandbox::SandboxChain;
use smartcity_sdk::{
    device_id,
    keys::DeviceSigner,
    market::{market_events, MarketEvent},
    meter::MeterSimulator,
    named_account, Chain, ClientError, MarketClient, RegistryClient, TokenClient,
};

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: u64 = 60 * MINUTE_MS;

fn config(utility: AccountId) -> MarketConfig {
    MarketConfig {
        factors: SourceFactors {
            solar: 2_000_000,
            wind: 1_800_000,
            hydro: 1_000_000,
            vehicle: 1_500_000,
            other: 500_000,
        },
        // 11:00 to 14:00 UTC pays 1.5x
        peak_windows: vec![PeakWindow {
            start_minute: 11 * 60,
            end_minute: 14 * 60,
            multiplier_bps: 15_000,
        }],
        tariff_per_kwh: 3_000_000,
        utility,
        fee_bps: 250,
        fee_account: named_account("city-treasury"),
        max_batch: 32,
        max_interval_ms: 24 * HOUR_MS,
        default_ratings: DefaultRatings {
            meter_w: 25_000,
            charger_w: 22_000,
        },
    }
}

/// What the operator commissions a meter or a charger with.
fn profile(source: EnergySource) -> Option<EnergyProfile> {
    Some(EnergyProfile { source, rated_w: 0 })
}

/// Registry, gated token and market, wired; Asha (solar meter, EV charger), Ben (wind
/// meter, a car) and their simulated devices, all commissioned; the meters' and the
/// charger's baselines read an hour before the chain's start (05:00 UTC), all registers 0.
struct Grid {
    chain: SandboxChain,
    registry: RegistryClient,
    token: TokenClient,
    market: MarketClient,
    admin: AccountId,
    issuer: AccountId,
    operator: AccountId,
    utility: AccountId,
    relay: AccountId,
    asha: AccountId,
    ben: AccountId,
    asha_meter: MeterSimulator,
    ben_meter: MeterSimulator,
    asha_charger: MeterSimulator,
    ben_car: [u8; 32],
}

impl Grid {
    fn new() -> Self {
        let utility = named_account("utility");
        let (asha, ben) = (named_account("asha"), named_account("ben"));
        let Base {
            mut chain,
            admin,
            issuer,
            operator,
            registry,
            token,
        } = Base::new(&[("asha", asha), ("ben", ben)]);
        let market = MarketClient::deploy(
            &mut chain,
            admin,
            &wasm("energy_market"),
            registry.address(),
            token.address(),
            config(utility),
            vec![],
        )
        .unwrap()
        .value;
        token
            .grant_role(&mut chain, admin, TokenRole::Minter, market.address())
            .unwrap();
        token
            .set_allow_listed(&mut chain, admin, utility, true)
            .unwrap();

        // the market on its chain, as it says: what the meters sign for (I-1)
        let at = market.deployment(&mut chain).unwrap();
        let mut grid = Grid {
            asha_meter: MeterSimulator::new(
                device_id("asha/meter"),
                DeviceSigner::from_seed("asha/meter"),
                at,
                EnergySource::Solar,
            ),
            ben_meter: MeterSimulator::new(
                device_id("ben/meter"),
                DeviceSigner::from_seed("ben/meter"),
                at,
                EnergySource::Wind,
            ),
            asha_charger: MeterSimulator::new(
                device_id("asha/charger"),
                DeviceSigner::from_seed("asha/charger"),
                at,
                EnergySource::Vehicle,
            ),
            ben_car: device_id("ben/car"),
            chain,
            registry,
            token,
            market,
            admin,
            issuer,
            operator,
            utility,
            relay: named_account("relay"),
            asha,
            ben,
        };
        for meter in [
            (asha, grid.asha_meter.clone()),
            (ben, grid.ben_meter.clone()),
            (asha, grid.asha_charger.clone()),
        ] {
            let (owner, meter) = meter;
            let energy = Some(meter.profile());
            grid.register(
                owner,
                meter.device,
                meter.kind(),
                meter.public_key(),
                energy,
            );
        }
        let car_key = DeviceSigner::from_seed("ben/car").public_key();
        grid.register(ben, grid.ben_car, DeviceKind::Vehicle, car_key, None);
        let at = grid.chain.now_ms() - HOUR_MS;
        let baselines = vec![
            grid.asha_meter.read(at, 0, 0),
            grid.ben_meter.read(at, 0, 0),
            grid.asha_charger.read(at, 0, 0),
        ];
        assert_eq!(grid.submit(baselines), vec![ReadingOutcome::Baseline; 3]);
        grid
    }

    /// Registers a device and has the operator commission it (with `energy`, its profile);
    /// see [`Grid::register_pending`].
    fn register(
        &mut self,
        owner: AccountId,
        id: [u8; 32],
        kind: DeviceKind,
        key: [u8; 33],
        energy: Option<EnergyProfile>,
    ) {
        self.register_pending(owner, id, kind, key);
        self.registry
            .commission_device(&mut self.chain, self.operator, id, energy)
            .unwrap();
    }

    /// Registers a device the operator has not commissioned.
    fn register_pending(
        &mut self,
        owner: AccountId,
        id: [u8; 32],
        kind: DeviceKind,
        key: [u8; 33],
    ) {
        self.registry
            .register_device(&mut self.chain, owner, id, kind, key, [0; 32])
            .unwrap();
    }

    /// The last quarter hour before now.
    fn last_quarter(&mut self) -> (u64, u64) {
        let now = self.chain.now_ms();
        (now - 15 * MINUTE_MS, now)
    }

    fn submit(&mut self, batch: Vec<SignedReading>) -> Vec<ReadingOutcome> {
        let relay = self.relay;
        self.market
            .submit_readings(&mut self.chain, relay, batch)
            .unwrap()
            .value
    }

    fn balance(&mut self, account: AccountId) -> u128 {
        self.token.balance_of(&mut self.chain, account).unwrap()
    }

    /// What `account` accrued and has not claimed: (credits, bill) in micro-credits.
    fn accrued(&mut self, account: AccountId) -> (u128, u128) {
        let books = self
            .market
            .energy_account(&mut self.chain, account)
            .unwrap();
        (books.credits(), books.bill)
    }

    /// The relay settles `accounts`; returns their token balances after.
    fn settle(&mut self, accounts: &[AccountId]) -> Vec<u128> {
        let relay = self.relay;
        self.market
            .settle(&mut self.chain, relay, accounts.to_vec())
            .unwrap();
        accounts.iter().map(|&a| self.balance(a)).collect()
    }
}

fn accepted(beneficiary: AccountId, credits: u128, billable_wh: u64) -> ReadingOutcome {
    ReadingOutcome::Accepted {
        beneficiary,
        credits,
        billable_wh,
    }
}

#[test]
fn register_differences_accrue_credits_by_source_and_peak_window_and_claims_mint_them() {
    let mut grid = Grid::new();
    let (asha, ben) = (grid.asha, grid.ben);
    // the chain starts at 06:00 UTC: off-peak since the 05:00 baselines
    let now = grid.chain.now_ms();
    let batch = vec![
        grid.asha_meter.read(now, 0, 5_000),
        grid.ben_meter.read(now, 0, 2_000),
    ];
    let receipt = grid
        .market
        .submit_readings(&mut grid.chain, grid.relay, batch)
        .unwrap();
    assert_eq!(
        receipt.value,
        vec![accepted(asha, 10_000_000, 0), accepted(ben, 3_600_000, 0)]
    );
    println!(
        "submit_readings (2 readings, 2 owners): ref_time {}, proof_size {}",
        receipt.weight.ref_time, receipt.weight.proof_size
    );
    let events = market_events(grid.market.address(), &receipt.events);
    assert!(matches!(&events[..], [MarketEvent::ReadingsProcessed(e)]
        if e.accepted == 2 && e.credits == 13_600_000 && e.outcomes == receipt.value));
    // accrued, not minted: the batch called no token
    assert_eq!(
        (grid.accrued(asha), grid.balance(asha)),
        ((10_000_000, 0), 0)
    );
    assert_eq!(grid.settle(&[asha, ben]), vec![10_000_000, 3_600_000]);
    assert_eq!(grid.accrued(asha), (0, 0));
    assert_eq!(grid.market.ledger_wh(&mut grid.chain, asha).unwrap(), 5_000);
    let state = grid
        .market
        .meter(&mut grid.chain, grid.asha_meter.device)
        .unwrap()
        .unwrap();
    assert_eq!(
        (state.seq, state.at_ms, state.export_wh_total, state.owner),
        (2, now, 5_000, asha)
    );

    // at 12:15: nothing from 06:00 to 11:00, then 1 kWh in each of two peak intervals earns
    // 1.5x; several readings of one meter mint once
    grid.chain.advance_time_ms(6 * HOUR_MS + 15 * MINUTE_MS);
    let batch = vec![
        grid.asha_meter.read(now + 5 * HOUR_MS, 0, 0),
        grid.asha_meter.read(now + 6 * HOUR_MS, 0, 1_000),
        grid.asha_meter
            .read(now + 6 * HOUR_MS + 15 * MINUTE_MS, 0, 1_000),
    ];
    assert_eq!(
        grid.submit(batch),
        vec![
            accepted(asha, 0, 0),
            accepted(asha, 3_000_000, 0),
            accepted(asha, 3_000_000, 0)
        ]
    );
    let claimed = grid.market.claim(&mut grid.chain, asha).unwrap();
    assert_eq!(claimed.value, 6_000_000);
    assert!(market_events(grid.market.address(), &claimed.events)
        .iter()
        .any(|e| matches!(e, MarketEvent::Claimed(c) if c.account == asha && c.minted == 6_000_000 && c.bill == 0)));
    assert_eq!(
        grid.market.claim(&mut grid.chain, asha).unwrap_err(),
        ClientError::Contract(MarketError::NothingToClaim)
    );
    assert_eq!(grid.balance(asha), 16_000_000);
    let receipt = grid.token.receipt(&mut grid.chain, 2).unwrap().unwrap();
    assert_eq!(
        (receipt.owner, receipt.amount, receipt.earning.energy_wh),
        (asha, 6_000_000, 2_000)
    );
    assert_eq!(
        (
            receipt.earning.source,
            receipt.earning.period_end_ms - receipt.earning.period_start_ms
        ),
        (EnergySource::Solar, 75 * MINUTE_MS)
    );
}

/// What a relay checks a batch with before paying for it: the outcomes and the weight,
/// and nothing kept (the sandbox runs it in a storage transaction it rolls back).
#[test]
fn a_dry_run_of_a_batch_answers_as_the_call_would_and_keeps_nothing() {
    let mut grid = Grid::new();
    let asha = grid.asha;
    let now = grid.chain.now_ms();
    let batch = vec![grid.asha_meter.read(now, 0, 5_000)];
    let before = grid
        .market
        .meter(&mut grid.chain, grid.asha_meter.device)
        .unwrap();
    let dry = grid
        .market
        .dry_run_readings(&mut grid.chain, grid.relay, batch.clone())
        .unwrap();
    assert_eq!(dry.value, vec![accepted(asha, 10_000_000, 0)]);
    assert!(dry.weight.ref_time > 0);
    assert_eq!(
        grid.market
            .meter(&mut grid.chain, grid.asha_meter.device)
            .unwrap(),
        before
    );
    assert_eq!(grid.accrued(asha), (0, 0));
    // the same batch, sent: taken as the dry run said, once
    let sent = grid.submit(batch.clone());
    assert_eq!(sent, dry.value);
    assert_eq!(grid.accrued(asha), (10_000_000, 0));
    assert_eq!(
        grid.submit(batch),
        vec![ReadingOutcome::Rejected(RejectReason::Replayed)]
    );
}

#[test]
fn each_bad_reading_is_rejected_with_its_reason_and_the_rest_accepted() {
    let mut grid = Grid::new();
    let (asha, ben) = (grid.asha, grid.ben);
    let now = grid.chain.now_ms();
    let first = grid.asha_meter.read(now - 30 * MINUTE_MS, 0, 1_000);
    assert_eq!(
        grid.submit(vec![first.clone()]),
        vec![accepted(asha, 2_000_000, 0)]
    );

    // devices the registry knows in every wrong state
    let pending = MeterSimulator::new(
        device_id("ben/new-meter"),
        DeviceSigner::from_seed("p"),
        grid.asha_meter.market,
        EnergySource::Solar,
    );
    grid.register_pending(ben, pending.device, DeviceKind::Meter, pending.public_key());
    let revoked = MeterSimulator::new(
        device_id("ben/old-meter"),
        DeviceSigner::from_seed("r"),
        grid.asha_meter.market,
        EnergySource::Solar,
    );
    grid.register(
        ben,
        revoked.device,
        DeviceKind::Meter,
        revoked.public_key(),
        profile(EnergySource::Solar),
    );
    grid.registry
        .revoke_device(&mut grid.chain, ben, revoked.device)
        .unwrap();
    let car_as_meter = MeterSimulator::new(
        grid.ben_car,
        DeviceSigner::from_seed("ben/car"),
        grid.asha_meter.market,
        EnergySource::Solar,
    );
    let unknown = MeterSimulator::new(
        device_id("nobody"),
        DeviceSigner::from_seed("n"),
        grid.asha_meter.market,
        EnergySource::Solar,
    );
    let other_market = MeterSimulator::new(
        grid.asha_meter.device,
        DeviceSigner::from_seed("asha/meter"),
        Deployment {
            contract: named_account("another-market"),
            ..grid.asha_meter.market
        },
        EnergySource::Solar,
    );
    // I-1: the same market address on another chain (a test network, a fork)
    let other_chain = MeterSimulator::new(
        grid.asha_meter.device,
        DeviceSigner::from_seed("asha/meter"),
        Deployment {
            chain: smartcity_sdk::blake2_256(b"another chain"),
            ..grid.asha_meter.market
        },
        EnergySource::Solar,
    );
    let impostor = MeterSimulator::new(
        grid.asha_meter.device,
        DeviceSigner::from_seed("ben/meter"),
        grid.asha_meter.market,
        EnergySource::Solar,
    );

    // asha's registers stand at 1,000 Wh exported since 05:30
    let reading = |seq, at_ms, export_wh_total| MeterReading {
        device: grid.asha_meter.device,
        seq,
        at_ms,
        import_wh_total: 0,
        export_wh_total,
        vehicle: None,
    };
    let mut forged = grid.asha_meter.sign(reading(10, now, 9_999));
    forged.signature[5] ^= 0xff;
    let elsewhere = |sim: &MeterSimulator| {
        sim.sign(MeterReading {
            device: sim.device,
            ..reading(1, now, 1)
        })
    };
    // the recovery id written Ethereum's way (27 + v) is taken; one past 30 is not
    let mut ben_ethereum_v = grid.ben_meter.read(now, 0, 500);
    ben_ethereum_v.signature[64] += 27;
    let mut bad_v = grid.asha_meter.sign(reading(11, now, 9_999));
    bad_v.signature[64] = 31;
    let batch = vec![
        first.clone(),                                     // replayed
        ben_ethereum_v,                                    // fine
        forged,                                            // forged signature
        bad_v,                                             // no such recovery id
        impostor.sign(reading(12, now, 9_999)),            // another device's key
        other_market.sign(reading(13, now, 9_999)),        // signed for another market
        other_chain.sign(reading(13, now, 9_999)),         // signed for it on another chain
        elsewhere(&unknown),                               // unknown device
        elsewhere(&pending),                               // not commissioned
        elsewhere(&revoked),                               // revoked
        elsewhere(&car_as_meter),                          // not a meter
        grid.asha_meter.sign(reading(14, now + 1, 2_000)), // read in the future
        grid.asha_meter
            .sign(reading(15, now - 40 * MINUTE_MS, 2_000)), // before the last
        grid.asha_meter.sign(reading(16, now, 999)),       // a register went down
        grid.asha_meter.sign(reading(17, now, 99_000)),    // 98 kWh in 30 minutes
        grid.asha_meter.sign(reading(20, now, 1_500)),     // fine: seq may jump
        grid.asha_meter.sign(reading(18, now, 1_500)),     // stale: below 20 accepted just before
    ];
    let outcomes = grid.submit(batch);
    assert_eq!(
        outcomes,
        vec![
            ReadingOutcome::Rejected(RejectReason::Replayed),
            accepted(ben, 900_000, 0),
            ReadingOutcome::Rejected(RejectReason::BadSignature),
            ReadingOutcome::Rejected(RejectReason::BadSignature),
            ReadingOutcome::Rejected(RejectReason::BadSignature),
            ReadingOutcome::Rejected(RejectReason::BadSignature),
            ReadingOutcome::Rejected(RejectReason::BadSignature),
            ReadingOutcome::Rejected(RejectReason::UnknownDevice),
            ReadingOutcome::Rejected(RejectReason::NotCommissioned),
            ReadingOutcome::Rejected(RejectReason::DeviceRevoked),
            ReadingOutcome::Rejected(RejectReason::WrongKind),
            ReadingOutcome::Rejected(RejectReason::InFuture),
            ReadingOutcome::Rejected(RejectReason::NotAfterLast),
            ReadingOutcome::Rejected(RejectReason::RegisterDecreased),
            ReadingOutcome::Rejected(RejectReason::Implausible),
            accepted(asha, 1_000_000, 0),
            ReadingOutcome::Rejected(RejectReason::StaleSeq),
        ]
    );
    assert_eq!(grid.settle(&[asha, ben]), vec![3_000_000, 900_000]);
    let state = grid.market.meter(&mut grid.chain, grid.asha_meter.device);
    assert_eq!(state.unwrap().map(|s| s.seq), Some(20));
}

// review H-2 end to end: a household that withholds its import-heavy reading is billed by
// the next one, and a front-runner who submits a relay batch's last reading first voids
// nothing
#[test]
fn a_withheld_import_is_billed_by_the_next_reading_and_front_running_loses_nothing() {
    /// Ben's accrued credits and bill.
    fn books(grid: &mut Grid) -> (u128, u128) {
        let ben = grid.ben;
        grid.accrued(ben)
    }
    let signed = |grid: &mut Grid| {
        let now = grid.chain.now_ms();
        // Ben's wind meter signs: +1 kWh exported, +5 kWh imported, +1 kWh exported
        [
            grid.ben_meter.read(now - 40 * MINUTE_MS, 0, 1_000),
            grid.ben_meter.read(now - 20 * MINUTE_MS, 5_000, 0),
            grid.ben_meter.read(now, 0, 1_000),
        ]
    };
    let mut grid = Grid::new();
    let ben = grid.ben;
    let [r1, r2, r3] = signed(&mut grid);
    // his gateway drops r2; r3 carries its import: the 2 kWh of his ledger cover 2 of the
    // 5 imported, 3 kWh are billed
    assert_eq!(grid.submit(vec![r1]), vec![accepted(ben, 1_800_000, 0)]);
    assert_eq!(grid.submit(vec![r3]), vec![accepted(ben, 1_800_000, 3_000)]);
    assert_eq!(
        grid.submit(vec![r2]),
        vec![ReadingOutcome::Rejected(RejectReason::StaleSeq)]
    );
    assert_eq!(books(&mut grid), (3_600_000, 9_000_000));

    // the same readings of a fresh city, the last one submitted first by a front-runner
    let mut front_run = Grid::new();
    let [r1, r2, r3] = signed(&mut front_run);
    assert_eq!(
        front_run.submit(vec![r3]),
        vec![accepted(ben, 3_600_000, 3_000)]
    );
    assert_eq!(
        front_run.submit(vec![r1, r2]),
        vec![ReadingOutcome::Rejected(RejectReason::StaleSeq); 2]
    );
    // the same export credited and the same import billed: nothing lost either way
    assert_eq!(books(&mut front_run), (3_600_000, 9_000_000));
    // settled: his 3.6 credits pay the bill first, the 5.4 left (no allowance) are his debt
    assert_eq!(front_run.settle(&[ben]), vec![0]);
    assert_eq!(
        front_run.market.debt(&mut front_run.chain, ben).unwrap(),
        5_400_000
    );
    assert_eq!(front_run.balance(front_run.utility), 3_600_000);
}

// review M-5 (V2G) end to end: the vehicle's owner is credited and billed only for a
// session its vehicle co-signed; otherwise the charger's owner is
#[test]
fn vehicle_to_grid_needs_the_vehicles_co_signature() {
    let mut grid = Grid::new();
    let (asha, ben, car, market) = (grid.asha, grid.ben, grid.ben_car, grid.asha_meter.market);
    let charger = grid.asha_charger.device;
    let now = grid.chain.now_ms();
    let car_key = DeviceSigner::from_seed("ben/car");
    let session = |vehicle, plugged_in, plugged_out| {
        smartcity_sdk::meter::co_sign_session(
            &car_key,
            &market,
            &charger,
            vehicle,
            plugged_in,
            plugged_out,
        )
    };
    // plugged in at 05:30 (the charger reads its registers), out at 06:00, 4 kWh exported
    let plug_in = grid.asha_charger.read(now - 30 * MINUTE_MS, 0, 0);
    let mut wrong_start = grid.asha_charger.clone();
    let mut phantom = grid.asha_charger.clone();
    let mut unsigned = grid.asha_charger.clone();
    let plug_out =
        grid.asha_charger
            .read_session(now, 0, 4_000, session(car, now - 30 * MINUTE_MS, now));
    let refused = vec![
        wrong_start.read_session(now, 0, 4_000, session(car, now - HOUR_MS, now)),
        phantom.read_session(
            now,
            0,
            4_000,
            session(device_id("phantom-car"), now - 30 * MINUTE_MS, now),
        ),
        // the car's key over another plug-out time: not what it co-signed
        unsigned.read_session(now, 0, 4_000, session(car, now - 30 * MINUTE_MS, now - 1)),
    ];
    let mut batch = vec![plug_in];
    batch.extend(refused);
    batch.push(plug_out);
    assert_eq!(
        grid.submit(batch),
        vec![
            accepted(asha, 0, 0),
            ReadingOutcome::Rejected(RejectReason::PlugInMismatch),
            ReadingOutcome::Rejected(RejectReason::UnknownVehicle),
            ReadingOutcome::Rejected(RejectReason::BadVehicleSignature),
            accepted(ben, 6_000_000, 0),
        ]
    );
    assert_eq!(
        (grid.accrued(asha), grid.accrued(ben)),
        ((0, 0), (6_000_000, 0))
    );
    assert_eq!(grid.market.ledger_wh(&mut grid.chain, ben).unwrap(), 4_000);

    // without a session the charger's own owner is credited, and billed for charging
    grid.chain.advance_time_ms(HOUR_MS);
    let own = grid.asha_charger.read(now + HOUR_MS, 3_000, 1_000);
    assert_eq!(
        grid.submit(vec![own]),
        vec![accepted(asha, 1_500_000, 2_000)]
    );
    // 2 kWh charged beyond her (empty) ledger: 6 credits billed to Asha, none to Ben
    assert_eq!(
        (grid.accrued(asha), grid.accrued(ben)),
        ((1_500_000, 6_000_000), (6_000_000, 0))
    );
}

// review L-3 end to end: energy a meter measured before it changed hands is the seller's
#[test]
fn a_sold_meters_earlier_energy_stays_with_the_seller() {
    let mut grid = Grid::new();
    let (asha, ben) = (grid.asha, grid.ben);
    let device = grid.asha_meter.device;
    // 05:00 baseline; sold at 06:00; read at 07:00 with 4 kWh exported since 05:00
    grid.registry
        .transfer_device(&mut grid.chain, asha, device, ben)
        .unwrap();
    grid.chain.advance_time_ms(HOUR_MS);
    let now = grid.chain.now_ms();
    let receipt = grid
        .market
        .submit_readings(
            &mut grid.chain,
            grid.relay,
            vec![grid.asha_meter.read(now, 0, 4_000)],
        )
        .unwrap();
    assert_eq!(receipt.value, vec![accepted(ben, 4_000_000, 0)]);
    let before = market_events(grid.market.address(), &receipt.events)
        .into_iter()
        .find_map(|e| match e {
            MarketEvent::MeasuredBeforeTransfer(m) => Some(m),
            _ => None,
        })
        .expect("the seller's share is evented");
    assert_eq!(
        (before.owner, before.export_wh, before.credits, before.to_ms),
        (asha, 2_000, 4_000_000, now - HOUR_MS)
    );
    assert_eq!(grid.settle(&[asha, ben]), vec![4_000_000, 4_000_000]);
    // each owner's receipt names the meter and its own part of the interval
    let (seller, buyer) = (
        grid.token.receipt(&mut grid.chain, 0).unwrap().unwrap(),
        grid.token.receipt(&mut grid.chain, 1).unwrap().unwrap(),
    );
    assert_eq!(
        (
            seller.owner,
            seller.earning.device,
            seller.earning.period_end_ms
        ),
        (asha, device, now - HOUR_MS)
    );
    assert_eq!(
        (
            buyer.owner,
            buyer.earning.period_start_ms,
            buyer.earning.energy_wh
        ),
        (ben, now - HOUR_MS, 2_000)
    );
}

#[test]
fn imports_use_the_ledger_first_then_the_credits_then_the_allowance_or_are_owed() {
    let mut grid = Grid::new();
    let (asha, ben, utility, market) = (grid.asha, grid.ben, grid.utility, grid.market.address());
    let (start, end) = grid.last_quarter();
    // Asha exports 2 kWh (4 credits), then imports 3 kWh: 2 from the ledger, 1 billed (3 credits)
    let batch = vec![
        grid.asha_meter.read(start, 0, 2_000),
        grid.asha_meter.read(end, 3_000, 0),
    ];
    assert_eq!(
        grid.submit(batch),
        vec![accepted(asha, 4_000_000, 0), accepted(asha, 0, 1_000)]
    );
    assert_eq!(grid.accrued(asha), (4_000_000, 3_000_000));
    assert_eq!(grid.market.ledger_wh(&mut grid.chain, asha).unwrap(), 0);
    // her claim pays the bill from her credits: 1 minted to her, 3 to the utility, each
    // with a receipt of the meter's energy; no allowance needed
    let claimed = grid.market.claim(&mut grid.chain, asha).unwrap();
    assert_eq!(claimed.value, 1_000_000);
    assert!(market_events(market, &claimed.events).iter().any(|e| matches!(e,
        MarketEvent::Claimed(c) if c.account == asha && (c.bill, c.billed_wh, c.netted, c.collected, c.owed) == (3_000_000, 1_000, 3_000_000, 0, 0))));
    assert_eq!(
        (grid.balance(asha), grid.balance(utility)),
        (1_000_000, 3_000_000)
    );
    let to_utility = grid.token.receipt(&mut grid.chain, 1).unwrap().unwrap();
    assert_eq!(
        (
            to_utility.owner,
            to_utility.amount,
            to_utility.earning.energy_wh
        ),
        (utility, 3_000_000, 1_500)
    );

    // Ben has no credits and no allowance: his 2 kWh import becomes a debt when settled,
    // nothing is dropped
    let import = grid.ben_meter.read(end, 2_000, 0);
    assert_eq!(grid.submit(vec![import]), vec![accepted(ben, 0, 2_000)]);
    let settled = grid
        .market
        .settle(&mut grid.chain, grid.relay, vec![ben, asha, ben])
        .unwrap();
    assert_eq!(
        settled.value, 1,
        "asha has nothing accrued, ben is settled once"
    );
    assert!(market_events(market, &settled.events)
        .iter()
        .any(|e| matches!(e, MarketEvent::DebtRecorded(d) if d.debtor == ben && d.creditor == utility && d.total == 6_000_000)));
    assert_eq!(grid.market.debt(&mut grid.chain, ben).unwrap(), 6_000_000);
    assert_eq!(grid.balance(utility), 3_000_000);

    // security review M-3: the debtor sells no energy until it has repaid
    let expires = grid.chain.now_ms() + 3_600_000;
    assert_eq!(
        grid.market
            .create_offer(&mut grid.chain, ben, 1_000, 1, expires)
            .unwrap_err(),
        ClientError::Contract(MarketError::Debtor)
    );
    // Ben repays one credit Asha gave him; asking for more repays what he has allowed
    grid.token
        .transfer(&mut grid.chain, asha, ben, 1_000_000, vec![])
        .unwrap();
    grid.token
        .approve(&mut grid.chain, ben, market, 1_000_000)
        .unwrap();
    assert_eq!(
        grid.market
            .repay_debt(&mut grid.chain, ben, asha, 1_000_000)
            .unwrap_err(),
        ClientError::Contract(MarketError::NothingOwed)
    );
    let repaid = grid
        .market
        .repay_debt(&mut grid.chain, ben, utility, 1_000_000)
        .unwrap();
    assert_eq!(repaid.value, 1_000_000);
    assert!(market_events(market, &repaid.events).iter().any(
        |e| matches!(e, MarketEvent::DebtRepaid(d) if d.debtor == ben && d.total == 5_000_000)
    ));
    assert_eq!(grid.market.debt(&mut grid.chain, ben).unwrap(), 5_000_000);
    assert_eq!(grid.balance(utility), 4_000_000);
}

/// Security review M-3, the market's part: with no allowance a household's imports were
/// an uncollectable number while its balance rose with fresh credits. Its credits now pay
/// its bill and then its debt before it keeps any.
#[test]
fn a_debtor_keeps_no_credits_until_its_debt_is_repaid() {
    let mut grid = Grid::new();
    let (asha, utility, market) = (grid.asha, grid.utility, grid.market.address());
    grid.token
        .approve(&mut grid.chain, asha, market, 0)
        .unwrap();
    // 1 kWh exported (2 credits), 20 kWh imported: 19 kWh beyond the ledger, 57 credits
    let now = grid.chain.now_ms();
    let reading = grid.asha_meter.read(now, 20_000, 1_000);
    assert_eq!(
        grid.submit(vec![reading]),
        vec![accepted(asha, 2_000_000, 19_000)]
    );
    assert_eq!(grid.settle(&[asha]), vec![0], "her balance does not rise");
    assert_eq!(grid.market.debt(&mut grid.chain, asha).unwrap(), 55_000_000);

    // an hour later 10 kWh exported: all 20 credits repay the debt
    grid.chain.advance_time_ms(HOUR_MS);
    let reading = grid.asha_meter.read(now + HOUR_MS, 0, 10_000);
    grid.submit(vec![reading]);
    let settled = grid
        .market
        .settle(&mut grid.chain, grid.relay, vec![asha])
        .unwrap();
    let events = market_events(market, &settled.events);
    assert!(events.iter().any(|e| matches!(e,
        MarketEvent::Claimed(c) if (c.minted, c.debt_repaid, c.owed) == (0, 20_000_000, 0))));
    assert!(events.iter().any(|e| matches!(e,
        MarketEvent::DebtRepaid(d) if d.debtor == asha && d.total == 35_000_000)));
    assert_eq!(grid.balance(asha), 0);
    assert_eq!(grid.market.debt(&mut grid.chain, asha).unwrap(), 35_000_000);
    assert_eq!(grid.balance(utility), 2_000_000 + 20_000_000);
}

/// Security review L-10: while the token is paused, a bill must not become a permanent
/// debt for a payer who had allowed it. Readings no longer call the token; the claim that
/// collects the bill fails instead and keeps the accrual for after the pause.
#[test]
fn a_paused_token_fails_the_claim_instead_of_writing_a_debt() {
    let mut grid = Grid::new();
    let (asha, admin, utility, market) =
        (grid.asha, grid.admin, grid.utility, grid.market.address());
    let (start, end) = grid.last_quarter();
    // 2 kWh exported earn 4 credits, claimed; then 3 kWh imported: 2 from the ledger, 1
    // billed (3 credits) to be paid from her allowance
    let export = grid.asha_meter.read(start, 0, 2_000);
    grid.submit(vec![export]);
    grid.market.claim(&mut grid.chain, asha).unwrap();
    grid.token
        .approve(&mut grid.chain, asha, market, 10_000_000)
        .unwrap();
    grid.token.pause(&mut grid.chain, admin).unwrap();
    // the reading is accepted while the token is paused: it only accrues
    let import = grid.asha_meter.read(end, 3_000, 0);
    assert_eq!(grid.submit(vec![import]), vec![accepted(asha, 0, 1_000)]);
    assert_eq!(
        grid.market
            .settle(&mut grid.chain, grid.relay, vec![asha])
            .unwrap_err(),
        ClientError::Contract(MarketError::Token(TokenError::Paused))
    );
    assert_eq!(grid.market.debt(&mut grid.chain, asha).unwrap(), 0);
    assert_eq!(grid.accrued(asha), (0, 3_000_000), "the bill is kept");
    // after the pause the bill is collected from her allowance, not owed
    grid.token.unpause(&mut grid.chain, admin).unwrap();
    let settled = grid
        .market
        .settle(&mut grid.chain, grid.relay, vec![asha])
        .unwrap();
    assert!(market_events(market, &settled.events).iter().any(|e| matches!(e,
        MarketEvent::Claimed(c) if (c.minted, c.netted, c.collected, c.owed) == (0, 0, 3_000_000, 0))));
    assert_eq!(grid.market.debt(&mut grid.chain, asha).unwrap(), 0);
    assert_eq!(
        (grid.balance(asha), grid.balance(utility)),
        (1_000_000, 3_000_000)
    );
}

#[test]
fn batch_bounds_pause_and_a_market_that_may_not_mint() {
    let mut grid = Grid::new();
    let (admin, relay, asha) = (grid.admin, grid.relay, grid.asha);
    let (_, end) = grid.last_quarter();
    assert_eq!(
        grid.market
            .submit_readings(&mut grid.chain, relay, vec![])
            .unwrap_err(),
        ClientError::Contract(MarketError::BadBatchSize)
    );
    let too_many: Vec<_> = (0..33)
        .map(|i| grid.asha_meter.read(end - 33 + i, 0, 1))
        .collect();
    assert_eq!(
        grid.market
            .submit_readings(&mut grid.chain, relay, too_many)
            .unwrap_err(),
        ClientError::Contract(MarketError::BadBatchSize)
    );
    assert_eq!(
        grid.market
            .settle(
                &mut grid.chain,
                relay,
                vec![asha; MAX_SETTLE_PAGE as usize + 1]
            )
            .unwrap_err(),
        ClientError::Contract(MarketError::PageTooLarge)
    );
    assert_eq!(
        grid.market
            .set_paused(&mut grid.chain, relay, true)
            .unwrap_err(),
        ClientError::Contract(MarketError::NotAdmin)
    );
    grid.market
        .set_paused(&mut grid.chain, admin, true)
        .unwrap();
    let reading = grid.asha_meter.read(end, 0, 1_000);
    assert_eq!(
        grid.market
            .submit_readings(&mut grid.chain, relay, vec![reading.clone()])
            .unwrap_err(),
        ClientError::Contract(MarketError::Paused)
    );
    grid.market
        .set_paused(&mut grid.chain, admin, false)
        .unwrap();

    // without the Minter role readings still accrue, and a claim fails keeping them
    grid.token
        .revoke_role(
            &mut grid.chain,
            admin,
            TokenRole::Minter,
            grid.market.address(),
        )
        .unwrap();
    assert!(matches!(
        grid.submit(vec![reading])[0],
        ReadingOutcome::Accepted { .. }
    ));
    assert_eq!(
        grid.market.claim(&mut grid.chain, asha).unwrap_err(),
        ClientError::Contract(MarketError::Token(TokenError::NotMinter))
    );
    // the refused batch's 33 Wh are in this reading's registers: 1,033 Wh of solar
    assert_eq!(grid.accrued(asha), (2_066_000, 0));
    grid.token
        .grant_role(
            &mut grid.chain,
            admin,
            TokenRole::Minter,
            grid.market.address(),
        )
        .unwrap();
    // a paused market lets nobody claim
    grid.market
        .set_paused(&mut grid.chain, admin, true)
        .unwrap();
    assert_eq!(
        grid.market.claim(&mut grid.chain, asha).unwrap_err(),
        ClientError::Contract(MarketError::Paused)
    );
    grid.market
        .set_paused(&mut grid.chain, admin, false)
        .unwrap();
    assert_eq!(
        grid.market.claim(&mut grid.chain, asha).unwrap().value,
        2_066_000
    );

    let mut bad = config(grid.utility);
    bad.max_batch = 0;
    assert_eq!(
        grid.market
            .set_config(&mut grid.chain, admin, bad)
            .unwrap_err(),
        ClientError::Contract(MarketError::InvalidBatchLimit)
    );
}

/// Security review M-1, end to end: Asha's meter earned credits and her key is lost before
/// she claims them; the admin moves her to a new key. The accrual used to stay with the old
/// key, for good. Her new key takes her books over and claims them; nobody else can.
#[test]
fn a_lost_key_households_accrued_credits_follow_the_citizen() {
    let mut grid = Grid::new();
    let (asha, ben, admin) = (grid.asha, grid.ben, grid.admin);
    let (_, end) = grid.last_quarter();
    let reading = grid.asha_meter.read(end, 0, 8_000);
    grid.submit(vec![reading]);
    let (credits, _) = grid.accrued(asha);
    assert_eq!(credits, 16_000_000);
    let new_asha = named_account("asha/new-key");
    grid.registry
        .move_citizen(
            &mut grid.chain,
            admin,
            smartcity_sdk::virtual_id(b"salt", "asha"),
            new_asha,
        )
        .unwrap();
    for stranger in [ben, named_account("anyone")] {
        assert_eq!(
            grid.market
                .take_over_account(&mut grid.chain, stranger, asha)
                .unwrap_err(),
            ClientError::Contract(MarketError::NotSuccessor)
        );
    }
    let taken = grid
        .market
        .take_over_account(&mut grid.chain, new_asha, asha)
        .unwrap();
    assert!(market_events(grid.market.address(), &taken.events)
        .iter()
        .any(|e| matches!(e, MarketEvent::AccountTakenOver(t) if t.from == asha && t.to == new_asha && t.credits == credits)));
    assert_eq!(grid.accrued(asha), (0, 0));
    assert_eq!(grid.accrued(new_asha), (credits, 0));
    let minted = grid.market.claim(&mut grid.chain, new_asha).unwrap().value;
    assert_eq!((minted, grid.balance(new_asha)), (credits, credits));

    // her meter's registers moved with her books: its next reading is measured from them
    // for her new key, not taken for a new baseline
    let device = grid.asha_meter.device;
    let kept = grid.market.meter(&mut grid.chain, device).unwrap().unwrap();
    assert_eq!((kept.owner, kept.export_wh_total), (new_asha, 8_000));
    grid.chain.advance_time_ms(15 * MINUTE_MS);
    let (_, end) = grid.last_quarter();
    let reading = grid.asha_meter.read(end, 0, 1_000);
    let outcomes = grid.submit(vec![reading]);
    assert!(
        matches!(
            outcomes[..],
            [ReadingOutcome::Accepted { beneficiary, credits, .. }] if beneficiary == new_asha && credits > 0
        ),
        "{outcomes:?}"
    );
    let account = grid
        .market
        .energy_account(&mut grid.chain, new_asha)
        .unwrap();
    let held = account.meters.iter().find(|m| m.device == device).unwrap();
    assert_eq!(held.export_wh_total, 9_000);
    assert_eq!(
        grid.market.energy_account(&mut grid.chain, asha).unwrap(),
        Default::default()
    );
}

#[test]
fn an_offer_is_bought_partly_by_two_buyers_cancelled_and_another_expires() {
    let mut grid = Grid::new();
    let (asha, ben, market) = (grid.asha, grid.ben, grid.market.address());
    let carol = named_account("carol");
    let issuer = grid.issuer;
    grid.registry
        .register_citizen(
            &mut grid.chain,
            issuer,
            smartcity_sdk::virtual_id(b"salt", "carol"),
            carol,
        )
        .unwrap();
    let treasury = named_account("city-treasury");
    let admin = grid.admin;
    grid.token
        .set_allow_listed(&mut grid.chain, admin, treasury, true)
        .unwrap();
    let (_, end) = grid.last_quarter();
    // Asha exports 8 kWh (16 credits) and Ben 10 kWh of wind (18 credits): they can pay
    let batch = vec![
        grid.asha_meter.read(end, 0, 8_000),
        grid.ben_meter.read(end, 0, 10_000),
    ];
    grid.submit(batch);
    grid.settle(&[asha, ben]);
    grid.token
        .transfer(&mut grid.chain, ben, carol, 8_000_000, vec![])
        .unwrap();
    let now = grid.chain.now_ms();
    assert_eq!(
        grid.market
            .create_offer(&mut grid.chain, asha, 9_000, 4_000_000, now + HOUR_MS)
            .unwrap_err(),
        ClientError::Contract(MarketError::InsufficientEnergy)
    );
    let offer = grid
        .market
        .create_offer(&mut grid.chain, asha, 6_000, 4_000_000, now + HOUR_MS)
        .unwrap()
        .value;
    assert_eq!(grid.market.ledger_wh(&mut grid.chain, asha).unwrap(), 2_000);

    // Ben buys 2.5 kWh (10 credits, 0.25 to the treasury), Carol 1.5 kWh
    assert_eq!(
        grid.market
            .buy(&mut grid.chain, ben, offer, 2_500)
            .unwrap_err(),
        ClientError::Contract(MarketError::Payment(PSP22Error::InsufficientAllowance))
    );
    grid.token
        .approve(&mut grid.chain, ben, market, 10_000_000)
        .unwrap();
    grid.token
        .approve(&mut grid.chain, carol, market, 6_000_000)
        .unwrap();
    assert_eq!(
        grid.market
            .buy(&mut grid.chain, ben, offer, 2_500)
            .unwrap()
            .value,
        10_000_000
    );
    assert_eq!(
        grid.market
            .buy(&mut grid.chain, carol, offer, 1_500)
            .unwrap()
            .value,
        6_000_000
    );
    assert_eq!(
        grid.market
            .buy(&mut grid.chain, carol, offer, 2_001)
            .unwrap_err(),
        ClientError::Contract(MarketError::NotEnoughOnOffer)
    );
    assert_eq!(
        (
            grid.balance(asha),
            grid.balance(ben),
            grid.balance(carol),
            grid.balance(treasury)
        ),
        (
            16_000_000 + 15_600_000,
            18_000_000 - 8_000_000 - 10_000_000,
            2_000_000,
            400_000
        )
    );
    assert_eq!(
        grid.market.ledger_wh(&mut grid.chain, ben).unwrap(),
        10_000 + 2_500
    );
    assert_eq!(
        grid.market.ledger_wh(&mut grid.chain, carol).unwrap(),
        1_500
    );
    let (open, _) = grid.market.open_offers(&mut grid.chain, 0, 10).unwrap();
    assert_eq!(
        open.iter()
            .map(|(id, o)| (*id, o.wh_left))
            .collect::<Vec<_>>(),
        vec![(offer, 2_000)]
    );

    assert_eq!(
        grid.market
            .cancel_offer(&mut grid.chain, ben, offer)
            .unwrap_err(),
        ClientError::Contract(MarketError::NotSeller)
    );
    assert_eq!(
        grid.market
            .cancel_offer(&mut grid.chain, asha, offer)
            .unwrap()
            .value,
        2_000
    );
    assert_eq!(grid.market.ledger_wh(&mut grid.chain, asha).unwrap(), 4_000);
    assert_eq!(
        grid.market
            .buy(&mut grid.chain, carol, offer, 1)
            .unwrap_err(),
        ClientError::Contract(MarketError::OfferClosed)
    );

    // a second offer runs out its time and anyone may return it to the seller
    let short = grid
        .market
        .create_offer(&mut grid.chain, asha, 1_000, 1_000_000, now + 10)
        .unwrap()
        .value;
    assert_eq!(
        grid.market
            .expire_offer(&mut grid.chain, carol, short)
            .unwrap_err(),
        ClientError::Contract(MarketError::OfferNotExpired)
    );
    grid.chain.advance_time_ms(10);
    assert_eq!(
        grid.market
            .buy(&mut grid.chain, carol, short, 1)
            .unwrap_err(),
        ClientError::Contract(MarketError::OfferExpired)
    );
    assert_eq!(
        grid.market
            .expire_offer(&mut grid.chain, carol, short)
            .unwrap()
            .value,
        1_000
    );
    assert_eq!(
        grid.market
            .offer(&mut grid.chain, short)
            .unwrap()
            .unwrap()
            .state,
        OfferState::Expired
    );
    assert_eq!(grid.market.ledger_wh(&mut grid.chain, asha).unwrap(), 4_000);
}

/// The largest batches, both ends of the range: 768 readings of two meters (130 KB of
/// call data, beyond ink!'s default 16 KiB buffer; three events of 256 outcomes), 256
/// readings of 256 households (an account and a registry record each), which must
/// still fit one block, and 768 readings of those 256 households (the contract's memory). Every reading is accepted, the events carry every outcome in
/// order, and each owner accrues exactly its credits; a page of 64 households is settled in one call.
#[test]
fn full_batches_are_accepted_and_fit_one_block() {
    let mut grid = Grid::new();
    let (admin, relay) = (grid.admin, grid.relay);
    let max = MAX_READINGS_PER_CALL as usize;
    let mut wide = config(grid.utility);
    wide.max_batch = MAX_READINGS_PER_CALL;
    grid.market
        .set_config(&mut grid.chain, admin, wide)
        .unwrap();
    let (block_ref_time, block_proof) = (
        smartcity_sandbox::BLOCK_REF_TIME,
        smartcity_sandbox::BLOCK_PROOF_SIZE,
    );

    // two meters, 384 readings 9 seconds apart each, off-peak (from the 05:00 baselines)
    let start = grid.chain.now_ms() - HOUR_MS;
    let batch: Vec<_> = (0..max as u64)
        .map(|i| {
            let at = start + (i / 2 + 1) * 9_000;
            if i % 2 == 0 {
                grid.asha_meter.read(at, 0, 10)
            } else {
                grid.ben_meter.read(at, 0, 10)
            }
        })
        .collect();
    let receipt = grid
        .market
        .submit_readings(&mut grid.chain, relay, batch)
        .unwrap();
    assert!(receipt
        .value
        .iter()
        .all(|o| matches!(o, ReadingOutcome::Accepted { .. })));
    let mut emitted = Vec::new();
    for event in market_events(grid.market.address(), &receipt.events) {
        if let MarketEvent::ReadingsProcessed(e) = event {
            assert_eq!((e.first as usize, e.accepted), (emitted.len(), 256));
            emitted.extend(e.outcomes);
        }
    }
    assert_eq!(emitted, receipt.value);
    // 384 x 10 Wh of solar at 2 credits/kWh, of wind at 1.8
    assert_eq!(
        grid.settle(&[grid.asha, grid.ben]),
        vec![7_680_000, 6_912_000]
    );
    let state = grid.market.meter(&mut grid.chain, grid.asha_meter.device);
    assert_eq!(state.unwrap().map(|s| s.seq), Some(1 + 384));
    println!(
        "submit_readings ({max} readings of 2 meters): ref_time {}, proof_size {}",
        receipt.weight.ref_time, receipt.weight.proof_size
    );
    assert!(receipt.weight.ref_time < block_ref_time && receipt.weight.proof_size < block_proof);
    let max = 256;

    // 256 households, one reading each (after each meter's baseline)
    let mut baselines = Vec::with_capacity(max);
    let mut batch = Vec::with_capacity(max);
    let mut owners = Vec::with_capacity(max);
    let mut meters = Vec::with_capacity(max);
    let (from, to) = grid.last_quarter();
    for n in 0..max {
        let owner = named_account(&format!("household-{n}"));
        grid.registry
            .register_citizen(
                &mut grid.chain,
                grid.issuer,
                smartcity_sdk::virtual_id(b"salt", &format!("household-{n}")),
                owner,
            )
            .unwrap();
        let label = format!("household-{n}/meter");
        let mut meter = MeterSimulator::new(
            device_id(&label),
            DeviceSigner::from_seed(&label),
            grid.asha_meter.market,
            EnergySource::Solar,
        );
        let energy = Some(meter.profile());
        grid.register(
            owner,
            meter.device,
            DeviceKind::Meter,
            meter.public_key(),
            energy,
        );
        baselines.push(meter.read(from, 0, 0));
        batch.push(meter.read(to, 0, 1_000 + n as u64));
        owners.push(owner);
        meters.push(meter);
    }
    grid.submit(baselines);
    let receipt = grid
        .market
        .submit_readings(&mut grid.chain, relay, batch)
        .unwrap();
    for (n, (outcome, owner)) in receipt.value.iter().zip(&owners).enumerate() {
        let credits = 2 * (1_000 + n as u128) * 1_000;
        assert_eq!(*outcome, accepted(*owner, credits, 0));
    }
    assert_eq!(grid.accrued(owners[255]), (2_510_000, 0));
    println!(
        "submit_readings ({max} readings of {max} households): ref_time {}, proof_size {}",
        receipt.weight.ref_time, receipt.weight.proof_size
    );
    assert!(receipt.weight.ref_time < block_ref_time && receipt.weight.proof_size < block_proof);
    // a full page of households settled in one call: one mint call of 64 receipts
    let page = owners[..MAX_SETTLE_PAGE as usize].to_vec();
    let settled = grid.market.settle(&mut grid.chain, relay, page).unwrap();
    assert_eq!(settled.value, MAX_SETTLE_PAGE);
    assert_eq!(grid.balance(owners[63]), 2_126_000);
    println!(
        "settle ({MAX_SETTLE_PAGE} households): ref_time {}, proof_size {}",
        settled.weight.ref_time, settled.weight.proof_size
    );
    assert!(settled.weight.ref_time < block_ref_time && settled.weight.proof_size < block_proof);

    // a full batch paying all 256 households (three readings each) still fits the
    // contract's memory: 256 accounts, one registry call of 256 ids
    let start = to;
    grid.chain.advance_time_ms(HOUR_MS);
    let batch: Vec<_> = (0..MAX_READINGS_PER_CALL as u64)
        .map(|i| {
            let from = start + (i / 256) * MINUTE_MS;
            meters[(i % 256) as usize].read(from + MINUTE_MS, 0, 10)
        })
        .collect();
    let receipt = grid
        .market
        .submit_readings(&mut grid.chain, relay, batch)
        .unwrap();
    assert_eq!(
        receipt
            .value
            .iter()
            .filter(|o| matches!(o, ReadingOutcome::Accepted { .. }))
            .count(),
        MAX_READINGS_PER_CALL as usize
    );
    assert_eq!(grid.accrued(owners[255]), (2_510_000 + 3 * 20_000, 0));
    println!(
        "submit_readings ({} readings of {max} households): ref_time {}, proof_size {}",
        MAX_READINGS_PER_CALL, receipt.weight.ref_time, receipt.weight.proof_size
    );
}
