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
    ) -> Result<RouteAdded, FareError> {
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
        Ok(RouteAdded {
            route: id,
            operator: caller,
            stops: u32::try_from(route.stops.len()).unwrap_or(u32::MAX),
            rule: route.rule,
        })
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
    ) -> Result<TripScheduled, FareError> {
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
                escrow: 0,
                released: false,
            },
        );
        Ok(TripScheduled {
            trip: id,
            route: route_id,
            departure_ms,
            capacity,
        })
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
    /// before it leaves; each of its riders then claims its fare back (`claim_refund`).
    /// The event counts the tickets ever booked on it.
    pub fn cancel_trip(
        &mut self,
        caller: AccountId,
        trip_id: u64,
        now: TimestampMs,
    ) -> Result<TripCancelled, FareError> {
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
        Ok(TripCancelled {
            trip: trip_id,
            tickets: trip.tickets,
        })
    }

    /// The rider of a cancelled trip's ticket, booked or already boarded (L-11: riders on
    /// board get their fare back too), takes its fare back from the escrow (M-2). A pull
    /// payment: the contract never holds the rider's account to push it to (M-10), and
    /// one rider the token refuses holds up nobody else. The event names the fare
    /// (`TicketNotFound`, `NotRider`, `NoRefundOwed`).
    pub fn claim_refund(
        &mut self,
        ticket_id: u64,
        caller: AccountId,
    ) -> Result<TicketRefunded, FareError> {
        let mut ticket = self
            .tickets
            .get(ticket_id)
            .ok_or(FareError::TicketNotFound)?;
        tickets::ensure_rider(&ticket, ticket_id, caller)?;
        let mut trip = self.trips.get(ticket.trip).ok_or(FareError::TripNotFound)?;
        let open = matches!(ticket.state, TicketState::Booked | TicketState::Boarded);
        if trip.state != TripState::Cancelled || !open {
            return Err(FareError::NoRefundOwed);
        }
        ticket.state = TicketState::Refunded;
        self.tickets.insert(ticket_id, &ticket);
        trip.escrow = trip.escrow.saturating_sub(ticket.fare);
        self.trips.insert(ticket.trip, &trip);
        Ok(TicketRefunded {
            ticket: ticket_id,
            trip: ticket.trip,
            refund: ticket.fare,
        })
    }

    /// `to`, the account the rider's citizen acts from after a move from `from` (M-1; the
    /// shell checks the registry), becomes the rider of ticket `id`, booked or with its
    /// refund to claim (`TicketNotFound`, `NotRider`: `from` is not its rider,
    /// `TicketClosed`): its boarding, its cancellation and its refund are `to`'s. Returns
    /// the event.
    pub fn take_over_ticket(
        &mut self,
        id: u64,
        from: AccountId,
        to: AccountId,
    ) -> Result<TicketTakenOver, FareError> {
        let mut ticket = self.tickets.get(id).ok_or(FareError::TicketNotFound)?;
        tickets::ensure_rider(&ticket, id, from)?;
        match ticket.state {
            TicketState::Booked => {
                // the per-trip ticket cap counts the new key's tickets now
                let theirs = rider_tag(&from, RideScope::Trip(ticket.trip));
                let held = self.rider_tickets.get(theirs).unwrap_or(0);
                self.rider_tickets.insert(theirs, &held.saturating_sub(1));
                let mine = rider_tag(&to, RideScope::Trip(ticket.trip));
                let held = self.rider_tickets.get(mine).unwrap_or(0);
                self.rider_tickets.insert(mine, &held.saturating_add(1));
            }
            TicketState::Boarded => {
                let cancelled = self
                    .trips
                    .get(ticket.trip)
                    .is_some_and(|t| t.state == TripState::Cancelled);
                if !cancelled {
                    return Err(FareError::TicketClosed);
                }
            }
            _ => return Err(FareError::TicketClosed),
        }
        ticket.rider_tag = rider_tag(&to, RideScope::Ticket(id));
        self.tickets.insert(id, &ticket);
        Ok(TicketTakenOver {
            ticket: id,
            rider_tag: ticket.rider_tag,
        })
    }

    /// Anyone releases a departed trip's fares to its operator, once. Returns the event,
    /// which names the operator and the amount to pay.
    pub fn release_fares(
        &mut self,
        trip_id: u64,
        now: TimestampMs,
    ) -> Result<FaresReleased, FareError> {
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
        Ok(FaresReleased {
            trip: trip_id,
            operator,
            amount,
        })
    }
}
