//! `relay-bench`: measures the meter relay as a separate process, as integrators run it.
//!
//! 1. Ingest throughput: pre-signed readings (signing is the meters' work, not the
//!    relay's) sent as fast as the relay takes them over HTTP (JSON and SCALE, several
//!    connections) and over MQTT (QoS 1, one reading per message and 100 per message);
//!    a reading counts when it is decoded, verified and committed to disk. Then the same
//!    over HTTP into a second relay whose chain submits nothing meanwhile (the relay's
//!    own work, as when its chain is a node on another machine).
//! 2. Submission: how fast the relay then drains its queue into the embedded chain.
//! 3. Latency: readings at a steady rate, time from arrival to settled on chain.
//! 4. Memory: the relay's resident memory at a steady rate over `--soak-minutes`.
//! 5. The city run: `--city-meters` meters (one household each) report once per round,
//!    the rounds 15 minutes apart on the meters' clocks; the relay batches them and
//!    settles each household a second after crediting it. Prints each batch's weight and
//!    the settlements.
//!
//! 6. With `--node-url`, instead: one relay against two sharing one MQTT subscription, on
//!    a node (see `node.rs`).
//!
//! `scripts/bench-relay.sh` builds the release binaries and runs it; the results are in
//! the README's "Meter relay" section.

mod node;

use clap::Parser;
use interfaces::reading::SignedReading;
use meter_feed::{sim_meter, to_json, HttpFeed};
use scale::Encode;
use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

#[derive(Parser)]
struct Args {
    /// Built contracts for the relay's embedded chain.
    #[arg(long, default_value = "artifacts")]
    artifacts: PathBuf,
    /// Simulated meters (registered on the embedded chain).
    #[arg(long, default_value_t = 64)]
    meters: u32,
    /// Readings per throughput run.
    #[arg(long, default_value_t = 100_000)]
    readings: usize,
    /// HTTP connections sending at once.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Readings per HTTP request (and per batched MQTT message: 100).
    #[arg(long, default_value_t = 500)]
    per_request: usize,
    /// Readings per second for the latency and memory runs.
    #[arg(long, default_value_t = 200.0)]
    steady_rate: f64,
    /// The batch interval of the memory run's relay (a fresh one): a relay is best run
    /// with batches of seconds (fewer, larger calls), and each batch mints one receipt per
    /// household it pays, which the embedded chain keeps in memory.
    #[arg(long, default_value_t = 5_000)]
    soak_batch_interval_ms: u64,
    /// Meters sending in the memory run. Each batch mints one receipt per household it
    /// pays, which the embedded chain keeps: with one meter the chain's state stays
    /// nearly constant and what is left is the relay's own memory.
    #[arg(long, default_value_t = 64)]
    soak_meters: u32,
    /// Only the memory run.
    #[arg(long)]
    soak_only: bool,
    /// Use this broker instead of starting mosquitto.
    #[arg(long)]
    mqtt_broker: Option<String>,
    /// Length of the memory run (0: skip it).
    #[arg(long, default_value_t = 10)]
    soak_minutes: u64,
    /// Meters of the city run (0: skip it).
    #[arg(long, default_value_t = 1_000)]
    city_meters: u32,
    /// Rounds of the city run after the meters' baselines, 15 minutes apart.
    #[arg(long, default_value_t = 4)]
    city_rounds: u64,
    /// Only the city run.
    #[arg(long)]
    city_only: bool,
    /// Instead of the runs above: one relay against two sharing an MQTT subscription, on
    /// the node at this URL (`ws://127.0.0.1:9944`), which the city is deployed to.
    #[arg(long)]
    node_url: Option<String>,
    /// The node run's root key (a dev key: it deploys, and funds the relays' accounts).
    #[arg(long, default_value = "//Alice")]
    node_suri: String,
    /// Meters of the node run.
    #[arg(long, default_value_t = 32)]
    node_meters: u32,
    /// Readings per relay count in the node run.
    #[arg(long, default_value_t = 3_200)]
    node_readings: usize,
    /// One meter's readings per MQTT message in the node run.
    #[arg(long, default_value_t = 10)]
    node_per_message: usize,
}

struct Relay {
    child: Child,
    url: String,
    feed: HttpFeed,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn metric_text(url: &str) -> String {
    ureq::get(&format!("{url}/metrics"))
        .call()
        .unwrap()
        .into_string()
        .unwrap()
}

fn metric(url: &str, name: &str) -> f64 {
    metric_text(url)
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' ')))
        .map_or(0.0, |v| v.trim().parse().unwrap_or(0.0))
}

/// The histogram's buckets (upper bound, cumulative count) and its count.
fn histogram(url: &str, name: &str) -> (Vec<(f64, f64)>, f64, f64) {
    let text = metric_text(url);
    let mut buckets = Vec::new();
    let (mut sum, mut count) = (0.0, 0.0);
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix(&format!("{name}_bucket{{le=\"")) {
            let (le, value) = rest.split_once("\"} ").unwrap();
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap()
            };
            buckets.push((le, value.parse().unwrap()));
        } else if let Some(v) = line.strip_prefix(&format!("{name}_sum ")) {
            sum = v.parse().unwrap();
        } else if let Some(v) = line.strip_prefix(&format!("{name}_count ")) {
            count = v.parse().unwrap();
        }
    }
    (buckets, sum, count)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn start_relay(args: &Args, dir: &std::path::Path, broker: &str, interval_ms: u64) -> Relay {
    start_relay_with(args, dir, broker, interval_ms, args.meters, &[])
}

fn start_relay_with(
    args: &Args,
    dir: &std::path::Path,
    broker: &str,
    interval_ms: u64,
    meters: u32,
    extra: &[&str],
) -> Relay {
    let artifacts = args.artifacts.display().to_string();
    let (meters, interval) = (meters.to_string(), interval_ms.to_string());
    let mut flags = vec!["--artifacts", artifacts.as_str(), "--mqtt-broker", broker];
    flags.extend(["--sim-meters", meters.as_str()]);
    flags.extend(["--batch-interval-ms", interval.as_str()]);
    flags.extend(extra);
    spawn_relay(dir, &flags, &[])
}

/// Starts `meter-relay run` with its data in `dir`, HTTP on a free loopback port, then
/// `flags`, with `env` in its environment; returns once `/health` answers.
fn spawn_relay(dir: &std::path::Path, flags: &[&str], env: &[(&str, &str)]) -> Relay {
    std::fs::create_dir_all(dir).unwrap();
    let port = free_port();
    let exe = std::env::current_exe()
        .unwrap()
        .with_file_name("meter-relay");
    let log = std::fs::File::create(dir.join("relay.log")).unwrap();
    let child = Command::new(exe)
        .args(["run", "--data-dir"])
        .arg(dir.join("data"))
        .args(["--http-listen", &format!("127.0.0.1:{port}")])
        .args(flags)
        .envs(env.iter().copied())
        .env(
            "RUST_LOG",
            std::env::var("RELAY_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let relay = Relay {
        child,
        feed: HttpFeed::new(&url),
        url,
    };
    let deadline = Instant::now() + Duration::from_secs(600);
    while relay.feed.get_json("/health").is_err() {
        assert!(Instant::now() < deadline, "the relay did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    relay
}

/// The meters' next `count` readings, signed on every core, in per-meter order.
fn sign(meters: &mut [smartcity_sdk::meter::MeterSimulator], count: usize) -> Vec<SignedReading> {
    let base = (meter_feed::now_ms() / 86_400_000 - 1) * 86_400_000 + 3_600_000;
    let n = meters.len();
    let per_meter = count.div_ceil(n);
    let signed: Vec<Vec<SignedReading>> = std::thread::scope(|scope| {
        let handles: Vec<_> = meters
            .chunks_mut(n.div_ceil(2))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter_mut()
                        .map(|m| {
                            (0..per_meter)
                                .map(|_| {
                                    // a second apart, 5 Wh each: 18 kW, under the
                                    // city's 25 kW default rating
                                    let at = base + (m.seq + 1) * 1_000;
                                    m.read(at, 0, 5)
                                })
                                .collect::<Vec<_>>()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    // interleave the meters (as they report), keeping each meter's order
    let mut out = Vec::with_capacity(n * per_meter);
    for i in 0..per_meter {
        for meter in &signed {
            out.push(meter[i].clone());
        }
    }
    out
}

/// Readings per second whose signer one thread recovers (as ingest does for each
/// reading), over at most 20,000 of `readings`.
fn recovery_rate(market: &interfaces::Deployment, readings: &[SignedReading]) -> f64 {
    let sample = &readings[..readings.len().min(20_000)];
    let started = Instant::now();
    let recovered = sample
        .iter()
        .filter(|r| meter_relay::check::recover(market, r).is_some())
        .count();
    assert_eq!(recovered, sample.len(), "every reading's signer recovered");
    sample.len() as f64 / started.elapsed().as_secs_f64()
}

/// Sends `readings` over HTTP on `connections` connections (a meter always on the same
/// one, so its readings arrive in order); returns the seconds until all were acknowledged.
fn http_run(
    url: &str,
    readings: &[SignedReading],
    connections: usize,
    per_request: usize,
    scale: bool,
) -> f64 {
    let mut lanes: Vec<Vec<SignedReading>> = vec![Vec::new(); connections];
    for r in readings {
        lanes[(r.reading.device[0] as usize) % connections].push(r.clone());
    }
    let bodies: Vec<Vec<Vec<u8>>> = lanes
        .iter()
        .map(|lane| {
            lane.chunks(per_request)
                .map(|c| {
                    if scale {
                        c.to_vec().encode()
                    } else {
                        to_json(c).into_bytes()
                    }
                })
                .collect()
        })
        .collect();
    let content_type = if scale {
        "application/octet-stream"
    } else {
        "application/json"
    };
    let started = Instant::now();
    std::thread::scope(|scope| {
        for lane in &bodies {
            scope.spawn(move || {
                let feed = HttpFeed::new(url);
                for body in lane {
                    feed.post(content_type, body)
                        .expect("the relay took the readings");
                }
            });
        }
    });
    started.elapsed().as_secs_f64()
}

/// Publishes `readings` with QoS 1, `per_message` to a message; returns the seconds until
/// the relay had stored them all.
/// Publishes `readings`, `per_message` to a message, under `prefix/<device>/readings`, and
/// returns the seconds until the relay at `relay_url` stored them all.
fn mqtt_run(
    relay_url: &str,
    broker: &str,
    prefix: &str,
    readings: &[SignedReading],
    per_message: usize,
) -> f64 {
    let stored_before = metric(relay_url, "relay_readings_stored_total");
    let payloads: Vec<(String, Vec<u8>)> = readings
        .chunks(per_message)
        .map(|c| {
            (
                format!("{prefix}/{}/readings", hex::encode(c[0].reading.device)),
                to_json(c).into_bytes(),
            )
        })
        .collect();
    let (host, port) = meter_feed::parse_mqtt_url(broker).unwrap();
    let mut options = rumqttc::MqttOptions::new(format!("bench-{}", payloads.len()), host, port);
    options.set_inflight(1_000);
    options.set_max_packet_size(1 << 24, 1 << 24);
    let (client, mut connection) = rumqttc::Client::new(options, 100_000);
    // the iterator reconnects after an error or a disconnect: stop there
    let pump = std::thread::spawn(move || {
        for event in connection.iter() {
            if matches!(
                event,
                Err(_) | Ok(rumqttc::Event::Outgoing(rumqttc::Outgoing::Disconnect))
            ) {
                break;
            }
        }
    });
    let started = Instant::now();
    for (topic, payload) in payloads {
        client
            .publish(topic, rumqttc::QoS::AtLeastOnce, false, payload)
            .unwrap();
    }
    let target = stored_before + readings.len() as f64;
    while metric(relay_url, "relay_readings_stored_total") < target {
        std::thread::sleep(Duration::from_millis(5));
    }
    let seconds = started.elapsed().as_secs_f64();
    let _ = client.disconnect();
    let _ = pump.join();
    seconds
}

/// Ingest alone: a second relay whose chain submits nothing (`--hold-batches`), as a relay
/// on a node leaves the contracts to the node's machine. Its readings are decoded,
/// verified, committed to disk and acknowledged as above.
fn ingest_alone(
    args: &Args,
    dir: &std::path::Path,
    broker: &str,
    broker_pid: Option<u32>,
    meters: &mut [smartcity_sdk::meter::MeterSimulator],
) -> anyhow::Result<()> {
    // its own topic and client id: the first relay does not see these readings
    let relay = start_relay_with(
        args,
        &dir.join("ingest-alone"),
        broker,
        600_000,
        args.meters,
        &[
            "--mqtt-topic",
            "alone/+/readings",
            "--mqtt-client-id",
            "relay-bench-alone",
            "--hold-batches",
        ],
    );
    if relay.feed.market()? != meters[0].market {
        anyhow::bail!("the second relay's market is another");
    }
    println!("\n| ingest run, the relay's chain idle (as on a node) | readings | seconds | readings/s stored |");
    println!("|---|---:|---:|---:|");
    for scale in [false, true] {
        let batch = sign(meters, args.readings);
        let s = http_run(
            &relay.url,
            &batch,
            args.connections,
            args.per_request,
            scale,
        );
        println!(
            "| HTTP {}, {} per request, {} connections | {} | {s:.2} | {:.0} |",
            if scale { "SCALE" } else { "JSON" },
            args.per_request,
            args.connections,
            batch.len(),
            batch.len() as f64 / s
        );
    }
    for per_message in [1, 100] {
        let batch = sign(meters, args.readings);
        let s = mqtt_run(&relay.url, broker, "alone", &batch, per_message);
        let unit = if per_message == 1 {
            "reading"
        } else {
            "readings"
        };
        println!(
            "| MQTT QoS 1, {per_message} {unit} per message | {} | {s:.2} | {:.0} |",
            batch.len(),
            batch.len() as f64 / s
        );
    }
    // the relay's own capacity: the relay on the first core, mosquitto and the publisher
    // on the second, so neither takes the other's cycles
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if let (Some(broker_pid), true) = (broker_pid, cores >= 2) {
        let pin = |cpus: &str, pid: u32| {
            Command::new("taskset")
                .args(["-a", "-cp", cpus, &pid.to_string()])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        };
        let all = format!("0-{}", cores - 1);
        let me = std::process::id();
        if pin("0", relay.child.id()) && pin("1", broker_pid) && pin("1", me) {
            let batch = sign(meters, args.readings);
            let s = mqtt_run(&relay.url, broker, "alone", &batch, 1);
            println!(
                "| MQTT QoS 1, 1 reading per message, the relay on one core of its own (mosquitto and the publisher on the other) | {} | {s:.2} | {:.0} |",
                batch.len(),
                batch.len() as f64 / s
            );
        } else {
            println!("(taskset could not pin the processes: the one-core run is skipped)");
        }
        pin(&all, me);
        pin(&all, broker_pid);
    }
    Ok(())
}

fn wait_drained(url: &str) -> f64 {
    let started = Instant::now();
    while metric(url, "relay_queue_depth") > 0.0 {
        std::thread::sleep(Duration::from_millis(50));
    }
    started.elapsed().as_secs_f64()
}

/// The city run (see the module docs).
fn city_run(args: &Args, dir: &std::path::Path, broker: &str) -> anyhow::Result<()> {
    const QUARTER_MS: u64 = 900_000;
    let city_dir = dir.join("city");
    let relay = start_relay_with(
        args,
        &city_dir,
        broker,
        1_000,
        args.city_meters,
        &["--settle-accounts-secs", "1"],
    );
    let market = relay.feed.market()?;
    let mut meters: Vec<_> = (0..args.city_meters)
        .map(|n| sim_meter(n, market, Default::default()))
        .collect();
    let start = (meter_feed::now_ms() / QUARTER_MS - args.city_rounds - 1) * QUARTER_MS;
    println!(
        "\ncity run: {} meters (one household each) reporting every 15 minutes: a baseline round, then {} rounds; batches every second, households settled a second after being credited",
        meters.len(),
        args.city_rounds
    );
    println!("\n| round | readings | seconds to settle on chain |");
    println!("|---:|---:|---:|");
    for round in 0..=args.city_rounds {
        let at = start + round * QUARTER_MS;
        // 2 kW for 15 minutes: 500 Wh exported per reading
        let readings: Vec<_> = meters.iter_mut().map(|m| m.read(at, 0, 500)).collect();
        let started = Instant::now();
        http_run(
            &relay.url,
            &readings,
            args.connections,
            args.per_request,
            false,
        );
        wait_drained(&relay.url);
        println!(
            "| {} | {} | {:.2} |",
            if round == 0 {
                "baselines".to_string()
            } else {
                round.to_string()
            },
            readings.len(),
            started.elapsed().as_secs_f64()
        );
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let households = f64::from(args.city_meters) * args.city_rounds as f64;
    while metric(&relay.url, "relay_accounts_settled_total")
        < households.min(f64::from(args.city_meters))
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(3));
    println!(
        "\naccounts settled: {} (pages of at most 64)",
        metric(&relay.url, "relay_accounts_settled_total")
    );
    drop(relay);
    let conn = meter_relay::outbox::open(&city_dir.join("data"))?;
    let mut stmt = conn.prepare(
        "SELECT readings, ref_time, proof_size FROM batches WHERE ref_time > 0 ORDER BY id",
    )?;
    let batches: Vec<(i64, i64, i64)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    println!("\nthe relay's batches (each a submit_readings call):\n");
    println!("| readings | ref_time | proof_size | ref_time per reading | proof per reading |");
    println!("|---:|---:|---:|---:|---:|");
    for (readings, ref_time, proof) in batches {
        println!(
            "| {readings} | {ref_time} | {proof} | {:.3e} | {} |",
            ref_time as f64 / readings.max(1) as f64,
            proof / readings.max(1)
        );
    }
    Ok(())
}

fn quantile(buckets: &[(f64, f64)], count: f64, q: f64) -> f64 {
    buckets
        .iter()
        .find(|(_, c)| *c >= q * count)
        .map_or(f64::INFINITY, |(le, _)| *le)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let local = match &args.mqtt_broker {
        Some(_) => None,
        None => Some(meter_relay::broker::LocalBroker::start(dir.path())?),
    };
    let broker = args
        .mqtt_broker
        .clone()
        .or_else(|| local.as_ref().map(|b| b.url.clone()))
        .expect("a broker");
    if let Some(url) = &args.node_url {
        node::run(&args, dir.path(), &broker, url)?;
        drop(local);
        return Ok(());
    }
    if args.city_meters > 0 {
        city_run(&args, dir.path(), &broker)?;
    }
    if args.city_only {
        drop(local);
        return Ok(());
    }
    let relay = start_relay(&args, &dir.path().join("throughput"), &broker, 200);
    let market = relay.feed.market()?;
    let mut meters: Vec<_> = (0..args.meters)
        .map(|n| sim_meter(n, market, Default::default()))
        .collect();
    if !args.soak_only {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "relay-bench: {} meters, {} readings per run, {cores} cores, relay pid {}",
            args.meters,
            args.readings,
            relay.child.id()
        );
        println!("\n| ingest run | readings | seconds | readings/s stored |");
        println!("|---|---:|---:|---:|");
        let row = |name: &str, count: usize, seconds: f64| {
            println!(
                "| {name} | {count} | {seconds:.2} | {:.0} |",
                count as f64 / seconds
            );
        };
        let batch = sign(&mut meters, args.readings);
        let recoveries = recovery_rate(&market, &batch);
        let s = http_run(
            &relay.url,
            &batch,
            args.connections,
            args.per_request,
            false,
        );
        row(
            &format!(
                "HTTP JSON, {} per request, {} connections",
                args.per_request, args.connections
            ),
            batch.len(),
            s,
        );
        let drained = wait_drained(&relay.url);
        let submitted_rate = batch.len() as f64 / (s + drained);
        let batch = sign(&mut meters, args.readings);
        let s = http_run(&relay.url, &batch, args.connections, args.per_request, true);
        row(
            &format!(
                "HTTP SCALE, {} per request, {} connections",
                args.per_request, args.connections
            ),
            batch.len(),
            s,
        );
        wait_drained(&relay.url);
        let batch = sign(&mut meters, args.readings / 4);
        let s = http_run(&relay.url, &batch, args.connections, 1, false);
        row(
            &format!("HTTP JSON, 1 per request, {} connections", args.connections),
            batch.len(),
            s,
        );
        wait_drained(&relay.url);
        let batch = sign(&mut meters, args.readings);
        let s = mqtt_run(&relay.url, &broker, "meters", &batch, 1);
        row("MQTT QoS 1, 1 reading per message", batch.len(), s);
        wait_drained(&relay.url);
        let batch = sign(&mut meters, args.readings);
        let s = mqtt_run(&relay.url, &broker, "meters", &batch, 100);
        row("MQTT QoS 1, 100 readings per message", batch.len(), s);
        wait_drained(&relay.url);
        println!(
            "\nsignature recovery (the check ingest cannot skip) on one core of this machine: \
             {recoveries:.0} readings/s, so {:.0}/s on all {cores} cores, were they free",
            recoveries * cores as f64
        );
        let broker_pid = local.as_ref().map(|b| b.pid());
        ingest_alone(&args, dir.path(), &broker, broker_pid, &mut meters)?;
        println!(
        "\nsubmission to the embedded chain: {submitted_rate:.0} readings/s from arrival to settled in the first run; \
         {} batches so far, {:.0} readings per batch on average; the last: ref_time {:.3e}, proof {} bytes",
        metric(&relay.url, "relay_batches_total"),
        metric(&relay.url, "relay_batch_readings_sum") / metric(&relay.url, "relay_batch_readings_count").max(1.0),
        metric(&relay.url, "relay_batch_ref_time"),
        metric(&relay.url, "relay_batch_proof_size")
    );

        // latency at a steady rate: one reading per request, as a meter sends
        let (before, _, before_count) = histogram(&relay.url, "relay_settle_latency_seconds");
        let steady = sign(&mut meters, (args.steady_rate * 30.0) as usize);
        let started = Instant::now();
        let feed = HttpFeed::new(&relay.url);
        for (i, r) in steady.iter().enumerate() {
            let due = Duration::from_secs_f64(i as f64 / args.steady_rate);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
            feed.send(std::slice::from_ref(r)).expect("taken");
        }
        wait_drained(&relay.url);
        let (after, sum, count) = histogram(&relay.url, "relay_settle_latency_seconds");
        let delta: Vec<(f64, f64)> = after
            .iter()
            .zip(&before)
            .map(|((le, a), (_, b))| (*le, a - b))
            .collect();
        let n = count - before_count;
        println!(
        "\nlatency, {} readings at {}/s over HTTP (arrival -> settled on chain): p50 <= {} s, p99 <= {} s (batch interval 200 ms); mean over all runs {:.3} s",
        n,
        args.steady_rate,
        quantile(&delta, n, 0.5),
        quantile(&delta, n, 0.99),
        sum / count
    );
    }
    drop(relay);
    if args.soak_minutes > 0 {
        println!(
            "\nmemory at {}/s for {} minutes (resident set of the relay process):",
            args.steady_rate, args.soak_minutes
        );
        let soak_dir = dir.path().join("soak");
        std::fs::create_dir_all(&soak_dir)?;
        let relay = start_relay(&args, &soak_dir, &broker, args.soak_batch_interval_ms);
        let mut meters: Vec<_> = (0..args.soak_meters.clamp(1, args.meters))
            .map(|n| sim_meter(n, market, Default::default()))
            .collect();
        let feed = HttpFeed::new(&relay.url);
        println!(
            "(a fresh relay, batches every {} ms, {} meters sending)",
            args.soak_batch_interval_ms,
            meters.len()
        );
        println!("| minute | relay RSS MiB | chain state MiB | readings stored | queue |");
        println!("|---:|---:|---:|---:|---:|");
        let state = soak_dir.join("data").join("chain.state");
        let state_mib = || std::fs::metadata(&state).map_or(0.0, |m| m.len() as f64 / 1_048_576.0);
        let pid = relay.child.id();
        let total = args.soak_minutes * 60;
        let started = Instant::now();
        let mut sent = 0usize;
        let mut next_sample = 0;
        while started.elapsed().as_secs() < total {
            let chunk = sign(&mut meters, args.steady_rate as usize);
            for r in chunk.chunks(10) {
                let due = Duration::from_secs_f64(sent as f64 / args.steady_rate);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    std::thread::sleep(wait);
                }
                feed.send(r).expect("taken");
                sent += r.len();
            }
            let minute = started.elapsed().as_secs() / 60;
            if started.elapsed().as_secs() >= next_sample {
                println!(
                    "| {minute} | {:.1} | {:.1} | {} | {} |",
                    rss_kib(pid) as f64 / 1024.0,
                    state_mib(),
                    metric(&relay.url, "relay_readings_stored_total"),
                    metric(&relay.url, "relay_queue_depth")
                );
                next_sample += 60;
            }
        }
        wait_drained(&relay.url);
        println!(
            "| end | {:.1} | {:.1} | {} | 0 |",
            rss_kib(pid) as f64 / 1024.0,
            state_mib(),
            metric(&relay.url, "relay_readings_stored_total")
        );
    }
    drop(local);
    Ok(())
}
