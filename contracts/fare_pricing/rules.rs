//! The fare contract's rules in plain Rust: routes and fare rules, trips and their segment
//! loads, tickets, cancellations and refunds, what a validator event does. Each method
//! takes the caller and the time explicitly; the registry's records and the recovered
//! signer come in as arguments, the payments go out for the shell to make.

use ink::{prelude::vec::Vec, storage::Mapping};
use interfaces::{
    admin::AdminSeat,
    admin_events::{AdminChanged, AdminTransferProposed},
    fares::{
        FareError, FareQuote, FareRule, Route, Ticket, TicketState, Trip, TripState,
        ValidatorAction, ValidatorEvent, BPS, MAX_CAPACITY, MAX_PAGE, MAX_REFUNDS_PER_CALL,
        MAX_STOPS, MAX_STOP_NAME_LEN,
    },
    AccountId, DeviceId, DeviceInfo, DeviceKey, DeviceKind, DeviceStatus, TimestampMs,
};

/// A payment the shell makes with `transfer_from`: `from` pays `to` from its allowance to
/// this contract (riders pay operators; operators refund riders).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    pub from: AccountId,
    pub to: AccountId,
    pub amount: u128,
}

/// A tap-out to charge: who, the ride, and the exact fare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TapOut {
    pub rider: AccountId,
    pub operator: AccountId,
    pub trip: u64,
    pub board: u32,
    pub alight: u32,
    pub fare: u128,
}

/// What an authenticated validator event asks the shell to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validated {
    Boarded {
        ticket: u64,
        trip: u64,
    },
    TappedIn {
        trip: u64,
        rider: AccountId,
        stop: u32,
    },
    TappedOut(TapOut),
}

#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
pub struct Fares {
    admin: AdminSeat,
    operators: Mapping<AccountId, ()>,
    routes: Mapping<u64, Route>,
    next_route: u64,
    trips: Mapping<u64, Trip>,
    next_trip: u64,
    tickets: Mapping<u64, Ticket>,
    next_ticket: u64,
    /// Each trip's tickets in booking order, for refunds after a cancellation.
    trip_tickets: Mapping<(u64, u32), u64>,
    /// Open tap-ins: (trip, rider) -> boarding stop.
    tap_ins: Mapping<(u64, AccountId), u32>,
    /// Each validator's last accepted (sequence, event time).
    validator_last: Mapping<DeviceId, (u64, TimestampMs)>,
    /// Tap-out fares riders could not pay: owed to operators.
    debts: Mapping<AccountId, u128>,
}

impl Fares {
    pub fn new(admin: AccountId) -> Self {
        Self {
            admin: AdminSeat::new(admin),
            operators: Mapping::default(),
            routes: Mapping::default(),
            next_route: 0,
            trips: Mapping::default(),
            next_trip: 0,
            tickets: Mapping::default(),
            next_ticket: 0,
            trip_tickets: Mapping::default(),
            tap_ins: Mapping::default(),
            validator_last: Mapping::default(),
            debts: Mapping::default(),
        }
    }

    // ----- admin and operators -------------------------------------------------------------

    pub fn admin(&self) -> AccountId {
        self.admin.admin()
    }

    pub fn propose_admin(
        &mut self,
        caller: AccountId,
        proposed: AccountId,
    ) -> Result<AdminTransferProposed, FareError> {
        Ok(self.admin.propose(caller, proposed)?)
    }

    pub fn accept_admin(&mut self, caller: AccountId) -> Result<AdminChanged, FareError> {
        Ok(self.admin.accept(caller)?)
    }

    /// The admin grants (`true`) or revokes the operator role.
    pub fn set_operator(
        &mut self,
        caller: AccountId,
        account: AccountId,
        operator: bool,
    ) -> Result<(), FareError> {
        self.admin.ensure_admin(caller)?;
        if self.is_operator(account) == operator {
            return Err(FareError::RoleUnchanged);
        }
        if operator {
            self.operators.insert(account, &());
        } else {
            self.operators.remove(account);
        }
        Ok(())
    }

    pub fn is_operator(&self, account: AccountId) -> bool {
        self.operators.contains(account)
    }

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
            },
        );
        Ok(id)
    }

    pub fn trip(&self, id: u64) -> Option<Trip> {
        self.trips.get(id)
    }

    fn operated_route(&self, caller: AccountId, route_id: u64) -> Result<Route, FareError> {
        let route = self.routes.get(route_id).ok_or(FareError::RouteNotFound)?;
        if route.operator != caller {
            return Err(FareError::NotRouteOperator);
        }
        Ok(route)
    }

    /// The operator cancels a trip before it leaves; its tickets are then refunded with
    /// `refund_cancelled`. Returns the number of tickets to refund.
    pub fn cancel_trip(
        &mut self,
        caller: AccountId,
        trip_id: u64,
        now: TimestampMs,
    ) -> Result<u32, FareError> {
        let mut trip = self.trips.get(trip_id).ok_or(FareError::TripNotFound)?;
        self.operated_route(caller, trip.route)?;
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

    /// Anyone refunds the next (at most `limit`) tickets of a cancelled trip in full,
    /// from the operator's allowance. Returns (ticket, payment) for each booked ticket
    /// (cancelled ones are skipped) and how many tickets remain.
    pub fn refund_cancelled(
        &mut self,
        trip_id: u64,
        limit: u32,
    ) -> Result<(Vec<(u64, Payment)>, u32), FareError> {
        if limit == 0 || limit > MAX_REFUNDS_PER_CALL {
            return Err(FareError::PageTooLarge);
        }
        let mut trip = self.trips.get(trip_id).ok_or(FareError::TripNotFound)?;
        if trip.state != TripState::Cancelled || trip.refunded_up_to >= trip.tickets {
            return Err(FareError::NothingToRefund);
        }
        let operator = self
            .routes
            .get(trip.route)
            .ok_or(FareError::RouteNotFound)?
            .operator;
        let end = trip.refunded_up_to.saturating_add(limit).min(trip.tickets);
        let mut refunds = Vec::new();
        for index in trip.refunded_up_to..end {
            let Some(ticket_id) = self.trip_tickets.get((trip_id, index)) else {
                continue;
            };
            let Some(mut ticket) = self.tickets.get(ticket_id) else {
                continue;
            };
            if ticket.state == TicketState::Booked {
                ticket.state = TicketState::Refunded;
                self.tickets.insert(ticket_id, &ticket);
                refunds.push((
                    ticket_id,
                    Payment {
                        from: operator,
                        to: ticket.rider,
                        amount: ticket.fare,
                    },
                ));
            }
        }
        trip.refunded_up_to = end;
        self.trips.insert(trip_id, &trip);
        Ok((refunds, trip.tickets.saturating_sub(end)))
    }

    // ----- tickets -------------------------------------------------------------------------

    /// An active citizen books stops `board` to `alight` of a trip before it leaves;
    /// refused when any segment between them is full. Returns the ticket id, the quote
    /// and the payment (rider to operator, the exact fare).
    pub fn book(
        &mut self,
        caller: AccountId,
        citizen: bool,
        trip_id: u64,
        board: u32,
        alight: u32,
        now: TimestampMs,
    ) -> Result<(u64, FareQuote, Payment), FareError> {
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
        let route = self
            .routes
            .get(trip.route)
            .ok_or(FareError::RouteNotFound)?;
        let quote = quote(&route, board, alight)?;
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
        self.trips.insert(trip_id, &trip);
        self.tickets.insert(
            ticket_id,
            &Ticket {
                trip: trip_id,
                rider: caller,
                board,
                alight,
                fare: quote.exact,
                state: TicketState::Booked,
            },
        );
        let payment = Payment {
            from: caller,
            to: route.operator,
            amount: quote.exact,
        };
        Ok((ticket_id, quote, payment))
    }

    pub fn ticket(&self, id: u64) -> Option<Ticket> {
        self.tickets.get(id)
    }

    /// The rider cancels before departure: the seat is freed and the fare refunded from
    /// the operator's allowance, less the route's cancel fee inside its cut-off. Returns
    /// (refund, fee, the refund payment).
    pub fn cancel_ticket(
        &mut self,
        caller: AccountId,
        ticket_id: u64,
        now: TimestampMs,
    ) -> Result<(u128, u128, Payment), FareError> {
        let mut ticket = self
            .tickets
            .get(ticket_id)
            .ok_or(FareError::TicketNotFound)?;
        if ticket.rider != caller {
            return Err(FareError::NotRider);
        }
        if ticket.state != TicketState::Booked {
            return Err(FareError::TicketClosed);
        }
        let mut trip = self.trips.get(ticket.trip).ok_or(FareError::TripNotFound)?;
        if trip.state == TripState::Cancelled {
            // refunded in full by `refund_cancelled`
            return Err(FareError::TripCancelled);
        }
        if now >= trip.departure_ms {
            return Err(FareError::Departed);
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
        self.trips.insert(ticket.trip, &trip);
        ticket.state = TicketState::Cancelled;
        self.tickets.insert(ticket_id, &ticket);
        let payment = Payment {
            from: route.operator,
            to: caller,
            amount: refund,
        };
        Ok((refund, fee, payment))
    }

    // ----- validator events ----------------------------------------------------------------

    /// Checks and applies a validator event: the validator is a commissioned, active
    /// TransitValidator of the route's operator (`validator_info` is the registry's
    /// record), signed it (`signer` is the key its signature recovers to), and its
    /// sequence and time move forward.
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
        let (last_seq, last_at) = self.validator_last.get(event.validator).unwrap_or((0, 0));
        if event.seq <= last_seq {
            return Err(FareError::StaleSeq);
        }
        if event.at_ms > now || event.at_ms < last_at {
            return Err(FareError::BadEventTime);
        }
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
        let route = self
            .routes
            .get(trip.route)
            .ok_or(FareError::RouteNotFound)?;
        if validator.owner != route.operator {
            return Err(FareError::ValidatorNotUsable);
        }
        let validated = match event.action {
            ValidatorAction::Board { ticket } => {
                let mut record = self.tickets.get(ticket).ok_or(FareError::TicketNotFound)?;
                if record.state != TicketState::Booked {
                    return Err(FareError::TicketClosed);
                }
                record.state = TicketState::Boarded;
                self.tickets.insert(ticket, &record);
                Validated::Boarded {
                    ticket,
                    trip: trip_id,
                }
            }
            ValidatorAction::TapIn { rider, trip, stop } => {
                if stop >= route.stages() {
                    return Err(FareError::BadStops);
                }
                if self.tap_ins.contains((trip, rider)) {
                    return Err(FareError::AlreadyTappedIn);
                }
                self.tap_ins.insert((trip, rider), &stop);
                Validated::TappedIn { trip, rider, stop }
            }
            ValidatorAction::TapOut { rider, trip, stop } => {
                let board = self
                    .tap_ins
                    .get((trip, rider))
                    .filter(|&board| board < stop)
                    .ok_or(FareError::NoTapIn)?;
                let quote = quote(&route, board, stop)?;
                self.tap_ins.remove((trip, rider));
                // a completed ride counts towards the trip's load, like a ticket
                let record = trip_with_ride(self.trips.get(trip), board, stop, quote.stages)?;
                self.trips.insert(trip, &record);
                Validated::TappedOut(TapOut {
                    rider,
                    operator: route.operator,
                    trip,
                    board,
                    alight: stop,
                    fare: quote.exact,
                })
            }
        };
        self.validator_last
            .insert(event.validator, &(event.seq, event.at_ms));
        Ok(validated)
    }

    pub fn debt(&self, account: AccountId) -> u128 {
        self.debts.get(account).unwrap_or(0)
    }

    /// Adds `amount` to `account`'s debt; returns the new total.
    pub fn add_debt(&mut self, account: AccountId, amount: u128) -> u128 {
        let total = self.debt(account).saturating_add(amount);
        self.debts.insert(account, &total);
        total
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

/// `trip` with a completed ride from `board` to `alight` added to its loads.
fn trip_with_ride(
    trip: Option<Trip>,
    board: u32,
    alight: u32,
    stages: u32,
) -> Result<Trip, FareError> {
    let mut trip = trip.ok_or(FareError::TripNotFound)?;
    for load in &mut trip.segment_load[(board as usize)..(alight as usize)] {
        *load = load.saturating_add(1);
    }
    trip.passenger_stages = trip.passenger_stages.saturating_add(u64::from(stages));
    Ok(trip)
}

/// The exact and slab fare of stops `board` to `alight` of `route`.
pub fn quote(route: &Route, board: u32, alight: u32) -> Result<FareQuote, FareError> {
    if board >= alight || alight > route.stages() {
        return Err(FareError::BadStops);
    }
    let stages = alight.saturating_sub(board);
    let exact = route.rule.exact_fare(stages).ok_or(FareError::BadStops)?;
    let slab = route.rule.slab_fare(stages).ok_or(FareError::BadStops)?;
    Ok(FareQuote {
        stages,
        exact,
        slab,
    })
}

// `#[ink::test]` only because `Mapping` needs ink!'s off-chain storage engine.
#[cfg(test)]
mod tests {
    use super::*;
    use interfaces::fares::{Slab, ValidatorAction};

    const MICRO: u128 = 1_000_000;
    const HOUR: u64 = 3_600_000;

    fn account(n: u8) -> AccountId {
        AccountId::from([n; 32])
    }

    /// The paper's slabs: up to 3 stages 10 credits, 4 to 7 stages 20 credits.
    fn papers_rule() -> FareRule {
        FareRule {
            slabs: ink::prelude::vec![
                Slab {
                    up_to_stages: 3,
                    fare: 10 * MICRO
                },
                Slab {
                    up_to_stages: 7,
                    fare: 20 * MICRO
                },
            ],
        }
    }

    fn stops(n: u8) -> Vec<Vec<u8>> {
        (0..n).map(|i| ink::prelude::vec![b'A' + i]).collect()
    }

    /// Operator 1 runs route 0 (8 stops, the paper's slabs, 10 % fee inside an hour) and
    /// trip 0 leaving at 10 h with 2 seats.
    fn fares() -> Fares {
        let mut fares = Fares::new(account(0));
        fares.set_operator(account(0), account(1), true).unwrap();
        fares
            .add_route(account(1), stops(8), papers_rule(), 1_000, HOUR)
            .unwrap();
        fares.add_trip(account(1), 0, 10 * HOUR, 2, 0).unwrap();
        fares
    }

    fn validator(owner: u8) -> DeviceInfo {
        DeviceInfo {
            device_id: [50; 32],
            owner: account(owner),
            owner_id: [owner; 32],
            kind: DeviceKind::TransitValidator,
            key: [50; 33],
            metadata_hash: [0; 32],
            status: DeviceStatus::Commissioned,
            active: true,
        }
    }

    fn event(seq: u64, at_ms: u64, action: ValidatorAction) -> ValidatorEvent {
        ValidatorEvent {
            validator: [50; 32],
            seq,
            at_ms,
            action,
        }
    }

    #[ink::test]
    fn the_exact_fare_lies_between_the_slabs_on_the_papers_example() {
        let rule = papers_rule();
        // alighting at stage 5: half way from slab 1 (3 stages) to slab 2 (7 stages)
        assert_eq!(rule.exact_fare(5), Some(15 * MICRO));
        assert_eq!(rule.slab_fare(5), Some(20 * MICRO));
        // the slab points themselves cost the slab fare
        assert_eq!(rule.exact_fare(3), Some(10 * MICRO));
        assert_eq!(rule.exact_fare(7), Some(20 * MICRO));
        // one stage is a third of the first slab, rounded down for the rider
        assert_eq!(rule.exact_fare(1), Some(3_333_333));
        assert_eq!(rule.slab_fare(1), Some(10 * MICRO));
        assert_eq!(rule.exact_fare(4), Some(12_500_000));
        assert_eq!((rule.exact_fare(8), rule.exact_fare(0)), (None, None));
        for stages in 1..=7 {
            assert!(rule.exact_fare(stages) <= rule.slab_fare(stages));
        }
    }

    #[ink::test]
    fn slab_tables_and_routes_are_validated() {
        let mut fares = fares();
        let mut falling = papers_rule();
        falling.slabs[1].fare = MICRO;
        assert_eq!(falling.validate(7), Err(FareError::InvalidSlabs));
        assert_eq!(papers_rule().validate(8), Err(FareError::SlabsTooShort));
        assert_eq!(
            fares.add_route(account(2), stops(4), papers_rule(), 0, 0),
            Err(FareError::NotOperator)
        );
        assert_eq!(
            fares.add_route(account(1), stops(1), papers_rule(), 0, 0),
            Err(FareError::InvalidStops)
        );
        assert_eq!(
            fares.add_route(account(1), stops(9), papers_rule(), 0, 0),
            Err(FareError::SlabsTooShort)
        );
        assert_eq!(
            fares.add_trip(account(2), 0, 10 * HOUR, 2, 0),
            Err(FareError::NotRouteOperator)
        );
        assert_eq!(
            fares.add_trip(account(1), 0, 10 * HOUR, 0, 0),
            Err(FareError::InvalidCapacity)
        );
        assert_eq!(
            fares.quote(0, 2, 7),
            Ok(FareQuote {
                stages: 5,
                exact: 15 * MICRO,
                slab: 20 * MICRO
            })
        );
        assert_eq!(fares.quote(0, 5, 5), Err(FareError::BadStops));
    }

    #[ink::test]
    fn a_full_segment_refuses_only_the_rides_through_it() {
        let mut fares = fares();
        for rider in [2, 3] {
            fares.book(account(rider), true, 0, 0, 3, HOUR).unwrap();
        }
        // segment 1-2 is full, 3-5 is free
        assert_eq!(
            fares.book(account(4), true, 0, 1, 2, HOUR),
            Err(FareError::SegmentFull)
        );
        let (_, quote, payment) = fares.book(account(4), true, 0, 3, 5, HOUR).unwrap();
        assert_eq!(quote.exact, 6_666_666);
        assert_eq!(
            payment,
            Payment {
                from: account(4),
                to: account(1),
                amount: 6_666_666
            }
        );
        let trip = fares.trip(0).unwrap();
        assert_eq!(trip.segment_load, ink::prelude::vec![2, 2, 2, 1, 1, 0, 0]);
        // 3 + 3 + 2 passenger-stages over 2 seats x 7 stages
        assert_eq!(trip.load_factor_bps(), 5_714);
        assert_eq!(
            fares.book(account(5), false, 0, 5, 6, HOUR),
            Err(FareError::NotACitizen)
        );
        assert_eq!(
            fares.book(account(5), true, 0, 5, 6, 10 * HOUR),
            Err(FareError::Departed)
        );
    }

    #[ink::test]
    fn cancelling_frees_the_seat_and_refunds_less_a_late_fee() {
        let mut fares = fares();
        let (early, ..) = fares.book(account(2), true, 0, 0, 5, HOUR).unwrap();
        let (late, ..) = fares.book(account(3), true, 0, 0, 5, HOUR).unwrap();
        assert_eq!(
            fares.cancel_ticket(account(3), early, HOUR),
            Err(FareError::NotRider)
        );
        let (refund, fee, payment) = fares.cancel_ticket(account(2), early, HOUR).unwrap();
        assert_eq!((refund, fee), (15 * MICRO, 0));
        assert_eq!((payment.from, payment.to), (account(1), account(2)));
        // half an hour before departure: 10 % kept
        let (refund, fee, _) = fares
            .cancel_ticket(account(3), late, 10 * HOUR - HOUR / 2)
            .unwrap();
        assert_eq!((refund, fee), (13_500_000, 1_500_000));
        assert_eq!(
            fares.cancel_ticket(account(3), late, HOUR),
            Err(FareError::TicketClosed)
        );
        let trip = fares.trip(0).unwrap();
        assert_eq!((trip.segment_load[0], trip.passenger_stages), (0, 0));
    }

    #[ink::test]
    fn a_cancelled_trip_refunds_every_ticket_in_pages() {
        let mut fares = fares();
        fares.book(account(2), true, 0, 0, 3, HOUR).unwrap();
        let (cancelled, ..) = fares.book(account(3), true, 0, 0, 3, HOUR).unwrap();
        fares.cancel_ticket(account(3), cancelled, HOUR).unwrap();
        fares.book(account(4), true, 0, 3, 7, HOUR).unwrap();
        assert_eq!(
            fares.refund_cancelled(0, 1),
            Err(FareError::NothingToRefund)
        );
        assert_eq!(
            fares.cancel_trip(account(2), 0, HOUR),
            Err(FareError::NotRouteOperator)
        );
        assert_eq!(fares.cancel_trip(account(1), 0, HOUR), Ok(3));
        let (first, left) = fares.refund_cancelled(0, 2).unwrap();
        // the rider's own cancellation is skipped: refunded already
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].1.amount, 10 * MICRO);
        assert_eq!(left, 1);
        let (rest, left) = fares.refund_cancelled(0, 8).unwrap();
        assert_eq!((rest.len(), rest[0].1.to, left), (1, account(4), 0));
        assert_eq!(
            fares.refund_cancelled(0, 8),
            Err(FareError::NothingToRefund)
        );
        assert_eq!(
            fares.book(account(5), true, 0, 0, 1, HOUR),
            Err(FareError::TripCancelled)
        );
    }

    #[ink::test]
    fn validators_board_a_ticket_once_and_charge_taps_exactly() {
        let mut fares = fares();
        let (ticket, ..) = fares.book(account(2), true, 0, 0, 3, HOUR).unwrap();
        let v = validator(1);
        let board = event(1, 10 * HOUR, ValidatorAction::Board { ticket });
        assert_eq!(
            fares.validator_event(&board, Some(&v), Some([9; 33]), 10 * HOUR),
            Err(FareError::BadSignature)
        );
        assert_eq!(
            fares.validator_event(&board, Some(&validator(2)), Some(v.key), 10 * HOUR),
            Err(FareError::ValidatorNotUsable)
        );
        assert_eq!(
            fares.validator_event(&board, Some(&v), Some(v.key), 10 * HOUR),
            Ok(Validated::Boarded { ticket, trip: 0 })
        );
        let again = event(2, 10 * HOUR, ValidatorAction::Board { ticket });
        assert_eq!(
            fares.validator_event(&again, Some(&v), Some(v.key), 10 * HOUR),
            Err(FareError::TicketClosed)
        );
        assert_eq!(
            fares.validator_event(&board, Some(&v), Some(v.key), 10 * HOUR),
            Err(FareError::StaleSeq)
        );
        // a rider without a ticket taps in at stop 2 and out at stop 7: 5 stages
        let rider = account(7);
        let tap_in = event(
            3,
            10 * HOUR,
            ValidatorAction::TapIn {
                rider,
                trip: 0,
                stop: 2,
            },
        );
        fares
            .validator_event(&tap_in, Some(&v), Some(v.key), 10 * HOUR)
            .unwrap();
        let early_out = event(
            4,
            10 * HOUR,
            ValidatorAction::TapOut {
                rider,
                trip: 0,
                stop: 2,
            },
        );
        assert_eq!(
            fares.validator_event(&early_out, Some(&v), Some(v.key), 10 * HOUR),
            Err(FareError::NoTapIn)
        );
        let tap_out = event(
            5,
            11 * HOUR,
            ValidatorAction::TapOut {
                rider,
                trip: 0,
                stop: 7,
            },
        );
        assert_eq!(
            fares.validator_event(&tap_out, Some(&v), Some(v.key), 11 * HOUR),
            Ok(Validated::TappedOut(TapOut {
                rider,
                operator: account(1),
                trip: 0,
                board: 2,
                alight: 7,
                fare: 15 * MICRO
            }))
        );
        let trip = fares.trip(0).unwrap();
        assert_eq!(trip.segment_load, ink::prelude::vec![1, 1, 2, 1, 1, 1, 1]);
        assert_eq!(trip.passenger_stages, 8);
    }
}
