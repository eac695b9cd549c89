//! The relay on a node: the city deployed on a substrate-contracts-node, simulated meters
//! registered there, and `meter-relay run --chain-endpoint` submitting their readings as
//! extrinsics signed by the relay's own account. The same guarantee as on the embedded
//! chain: every acknowledged reading is credited exactly once, across SIGKILLs too.
//!
//! Every test here ends in `_on_a_node` and needs `SMARTCITY_NODE_URL` (`scripts/test.sh`
//! starts a dev node when one is installed, and skips these tests, saying so, when not).

mod common;

use common::{crash, next, sim, Relay};
use meter_relay::{embedded, outbox::Store};
use smartcity_node::NodeChain;
use smartcity_sdk::{Chain, TokenClient};
use smartcity_suite::{artifacts, deployment, Code, Suite};
use std::path::{Path, PathBuf};

fn url() -> String {
    std::env::var("SMARTCITY_NODE_URL")
        .expect("SMARTCITY_NODE_URL: these tests need a running node (scripts/test.sh starts one)")
}

/// The city deployed by `root` (a dev key), `meters` simulated meters registered, a
/// manifest written into `dir`, and a funded relay account; returns the chain, the suite,
/// the manifest's path and the relay's secret URI.
fn city(root: &str, meters: u32, dir: &Path) -> (NodeChain, Suite, PathBuf, String) {
    let mut chain = NodeChain::connect(&url(), root).unwrap();
    let code = Code::load(&artifacts::default_dir()).unwrap();
    let mut config = smartcity_suite::market_config(&mut chain);
    config.max_batch = interfaces::market::MAX_READINGS_PER_CALL;
    let suite = smartcity_suite::deploy(&mut chain, &code, config).unwrap();
    embedded::register_meters(&mut chain, &suite, meters).unwrap();
    // what the relay reads of a manifest: the chain's genesis and the addresses
    let (_, genesis) = chain.identity();
    let manifest = deployment::skeleton(&genesis, &suite);
    let path = dir.join("local.json");
    std::fs::write(&path, manifest.to_string()).unwrap();
    // the relay signs with its own key, derived from the root's and funded by it
    chain.account("meter-relay");
    (chain, suite, path, format!("{root}//meter-relay"))
}

/// The relay's flags for the node: its endpoint, the manifest, and its key from
/// `METER_RELAY_SURI`.
fn relay_args(manifest: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "--chain-endpoint".to_string(),
        url(),
        "--chain-deployment".to_string(),
        manifest.display().to_string(),
        "--signer".to_string(),
        "env:METER_RELAY_SURI".to_string(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

fn household(chain: &mut NodeChain, n: u32) -> interfaces::AccountId {
    chain.account(&meter_feed::sim_household_label(n))
}

#[test]
fn readings_sent_to_the_relay_are_credited_once_on_a_node() {
    let dir = tempfile::tempdir().unwrap();
    let (mut chain, suite, manifest, suri) = city("//Eve", 2, dir.path());
    let args = relay_args(&manifest, &["--batch-interval-ms", "100"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let relay = Relay::start_with_env(
        dir.path(),
        common::free_port(),
        &args,
        &[("METER_RELAY_SURI", &suri)],
    );
    assert_eq!(relay.feed.market().unwrap(), suite.market);
    let (mut m0, mut m1) = (sim(0, suite.market), sim(1, suite.market));
    let readings: Vec<_> = (0..6)
        .map(|i| next(&mut m0, 100 + i))
        .chain((0..4).map(|i| next(&mut m1, 700 + i)))
        .collect();
    for chunk in readings.chunks(5) {
        assert_eq!(relay.feed.send(chunk).unwrap().stored, 5);
    }
    // sent again (a meter that missed the acknowledgement): stored once
    assert_eq!(relay.feed.send(&readings[..5]).unwrap().duplicates, 5);
    relay.wait_settled(10.0, std::time::Duration::from_secs(120));
    relay.stop();

    let config = smartcity_suite::market_config(&mut chain);
    let token = TokenClient::at(suite.token);
    for (n, meter) in [(0, &m0), (1, &m1)] {
        let mine = readings.iter().filter(|r| r.reading.device == meter.device);
        let earned = common::register_credits(&config, mine);
        let owner = household(&mut chain, n);
        assert_eq!(token.balance_of(&mut chain, owner).unwrap(), earned);
    }
    let store = Store::open(&dir.path().join("data")).unwrap();
    assert_eq!(store.unsettled_count().unwrap(), 0);
}

#[test]
fn every_acknowledged_reading_settles_exactly_once_across_sigkills_on_a_node() {
    const KILLS: usize = 8;
    let seed = crash::seed();
    let dir = tempfile::tempdir().unwrap();
    let (mut chain, suite, manifest, suri) = city("//Ferdie", crash::METERS, dir.path());
    let args = relay_args(
        &manifest,
        &["--batch-interval-ms", "20", "--batch-size", "24"],
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let env = [
        ("METER_RELAY_SURI", suri.as_str()),
        ("METER_RELAY_FAILPOINT_SETTLE_DELAY_MS", "40"),
    ];
    let run = crash::run(dir.path(), &args, &env, KILLS, seed);
    let store = Store::open(&dir.path().join("data")).unwrap();
    let already_on_chain = crash::check(&mut chain, &suite, &store, &run.acked, household);
    println!(
        "{KILLS} SIGKILLs on a node: {} readings acknowledged, all settled once; \
         {already_on_chain} found already on chain after a restart; {} sends repeated",
        run.acked.len(),
        run.retries
    );
}
