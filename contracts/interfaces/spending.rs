//! Spending caps: what a payer lets one payee charge it through a contract, set by the
//! payer itself (security review M-5). A payee's device (a parking sensor, a transit
//! validator) names who pays; the contract charges that payer only within the cap the
//! payer gave that payee, so a dishonest operator or space owner cannot drain everyone
//! who approved the contract. A charge whose size is known only at its end (a tap-out, a
//! pay-as-you-go stay) holds its largest possible amount when it starts and gives back
//! what it did not use. The parking rental and the fare contract each hold one.

use crate::AccountId;
use ink::storage::Mapping;

/// The payer has not let the payee charge that much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapExceeded;

/// What each payer lets each payee charge it, left.
#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
#[derive(Default)]
pub struct SpendingCaps {
    left: Mapping<(AccountId, AccountId), u128>,
}

impl SpendingCaps {
    /// What `payee` may still charge `payer`.
    pub fn left(&self, payer: AccountId, payee: AccountId) -> u128 {
        self.left.get((payer, payee)).unwrap_or(0)
    }

    /// `payer` lets `payee` charge it `cap` from now on, whatever was left (as PSP22's
    /// `approve` replaces an allowance); zero withdraws it. Returns the event to emit.
    pub fn set(&mut self, payer: AccountId, payee: AccountId, cap: u128) -> events::SpendingCapSet {
        if cap == 0 {
            self.left.remove((payer, payee));
        } else {
            self.left.insert((payer, payee), &cap);
        }
        events::SpendingCapSet { payer, payee, cap }
    }

    /// Takes `amount` off what `payee` may charge `payer` (a charge, or a hold on its
    /// largest size); refused when the cap has less left.
    pub fn take(
        &mut self,
        payer: AccountId,
        payee: AccountId,
        amount: u128,
    ) -> Result<(), CapExceeded> {
        let left = self
            .left(payer, payee)
            .checked_sub(amount)
            .ok_or(CapExceeded)?;
        self.left.insert((payer, payee), &left);
        Ok(())
    }

    /// Gives back the part of a hold a charge did not use.
    pub fn give_back(&mut self, payer: AccountId, payee: AccountId, amount: u128) {
        if amount > 0 {
            let left = self.left(payer, payee).saturating_add(amount);
            self.left.insert((payer, payee), &left);
        }
    }
}

/// The event of a payer's cap, the same in the parking rental and the fare contract.
pub mod events {
    use crate::AccountId;

    /// `payer` lets `payee` charge it at most `cap` (micro-credits) from now on.
    #[ink::event]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SpendingCapSet {
        #[ink(topic)]
        pub payer: AccountId,
        #[ink(topic)]
        pub payee: AccountId,
        pub cap: u128,
    }
}

// `#[ink::test]` only because `Mapping` needs ink!'s off-chain storage engine.
#[cfg(test)]
mod tests {
    use super::*;

    #[ink::test]
    fn a_cap_is_per_payee_replaced_when_set_and_holds_give_back_what_was_not_used() {
        let mut caps = SpendingCaps::default();
        let (rider, bus, tram) = (
            AccountId::from([1; 32]),
            AccountId::from([2; 32]),
            AccountId::from([3; 32]),
        );
        assert_eq!(caps.take(rider, bus, 1), Err(CapExceeded));
        let event = caps.set(rider, bus, 20);
        assert_eq!((event.payer, event.payee, event.cap), (rider, bus, 20));
        assert_eq!(caps.left(rider, tram), 0);
        // a hold of 15, of which a fare of 6 is used
        caps.take(rider, bus, 15).unwrap();
        assert_eq!(caps.take(rider, bus, 6), Err(CapExceeded));
        caps.give_back(rider, bus, 15 - 6);
        assert_eq!(caps.left(rider, bus), 14);
        // setting replaces what is left; zero withdraws it
        caps.set(rider, bus, 5);
        assert_eq!(caps.left(rider, bus), 5);
        caps.set(rider, bus, 0);
        assert_eq!(caps.take(rider, bus, 1), Err(CapExceeded));
    }
}
