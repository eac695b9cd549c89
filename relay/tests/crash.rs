//! Kill the relay with SIGKILL at random points of a stream of readings, again and again,
//! and check that every reading it acknowledged settles exactly once on chain: each
//! household holds exactly the credits of its readings (a reading lost would be missing,
//! one submitted twice would be counted twice), and the outbox holds one settlement per
//! reading.

mod common;

use common::{next, sim, Relay};
use interfaces::{reading::SignedReading, EnergySource};
use meter_feed::FeedError;
use meter_relay::{
    embedded,
    outbox::{Settlement, Store},
};
use smartcity_sdk::{MarketClient, TokenClient};
use smartcity_suite::market_config;
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

const KILLS: usize = 24;
const METERS: u32 = 4;
const WH: u64 = 1_000;

/// xorshift64: a reproducible random stream (the seed is printed).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn every_acknowledged_reading_settles_exactly_once_across_sigkills() {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| meter_feed::now_ms() | 1);
    println!("crash test seed {seed} (CRASH_SEED={seed} repeats it)");
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
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
    let mut relay = Relay::start_with_env(dir.path(), port, &args, &env);
    let market = relay.feed.market().unwrap();

    // the meters: each sends groups of 1 to 8 readings and, when the relay does not
    // answer, sends the same group again until it does (what a meter does)
    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<Mutex<Vec<SignedReading>>> = Arc::default();
    let sender = {
        let (stop, acked, url) = (stop.clone(), acked.clone(), relay.url.clone());
        std::thread::spawn(move || {
            let feed = meter_feed::HttpFeed::new(&url);
            let mut meters: Vec<_> = (0..METERS).map(|n| sim(n, market)).collect();
            let mut rng = Rng(seed ^ 0x9e37_79b9_7f4a_7c15);
            let mut in_flight: Vec<SignedReading> = Vec::new();
            let mut retries = 0u64;
            loop {
                if in_flight.is_empty() {
                    if stop.load(Ordering::SeqCst) {
                        return retries;
                    }
                    let meter = &mut meters[rng.below(u64::from(METERS)) as usize];
                    for _ in 0..=rng.below(8) {
                        in_flight.push(next(meter, WH));
                    }
                }
                match feed.send(&in_flight) {
                    Ok(ack) => {
                        assert_eq!((ack.stored + ack.duplicates) as usize, in_flight.len());
                        acked.lock().unwrap().append(&mut in_flight);
                    }
                    Err(FeedError::Transport(_)) => {
                        retries += 1;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(FeedError::Refused(r)) if r.status == 503 => {
                        retries += 1;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(FeedError::Refused(r)) => panic!("a valid reading was refused: {r:?}"),
                }
            }
        })
    };

    let mut rng = Rng(seed);
    for _ in 0..KILLS {
        std::thread::sleep(Duration::from_millis(50 + rng.below(400)));
        relay.kill();
        relay = Relay::start_with_env(dir.path(), port, &args, &env);
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    let retries = sender.join().expect("the meters' thread");
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.len() > 100,
        "too few readings got through: {}",
        acked.len()
    );
    // wait for this run of the relay to settle everything it holds
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while relay.metric("relay_queue_depth") > 0.0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the relay did not settle its queue"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    relay.stop();

    let data = dir.path().join("data");
    let store = Store::open(&data).unwrap();
    assert_eq!(store.unsettled_count().unwrap(), 0, "everything settled");
    let (mut chain, suite) = embedded::load(&data).unwrap();
    let token = TokenClient::at(suite.token);
    let market = MarketClient::at(suite.market);
    let config = market_config(&mut chain);
    let mut already_on_chain = 0;
    for n in 0..METERS {
        let device = embedded::meter_device(n);
        let mine: Vec<&SignedReading> = acked
            .iter()
            .filter(|r| r.reading.device == device)
            .collect();
        let last = mine.iter().map(|r| r.reading.seq).max().unwrap_or(0);
        assert_eq!(
            mine.len() as u64,
            last,
            "meter {n}: every sequence acknowledged once"
        );
        // the outbox: one settlement per reading, each on chain
        let settlements = store.settlements(&device).unwrap();
        assert_eq!(
            settlements.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
            (1..=last).collect::<Vec<_>>(),
            "meter {n}: one settlement per sequence"
        );
        for (seq, settlement) in &settlements {
            match settlement {
                Settlement::Accepted { .. } => {}
                Settlement::AlreadyOnChain => already_on_chain += 1,
                other => panic!("meter {n} reading {seq}: {other:?}"),
            }
        }
        // the chain: the market took every sequence, the household got every credit once
        assert_eq!(market.last_seq(&mut chain, device).unwrap(), last);
        let earned: u128 = mine
            .iter()
            .map(|r| config.credits(WH, EnergySource::Solar, r.reading.period_start))
            .sum();
        assert_eq!(
            token
                .balance_of(&mut chain, embedded::household(n))
                .unwrap(),
            earned,
            "meter {n}: credits minted exactly once per reading"
        );
    }
    println!(
        "{KILLS} SIGKILLs: {} readings acknowledged, all settled once; {already_on_chain} found \
         already on chain after a restart; {retries} sends repeated while the relay was down",
        acked.len()
    );
}
