//! `smartcity weigh`: the city's main messages weighed on the embedded chain and on a
//! node side by side, with the node's fees. The same scenario runs on both, through the
//! `Chain` trait: the node runs a newer pallet-contracts than the sandbox, so the same
//! call can weigh differently there.

use anyhow::Context;
use interfaces::{
    fares::{FareRule, Slab},
    market::MAX_READINGS_PER_CALL,
    parking::{Availability, SpaceTerms},
    DeviceKind, EnergySource,
};
use smartcity_sdk::{
    device_id, keys::DeviceSigner, meter::MeterSimulator, units::MICRO, Chain, FareClient,
    MarketClient, ParkingClient, RegistryClient, TokenClient, Weight,
};
use smartcity_suite::{accounts, Code};

/// One message's cost on one chain.
#[derive(Debug, Clone)]
pub struct Weighed {
    pub message: String,
    pub weight: Weight,
    /// The fee paid, where the chain charges one.
    pub fee: Option<u128>,
}

const MINUTE_MS: u64 = 60_000;
const DAY_MS: u64 = 24 * 60 * MINUTE_MS;

/// Deploys the city on `chain` and weighs batches of 64 and of 768 readings (two meters,
/// one household), the household's settlement, a gated transfer, a parking booking and a
/// ticket.
pub fn main_messages<C: Chain>(chain: &mut C, code: &Code) -> anyhow::Result<Vec<Weighed>> {
    let mut config = smartcity_suite::market_config(chain);
    config.max_batch = MAX_READINGS_PER_CALL;
    let suite = smartcity_suite::deploy(chain, code, config)?;
    let (admin, issuer, operator) = (
        accounts::admin(chain),
        accounts::issuer(chain),
        accounts::operator(chain),
    );
    let registry = RegistryClient::at(suite.registry);
    let token = TokenClient::at(suite.token);
    let market = MarketClient::at(suite.market);
    let parking = ParkingClient::at(suite.parking);
    let fares = FareClient::at(suite.fares);
    let mut out = Vec::new();
    let mut note = |message: &str, weight: Weight, fee: Option<u128>| {
        out.push(Weighed {
            message: message.into(),
            weight,
            fee,
        })
    };

    let names = ["weigh-asha", "weigh-ben", "weigh-bus"];
    let mut people = Vec::new();
    for name in names {
        let account = chain.account(name);
        let salt: &[u8; 32] = suite.registry.as_ref();
        registry.register_citizen(
            chain,
            issuer,
            smartcity_sdk::virtual_id(&salt[..8], name),
            account,
        )?;
        people.push(account);
    }
    let (asha, ben, bus) = (people[0], people[1], people[2]);

    // readings: two meters of asha's, batches of 64 and of 768
    let market_at = market.deployment(chain)?;
    let mut meters = Vec::new();
    for label in ["weigh/asha/meter-1", "weigh/asha/meter-2"] {
        let signer = DeviceSigner::from_seed(label);
        registry.register_device(
            chain,
            asha,
            device_id(label),
            DeviceKind::Meter,
            signer.public_key(),
            [0; 32],
        )?;
        let meter = MeterSimulator::new(device_id(label), signer, market_at, EnergySource::Solar);
        registry.commission_device(chain, operator, meter.device, Some(meter.profile()))?;
        meters.push(meter);
    }
    let relay = chain.account("weigh-relay");
    let now = chain.now_ms();
    let mut start = now - 2 * 3_600_000;
    for size in [64usize, MAX_READINGS_PER_CALL as usize] {
        let batch = (0..size)
            .map(|i| {
                start += 1_000;
                meters[i % 2].read(start, 0, 5)
            })
            .collect();
        let receipt = market
            .submit_readings(chain, relay, batch)
            .context("submit_readings")?;
        note(
            &format!("submit_readings ({size} readings, 2 meters, 1 household)"),
            receipt.weight,
            receipt.fee,
        );
    }

    // the credits accrued; the relay settles asha (two earnings: one per meter)
    let receipt = market.settle(chain, relay, vec![asha]).context("settle")?;
    note(
        "settle (1 household, 2 earnings)",
        receipt.weight,
        receipt.fee,
    );

    let receipt = token
        .transfer(chain, asha, ben, MICRO, vec![])
        .context("transfer")?;
    note("PSP22::transfer (gated)", receipt.weight, receipt.fee);

    // a booking: ben's space, asha rents an hour within one UTC day
    let sensor = "weigh/ben/bay";
    let signer = DeviceSigner::from_seed(sensor);
    registry.register_device(
        chain,
        ben,
        device_id(sensor),
        DeviceKind::ParkingSensor,
        signer.public_key(),
        [0; 32],
    )?;
    registry.commission_device(chain, operator, device_id(sensor), None)?;
    let terms = SpaceTerms {
        geohash: b"tdr1v9".to_vec(),
        price_per_hour: MICRO,
        min_minutes: 30,
        max_minutes: 8 * 60,
        windows: vec![Availability {
            start_minute: 0,
            end_minute: 1_440,
        }],
    };
    let space = parking
        .list_space(chain, ben, device_id(sensor), terms)?
        .value;
    let mut from = chain.now_ms() + 10 * MINUTE_MS;
    if from / DAY_MS != (from + 60 * MINUTE_MS) / DAY_MS {
        from = (from / DAY_MS + 1) * DAY_MS + 10 * MINUTE_MS;
    }
    token.approve(chain, asha, suite.parking, MICRO)?;
    let receipt = parking
        .book(chain, asha, space, None, from, from + 60 * MINUTE_MS)
        .context("book")?;
    note("parking book (1 hour)", receipt.weight, receipt.fee);

    // a ticket: the bus company's route, asha rides five stages
    fares.set_operator(chain, admin, bus, true)?;
    let stops = ["A", "B", "C", "D", "E", "F"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    let rule = FareRule {
        slabs: vec![Slab {
            up_to_stages: 5,
            fare: MICRO,
        }],
    };
    let route = fares.add_route(chain, bus, stops, rule, 0, 0)?.value;
    let departure = chain.now_ms() + 2 * 3_600_000;
    let trip = fares.add_trip(chain, bus, route, departure, 40)?.value;
    // the readings paid asha more than enough; a bounded approval
    token.approve(chain, asha, suite.fares, MICRO)?;
    let receipt = fares
        .book_ticket(chain, asha, trip, 0, 5)
        .context("book_ticket")?;
    note("fares book_ticket (5 stages)", receipt.weight, receipt.fee);
    Ok(out)
}

/// Markdown: each message on the sandbox and on the node, and the node's fee.
pub fn markdown(sandbox: &[Weighed], node: &[Weighed]) -> String {
    let mut text = String::from(
        "| message | ref_time sandbox | ref_time node | proof_size sandbox | proof_size node | fee on the node |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for (s, n) in sandbox.iter().zip(node) {
        text.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            s.message,
            crate::bench::group(s.weight.ref_time),
            crate::bench::group(n.weight.ref_time),
            crate::bench::group(s.weight.proof_size),
            crate::bench::group(n.weight.proof_size),
            n.fee.map_or("-".into(), |f| u64::try_from(f)
                .map_or(f.to_string(), crate::bench::group)),
        ));
    }
    text
}
