//! What one `submit_readings` call keeps while it works through its batch: a slot per
//! device or vehicle id the readings name (its registry record and last state), and the
//! accounts the readings credit and bill. Plain Rust; the shell reads and writes storage.

use crate::market::{accrue, Market, Share};
use ink::prelude::vec::Vec;
use interfaces::{
    market::{EnergyAccount, MeterState},
    AccountId, DeviceId, DeviceInfo,
};

/// What a batch knows of one device or vehicle id its readings name. Each reading finds
/// its slots by index (found once, while the batch's ids are collected), and the slots
/// remember where their account is: no search per reading.
pub struct Slot {
    pub id: DeviceId,
    pub record: Option<DeviceInfo>,
    /// The device's last accepted reading, read on first use (`Some(None)`: none yet),
    /// and whether the batch changed it.
    pub state: Option<Option<MeterState>>,
    pub changed: bool,
    /// The account this device's readings last credited.
    pub ledger: Option<usize>,
}

/// Index of `id` among the slots, adding a slot for a new id; `hint` (the previous
/// reading's slot) answers a run of one device's readings without a search.
pub fn slot_index(slots: &mut Vec<Slot>, id: DeviceId, hint: Option<usize>) -> usize {
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
        changed: false,
        ledger: None,
    });
    slots.len().saturating_sub(1)
}

/// One account during a batch: its ledger and accrual, and the Wh the batch bills it.
pub struct Ledger {
    pub account: AccountId,
    pub state: EnergyAccount,
    pub billable_wh: u64,
    pub changed: bool,
}

/// The accounts a batch credits and bills.
pub struct Books {
    pub ledgers: Vec<Ledger>,
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
