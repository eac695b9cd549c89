//! A batch of readings, worked through in plain Rust: a slot per device or vehicle id the
//! readings name (its registry record and last state), the accounts the readings credit
//! and bill, each reading's outcome, and the events. The shell fills in the registry's
//! records and recovers the signatures; everything else happens here.

use crate::market::{accrue, Market, Share, Verdict};
use ink::prelude::vec::Vec;
use interfaces::{
    market::{
        events::{MeasuredBeforeTransfer, ReadingsProcessed},
        EnergyAccount, MeterState, ReadingOutcome, RejectReason, OUTCOMES_PER_EVENT,
    },
    reading::SignedReading,
    AccountId, DeviceId, DeviceInfo, DeviceKey, TimestampMs, MAX_QUERY_BATCH,
};

/// The readings of one `submit_readings` call and what the call learns of their ids.
pub struct Batch<'a> {
    readings: &'a [SignedReading],
    /// Every device and vehicle id once, in order of first mention.
    pub slots: Vec<Slot>,
    /// Each reading's device slot and (V2G) vehicle slot.
    places: Vec<(usize, Option<usize>)>,
}

impl<'a> Batch<'a> {
    /// Collects the ids `readings` name, for the shell to ask the registry once.
    pub fn new(readings: &'a [SignedReading]) -> Self {
        // sized for a full registry query up front: growing by doubling would leave every
        // smaller copy behind in the contract's 1 MiB (the allocator never frees)
        let mut slots = Vec::with_capacity(readings.len().min(MAX_QUERY_BATCH as usize));
        let mut places = Vec::with_capacity(readings.len());
        let mut hint = None;
        for signed in readings {
            let device = slot_index(&mut slots, signed.reading.device, hint);
            let vehicle = signed
                .reading
                .vehicle
                .as_ref()
                .map(|session| slot_index(&mut slots, session.vehicle, None));
            places.push((device, vehicle));
            hint = Some(device);
        }
        Self {
            readings,
            slots,
            places,
        }
    }

    /// Judges every reading in order against the market's rules and books the accepted
    /// ones: an account (its ledger, accrual and meters' readings) is read once and
    /// written once per batch, one bill per account at today's tariff. `recover` and
    /// `recover_vehicle` give a reading's signers (asked only once its cheap checks pass);
    /// `transferred` takes the event of each share measured before a device changed hands.
    /// Returns one outcome per reading.
    pub fn process(
        mut self,
        market: &mut Market,
        now: TimestampMs,
        recover: impl Fn(&SignedReading) -> Option<DeviceKey>,
        recover_vehicle: impl Fn(&SignedReading) -> Option<DeviceKey>,
        mut transferred: impl FnMut(MeasuredBeforeTransfer),
    ) -> Vec<ReadingOutcome> {
        let slots = &mut self.slots;
        // sized once: the allocator never frees, so growing would waste memory
        let mut books = Books {
            ledgers: Vec::with_capacity(slots.len()),
        };
        let mut outcomes = Vec::with_capacity(self.readings.len());
        for (signed, &(d, v)) in self.readings.iter().zip(&self.places) {
            if slots[d].state.is_none() {
                let found = books.find_meter(market, slots[d].id, slots[d].record.as_ref());
                slots[d].state = Some(found.map(|(state, _)| state));
                slots[d].home = found.map(|(_, home)| home);
            }
            let last = slots[d].state.flatten();
            let verdict = market.evaluate(
                &signed.reading,
                slots[d].record.as_ref(),
                v.and_then(|v| slots[v].record.as_ref()),
                last.as_ref(),
                now,
                || recover(signed),
                || recover_vehicle(signed),
            );
            let outcome = match verdict {
                Err(reason) => ReadingOutcome::Rejected(reason),
                Ok(Verdict::Baseline(state)) => {
                    let home = books.ledger(market, slots[d].home, state.owner);
                    if books.keep(&mut slots[d], home, state) {
                        ReadingOutcome::Baseline
                    } else {
                        ReadingOutcome::Rejected(RejectReason::TooManyMeters)
                    }
                }
                Ok(Verdict::Measured {
                    next,
                    share,
                    before_transfer,
                }) => {
                    let device = signed.reading.device;
                    let l = books.ledger(market, slots[d].ledger, share.beneficiary);
                    slots[d].ledger = Some(l);
                    let before = before_transfer
                        .map(|before| (books.ledger(market, None, before.beneficiary), before));
                    let home = books.ledger(market, slots[d].home, next.owner);
                    let fits = books.fits(l, &device, &share)
                        && before
                            .as_ref()
                            .is_none_or(|(b, before)| books.fits(*b, &device, before));
                    if !fits {
                        ReadingOutcome::Rejected(RejectReason::AccrualFull)
                    } else if !books.keep(&mut slots[d], home, next) {
                        ReadingOutcome::Rejected(RejectReason::TooManyMeters)
                    } else {
                        if let Some((b, before)) = before {
                            let billable_wh = books.apply(b, device, &before);
                            transferred(MeasuredBeforeTransfer {
                                device,
                                owner: before.beneficiary,
                                from_ms: before.from_ms,
                                to_ms: before.to_ms,
                                export_wh: before.export_wh,
                                import_wh: before.import_wh,
                                credits: before.credits,
                                billable_wh,
                            });
                        }
                        let billable_wh = books.apply(l, device, &share);
                        ReadingOutcome::Accepted {
                            beneficiary: share.beneficiary,
                            credits: share.credits,
                            billable_wh,
                        }
                    }
                }
            };
            outcomes.push(outcome);
        }

        // a reading that moved to another account: the market finds it there now
        for slot in slots.iter().filter(|slot| slot.moved) {
            if let Some(ledger) = slot.home.and_then(|h| books.ledgers.get(h)) {
                market.set_holder(slot.id, ledger.account);
            }
        }
        for ledger in books.ledgers.iter_mut().filter(|ledger| ledger.changed) {
            // one bill per account and batch, priced at today's tariff
            let state = &mut ledger.state;
            let bill = market.config().bill(ledger.billable_wh);
            state.bill = state.bill.saturating_add(bill);
            state.billed_wh = state.billed_wh.saturating_add(ledger.billable_wh);
            market.set_account(ledger.account, state);
        }
        outcomes
    }
}

/// The `ReadingsProcessed` events of a batch's outcomes: one per `OUTCOMES_PER_EVENT`.
pub fn processed_events(
    outcomes: &[ReadingOutcome],
) -> impl Iterator<Item = ReadingsProcessed> + '_ {
    let per_event = OUTCOMES_PER_EVENT as usize;
    outcomes
        .chunks(per_event)
        .enumerate()
        .map(move |(chunk, part)| {
            let mut accepted = 0u32;
            let mut credits = 0u128;
            for outcome in part {
                if let ReadingOutcome::Accepted { credits: c, .. } = outcome {
                    accepted = accepted.saturating_add(1);
                    credits = credits.saturating_add(*c);
                }
            }
            ReadingsProcessed {
                first: u32::try_from(chunk.saturating_mul(per_event)).unwrap_or(u32::MAX),
                outcomes: part.to_vec(),
                accepted,
                credits,
            }
        })
}

/// What a batch knows of one device or vehicle id its readings name. Each reading finds
/// its slots by index (found once, while the batch's ids are collected), and the slots
/// remember where their accounts are: no search per reading.
pub struct Slot {
    pub id: DeviceId,
    pub record: Option<DeviceInfo>,
    /// The device's last accepted reading, found on first use (`Some(None)`: none yet).
    pub state: Option<Option<MeterState>>,
    /// The ledger of the account that keeps that reading.
    pub home: Option<usize>,
    /// Whether the reading moved to another account during the batch.
    pub moved: bool,
    /// The account this device's readings last credited.
    pub ledger: Option<usize>,
}

/// Index of `id` among the slots, adding a slot for a new id; `hint` (the previous
/// reading's slot) answers a run of one device's readings without a search.
fn slot_index(slots: &mut Vec<Slot>, id: DeviceId, hint: Option<usize>) -> usize {
    if let Some(i) = hint.filter(|&i| slots.get(i).is_some_and(|s| s.id == id)) {
        return i;
    }
    if let Some(i) = slots.iter().position(|s| s.id == id) {
        return i;
    }
    slots.push(Slot {
        id,
        record: None,
        state: None,
        home: None,
        moved: false,
        ledger: None,
    });
    slots.len().saturating_sub(1)
}

/// One account during a batch: its ledger and accrual, and the Wh the batch bills it.
struct Ledger {
    pub account: AccountId,
    pub state: EnergyAccount,
    pub billable_wh: u64,
    pub changed: bool,
}

/// The accounts a batch credits and bills.
struct Books {
    ledgers: Vec<Ledger>,
}

impl Books {
    /// The index of `who`'s account, read from `market` on first use; `hint` is where the
    /// same device's readings last found theirs.
    pub fn ledger(&mut self, market: &Market, hint: Option<usize>, who: AccountId) -> usize {
        let cached = hint.filter(|&l| self.ledgers.get(l).is_some_and(|l| l.account == who));
        if let Some(l) = cached.or_else(|| self.ledgers.iter().position(|l| l.account == who)) {
            return l;
        }
        self.ledgers.push(Ledger {
            account: who,
            state: market.account(who),
            billable_wh: 0,
            changed: false,
        });
        self.ledgers.len().saturating_sub(1)
    }

    /// `device`'s last accepted reading and the ledger of the account that keeps it: its
    /// owner's (`record`), where a reading usually is, else the one the market names
    /// (the device was sold, or this is its first reading).
    pub fn find_meter(
        &mut self,
        market: &Market,
        device: DeviceId,
        record: Option<&DeviceInfo>,
    ) -> Option<(MeterState, usize)> {
        let look = |books: &mut Self, holder: AccountId| {
            let l = books.ledger(market, None, holder);
            let held = books.ledgers.get(l)?.state.meter(&device)?;
            Some((MeterState::of(holder, held), l))
        };
        record
            .and_then(|owner| look(self, owner.owner))
            .or_else(|| market.holder(device).and_then(|holder| look(self, holder)))
    }

    /// Keeps `state` as the slot's device's last reading in account `l`, taking it off the
    /// account that kept it before; `false`, changing nothing, when `l` has no room for it.
    pub fn keep(&mut self, slot: &mut Slot, l: usize, state: MeterState) -> bool {
        let room = self
            .ledgers
            .get(l)
            .is_some_and(|ledger| ledger.state.has_meter_room(&slot.id));
        if !room {
            return false;
        }
        if let Some(before) = slot.home.filter(|&h| h != l) {
            if let Some(before) = self.ledgers.get_mut(before) {
                before.state.remove_meter(&slot.id);
                before.changed = true;
            }
        }
        if slot.home != Some(l) {
            slot.moved = true;
        }
        if let Some(ledger) = self.ledgers.get_mut(l) {
            ledger.state.put_meter(state.held(slot.id));
            ledger.changed = true;
        }
        (slot.home, slot.state) = (Some(l), Some(Some(state)));
        true
    }

    /// Whether a share's credits can accrue to account `l` (room for its earning).
    pub fn fits(&self, l: usize, device: &DeviceId, share: &Share) -> bool {
        share.credits == 0
            || self
                .ledgers
                .get(l)
                .is_some_and(|l| l.state.has_room(device, share.source))
    }

    /// Books one share of a reading of `device` to account `l`; returns the Wh billed.
    pub fn apply(&mut self, l: usize, device: DeviceId, share: &Share) -> u64 {
        let Some(ledger) = self.ledgers.get_mut(l) else {
            return 0;
        };
        let billable_wh = accrue(&mut ledger.state, device, share);
        ledger.billable_wh = ledger.billable_wh.saturating_add(billable_wh);
        ledger.changed = true;
        billable_wh
    }
}
