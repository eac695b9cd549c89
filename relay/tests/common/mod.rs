//! What the relay's integration tests share: starting the `meter-relay` binary and a
//! mosquitto broker on loopback ports, signing readings, reading metrics.

#![allow(dead_code)]

pub mod crash;

use interfaces::{reading::SignedReading, AccountId};
use meter_feed::HttpFeed;
use smartcity_sdk::meter::MeterSimulator;
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub fn artifacts() -> PathBuf {
    std::env::var_os("SMARTCITY_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts"))
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `meter-relay run`.
pub struct Relay {
    pub child: Child,
    pub log: PathBuf,
    pub url: String,
    pub feed: HttpFeed,
}

impl Relay {
    /// Starts the relay on `dir` with HTTP on `port` and waits until `/health` answers.
    pub fn start(dir: &Path, port: u16, extra: &[&str]) -> Relay {
        Self::start_with_env(dir, port, extra, &[])
    }

    /// The same, with environment variables for the relay.
    pub fn start_with_env(dir: &Path, port: u16, extra: &[&str], env: &[(&str, &str)]) -> Relay {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("relay.log"))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_meter-relay"))
            .args(["run", "--data-dir"])
            .arg(dir.join("data"))
            .args(["--http-listen", &format!("127.0.0.1:{port}"), "--artifacts"])
            .arg(artifacts())
            .args(extra)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("the meter-relay binary starts");
        let url = format!("http://127.0.0.1:{port}");
        let mut relay = Relay {
            child,
            log: dir.join("relay.log"),
            feed: HttpFeed::new(&url),
            url,
        };
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if relay.feed.get_json("/health").is_ok() {
                return relay;
            }
            if let Ok(Some(status)) = relay.child.try_wait() {
                panic!(
                    "the relay exited with {status} while starting; its log:\n{}",
                    std::fs::read_to_string(dir.join("relay.log")).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the relay did not come up in 180 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "the relay exited with {exit} after SIGTERM");
    }

    /// The value of a metric line (`name` with its labels, as printed).
    pub fn metric(&self, name: &str) -> f64 {
        let text = ureq::get(&format!("{}/metrics", self.url))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        text.lines()
            .find_map(|line| {
                line.strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix(' '))
            })
            .map_or(0.0, |v| v.trim().parse().unwrap())
    }

    /// Waits until every stored reading is settled.
    pub fn wait_settled(&self, stored_at_least: f64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let stored = self.metric("relay_readings_stored_total");
            if stored >= stored_at_least && self.metric("relay_queue_depth") == 0.0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "not settled in time: stored {stored}, queue {}; the relay's log:\n{}",
                self.metric("relay_queue_depth"),
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A mosquitto broker on a loopback port: one started here from Debian's package by the
/// relay's launcher (`meter_relay::broker`, also `meter-relay broker` for scripts), or an
/// external one named by `SMARTCITY_TEST_MQTT`.
pub struct Broker {
    pub url: String,
    _local: Option<meter_relay::broker::LocalBroker>,
}

impl Broker {
    pub fn start(dir: &Path) -> Broker {
        if let Ok(url) = std::env::var("SMARTCITY_TEST_MQTT") {
            return Broker { url, _local: None };
        }
        let local = meter_relay::broker::LocalBroker::start(dir).expect("mosquitto");
        Broker {
            url: local.url.clone(),
            _local: Some(local),
        }
    }
}

/// 01:00 UTC four days ago: readings from then on are in the past, so their credits are
/// known in advance.
pub fn base_ms() -> u64 {
    let now = meter_feed::now_ms();
    (now / 86_400_000 - 4) * 86_400_000 + 3_600_000
}

/// Minutes between two readings of a simulated meter in the tests: a 25 kW connection (the
/// city's default rating) delivers at most 1,250 Wh in 3 minutes.
pub const STEP_MS: u64 = 3 * 60_000;

/// Simulated meter `n`'s next reading, `wh` exported since its last: its registers read at
/// `base_ms() + seq` steps.
pub fn next(meter: &mut MeterSimulator, wh: u64) -> SignedReading {
    let at = base_ms() + (meter.seq + 1) * STEP_MS;
    meter.read(at, 0, wh)
}

/// The credits `config` pays for one meter's `readings` (the first its baseline): each
/// difference of the export register over its interval.
pub fn register_credits<'a>(
    config: &interfaces::market::MarketConfig,
    readings: impl IntoIterator<Item = &'a SignedReading>,
) -> u128 {
    let mut in_order: Vec<&SignedReading> = readings.into_iter().collect();
    in_order.sort_by_key(|r| r.reading.seq);
    in_order
        .windows(2)
        .map(|pair| {
            let (a, b) = (&pair[0].reading, &pair[1].reading);
            let wh = b.export_wh_total - a.export_wh_total;
            config.credits(wh, interfaces::EnergySource::Solar, a.at_ms, b.at_ms)
        })
        .sum()
}

/// `owner`'s credits from the market: minted to it (settled) or accrued and not yet.
pub fn earned<C: smartcity_sdk::Chain>(
    chain: &mut C,
    suite: &smartcity_suite::Suite,
    owner: AccountId,
) -> u128 {
    let token = smartcity_sdk::TokenClient::at(suite.token);
    let market = smartcity_sdk::MarketClient::at(suite.market);
    let accrued = market.energy_account(chain, owner).unwrap().credits();
    token.balance_of(chain, owner).unwrap() + accrued
}

pub fn sim(n: u32, market: interfaces::Deployment) -> MeterSimulator {
    meter_feed::sim_meter(n, market, Default::default())
}

/// The relay's submitter in this process, on its embedded chain `chain` with `suite`, its
/// outbox in `dir`: batches of up to 768 readings every 10 ms, accounts settled a
/// millisecond after crediting, the suite's admin paying.
pub fn in_process_submitter(
    dir: &Path,
    mut chain: smartcity_sandbox::SandboxChain,
    suite: smartcity_suite::Suite,
) -> meter_relay::submitter::Submitter<smartcity_sandbox::SandboxChain> {
    use meter_relay::{
        metrics::Metrics,
        outbox::Store,
        submitter::{BatchConfig, Submitter},
    };
    use smartcity_sdk::{MarketClient, RegistryClient};
    use std::sync::Arc;
    let admin = smartcity_suite::accounts::admin(&mut chain);
    Submitter {
        chain,
        registry: RegistryClient::at(suite.registry),
        market: MarketClient::at(suite.market),
        store: Store::open(dir).unwrap(),
        metrics: Arc::new(Metrics::new()),
        config: BatchConfig {
            max_readings: 768,
            interval: Duration::from_millis(10),
            signer: admin,
            retain_settled: Duration::from_secs(3600),
            settle_accounts: Duration::from_millis(1),
            settle_delay: Duration::ZERO,
            hold: false,
        },
        on_block: Box::new(|_| Ok(())),
        stop: Arc::default(),
    }
}

/// Stores `signed` in the relay's outbox in `dir` as ingest does, and waits until it is on
/// disk (acknowledged).
pub fn acknowledge(dir: &Path, signed: &[SignedReading]) {
    use meter_relay::{check::Checked, metrics::Metrics, outbox::Writer};
    let (writer, writer_thread) = Writer::start(dir, std::sync::Arc::new(Metrics::new())).unwrap();
    let checked = signed
        .iter()
        .map(|s| Checked {
            signed: s.clone(),
            chain_last: None,
            rated_w: 25_000,
        })
        .collect();
    let ack = writer.enqueue(checked).unwrap().blocking_recv().unwrap();
    assert!(ack.is_ok(), "{ack:?}");
    drop(writer);
    writer_thread.join().unwrap();
}
