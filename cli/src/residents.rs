//! `smartcity residents`: the development keys `//Bob` ... `//Ferdie` as residents of a
//! city deployed on a development chain, so that a newcomer (and the web app's tests) can
//! pick one and use every page at once. Each becomes a citizen; Bob, Charlie, Eve and
//! Ferdie get a rooftop meter whose two readings earn solar credits and fill their energy
//! ledgers: the credits are settled (minted), but Eve's, which stay accrued for her to
//! claim. Dave lists his driveway (a parking sensor watches it). `//Alice` (the deployer)
//! becomes a transit operator with a route of five stops and two trips. Run it again and
//! it sends only what is missing.

use anyhow::{ensure, Context};
use interfaces::{
    fares::{FareRule, Slab},
    parking::{Availability, SpaceTerms},
    AccountId, DeviceKind, EnergySource,
};
use smartcity_node::NodeChain;
use smartcity_sdk::{
    blake2_256, device_id, keys::DeviceSigner, meter::MeterSimulator, ss58, units::MICRO, Chain,
    FareClient, MarketClient, ParkingClient, RegistryClient, TokenClient,
};
use smartcity_suite::{accounts, Suite};
use std::io::Write;

/// The development keys made residents, in order.
pub const DEV_RESIDENTS: [&str; 5] = ["Bob", "Charlie", "Dave", "Eve", "Ferdie"];

/// What each rooftop meter exports between its two readings, two hours apart; whose
/// credits are settled (minted) at once rather than left accrued for a claim.
const ROOFTOPS: [(&str, u64, bool); 4] = [
    ("Bob", 6_000, true),
    ("Charlie", 3_000, true),
    ("Eve", 4_000, false),
    ("Ferdie", 5_000, true),
];
const TWO_HOURS_MS: u64 = 2 * 3_600_000;

/// Makes the development keys residents of `suite` on `chain` (a dev chain only: the keys
/// are public). The deployer's key (the chain's root) pays.
pub fn seed(chain: &mut NodeChain, suite: &Suite, out: &mut impl Write) -> anyhow::Result<()> {
    let (chain_name, _) = chain.identity();
    ensure!(
        matches!(chain_name.as_str(), "Development" | "Local Testnet"),
        "{chain_name} is not a development chain: its residents are registered by its issuer, not from public dev keys"
    );
    let registry = RegistryClient::at(suite.registry);
    let market = MarketClient::at(suite.market);
    let token = TokenClient::at(suite.token);
    let (issuer, operator, payer) = (
        accounts::issuer(chain),
        accounts::operator(chain),
        chain.root_account(),
    );

    let mut residents: Vec<(&str, AccountId)> = Vec::new();
    for name in DEV_RESIDENTS {
        let account = chain.add_secret_uri(&format!("//{name}"))?;
        if registry.citizen_of(chain, account)?.is_none() {
            let virtual_id = blake2_256(format!("smartcity/dev-resident/{name}").as_bytes());
            registry
                .register_citizen(chain, issuer, virtual_id, account)
                .with_context(|| format!("registering {name}"))?;
            writeln!(out, "{name:<8} {} registered as a citizen", ss58(&account))?;
        }
        residents.push((name, account));
    }
    let account_of = |name: &str| residents.iter().find(|(n, _)| *n == name).map(|(_, a)| *a);

    let now = chain.now_ms();
    let mut readings = Vec::new();
    let mut settle = Vec::new();
    let market_at = market.deployment(chain)?;
    for (name, export_wh, settled) in ROOFTOPS {
        let owner = account_of(name).context("a rooftop's owner is a resident")?;
        let label = format!("dev/{name}/rooftop");
        let mut meter = MeterSimulator::new(
            device_id(&label),
            DeviceSigner::from_seed(&label),
            market_at,
            EnergySource::Solar,
        );
        if registry.device(chain, meter.device)?.is_none() {
            let record = blake2_256(format!("device record of {label}").as_bytes());
            registry.register_device(
                chain,
                owner,
                meter.device,
                meter.kind(),
                meter.public_key(),
                record,
            )?;
            registry.commission_device(chain, operator, meter.device, Some(meter.profile()))?;
            writeln!(
                out,
                "{name:<8} rooftop solar meter registered and commissioned"
            )?;
        }
        if market.meter(chain, meter.device)?.is_some() {
            continue; // read on an earlier run
        }
        readings.push(meter.read(now - TWO_HOURS_MS, 0, 0));
        readings.push(meter.read(now, 0, export_wh));
        if settled {
            settle.push(owner);
        }
        writeln!(
            out,
            "{name:<8} rooftop read: {export_wh} Wh exported over two hours"
        )?;
    }
    if !readings.is_empty() {
        market.submit_readings(chain, payer, readings)?;
        if !settle.is_empty() {
            market.settle(chain, payer, settle)?;
        }
    }
    let dave = account_of("Dave").context("Dave is a resident")?;
    driveway(chain, suite, dave, operator, out)?;
    let ferdie = account_of("Ferdie").context("Ferdie is a resident")?;
    bus_line(chain, suite, ferdie, out)?;
    for (name, account) in &residents {
        let minted = token.balance_of(chain, *account)?;
        let accrued = market.energy_account(chain, *account)?.credits();
        writeln!(
            out,
            "{name:<8} {} minted, {} accrued",
            smartcity_sdk::units::format_credits(minted),
            smartcity_sdk::units::format_credits(accrued)
        )?;
    }
    Ok(())
}

/// Dave's driveway: a parking sensor he owns, commissioned, watching a space he lists at 2
/// SCP an hour, 15 minutes to 8 hours, any time of day.
fn driveway(
    chain: &mut NodeChain,
    suite: &Suite,
    dave: AccountId,
    operator: AccountId,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let registry = RegistryClient::at(suite.registry);
    let parking = ParkingClient::at(suite.parking);
    let label = "dev/Dave/driveway-sensor";
    let sensor = device_id(label);
    if registry.device(chain, sensor)?.is_none() {
        let record = blake2_256(format!("device record of {label}").as_bytes());
        let key = DeviceSigner::from_seed(label).public_key();
        registry.register_device(chain, dave, sensor, DeviceKind::ParkingSensor, key, record)?;
        registry.commission_device(chain, operator, sensor, None)?;
    }
    if parking.space_of_sensor(chain, sensor)?.is_none() {
        let terms = SpaceTerms {
            geohash: b"u4pruy".to_vec(),
            price_per_hour: 2 * MICRO,
            min_minutes: 15,
            max_minutes: 8 * 60,
            windows: vec![Availability {
                start_minute: 0,
                end_minute: 24 * 60,
            }],
        };
        let space = parking.list_space(chain, dave, sensor, terms)?.value;
        writeln!(
            out,
            "Dave     listed his driveway: space {space}, 2 SCP an hour"
        )?;
    }
    Ok(())
}

/// `//Alice` as a transit operator: the Harbour line (five stops; up to 2 stages 1 SCP, up
/// to 4 stages 1.8 SCP) and two trips, in one and in three hours, 40 seats each; and a
/// third, in five hours, which she cancelled after `rider` booked a stage of it: its fare
/// waits in escrow for the rider's claim.
fn bus_line(
    chain: &mut NodeChain,
    suite: &Suite,
    rider: AccountId,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let fares = FareClient::at(suite.fares);
    let alice = chain.root_account();
    if fares.is_operator(chain, alice)? {
        return Ok(()); // seeded on an earlier run
    }
    let admin = accounts::admin(chain);
    fares.set_operator(chain, admin, alice, true)?;
    let stops: Vec<Vec<u8>> = ["Central", "Market", "Harbour", "University", "Airport"]
        .iter()
        .map(|stop| stop.as_bytes().to_vec())
        .collect();
    let rule = FareRule {
        slabs: vec![
            Slab {
                up_to_stages: 2,
                fare: MICRO,
            },
            Slab {
                up_to_stages: 4,
                fare: 1_800_000,
            },
        ],
    };
    let route = fares
        .add_route(chain, alice, stops, rule, 1_000, 3_600_000)?
        .value;
    let now = chain.now_ms();
    for hours in [1, 3] {
        fares.add_trip(chain, alice, route, now + hours * 3_600_000, 40)?;
    }
    writeln!(
        out,
        "Alice    runs route {route}, Central .. Airport, two trips (in 1 and 3 hours, 40 seats)"
    )?;
    let cancelled = fares
        .add_trip(chain, alice, route, now + 5 * 3_600_000, 40)?
        .value;
    let fare = fares.quote(chain, route, 0, 1)?.exact;
    TokenClient::at(suite.token).approve(chain, rider, suite.fares, fare)?;
    let ticket = fares.book_ticket(chain, rider, cancelled, 0, 1)?.value;
    fares.cancel_trip(chain, alice, cancelled)?;
    writeln!(
        out,
        "Alice    cancelled trip {cancelled} (in 5 hours) after Ferdie booked ticket {ticket}: his fare waits for his claim"
    )?;
    Ok(())
}
