//! Routes and trips: adding, quoting, cancelling, refunding a cancelled trip.

use super::*;

impl Fares {
    // ----- routes and trips ----------------------------------------------------------------

    /// An operator adds a route: its stops in order and its slab table. Returns its id.
    pub fn add_route(
        &mut self,
        caller: AccountId,
        stops: Vec<Vec<u8>>,
        rule: FareRule,
        cancel_fee_bps: u32,
        cancel_cutoff_ms: u64,
    ) -> Result<u64, FareError> {
        self.ensure_running()?;
        if !self.is_operator(caller) {
            return Err(FareError::NotOperator);
        }
        if stops.len() < 2
            || stops.len() > MAX_STOPS as usize
            || stops
                .iter()
                .any(|s| s.is_empty() || s.len() > MAX_STOP_NAME_LEN as usize)
        {
            return Err(FareError::InvalidStops);
        }
        if cancel_fee_bps > BPS {
            return Err(FareError::InvalidFee);
        }
        let route = Route {
            operator: caller,
            stops,
            rule,
            cancel_fee_bps,
            cancel_cutoff_ms,
        };
        route.rule.validate(route.stages())?;
        let id = self.next_route;
        self.next_route = id.saturating_add(1);
        self.routes.insert(id, &route);
        Ok(id)
    }

    pub fn route(&self, id: u64) -> Option<Route> {
        self.routes.get(id)
    }

    /// The exact and slab fare from stop `board` to stop `alight` of a route.
    pub fn quote(&self, route: u64, board: u32, alight: u32) -> Result<FareQuote, FareError> {
        let route = self.routes.get(route).ok_or(FareError::RouteNotFound)?;
        quote(&route, board, alight)
    }

    /// The route's operator schedules a departure. Returns the trip id.
    pub fn add_trip(
        &mut self,
        caller: AccountId,
        route_id: u64,
        departure_ms: TimestampMs,
        capacity: u32,
        now: TimestampMs,
    ) -> Result<u64, FareError> {
        self.ensure_running()?;
        let route = self.operated_route(caller, route_id)?;
        if capacity == 0 || capacity > MAX_CAPACITY {
            return Err(FareError::InvalidCapacity);
        }
        if departure_ms <= now {
            return Err(FareError::DepartureInPast);
        }
        let id = self.next_trip;
        self.next_trip = id.saturating_add(1);
        self.trips.insert(
            id,
            &Trip {
                route: route_id,
                departure_ms,
                capacity,
                state: TripState::Scheduled,
                segment_load: ink::prelude::vec![0; route.stages() as usize],
                passenger_stages: 0,
                tickets: 0,
                refunded_up_to: 0,
                escrow: 0,
                released: false,
            },
        );
        Ok(id)
    }

    pub fn trip(&self, id: u64) -> Option<Trip> {
        self.trips.get(id)
    }

    /// The route, when `caller` is its operator and still holds the role (M-7).
    fn operated_route(&self, caller: AccountId, route_id: u64) -> Result<Route, FareError> {
        let route = self.routes.get(route_id).ok_or(FareError::RouteNotFound)?;
        if route.operator != caller {
            return Err(FareError::NotRouteOperator);
        }
        if !self.is_operator(caller) {
            return Err(FareError::OperatorRevoked);
        }
        Ok(route)
    }

    /// The route of a trip whose operator still holds the role (M-7: a revoked operator
    /// sells nothing and charges nothing).
    pub(super) fn running_route(&self, trip: &Trip) -> Result<Route, FareError> {
        let route = self
            .routes
            .get(trip.route)
            .ok_or(FareError::RouteNotFound)?;
        if !self.is_operator(route.operator) {
            return Err(FareError::OperatorRevoked);
        }
        Ok(route)
    }

    /// The operator, or the admin (a revoked operator's trips, M-7), cancels a trip
    /// before it leaves; its tickets are then refunded with `refund_cancelled`. Returns
    /// the number of tickets to refund.
    pub fn cancel_trip(
        &mut self,
        caller: AccountId,
        trip_id: u64,
        now: TimestampMs,
    ) -> Result<u32, FareError> {
        let mut trip = self.trips.get(trip_id).ok_or(FareError::TripNotFound)?;
        if caller != self.admin.admin() {
            self.operated_route(caller, trip.route)?;
        }
        if trip.state == TripState::Cancelled {
            return Err(FareError::TripCancelled);
        }
        if now >= trip.departure_ms {
            return Err(FareError::Departed);
        }
        trip.state = TripState::Cancelled;
        self.trips.insert(trip_id, &trip);
        Ok(trip.tickets)
    }

    /// Anyone refunds the next (at most `limit`) tickets of a cancelled trip in full, from
    /// the fares held in escrow (M-2). Returns (ticket, rider, fare) for each booked or
    /// boarded ticket (L-11: riders on board get their fare back too; cancelled tickets
    /// are skipped) and how many tickets remain. A refund the shell cannot pay goes back
    /// with `refund_failed`; the queue moves on.
    pub fn refund_cancelled(
        &mut self,
        trip_id: u64,
        limit: u32,
    ) -> Result<(Vec<Refund>, u32), FareError> {
        if limit == 0 || limit > MAX_REFUNDS_PER_CALL {
            return Err(FareError::PageTooLarge);
        }
        let mut trip = self.trips.get(trip_id).ok_or(FareError::TripNotFound)?;
        if trip.state != TripState::Cancelled || trip.refunded_up_to >= trip.tickets {
            return Err(FareError::NothingToRefund);
        }
        let end = trip.refunded_up_to.saturating_add(limit).min(trip.tickets);
        let mut refunds = Vec::new();
        for index in trip.refunded_up_to..end {
            let Some(ticket_id) = self.trip_tickets.get((trip_id, index)) else {
                continue;
            };
            let Some(mut ticket) = self.tickets.get(ticket_id) else {
                continue;
            };
            if matches!(ticket.state, TicketState::Booked | TicketState::Boarded) {
                ticket.state = TicketState::Refunded;
                self.tickets.insert(ticket_id, &ticket);
                trip.escrow = trip.escrow.saturating_sub(ticket.fare);
                refunds.push((ticket_id, ticket.rider, ticket.fare));
            }
        }
        trip.refunded_up_to = end;
        self.trips.insert(trip_id, &trip);
        Ok((refunds, trip.tickets.saturating_sub(end)))
    }

    /// A refund the shell could not pay: the ticket waits as `RefundOwed`, its fare back in
    /// the trip's escrow.
    pub fn refund_failed(&mut self, ticket_id: u64, owed: u128) {
        let Some(mut ticket) = self.tickets.get(ticket_id) else {
            return;
        };
        let Some(mut trip) = self.trips.get(ticket.trip) else {
            return;
        };
        ticket.state = TicketState::RefundOwed;
        // what is owed: the fare, less what repaid the rider's debts here (M-3)
        ticket.fare = owed;
        self.tickets.insert(ticket_id, &ticket);
        trip.escrow = trip.escrow.saturating_add(ticket.fare);
        self.trips.insert(ticket.trip, &trip);
    }

    /// Anyone pays a refund that could not be paid before. Returns (rider, fare).
    pub fn claim_refund(&mut self, ticket_id: u64) -> Result<(AccountId, u128), FareError> {
        let mut ticket = self
            .tickets
            .get(ticket_id)
            .ok_or(FareError::TicketNotFound)?;
        if ticket.state != TicketState::RefundOwed {
            return Err(FareError::NoRefundOwed);
        }
        let mut trip = self.trips.get(ticket.trip).ok_or(FareError::TripNotFound)?;
        ticket.state = TicketState::Refunded;
        self.tickets.insert(ticket_id, &ticket);
        trip.escrow = trip.escrow.saturating_sub(ticket.fare);
        self.trips.insert(ticket.trip, &trip);
        Ok((ticket.rider, ticket.fare))
    }

    /// `to`, the account the rider's citizen acts from after a move (M-1), becomes the
    /// rider of ticket `id`, booked or waiting for its refund (`TicketNotFound`,
    /// `TicketClosed`): its boarding, its cancellation and its refund are `to`'s. Returns
    /// the event.
    pub fn take_over_ticket(
        &mut self,
        id: u64,
        to: AccountId,
    ) -> Result<TicketTakenOver, FareError> {
        let mut ticket = self.tickets.get(id).ok_or(FareError::TicketNotFound)?;
        let from = ticket.rider;
        match ticket.state {
            TicketState::Booked => {
                // the per-trip ticket cap counts the new key's tickets now
                let held = self.rider_tickets.get((ticket.trip, from)).unwrap_or(0);
                self.rider_tickets
                    .insert((ticket.trip, from), &held.saturating_sub(1));
                let mine = self.rider_tickets.get((ticket.trip, to)).unwrap_or(0);
                self.rider_tickets
                    .insert((ticket.trip, to), &mine.saturating_add(1));
            }
            TicketState::RefundOwed => {}
            _ => return Err(FareError::TicketClosed),
        }
        ticket.rider = to;
        self.tickets.insert(id, &ticket);
        Ok(TicketTakenOver {
            ticket: id,
            from,
            to,
        })
    }

    /// Anyone releases a departed trip's fares to its operator, once. Returns (operator,
    /// amount).
    pub fn release_fares(
        &mut self,
        trip_id: u64,
        now: TimestampMs,
    ) -> Result<(AccountId, u128), FareError> {
        let mut trip = self.trips.get(trip_id).ok_or(FareError::TripNotFound)?;
        if trip.state == TripState::Cancelled {
            return Err(FareError::TripCancelled);
        }
        if now < trip.departure_ms {
            return Err(FareError::NotDeparted);
        }
        if trip.released {
            return Err(FareError::FaresReleased);
        }
        let operator = self
            .routes
            .get(trip.route)
            .ok_or(FareError::RouteNotFound)?
            .operator;
        let amount = trip.escrow;
        trip.escrow = 0;
        trip.released = true;
        self.trips.insert(trip_id, &trip);
        Ok((operator, amount))
    }
}
