//! Validator events: boarding, tap-in and tap-out, and tap-out debts.

use super::*;

impl Fares {
    // ----- validator events ----------------------------------------------------------------

    /// Checks and applies a validator event: the validator is a commissioned, active
    /// TransitValidator (`validator_info` is the registry's record), signed it (`signer` is
    /// the key its signature recovers to), the event is its next (M-6: `StaleSeq`,
    /// `SequenceGap`) and its time moves forward. An authentic event's sequence is used
    /// whatever it does; one that does not fit the trip, ticket or rider is `Refused` and
    /// changes nothing else, so it cannot hold up the validator's next events.
    pub fn validator_event(
        &mut self,
        event: &ValidatorEvent,
        validator_info: Option<&DeviceInfo>,
        signer: Option<DeviceKey>,
        now: TimestampMs,
    ) -> Result<Validated, FareError> {
        let validator = validator_info
            .filter(|v| {
                v.kind == DeviceKind::TransitValidator
                    && v.status == DeviceStatus::Commissioned
                    && v.active
            })
            .ok_or(FareError::ValidatorNotUsable)?;
        if signer != Some(validator.key) {
            return Err(FareError::BadSignature);
        }
        let last = self.validator_last.get(event.validator).unwrap_or((0, 0));
        sequence::follows(last, event.seq, event.at_ms, now)?;
        let validated = match self.apply_validator_event(event, validator) {
            Err(error) => Validated::Refused(ValidatorEventRefused {
                validator: event.validator,
                seq: event.seq,
                reason: ValidatorRefusal::of(&error).ok_or(error)?,
            }),
            Ok(validated) => validated,
        };
        self.validator_last
            .insert(event.validator, &(event.seq, event.at_ms));
        Ok(validated)
    }

    /// Admin only: validator `validator` counts from 1 again, and no event it signed
    /// before `now` is taken (I-2: a validator whose counter restarted). Returns the event
    /// to emit.
    pub fn reset_validator_sequence(
        &mut self,
        caller: AccountId,
        validator: DeviceId,
        now: TimestampMs,
    ) -> Result<ValidatorSequenceReset, FareError> {
        self.admin.ensure_admin(caller)?;
        self.validator_last.insert(validator, &sequence::reset(now));
        Ok(ValidatorSequenceReset {
            validator,
            at_ms: now,
        })
    }

    /// What an authentic validator event does; an error changes nothing.
    fn apply_validator_event(
        &mut self,
        event: &ValidatorEvent,
        validator: &DeviceInfo,
    ) -> Result<Validated, FareError> {
        let trip_id = match event.action {
            ValidatorAction::Board { ticket } => {
                self.tickets
                    .get(ticket)
                    .ok_or(FareError::TicketNotFound)?
                    .trip
            }
            ValidatorAction::TapIn { trip, .. } | ValidatorAction::TapOut { trip, .. } => trip,
        };
        let trip = self.trips.get(trip_id).ok_or(FareError::TripNotFound)?;
        if trip.state == TripState::Cancelled {
            return Err(FareError::TripCancelled);
        }
        let route = self.running_route(&trip)?;
        if validator.owner != route.operator {
            return Err(FareError::NotRouteOperator);
        }
        let validated = match event.action {
            ValidatorAction::Board { ticket } => {
                let mut record = self.tickets.get(ticket).ok_or(FareError::TicketNotFound)?;
                if record.state != TicketState::Booked {
                    return Err(FareError::TicketClosed);
                }
                if event.at_ms < trip.departure_ms.saturating_sub(BOARDING_WINDOW_MS) {
                    return Err(FareError::NotBoardingYet);
                }
                record.state = TicketState::Boarded;
                self.tickets.insert(ticket, &record);
                Validated::Boarded(TicketBoarded {
                    ticket,
                    trip: trip_id,
                    at_ms: event.at_ms,
                })
            }
            ValidatorAction::TapIn { rider, trip, stop } => {
                self.ensure_running()?;
                self.ensure_clear(rider)?;
                if stop >= route.stages() {
                    return Err(FareError::BadStops);
                }
                let on_trip = rider_tag(&rider, RideScope::Trip(trip));
                if self.tap_ins.contains(on_trip) {
                    return Err(FareError::AlreadyTappedIn);
                }
                // M-5: the rider's own cap for this operator holds the dearest ride from
                // here; the tap-out charges the real fare and gives the rest back
                let hold = quote(&route, stop, route.stages())?.exact;
                self.caps
                    .take(rider, route.operator, hold)
                    .map_err(|_| FareError::NotAuthorized)?;
                self.tap_ins.insert(on_trip, &(stop, hold));
                Validated::TappedIn(TappedIn {
                    trip,
                    rider_tag: on_trip,
                    stop,
                })
            }
            ValidatorAction::TapOut { rider, trip, stop } => {
                let on_trip = rider_tag(&rider, RideScope::Trip(trip));
                let (board, hold) = self
                    .tap_ins
                    .get(on_trip)
                    .filter(|&(board, _)| board < stop)
                    .ok_or(FareError::NoTapIn)?;
                let quote = quote(&route, board, stop)?;
                // a completed ride counts towards the trip's load, like a ticket
                let record = trip_with_ride(self.trips.get(trip), board, stop, quote.stages)?;
                self.tap_ins.remove(on_trip);
                self.caps
                    .give_back(rider, route.operator, hold.saturating_sub(quote.exact));
                self.trips.insert(trip, &record);
                Validated::TappedOut(TapOut {
                    rider,
                    rider_tag: on_trip,
                    operator: route.operator,
                    trip,
                    board,
                    alight: stop,
                    fare: quote.exact,
                })
            }
        };
        Ok(validated)
    }

    /// The caller (a rider) lets `operator`'s validators charge it at most `cap` for
    /// tap-in rides from now on, replacing what was left (M-5). Returns the event to emit.
    pub fn set_spending_cap(
        &mut self,
        caller: AccountId,
        operator: AccountId,
        cap: u128,
    ) -> SpendingCapSet {
        self.caps.set(caller, operator, cap)
    }

    /// What `operator`'s validators may still charge `rider`.
    pub fn spending_cap(&self, rider: AccountId, operator: AccountId) -> u128 {
        self.caps.left(rider, operator)
    }

    pub fn debt(&self, account: AccountId) -> u128 {
        self.debts.total(account)
    }

    /// Nets a payment this contract owes `payee` (a refund, an operator's fares) against
    /// `payee`'s debts here (M-3; see `DebtBook::net`): its creditors are paid first
    /// through `pay`; returns their `DebtRepaid` events and what is left for `payee`.
    pub fn net<E>(
        &mut self,
        payee: AccountId,
        amount: u128,
        pay: impl FnMut(AccountId, u128) -> Result<(), E>,
    ) -> (Vec<DebtRepaid>, u128) {
        self.debts.net(payee, amount, pay)
    }

    /// Records a tap-out fare the rider could not pay its operator.
    pub fn record_debt(&mut self, ride: &TapOut) -> DebtRecorded {
        self.debts.record(
            ride.rider,
            ride.operator,
            ride.fare,
            DebtCause::Fare { trip: ride.trip },
        )
    }

    /// How much of `amount` `rider` repays `operator` (at most what it owes).
    pub fn repayable(
        &self,
        rider: AccountId,
        operator: AccountId,
        amount: u128,
    ) -> Result<u128, FareError> {
        Ok(self.debts.repayable(rider, operator, amount)?)
    }

    /// Takes a collected repayment off the books.
    pub fn repaid(&mut self, rider: AccountId, operator: AccountId, amount: u128) -> DebtRepaid {
        self.debts.repaid(rider, operator, amount)
    }

    /// What `from` owes `operator` is owed by `to`, the account `from`'s citizen acts from
    /// after a move (`NothingOwed`): a new key is a debtor like the old one (M-3).
    pub fn move_debt(
        &mut self,
        operator: AccountId,
        from: AccountId,
        to: AccountId,
    ) -> Result<DebtMoved, FareError> {
        self.debts
            .move_debtor(from, to, operator)
            .ok_or(FareError::NothingOwed)
    }

    /// A debtor books no ticket and taps in nowhere until it has repaid (M-3).
    pub(super) fn ensure_clear(&self, rider: AccountId) -> Result<(), FareError> {
        if self.debts.is_clear(rider) {
            Ok(())
        } else {
            Err(FareError::Debtor)
        }
    }
}
