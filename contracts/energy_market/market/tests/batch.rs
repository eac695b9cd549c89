//! A whole batch worked through by `batch::Batch`: outcomes in order, each device's state
//! and each account written once, one bill per account, and the batch's events.

use super::*;
use crate::batch::{processed_events, Batch};
use interfaces::{
    market::{events::MeasuredBeforeTransfer, HeldMeter, ReadingOutcome, MAX_HELD_METERS},
    reading::SignedReading,
};

fn signed(device: u8, seq: u64, at: TimestampMs, import: u64, export: u64) -> SignedReading {
    SignedReading {
        reading: MeterReading {
            device: [device; 32],
            ..reading(seq, at, import, export)
        },
        signature: [0; 65],
    }
}

#[ink::test]
fn a_batch_books_each_meter_and_account_once_and_reports_every_reading() {
    let mut market = market();
    let hour = |h: u64| NOON + h * HOUR_MS;
    // meter 7 is new; meter 9 was account 6's until 12:30, account 9's since
    market.set_meter([9; 32], &state(6, 1, NOON, 0, 0));
    let mut sold = device(DeviceKind::Meter, 9);
    sold.owner_since_ms = NOON + HOUR_MS / 2;
    let readings = [
        signed(7, 1, NOON, 0, 0),
        signed(7, 2, hour(1), 3_000, 1_000),
        signed(7, 2, hour(1), 3_000, 1_000),
        signed(9, 2, hour(1), 0, 2_000),
        signed(7, 3, hour(2), 3_000, 5_000),
    ];
    let mut batch = Batch::new(&readings);
    let ids: Vec<DeviceId> = batch.slots.iter().map(|slot| slot.id).collect();
    assert_eq!(ids, [[7; 32], [9; 32]], "each id once, in order");
    batch.slots[0].record = Some(device(DeviceKind::Meter, 7));
    batch.slots[1].record = Some(sold);
    let mut transfers = Vec::new();
    let outcomes = batch.process(
        &mut market,
        hour(48),
        |_| Some(KEY),
        |_| None,
        |event| transfers.push(event),
    );

    // 1 kWh exported 12:00-13:00 (peak): 1 x 2 x 1.5 credits; 3 kWh imported, 1 from the
    // ledger, 2 billed; then 4 kWh exported 13:00-14:00 (peak)
    let accepted = |beneficiary, credits, billable_wh| ReadingOutcome::Accepted {
        beneficiary,
        credits,
        billable_wh,
    };
    assert_eq!(
        outcomes,
        [
            ReadingOutcome::Baseline,
            accepted(account(7), 3_000_000, 2_000),
            ReadingOutcome::Rejected(RejectReason::Replayed),
            accepted(account(9), 3_000_000, 0),
            accepted(account(7), 12_000_000, 0),
        ]
    );
    // the seller keeps the half hour before the sale
    assert_eq!(
        transfers,
        [MeasuredBeforeTransfer {
            device: [9; 32],
            owner: account(6),
            from_ms: NOON,
            to_ms: NOON + HOUR_MS / 2,
            export_wh: 1_000,
            import_wh: 0,
            credits: 3_000_000,
            billable_wh: 0,
        }]
    );
    assert_eq!(
        market.meter([7; 32]),
        Some(state(7, 3, hour(2), 3_000, 5_000))
    );
    assert_eq!(market.meter([9; 32]), Some(state(9, 2, hour(1), 0, 2_000)));
    // one bill for the batch: 2 kWh at 3 credits
    let asha = market.account(account(7));
    assert_eq!(
        (asha.ledger_wh, asha.bill, asha.billed_wh, asha.credits()),
        (4_000, 6_000_000, 2_000, 15_000_000)
    );
    assert_eq!(market.account(account(6)).credits(), 3_000_000);
    assert_eq!(market.account(account(9)).credits(), 3_000_000);

    let events: Vec<_> = processed_events(&outcomes).collect();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].first, events[0].accepted, events[0].credits),
        (0, 3, 18_000_000)
    );
    assert_eq!(events[0].outcomes, outcomes);
}

/// One batch of `readings` whose device records are `records`, judged at two days past
/// noon with every signature recovering.
fn run(
    market: &mut Market,
    readings: &[SignedReading],
    records: &[DeviceInfo],
) -> Vec<ReadingOutcome> {
    let mut batch = Batch::new(readings);
    for slot in batch.slots.iter_mut() {
        slot.record = records.iter().find(|r| r.device_id == slot.id).cloned();
    }
    batch.process(market, NOON + 48 * HOUR_MS, |_| Some(KEY), |_| None, |_| {})
}

#[ink::test]
fn a_households_meter_readings_live_in_its_account_and_follow_a_sale_and_a_new_key() {
    let mut market = market();
    let held = |seq, at_ms, export_wh_total| HeldMeter {
        device: [7; 32],
        seq,
        at_ms,
        import_wh_total: 0,
        export_wh_total,
    };
    let meter = device(DeviceKind::Meter, 7);
    assert_eq!(
        run(
            &mut market,
            &[signed(7, 1, NOON, 0, 0)],
            std::slice::from_ref(&meter)
        ),
        [ReadingOutcome::Baseline]
    );
    // one storage item per household: the account keeps its meter's registers
    assert_eq!(market.account(account(7)).meters, [held(1, NOON, 0)]);
    assert_eq!(market.holder([7; 32]), Some(account(7)));

    // account 7's citizen moves to account 8 (a lost key): the registers follow, and the
    // next reading is measured from them, not taken for a baseline
    market.take_over_account(account(7), account(8)).unwrap();
    assert_eq!(market.account(account(7)), EnergyAccount::default());
    assert_eq!(market.holder([7; 32]), Some(account(8)));
    let moved = DeviceInfo {
        owner: account(8),
        ..meter.clone()
    };
    let outcomes = run(
        &mut market,
        &[signed(7, 2, NOON + HOUR_MS, 0, 1_000)],
        &[moved],
    );
    assert!(
        matches!(outcomes[..], [ReadingOutcome::Accepted { beneficiary, .. }] if beneficiary == account(8))
    );
    assert_eq!(
        market.account(account(8)).meters,
        [held(2, NOON + HOUR_MS, 1_000)]
    );

    // sold to account 9 at 13:30: its next reading moves the registers to the buyer's
    // account, the seller's half hour credited to the seller
    let sold = DeviceInfo {
        owner: account(9),
        owner_since_ms: NOON + HOUR_MS + HOUR_MS / 2,
        ..meter
    };
    let outcomes = run(
        &mut market,
        &[signed(7, 3, NOON + 2 * HOUR_MS, 0, 3_000)],
        &[sold],
    );
    assert!(
        matches!(outcomes[..], [ReadingOutcome::Accepted { beneficiary, .. }] if beneficiary == account(9))
    );
    assert!(market.account(account(8)).meters.is_empty());
    assert_eq!(
        market.account(account(9)).meters,
        [held(3, NOON + 2 * HOUR_MS, 3_000)]
    );
    assert_eq!(market.holder([7; 32]), Some(account(9)));
    assert_eq!(market.account(account(8)).credits(), 3_000_000 + 3_000_000);
}

#[ink::test]
fn an_account_keeps_a_bounded_number_of_meters() {
    let mut market = market();
    // account 7 already keeps the readings of MAX_HELD_METERS meters
    for n in 0..MAX_HELD_METERS {
        let id = [100u8.wrapping_add(n as u8); 32];
        market.set_meter(id, &state(7, 1, NOON, 0, 0));
    }
    let mut meter = device(DeviceKind::Meter, 7);
    meter.device_id = [7; 32];
    assert_eq!(
        run(&mut market, &[signed(7, 1, NOON, 0, 0)], &[meter]),
        [ReadingOutcome::Rejected(RejectReason::TooManyMeters)]
    );
    assert_eq!(market.meter([7; 32]), None, "nothing kept");
    assert_eq!(market.holder([7; 32]), None);
    assert_eq!(
        market.account(account(7)).meters.len(),
        MAX_HELD_METERS as usize
    );
    // nor does a citizen's move overfill the new account
    market.set_meter([7; 32], &state(8, 1, NOON, 0, 0));
    assert_eq!(
        market.take_over_account(account(7), account(8)),
        Err(MarketError::TooManyMeters)
    );
}

#[ink::test]
fn a_long_batch_is_reported_in_events_of_256_outcomes() {
    let outcomes: Vec<ReadingOutcome> = (0..600u128)
        .map(|n| ReadingOutcome::Accepted {
            beneficiary: account(7),
            credits: n,
            billable_wh: 0,
        })
        .collect();
    let events: Vec<_> = processed_events(&outcomes).collect();
    let shape: Vec<_> = events
        .iter()
        .map(|e| (e.first, e.outcomes.len(), e.accepted))
        .collect();
    assert_eq!(shape, [(0, 256, 256), (256, 256, 256), (512, 88, 88)]);
    assert_eq!(events[2].credits, (512..600).sum::<u128>());
}
