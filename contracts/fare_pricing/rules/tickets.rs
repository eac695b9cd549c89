//! Tickets: booking a seat at the exact fare, cancelling, the trip's ticket pages.

use super::*;

impl Fares {
    // ----- tickets -------------------------------------------------------------------------

    /// An active citizen books stops `board` to `alight` of a trip before it leaves;
    /// refused when any segment between them is full. Returns the booking's event: the
    /// ticket id, and the exact fare the shell takes from the rider into escrow (M-2).
    pub fn book(
        &mut self,
        caller: AccountId,
        citizen: bool,
        trip_id: u64,
        board: u32,
        alight: u32,
        now: TimestampMs,
    ) -> Result<TicketBooked, FareError> {
        self.ensure_running()?;
        let mut trip = self.trips.get(trip_id).ok_or(FareError::TripNotFound)?;
        if trip.state == TripState::Cancelled {
            return Err(FareError::TripCancelled);
        }
        if now >= trip.departure_ms {
            return Err(FareError::Departed);
        }
        if !citizen {
            return Err(FareError::NotACitizen);
        }
        self.ensure_clear(caller)?;
        let route = self.running_route(&trip)?;
        let quote = quote(&route, board, alight)?;
        let on_trip = rider_tag(&caller, RideScope::Trip(trip_id));
        let held = self.rider_tickets.get(on_trip).unwrap_or(0);
        if held >= MAX_TICKETS_PER_RIDER {
            return Err(FareError::TooManyTickets);
        }
        self.rider_tickets.insert(on_trip, &held.saturating_add(1));
        let segments = (board as usize)..(alight as usize);
        if trip.segment_load[segments.clone()]
            .iter()
            .any(|&load| load >= trip.capacity)
        {
            return Err(FareError::SegmentFull);
        }
        for load in &mut trip.segment_load[segments] {
            *load = load.saturating_add(1);
        }
        trip.passenger_stages = trip
            .passenger_stages
            .saturating_add(u64::from(quote.stages));
        let ticket_id = self.next_ticket;
        self.next_ticket = ticket_id.saturating_add(1);
        self.trip_tickets
            .insert((trip_id, trip.tickets), &ticket_id);
        trip.tickets = trip.tickets.saturating_add(1);
        trip.escrow = trip.escrow.saturating_add(quote.exact);
        self.trips.insert(trip_id, &trip);
        let tag = rider_tag(&caller, RideScope::Ticket(ticket_id));
        self.tickets.insert(
            ticket_id,
            &Ticket {
                trip: trip_id,
                rider_tag: tag,
                board,
                alight,
                fare: quote.exact,
                state: TicketState::Booked,
            },
        );
        Ok(TicketBooked {
            ticket: ticket_id,
            trip: trip_id,
            rider_tag: tag,
            board,
            alight,
            fare: quote.exact,
            slab_fare: quote.slab,
        })
    }

    pub fn ticket(&self, id: u64) -> Option<Ticket> {
        self.tickets.get(id)
    }

    /// The rider cancels before boarding opens: the seat is freed and the fare comes out
    /// of escrow: to the rider, less the route's cancel fee inside its cut-off (to the
    /// operator). Returns the cancellation's event (refund and fee) and the operator.
    pub fn cancel_ticket(
        &mut self,
        caller: AccountId,
        ticket_id: u64,
        now: TimestampMs,
    ) -> Result<(TicketCancelled, AccountId), FareError> {
        let mut ticket = self
            .tickets
            .get(ticket_id)
            .ok_or(FareError::TicketNotFound)?;
        ensure_rider(&ticket, ticket_id, caller)?;
        if ticket.state != TicketState::Booked {
            return Err(FareError::TicketClosed);
        }
        let mut trip = self.trips.get(ticket.trip).ok_or(FareError::TripNotFound)?;
        if trip.state == TripState::Cancelled {
            // refunded in full by `claim_refund`
            return Err(FareError::TripCancelled);
        }
        if now >= trip.departure_ms {
            return Err(FareError::Departed);
        }
        if now >= trip.departure_ms.saturating_sub(BOARDING_WINDOW_MS) {
            return Err(FareError::BoardingOpen);
        }
        let route = self
            .routes
            .get(trip.route)
            .ok_or(FareError::RouteNotFound)?;
        let late = now >= trip.departure_ms.saturating_sub(route.cancel_cutoff_ms);
        let fee = if late {
            ticket
                .fare
                .saturating_mul(u128::from(route.cancel_fee_bps))
                .checked_div(u128::from(BPS))
                .unwrap_or(0)
        } else {
            0
        };
        let refund = ticket.fare.saturating_sub(fee);
        for load in &mut trip.segment_load[(ticket.board as usize)..(ticket.alight as usize)] {
            *load = load.saturating_sub(1);
        }
        trip.passenger_stages = trip
            .passenger_stages
            .saturating_sub(u64::from(ticket.alight.saturating_sub(ticket.board)));
        trip.escrow = trip.escrow.saturating_sub(ticket.fare);
        self.trips.insert(ticket.trip, &trip);
        let on_trip = rider_tag(&caller, RideScope::Trip(ticket.trip));
        let held = self.rider_tickets.get(on_trip).unwrap_or(0);
        self.rider_tickets.insert(on_trip, &held.saturating_sub(1));
        ticket.state = TicketState::Cancelled;
        self.tickets.insert(ticket_id, &ticket);
        let event = TicketCancelled {
            ticket: ticket_id,
            trip: ticket.trip,
            refund,
            fee,
        };
        Ok((event, route.operator))
    }

    /// The trip's tickets from its `from`-th, at most `limit` (`PageTooLarge`).
    pub fn trip_tickets(
        &self,
        trip_id: u64,
        from: u32,
        limit: u32,
    ) -> Result<Vec<(u64, Ticket)>, FareError> {
        if limit > MAX_PAGE {
            return Err(FareError::PageTooLarge);
        }
        let trip = self.trips.get(trip_id).ok_or(FareError::TripNotFound)?;
        let end = from.saturating_add(limit).min(trip.tickets);
        Ok((from..end)
            .filter_map(|i| self.trip_tickets.get((trip_id, i)))
            .filter_map(|id| self.tickets.get(id).map(|t| (id, t)))
            .collect())
    }
}

/// `NotRider` unless `rider`'s pseudonym for ticket `id` is the ticket's.
pub(super) fn ensure_rider(ticket: &Ticket, id: u64, rider: AccountId) -> Result<(), FareError> {
    if ticket.rider_tag == rider_tag(&rider, RideScope::Ticket(id)) {
        Ok(())
    } else {
        Err(FareError::NotRider)
    }
}
