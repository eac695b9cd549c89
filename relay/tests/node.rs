//! The relay on a node: the city deployed on a substrate-contracts-node, simulated meters
//! registered there, and `meter-relay run --chain-endpoint` submitting their readings as
//! extrinsics signed by the relay's own account. The same guarantee as on the embedded
//! chain: every acknowledged reading is credited exactly once, across SIGKILLs too.
//!
//! Every test here ends in `_on_a_node` and needs `SMARTCITY_NODE_URL` (`scripts/test.sh`
//! starts a dev node when one is installed, and skips these tests, saying so, when not).

mod common;

use common::{crash, next, sim, Relay};
use meter_relay::{
    embedded,
    outbox::{Settlement, Store},
};
use smartcity_node::NodeChain;
use smartcity_sdk::Chain;
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
    // the relay names the market and the chain the market says it is on (I-1)
    let market = relay.feed.market().unwrap();
    assert_eq!(
        (market.contract, market.chain),
        (suite.market, chain.genesis_hash())
    );
    let (mut m0, mut m1) = (sim(0, market), sim(1, market));
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
    for (n, meter) in [(0, &m0), (1, &m1)] {
        let mine = readings.iter().filter(|r| r.reading.device == meter.device);
        let earned = common::register_credits(&config, mine);
        let owner = household(&mut chain, n);
        assert_eq!(common::earned(&mut chain, &suite, owner), earned);
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
    // on a node a batch the relay sent before a kill is found by its extrinsic: settled
    // from its own events, never relabelled by a second dry run
    assert_eq!(already_on_chain, 0);
    println!(
        "{KILLS} SIGKILLs on a node: {} readings acknowledged, all settled once; \
         {already_on_chain} found already on chain after a restart; {} sends repeated",
        run.acked.len(),
        run.retries
    );
}

/// A batch that was in a block when the relay was killed, before it recorded the outcome,
/// is found after the restart by the extrinsic hash noted before sending, and settled from
/// that block's own events: its readings accepted with their credits, not relabelled
/// `already_on_chain` by a second dry run.
#[test]
fn a_batch_in_a_block_when_the_relay_died_is_settled_from_its_own_events_on_a_node() {
    let dir = tempfile::tempdir().unwrap();
    let (mut chain, suite, manifest, suri) = city("//Eve//stash", 1, dir.path());
    let args = relay_args(&manifest, &["--batch-interval-ms", "100"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // the relay pauses between a batch's block and recording its outcome: killed there
    let relay = Relay::start_with_env(
        dir.path(),
        common::free_port(),
        &args,
        &[
            ("METER_RELAY_SURI", &suri),
            ("METER_RELAY_FAILPOINT_SETTLE_DELAY_MS", "600000"),
        ],
    );
    let market = relay.feed.market().unwrap();
    let mut meter = sim(0, market);
    let readings: Vec<_> = (0..3).map(|i| next(&mut meter, 100 + i)).collect();
    assert_eq!(relay.feed.send(&readings).unwrap().stored, 3);
    let device = meter.device;
    let client = smartcity_sdk::MarketClient::at(suite.market);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while client.meter(&mut chain, device).unwrap().map(|m| m.seq) != Some(3) {
        assert!(
            std::time::Instant::now() < deadline,
            "the batch never landed"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    relay.kill();
    let submitted = {
        let store = Store::open(&dir.path().join("data")).unwrap();
        let status = store.status(&device, 3).unwrap().unwrap();
        assert_eq!(
            status.state, "submitted",
            "killed before the outcome was recorded"
        );
        status.tx_hash
    };

    let relay = Relay::start_with_env(
        dir.path(),
        common::free_port(),
        &args,
        &[("METER_RELAY_SURI", &suri)],
    );
    let store = Store::open(&dir.path().join("data")).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while store.unsettled_count().unwrap() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the batch was not settled after the restart; the relay's log:\n{}",
            std::fs::read_to_string(&relay.log).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    relay.stop();
    let settled: Vec<Settlement> = store
        .settlements(&device)
        .unwrap()
        .into_iter()
        .map(|(_, settlement)| settlement)
        .collect();
    let owner = household(&mut chain, 0);
    let config = smartcity_suite::market_config(&mut chain);
    let earned = common::register_credits(&config, readings.iter());
    assert!(earned > 0);
    assert_eq!(settled.len(), 3);
    let credited: u128 = settled
        .iter()
        .filter(|settlement| **settlement != Settlement::Baseline)
        .map(|settlement| match settlement {
            Settlement::Accepted {
                beneficiary,
                credits,
                ..
            } => {
                assert_eq!(*beneficiary, owner);
                *credits
            }
            other => panic!(
                "settled as {other:?}, not from the batch's own events; the relay's log:\n{}",
                std::fs::read_to_string(dir.path().join("relay.log")).unwrap_or_default()
            ),
        })
        .sum();
    assert_eq!(credited, earned);
    assert_eq!(common::earned(&mut chain, &suite, owner), earned);
    assert_eq!(
        store.status(&device, 3).unwrap().unwrap().tx_hash,
        submitted
    );
}

/// A relay in `dir/<name>` on the node, taking its share of the MQTT shared subscription
/// `$share/relays/meters/+/readings` as client `name`, signing with `suri`.
fn shared_relay(dir: &Path, broker: &str, manifest: &Path, name: &str, suri: &str) -> Relay {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    let extra = [
        "--mqtt-broker",
        broker,
        "--mqtt-topic",
        "$share/relays/meters/+/readings",
        "--mqtt-client-id",
        name,
        "--batch-interval-ms",
        "100",
        "--key-cache-secs",
        "1",
    ];
    let args = relay_args(manifest, &extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Relay::start_with_env(
        &folder,
        common::free_port(),
        &args,
        &[("METER_RELAY_SURI", suri)],
    )
}

/// Two relays on one node sharing one subscription (`shared_relay`), `meters` simulated
/// meters whose baselines relay A has settled.
struct Shared {
    chain: NodeChain,
    suite: Suite,
    broker: common::Broker,
    manifest: PathBuf,
    /// Relay B's secret URI (to start it again).
    suri_b: String,
    a: Relay,
    b: Relay,
    meters: Vec<smartcity_sdk::meter::MeterSimulator>,
    baselines: Vec<interfaces::reading::SignedReading>,
}

impl Shared {
    fn start(root: &str, meters: u32, dir: &Path) -> Shared {
        let (mut chain, suite, manifest, suri_a) = city(root, meters, dir);
        chain.account("meter-relay-2");
        let suri_b = format!("{root}//meter-relay-2");
        let broker = common::Broker::start(dir);
        let a = shared_relay(dir, &broker.url, &manifest, "relay-a", &suri_a);
        let b = shared_relay(dir, &broker.url, &manifest, "relay-b", &suri_b);
        let market = a.feed.market().unwrap();
        assert_eq!(market.contract, suite.market);
        let mut sims: Vec<_> = (0..meters).map(|n| sim(n, market)).collect();
        let baselines: Vec<_> = sims.iter_mut().map(|m| next(m, 0)).collect();
        assert_eq!(a.feed.send(&baselines).unwrap().stored, meters);
        a.wait_settled(f64::from(meters), std::time::Duration::from_secs(120));
        Shared {
            chain,
            suite,
            broker,
            manifest,
            suri_b,
            a,
            b,
            meters: sims,
            baselines,
        }
    }
}

/// Each of `meters` is on chain at its last reading in `sent`, and its household holds the
/// credits of its registers from `baselines` to that reading (off-peak solar in 100 Wh
/// steps: the credits do not depend on which readings landed); every reading in the
/// relays' outboxes (`dir/<name>/data`) settled once. Returns the readings settled as
/// overtaken by the other relay's.
fn check_shared(
    chain: &mut NodeChain,
    suite: &Suite,
    dir: &Path,
    meters: &[smartcity_sdk::meter::MeterSimulator],
    baselines: &[interfaces::reading::SignedReading],
    sent: &[interfaces::reading::SignedReading],
) -> usize {
    let mut superseded = 0;
    for name in ["relay-a", "relay-b"] {
        let store = Store::open(&dir.join(name).join("data")).unwrap();
        assert_eq!(store.unsettled_count().unwrap(), 0);
        for meter in meters {
            for (seq, settlement) in store.settlements(&meter.device).unwrap() {
                match settlement {
                    Settlement::Accepted { .. } | Settlement::Baseline => {}
                    Settlement::Superseded | Settlement::AlreadyOnChain => superseded += 1,
                    other => panic!("{name}, reading {seq}: {other:?}"),
                }
            }
        }
    }
    let config = smartcity_suite::market_config(chain);
    let market = smartcity_sdk::MarketClient::at(suite.market);
    for (n, (meter, baseline)) in meters.iter().zip(baselines).enumerate() {
        let last = sent
            .iter()
            .filter(|r| r.reading.device == meter.device)
            .next_back()
            .unwrap();
        let state = market.meter(chain, meter.device).unwrap().unwrap();
        assert_eq!(state.seq, last.reading.seq, "meter {n}");
        let wh = last.reading.export_wh_total - baseline.reading.export_wh_total;
        let earned = config.credits(
            wh,
            interfaces::EnergySource::Solar,
            baseline.reading.at_ms,
            last.reading.at_ms,
        );
        let owner = household(chain, n as u32);
        assert_eq!(common::earned(chain, suite, owner), earned, "household {n}");
    }
    superseded
}

/// Publishes `rounds` readings of every meter, 100 Wh each, round by round (as meters
/// report), and keeps what was sent.
fn publish(
    publisher: &meter_feed::MqttFeed,
    meters: &mut [smartcity_sdk::meter::MeterSimulator],
    rounds: u64,
    sent: &mut Vec<interfaces::reading::SignedReading>,
) {
    for _ in 0..rounds {
        for meter in meters.iter_mut() {
            let reading = next(meter, 100);
            publisher.publish(&reading).unwrap();
            sent.push(reading);
        }
    }
}

/// Two relays take the readings of one MQTT shared subscription (`$share/...`), each with
/// its own outbox and key, submitting to the same market. The broker splits every meter's
/// readings between them, so each relay sends sequences with gaps, and a reading the other
/// relay's later one overtook is stale on chain: it settles as `superseded`, or is refused
/// at ingest as a stale sequence, and its energy is in the later reading's difference.
/// Every reading is accounted for once, and each household holds exactly the credits of
/// its meter's registers from the baseline to the last reading.
#[test]
fn two_relays_share_one_mqtt_subscription_on_a_node() {
    // three meters: the broker hands the messages out in turn, so each meter's readings
    // alternate between the relays (with an even count each relay would get whole meters)
    const METERS: u32 = 3;
    const READINGS: u64 = 20;
    let dir = tempfile::tempdir().unwrap();
    let Shared {
        mut chain,
        suite,
        broker,
        a,
        b,
        mut meters,
        baselines,
        ..
    } = Shared::start("//Charlie", METERS, dir.path());

    // then 20 readings per meter, 100 Wh each, over the shared subscription
    let publisher = meter_feed::MqttFeed::connect(&broker.url, "two-relays-meters").unwrap();
    let mut sent = Vec::new();
    publish(&publisher, &mut meters, READINGS, &mut sent);
    let total = READINGS * u64::from(METERS);
    assert_eq!(
        publisher
            .finish(total, std::time::Duration::from_secs(60))
            .unwrap(),
        total
    );
    // every message is either stored by one relay or refused by it as stale
    let accounted =
        |relay: &Relay| relay.metric("relay_readings_received_total{transport=\"mqtt\"}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    while accounted(&a) + accounted(&b) < total as f64 {
        assert!(
            std::time::Instant::now() < deadline,
            "not every message reached a relay"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (share_a, share_b) = (accounted(&a), accounted(&b));
    assert!(
        share_a > 0.0 && share_b > 0.0,
        "the broker split the stream: {share_a} / {share_b}"
    );
    // each message stored once (or a resend found stored) or refused as stale, and then
    // every stored reading settled
    let taken = |relay: &Relay| {
        relay.metric("relay_readings_stored_total")
            + relay.metric("relay_readings_duplicate_total")
            + relay.metric("relay_readings_rejected_total{reason=\"stale_sequence\"}")
            + relay.metric("relay_readings_rejected_total{reason=\"replayed_sequence\"}")
    };
    loop {
        let done = taken(&a) + taken(&b) - f64::from(METERS) >= total as f64
            && a.metric("relay_queue_depth") == 0.0
            && b.metric("relay_queue_depth") == 0.0;
        if done {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not settled in time; relay A's log:\n{}",
            std::fs::read_to_string(&a.log).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(taken(&a) + taken(&b) - f64::from(METERS), total as f64);
    let stale = |relay: &Relay| {
        relay.metric("relay_readings_rejected_total{reason=\"stale_sequence\"}")
            + relay.metric("relay_readings_rejected_total{reason=\"replayed_sequence\"}")
    };
    let stale_at_ingest = stale(&a) + stale(&b);
    a.stop();
    b.stop();

    let superseded = check_shared(&mut chain, &suite, dir.path(), &meters, &baselines, &sent);
    assert!(
        superseded > 0 || stale_at_ingest > 0.0,
        "the relays' readings of a meter never overlapped: nothing here was tested"
    );
    println!(
        "two relays on one shared subscription: {share_a} + {share_b} readings; {superseded} \
         settled as overtaken by the other relay's later reading, {stale_at_ingest} refused \
         as stale at ingest (nothing lost)"
    );
}

/// One of two relays sharing the subscription is killed (SIGKILL) halfway through the
/// stream and started again: the broker gives the other relay the stream meanwhile and
/// hands the killed one's unacknowledged messages back to it when it returns, and its
/// outbox resumes what it had acknowledged. Every meter ends on chain at its last reading
/// and every household holds exactly its registers' credits.
#[test]
fn a_killed_relay_loses_nothing_while_the_other_takes_the_stream_on_a_node() {
    const METERS: u32 = 3;
    const READINGS: u64 = 30;
    let dir = tempfile::tempdir().unwrap();
    let Shared {
        mut chain,
        suite,
        broker,
        manifest,
        suri_b,
        a,
        b,
        mut meters,
        baselines,
    } = Shared::start("//Dave", METERS, dir.path());

    let publisher = meter_feed::MqttFeed::connect(&broker.url, "killed-relay-meters").unwrap();
    let mut sent = Vec::new();
    publish(&publisher, &mut meters, READINGS / 2, &mut sent);
    // B holds some of the stream, settled or not, when it is killed
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while b.metric("relay_readings_stored_total") == 0.0 {
        assert!(std::time::Instant::now() < deadline, "relay B took nothing");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    b.kill();
    publish(&publisher, &mut meters, READINGS / 2, &mut sent);
    let total = READINGS * u64::from(METERS);
    assert_eq!(
        publisher
            .finish(total, std::time::Duration::from_secs(60))
            .unwrap(),
        total
    );
    let b = shared_relay(dir.path(), &broker.url, &manifest, "relay-b", &suri_b);
    // until every meter is on chain at its last reading and both outboxes are drained
    let market = smartcity_sdk::MarketClient::at(suite.market);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(240);
    loop {
        let mut landed = true;
        for meter in &meters {
            let state = market.meter(&mut chain, meter.device).unwrap();
            landed &= state.map(|s| s.seq) == Some(meter.seq);
        }
        let drained = a.metric("relay_queue_depth") == 0.0 && b.metric("relay_queue_depth") == 0.0;
        if landed && drained {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the stream did not land; relay B's log:\n{}",
            std::fs::read_to_string(&b.log).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    a.stop();
    b.stop();
    let superseded = check_shared(&mut chain, &suite, dir.path(), &meters, &baselines, &sent);
    println!(
        "two relays, one killed halfway and restarted: {total} readings, every meter at its \
         last reading, {superseded} overtaken (nothing lost)"
    );
}
