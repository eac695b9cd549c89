//! Fare pricing: exact per-stage bus fares, tickets booked ahead, capacity per segment.
//!
//! Operators (a role the admin grants) publish routes (ordered stops) with a slab table;
//! a ride costs the exact fare, interpolated between the slab points, not the slab's
//! (`quote` gives both). Riders who are active citizens book a (board, alight) ticket
//! before departure; its fare moves into this contract's escrow with `transfer_from` and
//! reaches the operator after departure (`release_fares`); a booking is refused when a
//! segment it rides is full. Cancelling before boarding opens refunds from escrow (less
//! the route's fee inside its cut-off); after an operator's trip cancellation each rider
//! claims its fare back (`claim_refund`). The operator's TransitValidators sign boardings
//! (a ticket is used once) and tap-in/tap-out rides (charged the exact fare at tap-out,
//! within the rider's spending cap, owed when it cannot be paid). Segment loads and the
//! load factor are queries; every booking, cancellation and boarding is an event.
//!
//! The contract stores and emits no rider's account: a ticket and a ride on a trip carry
//! a pseudonym of their own (`interfaces::fares::rider_tag`, M-10). With a gated token
//! the riders and operators are citizens or allow-listed.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub mod rules;

#[ink::contract]
mod fare_pricing {
    use crate::rules::{Fares, Payment, Validated};
    use ink::prelude::vec::Vec;
    use interfaces::{
        fares::{
            validator_preimage, FareError, FareQuote, FareRule, Route, SignedValidatorEvent,
            Ticket, Trip, ValidatorOutcome,
        },
        token::{PSP22Error, TokenError},
        ChainBound, Deployment, DeviceId, DeviceInfo, GenesisHash,
    };

    #[ink(storage)]
    pub struct FarePricing {
        fares: Fares,
        registry: AccountId,
        token: AccountId,
        chain: GenesisHash,
    }

    impl ChainBound for FarePricing {
        /// The genesis hash of the chain this contract was deployed on (I-1).
        #[ink(message)]
        fn chain_id(&self) -> GenesisHash {
            self.chain
        }
    }

    impl FarePricing {
        /// Deploys the fare contract wired to `registry` and `token` on the chain whose
        /// genesis hash is `chain`; the caller is admin.
        #[ink(constructor)]
        pub fn new(registry: AccountId, token: AccountId, chain: GenesisHash) -> Self {
            Self {
                fares: Fares::new(Self::env().caller()),
                registry,
                token,
                chain,
            }
        }

        /// The identity registry and the credit token this contract is wired to.
        #[ink(message)]
        pub fn wiring(&self) -> (AccountId, AccountId) {
            (self.registry, self.token)
        }

        // ----- admin -------------------------------------------------------------------

        /// The admin.
        #[ink(message)]
        pub fn admin(&self) -> AccountId {
            self.fares.admin()
        }

        /// Admin only: proposes the next admin (`NotAdmin`). Emits `AdminTransferProposed`.
        #[ink(message)]
        pub fn propose_admin(&mut self, proposed: AccountId) -> Result<(), FareError> {
            let event = self.fares.propose_admin(self.env().caller(), proposed)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// The proposed admin takes over (`NotPendingAdmin`). Emits `AdminChanged`.
        #[ink(message)]
        pub fn accept_admin(&mut self) -> Result<(), FareError> {
            let event = self.fares.accept_admin(self.env().caller())?;
            self.env().emit_event(event);
            Ok(())
        }

        /// Admin only: validator `validator` counts from 1 again, and no event it signed
        /// before now is taken (I-2: a validator whose counter restarted, or reached
        /// `u64::MAX`) (`NotAdmin`). Emits `ValidatorSequenceReset`.
        #[ink(message)]
        pub fn reset_validator_sequence(&mut self, validator: DeviceId) -> Result<(), FareError> {
            let now = self.env().block_timestamp();
            let event = self
                .fares
                .reset_validator_sequence(self.env().caller(), validator, now)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// Admin only: stops (`true`) or resumes new routes, trips, tickets and tap-ins;
        /// cancellations, refunds, boardings and tap-outs go on (`NotAdmin`,
        /// `PauseUnchanged`). Emits `FarePauseChanged`.
        #[ink(message)]
        pub fn set_paused(&mut self, paused: bool) -> Result<(), FareError> {
            let event = self.fares.set_paused(self.env().caller(), paused)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// Whether new routes, trips, tickets and tap-ins are paused.
        #[ink(message)]
        pub fn is_paused(&self) -> bool {
            self.fares.is_paused()
        }

        /// Admin only: grants (`true`) or revokes the operator role (`NotAdmin`,
        /// `RoleUnchanged`). Emits `OperatorChanged`.
        #[ink(message)]
        pub fn set_operator(
            &mut self,
            account: AccountId,
            operator: bool,
        ) -> Result<(), FareError> {
            let event = self
                .fares
                .set_operator(self.env().caller(), account, operator)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// Whether `account` may publish routes.
        #[ink(message)]
        pub fn is_operator(&self, account: AccountId) -> bool {
            self.fares.is_operator(account)
        }

        // ----- routes and trips --------------------------------------------------------

        /// An operator publishes a route: stop names in order, the slab table, and the
        /// fee (basis points) kept from refunds within `cancel_cutoff_ms` of departure.
        /// Returns the route id (`NotOperator`, `InvalidStops`, `InvalidSlabs`,
        /// `SlabsTooShort`, `InvalidFee`). Emits `RouteAdded`.
        #[ink(message)]
        pub fn add_route(
            &mut self,
            stops: Vec<Vec<u8>>,
            rule: FareRule,
            cancel_fee_bps: u32,
            cancel_cutoff_ms: u64,
        ) -> Result<u64, FareError> {
            let event = self.fares.add_route(
                self.env().caller(),
                stops,
                rule,
                cancel_fee_bps,
                cancel_cutoff_ms,
            )?;
            let route = event.route;
            self.env().emit_event(event);
            Ok(route)
        }

        /// The route `route`.
        #[ink(message)]
        pub fn route(&self, route: u64) -> Option<Route> {
            self.fares.route(route)
        }

        /// The exact fare from stop `board` to stop `alight` of a route, beside the slab
        /// fare the table would charge (`RouteNotFound`, `BadStops`).
        #[ink(message)]
        pub fn quote(&self, route: u64, board: u32, alight: u32) -> Result<FareQuote, FareError> {
            self.fares.quote(route, board, alight)
        }

        /// The route's operator schedules a departure with `capacity` seats. Returns the
        /// trip id (`RouteNotFound`, `NotRouteOperator`, `OperatorRevoked`,
        /// `InvalidCapacity`, `DepartureInPast`). Emits `TripScheduled`.
        #[ink(message)]
        pub fn add_trip(
            &mut self,
            route: u64,
            departure_ms: u64,
            capacity: u32,
        ) -> Result<u64, FareError> {
            let now = self.env().block_timestamp();
            let event =
                self.fares
                    .add_trip(self.env().caller(), route, departure_ms, capacity, now)?;
            let trip = event.trip;
            self.env().emit_event(event);
            Ok(trip)
        }

        /// The trip, with its passengers per segment.
        #[ink(message)]
        pub fn trip(&self, trip: u64) -> Option<Trip> {
            self.fares.trip(trip)
        }

        /// Passengers per segment and the load factor (passenger-stages over capacity x
        /// stages, basis points) of a trip (`TripNotFound`).
        #[ink(message)]
        pub fn occupancy(&self, trip: u64) -> Result<(Vec<u32>, u32), FareError> {
            let trip = self.fares.trip(trip).ok_or(FareError::TripNotFound)?;
            let factor = trip.load_factor_bps();
            Ok((trip.segment_load, factor))
        }

        /// The operator, or the admin (the trips of a revoked operator), cancels a trip
        /// before departure; each of its riders then claims its fare back with
        /// `claim_refund`. Returns how many tickets were ever booked on it
        /// (`TripNotFound`, `NotRouteOperator`, `OperatorRevoked`, `TripCancelled`,
        /// `Departed`). Emits `TripCancelled`.
        #[ink(message)]
        pub fn cancel_trip(&mut self, trip: u64) -> Result<u32, FareError> {
            let now = self.env().block_timestamp();
            let event = self.fares.cancel_trip(self.env().caller(), trip, now)?;
            let tickets = event.tickets;
            self.env().emit_event(event);
            Ok(tickets)
        }

        /// The caller, the rider of a cancelled trip's ticket (booked or already
        /// boarded), takes its fare back in full from the fares this contract holds (M-2:
        /// not from the operator's allowance); its debts here are repaid from it first
        /// (M-3). The contract keeps no rider's account (M-10), so the rider claims it.
        /// Returns the fare (`TicketNotFound`, `NotRider`, `NoRefundOwed`, `Payment`,
        /// `TokenCallFailed`). Emits `TicketRefunded`.
        #[ink(message)]
        pub fn claim_refund(&mut self, ticket: u64) -> Result<u128, FareError> {
            let rider = self.env().caller();
            let event = self.fares.claim_refund(ticket, rider)?;
            let amount = event.refund;
            let left = self.net(rider, amount);
            self.release(rider, left)?;
            self.env().emit_event(event);
            Ok(amount)
        }

        /// Anyone pays a departed trip's fares (held since booking) to its operator, once
        /// (`TripNotFound`, `TripCancelled`, `NotDeparted`, `FaresReleased`, `Payment`,
        /// `TokenCallFailed`). Emits `FaresReleased`.
        #[ink(message)]
        pub fn release_fares(&mut self, trip: u64) -> Result<u128, FareError> {
            let now = self.env().block_timestamp();
            let event = self.fares.release_fares(trip, now)?;
            let (operator, amount) = (event.operator, event.amount);
            let left = self.net(operator, amount);
            self.release(operator, left)?;
            self.env().emit_event(event);
            Ok(amount)
        }

        // ----- tickets -----------------------------------------------------------------

        /// The caller (an active citizen) books stops `board` to `alight` of a trip
        /// before it leaves; the exact fare moves from its allowance into this contract's
        /// escrow until the trip departs (`release_fares`) or is cancelled.
        /// Returns the ticket id (`TripNotFound`, `TripCancelled`, `Departed`,
        /// `NotACitizen`, `Debtor`, `OperatorRevoked`, `TooManyTickets` (4 open per rider per
        /// trip), `BadStops`, `SegmentFull`, `Payment`, `TokenCallFailed`,
        /// `RegistryCallFailed`). Emits `TicketBooked`.
        #[ink(message)]
        pub fn book_ticket(
            &mut self,
            trip: u64,
            board: u32,
            alight: u32,
        ) -> Result<u64, FareError> {
            let (rider, now) = (self.env().caller(), self.env().block_timestamp());
            let citizen = self.is_active(rider)?;
            // effects first; the token call below cannot call back (reentrancy denied)
            let event = self.fares.book(rider, citizen, trip, board, alight, now)?;
            let ticket = event.ticket;
            self.collect_into_escrow(rider, event.fare)?;
            self.env().emit_event(event);
            Ok(ticket)
        }

        /// The rider cancels before boarding opens (`BOARDING_WINDOW_MS` before
        /// departure): the seat is freed, the fare refunded from escrow less the route's
        /// fee inside its cut-off (paid to the operator). Returns the refund
        /// (`TicketNotFound`, `NotRider`, `TicketClosed`, `TripCancelled`, `Departed`,
        /// `BoardingOpen`, `Payment`, `TokenCallFailed`). Emits `TicketCancelled`.
        #[ink(message)]
        pub fn cancel_ticket(&mut self, ticket: u64) -> Result<u128, FareError> {
            let now = self.env().block_timestamp();
            let rider = self.env().caller();
            let (event, operator) = self.fares.cancel_ticket(rider, ticket, now)?;
            let (refund, fee) = (event.refund, event.fee);
            let left = self.net(rider, refund);
            self.release(rider, left)?;
            let left = self.net(operator, fee);
            self.release(operator, left)?;
            self.env().emit_event(event);
            Ok(refund)
        }

        /// The ticket `ticket`.
        #[ink(message)]
        pub fn ticket(&self, ticket: u64) -> Option<Ticket> {
            self.fares.ticket(ticket)
        }

        /// A trip's tickets from its `from`-th, at most `limit` (`PageTooLarge`,
        /// `TripNotFound`).
        #[ink(message)]
        pub fn trip_tickets(
            &self,
            trip: u64,
            from: u32,
            limit: u32,
        ) -> Result<Vec<(u64, Ticket)>, FareError> {
            self.fares.trip_tickets(trip, from, limit)
        }

        /// The caller lets `operator`'s validators charge it at most `cap` (micro-credits)
        /// for tap-in rides from now on, replacing what was left; zero withdraws it. A
        /// tap-in holds the dearest ride from its stop on the cap, the tap-out charges the
        /// exact fare and gives the rest back; without enough left the tap-in is refused
        /// (`NotAuthorized`, M-5). Never refused. Emits `SpendingCapSet`.
        #[ink(message)]
        pub fn set_spending_cap(
            &mut self,
            operator: AccountId,
            cap: u128,
        ) -> Result<(), FareError> {
            let event = self
                .fares
                .set_spending_cap(self.env().caller(), operator, cap);
            self.env().emit_event(event);
            Ok(())
        }

        /// What `operator`'s validators may still charge `rider`.
        #[ink(message)]
        pub fn spending_cap(&self, rider: AccountId, operator: AccountId) -> u128 {
            self.fares.spending_cap(rider, operator)
        }

        /// Fares `account` owes from tap-outs it could not pay.
        #[ink(message)]
        pub fn debt(&self, account: AccountId) -> u128 {
            self.fares.debt(account)
        }

        /// The caller repays up to `amount` of what it owes the operator `creditor`, from
        /// its allowance to this contract; returns what was repaid (`ZeroAmount`,
        /// `NothingOwed`, `Payment`, `TokenCallFailed`). Emits `DebtRepaid`.
        #[ink(message)]
        pub fn repay_debt(&mut self, creditor: AccountId, amount: u128) -> Result<u128, FareError> {
            let debtor = self.env().caller();
            let amount = self.fares.repayable(debtor, creditor, amount)?;
            let event = self.fares.repaid(debtor, creditor, amount);
            self.pay(Payment {
                from: debtor,
                to: creditor,
                amount,
            })?;
            self.env().emit_event(event);
            Ok(amount)
        }

        /// The caller, the account a citizen acts from after the admin moved it from
        /// `from`, the rider of `ticket` (a lost key: the registry's `successor`), becomes
        /// its rider, booked or with its refund to claim (M-1) (`TicketNotFound`,
        /// `NotRider`, `TicketClosed`, `NoSuccessor`, `NotSuccessor`,
        /// `RegistryCallFailed`). Emits `TicketTakenOver`.
        #[ink(message)]
        pub fn take_over_ticket(&mut self, ticket: u64, from: AccountId) -> Result<(), FareError> {
            let caller = self.env().caller();
            let successor =
                interfaces::calls::successor(self.registry, from)?.ok_or(FareError::NoSuccessor)?;
            if successor != caller {
                return Err(FareError::NotSuccessor);
            }
            let event = self.fares.take_over_ticket(ticket, from, caller)?;
            self.env().emit_event(event);
            Ok(())
        }

        /// The caller (an operator a fare was owed to) moves what `from` owes it to the
        /// account `from`'s citizen acts from after a move (M-3: that account is then a
        /// debtor, refused tickets and tap-ins until it repays) (`NoSuccessor`,
        /// `NothingOwed`, `RegistryCallFailed`). Emits `DebtMoved`.
        #[ink(message)]
        pub fn move_debt(&mut self, from: AccountId) -> Result<(), FareError> {
            let to =
                interfaces::calls::successor(self.registry, from)?.ok_or(FareError::NoSuccessor)?;
            let event = self.fares.move_debt(self.env().caller(), from, to)?;
            self.env().emit_event(event);
            Ok(())
        }

        // ----- validator events --------------------------------------------------------

        /// Permissionless: a transit validator's signed report of a boarding, a tap-in or
        /// a tap-out. Refused, changing nothing, when it cannot be trusted
        /// (`ValidatorNotUsable`, `BadSignature` (a high-s signature too), `BadEventTime`),
        /// is not the validator's next event (`StaleSeq`, `SequenceGap`: events apply in
        /// sequence, so a later one submitted first waits for the earlier, M-6), or the
        /// contract is paused (`Paused`, a tap-in). An authentic event that does not fit
        /// uses its sequence and returns `Refused` (`TicketNotFound`, `TicketClosed`,
        /// `NotBoardingYet`, `TripNotFound`, `TripCancelled`, `OperatorRevoked`,
        /// `NotRouteOperator`, `Debtor` (a tap-in), `BadStops`, `AlreadyTappedIn`,
        /// `NoTapIn`, `NotAuthorized`: a tap-in beyond the rider's spending cap for the
        /// operator). A tap-out's fare that cannot be collected is owed to the operator
        /// (`DebtRecorded`), unless the token is paused (the call fails; the event is
        /// submitted again). Emits `TicketBoarded`, `TappedIn`, `TappedOut` or
        /// `ValidatorEventRefused`.
        #[ink(message)]
        pub fn validate(
            &mut self,
            signed: SignedValidatorEvent,
        ) -> Result<ValidatorOutcome, FareError> {
            let event = signed.event;
            let validator = self.device(event.validator)?;
            let me = Deployment::here(self.chain);
            let signer = validator_preimage(&me, &event).signer(&signed.signature);
            let now = self.env().block_timestamp();
            let validated = self
                .fares
                .validator_event(&event, validator.as_ref(), signer, now)?;
            Ok(match validated {
                Validated::Boarded(boarded) => {
                    let ticket = boarded.ticket;
                    self.env().emit_event(boarded);
                    ValidatorOutcome::Boarded { ticket }
                }
                Validated::Refused(refused) => {
                    let reason = refused.reason;
                    self.env().emit_event(refused);
                    ValidatorOutcome::Refused { reason }
                }
                Validated::TappedIn(tapped) => {
                    self.env().emit_event(tapped);
                    ValidatorOutcome::TappedIn
                }
                Validated::TappedOut(ride) => {
                    let paid = match self.pay(Payment {
                        from: ride.rider,
                        to: ride.operator,
                        amount: ride.fare,
                    }) {
                        Ok(()) => true,
                        // L-10: nobody owes for the token's pause; the event is sent again
                        Err(FareError::Payment(PSP22Error::Custom(reason)))
                            if reason == TokenError::Paused.name() =>
                        {
                            return Err(FareError::Payment(PSP22Error::Custom(reason)));
                        }
                        Err(_) => {
                            let event = self.fares.record_debt(&ride);
                            self.env().emit_event(event);
                            false
                        }
                    };
                    self.env().emit_event(ride.event(paid));
                    ValidatorOutcome::TappedOut {
                        stages: ride.alight.saturating_sub(ride.board),
                        fare: ride.fare,
                        paid,
                    }
                }
            })
        }

        // ----- the shell's calls -------------------------------------------------------

        /// `payment.from` pays `payment.to` from its allowance to this contract.
        /// Takes `amount` from `from`'s allowance into this contract (a ticket's escrow).
        fn collect_into_escrow(&self, from: AccountId, amount: u128) -> Result<(), FareError> {
            let me = self.env().account_id();
            self.pay(Payment {
                from,
                to: me,
                amount,
            })
        }

        /// This contract pays `to` out of the fares it holds.
        fn release(&self, to: AccountId, amount: u128) -> Result<(), FareError> {
            interfaces::calls::transfer(self.token, to, amount).map_err(Into::into)
        }

        /// Pays `to`'s creditors here out of `amount` first (M-3 netting: a debtor
        /// collects no refund or fares while it owes); returns what is left for `to`.
        fn net(&mut self, to: AccountId, amount: u128) -> u128 {
            let token = self.token;
            let (repaid, left) = self.fares.net(to, amount, |creditor, part| {
                interfaces::calls::transfer(token, creditor, part)
            });
            for event in repaid {
                self.env().emit_event(event);
            }
            left
        }

        fn pay(&self, payment: Payment) -> Result<(), FareError> {
            let Payment { from, to, amount } = payment;
            interfaces::calls::transfer_from(self.token, from, to, amount).map_err(Into::into)
        }

        fn device(&self, id: DeviceId) -> Result<Option<DeviceInfo>, FareError> {
            Ok(interfaces::calls::device(self.registry, id)?)
        }

        fn is_active(&self, account: AccountId) -> Result<bool, FareError> {
            Ok(interfaces::calls::is_active(self.registry, account)?)
        }
    }
}
