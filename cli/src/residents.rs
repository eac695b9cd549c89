//! `smartcity residents`: the development keys `//Bob` ... `//Ferdie` as residents of a
//! city deployed on a development chain, so that a newcomer (and the web app's tests) can
//! pick one and use every page at once. Each becomes a citizen; Bob, Charlie and Eve get a
//! rooftop meter whose two readings earn solar credits and fill their energy ledgers:
//! Bob's and Charlie's credits are settled (minted), Eve's stay accrued for her to claim.
//! Run it again and it sends only what is missing.

use anyhow::{ensure, Context};
use interfaces::{AccountId, EnergySource};
use smartcity_node::NodeChain;
use smartcity_sdk::{
    blake2_256, device_id, keys::DeviceSigner, meter::MeterSimulator, ss58, Chain, MarketClient,
    RegistryClient, TokenClient,
};
use smartcity_suite::{accounts, Suite};
use std::io::Write;

/// The development keys made residents, in order.
pub const DEV_RESIDENTS: [&str; 5] = ["Bob", "Charlie", "Dave", "Eve", "Ferdie"];

/// What each rooftop meter exports between its two readings, two hours apart; whose
/// credits are settled (minted) at once rather than left accrued for a claim.
const ROOFTOPS: [(&str, u64, bool); 3] = [
    ("Bob", 6_000, true),
    ("Charlie", 3_000, true),
    ("Eve", 4_000, false),
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
    for (name, export_wh, settled) in ROOFTOPS {
        let owner = account_of(name).context("a rooftop's owner is a resident")?;
        let label = format!("dev/{name}/rooftop");
        let mut meter = MeterSimulator::new(
            device_id(&label),
            DeviceSigner::from_seed(&label),
            suite.market,
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
