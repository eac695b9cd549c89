//! The energy market's rules in plain Rust: configuration, the verdict on one reading,
//! credits, each account's energy ledger and accrual, claims and debts. The shell supplies
//! what needs the chain: the registry's device records, the signature recovery, the token
//! calls.

use ink::{prelude::vec::Vec, storage::Mapping};
pub use interfaces::market::MarketConfig;
use interfaces::{
    admin::AdminSeat,
    admin_events::{AdminChanged, AdminTransferProposed},
};
use interfaces::{
    debt::{events::DebtMoved, events::DebtRecorded, events::DebtRepaid, DebtBook, DebtCause},
    market::{
        check_device, difference,
        events::{
            AccountTakenOver, Claimed, MarketConfigChanged, MarketPauseChanged, OfferBought,
            OfferClosed, OfferCreated,
        },
        session_owner, Accrued, Difference, EnergyAccount, MarketError, MeterState, Offer,
        OfferState, RejectReason, BPS, MAX_ACCRUED_EARNINGS, MAX_HELD_METERS, MAX_OFFER_PAGE,
    },
    reading::MeterReading,
    token::{Earning, Mint},
    AccountId, DeviceId, DeviceInfo, DeviceKey, EnergySource, TimestampMs,
};

/// One account's part of an accepted reading: the energy of `[from_ms, to_ms)` and the
/// credits its export earned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub beneficiary: AccountId,
    pub source: EnergySource,
    pub from_ms: TimestampMs,
    pub to_ms: TimestampMs,
    pub export_wh: u64,
    pub import_wh: u64,
    pub credits: u128,
}

/// The verdict on one reading that passed every rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The device's first reading: only its state is kept.
    Baseline(MeterState),
    /// The difference from the last reading: `share` for whoever benefits now, and
    /// `before_transfer` for the previous owner when the device changed hands during the
    /// interval. `next` is the device's new state.
    Measured {
        next: MeterState,
        share: Share,
        before_transfer: Option<Share>,
    },
}

#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
pub struct Market {
    admin: AdminSeat,
    paused: bool,
    config: MarketConfig,
    /// Each account's energy ledger, what it accrued since its last claim, and the last
    /// accepted reading of each meter measured for it (a household is one storage item).
    accounts: Mapping<AccountId, EnergyAccount>,
    /// The account that keeps each device's last accepted reading, written only when the
    /// reading moves to another account (a first reading, a sale, a citizen's new key): a
    /// reading looks in its owner's account first.
    holders: Mapping<DeviceId, AccountId>,
    /// Bills that could not be collected, owed to the utility.
    debts: DebtBook,
    offers: Mapping<u64, Offer>,
    next_offer_id: u64,
}

/// A sale the shell must settle: the buyer pays `to_seller` to the seller and `fee` to
/// the fee account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sale {
    pub seller: AccountId,
    pub to_seller: u128,
    pub fee: u128,
}

impl Market {
    pub fn new(admin: AccountId, config: MarketConfig) -> Result<Self, MarketError> {
        config.validate()?;
        Ok(Self {
            admin: AdminSeat::new(admin),
            paused: false,
            config,
            accounts: Mapping::default(),
            holders: Mapping::default(),
            debts: DebtBook::default(),
            offers: Mapping::default(),
            next_offer_id: 0,
        })
    }

    pub fn config(&self) -> &MarketConfig {
        &self.config
    }

    pub fn admin(&self) -> AccountId {
        self.admin.admin()
    }

    pub fn pending_admin(&self) -> Option<AccountId> {
        self.admin.pending()
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    fn ensure_admin(&self, caller: AccountId) -> Result<(), MarketError> {
        Ok(self.admin.ensure_admin(caller)?)
    }

    pub fn set_config(
        &mut self,
        caller: AccountId,
        config: MarketConfig,
    ) -> Result<MarketConfigChanged, MarketError> {
        self.ensure_admin(caller)?;
        config.validate()?;
        self.config = config.clone();
        Ok(config.into())
    }

    pub fn set_paused(
        &mut self,
        caller: AccountId,
        paused: bool,
    ) -> Result<MarketPauseChanged, MarketError> {
        self.ensure_admin(caller)?;
        if self.paused == paused {
            return Err(MarketError::PauseUnchanged);
        }
        self.paused = paused;
        Ok(MarketPauseChanged { paused })
    }

    pub fn propose_admin(
        &mut self,
        caller: AccountId,
        proposed: AccountId,
    ) -> Result<AdminTransferProposed, MarketError> {
        Ok(self.admin.propose(caller, proposed)?)
    }

    pub fn accept_admin(&mut self, caller: AccountId) -> Result<AdminChanged, MarketError> {
        Ok(self.admin.accept(caller)?)
    }

    /// Readings, claims and P2P trades wait while the market is paused (`Paused`).
    pub fn ensure_running(&self) -> Result<(), MarketError> {
        if self.paused {
            Err(MarketError::Paused)
        } else {
            Ok(())
        }
    }

    /// A batch may be processed: not paused, between 1 and `max_batch` readings.
    pub fn ensure_batch(&self, len: usize) -> Result<(), MarketError> {
        self.ensure_running()?;
        if len == 0 || len > self.config.max_batch as usize {
            return Err(MarketError::BadBatchSize);
        }
        Ok(())
    }

    /// The device's last accepted reading, `None` before its baseline.
    pub fn meter(&self, device: DeviceId) -> Option<MeterState> {
        let holder = self.holder(device)?;
        let account = self.account(holder);
        account
            .meter(&device)
            .map(|held| MeterState::of(holder, held))
    }

    /// A test's fixture: `state` as the first reading kept of `device`, in the account of
    /// `state.owner` (a batch keeps and moves readings itself, `batch::Books::keep`).
    #[cfg(test)]
    pub fn set_meter(&mut self, device: DeviceId, state: &MeterState) {
        let mut account = self.account(state.owner);
        account.put_meter(state.held(device));
        self.set_account(state.owner, &account);
        self.set_holder(device, state.owner);
    }

    /// The account that keeps `device`'s last accepted reading.
    pub fn holder(&self, device: DeviceId) -> Option<AccountId> {
        self.holders.get(device)
    }

    pub fn set_holder(&mut self, device: DeviceId, account: AccountId) {
        self.holders.insert(device, &account);
    }

    /// `account`'s energy ledger and accrual (empty for an account never seen).
    pub fn account(&self, account: AccountId) -> EnergyAccount {
        self.accounts.get(account).unwrap_or_default()
    }

    pub fn set_account(&mut self, account: AccountId, state: &EnergyAccount) {
        self.accounts.insert(account, state);
    }

    pub fn ledger_wh(&self, account: AccountId) -> u64 {
        self.account(account).ledger_wh
    }

    pub fn set_ledger_wh(&mut self, account: AccountId, wh: u64) {
        let mut state = self.account(account);
        state.ledger_wh = wh;
        self.set_account(account, &state);
    }

    /// Takes `account`'s accrual off the books (its ledger stays) and says how to settle
    /// it: `None` when nothing accrued. The credits pay the bill first, then what the
    /// account owes the utility in the debt book (review M-3: a debtor keeps no credits
    /// while it owes), earning by earning: each earning's credits go to the account, and
    /// the part that pays to the utility, each mint with its receipt (the energy split pro
    /// rata). What the credits cannot pay of the bill is left to collect from the
    /// account's allowance.
    pub fn take_claim(&mut self, account: AccountId) -> Option<Claim> {
        let mut state = self.accounts.get(account)?;
        if !state.has_claim() {
            return None;
        }
        let utility = self.config.utility;
        let earnings = core::mem::take(&mut state.earnings);
        let (bill, billed_wh) = (state.bill, state.billed_wh);
        (state.bill, state.billed_wh) = (0, 0);
        self.set_account(account, &state);

        let owed = self.debts.owed(account, utility);
        let mut mints = Vec::with_capacity(earnings.len().saturating_add(1));
        let (mut due, mut minted) = (bill.saturating_add(owed), 0u128);
        for Accrued { earning, credits } in earnings {
            let paid = due.min(credits);
            due = due.saturating_sub(paid);
            let kept = credits.saturating_sub(paid);
            let utility_wh = pro_rata(earning.energy_wh, paid, credits);
            let part = |energy_wh| Earning {
                energy_wh,
                ..earning.clone()
            };
            if kept > 0 {
                minted = minted.saturating_add(kept);
                mints.push(Mint {
                    to: account,
                    amount: kept,
                    earning: part(earning.energy_wh.saturating_sub(utility_wh)),
                });
            }
            if paid > 0 {
                mints.push(Mint {
                    to: utility,
                    amount: paid,
                    earning: part(utility_wh),
                });
            }
        }
        // the credits paid the bill first, then the debt
        let paid = bill.saturating_add(owed).saturating_sub(due);
        let netted = paid.min(bill);
        let debt_paid = paid.saturating_sub(netted);
        let unpaid = bill.saturating_sub(netted);
        let debt_repaid = (debt_paid > 0).then(|| self.debts.repaid(account, utility, debt_paid));
        Some(Claim {
            account,
            mints,
            minted,
            bill,
            billed_wh,
            netted,
            unpaid,
            unpaid_wh: pro_rata(billed_wh, unpaid, bill),
            debt_repaid,
        })
    }

    pub fn debt(&self, account: AccountId) -> u128 {
        self.debts.total(account)
    }

    /// Records a bill of `wh` (`credits`) `account` could not pay the utility.
    pub fn record_debt(&mut self, account: AccountId, wh: u64, credits: u128) -> DebtRecorded {
        let utility = self.config.utility;
        self.debts
            .record(account, utility, credits, DebtCause::Energy { wh })
    }

    /// How much of `amount` `debtor` repays `creditor` (the utility the bills were owed
    /// to): at most what it owes.
    pub fn repayable(
        &self,
        debtor: AccountId,
        creditor: AccountId,
        amount: u128,
    ) -> Result<u128, MarketError> {
        Ok(self.debts.repayable(debtor, creditor, amount)?)
    }

    /// Takes a collected repayment off the books.
    pub fn repaid(&mut self, debtor: AccountId, creditor: AccountId, amount: u128) -> DebtRepaid {
        self.debts.repaid(debtor, creditor, amount)
    }

    /// `to`, the account `from`'s citizen acts from after a move (M-1), takes over `from`'s
    /// books: its energy ledger, unpaid bill and accrued earnings are merged into `to`'s
    /// (earnings of one device and source into one), for `to` to claim, and its meters'
    /// last readings move to `to` (`NothingToClaim` when `from` has none,
    /// `TooManyEarnings` or `TooManyMeters` when they would not fit).
    pub fn take_over_account(
        &mut self,
        from: AccountId,
        to: AccountId,
    ) -> Result<AccountTakenOver, MarketError> {
        let old = self.account(from);
        if old == EnergyAccount::default() {
            return Err(MarketError::NothingToClaim);
        }
        let mut new = self.account(to);
        new.ledger_wh = new.ledger_wh.saturating_add(old.ledger_wh);
        new.bill = new.bill.saturating_add(old.bill);
        new.billed_wh = new.billed_wh.saturating_add(old.billed_wh);
        let added = old
            .earnings
            .iter()
            .filter(|a| {
                new.earning_of(&a.earning.device, a.earning.source)
                    .is_none()
            })
            .count();
        if new.earnings.len().saturating_add(added) > MAX_ACCRUED_EARNINGS as usize {
            return Err(MarketError::TooManyEarnings);
        }
        let meters_added = old
            .meters
            .iter()
            .filter(|held| new.meter(&held.device).is_none())
            .count();
        if new.meters.len().saturating_add(meters_added) > MAX_HELD_METERS as usize {
            return Err(MarketError::TooManyMeters);
        }
        for accrued in &old.earnings {
            new.add_earning(&accrued.earning, accrued.credits);
        }
        // the meters follow (at most MAX_HELD_METERS of them), their readings now
        // measured for `to`
        for held in &old.meters {
            new.put_meter(*held);
            self.set_holder(held.device, to);
        }
        self.accounts.remove(from);
        self.set_account(to, &new);
        Ok(AccountTakenOver {
            from,
            to,
            ledger_wh: old.ledger_wh,
            bill: old.bill,
            credits: old.credits(),
        })
    }

    /// What `from` owes `creditor` is owed by `to`, the account `from`'s citizen acts from
    /// after a move (`NothingOwed`): a new key is a debtor like the old one (M-3).
    pub fn move_debt(
        &mut self,
        creditor: AccountId,
        from: AccountId,
        to: AccountId,
    ) -> Result<DebtMoved, MarketError> {
        self.debts
            .move_debtor(from, to, creditor)
            .ok_or(MarketError::NothingOwed)
    }

    fn ensure_clear(&self, account: AccountId) -> Result<(), MarketError> {
        if self.debts.is_clear(account) {
            Ok(())
        } else {
            Err(MarketError::Debtor)
        }
    }

    /// The verdict on one reading. `device` and `vehicle` are the registry's records (of
    /// the device, and of the vehicle its V2G session names, if any); `last` is
    /// the device's last accepted reading, this batch included; `recover` and
    /// `recover_vehicle` recover the signers' keys and are only called once the cheap
    /// checks pass.
    #[allow(clippy::too_many_arguments)]
    pub fn evaluate(
        &self,
        reading: &MeterReading,
        device: Option<&DeviceInfo>,
        vehicle: Option<&DeviceInfo>,
        last: Option<&MeterState>,
        now: TimestampMs,
        recover: impl FnOnce() -> Option<DeviceKey>,
        recover_vehicle: impl FnOnce() -> Option<DeviceKey>,
    ) -> Result<Verdict, RejectReason> {
        check_device(reading, device, now)?;
        let device = device.ok_or(RejectReason::UnknownDevice)?;
        let source = device
            .energy
            .map(|profile| profile.source)
            .ok_or(RejectReason::NoEnergyProfile)?;
        let Some(last) = last else {
            if reading.vehicle.is_some() {
                return Err(RejectReason::PlugInMismatch);
            }
            if recover() != Some(device.key) {
                return Err(RejectReason::BadSignature);
            }
            return Ok(Verdict::Baseline(MeterState::after(reading, device.owner)));
        };
        let measured = difference(last, reading, self.config.rated_w(device))?;
        let session = match &reading.vehicle {
            Some(session) => {
                let owner = session_owner(device, session, vehicle, Some(last.at_ms))?;
                Some((owner, vehicle.map(|car| car.key)))
            }
            None => None,
        };
        if recover() != Some(device.key) {
            return Err(RejectReason::BadSignature);
        }
        if let Some((_, car_key)) = session {
            if recover_vehicle() != car_key {
                return Err(RejectReason::BadVehicleSignature);
            }
        }
        let share = |beneficiary, part: Difference| Share {
            beneficiary,
            source,
            from_ms: part.from_ms,
            to_ms: part.to_ms,
            export_wh: part.export_wh,
            import_wh: part.import_wh,
            credits: self
                .config
                .credits(part.export_wh, source, part.from_ms, part.to_ms),
        };
        let next = MeterState::after(reading, device.owner);
        // V2G: the co-signed session is the vehicle owner's, whoever owns the charger
        if let Some((owner, _)) = session {
            return Ok(Verdict::Measured {
                next,
                share: share(owner, measured),
                before_transfer: None,
            });
        }
        // review L-3: energy measured before a transfer is the previous owner's
        let since = device.owner_since_ms;
        if last.owner == device.owner || since <= measured.from_ms {
            return Ok(Verdict::Measured {
                next,
                share: share(device.owner, measured),
                before_transfer: None,
            });
        }
        if since >= measured.to_ms {
            return Ok(Verdict::Measured {
                next: MeterState::after(reading, last.owner),
                share: share(last.owner, measured),
                before_transfer: None,
            });
        }
        let (before, after) = split(measured, since);
        Ok(Verdict::Measured {
            next,
            share: share(device.owner, after),
            before_transfer: Some(share(last.owner, before)),
        })
    }
}

/// What one account's claim mints and collects (see [`Market::take_claim`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub account: AccountId,
    /// The account's mints, and the utility's for the part of the bill they paid.
    pub mints: Vec<Mint>,
    /// Micro-credits minted to the account.
    pub minted: u128,
    pub bill: u128,
    pub billed_wh: u64,
    /// The part of the bill the credits paid.
    pub netted: u128,
    /// The part left to collect from the account's allowance, and its Wh.
    pub unpaid: u128,
    pub unpaid_wh: u64,
    /// The credits that repaid the account's debt to the utility.
    pub debt_repaid: Option<DebtRepaid>,
}

impl Claim {
    /// The claim's event, once the shell knows what it `collected` of the unpaid bill
    /// and what is left `owed` in the debt book.
    pub fn event(&self, collected: u128, owed: u128) -> Claimed {
        Claimed {
            account: self.account,
            minted: self.minted,
            bill: self.bill,
            billed_wh: self.billed_wh,
            netted: self.netted,
            debt_repaid: self.debt_repaid.as_ref().map_or(0, |r| r.amount),
            collected,
            owed,
        }
    }
}

/// Books one share of a reading of `device` to its beneficiary's `account`: the export
/// adds to the ledger, the import is paid from the ledger first; the credits accrue to
/// the device's earning (its span widened). Returns the Wh the ledger did not cover, to
/// bill. The caller checked `account.has_room(device, share.source)`.
pub fn accrue(account: &mut EnergyAccount, device: DeviceId, share: &Share) -> u64 {
    let available = account.ledger_wh.saturating_add(share.export_wh);
    let consumed = available.min(share.import_wh);
    account.ledger_wh = available.saturating_sub(consumed);
    if share.credits > 0 {
        let earning = Earning {
            device,
            source: share.source,
            period_start_ms: share.from_ms,
            period_end_ms: share.to_ms,
            energy_wh: share.export_wh,
        };
        account.add_earning(&earning, share.credits);
    }
    share.import_wh.saturating_sub(consumed)
}

/// `whole * part / total`, rounded down (`part <= total`, so it fits u64).
fn pro_rata(whole: u64, part: u128, total: u128) -> u64 {
    let share = u128::from(whole)
        .saturating_mul(part)
        .checked_div(total)
        .unwrap_or(0);
    u64::try_from(share).unwrap_or(whole)
}

/// Splits a difference at `at_ms` (inside it), the energy pro rata by time.
fn split(whole: Difference, at_ms: TimestampMs) -> (Difference, Difference) {
    let length = u128::from(whole.to_ms.saturating_sub(whole.from_ms)).max(1);
    let before_ms = u128::from(at_ms.saturating_sub(whole.from_ms));
    // at most the whole, so it fits u64
    let part = |wh: u64| {
        let share = u128::from(wh)
            .saturating_mul(before_ms)
            .checked_div(length)
            .unwrap_or(0);
        u64::try_from(share).unwrap_or(wh)
    };
    let (export_before, import_before) = (part(whole.export_wh), part(whole.import_wh));
    (
        Difference {
            from_ms: whole.from_ms,
            to_ms: at_ms,
            export_wh: export_before,
            import_wh: import_before,
        },
        Difference {
            from_ms: at_ms,
            to_ms: whole.to_ms,
            export_wh: whole.export_wh.saturating_sub(export_before),
            import_wh: whole.import_wh.saturating_sub(import_before),
        },
    )
}

mod offers;

#[cfg(test)]
mod tests;
