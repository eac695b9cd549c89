//! Security review 1, I-8: when the relay resumes a batch it sent before it stopped, a
//! reading the chain calls stale must be labelled by what happened. If the batch landed,
//! its later reading of the same meter is on chain and the stale one landed with it
//! (`already_on_chain`); if another sender's later reading got there first, this one never
//! counted, though its energy is in that later difference (`superseded`).
//!
//! In process: the relay's outbox and submitter on its embedded chain; "sent before the
//! relay stopped" is a batch begun in the outbox and never confirmed.

mod common;

use meter_relay::{
    check::Checked,
    embedded,
    metrics::Metrics,
    outbox::{Settlement, Store, Writer},
};
use smartcity_sdk::MarketClient;
use smartcity_suite::accounts;
use std::{path::Path, sync::Arc};

/// Three readings of simulated meter 0 stored by the relay and put in a batch that was
/// sent (begun) but never confirmed; returns the relay's submitter over them and the
/// meter, ready to sign its next reading.
fn stopped_mid_batch(
    dir: &Path,
) -> (
    meter_relay::submitter::Submitter<smartcity_sandbox::SandboxChain>,
    smartcity_sdk::meter::MeterSimulator,
    Vec<interfaces::reading::SignedReading>,
) {
    let (chain, suite) = embedded::open_or_create(dir, &common::artifacts(), None, 1).unwrap();
    let mut meter = common::sim(0, suite.market);
    let signed: Vec<_> = (0..3).map(|_| common::next(&mut meter, 1_000)).collect();
    let (writer, writer_thread) = Writer::start(dir, Arc::new(Metrics::new())).unwrap();
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
    let mut store = Store::open(dir).unwrap();
    let ids: Vec<i64> = store.pending(10).unwrap().iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 3);
    store.begin_batch(None, &ids, &[7; 32], &[]).unwrap();
    (
        common::in_process_submitter(dir, chain, suite),
        meter,
        signed,
    )
}

#[test]
fn a_resumed_batch_overtaken_by_another_sender_is_superseded_not_already_on_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (mut relay, mut meter, _) = stopped_mid_batch(dir.path());
    let market = MarketClient::at(relay.market.address());
    let device = embedded::meter_device(0);

    // the attack: while the relay is down, someone submits the meter's next reading
    // (seq 4) first; the relay's batch never reaches the chain
    let front_runner = accounts::admin(&mut relay.chain);
    let later = common::next(&mut meter, 1_000);
    market
        .submit_readings(&mut relay.chain, front_runner, vec![later])
        .unwrap();

    relay.submit_next(768).unwrap();
    let settled = relay.store.settlements(&device).unwrap();
    assert_eq!(
        settled,
        vec![
            (1, Settlement::Superseded),
            (2, Settlement::Superseded),
            (3, Settlement::Superseded),
        ],
        "readings that never counted were labelled as on chain"
    );
    assert_eq!(
        market.meter(&mut relay.chain, device).unwrap().unwrap().seq,
        4
    );
}

#[test]
fn a_resumed_batch_that_landed_is_already_on_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (mut relay, _, signed) = stopped_mid_batch(dir.path());
    let market = MarketClient::at(relay.market.address());
    let device = embedded::meter_device(0);

    // the batch did land before the relay stopped: the same three readings, as it sent them
    let signer = relay.config.signer;
    market
        .submit_readings(&mut relay.chain, signer, signed)
        .unwrap();

    relay.submit_next(768).unwrap();
    let settled = relay.store.settlements(&device).unwrap();
    assert_eq!(
        settled,
        vec![
            (1, Settlement::AlreadyOnChain),
            (2, Settlement::AlreadyOnChain),
            (3, Settlement::AlreadyOnChain),
        ]
    );
    assert_eq!(
        market.meter(&mut relay.chain, device).unwrap().unwrap().seq,
        3
    );
}
