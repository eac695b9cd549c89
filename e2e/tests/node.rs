//! The city on a real node: the committed artifacts deployed on a substrate-contracts-node
//! through `smartcity_node::NodeChain` (signed extrinsics over WebSocket), each contract
//! driven through the same SDK clients as on the sandbox, the cross-contract paths and
//! the gated token included.
//!
//! Every test here ends in `_on_a_node` and needs `SMARTCITY_NODE_URL`: `scripts/test.sh`
//! starts a dev node (`--dev --tmp` on a free loopback port) when one is installed and
//! skips these tests, saying so, when none is.

use interfaces::{
    fares::{FareRule, Slab, TicketState, TripState},
    market::ReadingOutcome,
    parking::{
        vehicle_tag, Availability, BookingState, ParkingError, SensorOutcome, SpaceTerms, TagScope,
    },
    token::{Earning, PSP22Error, TokenRole},
    AccountId, DeviceKind, EnergySource, RegistryRole,
};
use smartcity_node::NodeChain;
use smartcity_sdk::{
    device_id,
    keys::DeviceSigner,
    meter::MeterSimulator,
    parking::{parking_events, ParkingEvent, SensorSimulator},
    token::token_events,
    token::TokenEvent,
    units::MICRO,
    Chain, ChainError, ClientError, FareClient, MarketClient, ParkingClient, RegistryClient,
    TokenClient,
};
use smartcity_suite::{accounts, artifacts, Code, Suite};

const MINUTE_MS: u64 = 60_000;
const DAY_MS: u64 = 24 * 60 * MINUTE_MS;

/// A connection whose root is dev account `root` (`//Alice`...): tests that run at the
/// same time sign with different keys, as separate wallets would.
fn node(root: &str) -> NodeChain {
    let url = std::env::var("SMARTCITY_NODE_URL")
        .expect("SMARTCITY_NODE_URL: these tests need a running node (scripts/test.sh starts one)");
    NodeChain::connect(&url, root).expect("connect to the node")
}

/// A node with the city deployed and wired by the suite, as `smartcity deploy` does it.
struct City {
    chain: NodeChain,
    suite: Suite,
    registry: RegistryClient,
    token: TokenClient,
}

impl City {
    fn new(root: &str) -> Self {
        let mut chain = node(root);
        let code = Code::load(&artifacts::default_dir()).unwrap();
        let config = smartcity_suite::market_config(&mut chain);
        let suite = smartcity_suite::deploy(&mut chain, &code, config).unwrap();
        City {
            chain,
            registry: RegistryClient::at(suite.registry),
            token: TokenClient::at(suite.token),
            suite,
        }
    }

    /// A citizen registered by the city's issuer, under `name` (unique to this run).
    fn citizen(&mut self, name: &str) -> AccountId {
        let account = self.chain.account(name);
        let issuer = accounts::issuer(&mut self.chain);
        let salt: &[u8; 32] = self.suite.registry.as_ref();
        let id = smartcity_sdk::virtual_id(&salt[..8], name);
        self.registry
            .register_citizen(&mut self.chain, issuer, id, account)
            .unwrap();
        account
    }

    /// A device of `owner`, commissioned by the city's operator.
    fn device(&mut self, owner: AccountId, label: &str, kind: DeviceKind) -> DeviceSigner {
        let signer = DeviceSigner::from_seed(label);
        let operator = accounts::operator(&mut self.chain);
        self.registry
            .register_device(
                &mut self.chain,
                owner,
                device_id(label),
                kind,
                signer.public_key(),
                [0; 32],
            )
            .unwrap();
        let energy = (kind == DeviceKind::Meter).then_some(interfaces::EnergyProfile {
            source: EnergySource::Solar,
            rated_w: 0,
        });
        self.registry
            .commission_device(&mut self.chain, operator, device_id(label), energy)
            .unwrap();
        signer
    }

    /// Credits for `to`, minted with a receipt by a desk the admin makes a Minter.
    fn credits_for(&mut self, to: AccountId, amount: u128) {
        let admin = accounts::admin(&mut self.chain);
        let desk = self.chain.account("mint-desk");
        if !self
            .token
            .has_role(&mut self.chain, TokenRole::Minter, desk)
            .unwrap()
        {
            self.token
                .grant_role(&mut self.chain, admin, TokenRole::Minter, desk)
                .unwrap();
        }
        let earning = Earning {
            device: device_id("mint-desk/meter"),
            source: EnergySource::Solar,
            period_start_ms: 0,
            period_end_ms: 900_000,
            energy_wh: 1_000,
        };
        self.token
            .mint_with_receipt(&mut self.chain, desk, to, amount, earning)
            .unwrap();
    }

    fn balance(&mut self, account: AccountId) -> u128 {
        self.token.balance_of(&mut self.chain, account).unwrap()
    }
}

#[test]
fn the_city_deploys_and_is_wired_on_a_node() {
    let mut city = City::new("//Alice");
    let chain = &mut city.chain;
    let (admin, issuer, operator) = (
        accounts::admin(chain),
        accounts::issuer(chain),
        accounts::operator(chain),
    );
    let suite = city.suite;
    assert!(city
        .registry
        .has_role(chain, RegistryRole::Issuer, issuer)
        .unwrap());
    assert!(city
        .registry
        .has_role(chain, RegistryRole::Operator, operator)
        .unwrap());
    assert_eq!(
        city.token.gating_registry(chain).unwrap(),
        Some(suite.registry)
    );
    assert!(city
        .token
        .has_role(chain, TokenRole::Minter, suite.market)
        .unwrap());
    for escrow in [suite.parking, suite.fares] {
        assert!(city.token.is_allow_listed(chain, escrow).unwrap());
    }
    assert_eq!(city.token.admin(chain).unwrap(), admin);
    assert!(chain.fees_paid() > 0, "extrinsics pay fees");
    // a refused admin call is refused by name, and sends nothing
    let stranger = chain.account("stranger");
    let fees = chain.fees_paid();
    assert!(city
        .token
        .grant_role(chain, stranger, TokenRole::Minter, stranger)
        .is_err());
    assert_eq!(chain.fees_paid(), fees, "a refused call is not submitted");
    // a dispatch error is named by its pallet and variant, from the chain's metadata
    match TokenClient::at(AccountId::from([7; 32])).total_supply(chain) {
        Err(ClientError::Chain(ChainError::Dispatch { reason, .. })) => {
            assert_eq!(reason, "Contracts::ContractNotFound")
        }
        other => panic!("expected ContractNotFound, got {other:?}"),
    }
}

#[test]
fn signed_readings_become_gated_credits_on_a_node() {
    let mut city = City::new("//Bob");
    let market = MarketClient::at(city.suite.market);
    let asha = city.citizen("asha");
    let ben = city.citizen("ben");
    let stranger = city.chain.account("stranger");
    let relay = city.chain.account("meter-relay");
    let key = city.device(asha, "node/asha/meter", DeviceKind::Meter);
    // the market says which chain it is on; the meter's signatures bind it (I-1)
    let deployment = market.deployment(&mut city.chain).unwrap();
    assert_eq!(deployment.chain, city.chain.genesis_hash());
    let mut meter = MeterSimulator::new(
        device_id("node/asha/meter"),
        key,
        deployment,
        EnergySource::Solar,
    );
    let now = city.chain.now_ms();
    let quarter = 15 * MINUTE_MS;
    let batch = vec![
        meter.read(now - 2 * quarter, 0, 0),
        meter.read(now - quarter, 0, 4_000),
        meter.read(now, 0, 2_000),
    ];
    let config = smartcity_suite::market_config(&mut city.chain);
    let expected: Vec<u128> = batch
        .windows(2)
        .map(|pair| {
            let (a, b) = (&pair[0].reading, &pair[1].reading);
            let wh = b.export_wh_total - a.export_wh_total;
            config.credits(wh, EnergySource::Solar, a.at_ms, b.at_ms)
        })
        .collect();
    let replay = batch[2].clone();

    let receipt = market
        .submit_readings(&mut city.chain, relay, batch)
        .unwrap();
    let accepted = |credits| ReadingOutcome::Accepted {
        beneficiary: asha,
        credits,
        billable_wh: 0,
    };
    assert_eq!(
        receipt.value,
        vec![
            ReadingOutcome::Baseline,
            accepted(expected[0]),
            accepted(expected[1])
        ]
    );
    assert!(receipt.fee.unwrap() > 0);
    let accrued = market.energy_account(&mut city.chain, asha).unwrap();
    assert_eq!(accrued.credits(), expected[0] + expected[1]);

    // a replayed reading is refused by name, and nothing more accrues
    let again = market
        .submit_readings(&mut city.chain, relay, vec![replay])
        .unwrap();
    assert!(matches!(again.value[0], ReadingOutcome::Rejected(_)));

    // the relay settles Asha: the token's own events come back with the market's
    // extrinsic (market -> token)
    let settled = market.settle(&mut city.chain, relay, vec![asha]).unwrap();
    assert_eq!(settled.value, 1);
    let minted: u128 = token_events(&settled.events)
        .iter()
        .filter_map(|e| match e {
            TokenEvent::Transfer {
                from: None,
                to: Some(to),
                value,
            } if *to == asha => Some(*value),
            _ => None,
        })
        .sum();
    assert_eq!(minted, expected[0] + expected[1]);
    assert_eq!(city.balance(asha), minted);
    let accrued = market.energy_account(&mut city.chain, asha).unwrap();
    assert_eq!(accrued.credits(), 0);

    // gated transfers: to a citizen, yes; to a stranger, refused by name
    city.token
        .transfer(&mut city.chain, asha, ben, expected[1], vec![])
        .unwrap();
    assert_eq!(city.balance(ben), expected[1]);
    match city
        .token
        .transfer(&mut city.chain, asha, stranger, 1, vec![])
    {
        Err(ClientError::Contract(PSP22Error::Custom(name))) => {
            assert_eq!(name, "RecipientNotAllowed")
        }
        other => panic!("expected RecipientNotAllowed, got {other:?}"),
    }
}

/// The rental on a node: a booking's escrow, a cancellation's refund, then a booked car
/// checked in (early) and out by the space's sensor, whose signatures bind the node's
/// genesis hash (I-1) and whose car the rental names only by the stay's pseudonym (M-10).
#[test]
fn a_booked_space_holds_escrow_and_its_sensor_checks_a_car_in_and_out_on_a_node() {
    let mut city = City::new("//Charlie");
    let parking = ParkingClient::at(city.suite.parking);
    let owner = city.citizen("space-owner");
    let renter = city.citizen("renter");
    let sensor_key = city.device(owner, "node/space/sensor", DeviceKind::ParkingSensor);
    city.device(renter, "node/renter/car", DeviceKind::Vehicle);
    let space = parking
        .list_space(
            &mut city.chain,
            owner,
            device_id("node/space/sensor"),
            SpaceTerms {
                geohash: b"tdr1v9".to_vec(),
                price_per_hour: 2 * MICRO,
                min_minutes: 30,
                max_minutes: 8 * 60,
                windows: vec![Availability {
                    start_minute: 0,
                    end_minute: 1_440,
                }],
            },
        )
        .unwrap()
        .value;
    city.credits_for(renter, 10 * MICRO);
    // an hour, starting in 10 minutes (or just after midnight: one UTC day)
    let mut start = city.chain.now_ms() + 10 * MINUTE_MS;
    if start / DAY_MS != (start + 60 * MINUTE_MS) / DAY_MS {
        start = (start / DAY_MS + 1) * DAY_MS + 10 * MINUTE_MS;
    }
    let end = start + 60 * MINUTE_MS;
    city.token
        .approve(&mut city.chain, renter, city.suite.parking, 2 * MICRO)
        .unwrap();
    let booking = parking
        .book(&mut city.chain, renter, space, None, start, end)
        .unwrap()
        .value;
    assert_eq!(city.balance(renter), 8 * MICRO);
    assert_eq!(city.balance(city.suite.parking), 2 * MICRO);
    assert_eq!(parking.escrow_total(&mut city.chain).unwrap(), 2 * MICRO);

    let refund = parking
        .cancel(&mut city.chain, renter, booking)
        .unwrap()
        .value;
    assert!(refund > 0 && refund <= 2 * MICRO);
    assert_eq!(city.balance(renter), 8 * MICRO + refund);
    assert_eq!(parking.escrow_total(&mut city.chain).unwrap(), 0);
    let state = parking
        .booking(&mut city.chain, booking)
        .unwrap()
        .unwrap()
        .state;
    assert_eq!(state, BookingState::Cancelled);

    // the car is booked for half an hour from two minutes on (or from midnight: one UTC
    // day); it arrives early (M-4) and leaves at once: the escrow goes to the owner, and
    // the early minutes are billed
    let car = device_id("node/renter/car");
    let mut start = city.chain.now_ms() + 2 * MINUTE_MS;
    if start / DAY_MS != (start + 30 * MINUTE_MS - 1) / DAY_MS {
        start = (start / DAY_MS + 1) * DAY_MS;
    }
    city.token
        .approve(&mut city.chain, renter, city.suite.parking, 2 * MICRO)
        .unwrap();
    let booking = parking
        .book(
            &mut city.chain,
            renter,
            space,
            Some(car),
            start,
            start + 30 * MINUTE_MS,
        )
        .unwrap()
        .value;
    // a booked car checks in at most 30 minutes early
    city.chain
        .wait_until_ms(start.saturating_sub(25 * MINUTE_MS))
        .unwrap();
    let at = parking.deployment(&mut city.chain).unwrap();
    assert_eq!(at.chain, city.chain.genesis_hash());
    let mut sensor = SensorSimulator::new(device_id("node/space/sensor"), sensor_key, at);
    let gateway = city.chain.account("sensor-gateway");
    let arrived_at = city.chain.now_ms();
    let arrived = sensor.arrived(car, arrived_at);
    // the same event signed for this rental's address on another chain: refused (I-1)
    let mut elsewhere = sensor.clone();
    elsewhere.parking.chain = smartcity_sdk::blake2_256(b"another chain");
    assert_eq!(
        parking
            .report(&mut city.chain, gateway, elsewhere.sign(arrived.event))
            .unwrap_err(),
        ClientError::Contract(ParkingError::BadSignature)
    );
    let checked_in = parking.report(&mut city.chain, gateway, arrived).unwrap();
    assert_eq!(checked_in.value, SensorOutcome::CheckedIn { booking });
    let stay = TagScope::Stay {
        space,
        since_ms: arrived_at,
    };
    let events = parking_events(city.suite.parking, &checked_in.events);
    assert!(
        matches!(&events[..], [ParkingEvent::CheckedIn(e)] if e.vehicle_tag == vehicle_tag(&car, stay) && e.vehicle_tag != car),
        "{events:?}"
    );
    let owner_before = city.balance(owner);
    let left = sensor.left(car, city.chain.now_ms());
    let checked_out = parking
        .report(&mut city.chain, gateway, left)
        .unwrap()
        .value;
    assert!(
        matches!(checked_out, SensorOutcome::CheckedOut { booking: b, overstay } if b == booking && overstay > 0),
        "{checked_out:?}"
    );
    assert!(city.balance(owner) > owner_before);
    assert_eq!(parking.escrow_total(&mut city.chain).unwrap(), 0);
}

#[test]
fn a_cancelled_trip_refunds_its_riders_from_escrow_on_a_node() {
    let mut city = City::new("//Dave");
    let fares = FareClient::at(city.suite.fares);
    let admin = accounts::admin(&mut city.chain);
    let bus = city.citizen("bus-company");
    let riders = [city.citizen("rider-1"), city.citizen("rider-2")];
    fares
        .set_operator(&mut city.chain, admin, bus, true)
        .unwrap();
    let stops = ["Depot", "Market", "Temple", "School", "Bridge", "Station"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    let rule = FareRule {
        slabs: vec![
            Slab {
                up_to_stages: 3,
                fare: 10 * MICRO,
            },
            Slab {
                up_to_stages: 5,
                fare: 20 * MICRO,
            },
        ],
    };
    let route = fares
        .add_route(&mut city.chain, bus, stops, rule, 1_000, 3_600_000)
        .unwrap()
        .value;
    let departure = city.chain.now_ms() + 2 * 3_600_000;
    let trip = fares
        .add_trip(&mut city.chain, bus, route, departure, 40)
        .unwrap()
        .value;
    let mut paid = Vec::new();
    let mut tickets = Vec::new();
    for rider in riders {
        city.credits_for(rider, 50 * MICRO);
        city.token
            .approve(&mut city.chain, rider, city.suite.fares, 50 * MICRO)
            .unwrap();
        let ticket = fares
            .book_ticket(&mut city.chain, rider, trip, 0, 5)
            .unwrap()
            .value;
        tickets.push(ticket);
        paid.push(50 * MICRO - city.balance(rider));
    }
    assert!(paid.iter().all(|fare| *fare > 0));
    assert_eq!(city.balance(city.suite.fares), paid.iter().sum::<u128>());

    fares.cancel_trip(&mut city.chain, bus, trip).unwrap();
    for (rider, ticket) in riders.into_iter().zip(tickets) {
        fares.claim_refund(&mut city.chain, rider, ticket).unwrap();
    }
    for rider in riders {
        assert_eq!(city.balance(rider), 50 * MICRO);
    }
    assert_eq!(city.balance(city.suite.fares), 0);
    let trip = fares.trip(&mut city.chain, trip).unwrap().unwrap();
    assert_eq!(trip.state, TripState::Cancelled);
    let ticket = fares.ticket(&mut city.chain, 0).unwrap().unwrap();
    assert_eq!(ticket.state, TicketState::Refunded);
}
