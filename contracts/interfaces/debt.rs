//! One debt book for every pay-as-you-go charge that could not be collected (the market's
//! energy bills, parking charges, tap-out fares): what a payer owes and to whom, one event
//! shape, repayment, and the check that keeps a debtor from taking on more (security
//! review M-3). The market, the parking rental and the fare contract each hold one.

use crate::AccountId;
use ink::storage::Mapping;

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

/// Who owes whom how much, and each debtor's total (what `ensure_clear` looks at).
#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
#[derive(Default)]
pub struct DebtBook {
    owed: Mapping<(AccountId, AccountId), u128>,
    totals: Mapping<AccountId, u128>,
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
