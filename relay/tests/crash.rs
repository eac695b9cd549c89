//! Kill the relay with SIGKILL at random points of a stream of readings, again and again,
//! and check that every reading it acknowledged settles exactly once on chain: each
//! household holds exactly the credits of its readings (a reading lost would be missing,
//! one submitted twice would be counted twice), and the outbox holds one settlement per
//! reading. (The same on a node: `tests/node.rs`.)

mod common;

use common::crash;
use meter_relay::{embedded, outbox::Store};

const KILLS: usize = 24;

#[test]
fn every_acknowledged_reading_settles_exactly_once_across_sigkills() {
    let seed = crash::seed();
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--sim-meters",
        "4",
        "--batch-interval-ms",
        "20",
        "--batch-size",
        "24",
    ];
    // a pause between a batch's call and its settlement, so that some kills land there
    let env = [("METER_RELAY_FAILPOINT_SETTLE_DELAY_MS", "40")];
    let run = crash::run(dir.path(), &args, &env, KILLS, seed);

    let data = dir.path().join("data");
    let store = Store::open(&data).unwrap();
    let (mut chain, suite) = embedded::load(&data).unwrap();
    let already_on_chain = crash::check(&mut chain, &suite, &store, &run.acked, |_, n| {
        embedded::household(n)
    });
    println!(
        "{KILLS} SIGKILLs: {} readings acknowledged, all settled once; {already_on_chain} found \
         already on chain after a restart; {} sends repeated while the relay was down",
        run.acked.len(),
        run.retries
    );
}
