//! Security review 1, H-3: a global or transient condition (the market paused, the token
//! paused, the market no longer a Minter) must not settle queued readings as failed, nor
//! lose the accounts waiting to be settled. The attack: readings are queued, the condition
//! is raised, the relay tries to submit and to settle; then the condition ends and the
//! relay restarts. Every reading must be credited exactly once.
//!
//! In process: the relay's own outbox writer and submitter on its embedded chain.

mod common;

use interfaces::{token::TokenRole, AccountId};
use meter_relay::{
    embedded,
    outbox::{Settlement, Store},
};
use smartcity_sdk::{MarketClient, TokenClient};
use smartcity_suite::accounts;
use std::{path::Path, time::Duration};

fn pending(dir: &Path) -> usize {
    Store::open(dir).unwrap().pending(1_000).unwrap().len()
}

#[test]
fn relay_keeps_queued_readings_through_a_pause_an_outage_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (mut chain, suite) = embedded::open_or_create(dir, &common::artifacts(), None, 1).unwrap();
    let at = MarketClient::at(suite.market)
        .deployment(&mut chain)
        .unwrap();
    let household: AccountId = embedded::household(0);
    let device = embedded::meter_device(0);

    // four readings acknowledged (on disk) before anything goes wrong
    let mut meter = common::sim(0, at);
    let readings: Vec<_> = (0..4).map(|_| common::next(&mut meter, 1_000)).collect();
    common::acknowledge(dir, &readings);
    assert_eq!(pending(dir), 4);

    let mut relay = common::in_process_submitter(dir, chain, suite);
    let market = MarketClient::at(suite.market);
    let token = TokenClient::at(suite.token);
    let admin = accounts::admin(&mut relay.chain);

    // 1. the market paused by its admin
    market.set_paused(&mut relay.chain, admin, true).unwrap();
    let error = relay.submit_next(768).unwrap_err();
    assert!(error.to_string().contains("Paused"), "{error}");
    assert_eq!(pending(dir), 4, "a paused market settled queued readings");
    market.set_paused(&mut relay.chain, admin, false).unwrap();

    // 2. the token paused: readings only accrue, so they are taken; settling the
    // household (the mint) fails and keeps it waiting
    token.pause(&mut relay.chain, admin).unwrap();
    relay.submit_next(768).unwrap();
    relay.submit_next(768).unwrap();
    assert_eq!(pending(dir), 0);
    std::thread::sleep(Duration::from_millis(5));
    let error = relay.settle_due().unwrap_err();
    assert!(error.to_string().contains("Paused"), "{error}");
    token.unpause(&mut relay.chain, admin).unwrap();

    // 3. the market no longer a Minter (a role rotation in progress)
    token
        .revoke_role(&mut relay.chain, admin, TokenRole::Minter, suite.market)
        .unwrap();
    assert!(relay.settle_due().is_err());
    let waiting = relay.store.accruals_due(u64::MAX, 10).unwrap();
    assert_eq!(
        waiting,
        vec![household],
        "a failed settle forgot the household"
    );
    token
        .grant_role(&mut relay.chain, admin, TokenRole::Minter, suite.market)
        .unwrap();
    assert_eq!(token.balance_of(&mut relay.chain, household).unwrap(), 0);

    // 4. the relay restarts (a new outbox connection, a new submitter), then settles
    let chain = relay.chain;
    let mut relay = common::in_process_submitter(dir, chain, suite);
    assert!(relay.settle_due().unwrap());
    assert!(!relay.settle_due().unwrap(), "settled once");

    let settled = relay.store.settlements(&device).unwrap();
    assert_eq!(settled.len(), 4, "{settled:?}");
    let mut credited = 0;
    for (seq, settlement) in &settled {
        match settlement {
            Settlement::Accepted { credits, .. } => credited += credits,
            Settlement::Baseline if *seq == 1 => {}
            other => panic!("reading {seq} settled as {other:?}"),
        }
    }
    assert!(credited > 0);
    let state = market.meter(&mut relay.chain, device).unwrap().unwrap();
    assert_eq!(state.seq, 4);
    assert_eq!(
        token.balance_of(&mut relay.chain, household).unwrap(),
        credited,
        "every reading credited exactly once"
    );
    let books = market.energy_account(&mut relay.chain, household).unwrap();
    assert_eq!(books.credits(), 0, "nothing left accrued");
}
