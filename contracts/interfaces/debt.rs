//! One debt book for every pay-as-you-go charge that could not be collected (the market's
//! energy bills, parking charges, tap-out fares): what a payer owes and to whom, one event
//! shape, repayment, and the check that keeps a debtor from taking on more (security
//! review M-3). The market, the parking rental and the fare contract each hold one.

use crate::AccountId;
use ink::{prelude::vec::Vec, storage::Mapping};

/// What a debt was run up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum DebtCause {
    /// An energy bill of `wh` imported.
    Energy { wh: u64 },
    /// A parking charge (overstay, pay-as-you-go) on `space`.
    Parking { space: u64 },
    /// A tap-out fare on `trip`.
    Fare { trip: u64 },
}

/// Why a repayment was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepayRefusal {
    /// A repayment of zero.
    ZeroAmount,
    /// The caller owes that creditor nothing.
    NothingOwed,
}

/// How many of one debtor's creditors the book lists, oldest debt first, for netting
/// ([`DebtBook::net`]). A debtor takes on no new commitment, so debts to more creditors
/// are rare; one beyond them is still owed, still blocks, and is repaid by `repay_debt`.
pub const NETTED_CREDITORS: usize = 4;

/// Who owes whom how much, and each debtor's total (what `ensure_clear` looks at).
#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
#[derive(Default)]
pub struct DebtBook {
    owed: Mapping<(AccountId, AccountId), u128>,
    totals: Mapping<AccountId, u128>,
    /// Each debtor's first [`NETTED_CREDITORS`] creditors, oldest debt first.
    creditors: Mapping<AccountId, Vec<AccountId>>,
}

impl DebtBook {
    /// All `debtor` owes in this contract.
    pub fn total(&self, debtor: AccountId) -> u128 {
        self.totals.get(debtor).unwrap_or(0)
    }

    /// What `debtor` owes `creditor`.
    pub fn owed(&self, debtor: AccountId, creditor: AccountId) -> u128 {
        self.owed.get((debtor, creditor)).unwrap_or(0)
    }

    /// Whether `debtor` owes nothing here: a debtor opens no new booking, ticket, tap-in
    /// or offer until it has repaid.
    pub fn is_clear(&self, debtor: AccountId) -> bool {
        self.total(debtor) == 0
    }

    /// Records a charge `debtor` could not pay `creditor`; returns the event to emit.
    pub fn record(
        &mut self,
        debtor: AccountId,
        creditor: AccountId,
        amount: u128,
        cause: DebtCause,
    ) -> events::DebtRecorded {
        self.list_creditor(debtor, creditor);
        let owed = self.owed(debtor, creditor).saturating_add(amount);
        self.owed.insert((debtor, creditor), &owed);
        let total = self.total(debtor).saturating_add(amount);
        self.totals.insert(debtor, &total);
        events::DebtRecorded {
            debtor,
            creditor,
            amount,
            cause,
            total,
        }
    }

    /// What `former` owes `creditor` now owed by `successor`, the account `former`'s
    /// citizen acts from after the registry moved it (M-3: a new key does not wipe a
    /// debt). `None` when `former` owed `creditor` nothing.
    pub fn move_debtor(
        &mut self,
        former: AccountId,
        successor: AccountId,
        creditor: AccountId,
    ) -> Option<events::DebtMoved> {
        let amount = self.owed(former, creditor);
        if amount == 0 {
            return None;
        }
        self.repaid(former, creditor, amount);
        self.list_creditor(successor, creditor);
        let owed = self.owed(successor, creditor).saturating_add(amount);
        self.owed.insert((successor, creditor), &owed);
        let total = self.total(successor).saturating_add(amount);
        self.totals.insert(successor, &total);
        Some(events::DebtMoved {
            from: former,
            to: successor,
            creditor,
            amount,
        })
    }

    /// How much of `amount` goes to `creditor` when `debtor` repays it: at most what is
    /// owed. The caller collects that much, then calls `repaid`.
    pub fn repayable(
        &self,
        debtor: AccountId,
        creditor: AccountId,
        amount: u128,
    ) -> Result<u128, RepayRefusal> {
        if amount == 0 {
            return Err(RepayRefusal::ZeroAmount);
        }
        match self.owed(debtor, creditor) {
            0 => Err(RepayRefusal::NothingOwed),
            owed => Ok(owed.min(amount)),
        }
    }

    /// Takes a collected repayment off the books; returns the event to emit.
    pub fn repaid(
        &mut self,
        debtor: AccountId,
        creditor: AccountId,
        amount: u128,
    ) -> events::DebtRepaid {
        let owed = self.owed(debtor, creditor).saturating_sub(amount);
        if owed == 0 {
            self.owed.remove((debtor, creditor));
            let mut listed = self.creditors.get(debtor).unwrap_or_default();
            if let Some(at) = listed.iter().position(|c| *c == creditor) {
                listed.remove(at);
                if listed.is_empty() {
                    self.creditors.remove(debtor);
                } else {
                    self.creditors.insert(debtor, &listed);
                }
            }
        } else {
            self.owed.insert((debtor, creditor), &owed);
        }
        let total = self.total(debtor).saturating_sub(amount);
        if total == 0 {
            self.totals.remove(debtor);
        } else {
            self.totals.insert(debtor, &total);
        }
        events::DebtRepaid {
            debtor,
            creditor,
            amount,
            total,
        }
    }
}

impl DebtBook {
    /// Lists `creditor` among `debtor`'s creditors when it is a new one and there is room.
    fn list_creditor(&mut self, debtor: AccountId, creditor: AccountId) {
        if self.owed(debtor, creditor) > 0 {
            return;
        }
        let mut listed = self.creditors.get(debtor).unwrap_or_default();
        if listed.len() < NETTED_CREDITORS {
            listed.push(creditor);
            self.creditors.insert(debtor, &listed);
        }
    }

    /// Nets a payment of `amount` this contract owes `payee` against what `payee` owes
    /// here (review M-3: a debtor collects nothing from the contract while its creditors
    /// wait). Each listed creditor, oldest debt first, is paid from it up to its debt
    /// through `pay` (the contract's transfer out of its own balance); one `pay` fails for
    /// (a suspended creditor, say) is skipped and stays owed. Returns the repayments'
    /// events and what is left for `payee`.
    pub fn net<E>(
        &mut self,
        payee: AccountId,
        amount: u128,
        mut pay: impl FnMut(AccountId, u128) -> Result<(), E>,
    ) -> (Vec<events::DebtRepaid>, u128) {
        let mut repaid = Vec::new();
        let mut left = amount;
        if amount == 0 || self.is_clear(payee) {
            return (repaid, left);
        }
        for creditor in self.creditors.get(payee).unwrap_or_default() {
            let part = self.owed(payee, creditor).min(left);
            if part == 0 || pay(creditor, part).is_err() {
                continue;
            }
            left -= part;
            repaid.push(self.repaid(payee, creditor, part));
        }
        (repaid, left)
    }
}

/// The debt book's events, the same in every contract that keeps one.
pub mod events {
    use super::DebtCause;
    use crate::AccountId;

    /// A charge could not be collected (allowance, balance, gating): `debtor` owes
    /// `creditor` `amount` more, `total` in all here.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DebtRecorded {
        #[ink(topic)]
        pub debtor: AccountId,
        #[ink(topic)]
        pub creditor: AccountId,
        pub amount: u128,
        pub cause: DebtCause,
        pub total: u128,
    }

    /// What `from` owed `creditor` (`amount`) is owed by `to` now: the account `from`'s
    /// citizen acts from after a move (M-3).
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DebtMoved {
        #[ink(topic)]
        pub from: AccountId,
        #[ink(topic)]
        pub to: AccountId,
        #[ink(topic)]
        pub creditor: AccountId,
        pub amount: u128,
    }

    /// `debtor` repaid `creditor` `amount`; it owes `total` in all here now.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DebtRepaid {
        #[ink(topic)]
        pub debtor: AccountId,
        #[ink(topic)]
        pub creditor: AccountId,
        pub amount: u128,
        pub total: u128,
    }
}

// `#[ink::test]` only because `Mapping` needs ink!'s off-chain storage engine.
#[cfg(test)]
mod tests {
    use super::*;

    fn account(n: u8) -> AccountId {
        AccountId::from([n; 32])
    }

    #[ink::test]
    fn debts_are_kept_per_creditor_and_repaid_at_most_in_full() {
        let mut book = DebtBook::default();
        let (sam, shop, cafe) = (account(1), account(2), account(3));
        assert!(book.is_clear(sam));
        let event = book.record(sam, shop, 600, DebtCause::Parking { space: 0 });
        assert_eq!((event.amount, event.total), (600, 600));
        book.record(sam, cafe, 400, DebtCause::Parking { space: 1 });
        assert_eq!((book.total(sam), book.owed(sam, shop)), (1_000, 600));
        assert!(!book.is_clear(sam));
        assert_eq!(
            book.repayable(sam, account(9), 10),
            Err(RepayRefusal::NothingOwed)
        );
        assert_eq!(book.repayable(sam, shop, 0), Err(RepayRefusal::ZeroAmount));
        // asking to repay more than owed repays what is owed
        assert_eq!(book.repayable(sam, shop, 5_000), Ok(600));
        let event = book.repaid(sam, shop, 600);
        assert_eq!((event.amount, event.total), (600, 400));
        assert_eq!(book.owed(sam, shop), 0);
        book.repaid(sam, cafe, 400);
        assert!(book.is_clear(sam));
    }

    /// M-3: a payment the contract owes a debtor goes to its creditors first, oldest debt
    /// first, each up to what it is owed; a creditor that cannot be paid is skipped and
    /// stays owed; only the rest reaches the debtor.
    #[ink::test]
    fn a_debtor_collects_nothing_while_its_creditors_wait() {
        let mut book = DebtBook::default();
        let (sam, shop, cafe, gym) = (account(1), account(2), account(3), account(4));
        book.record(sam, shop, 600, DebtCause::Parking { space: 0 });
        book.record(sam, cafe, 400, DebtCause::Parking { space: 1 });
        book.record(sam, gym, 100, DebtCause::Parking { space: 2 });
        book.record(sam, shop, 50, DebtCause::Parking { space: 0 });
        // a payout of 900 to sam: the shop's 650 first, then 250 of the cafe's 400; the
        // gym, refused by the token, is skipped
        let mut paid = Vec::new();
        let (events, left) = book.net(sam, 900, |to, amount| {
            if to == gym {
                return Err(());
            }
            paid.push((to, amount));
            Ok(())
        });
        assert_eq!(paid, [(shop, 650), (cafe, 250)]);
        assert_eq!(left, 0);
        assert_eq!(
            events
                .iter()
                .map(|e| (e.creditor, e.amount, e.total))
                .collect::<Vec<_>>(),
            [(shop, 650, 500), (cafe, 250, 250)]
        );
        // the next payout: the cafe's 150, the gym's 100 (paid now), 50 left for sam
        let (_, left) = book.net(sam, 300, |_, _| Ok::<(), ()>(()));
        assert_eq!(left, 50);
        assert!(book.is_clear(sam));
        // a clear payee keeps all of it, and nothing is asked of the token
        let (events, left) = book.net(sam, 70, |_, _| Err(()));
        assert_eq!((events.len(), left), (0, 70));
    }

    /// The creditors listed for netting are the first few; a debt to another is still
    /// owed and blocks, and is repaid with `repay_debt`.
    #[ink::test]
    fn netting_lists_a_bounded_number_of_creditors() {
        let mut book = DebtBook::default();
        let sam = account(1);
        for n in 0..NETTED_CREDITORS as u8 + 2 {
            book.record(sam, account(10 + n), 10, DebtCause::Fare { trip: 0 });
        }
        let (events, left) = book.net(sam, 1_000, |_, _| Ok::<(), ()>(()));
        assert_eq!(events.len(), NETTED_CREDITORS);
        assert_eq!(left, 1_000 - 10 * NETTED_CREDITORS as u128);
        assert_eq!(book.total(sam), 20);
    }

    /// M-3: a debt moved to the debtor's new key leaves the old key clear and the new one
    /// owing the same creditor, on top of what it owed already; another creditor's debt
    /// stays where it was.
    #[ink::test]
    fn a_moved_debt_is_the_new_keys_one_creditor_at_a_time() {
        let mut book = DebtBook::default();
        let (sam, new_sam, shop, cafe) = (account(1), account(5), account(2), account(3));
        book.record(sam, shop, 600, DebtCause::Parking { space: 0 });
        book.record(sam, cafe, 400, DebtCause::Parking { space: 1 });
        book.record(new_sam, shop, 50, DebtCause::Parking { space: 0 });
        assert_eq!(book.move_debtor(sam, new_sam, account(9)), None);
        let moved = book.move_debtor(sam, new_sam, shop).unwrap();
        assert_eq!(
            (moved.from, moved.to, moved.creditor, moved.amount),
            (sam, new_sam, shop, 600)
        );
        assert_eq!((book.owed(sam, shop), book.owed(new_sam, shop)), (0, 650));
        assert_eq!((book.total(sam), book.total(new_sam)), (400, 650));
        assert_eq!(book.move_debtor(sam, new_sam, shop), None);
        book.move_debtor(sam, new_sam, cafe).unwrap();
        assert!(book.is_clear(sam));
        assert_eq!(book.total(new_sam), 1_050);
    }
}
