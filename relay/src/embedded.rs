//! The embedded chain: with no chain endpoint configured, the relay runs a sandbox chain
//! in-process (a real pallet-contracts runtime) with the city's contracts deployed and
//! wired (`smartcity_suite::deploy`), and simulated meters registered, so an integrator
//! can try it with nothing else installed.
//!
//! The chain is saved to `chain.state` in the data folder after every batch, in the one
//! saved-chain format (`smartcity_sandbox::save`: written to a temporary file, synced,
//! then renamed over the old one): a relay killed at any moment finds the chain as of its
//! last whole "block". A city saved by `smartcity demo --save` is the same format.

use interfaces::AccountId;
use smartcity_sandbox::SandboxChain;
use smartcity_sdk::{device_id, named_account, Chain, RegistryClient};
use smartcity_suite::{accounts, Code, SavedCity, Suite};
use std::path::Path;

const FILE: &str = "chain.state";

/// The chain saved in `dir`; or, the first time, the city `smartcity demo --save` wrote
/// to `city`, or a new chain with the city deployed from `artifacts`.
/// Either way, simulated meters `0..meters` are registered (the ones missing).
pub fn open_or_create(
    dir: &Path,
    artifacts: &Path,
    city: Option<&Path>,
    meters: u32,
) -> anyhow::Result<(SandboxChain, Suite)> {
    let path = dir.join(FILE);
    let (mut chain, saved) = if path.exists() {
        smartcity_sandbox::load::<SavedCity>(&path)?
    } else if let Some(city) = city {
        smartcity_sandbox::load::<SavedCity>(city)?
    } else {
        let code = Code::load(artifacts)?;
        let mut chain = SandboxChain::new();
        chain.set_time_ms(crate::outbox::now_ms());
        let mut config = smartcity_suite::market_config(&mut chain);
        config.max_batch = interfaces::market::MAX_READINGS_PER_CALL;
        let suite = smartcity_suite::deploy(&mut chain, &code, config)?;
        let saved = SavedCity {
            suite,
            fare_log: Vec::new(),
        };
        (chain, saved)
    };
    register_meters(&mut chain, &saved.suite, meters)?;
    smartcity_sandbox::save(&path, &mut chain, &saved)?;
    Ok((chain, saved.suite))
}

/// Registers simulated meter `n` (and its household) for every `n` below `meters` that the
/// registry does not know yet.
pub fn register_meters<C: Chain>(chain: &mut C, suite: &Suite, meters: u32) -> anyhow::Result<()> {
    let registry = RegistryClient::at(suite.registry);
    // only the meters' ids and keys are used here: any deployment serves
    let market = interfaces::Deployment {
        contract: suite.market,
        chain: chain.genesis_hash(),
    };
    for n in 0..meters {
        let meter = meter_feed::sim_meter(n, market, Default::default());
        if registry.device(chain, meter.device)?.is_some() {
            continue;
        }
        let household = chain.account(&meter_feed::sim_household_label(n));
        let virtual_id = smartcity_sdk::blake2_256(meter_feed::sim_household_label(n).as_bytes());
        let issuer = accounts::issuer(chain);
        registry.register_citizen(chain, issuer, virtual_id, household)?;
        registry.register_device(
            chain,
            household,
            meter.device,
            meter.kind(),
            meter.public_key(),
            [0; 32],
        )?;
        let operator = accounts::operator(chain);
        registry.commission_device(chain, operator, meter.device, Some(meter.profile()))?;
    }
    Ok(())
}

/// The household account that simulated meter `n` pays.
pub fn household(n: u32) -> AccountId {
    named_account(&meter_feed::sim_household_label(n))
}

/// The device id of simulated meter `n`.
pub fn meter_device(n: u32) -> interfaces::DeviceId {
    device_id(&meter_feed::sim_meter_label(n))
}

/// Writes the chain to `dir/chain.state` atomically (`smartcity_sandbox::save`), with
/// the city's contracts.
pub fn save(dir: &Path, chain: &mut SandboxChain, suite: &Suite) -> anyhow::Result<()> {
    let saved = SavedCity {
        suite: *suite,
        fare_log: Vec::new(),
    };
    smartcity_sandbox::save(&dir.join(FILE), chain, &saved)
}

/// Reads a relay's saved chain (tests and audits look at what the chain holds).
pub fn load(dir: &Path) -> anyhow::Result<(SandboxChain, Suite)> {
    let (chain, saved) = smartcity_sandbox::load::<SavedCity>(&dir.join(FILE))?;
    Ok((chain, saved.suite))
}
