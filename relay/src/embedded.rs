//! The embedded chain: with no chain endpoint configured, the relay runs a sandbox chain
//! in-process (a real pallet-contracts runtime) with the suite deployed and wired as in the
//! demo, and simulated meters registered, so an integrator can try it with nothing else
//! installed.
//!
//! The chain is saved to `chain.state` in the data folder after every batch (written to a
//! temporary file, synced, then renamed over the old one): a relay killed at any moment
//! finds the chain as of its last whole "block".

use anyhow::Context;
use interfaces::{registry::RegistryRole, token::TokenRole, AccountId, DeviceKind};
use scale::{Decode, Encode};
use smartcity_client::{
    demo::{self, device_id, DemoCode},
    feed, named_account, MarketClient, RegistryClient, SandboxChain, TokenClient, TokenConfig,
};
use std::{io::Write, path::Path};

/// The contracts the relay works with on the embedded chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct Suite {
    pub registry: AccountId,
    pub token: AccountId,
    pub market: AccountId,
}

#[derive(Encode, Decode)]
struct Saved {
    format: [u8; 4],
    suite: Suite,
    chain: Vec<u8>,
}

const FORMAT: [u8; 4] = *b"SCR1";
const FILE: &str = "chain.state";

/// The accounts of the demo's set-up.
pub fn admin() -> AccountId {
    named_account("city-admin")
}
pub fn issuer() -> AccountId {
    named_account("civil-registry-office")
}
pub fn operator() -> AccountId {
    named_account("grid-operator")
}

/// The chain saved in `dir`; or, the first time, the city `smartcity demo --save` wrote
/// to `city` (its registry, token and market), or a new chain with the suite deployed
/// from `artifacts`.
/// Either way, simulated meters `0..meters` are registered (the ones missing).
pub fn open_or_create(
    dir: &Path,
    artifacts: &Path,
    city: Option<&Path>,
    meters: u32,
) -> anyhow::Result<(SandboxChain, Suite)> {
    let path = dir.join(FILE);
    let (mut chain, suite) = if path.exists() {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let saved = Saved::decode(&mut &bytes[..])
            .ok()
            .filter(|s| s.format == FORMAT)
            .with_context(|| format!("{} is not a relay's saved chain", path.display()))?;
        (SandboxChain::import_state(&saved.chain)?, saved.suite)
    } else if let Some(city) = city {
        let (chain, saved) = smartcity_client::city::load(city)?;
        let book = saved.book;
        let suite = Suite {
            registry: book.registry,
            token: book.token,
            market: book.market,
        };
        (chain, suite)
    } else {
        let code = DemoCode::load(artifacts)?;
        let mut chain = SandboxChain::new();
        chain.set_time_ms(crate::outbox::now_ms());
        let suite = deploy(&mut chain, &code)?;
        (chain, suite)
    };
    register_meters(&mut chain, &suite, meters)?;
    save(dir, &mut chain, &suite)?;
    Ok((chain, suite))
}

fn deploy(chain: &mut SandboxChain, code: &DemoCode) -> anyhow::Result<Suite> {
    let admin = admin();
    let registry = RegistryClient::deploy(chain, admin, &code.registry, 8, vec![])?.value;
    registry.grant_role(chain, admin, RegistryRole::Issuer, issuer())?;
    registry.grant_role(chain, admin, RegistryRole::Operator, operator())?;
    let token = TokenClient::deploy(
        chain,
        admin,
        &code.token,
        TokenConfig::city(Some(registry.address())),
        vec![],
    )?
    .value;
    let mut config = demo::market_config();
    config.max_batch = interfaces::market::MAX_READINGS_PER_CALL;
    let market = MarketClient::deploy(
        chain,
        admin,
        &code.market,
        registry.address(),
        token.address(),
        config.clone(),
        vec![],
    )?
    .value;
    token.grant_role(chain, admin, TokenRole::Minter, market.address())?;
    for account in [config.utility, config.fee_account] {
        token.set_allow_listed(chain, admin, account, true)?;
    }
    Ok(Suite {
        registry: registry.address(),
        token: token.address(),
        market: market.address(),
    })
}

/// Registers simulated meter `n` (and its household) for every `n` below `meters` that the
/// registry does not know yet.
pub fn register_meters(chain: &mut SandboxChain, suite: &Suite, meters: u32) -> anyhow::Result<()> {
    let registry = RegistryClient::at(suite.registry);
    for n in 0..meters {
        let meter = feed::sim_meter(n, suite.market, 0);
        if registry.device(chain, meter.device)?.is_some() {
            continue;
        }
        let household = named_account(&feed::sim_household_label(n));
        let virtual_id = smartcity_client::blake2_256(feed::sim_household_label(n).as_bytes());
        registry.register_citizen(chain, issuer(), virtual_id, household)?;
        registry.register_device(
            chain,
            household,
            meter.device,
            DeviceKind::Meter,
            meter.public_key(),
            [0; 32],
        )?;
        registry.commission_device(chain, operator(), meter.device)?;
    }
    Ok(())
}

/// The household account that simulated meter `n` pays.
pub fn household(n: u32) -> AccountId {
    named_account(&feed::sim_household_label(n))
}

/// The device id of simulated meter `n`.
pub fn meter_device(n: u32) -> interfaces::DeviceId {
    device_id(&feed::sim_meter_label(n))
}

/// Writes the chain to `dir/chain.state` atomically (temporary file, fsync, rename, fsync
/// of the folder).
pub fn save(dir: &Path, chain: &mut SandboxChain, suite: &Suite) -> anyhow::Result<()> {
    let bytes = Saved {
        format: FORMAT,
        suite: *suite,
        chain: chain.export_state(),
    }
    .encode();
    let tmp = dir.join(format!("{FILE}.tmp"));
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, dir.join(FILE))?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// Reads a relay's saved chain (tests and audits look at what the chain holds).
pub fn load(dir: &Path) -> anyhow::Result<(SandboxChain, Suite)> {
    let bytes = std::fs::read(dir.join(FILE))?;
    let saved = Saved::decode(&mut &bytes[..]).context("not a relay's saved chain")?;
    Ok((SandboxChain::import_state(&saved.chain)?, saved.suite))
}
