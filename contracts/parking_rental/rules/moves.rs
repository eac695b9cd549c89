//! A citizen's new account after a move (a lost key, M-1, M-3): it takes over the old
//! account's spaces, open bookings and owed payouts; a space owner moves its debtor's debt
//! to the debtor's new account. The shell asks the registry who the new account is.

use super::*;
use interfaces::{
    debt::events::DebtMoved,
    parking::{events::TakenOver, Holding},
};

impl Parking {
    /// `to` (the account that acts now for `from`'s citizen, as the registry says) takes
    /// over `holding` of `from` (`NotTheirs`, `NoPayoutOwed`). A space's future payments
    /// and its management go to `to`; a booking's check-in, refund and settlement; the
    /// owed payouts wait for `to`. Returns the event, with the amount for payouts.
    pub fn take_over(
        &mut self,
        holding: Holding,
        from: AccountId,
        to: AccountId,
    ) -> Result<TakenOver, ParkingError> {
        let holding = match holding {
            Holding::Space(id) => {
                let mut space = self.spaces.get(id).ok_or(ParkingError::SpaceNotFound)?;
                if space.owner != from {
                    return Err(ParkingError::NotTheirs);
                }
                space.owner = to;
                self.spaces.insert(id, &space);
                Holding::Space(id)
            }
            Holding::Booking(id) => {
                let mut booking = self.bookings.get(id).ok_or(ParkingError::BookingNotFound)?;
                let open = matches!(
                    booking.state,
                    BookingState::Booked | BookingState::CheckedIn
                );
                if booking.renter != from || !open {
                    return Err(ParkingError::NotTheirs);
                }
                booking.renter = to;
                self.bookings.insert(id, &booking);
                // a checked-in stay is the renter's to pay
                if let Some(mut space) = self.spaces.get(booking.space) {
                    if let Some(session) = space.session.as_mut() {
                        if session.booking == Some(id) {
                            session.payer = to;
                            self.spaces.insert(booking.space, &space);
                        }
                    }
                }
                let count = self.renter_booking_count.get(to).unwrap_or(0);
                self.renter_bookings.insert((to, count), &id);
                self.renter_booking_count
                    .insert(to, &count.saturating_add(1));
                Holding::Booking(id)
            }
            Holding::Payouts(_) => {
                let amount = self.payout_owed(from);
                if amount == 0 {
                    return Err(ParkingError::NoPayoutOwed);
                }
                self.payouts_owed.remove(from);
                let total = self.payout_owed(to).saturating_add(amount);
                self.payouts_owed.insert(to, &total);
                Holding::Payouts(amount)
            }
        };
        Ok(TakenOver { from, to, holding })
    }

    /// What `from` owes `creditor` here is owed by `to`, the account `from`'s citizen acts
    /// from now (`NothingOwed`): a new key is a debtor like the old one (M-3).
    pub fn move_debt(
        &mut self,
        creditor: AccountId,
        from: AccountId,
        to: AccountId,
    ) -> Result<DebtMoved, ParkingError> {
        self.debts
            .move_debtor(from, to, creditor)
            .ok_or(ParkingError::NothingOwed)
    }
}
