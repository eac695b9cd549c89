//! The main job: a city day on any chain. The city is deployed and wired as every
//! application deploys it (`smartcity_suite::deploy`); then the identity layer (citizens
//! and their devices registered and commissioned, masked ids only), the credits (minted
//! with receipts, handed over as a QR voucher, retired by an industry as a carbon
//! offset), the energy market, parking and transit, scene by scene.

use crate::qr::VoucherQr;
use anyhow::{anyhow, Context};
use interfaces::{
    token::{Earning, Mint, PSP22Error, TokenRole},
    Citizen, DataCategory, DeviceInfo, DeviceKind, EnergySource, RegistryError,
};
use smartcity_sdk::{
    chain::Chain,
    device_id,
    keys::DeviceSigner,
    registry::RegistryClient,
    short_hex, ss58,
    token::TokenClient,
    units::{format_credits, MICRO},
    virtual_id,
    voucher::{one_time_key, VoucherTicket},
    ClientError,
};
use smartcity_suite::{accounts, Code, Suite};
use std::io::Write;

/// A resident of the demo city and what they own. The national id stays off-chain.
struct Resident {
    name: &'static str,
    national_id: &'static str,
    devices: &'static [(&'static str, DeviceKind)],
}

const RESIDENTS: &[Resident] = &[
    Resident {
        name: "asha",
        national_id: "IN-1984-000117",
        devices: &[
            ("asha/rooftop-meter", DeviceKind::Meter),
            ("asha/home-charger", DeviceKind::EvCharger),
        ],
    },
    Resident {
        name: "ben",
        national_id: "IN-1991-004242",
        devices: &[("ben/ev", DeviceKind::Vehicle)],
    },
    Resident {
        name: "chandra",
        national_id: "IN-1979-000981",
        devices: &[("chandra/shop-bay-1", DeviceKind::ParkingSensor)],
    },
];

/// The issuer's secret salt: without it nobody can link a virtual id to a national id.
const ISSUER_SALT: &[u8] = b"demo-civil-registry-salt";

/// What the demo left on the chain, read back from it.
#[derive(Debug)]
pub struct DemoOutcome {
    pub registry: RegistryClient,
    pub citizens: Vec<Citizen>,
    pub devices: Vec<DeviceInfo>,
    /// The refusal an unregistered account got when it tried to register a device.
    pub stranger_refusal: RegistryError,
}

fn check<T, E: std::fmt::Debug>(
    step: &str,
    result: Result<T, ClientError<E>>,
) -> anyhow::Result<T> {
    result.map_err(|e| anyhow!("{step}: {e}"))
}

/// Deploys and wires the city's five contracts from `code` with the suite's set-up
/// (`smartcity_suite::deploy`), narrating to `out`.
pub fn deploy_city<C: Chain>(
    chain: &mut C,
    code: &Code,
    out: &mut impl Write,
) -> anyhow::Result<Suite> {
    writeln!(out, "== Smart City demo ==")?;
    let config = smartcity_suite::market_config(chain);
    let suite = smartcity_suite::deploy(chain, code, config).context("deploy the city")?;
    let contracts = [
        ("identity_registry", suite.registry, &code.registry),
        ("credit_token", suite.token, &code.token),
        ("energy_market", suite.market, &code.market),
        ("parking_rental", suite.parking, &code.parking),
        ("fare_pricing", suite.fares, &code.fares),
    ];
    for (name, address, wasm) in contracts {
        writeln!(
            out,
            "{name:<17} deployed at {} ({} bytes of wasm)",
            ss58(&address),
            wasm.len()
        )?;
    }
    let (admin, issuer, operator) = (
        accounts::admin(chain),
        accounts::issuer(chain),
        accounts::operator(chain),
    );
    writeln!(
        out,
        "admin {}; registry roles: issuer {} (civil registry office), operator {} (grid operator)",
        ss58(&admin),
        ss58(&issuer),
        ss58(&operator)
    )?;
    writeln!(
        out,
        "the token (PSP22, symbol SCP, 6 decimals) is gated by the registry, the market mints it, and the utility, the city treasury, the rental and the fare contract (which hold escrow) are on its allow-list"
    )?;
    Ok(suite)
}

/// Runs the identity part of the demo on `chain` with the city's registry at
/// `suite.registry`, narrating to `out`.
pub fn identity_part<C: Chain>(
    chain: &mut C,
    suite: &Suite,
    out: &mut impl Write,
) -> anyhow::Result<DemoOutcome> {
    let registry = RegistryClient::at(suite.registry);
    let issuer = accounts::issuer(chain);
    let operator = accounts::operator(chain);

    let mut virtual_ids = Vec::new();
    let mut device_ids = Vec::new();
    for resident in RESIDENTS {
        let account = chain.account(resident.name);
        let id = virtual_id(ISSUER_SALT, resident.national_id);
        check(
            &format!("register citizen {}", resident.name),
            registry.register_citizen(chain, issuer, id, account),
        )?;
        writeln!(
            out,
            "issuer registered {:<8} as virtual id {} (national id stays off-chain)",
            resident.name,
            short_hex(&id)
        )?;
        virtual_ids.push(id);
        for (label, kind) in resident.devices {
            let device = device_id(label);
            let key = DeviceSigner::from_seed(label).public_key();
            let metadata_hash =
                smartcity_sdk::blake2_256(format!("device record of {label}").as_bytes());
            check(
                &format!("register device {label}"),
                registry.register_device(chain, account, device, *kind, key, metadata_hash),
            )?;
            // the operator who inspects a meter or a charger fixes its source and rating
            let energy = match kind {
                DeviceKind::Meter => Some(interfaces::EnergyProfile {
                    source: EnergySource::Solar,
                    rated_w: 7_000,
                }),
                DeviceKind::EvCharger => Some(interfaces::EnergyProfile {
                    source: EnergySource::Vehicle,
                    rated_w: 11_000,
                }),
                _ => None,
            };
            check(
                &format!("commission {label}"),
                registry.commission_device(chain, operator, device, energy),
            )?;
            let profile = energy.map_or(String::new(), |p| {
                format!(" ({:?}, {} kW)", p.source, p.rated_w / 1_000)
            });
            writeln!(
                out,
                "  {:<8} registered {:?} {}, operator commissioned it{profile}",
                resident.name,
                kind,
                short_hex(&device)
            )?;
            device_ids.push(device);
        }
    }

    // Asha lets the grid operator read her energy readings for 30 days; the issuer
    // anchors the hash of her home's digital twin.
    let asha = chain.account("asha");
    let now = chain.now_ms();
    let thirty_days_ms = 30 * 24 * 3600 * 1000;
    check(
        "grant consent",
        registry.grant_consent(
            chain,
            asha,
            operator,
            DataCategory::EnergyReadings,
            now + thirty_days_ms,
        ),
    )?;
    // her twin is hers: the issuer keeps it only with her consent (M-10)
    check(
        "grant consent",
        registry.grant_consent(
            chain,
            asha,
            issuer,
            DataCategory::DigitalTwin,
            now + thirty_days_ms,
        ),
    )?;
    let twin_hash =
        smartcity_sdk::blake2_256(b"asha's home: 5 kWp rooftop PV, 13 kWh battery, V2G charger");
    check(
        "anchor twin",
        registry.anchor_record(chain, issuer, virtual_ids[0], twin_hash),
    )?;
    writeln!(out, "asha granted the grid operator her energy readings for 30 days and the issuer her digital twin; the issuer anchored her home's twin")?;

    // A stranger's device is refused with a named error.
    let stranger = chain.account("stranger");
    let stranger_refusal = match registry.register_device(
        chain,
        stranger,
        device_id("stranger/meter"),
        DeviceKind::Meter,
        DeviceSigner::from_seed("stranger/meter").public_key(),
        [0; 32],
    ) {
        Err(ClientError::Contract(error)) => error,
        other => {
            return Err(anyhow!(
                "a stranger's device should be refused, got {other:?}"
            ))
        }
    };
    writeln!(
        out,
        "a stranger tried to register a meter: refused with {stranger_refusal:?}"
    )?;

    // Read back what the chain holds: the citizens, and every device in one batch query.
    let mut citizens = Vec::new();
    for id in &virtual_ids {
        let citizen = check("read citizen", registry.citizen(chain, *id))?
            .context("registered citizen missing")?;
        citizens.push(citizen);
    }
    let devices: Vec<DeviceInfo> = check("read devices", registry.devices(chain, device_ids))?
        .value
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .context("registered device missing")?;

    writeln!(out, "\nCitizens on chain (masked ids only):")?;
    writeln!(
        out,
        "  {:<16} {:<50} {:<10} devices",
        "virtual id", "account", "status"
    )?;
    for citizen in &citizens {
        writeln!(
            out,
            "  {:<16} {:<50} {:<10} {}",
            short_hex(&citizen.virtual_id),
            ss58(&citizen.account),
            format!("{:?}", citizen.status),
            citizen.device_count
        )?;
    }
    writeln!(out, "\nDevices on chain:")?;
    writeln!(
        out,
        "  {:<16} {:<16} {:<16} {:<14} {:<14} active",
        "device id", "kind", "owner", "status", "key"
    )?;
    for device in &devices {
        writeln!(
            out,
            "  {:<16} {:<16} {:<16} {:<14} {:<14} {}",
            short_hex(&device.device_id),
            format!("{:?}", device.kind),
            short_hex(&device.owner_id),
            format!("{:?}", device.status),
            short_hex(&device.key),
            device.active
        )?;
    }
    let consent = check(
        "read consent",
        registry.has_consent(chain, asha, operator, DataCategory::EnergyReadings),
    )?;
    let twin_ok = check(
        "verify twin",
        registry.verify_record(chain, virtual_ids[0], twin_hash),
    )?;
    writeln!(
        out,
        "\ngrid operator may read asha's energy readings now: {consent}"
    )?;
    writeln!(
        out,
        "asha's digital twin copy matches the anchor: {twin_ok}"
    )?;
    Ok(DemoOutcome {
        registry,
        citizens,
        devices,
        stranger_refusal,
    })
}

/// What the whole demo left on the chain.
#[derive(Debug)]
pub struct CityOutcome {
    /// The city's contracts.
    pub suite: Suite,
    pub identity: DemoOutcome,
    pub token: TokenClient,
    /// Each resident's and the industry's credits at the end, in micro-credits.
    pub balances: Vec<(&'static str, u128)>,
    pub voucher_id: u64,
    pub retired: interfaces::token::RetiredTotal,
    /// The refusal a non-citizen got when credits were sent to it.
    pub stranger_refusal: PSP22Error,
}

/// The city deployed, then identity and credits. Writes the voucher's QR code as a PNG to
/// `qr_png`.
pub fn run<C: Chain>(
    chain: &mut C,
    code: &Code,
    qr_png: &std::path::Path,
    out: &mut impl Write,
) -> anyhow::Result<CityOutcome> {
    let suite = deploy_city(chain, code, out)?;
    let identity = identity_part(chain, &suite, out)?;
    let admin = accounts::admin(chain);
    let market = chain.account("energy-market");
    let industry = chain.account("steel-works");
    let (asha, ben) = (chain.account("asha"), chain.account("ben"));

    writeln!(out, "\n== Smart credit points ==")?;
    let token = TokenClient::at(suite.token);
    check(
        "grant minter",
        token.grant_role(chain, admin, TokenRole::Minter, market),
    )?;
    check(
        "allow-list industry",
        token.set_allow_listed(chain, admin, industry, true),
    )?;
    writeln!(
        out,
        "admin made {} a Minter (an operator's minting account; the energy market below mints too) and allow-listed the steel works (an industry, not a citizen)",
        ss58(&market)
    )?;

    // Asha's rooftop exported 5 kWh in a quarter hour at noon, her parked EV 1.6 kWh.
    let now = chain.now_ms();
    let quarter_hour = 15 * 60 * 1000;
    let mints = vec![
        Mint {
            to: asha,
            amount: 12_500_000,
            earning: Earning {
                device: device_id("asha/rooftop-meter"),
                source: EnergySource::Solar,
                period_start_ms: now - quarter_hour,
                period_end_ms: now,
                energy_wh: 5_000,
            },
        },
        Mint {
            to: asha,
            amount: 3_200_000,
            earning: Earning {
                device: device_id("asha/home-charger"),
                source: EnergySource::Vehicle,
                period_start_ms: now - quarter_hour,
                period_end_ms: now,
                energy_wh: 1_600,
            },
        },
    ];
    let receipts = check("mint", token.mint_batch(chain, market, mints))?.value;
    writeln!(
        out,
        "minted to asha with receipts {receipts:?}: 12.5 SCP for 5,000 Wh of solar, 3.2 SCP for 1,600 Wh of V2G"
    )?;

    // Asha hands Ben 5 SCP as a QR code, with the solar receipt attached as provenance.
    let (secret, key) = one_time_key();
    let expires = chain.now_ms() + 24 * 3600 * 1000;
    let created = check(
        "create voucher",
        token.create_voucher(chain, asha, 5 * MICRO, key, expires, vec![receipts[0]]),
    )?;
    let voucher_id = created.value;
    // the 12.5 SCP receipt is split: a 5 SCP part goes with the voucher (L-8)
    let part = smartcity_sdk::token::token_events(&created.events)
        .iter()
        .find_map(|event| match event {
            smartcity_sdk::token::TokenEvent::ReceiptSplit(split) => Some(split.part_id),
            _ => None,
        })
        .context("the voucher's receipt part")?;
    let ticket = VoucherTicket {
        token: token.address(),
        voucher_id,
        secret,
    };
    writeln!(
        out,
        "asha locked 5 SCP in voucher {voucher_id} (expires in 24 h); its QR code:"
    )?;
    writeln!(out, "{}", ticket.qr_terminal()?)?;
    ticket.write_qr_png(qr_png, 8)?;
    writeln!(out, "(also written to {})", qr_png.display())?;
    let scanned = VoucherTicket::parse(&ticket.payload())?;
    // Ben's wallet signs for the token on the chain the token says it is on (I-1)
    let token_at = check("read the token's chain", token.deployment(chain))?;
    check(
        "redeem voucher",
        token.redeem_voucher(
            chain,
            ben,
            scanned.voucher_id,
            scanned.sign_for(token_at.chain, &ben),
        ),
    )?;
    let provenance =
        check("read receipt", token.receipt(chain, part))?.context("receipt missing")?;
    writeln!(
        out,
        "ben scanned it and redeemed with a signature over his own account; the solar receipt's \
         5 SCP part (receipt {part}) is now his: {}",
        provenance.owner == ben
    )?;

    // Asha sells 6 SCP to the steel works, which retires them as an offset.
    check(
        "pay industry",
        token.transfer(chain, asha, industry, 6 * MICRO, vec![]),
    )?;
    // its June 2026 emissions; the statement itself stays off chain, its hash goes on
    let claim = interfaces::token::RetirementClaim {
        beneficiary: industry,
        grams_co2e: 4_200,
        purpose_hash: smartcity_sdk::blake2_256(b"steel works offset claim 2026-06"),
        period_start_ms: 1_780_272_000_000,
        period_end_ms: 1_782_864_000_000,
        receipts: vec![],
    };
    check("retire", token.retire(chain, industry, 6 * MICRO, claim))?;
    let retired = check("read retired", token.retired_total(chain, industry))?;
    writeln!(
        out,
        "the steel works bought 6 SCP from asha and retired them as {} g CO2e",
        retired.grams_co2e
    )?;
    let stranger = chain.account("stranger");
    let stranger_refusal = match token.transfer(chain, asha, stranger, MICRO, vec![]) {
        Err(ClientError::Contract(error)) => error,
        other => {
            return Err(anyhow!(
                "credits to a non-citizen should be refused, got {other:?}"
            ))
        }
    };
    writeln!(
        out,
        "asha tried to pay a stranger: refused with {stranger_refusal:?}"
    )?;

    writeln!(out, "\nCredits on chain:")?;
    let mut balances = Vec::new();
    for (name, account) in [("asha", asha), ("ben", ben), ("steel-works", industry)] {
        let balance = check("balance", token.balance_of(chain, account))?;
        writeln!(out, "  {name:<12} {}", format_credits(balance))?;
        balances.push((name, balance));
    }
    let supply = check("supply", token.total_supply(chain))?;
    writeln!(
        out,
        "  total supply {} (6 SCP retired)",
        format_credits(supply)
    )?;
    Ok(CityOutcome {
        suite,
        identity,
        token,
        balances,
        voucher_id,
        retired,
        stranger_refusal,
    })
}

/// What the market part of the demo left on the chain.
#[derive(Debug)]
pub struct MarketOutcome {
    pub market: smartcity_sdk::market::MarketClient,
    pub outcomes: Vec<interfaces::market::ReadingOutcome>,
    /// (name, credits, ledger Wh) at the end.
    pub households: Vec<(&'static str, u128, u64)>,
    pub utility_credits: u128,
}

/// The market part: meters of several households sign a day of readings, the relay submits
/// them, credits and bills accrue, a household claims and the relay settles a consumer
/// (its bill paid from its credits), surplus is sold P2P.
pub fn market_part<C: Chain>(
    chain: &mut C,
    city: &CityOutcome,
    out: &mut impl Write,
) -> anyhow::Result<MarketOutcome> {
    use interfaces::market::ReadingOutcome;
    use smartcity_sdk::{market::MarketClient, meter::MeterSimulator};
    let operator = chain.account("grid-operator");
    let relay = chain.account("meter-relay");
    let (asha, ben, chandra) = (
        chain.account("asha"),
        chain.account("ben"),
        chain.account("chandra"),
    );
    let registry = city.identity.registry;
    let token = city.token;
    writeln!(out, "\n== Energy market ==")?;
    let utility = accounts::utility(chain);
    let market = MarketClient::at(city.suite.market);
    writeln!(
        out,
        "energy_market at {}: it mints credits; solar 2 SCP/kWh, x1.5 from 11:00 to 14:00 UTC",
        ss58(&market.address())
    )?;

    // Meters sign for the market on its chain, as the market says (I-1).
    let market_at = check("read the market's chain", market.deployment(chain))?;
    // Ben's flat gets a meter too: he imports, so he is billed pay-as-you-go.
    let ben_meter_label = "ben/flat-meter";
    let mut ben_meter = MeterSimulator::new(
        device_id(ben_meter_label),
        DeviceSigner::from_seed(ben_meter_label),
        market_at,
        EnergySource::Wind,
    );
    check(
        "register ben's meter",
        registry.register_device(
            chain,
            ben,
            ben_meter.device,
            DeviceKind::Meter,
            ben_meter.public_key(),
            [0; 32],
        ),
    )?;
    check(
        "commission",
        registry.commission_device(chain, operator, ben_meter.device, Some(ben_meter.profile())),
    )?;
    let mut rooftop = MeterSimulator::new(
        device_id("asha/rooftop-meter"),
        DeviceSigner::from_seed("asha/rooftop-meter"),
        market_at,
        EnergySource::Solar,
    );
    let mut charger = MeterSimulator::new(
        device_id("asha/home-charger"),
        DeviceSigner::from_seed("asha/home-charger"),
        market_at,
        EnergySource::Vehicle,
    );

    // Yesterday's register readings (the chain's clock stands at 06:00 UTC today). Each
    // meter's first reading is its baseline; later ones are credited and billed on the
    // difference.
    let day = chain.now_ms() / 86_400_000 * 86_400_000 - 86_400_000;
    let at = |hour: u64, minute: u64| day + hour * 3_600_000 + minute * 60_000;
    (rooftop.import_wh_total, rooftop.export_wh_total) = (3_100, 12_400);
    let rooftop_05 = rooftop.read(at(5, 0), 0, 0);
    let rooftop_10 = rooftop.read(at(10, 0), 0, 2_000); // lost on the way, arrives late
    let rooftop_16 = rooftop.read(at(16, 0), 0, 3_500);
    (charger.import_wh_total, charger.export_wh_total) = (40_000, 9_000);
    let plug_in = charger.read(at(18, 0), 0, 0);
    let ev = device_id("ben/ev");
    let session = smartcity_sdk::meter::co_sign_session(
        &DeviceSigner::from_seed("ben/ev"),
        &market_at,
        &charger.device,
        ev,
        at(18, 0),
        at(19, 30),
    );
    let plug_out = charger.read_session(at(19, 30), 0, 3_000, session);
    ben_meter.import_wh_total = 7_000;
    let flat_19 = ben_meter.read(at(19, 0), 0, 0);
    let flat_21 = ben_meter.read(at(21, 0), 4_500, 0);
    let batch = vec![
        rooftop_05,
        rooftop_16.clone(),
        plug_in,
        plug_out,
        flat_19,
        flat_21,
        rooftop_16,
        rooftop_10,
    ];
    check(
        "approve utility bills",
        token.approve(chain, ben, market.address(), 10 * MICRO),
    )?;
    let receipt = check(
        "submit readings",
        market.submit_readings(chain, relay, batch),
    )?;
    writeln!(
        out,
        "the relay submitted 8 signed register readings in one call ({} ref_time, {} bytes of proof):",
        crate::bench::group(receipt.weight.ref_time),
        crate::bench::group(receipt.weight.proof_size)
    )?;
    let labels = [
        "asha rooftop 05:00, export register 12,400 Wh",
        "asha rooftop 16:00, export register 17,900 Wh",
        "asha's charger 18:00, ben's EV plugs in",
        "asha's charger 19:30, plug-out, EV co-signed",
        "ben's flat 19:00, import register 7,000 Wh",
        "ben's flat 21:00, import register 11,500 Wh",
        "asha rooftop 16:00 sent again",
        "asha rooftop 10:00, arriving late",
    ];
    for (label, outcome) in labels.iter().zip(&receipt.value) {
        let text = match outcome {
            ReadingOutcome::Baseline => "baseline: later readings are measured from it".into(),
            ReadingOutcome::Accepted {
                beneficiary,
                credits,
                billable_wh,
            } => {
                let who = [("asha", asha), ("ben", ben)]
                    .iter()
                    .find(|(_, a)| a == beneficiary)
                    .map_or("?", |(n, _)| n);
                format!(
                    "accepted: {} to {who}, {billable_wh} Wh billable",
                    format_credits(*credits)
                )
            }
            ReadingOutcome::Rejected(reason) => format!("rejected: {reason:?}"),
        };
        writeln!(out, "  {label:<46} {text}")?;
    }
    writeln!(
        out,
        "  (asha's 5.5 kWh from 05:00 to 16:00 spread evenly: the 1.5 kWh of 11:00-14:00 \
         earned the peak's 1.5x; the late 10:00 reading lost nothing, its energy was in the \
         16:00 difference)"
    )?;

    // The credits and bills accrued in the market's books; a claim mints them. Asha claims
    // hers; the relay settles Ben's (anyone may settle anyone's).
    let books = check("asha's books", market.energy_account(chain, asha))?;
    let claimed = check("asha claims", market.claim(chain, asha))?;
    writeln!(
        out,
        "asha claimed {} accrued from {} device(s): one mint, a receipt per device ({} ref_time)",
        format_credits(claimed.value),
        books.earnings.len(),
        crate::bench::group(claimed.weight.ref_time)
    )?;
    let settled = check("settle ben", market.settle(chain, relay, vec![ben]))?;
    for event in smartcity_sdk::market::market_events(market.address(), &settled.events) {
        if let smartcity_sdk::market::MarketEvent::Claimed(c) = event {
            writeln!(
                out,
                "the relay settled ben: his bill of {} for {} Wh beyond his ledger was paid by {} of his EV's credits, {} from his allowance",
                format_credits(c.bill),
                c.billed_wh,
                format_credits(c.netted),
                format_credits(c.collected)
            )?;
        }
    }

    // Asha sells 3 kWh of her surplus; Chandra buys 2 kWh of it.
    let now = chain.now_ms();
    let offer = check(
        "offer",
        market.create_offer(chain, asha, 3_000, 3_500_000, now + 6 * 3_600_000),
    )?
    .value;
    check(
        "approve purchase",
        token.approve(chain, chandra, market.address(), 10 * MICRO),
    )?;
    check(
        "fund chandra",
        token.transfer(chain, asha, chandra, 8 * MICRO, vec![]),
    )?;
    let cost = check("buy", market.buy(chain, chandra, offer, 2_000))?.value;
    writeln!(
        out,
        "asha offered 3 kWh at 3.5 SCP/kWh; chandra bought 2 kWh for {} (2.5 % to the city treasury)",
        format_credits(cost)
    )?;

    writeln!(out, "\nAfter the day:")?;
    writeln!(
        out,
        "  {:<10} {:>14} {:>12}",
        "household", "credits", "ledger Wh"
    )?;
    let mut households = Vec::new();
    for (name, account) in [("asha", asha), ("ben", ben), ("chandra", chandra)] {
        let credits = check("balance", token.balance_of(chain, account))?;
        let ledger = check("ledger", market.ledger_wh(chain, account))?;
        writeln!(
            out,
            "  {name:<10} {:>14} {ledger:>12}",
            format_credits(credits)
        )?;
        households.push((name, credits, ledger));
    }
    let utility_credits = check("utility", token.balance_of(chain, utility))?;
    writeln!(
        out,
        "  power utility was paid {} for ben's imports",
        format_credits(utility_credits)
    )?;
    Ok(MarketOutcome {
        market,
        outcomes: receipt.value,
        households,
        utility_credits,
    })
}

/// What the parking part of the demo left on the chain.
#[derive(Debug)]
pub struct ParkingOutcome {
    pub parking: smartcity_sdk::parking::ParkingClient,
    pub space: u64,
    pub booking: u64,
    /// What the sensor's four reports did, in order.
    pub reports: Vec<interfaces::parking::SensorOutcome>,
    /// (name, credits) of the shop owner, the commuter and the city treasury at the end.
    pub balances: Vec<(&'static str, u128)>,
    /// The contract's token balance and the open escrow it must equal.
    pub held: u128,
    pub escrow_total: u128,
}

/// How the demo's timed scenes (parking, transit) follow each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// The embedded chain: its clock moves to each scene, hours apart (a booking from
    /// 09:00 to 12:00, tomorrow's 07:00 bus).
    Story,
    /// A node, whose clock is the wall clock: the same scenes set seconds to minutes from
    /// now, as far as the contracts' own rules allow (a booked car may arrive at most 30
    /// minutes early, so it arrives early and leaves before its half hour starts).
    WallClock,
}

impl Pace {
    /// `HH:MM` (UTC) of a chain time.
    fn clock(at_ms: u64) -> String {
        let minutes = at_ms / 60_000 % 1_440;
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// The parking part: Chandra lists the bay in front of her shop, Ben books it for his
/// commute, the bay's sensor reports his EV arriving and leaving late, a stranger's car
/// parks after him; Chandra is paid, the stranger reported.
pub fn parking_part<C: Chain>(
    chain: &mut C,
    city: &CityOutcome,
    pace: Pace,
    out: &mut impl Write,
) -> anyhow::Result<ParkingOutcome> {
    use interfaces::parking::{Availability, SensorOutcome, SpaceTerms};
    use smartcity_sdk::parking::{ParkingClient, SensorSimulator};
    let gateway = chain.account("sensor-gateway");
    let treasury = chain.account("city-treasury");
    let (ben, chandra, asha) = (
        chain.account("ben"),
        chain.account("chandra"),
        chain.account("asha"),
    );
    let token = city.token;
    writeln!(out, "\n== Parking ==")?;
    let parking = ParkingClient::at(city.suite.parking);
    writeln!(
        out,
        "parking_rental at {}: 5 % of every payment to the city treasury",
        ss58(&parking.address())
    )?;
    let label = "chandra/shop-bay-1";
    let mut sensor = SensorSimulator::new(
        device_id(label),
        DeviceSigner::from_seed(label),
        check("read the rental's chain", parking.deployment(chain))?,
    );
    // open 08:00-20:00 UTC in the story; on a node all day, whenever the demo runs
    let (window, hours) = match pace {
        Pace::Story => ((8 * 60, 20 * 60), "08:00-20:00 UTC"),
        Pace::WallClock => ((0, 24 * 60), "all day"),
    };
    let terms = SpaceTerms {
        geohash: b"tdr1v9".to_vec(),
        price_per_hour: MICRO,
        min_minutes: 30,
        max_minutes: 10 * 60,
        windows: vec![Availability {
            start_minute: window.0,
            end_minute: window.1,
        }],
    };
    let space = check(
        "list the bay",
        parking.list_space(chain, chandra, sensor.sensor, terms),
    )?
    .value;
    writeln!(
        out,
        "chandra listed the bay in front of her shop (sensor {}): 1 SCP an hour, {hours}",
        smartcity_sdk::short_hex(&sensor.sensor)
    )?;

    // Ben books his EV in; the rent waits in escrow. The story: 09:00-12:00 today. On a
    // node: the half hour from two minutes on (from midnight when it would cross it).
    let now = chain.now_ms();
    let midnight = now / 86_400_000 * 86_400_000;
    let at = |hour: u64, minute: u64| midnight + hour * 3_600_000 + minute * 60_000;
    let (start, end) = match pace {
        Pace::Story => (at(9, 0), at(12, 0)),
        Pace::WallClock => {
            let mut start = (now + 2 * 60_000).div_ceil(60_000) * 60_000;
            if start / 86_400_000 != (start + 30 * 60_000 - 1) / 86_400_000 {
                start = start.div_ceil(86_400_000) * 86_400_000;
            }
            (start, start + 30 * 60_000)
        }
    };
    let ev = device_id("ben/ev");
    check(
        "fund ben",
        token.transfer(chain, asha, ben, 5 * MICRO, vec![]),
    )?;
    check(
        "approve rent",
        token.approve(chain, ben, parking.address(), 5 * MICRO),
    )?;
    let booked = check(
        "book",
        parking.book(chain, ben, space, Some(ev), start, end),
    )?;
    let booking = booked.value;
    writeln!(
        out,
        "ben booked {}-{} for his EV: {} in escrow ({} ref_time, {} bytes of proof)",
        Pace::clock(start),
        Pace::clock(end),
        format_credits(interfaces::parking::rent(MICRO, end - start)),
        crate::bench::group(booked.weight.ref_time),
        crate::bench::group(booked.weight.proof_size)
    )?;

    // The bay's sensor reports through a gateway; each report is signed by the sensor. A
    // car without a vehicle id is reported by a keyed id of its plate (M-10): the plate
    // stays in the sensor.
    // Each scene: when the sensor saw it, and what. The story's EV stays 10 minutes
    // late; on a node it arrives early and leaves before its booking starts (its early
    // minutes billed, M-4), the scenes 20 seconds apart.
    let scenes: Vec<(u64, bool, &str)> = match pace {
        Pace::Story => vec![
            (at(9, 2), true, "ben's EV arrives"),
            (at(12, 10), true, "ben's EV leaves, 10 minutes late"),
            (at(12, 30), false, "an unregistered car parks"),
            (at(12, 40), false, "it leaves"),
        ],
        Pace::WallClock => {
            // at most 30 minutes early: when the booking moved to midnight, wait for that
            let first = (chain.now_ms().div_ceil(1_000) * 1_000 + 5_000)
                .max(start.saturating_sub(25 * 60_000));
            vec![
                (first, true, "ben's EV arrives, early"),
                (first + 20_000, true, "it leaves before its booking starts"),
                (first + 40_000, false, "an unregistered car parks"),
                (first + 60_000, false, "it leaves"),
            ]
        }
    };
    let stranger = sensor.unregistered("KA-01-X-9999", scenes[2].0);
    let mut reports = Vec::new();
    for (i, (seen_at, ben_s, what)) in scenes.into_iter().enumerate() {
        let vehicle = if ben_s { ev } else { stranger };
        let signed = if i % 2 == 0 {
            sensor.arrived(vehicle, seen_at)
        } else {
            sensor.left(vehicle, seen_at)
        };
        // the gateway forwards the report a moment later
        chain.wait_until_ms(seen_at + 2_000)?;
        let label = format!("{} {what}", Pace::clock(seen_at));
        let receipt = check("sensor report", parking.report(chain, gateway, signed))?;
        let text = match receipt.value {
            SensorOutcome::CheckedIn { booking } => format!("checked in (booking {booking})"),
            SensorOutcome::CheckedOut { overstay, .. } => format!(
                "checked out: escrow to chandra less 5 %, overstay {} billed",
                format_credits(overstay)
            ),
            SensorOutcome::ViolationRecorded { index } => {
                format!("violation #{index} reported to chandra")
            }
            SensorOutcome::NothingToClose => "no session to close: reported, not billed".into(),
            other => format!("{other:?}"),
        };
        writeln!(out, "  {label:<42} {text}")?;
        reports.push(receipt.value);
    }

    writeln!(out, "\nAfter the morning:")?;
    let mut balances = Vec::new();
    for (name, account) in [
        ("chandra", chandra),
        ("ben", ben),
        ("city-treasury", treasury),
    ] {
        let credits = check("balance", token.balance_of(chain, account))?;
        writeln!(out, "  {name:<14} {:>14}", format_credits(credits))?;
        balances.push((name, credits));
    }
    let held = check("escrow", token.balance_of(chain, parking.address()))?;
    let escrow_total = check("escrow", parking.escrow_total(chain))?;
    writeln!(
        out,
        "  the rental holds {} for open bookings",
        format_credits(held)
    )?;
    Ok(ParkingOutcome {
        parking,
        space,
        booking,
        reports,
        balances,
        held,
        escrow_total,
    })
}

/// What the transit part of the demo left on the chain.
#[derive(Debug)]
pub struct TransitOutcome {
    pub fares: smartcity_sdk::fares::FareClient,
    /// Every event the fare contract emitted, in order: the planning report's input.
    pub events: Vec<smartcity_sdk::chain::ContractEvent>,
    /// (board, alight, exact fare, slab fare) of the rides the demo prints.
    pub quotes: Vec<(u32, u32, u128, u128)>,
    pub booked: u32,
    /// Bookings refused because a segment was full.
    pub refused_full: u32,
    pub report: String,
}

/// The transit part: the city bus company publishes a route with the paper's slab table
/// (up to 3 stages 1 SCP, 4 to 7 stages 2 SCP), schedules four morning trips, commuters
/// book tomorrow's rides at the exact fare, a validator boards a ticket, a rider taps in
/// and out, and the planning report suggests departures towards an 80 % load.
pub fn transit_part<C: Chain>(
    chain: &mut C,
    city: &CityOutcome,
    pace: Pace,
    out: &mut impl Write,
) -> anyhow::Result<TransitOutcome> {
    use interfaces::fares::{FareRule, Slab, ValidatorAction, ValidatorOutcome};
    use smartcity_sdk::fares::{fare_events, trip_loads, FareClient, ValidatorSimulator};
    let admin = chain.account("city-admin");
    let issuer = chain.account("civil-registry-office");
    let operator = chain.account("grid-operator");
    let bus = chain.account("city-bus");
    let fund = chain.account("city-transport-fund");
    let registry = city.identity.registry;
    let token = city.token;
    let mut events = Vec::new();
    writeln!(out, "\n== Transit ==")?;
    let fares = FareClient::at(city.suite.fares);
    let mut keep = |receipt_events: &[smartcity_sdk::chain::ContractEvent]| {
        events.extend(
            receipt_events
                .iter()
                .filter(|e| e.contract == fares.address())
                .cloned(),
        );
    };
    keep(&check("bus operator", fares.set_operator(chain, admin, bus, true))?.events);
    check(
        "register the bus company",
        registry.register_citizen(chain, issuer, virtual_id(ISSUER_SALT, "IN-CO-CITYBUS"), bus),
    )?;
    let mut validator = ValidatorSimulator::new(
        device_id("city-bus/validator-7"),
        DeviceSigner::from_seed("city-bus/validator-7"),
        check("read the fare contract's chain", fares.deployment(chain))?,
    );
    check(
        "register the validator",
        registry.register_device(
            chain,
            bus,
            validator.validator,
            DeviceKind::TransitValidator,
            validator.public_key(),
            [0; 32],
        ),
    )?;
    check(
        "commission the validator",
        registry.commission_device(chain, operator, validator.validator, None),
    )?;
    let rule = FareRule {
        slabs: vec![
            Slab {
                up_to_stages: 3,
                fare: MICRO,
            },
            Slab {
                up_to_stages: 7,
                fare: 2 * MICRO,
            },
        ],
    };
    let stops: Vec<Vec<u8>> = [
        "Depot", "Market", "Temple", "School", "Bridge", "Hospital", "Park", "Station",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let added = check(
        "route",
        fares.add_route(chain, bus, stops, rule, 1_000, 3_600_000),
    )?;
    keep(&added.events);
    let route = added.value;
    writeln!(
        out,
        "fare_pricing at {}: city-bus runs route {route}: Depot .. Station, 8 stops, slabs: up to 3 stages 1 SCP, 4 to 7 stages 2 SCP",
        ss58(&fares.address())
    )?;
    let mut quotes = Vec::new();
    for (board, alight) in [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 7)] {
        let quote = check("quote", fares.quote(chain, route, board, alight))?;
        writeln!(
            out,
            "  {} stages: exact {:>9} vs slab {:>9}",
            quote.stages,
            format_credits(quote.exact),
            format_credits(quote.slab)
        )?;
        quotes.push((board, alight, quote.exact, quote.slab));
    }

    check(
        "transport fund",
        token.grant_role(chain, admin, TokenRole::Minter, fund),
    )?;
    // 24 commuters (12 on a node, on buses half the size: the same story in half the
    // blocks), each registered with travel credits the fare contract may collect
    let (riders, seats) = match pace {
        Pace::Story => (24u32, [10, 10, 6, 6]),
        Pace::WallClock => (12u32, [5, 5, 3, 3]),
    };
    let mut commuters = Vec::new();
    for n in 0..riders {
        let commuter = chain.account(&format!("commuter-{n:02}"));
        check(
            "commuter",
            registry.register_citizen(
                chain,
                issuer,
                virtual_id(ISSUER_SALT, &format!("IN-COMMUTER-{n:02}")),
                commuter,
            ),
        )?;
        let pass = interfaces::token::Earning {
            device: [0; 32],
            source: EnergySource::Other,
            period_start_ms: 0,
            period_end_ms: 1,
            energy_wh: 0,
        };
        check(
            "travel credits",
            token.mint_with_receipt(chain, fund, commuter, 10 * MICRO, pass),
        )?;
        check(
            "approve fares",
            token.approve(chain, commuter, fares.address(), 10 * MICRO),
        )?;
        commuters.push(commuter);
    }

    // four departures, the first two with 10 seats, the others with 6 (on a node 5 and 3):
    // tomorrow at 07:00, 07:30, 08:00 and 08:30 in the story; on a node a minute from now,
    // then a minute apart (boarding opens 30 minutes before a departure: open at once)
    let departures: Vec<u64> = match pace {
        Pace::Story => {
            let tomorrow = chain.now_ms() / 86_400_000 * 86_400_000 + 86_400_000;
            [(7, 0), (7, 30), (8, 0), (8, 30)]
                .iter()
                .map(|(hour, minute)| tomorrow + hour * 3_600_000 + minute * 60_000)
                .collect()
        }
        Pace::WallClock => {
            let first = chain.now_ms().div_ceil(1_000) * 1_000 + 60_000;
            (0..4).map(|i| first + i * 60_000).collect()
        }
    };
    let mut trips = Vec::new();
    for (departure, seats) in departures.iter().zip(seats) {
        let scheduled = check("trip", fares.add_trip(chain, bus, route, *departure, seats))?;
        keep(&scheduled.events);
        trips.push(scheduled.value);
    }
    // a few ride the first bus, most want the last two
    let (mut booked, mut refused_full) = (0u32, 0u32);
    let mut first_ticket = None;
    for (n, commuter) in (0..riders).zip(commuters) {
        let trip = trips[match n % 6 {
            0 => 0,
            1 => 1,
            2 | 3 => 2,
            _ => 3,
        }];
        let (board, alight) = ((n % 3), 4 + (n % 4));
        match fares.book_ticket(chain, commuter, trip, board, alight) {
            Ok(receipt) => {
                keep(&receipt.events);
                booked += 1;
                first_ticket.get_or_insert((receipt.value, trip, commuter));
            }
            Err(smartcity_sdk::ClientError::Contract(
                interfaces::fares::FareError::SegmentFull,
            )) => refused_full += 1,
            Err(error) => anyhow::bail!("book a ticket: {error}"),
        }
    }
    let times: Vec<String> = departures.iter().map(|at| Pace::clock(*at)).collect();
    writeln!(
        out,
        "{riders} commuters booked the {} departures at the exact fare: {booked} tickets, {refused_full} refused (a segment full)",
        times.join(", ")
    )?;

    // the validator boards the first ticket as the first bus leaves; a rider taps in and,
    // 40 minutes later (20 seconds on a node), out
    let (board_at, tap_out_at) = match pace {
        Pace::Story => (departures[0], departures[0] + 40 * 60_000),
        Pace::WallClock => {
            let now = chain.now_ms().div_ceil(1_000) * 1_000;
            (now, now + 20_000)
        }
    };
    chain.wait_until_ms(board_at + 1_000)?;
    let gateway = chain.account("validator-gateway");
    if let Some((ticket, _, _)) = first_ticket {
        let signed = validator.next(ValidatorAction::Board { ticket }, board_at);
        let receipt = check("board", fares.validate(chain, gateway, signed))?;
        keep(&receipt.events);
        writeln!(
            out,
            "  {} validator-7 boards ticket {ticket}: {:?}",
            Pace::clock(board_at),
            receipt.value
        )?;
    }
    let tapper = chain.account("commuter-00");
    // the rider lets the bus company's validators charge it up to 5 SCP (M-5)
    check(
        "spending cap",
        fares.set_spending_cap(chain, tapper, bus, 5 * MICRO),
    )?;
    let signed = validator.next(
        ValidatorAction::TapIn {
            rider: tapper,
            trip: trips[0],
            stop: 1,
        },
        board_at + 1_000,
    );
    keep(&check("tap in", fares.validate(chain, gateway, signed))?.events);
    chain.wait_until_ms(tap_out_at)?;
    let signed = validator.next(
        ValidatorAction::TapOut {
            rider: tapper,
            trip: trips[0],
            stop: 6,
        },
        tap_out_at,
    );
    let receipt = check("tap out", fares.validate(chain, gateway, signed))?;
    keep(&receipt.events);
    if let ValidatorOutcome::TappedOut { stages, fare, paid } = receipt.value {
        writeln!(
            out,
            "  {} commuter-00 tapped out after {stages} stages: charged {} (paid: {paid})",
            Pace::clock(tap_out_at),
            format_credits(fare)
        )?;
    }
    // fares are released once the bus has left
    chain.wait_until_ms(departures[0])?;

    // the fares of the 07:00 bus waited in the fare contract since booking: now it has left
    let released = check(
        "release fares",
        fares.release_fares(chain, gateway, trips[0]),
    )?;
    keep(&released.events);
    writeln!(
        out,
        "  {} the {} bus has left: its fares, {} held since booking, go to city-bus",
        Pace::clock(chain.now_ms()),
        times[0],
        format_credits(released.value)
    )?;

    let loads = trip_loads(&fare_events(fares.address(), &events));
    let report = smartcity_sdk::fares::render_report(&loads, 8_000);
    writeln!(out, "\nPlanning report (from the fare contract's events):")?;
    write!(out, "{report}")?;
    Ok(TransitOutcome {
        fares,
        events,
        quotes,
        booked,
        refused_full,
        report,
    })
}
