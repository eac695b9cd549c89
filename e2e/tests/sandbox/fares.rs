//! The committed registry, credit token and fare contract deployed and wired on the
//! sandbox chain: a bus route with the paper's slabs, riders charged the exact fare per
//! stage, seats per segment, cancellations, a cancelled trip's fares claimed back,
//! validator boarding and tap-in/tap-out.

use crate::common::{wasm, Base};
use interfaces::{
    fares::{
        rider_tag, FareError, FareQuote, FareRule, RideScope, Slab, TicketState, TripState,
        ValidatorAction, ValidatorOutcome, ValidatorRefusal,
    },
    token::{Earning, TokenRole},
    AccountId, CitizenStatus, Deployment, DeviceKind, EnergySource,
};
use smartcity_sandbox::SandboxChain;
use smartcity_sdk::{
    device_id,
    fares::{fare_events, FareEvent, ValidatorSimulator},
    keys::DeviceSigner,
    named_account, Chain, ClientError, FareClient, RegistryClient, TokenClient,
};

const MICRO: u128 = 1_000_000;
const MINUTE: u64 = 60_000;
const HOUR: u64 = 60 * MINUTE;
const START: u128 = 100 * MICRO;

/// The paper's slabs: up to 3 stages 10 credits, 4 to 7 stages 20 credits.
fn papers_rule() -> FareRule {
    FareRule {
        slabs: vec![
            Slab {
                up_to_stages: 3,
                fare: 10 * MICRO,
            },
            Slab {
                up_to_stages: 7,
                fare: 20 * MICRO,
            },
        ],
    }
}

/// Registry, gated token and fare contract, wired. The bus company (a registered
/// operator) runs route 0 (8 stops) and its validator; riders Ria, Sol and Tam hold 100
/// credits each and let the contract take fares.
struct Depot {
    chain: SandboxChain,
    registry: RegistryClient,
    issuer: AccountId,
    token: TokenClient,
    fares: FareClient,
    bus: AccountId,
    riders: [AccountId; 3],
    validator: ValidatorSimulator,
    route: u64,
}

impl Depot {
    fn new() -> Self {
        let minter = named_account("minter");
        let bus = named_account("bus-company");
        let riders = [
            named_account("ria"),
            named_account("sol"),
            named_account("tam"),
        ];
        let base = Base::new(&[
            ("bus", bus),
            ("ria", riders[0]),
            ("sol", riders[1]),
            ("tam", riders[2]),
        ]);
        let Base {
            mut chain,
            admin,
            issuer,
            operator,
            registry,
            token,
        } = base;
        token
            .grant_role(&mut chain, admin, TokenRole::Minter, minter)
            .unwrap();
        let fares = FareClient::deploy(
            &mut chain,
            admin,
            &wasm("fare_pricing"),
            registry.address(),
            token.address(),
            vec![],
        )
        .unwrap()
        .value;
        fares.set_operator(&mut chain, admin, bus, true).unwrap();
        // the contract holds fares until departure: the gated token lets it
        token
            .set_allow_listed(&mut chain, admin, fares.address(), true)
            .unwrap();
        let earning = Earning {
            device: [0; 32],
            source: EnergySource::Solar,
            period_start_ms: 0,
            period_end_ms: 1,
            energy_wh: 1,
        };
        // riders pay fares into escrow (a bounded approval: their balance)
        for who in [bus, riders[0], riders[1], riders[2]] {
            token
                .mint_with_receipt(&mut chain, minter, who, START, earning.clone())
                .unwrap();
            token
                .approve(&mut chain, who, fares.address(), START)
                .unwrap();
        }
        // and let the bus company's validators charge them tap-in rides, up to 50 credits
        // each (M-5)
        for rider in riders {
            fares
                .set_spending_cap(&mut chain, rider, bus, 50 * MICRO)
                .unwrap();
        }
        let validator = ValidatorSimulator::new(
            device_id("bus/validator-1"),
            DeviceSigner::from_seed("bus/validator-1"),
            fares.deployment(&mut chain).unwrap(),
        );
        registry
            .register_device(
                &mut chain,
                bus,
                validator.validator,
                DeviceKind::TransitValidator,
                validator.public_key(),
                [0; 32],
            )
            .unwrap();
        registry
            .commission_device(&mut chain, operator, validator.validator, None)
            .unwrap();
        let stops = [
            "Depot", "Market", "Temple", "School", "Bridge", "Hospital", "Park", "Station",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        // 10 % kept from refunds within an hour of departure
        let route = fares
            .add_route(&mut chain, bus, stops, papers_rule(), 1_000, HOUR)
            .unwrap()
            .value;
        Depot {
            chain,
            registry,
            issuer,
            token,
            fares,
            bus,
            riders,
            validator,
            route,
        }
    }

    /// A trip of route 0 leaving `in_ms` from now with `seats` seats.
    fn trip(&mut self, in_ms: u64, seats: u32) -> u64 {
        let departure = self.chain.now_ms() + in_ms;
        let bus = self.bus;
        self.fares
            .add_trip(&mut self.chain, bus, self.route, departure, seats)
            .unwrap()
            .value
    }

    fn book(
        &mut self,
        rider: AccountId,
        trip: u64,
        board: u32,
        alight: u32,
    ) -> Result<u64, ClientError<FareError>> {
        self.fares
            .book_ticket(&mut self.chain, rider, trip, board, alight)
            .map(|r| r.value)
    }

    fn balance(&mut self, account: AccountId) -> u128 {
        self.token.balance_of(&mut self.chain, account).unwrap()
    }

    fn validate(
        &mut self,
        action: ValidatorAction,
    ) -> Result<ValidatorOutcome, ClientError<FareError>> {
        let now = self.chain.now_ms();
        let signed = self.validator.next(action, now);
        let gate = named_account("gateway");
        self.fares
            .validate(&mut self.chain, gate, signed)
            .map(|r| r.value)
    }
}

#[test]
fn a_rider_alighting_at_stage_five_pays_between_the_slabs() {
    let mut depot = Depot::new();
    let ria = depot.riders[0];
    assert_eq!(
        depot
            .fares
            .quote(&mut depot.chain, depot.route, 0, 5)
            .unwrap(),
        FareQuote {
            stages: 5,
            exact: 15 * MICRO,
            slab: 20 * MICRO
        }
    );
    let trip = depot.trip(2 * HOUR, 40);
    let receipt = depot
        .fares
        .book_ticket(&mut depot.chain, ria, trip, 0, 5)
        .unwrap();
    assert!(matches!(
        &fare_events(depot.fares.address(), &receipt.events)[..],
        [FareEvent::TicketBooked(e)] if e.fare == 15 * MICRO && e.slab_fare == 20 * MICRO
    ));
    println!(
        "book_ticket (5 stages): ref_time {}, proof_size {}",
        receipt.weight.ref_time, receipt.weight.proof_size
    );
    assert_eq!(depot.balance(ria), START - 15 * MICRO);
    // the fare waits in the fare contract's escrow until the bus leaves (M-2)
    let escrow = depot.fares.address();
    assert_eq!(depot.balance(escrow), 15 * MICRO);
    assert_eq!(depot.balance(depot.bus), START);
    assert_eq!(
        depot
            .fares
            .release_fares(&mut depot.chain, ria, trip)
            .unwrap_err(),
        ClientError::Contract(FareError::NotDeparted)
    );
    depot.chain.advance_time_ms(2 * HOUR);
    let released = depot
        .fares
        .release_fares(&mut depot.chain, ria, trip)
        .unwrap();
    assert_eq!(released.value, 15 * MICRO);
    assert!(matches!(
        &fare_events(depot.fares.address(), &released.events)[..],
        [FareEvent::FaresReleased(e)] if e.operator == depot.bus && e.amount == 15 * MICRO
    ));
    assert_eq!(depot.balance(depot.bus), START + 15 * MICRO);
    assert_eq!(depot.balance(escrow), 0);
    // slab points cost the slab fare; one stage a third of the first
    let one = depot
        .fares
        .quote(&mut depot.chain, depot.route, 6, 7)
        .unwrap();
    assert_eq!((one.exact, one.slab), (3_333_333, 10 * MICRO));
    assert_eq!(
        depot
            .fares
            .quote(&mut depot.chain, depot.route, 3, 3)
            .unwrap_err(),
        ClientError::Contract(FareError::BadStops)
    );
}

#[test]
fn a_full_segment_refuses_a_booking_and_free_segments_still_sell() {
    let mut depot = Depot::new();
    let [ria, sol, tam] = depot.riders;
    let trip = depot.trip(2 * HOUR, 2);
    depot.book(ria, trip, 0, 4).unwrap();
    depot.book(sol, trip, 2, 6).unwrap();
    // segments 2-4 are full
    assert_eq!(
        depot.book(tam, trip, 3, 5).unwrap_err(),
        ClientError::Contract(FareError::SegmentFull)
    );
    assert_eq!(depot.balance(tam), START);
    depot.book(tam, trip, 0, 2).unwrap();
    depot.book(tam, trip, 6, 7).unwrap();
    let (loads, factor) = depot.fares.occupancy(&mut depot.chain, trip).unwrap();
    assert_eq!(loads, vec![2, 2, 2, 2, 1, 1, 1]);
    // 4 + 4 + 2 + 1 passenger-stages over 2 seats x 7 stages
    assert_eq!(factor, 7_857);
    let outsider = named_account("outsider");
    assert_eq!(
        depot.book(outsider, trip, 6, 7).unwrap_err(),
        ClientError::Contract(FareError::NotACitizen)
    );
}

#[test]
fn cancelling_before_departure_refunds_and_after_departure_nobody_books() {
    let mut depot = Depot::new();
    let [ria, sol, _] = depot.riders;
    let trip = depot.trip(3 * HOUR, 10);
    let early = depot.book(ria, trip, 0, 5).unwrap();
    let late = depot.book(sol, trip, 0, 3).unwrap();
    let receipt = depot
        .fares
        .cancel_ticket(&mut depot.chain, ria, early)
        .unwrap();
    assert_eq!(receipt.value, 15 * MICRO);
    assert!(matches!(
        &fare_events(depot.fares.address(), &receipt.events)[..],
        [FareEvent::TicketCancelled(e)] if e.fee == 0
    ));
    assert_eq!(depot.balance(ria), START);
    // 45 minutes before departure (inside the one-hour cut-off, before boarding opens):
    // 10 % stays with the company
    depot.chain.advance_time_ms(2 * HOUR + 15 * MINUTE);
    assert_eq!(
        depot
            .fares
            .cancel_ticket(&mut depot.chain, sol, late)
            .unwrap()
            .value,
        9 * MICRO
    );
    assert_eq!(depot.balance(sol), START - MICRO);
    assert_eq!(
        depot
            .fares
            .cancel_ticket(&mut depot.chain, sol, late)
            .unwrap_err(),
        ClientError::Contract(FareError::TicketClosed)
    );
    let (loads, factor) = depot.fares.occupancy(&mut depot.chain, trip).unwrap();
    assert_eq!((loads, factor), (vec![0; 7], 0));
    // the bus has left
    depot.chain.advance_time_ms(HOUR);
    assert_eq!(
        depot.book(ria, trip, 1, 2).unwrap_err(),
        ClientError::Contract(FareError::Departed)
    );
}

#[test]
fn a_validator_boards_a_ticket_once_and_forged_events_are_refused() {
    let mut depot = Depot::new();
    let ria = depot.riders[0];
    let trip = depot.trip(HOUR, 10);
    let ticket = depot.book(ria, trip, 1, 4).unwrap();
    depot.chain.advance_time_ms(HOUR);
    let gate = named_account("gateway");
    let now = depot.chain.now_ms();
    let signed = depot.validator.next(ValidatorAction::Board { ticket }, now);
    // a copy with another ticket under the same signature
    let mut forged = signed.clone();
    forged.event.action = ValidatorAction::Board { ticket: ticket + 1 };
    assert_eq!(
        depot
            .fares
            .validate(&mut depot.chain, gate, forged)
            .unwrap_err(),
        ClientError::Contract(FareError::BadSignature)
    );
    let receipt = depot
        .fares
        .validate(&mut depot.chain, gate, signed.clone())
        .unwrap();
    assert_eq!(receipt.value, ValidatorOutcome::Boarded { ticket });
    assert!(matches!(
        &fare_events(depot.fares.address(), &receipt.events)[..],
        [FareEvent::TicketBoarded(e)] if e.ticket == ticket
    ));
    println!(
        "validate (boarding): ref_time {}, proof_size {}",
        receipt.weight.ref_time, receipt.weight.proof_size
    );
    assert_eq!(
        depot
            .fares
            .validate(&mut depot.chain, gate, signed)
            .unwrap_err(),
        ClientError::Contract(FareError::StaleSeq)
    );
    // boarding it again: the validator's event is used, and boards nobody
    let receipt = depot
        .fares
        .validate(
            &mut depot.chain,
            gate,
            depot.validator.next(ValidatorAction::Board { ticket }, now),
        )
        .unwrap();
    let closed = ValidatorRefusal::TicketClosed;
    assert_eq!(receipt.value, ValidatorOutcome::Refused { reason: closed });
    assert!(matches!(
        &fare_events(depot.fares.address(), &receipt.events)[..],
        [FareEvent::ValidatorEventRefused(e)] if e.reason == closed && e.seq == 2
    ));
    let state = depot
        .fares
        .ticket(&mut depot.chain, ticket)
        .unwrap()
        .unwrap()
        .state;
    assert_eq!(state, TicketState::Boarded);
    // a validator signing for another deployment, or for this one on another chain (I-1)
    for elsewhere in [
        Deployment {
            contract: named_account("another-fare-contract"),
            ..depot.validator.fares
        },
        Deployment {
            chain: smartcity_sdk::blake2_256(b"another chain"),
            ..depot.validator.fares
        },
    ] {
        let mut foreign = depot.validator.clone();
        foreign.fares = elsewhere;
        foreign.seq = 10;
        let signed = foreign.next(ValidatorAction::Board { ticket }, now);
        assert_eq!(
            depot
                .fares
                .validate(&mut depot.chain, gate, signed)
                .unwrap_err(),
            ClientError::Contract(FareError::BadSignature)
        );
    }
}

#[test]
fn tap_in_tap_out_is_charged_the_exact_fare_or_owed() {
    let mut depot = Depot::new();
    let [ria, sol, _] = depot.riders;
    let trip = depot.trip(MINUTE, 10);
    depot.chain.advance_time_ms(MINUTE);
    assert_eq!(
        depot
            .validate(ValidatorAction::TapIn {
                rider: ria,
                trip,
                stop: 1
            })
            .unwrap(),
        ValidatorOutcome::TappedIn
    );
    assert_eq!(
        depot
            .validate(ValidatorAction::TapIn {
                rider: ria,
                trip,
                stop: 2
            })
            .unwrap(),
        ValidatorOutcome::Refused {
            reason: ValidatorRefusal::AlreadyTappedIn
        }
    );
    depot.chain.advance_time_ms(20 * MINUTE);
    // stop 1 to stop 6: 5 stages, 15 credits, not the slab's 20
    assert_eq!(
        depot
            .validate(ValidatorAction::TapOut {
                rider: ria,
                trip,
                stop: 6
            })
            .unwrap(),
        ValidatorOutcome::TappedOut {
            stages: 5,
            fare: 15 * MICRO,
            paid: true
        }
    );
    assert_eq!(depot.balance(ria), START - 15 * MICRO);
    assert_eq!(
        depot
            .validate(ValidatorAction::TapOut {
                rider: sol,
                trip,
                stop: 6
            })
            .unwrap(),
        ValidatorOutcome::Refused {
            reason: ValidatorRefusal::NoTapIn
        }
    );
    // Sol withdrew the allowance: the ride is owed, not lost
    depot
        .token
        .approve(&mut depot.chain, sol, depot.fares.address(), 0)
        .unwrap();
    depot
        .validate(ValidatorAction::TapIn {
            rider: sol,
            trip,
            stop: 0,
        })
        .unwrap();
    assert_eq!(
        depot
            .validate(ValidatorAction::TapOut {
                rider: sol,
                trip,
                stop: 2
            })
            .unwrap(),
        ValidatorOutcome::TappedOut {
            stages: 2,
            fare: 6_666_666,
            paid: false
        }
    );
    assert_eq!(depot.fares.debt(&mut depot.chain, sol).unwrap(), 6_666_666);
    assert_eq!(depot.balance(sol), START);
    let (loads, _) = depot.fares.occupancy(&mut depot.chain, trip).unwrap();
    assert_eq!(loads, vec![1, 2, 1, 1, 1, 1, 0]);
}

/// Security review M-2, end to end: Ria, Sol and Tam book; the issuer suspends Ria (the
/// gated token refuses her as a recipient); the company cancels the trip. Ria's refund
/// used to revert every page, locking Sol's and Tam's out; and refunds came from the
/// company's allowance, which it could withdraw. Now each rider claims its own fare back
/// from escrow: Ria's claim fails while she is suspended, and changes nothing.
#[test]
fn one_suspended_rider_does_not_block_the_refunds_of_a_cancelled_trip() {
    let mut depot = Depot::new();
    let [ria, sol, tam] = depot.riders;
    let trip = depot.trip(2 * HOUR, 10);
    let mut tickets = Vec::new();
    for rider in [ria, sol, tam] {
        tickets.push(depot.book(rider, trip, 0, 7).unwrap());
    }
    // the company withdraws its allowance: refunds do not need it any more
    let bus = depot.bus;
    depot
        .token
        .approve(&mut depot.chain, bus, depot.fares.address(), 0)
        .unwrap();
    let ria_id = smartcity_sdk::virtual_id(b"salt", "ria");
    let issuer = depot.issuer;
    depot
        .registry
        .set_citizen_status(&mut depot.chain, issuer, ria_id, CitizenStatus::Suspended)
        .unwrap();
    depot
        .fares
        .cancel_trip(&mut depot.chain, bus, trip)
        .unwrap();
    assert!(matches!(
        depot
            .fares
            .claim_refund(&mut depot.chain, ria, tickets[0])
            .unwrap_err(),
        ClientError::Contract(FareError::Payment(_))
    ));
    for (rider, ticket) in [(sol, tickets[1]), (tam, tickets[2])] {
        let claimed = depot
            .fares
            .claim_refund(&mut depot.chain, rider, ticket)
            .unwrap();
        assert_eq!(claimed.value, 20 * MICRO);
    }
    assert_eq!((depot.balance(sol), depot.balance(tam)), (START, START));
    assert_eq!(
        depot
            .fares
            .ticket(&mut depot.chain, tickets[0])
            .unwrap()
            .unwrap()
            .state,
        TicketState::Booked
    );
    // Ria's refund waits in escrow until she can receive it
    assert_eq!(depot.balance(depot.fares.address()), 20 * MICRO);
    depot
        .registry
        .set_citizen_status(&mut depot.chain, issuer, ria_id, CitizenStatus::Active)
        .unwrap();
    // nobody else can take it
    assert_eq!(
        depot
            .fares
            .claim_refund(&mut depot.chain, sol, tickets[0])
            .unwrap_err(),
        ClientError::Contract(FareError::NotRider)
    );
    let claimed = depot
        .fares
        .claim_refund(&mut depot.chain, ria, tickets[0])
        .unwrap();
    assert_eq!(claimed.value, 20 * MICRO);
    assert_eq!(depot.balance(ria), START);
    assert_eq!(depot.balance(depot.fares.address()), 0);
}

/// Security review M-1, end to end: Ria's key is lost and the admin moves her to a new
/// account before her trip is cancelled. Her refund could only go to the old key, for
/// good. Her new key takes the ticket over and claims the refund; nobody else can take
/// it.
#[test]
fn a_lost_key_riders_refund_follows_the_citizen() {
    let mut depot = Depot::new();
    let [ria, sol, _] = depot.riders;
    let trip = depot.trip(2 * HOUR, 10);
    let ticket = depot.book(ria, trip, 0, 7).unwrap();
    let admin = smartcity_suite::accounts::admin(&mut depot.chain);
    let anyone = named_account("anyone");
    let new_ria = named_account("ria/new-key");
    depot
        .registry
        .move_citizen(
            &mut depot.chain,
            admin,
            smartcity_sdk::virtual_id(b"salt", "ria"),
            new_ria,
        )
        .unwrap();
    let bus = depot.bus;
    depot
        .fares
        .cancel_trip(&mut depot.chain, bus, trip)
        .unwrap();
    let state = |depot: &mut Depot| {
        let ticket = depot.fares.ticket(&mut depot.chain, ticket).unwrap();
        let ticket = ticket.unwrap();
        (ticket.rider_tag, ticket.state)
    };
    let tag = |rider| rider_tag(&rider, RideScope::Ticket(ticket));
    assert_eq!(state(&mut depot), (tag(ria), TicketState::Booked));
    for stranger in [anyone, sol] {
        assert_eq!(
            depot
                .fares
                .take_over_ticket(&mut depot.chain, stranger, ticket, ria)
                .unwrap_err(),
            ClientError::Contract(FareError::NotSuccessor)
        );
    }
    // the new key names its old account: one not the ticket's rider takes nothing
    assert_eq!(
        depot
            .fares
            .take_over_ticket(&mut depot.chain, new_ria, ticket, sol)
            .unwrap_err(),
        ClientError::Contract(FareError::NoSuccessor)
    );
    depot
        .fares
        .take_over_ticket(&mut depot.chain, new_ria, ticket, ria)
        .unwrap();
    assert_eq!(state(&mut depot), (tag(new_ria), TicketState::Booked));
    assert_eq!(
        depot
            .fares
            .claim_refund(&mut depot.chain, anyone, ticket)
            .unwrap_err(),
        ClientError::Contract(FareError::NotRider)
    );
    let claimed = depot
        .fares
        .claim_refund(&mut depot.chain, new_ria, ticket)
        .unwrap();
    assert_eq!(claimed.value, 20 * MICRO);
    assert_eq!(depot.balance(new_ria), 20 * MICRO);
    assert_eq!(depot.balance(depot.fares.address()), 0);
}

/// Security review M-3 (netting): a rider who owes an operator a tap-out fare collects no
/// refund from the fare contract while the operator waits. Sol booked a later trip, then
/// withdrew her allowance and rode unpaid; when the company cancels the later trip, her
/// refund repays the fare first and only the rest reaches her.
#[test]
fn a_debtors_refund_repays_the_operator_before_it_reaches_the_rider() {
    let mut depot = Depot::new();
    let [_, sol, _] = depot.riders;
    let bus = depot.bus;
    let ride = depot.trip(MINUTE, 10);
    let later = depot.trip(2 * HOUR, 10);
    let ticket = depot.book(sol, later, 0, 7).unwrap();
    depot
        .token
        .approve(&mut depot.chain, sol, depot.fares.address(), 0)
        .unwrap();
    depot.chain.advance_time_ms(MINUTE);
    let (tap_in, tap_out) = (
        ValidatorAction::TapIn {
            rider: sol,
            trip: ride,
            stop: 0,
        },
        ValidatorAction::TapOut {
            rider: sol,
            trip: ride,
            stop: 2,
        },
    );
    depot.validate(tap_in).unwrap();
    assert!(matches!(
        depot.validate(tap_out).unwrap(),
        ValidatorOutcome::TappedOut { paid: false, .. }
    ));
    assert_eq!(depot.fares.debt(&mut depot.chain, sol).unwrap(), 6_666_666);
    let before = (depot.balance(sol), depot.balance(bus));

    depot
        .fares
        .cancel_trip(&mut depot.chain, bus, later)
        .unwrap();
    let refunded = depot
        .fares
        .claim_refund(&mut depot.chain, sol, ticket)
        .unwrap();
    assert!(fare_events(depot.fares.address(), &refunded.events)
        .iter()
        .any(|e| matches!(e, FareEvent::DebtRepaid(d)
            if d.debtor == sol && d.creditor == bus && d.amount == 6_666_666 && d.total == 0)));
    assert_eq!(depot.balance(sol) - before.0, 20 * MICRO - 6_666_666);
    assert_eq!(depot.balance(bus) - before.1, 6_666_666);
    assert_eq!(depot.fares.debt(&mut depot.chain, sol).unwrap(), 0);
    assert_eq!(depot.balance(depot.fares.address()), 0);
}

#[test]
fn a_cancelled_trips_riders_each_claim_their_fare_back() {
    let mut depot = Depot::new();
    let [ria, sol, tam] = depot.riders;
    let trip = depot.trip(2 * HOUR, 10);
    let riders = [ria, sol, tam, ria];
    let mut tickets = Vec::new();
    for (rider, alight) in riders.into_iter().zip([5, 3, 7, 1]) {
        tickets.push(depot.book(rider, trip, 0, alight).unwrap());
    }
    // the fares wait in the contract's escrow, not with the bus company (M-2)
    let held = depot.balance(depot.fares.address());
    assert_eq!(held, 15 * MICRO + 10 * MICRO + 20 * MICRO + 3_333_333);
    assert_eq!(depot.balance(depot.bus), START);
    assert_eq!(
        depot
            .fares
            .cancel_trip(&mut depot.chain, ria, trip)
            .unwrap_err(),
        ClientError::Contract(FareError::NotRouteOperator)
    );
    let bus = depot.bus;
    let receipt = depot
        .fares
        .cancel_trip(&mut depot.chain, bus, trip)
        .unwrap();
    assert_eq!(receipt.value, 4);
    for (rider, ticket) in riders.into_iter().zip(tickets) {
        let claimed = depot
            .fares
            .claim_refund(&mut depot.chain, rider, ticket)
            .unwrap();
        assert!(matches!(
            &fare_events(depot.fares.address(), &claimed.events)[..],
            [FareEvent::TicketRefunded(e)] if e.ticket == ticket && e.refund == claimed.value
        ));
        assert_eq!(
            depot
                .fares
                .claim_refund(&mut depot.chain, rider, ticket)
                .unwrap_err(),
            ClientError::Contract(FareError::NoRefundOwed)
        );
    }
    for rider in [ria, sol, tam] {
        assert_eq!(depot.balance(rider), START);
    }
    assert_eq!(depot.balance(bus), START);
    assert_eq!(depot.balance(depot.fares.address()), 0);
    let state = depot
        .fares
        .trip(&mut depot.chain, trip)
        .unwrap()
        .unwrap()
        .state;
    assert_eq!(state, TripState::Cancelled);
    assert_eq!(
        depot.book(ria, trip, 0, 1).unwrap_err(),
        ClientError::Contract(FareError::TripCancelled)
    );
}

/// Security review M-2: refunds no longer depend on the company's goodwill. With its
/// allowance withdrawn, a rider's cancellation is still refunded, from escrow.
#[test]
fn a_company_without_an_allowance_cannot_stop_a_refund() {
    let mut depot = Depot::new();
    let ria = depot.riders[0];
    let trip = depot.trip(2 * HOUR, 10);
    let ticket = depot.book(ria, trip, 0, 3).unwrap();
    let bus = depot.bus;
    depot
        .token
        .approve(&mut depot.chain, bus, depot.fares.address(), 0)
        .unwrap();
    let refund = depot
        .fares
        .cancel_ticket(&mut depot.chain, ria, ticket)
        .unwrap();
    assert_eq!(refund.value, 10 * MICRO);
    assert_eq!(depot.balance(ria), START);
    assert_eq!(depot.balance(depot.fares.address()), 0);
    let state = depot
        .fares
        .ticket(&mut depot.chain, ticket)
        .unwrap()
        .unwrap()
        .state;
    assert_eq!(state, TicketState::Cancelled);
}
