//! Two relays against one on a node (`--node-url`): how an integrator scales out. The city
//! is deployed on the node, `--node-meters` simulated meters registered there; the readings
//! are published over MQTT to the shared subscription `$share/relays/meters/+/readings`,
//! which the broker splits between the relays; each relay submits its share as extrinsics
//! signed by its own account. A run is timed from the first publish until every reading
//! has been taken (stored, or refused as overtaken) and nothing is left in any relay's
//! queue. "Overtaken": readings the other relay's later reading of the same meter made
//! stale (settled `superseded`, or refused at ingest); their energy is in that reading.

use crate::{metric, sign, spawn_relay, Args, Relay};
use meter_feed::{sim_meter, to_json};
use smartcity_node::NodeChain;
use smartcity_sdk::{Chain, MarketClient};
use smartcity_suite::{deployment, Code};
use std::{
    path::Path,
    time::{Duration, Instant},
};

const SHARED_TOPIC: &str = "$share/relays/meters/+/readings";

/// A relay on the node, in `dir`, signing with `suri` (passed in its environment).
fn start(dir: &Path, url: &str, manifest: &Path, broker: &str, name: &str, suri: &str) -> Relay {
    let manifest = manifest.display().to_string();
    let flags = [
        "--chain-endpoint",
        url,
        "--chain-deployment",
        manifest.as_str(),
        "--signer",
        "env:METER_RELAY_SURI",
        "--mqtt-broker",
        broker,
        "--mqtt-topic",
        SHARED_TOPIC,
        "--mqtt-client-id",
        name,
        "--batch-interval-ms",
        "200",
    ];
    spawn_relay(dir, &flags, &[("METER_RELAY_SURI", suri)])
}

/// Publishes `readings` with QoS 1, one meter's readings to a message (in order), the
/// meters taking turns.
fn publish(broker: &str, readings: &[interfaces::reading::SignedReading], per_message: usize) {
    let mut by_meter: std::collections::BTreeMap<_, Vec<_>> = Default::default();
    for reading in readings {
        by_meter
            .entry(reading.reading.device)
            .or_default()
            .push(reading.clone());
    }
    let mut messages = Vec::new();
    for (device, mine) in &by_meter {
        for (i, chunk) in mine.chunks(per_message).enumerate() {
            let topic = format!("meters/{}/readings", hex::encode(device));
            messages.push((i, topic, to_json(chunk).into_bytes()));
        }
    }
    messages.sort_by_key(|(i, ..)| *i);
    let (host, port) = meter_feed::parse_mqtt_url(broker).unwrap();
    let mut options =
        rumqttc::MqttOptions::new(format!("bench-node-{}", messages.len()), host, port);
    options.set_inflight(1_000);
    options.set_max_packet_size(1 << 24, 1 << 24);
    let (client, mut connection) = rumqttc::Client::new(options, 100_000);
    let count = messages.len();
    let closer = client.clone();
    // disconnects once the broker has acknowledged every message
    let pump = std::thread::spawn(move || {
        let mut acked = 0;
        for event in connection.iter() {
            match event {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::PubAck(_))) => {
                    acked += 1;
                    if acked == count {
                        let _ = closer.disconnect();
                    }
                }
                Ok(rumqttc::Event::Outgoing(rumqttc::Outgoing::Disconnect)) | Err(_) => break,
                Ok(_) => {}
            }
        }
        acked
    });
    for (_, topic, payload) in messages {
        client
            .publish(topic, rumqttc::QoS::AtLeastOnce, false, payload)
            .unwrap();
    }
    let acked = pump.join().unwrap_or(0);
    assert_eq!(acked, count, "the broker acknowledged every message");
}

/// Until every relay's MQTT subscription is acknowledged (messages published before it
/// would not reach it).
fn wait_subscribed(relays: &[Relay]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while relays
        .iter()
        .any(|r| metric(&r.url, "relay_mqtt_subscribed") != 1.0)
    {
        assert!(Instant::now() < deadline, "a relay did not subscribe");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Readings the relays are done with at ingest: stored, duplicates, or refused (a stale
/// sequence, once a relay knows the other's later reading is on chain).
fn taken(relays: &[Relay]) -> f64 {
    relays
        .iter()
        .map(|r| {
            let text = crate::metric_text(&r.url);
            text.lines()
                .filter(|line| {
                    line.starts_with("relay_readings_stored_total ")
                        || line.starts_with("relay_readings_duplicate_total ")
                        || line.starts_with("relay_readings_rejected_total{")
                })
                .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
                .sum::<f64>()
        })
        .sum()
}

fn settled(relays: &[Relay], outcome: &str) -> f64 {
    let name = format!("relay_readings_settled_total{{outcome=\"{outcome}\"}}");
    relays.iter().map(|r| metric(&r.url, &name)).sum()
}

/// The run (see the module docs): one relay, then two, on the same city.
pub fn run(args: &Args, dir: &Path, broker: &str, url: &str) -> anyhow::Result<()> {
    let mut chain = NodeChain::connect(url, &args.node_suri)?;
    let code = Code::load(&args.artifacts)?;
    let mut config = smartcity_suite::market_config(&mut chain);
    config.max_batch = interfaces::market::MAX_READINGS_PER_CALL;
    let suite = smartcity_suite::deploy(&mut chain, &code, config)?;
    meter_relay::embedded::register_meters(&mut chain, &suite, args.node_meters)?;
    let (_, genesis) = chain.identity();
    let manifest = dir.join("local.json");
    std::fs::write(
        &manifest,
        deployment::skeleton(&genesis, &suite).to_string(),
    )?;
    let market = MarketClient::at(suite.market).deployment(&mut chain)?;
    let mut meters: Vec<_> = (0..args.node_meters)
        .map(|n| sim_meter(n, market, Default::default()))
        .collect();
    // the baselines first, through one relay, so that both runs measure differences
    let suri = |n: u32| format!("{}//meter-relay-{n}", args.node_suri);
    let accounts: Vec<_> = (1..=2)
        .map(|n| chain.account(&format!("meter-relay-{n}")))
        .collect();
    println!(
        "\nrelays on a node ({}, {} meters, {} readings per run, {} per MQTT message):",
        chain.node_version()?,
        args.node_meters,
        args.node_readings,
        args.node_per_message
    );
    println!("| relays | readings | seconds | readings/s | overtaken | batches | fees |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    // the same relays (client ids, outboxes) in both runs: a relay that left the shared
    // subscription without unsubscribing keeps its persistent session, and the broker
    // goes on queueing its share for it
    for count in [1u32, 2] {
        let relays: Vec<Relay> = (1..=count)
            .map(|n| {
                let name = format!("relay-{n}");
                start(&dir.join(&name), url, &manifest, broker, &name, &suri(n))
            })
            .collect();
        wait_subscribed(&relays);
        if count == 1 {
            // the meters' baselines first, untimed: both runs measure differences
            let baselines = sign(&mut meters, args.node_meters as usize);
            publish(broker, &baselines, 1);
            wait(&relays, baselines.len() as f64);
        }
        let readings = sign(&mut meters, args.node_readings);
        let balance = |chain: &mut NodeChain| -> u128 {
            accounts[..count as usize]
                .iter()
                .map(|account| chain.free_balance(*account).unwrap_or(0))
                .sum()
        };
        let before = balance(&mut chain);
        let (taken_before, batches_before) = (taken(&relays), batches(&relays));
        let stale_before = settled(&relays, "superseded") + refused(&relays);
        let started = Instant::now();
        publish(broker, &readings, args.node_per_message);
        wait(&relays, taken_before + readings.len() as f64);
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "| {count} | {} | {seconds:.1} | {:.0} | {} | {} | {:.2e} |",
            readings.len(),
            readings.len() as f64 / seconds,
            settled(&relays, "superseded") + refused(&relays) - stale_before,
            batches(&relays) - batches_before,
            before.saturating_sub(balance(&mut chain)) as f64,
        );
    }
    Ok(())
}

/// Readings refused at ingest (in this run: stale, the other relay's later reading of
/// the meter being on chain).
fn refused(relays: &[Relay]) -> f64 {
    relays
        .iter()
        .map(|r| {
            crate::metric_text(&r.url)
                .lines()
                .filter(|line| line.starts_with("relay_readings_rejected_total{"))
                .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
                .sum::<f64>()
        })
        .sum()
}

fn batches(relays: &[Relay]) -> f64 {
    relays
        .iter()
        .map(|r| metric(&r.url, "relay_batches_total"))
        .sum()
}

/// Until the relays have taken `count` readings between them and hold none unsettled.
fn wait(relays: &[Relay], count: f64) {
    let deadline = Instant::now() + Duration::from_secs(1_800);
    loop {
        let queued: f64 = relays
            .iter()
            .map(|r| metric(&r.url, "relay_queue_depth"))
            .sum();
        if taken(relays) >= count && queued == 0.0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the relays did not settle in 30 minutes"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
