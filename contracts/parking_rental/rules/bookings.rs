//! Bookings: booking with escrow, cancelling, settling, payouts and debts.

use super::*;

impl Parking {
    // ----- bookings ------------------------------------------------------------------------

    /// The caller books `[start_ms, end_ms)` of space `id`. Returns the booking's event:
    /// its id, and the rent the shell must escrow from the caller.
    #[allow(clippy::too_many_arguments)]
    pub fn book(
        &mut self,
        caller: AccountId,
        renter: RenterCheck,
        id: u64,
        vehicle: Option<DeviceId>,
        start_ms: TimestampMs,
        end_ms: TimestampMs,
        now: TimestampMs,
    ) -> Result<Booked, ParkingError> {
        self.ensure_running()?;
        let space = self.spaces.get(id).ok_or(ParkingError::SpaceNotFound)?;
        if !space.listed {
            return Err(ParkingError::NotListed);
        }
        if !renter.active {
            return Err(ParkingError::NotACitizen);
        }
        if !self.debts.is_clear(caller) {
            return Err(ParkingError::Debtor);
        }
        if vehicle.is_some()
            && !renter
                .vehicle
                .is_some_and(|v| usable_vehicle(v, Some(caller)))
        {
            return Err(ParkingError::VehicleNotUsable);
        }
        if end_ms <= start_ms || start_ms < now {
            return Err(ParkingError::BadInterval);
        }
        if start_ms > now.saturating_add(BOOKING_HORIZON_MS) {
            return Err(ParkingError::TooFarAhead);
        }
        let minutes = minutes_started(end_ms.saturating_sub(start_ms));
        let terms = &space.terms;
        if minutes < u64::from(terms.min_minutes) || minutes > u64::from(terms.max_minutes) {
            return Err(ParkingError::DurationOutOfRange);
        }
        if !terms.available(start_ms, end_ms) {
            return Err(ParkingError::OutsideAvailability);
        }
        let mut open = self.open_bookings.get(id).unwrap_or_default();
        let mut renters = 0u32;
        for other in &open {
            if let Some(b) = self.bookings.get(other) {
                if b.start_ms < end_ms && start_ms < b.end_ms {
                    return Err(ParkingError::Overlap);
                }
                if b.renter == caller {
                    renters = renters.saturating_add(1);
                }
            }
        }
        if open.len() >= MAX_OPEN_BOOKINGS as usize {
            return Err(ParkingError::TooManyOpenBookings);
        }
        if renters >= MAX_OPEN_BOOKINGS_PER_RENTER {
            return Err(ParkingError::TooManyBookingsOfRenter);
        }
        let escrow = terms.rent(start_ms, end_ms);
        let booking_id = self.next_booking;
        self.next_booking = booking_id.saturating_add(1);
        self.bookings.insert(
            booking_id,
            &Booking {
                space: id,
                renter: caller,
                // M-10: the booking keeps a pseudonym of the vehicle, not its id
                vehicle_tag: vehicle.map(|v| vehicle_tag(&v, TagScope::Booking(booking_id))),
                start_ms,
                end_ms,
                escrow,
                state: BookingState::Booked,
                tariff: Tariff::of(terms),
            },
        );
        open.push(booking_id);
        self.open_bookings.insert(id, &open);
        let count = self.renter_booking_count.get(caller).unwrap_or(0);
        self.renter_bookings.insert((caller, count), &booking_id);
        self.renter_booking_count
            .insert(caller, &count.saturating_add(1));
        self.escrow_total = self.escrow_total.saturating_add(escrow);
        Ok(Booked {
            booking: booking_id,
            space: id,
            renter: caller,
            start_ms,
            end_ms,
            escrow,
        })
    }

    pub fn booking(&self, id: u64) -> Option<Booking> {
        self.bookings.get(id)
    }

    /// The renter cancels before the start: the escrow back, less the cancellation fee
    /// (to the owner; the late-cancel fee inside the cut-off window when higher). Returns
    /// the event (refund and fee) and the payments.
    pub fn cancel(
        &mut self,
        caller: AccountId,
        booking_id: u64,
        now: TimestampMs,
    ) -> Result<(BookingCancelled, Settlement), ParkingError> {
        let mut booking = self
            .bookings
            .get(booking_id)
            .ok_or(ParkingError::BookingNotFound)?;
        if booking.renter != caller {
            return Err(ParkingError::NotRenter);
        }
        match booking.state {
            BookingState::Booked if now < booking.start_ms => {}
            BookingState::Booked | BookingState::CheckedIn => {
                return Err(ParkingError::TooLateToCancel)
            }
            BookingState::Settled | BookingState::Cancelled => {
                return Err(ParkingError::BookingClosed)
            }
        }
        let late = now
            >= booking
                .start_ms
                .saturating_sub(self.config.cancel_cutoff_ms);
        let fee_bps = if late {
            self.config
                .late_cancel_fee_bps
                .max(self.config.cancel_fee_bps)
        } else {
            self.config.cancel_fee_bps
        };
        let fee = ParkingConfig::share(booking.escrow, fee_bps);
        let refund = booking.escrow.saturating_sub(fee);
        let owner = self
            .spaces
            .get(booking.space)
            .ok_or(ParkingError::SpaceNotFound)?
            .owner;
        booking.state = BookingState::Cancelled;
        self.bookings.insert(booking_id, &booking);
        self.close_open(booking.space, booking_id);
        self.escrow_total = self.escrow_total.saturating_sub(booking.escrow);
        let mut settlement = Settlement::default();
        settlement.releases.push((caller, refund));
        settlement.releases.push((owner, fee));
        let event = BookingCancelled {
            booking: booking_id,
            refund,
            fee,
        };
        Ok((event, settlement))
    }

    /// Anyone settles a booking whose vehicle never came, after its end: the escrow to
    /// the owner less the platform fee (unused time is not refunded). A booking another
    /// vehicle held the space at the start of, and still holds, is refunded in full
    /// instead (L-4; `None`, and the refund and its event in the settlement).
    pub fn settle(
        &mut self,
        booking_id: u64,
        now: TimestampMs,
    ) -> Result<(Option<BookingSettled>, Settlement), ParkingError> {
        let mut booking = self
            .bookings
            .get(booking_id)
            .ok_or(ParkingError::BookingNotFound)?;
        match booking.state {
            BookingState::Booked if now >= booking.end_ms => {}
            BookingState::Booked => return Err(ParkingError::NotEnded),
            // settled at check-out, overstay included
            BookingState::CheckedIn => return Err(ParkingError::SpaceOccupied),
            BookingState::Settled | BookingState::Cancelled => {
                return Err(ParkingError::BookingClosed)
            }
        }
        let space = self
            .spaces
            .get(booking.space)
            .ok_or(ParkingError::SpaceNotFound)?;
        let mut settlement = Settlement::default();
        if let Some(blocker) = space.session {
            self.refund_blocked(booking.space, blocker.since_ms, now, &mut settlement);
        }
        if settlement.refunded.iter().any(|r| r.booking == booking_id) {
            return Ok((None, settlement));
        }
        let payout = self.pay_out(&mut booking, space.owner, &mut settlement);
        self.bookings.insert(booking_id, &booking);
        self.close_open(booking.space, booking_id);
        Ok((Some(payout.settled(booking_id, 0)), settlement))
    }

    /// Marks `booking` settled and releases its escrow to `owner` less the platform fee.
    /// The caller writes the booking back and takes it off the open list.
    pub(super) fn pay_out(
        &mut self,
        booking: &mut Booking,
        owner: AccountId,
        settlement: &mut Settlement,
    ) -> Payout {
        let fee = ParkingConfig::share(booking.escrow, self.config.platform_fee_bps);
        let to_owner = booking.escrow.saturating_sub(fee);
        settlement.releases.push((owner, to_owner));
        settlement.releases.push((self.config.fee_account, fee));
        self.escrow_total = self.escrow_total.saturating_sub(booking.escrow);
        booking.state = BookingState::Settled;
        Payout { to_owner, fee }
    }

    pub(super) fn close_open(&mut self, space: u64, booking_id: u64) {
        let mut open = self.open_bookings.get(space).unwrap_or_default();
        open.retain(|&id| id != booking_id);
        self.open_bookings.insert(space, &open);
    }

    /// The platform fee of a collected charge, and the owner's part.
    pub fn split(&self, amount: u128) -> Payout {
        let fee = ParkingConfig::share(amount, self.config.platform_fee_bps);
        Payout {
            to_owner: amount.saturating_sub(fee),
            fee,
        }
    }

    pub fn escrow_total(&self) -> u128 {
        self.escrow_total
    }

    /// A payment of `amount` out of this contract's balance that the token refused to
    /// deliver to `to` (a suspended or moved account) waits for `to` to claim, instead of
    /// failing the settlement it is part of (M-1: nobody else's escrow is locked by it).
    pub fn owe_payout(&mut self, to: AccountId, amount: u128) -> PayoutOwed {
        let total = self.payout_owed(to).saturating_add(amount);
        self.payouts_owed.insert(to, &total);
        self.escrow_total = self.escrow_total.saturating_add(amount);
        PayoutOwed { to, amount, total }
    }

    /// The payouts waiting for `account`.
    pub fn payout_owed(&self, account: AccountId) -> u128 {
        self.payouts_owed.get(account).unwrap_or(0)
    }

    /// `caller` claims what waits for it; the shell pays it out (a failure fails the call,
    /// so nothing is lost). Returns the event.
    pub fn claim_payout(&mut self, caller: AccountId) -> Result<PayoutClaimed, ParkingError> {
        let amount = self.payout_owed(caller);
        if amount == 0 {
            return Err(ParkingError::NoPayoutOwed);
        }
        self.payouts_owed.remove(caller);
        self.escrow_total = self.escrow_total.saturating_sub(amount);
        Ok(PayoutClaimed { to: caller, amount })
    }

    /// Admin only: what the contract holds (`balance`) beyond the open bookings' escrow and
    /// the payouts it owes: credits transferred here by mistake (L-9), which the admin may
    /// send on to `to`. Returns the sweep's event (the amount).
    pub fn sweepable(
        &self,
        caller: AccountId,
        balance: u128,
        to: AccountId,
    ) -> Result<ExcessSwept, ParkingError> {
        self.admin.ensure_admin(caller)?;
        match balance.saturating_sub(self.escrow_total) {
            0 => Err(ParkingError::NothingToSweep),
            amount => Ok(ExcessSwept { to, amount }),
        }
    }

    pub fn debt(&self, account: AccountId) -> u128 {
        self.debts.total(account)
    }

    /// Nets a payment this contract owes `payee` against `payee`'s debts here (M-3; see
    /// `DebtBook::net`): its creditors are paid first through `pay`; returns their
    /// `DebtRepaid` events and what is left for `payee`.
    pub fn net<E>(
        &mut self,
        payee: AccountId,
        amount: u128,
        pay: impl FnMut(AccountId, u128) -> Result<(), E>,
    ) -> (Vec<DebtRepaid>, u128) {
        self.debts.net(payee, amount, pay)
    }

    /// Records a charge on space `space` that `from` could not pay its owner.
    pub fn record_debt(&mut self, charge: Collect) -> DebtRecorded {
        self.debts.record(
            charge.from,
            charge.owner,
            charge.amount,
            DebtCause::Parking {
                space: charge.space,
            },
        )
    }

    /// How much of `amount` `debtor` repays `owner` (at most what it owes).
    pub fn repayable(
        &self,
        debtor: AccountId,
        owner: AccountId,
        amount: u128,
    ) -> Result<u128, ParkingError> {
        Ok(self.debts.repayable(debtor, owner, amount)?)
    }

    /// Takes a collected repayment off the books.
    pub fn repaid(&mut self, debtor: AccountId, owner: AccountId, amount: u128) -> DebtRepaid {
        self.debts.repaid(debtor, owner, amount)
    }

    /// The renter's bookings from its `from`-th, at most `limit` (`PageTooLarge` above
    /// `MAX_PAGE`), and the total count.
    pub fn renter_bookings(
        &self,
        renter: AccountId,
        from: u32,
        limit: u32,
    ) -> Result<(Vec<(u64, Booking)>, u32), ParkingError> {
        if limit > MAX_PAGE {
            return Err(ParkingError::PageTooLarge);
        }
        let count = self.renter_booking_count.get(renter).unwrap_or(0);
        let end = from.saturating_add(limit).min(count);
        let page = (from..end)
            .filter_map(|i| self.renter_bookings.get((renter, i)))
            .filter_map(|id| self.bookings.get(id).map(|b| (id, b)))
            .collect();
        Ok((page, count))
    }
}
