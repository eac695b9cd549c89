//! Security review 1, I-8: when the relay resumes a batch it sent before it stopped, a
//! reading the chain calls stale must be labelled by what happened. If the batch landed,
//! its later reading of the same meter is on chain and the stale one landed with it
//! (`already_on_chain`); if another sender's later reading got there first, this one never
//! counted, though its energy is in that later difference (`superseded`).
//!
//! In process: the relay's outbox and submitter on its embedded chain; "sent before the
//! relay stopped" is a batch begun in the outbox and never confirmed.

mod common;

use interfaces::reading::SignedReading;
use meter_relay::{
    embedded,
    outbox::{Settlement, Store},
    submitter::Submitter,
};
use smartcity_sandbox::SandboxChain;
use smartcity_sdk::{meter::MeterSimulator, MarketClient};
use smartcity_suite::accounts;
use std::path::Path;

/// Three readings of simulated meter 0 stored by the relay and put in a batch that was
/// sent (begun) but never confirmed; returns the relay's submitter over them, the meter,
/// ready to sign its next reading, and the three readings.
fn stopped_mid_batch(dir: &Path) -> (Submitter<SandboxChain>, MeterSimulator, Vec<SignedReading>) {
    let (mut chain, suite) = embedded::open_or_create(dir, &common::artifacts(), None, 1).unwrap();
    let at = smartcity_sdk::MarketClient::at(suite.market)
        .deployment(&mut chain)
        .unwrap();
    let mut meter = common::sim(0, at);
    let signed: Vec<_> = (0..3).map(|_| common::next(&mut meter, 1_000)).collect();
    common::acknowledge(dir, &signed);
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

/// The relay resumes: the labels of the meter's readings 1, 2 and 3, in order, and the
/// sequence the chain then holds for the meter.
fn resume(relay: &mut Submitter<SandboxChain>) -> (Vec<Settlement>, u64) {
    relay.submit_next(768).unwrap();
    let device = embedded::meter_device(0);
    let settled = relay.store.settlements(&device).unwrap();
    let seqs: Vec<u64> = settled.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    let market = MarketClient::at(relay.market.address());
    let on_chain = market.meter(&mut relay.chain, device).unwrap().unwrap().seq;
    (settled.into_iter().map(|(_, s)| s).collect(), on_chain)
}

#[test]
fn a_resumed_batch_overtaken_by_another_sender_is_superseded_not_already_on_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (mut relay, mut meter, _) = stopped_mid_batch(dir.path());

    // the attack: while the relay is down, someone submits the meter's next reading
    // (seq 4) first; the relay's batch never reaches the chain
    let front_runner = accounts::admin(&mut relay.chain);
    let later = common::next(&mut meter, 1_000);
    MarketClient::at(relay.market.address())
        .submit_readings(&mut relay.chain, front_runner, vec![later])
        .unwrap();

    let (labels, on_chain) = resume(&mut relay);
    assert_eq!(
        labels,
        vec![Settlement::Superseded; 3],
        "readings that never counted were labelled as on chain"
    );
    assert_eq!(on_chain, 4);
}

#[test]
fn a_resumed_batch_that_landed_is_already_on_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (mut relay, _, signed) = stopped_mid_batch(dir.path());

    // the batch did land before the relay stopped: the same three readings, as it sent them
    let signer = relay.config.signer;
    MarketClient::at(relay.market.address())
        .submit_readings(&mut relay.chain, signer, signed)
        .unwrap();

    let (labels, on_chain) = resume(&mut relay);
    assert_eq!(labels, vec![Settlement::AlreadyOnChain; 3]);
    assert_eq!(on_chain, 3);
}
