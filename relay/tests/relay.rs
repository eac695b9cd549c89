//! The relay end to end: a real mosquitto broker and the HTTP endpoint feed the relay on
//! its embedded chain; the relay settles the households it credited, and the credits
//! minted on chain are what the readings earned. Every kind of bad input gets its own
//! named error and stores nothing.

mod common;

use common::{next, sim, Broker, Relay};
use interfaces::reading::SignedReading;
use meter_feed::{to_json, FeedError, MqttFeed};
use scale::Encode;
use smartcity_sdk::{MarketClient, TokenClient};
use smartcity_suite::market_config;
use std::time::Duration;

fn refused(result: Result<meter_feed::Ack, FeedError>) -> (u16, String, Option<usize>) {
    match result {
        Err(FeedError::Refused(r)) => (r.status, r.error, r.index),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The credits of a meter's readings, all of them from its first (the baseline).
fn credits(readings: &[SignedReading]) -> u128 {
    let config = market_config(&mut smartcity_sandbox::SandboxChain::new());
    common::register_credits(&config, readings)
}

#[test]
fn http_and_mqtt_readings_become_credits_and_bad_input_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let broker = Broker::start(dir.path());
    let client_id = format!("relay-under-test-{}", std::process::id());
    let relay = Relay::start(
        dir.path(),
        common::free_port(),
        &[
            "--mqtt-broker",
            &broker.url,
            "--mqtt-client-id",
            &client_id,
            "--sim-meters",
            "3",
            "--batch-interval-ms",
            "200",
            "--max-body-bytes",
            "65536",
            "--max-readings-per-request",
            "100",
            "--settle-accounts-secs",
            "1",
        ],
    );
    let feed = &relay.feed;
    let market = feed.market().unwrap();
    let (mut m0, mut m1, mut m2) = (sim(0, market), sim(1, market), sim(2, market));

    // HTTP, JSON: 12 readings in 3 requests; SCALE: 6 readings in one
    let json_readings: Vec<_> = (0..12).map(|i| next(&mut m0, 100 + i)).collect();
    for chunk in json_readings.chunks(4) {
        let ack = feed.send(chunk).unwrap();
        assert_eq!((ack.stored, ack.duplicates), (4, 0));
    }
    let scale_readings: Vec<_> = (0..6).map(|i| next(&mut m1, 500 + i)).collect();
    assert_eq!(feed.send_scale(&scale_readings).unwrap().stored, 6);

    // MQTT: 8 readings, one message each, and one forged message
    let mqtt_readings: Vec<_> = (0..8).map(|i| next(&mut m2, 1_000 + i)).collect();
    let publisher = MqttFeed::connect(&broker.url, "test-meters").unwrap();
    for reading in &mqtt_readings {
        publisher.publish(reading).unwrap();
    }
    let mut forged = next(&mut m2.clone(), 9_999);
    forged.signature[5] ^= 0xff;
    publisher.publish(&forged).unwrap();
    assert_eq!(publisher.finish(9, Duration::from_secs(30)).unwrap(), 9);

    // bad input over HTTP, each with its code; none of it is stored
    let ok_json = to_json(&[next(&mut m0.clone(), 1)]);
    assert_eq!(
        refused(feed.post("application/json", b"{\"device\":")),
        (400, "malformed_json".into(), None)
    );
    let bad_hex = ok_json.replacen("\"device\":\"0x", "\"device\":\"0xzz", 1);
    assert_eq!(
        refused(feed.post("application/json", bad_hex.as_bytes())).1,
        "bad_hex"
    );
    assert_eq!(
        refused(feed.post("application/octet-stream", &[0x08, 1, 2, 3])).1,
        "malformed_scale"
    );
    let mut bad_signature = next(&mut m0.clone(), 1);
    bad_signature.signature[0] ^= 1;
    let good = next(&mut m0.clone(), 1);
    assert_eq!(
        refused(feed.send(&[good.clone(), bad_signature])),
        (422, "bad_signature".into(), Some(1)),
        "one bad reading refuses its request, the good one with it"
    );
    let mut stranger = sim(99, market);
    assert_eq!(
        refused(feed.send(&[next(&mut stranger, 1)])),
        (422, "unknown_device".into(), Some(0))
    );
    let mut replay = sim(0, market);
    replay.seq = 4;
    assert_eq!(
        refused(feed.send(&[next(&mut replay, 7)])),
        (409, "replayed_sequence".into(), Some(0))
    );
    let mut future = m0.clone();
    let far = meter_feed::now_ms() + 3_600_000;
    assert_eq!(
        refused(feed.send(&[future.read(far, 0, 1)])),
        (422, "in_future".into(), Some(0))
    );
    assert_eq!(
        refused(feed.post("application/json", &vec![b' '; 70_000])),
        (413, "body_too_large".into(), None)
    );
    let mut many = m0.clone();
    let too_many: Vec<_> = (0..101).map(|_| next(&mut many, 1)).collect();
    assert_eq!(refused(feed.send_scale(&too_many)).1, "too_many_readings");
    assert_eq!(
        refused(feed.post("text/plain", ok_json.as_bytes())),
        (415, "unsupported_media_type".into(), None)
    );
    // a resend is taken and stored once
    let ack = feed.send(&json_readings[..4]).unwrap();
    assert_eq!((ack.stored, ack.duplicates), (0, 4));

    relay.wait_settled(26.0, Duration::from_secs(120));
    assert_eq!(relay.metric("relay_readings_stored_total"), 26.0);
    // each meter's first reading is its baseline
    assert_eq!(
        relay.metric("relay_readings_settled_total{outcome=\"accepted\"}"),
        23.0
    );
    assert_eq!(
        relay.metric("relay_readings_settled_total{outcome=\"baseline\"}"),
        3.0
    );
    assert_eq!(
        relay.metric("relay_readings_received_total{transport=\"mqtt\"}"),
        9.0
    );
    assert_eq!(
        relay.metric("relay_readings_rejected_total{reason=\"bad_signature\"}"),
        3.0
    );
    for reason in [
        "malformed_json",
        "bad_hex",
        "malformed_scale",
        "unknown_device",
        "replayed_sequence",
        "in_future",
        "body_too_large",
        "too_many_readings",
        "unsupported_media_type",
    ] {
        let line = format!("relay_readings_rejected_total{{reason=\"{reason}\"}}");
        assert!(relay.metric(&line) >= 1.0, "{line}");
    }
    let status = feed
        .get_json(&format!("/meters/0x{}/3", hex::encode(m0.device)))
        .unwrap();
    assert_eq!(status["state"], "settled");
    assert_eq!(status["outcome"], "accepted");
    // reading 3's credits: its difference from reading 2
    assert_eq!(status["credits"], credits(&json_readings[1..3]).to_string());
    assert!(status["tx_hash"].as_str().unwrap().starts_with("0x"));
    // a second after crediting a household the relay settles it
    let store = meter_relay::outbox::Store::open(&dir.path().join("data")).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while relay.metric("relay_accounts_settled_total") < 3.0
        || !store.accruals_due(u64::MAX, 10).unwrap().is_empty()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "households not settled"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    relay.stop();

    // what the chain holds: each household's credits are what its readings earned
    let (mut chain, suite) = meter_relay::embedded::load(&dir.path().join("data")).unwrap();
    let token = TokenClient::at(suite.token);
    let market = MarketClient::at(suite.market);
    for (n, readings) in [
        (0, &json_readings),
        (1, &scale_readings),
        (2, &mqtt_readings),
    ] {
        let household = meter_relay::embedded::household(n);
        assert_eq!(
            token.balance_of(&mut chain, household).unwrap(),
            credits(readings),
            "household {n}"
        );
        let books = market.energy_account(&mut chain, household).unwrap();
        assert_eq!(books.credits(), 0, "household {n}: all minted");
        let state = market
            .meter(&mut chain, meter_relay::embedded::meter_device(n))
            .unwrap()
            .unwrap();
        assert_eq!(state.seq, readings.len() as u64);
    }
    let _ = scale_readings.encode();
}

/// `--hold-batches` (store and forward while the chain is upgraded): readings are checked,
/// stored and acknowledged, and nothing goes to the chain; the same outbox sends them all
/// once the relay runs without the hold.
#[test]
fn a_held_relay_stores_readings_and_sends_them_after_the_hold() {
    let dir = tempfile::tempdir().unwrap();
    let flags = ["--sim-meters", "1", "--batch-interval-ms", "50"];
    let held = Relay::start(
        dir.path(),
        common::free_port(),
        &[&flags[..], &["--hold-batches"]].concat(),
    );
    let market = held.feed.market().unwrap();
    let mut meter = sim(0, market);
    let readings: Vec<_> = (0..5).map(|i| next(&mut meter, 100 + i)).collect();
    held.feed.send(&readings).unwrap();
    std::thread::sleep(Duration::from_millis(1_000));
    assert_eq!(held.metric("relay_readings_stored_total"), 5.0);
    assert_eq!(held.metric("relay_queue_depth"), 5.0, "nothing was sent");
    assert_eq!(held.metric("relay_batches_total"), 0.0);
    held.stop();

    let relay = Relay::start(dir.path(), common::free_port(), &flags);
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while relay.metric("relay_batches_total") < 1.0 || relay.metric("relay_queue_depth") > 0.0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the held readings were not sent"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        relay.metric("relay_readings_settled_total{outcome=\"accepted\"}")
            + relay.metric("relay_readings_settled_total{outcome=\"baseline\"}"),
        5.0
    );
}
