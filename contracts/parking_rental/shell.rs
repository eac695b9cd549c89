//! The rental shell's own work beside its messages (`lib.rs`): emitting what a sensor
//! event did, a settlement's payments (netted, pulled when refused), and the
//! registry and token calls. Plain methods on the contract, in plain Rust.

use crate::{
    parking_rental::ParkingRental,
    rules::{SensorEffect, Settlement},
};
use ink::{codegen::Env, prelude::vec::Vec};
use interfaces::{
    parking::{ParkingConfig, ParkingError},
    token::{PSP22Error, TokenError},
    AccountId, DeviceId, DeviceInfo,
};

impl ParkingRental {
    /// Emits the event of what a sensor event (or a time-out) did.
    pub(crate) fn emit_effect(&self, effect: SensorEffect) {
        let env = self.env();
        match effect {
            SensorEffect::None => {}
            SensorEffect::CheckedIn(event) => env.emit_event(event),
            SensorEffect::SessionOpened(event) => env.emit_event(event),
            SensorEffect::Violation(event) => env.emit_event(event),
            SensorEffect::Settled(event) => env.emit_event(event),
            SensorEffect::SessionClosed(event) => env.emit_event(event),
            SensorEffect::Refused(event) => env.emit_event(event),
        }
    }

    /// Makes a settlement's payments. A charge that cannot be collected becomes the
    /// payer's debt to the owner (the debt book's `DebtRecorded`), never a failed
    /// check-out, unless the token is paused (the call fails: L-10); releases come out of this
    /// contract's balance, one transfer per recipient (the owner's share of the escrow
    /// and of a collected charge together). A recipient the token refuses (suspended,
    /// moved) is owed its payment (`PayoutOwed`, M-1); any other failure there (the
    /// token paused, or refusing this contract) fails the call and changes nothing.
    pub(crate) fn carry_out(&mut self, settlement: Settlement) -> Result<(), ParkingError> {
        for event in settlement.refunded {
            self.env().emit_event(event);
        }
        let mut releases = settlement.releases;
        if let Some(charge) = settlement.collect {
            match self.collect_into_escrow(charge.from, charge.amount) {
                Ok(()) => {
                    let split = self.parking.split(charge.amount);
                    releases.push((charge.owner, split.to_owner));
                    releases.push((self.parking.config().fee_account, split.fee));
                }
                // L-10: nobody owes for the token's pause; the event is sent again later
                Err(ParkingError::Payment(PSP22Error::Custom(reason)))
                    if reason == TokenError::Paused.name() =>
                {
                    return Err(ParkingError::Payment(PSP22Error::Custom(reason)));
                }
                Err(_) => {
                    let event = self.parking.record_debt(charge);
                    self.env().emit_event(event);
                }
            }
        }
        // at most two entries per open booking (16): summing per recipient is a short scan
        let mut totals: Vec<(AccountId, u128)> = Vec::with_capacity(releases.len());
        for (to, amount) in releases {
            match totals.iter_mut().find(|(account, _)| *account == to) {
                Some((_, total)) => *total = total.saturating_add(amount),
                None => totals.push((to, amount)),
            }
        }
        for (to, amount) in totals {
            let left = self.net(to, amount)?;
            self.release_or_owe(to, left)?;
        }
        Ok(())
    }

    /// Pays `to`'s creditors here out of `amount` first (M-3 netting: a debtor collects
    /// no payout or refund while it owes), each less the platform fee as `repay_debt`
    /// pays them; returns what is left for `to`. A creditor the token refuses stays
    /// owed; a fee the token refuses fails the call.
    pub(crate) fn net(&mut self, to: AccountId, amount: u128) -> Result<u128, ParkingError> {
        let token = self.token;
        let config = self.parking.config();
        let mut fee_refused = None;
        let (repaid, left) = self.parking.net(to, amount, |creditor, part| {
            let fee = ParkingConfig::share(part, config.platform_fee_bps);
            interfaces::calls::transfer(token, creditor, part.saturating_sub(fee))?;
            if let Err(error) = interfaces::calls::transfer(token, config.fee_account, fee) {
                fee_refused = Some(ParkingError::from(error));
            }
            Ok::<(), interfaces::calls::CallError<PSP22Error>>(())
        });
        if let Some(error) = fee_refused {
            return Err(error);
        }
        for event in repaid {
            self.env().emit_event(event);
        }
        Ok(left)
    }

    /// Pays `to` out of this contract's balance. When the token refuses `to` as a
    /// recipient (suspended, or moved to a new key: the gated token's
    /// `RecipientNotAllowed`), the payment waits for `to` to claim (`PayoutOwed`, M-1);
    /// any other failure (a paused token, an outage) fails the call.
    pub(crate) fn release_or_owe(
        &mut self,
        to: AccountId,
        amount: u128,
    ) -> Result<(), ParkingError> {
        match self.release(to, amount) {
            Err(ParkingError::Payment(PSP22Error::Custom(reason)))
                if reason == TokenError::RecipientNotAllowed.name() =>
            {
                let event = self.parking.owe_payout(to, amount);
                self.env().emit_event(event);
                Ok(())
            }
            paid => paid,
        }
    }

    /// `from` pays this contract from its allowance.
    pub(crate) fn collect_into_escrow(
        &self,
        from: AccountId,
        amount: u128,
    ) -> Result<(), ParkingError> {
        let me = self.env().account_id();
        interfaces::calls::transfer_from(self.token, from, me, amount).map_err(Into::into)
    }

    /// This contract pays `to` out of its balance.
    pub(crate) fn release(&self, to: AccountId, amount: u128) -> Result<(), ParkingError> {
        interfaces::calls::transfer(self.token, to, amount).map_err(Into::into)
    }

    /// The account `former`'s citizen acts from after a move (`NoSuccessor`).
    pub(crate) fn successor(&self, former: AccountId) -> Result<AccountId, ParkingError> {
        interfaces::calls::successor(self.registry, former)?.ok_or(ParkingError::NoSuccessor)
    }

    pub(crate) fn device(&self, id: DeviceId) -> Result<Option<DeviceInfo>, ParkingError> {
        Ok(interfaces::calls::device(self.registry, id)?)
    }

    /// Two records in one registry call.
    pub(crate) fn devices(
        &self,
        ids: [DeviceId; 2],
    ) -> Result<[Option<DeviceInfo>; 2], ParkingError> {
        let answer = interfaces::calls::devices(self.registry, ids.to_vec())?;
        let mut answer = answer.into_iter();
        match (answer.next(), answer.next()) {
            (Some(first), Some(second)) => Ok([first, second]),
            _ => Err(ParkingError::RegistryCallFailed),
        }
    }

    pub(crate) fn is_active(&self, account: AccountId) -> Result<bool, ParkingError> {
        Ok(interfaces::calls::is_active(self.registry, account)?)
    }
}
