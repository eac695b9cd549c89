//! The demo's city day on the embedded chain, checked against what the chain holds
//! afterwards (the `smartcity demo` story, scene by scene).

use interfaces::{
    market::{ReadingOutcome, RejectReason},
    parking::SensorOutcome,
    token::{PSP22Error, RetiredTotal, VoucherState},
    AccountId, CitizenStatus, DeviceStatus, RegistryError,
};
use smartcity_cli::demo;
use smartcity_sandbox::SandboxChain;
use smartcity_sdk::named_account;
use smartcity_suite::{artifacts, Code};

// from e2e/tests/sandbox/registry.rs
#[test]
fn demo_leaves_masked_citizens_and_commissioned_devices() {
    let mut chain = SandboxChain::new();
    let code = Code::load(&artifacts::default_dir()).unwrap();
    let mut narration = Vec::new();
    let suite = demo::deploy_city(&mut chain, &code, &mut narration).unwrap();
    let outcome = demo::identity_part(&mut chain, &suite, &mut narration).unwrap();
    let text = String::from_utf8(narration).unwrap();
    assert_eq!(outcome.citizens.len(), 3);
    assert!(outcome
        .citizens
        .iter()
        .all(|c| c.status == CitizenStatus::Active));
    assert_eq!(outcome.devices.len(), 4);
    assert!(outcome
        .devices
        .iter()
        .all(|d| d.active && d.status == DeviceStatus::Commissioned));
    assert_eq!(outcome.stranger_refusal, RegistryError::CallerNotCitizen);
    // national ids never leave the issuer
    assert!(!text.contains("IN-1984-000117"));
    assert!(text.contains("Citizens on chain"));
}

// from e2e/tests/sandbox/token.rs
#[test]
fn demo_city_day_mints_hands_over_a_voucher_and_retires() {
    let mut chain = SandboxChain::new();
    let code = Code::load(&artifacts::default_dir()).unwrap();
    let png = std::env::temp_dir().join(format!("e2e-demo-voucher-{}.png", std::process::id()));
    let mut narration = Vec::new();
    let city = demo::run(&mut chain, &code, &png, &mut narration).unwrap();
    std::fs::remove_file(&png).unwrap();
    assert_eq!(
        city.balances,
        vec![("asha", 4_700_000), ("ben", 5_000_000), ("steel-works", 0)]
    );
    assert_eq!(
        city.retired,
        RetiredTotal {
            amount: 6_000_000,
            grams_co2e: 4_200
        }
    );
    assert_eq!(
        city.stranger_refusal,
        PSP22Error::Custom("RecipientNotAllowed".into())
    );
    let voucher = city
        .token
        .voucher(&mut chain, city.voucher_id)
        .unwrap()
        .unwrap();
    assert!(
        matches!(voucher.state, VoucherState::Redeemed { by, .. } if by == named_account("ben"))
    );
    assert_eq!(city.token.total_supply(&mut chain).unwrap(), 9_700_000);
    // the voucher carried its part of the solar receipt to ben
    let text = String::from_utf8(narration).unwrap();
    assert!(text.contains("is now his: true"), "{text}");
}

// from e2e/tests/sandbox/market.rs
#[test]
fn demo_day_mints_bills_and_sells_energy() {
    let mut chain = SandboxChain::new();
    let code = Code::load(&artifacts::default_dir()).unwrap();
    let png = std::env::temp_dir().join(format!("e2e-market-demo-{}.png", std::process::id()));
    let mut narration = Vec::new();
    let city = demo::run(&mut chain, &code, &png, &mut narration).unwrap();
    std::fs::remove_file(&png).unwrap();
    let day = demo::market_part(&mut chain, &city, &mut narration).unwrap();
    let accepted = day
        .outcomes
        .iter()
        .filter(|o| matches!(o, ReadingOutcome::Accepted { .. }))
        .count();
    let baselines = day
        .outcomes
        .iter()
        .filter(|o| matches!(o, ReadingOutcome::Baseline))
        .count();
    assert_eq!((accepted, baselines), (3, 3));
    assert_eq!(
        day.outcomes[6..],
        [
            ReadingOutcome::Rejected(RejectReason::Replayed),
            ReadingOutcome::Rejected(RejectReason::StaleSeq)
        ]
    );
    // 5.5 kWh from 05:00 to 16:00, 1.5 of them in the 11:00-14:00 peak: 4 x 2 + 1.5 x 3
    assert!(matches!(
        day.outcomes[1],
        ReadingOutcome::Accepted {
            credits: 12_500_000,
            ..
        }
    ));
    // the EV's 3 kWh, co-signed, are ben's: 3 x 1.5
    assert!(matches!(
        day.outcomes[3],
        ReadingOutcome::Accepted {
            credits: 4_500_000,
            ..
        }
    ));
    assert_eq!(day.utility_credits, 4_500_000);
    assert_eq!(
        day.households,
        vec![
            ("asha", 16_025_000, 2_500),
            ("ben", 5_000_000, 0),
            ("chandra", 1_000_000, 2_000)
        ]
    );
}

// from e2e/tests/sandbox/parking.rs
#[test]
fn demo_morning_pays_the_shop_owner_and_reports_the_stranger() {
    let mut chain = SandboxChain::new();
    let code = Code::load(&artifacts::default_dir()).unwrap();
    let png = std::env::temp_dir().join(format!("e2e-parking-demo-{}.png", std::process::id()));
    let mut narration = Vec::new();
    let city = demo::run(&mut chain, &code, &png, &mut narration).unwrap();
    std::fs::remove_file(&png).unwrap();
    demo::market_part(&mut chain, &city, &mut narration).unwrap();
    let (chandra, treasury) = (named_account("chandra"), named_account("city-treasury"));
    let before = [
        city.token.balance_of(&mut chain, chandra).unwrap(),
        city.token.balance_of(&mut chain, treasury).unwrap(),
    ];
    let morning = demo::parking_part(&mut chain, &city, demo::Pace::Story, &mut narration).unwrap();
    assert_eq!(
        morning.reports,
        vec![
            SensorOutcome::CheckedIn {
                booking: morning.booking
            },
            // 10 minutes over at 1 SCP an hour
            SensorOutcome::CheckedOut {
                booking: morning.booking,
                overstay: 166_667
            },
            SensorOutcome::ViolationRecorded { index: 0 },
            SensorOutcome::NothingToClose,
        ]
    );
    // chandra: 3 SCP of escrow and the overstay, each less 5 %; the treasury the 5 %s
    let fee = 150_000 + 8_333;
    assert_eq!(morning.balances[0].1 - before[0], 3_000_000 + 166_667 - fee);
    assert_eq!(morning.balances[2].1 - before[1], fee);
    assert_eq!((morning.held, morning.escrow_total), (0, 0));
    let text = String::from_utf8(narration).unwrap();
    assert!(text.contains("violation #0 reported to chandra"));
}

// from e2e/tests/sandbox/fares.rs
#[test]
fn demo_morning_books_exact_fares_and_plans_departures() {
    let mut chain = SandboxChain::new();
    let code = Code::load(&artifacts::default_dir()).unwrap();
    let png = std::env::temp_dir().join(format!("e2e-fares-demo-{}.png", std::process::id()));
    let mut narration = Vec::new();
    let city = demo::run(&mut chain, &code, &png, &mut narration).unwrap();
    std::fs::remove_file(&png).unwrap();
    demo::market_part(&mut chain, &city, &mut narration).unwrap();
    demo::parking_part(&mut chain, &city, demo::Pace::Story, &mut narration).unwrap();
    let transit = demo::transit_part(&mut chain, &city, demo::Pace::Story, &mut narration).unwrap();
    // alighting at stage 5 costs 1.5 SCP, not the slab's 2
    assert!(transit.quotes.contains(&(0, 5, 1_500_000, 2_000_000)));
    // the 08:00 and 08:30 trips fill segments 2-4 after six riders each
    assert_eq!((transit.booked, transit.refused_full), (20, 4));
    assert!(transit.report.contains("route 0 at 07:00: 2 trips"));
    assert!(transit.report.contains("fewer departures: 2 -> 1"));
    assert!(transit.report.contains("more departures: 2 -> 3"));
}

/// One thing the chain must not hold: its bytes, and where they may appear all the same.
struct Needle {
    what: String,
    bytes: Vec<u8>,
    /// The contract whose storage and events may hold it (the registry's device records
    /// name the vehicles it registered), if any.
    allowed_in: Option<AccountId>,
}

/// Security review M-10, over the whole demo city: the day is played on the embedded
/// chain, then every storage entry of the five contracts (keys and values) and every
/// event they emitted is searched for the scenario's personal data: the residents' names
/// and national ids (plain, and as an unsalted hash anyone could try), the unregistered
/// car's plate (plain and hashed), a location finer than the 6-character geohash, the
/// vehicle's stable id outside the registry, and any commuter's account in the fare
/// contract (its riders are pseudonyms there; an account appears only as the payer of a
/// spending cap it set for an operator, in its entry and its `SpendingCapSet`: money it
/// authorized, like a token allowance). None is found.
#[test]
fn the_demo_city_keeps_no_personal_data_on_chain() {
    use smartcity_sdk::{blake2_256, device_id, Chain};
    let mut chain = SandboxChain::new();
    chain.keep_events();
    let code = Code::load(&artifacts::default_dir()).unwrap();
    let png = std::env::temp_dir().join(format!("e2e-privacy-demo-{}.png", std::process::id()));
    let mut narration = Vec::new();
    let city = demo::run(&mut chain, &code, &png, &mut narration).unwrap();
    std::fs::remove_file(&png).unwrap();
    let market = demo::market_part(&mut chain, &city, &mut narration).unwrap();
    let parking = demo::parking_part(&mut chain, &city, demo::Pace::Story, &mut narration).unwrap();
    let transit = demo::transit_part(&mut chain, &city, demo::Pace::Story, &mut narration).unwrap();
    let registry = city.identity.registry.address();
    let fares = transit.fares.address();
    let contracts = [
        registry,
        city.token.address(),
        market.market.address(),
        parking.parking.address(),
        fares,
    ];

    let mut needles = Vec::new();
    let mut never = |what: String, bytes: Vec<u8>| {
        needles.push(Needle {
            what,
            bytes,
            allowed_in: None,
        })
    };
    for name in ["asha", "Asha", "ben", "Ben", "chandra", "Chandra"] {
        never(format!("the name {name}"), name.as_bytes().to_vec());
    }
    let commuter_ids = (0..24).map(|n| format!("IN-COMMUTER-{n:02}"));
    let national_ids = ["IN-1984-000117", "IN-1991-004242", "IN-1979-000981"]
        .map(String::from)
        .into_iter()
        .chain(commuter_ids);
    for id in national_ids {
        never(format!("national id {id}"), id.as_bytes().to_vec());
        never(
            format!("unsalted hash of {id}"),
            blake2_256(id.as_bytes()).to_vec(),
        );
    }
    let plate = "KA-01-X-9999";
    never(format!("plate {plate}"), plate.as_bytes().to_vec());
    never(
        format!("hash of plate {plate}"),
        blake2_256(plate.as_bytes()).to_vec(),
    );
    never(
        format!("device id of plate {plate}"),
        device_id(plate).to_vec(),
    );
    for extra in "0123456789bcdefghjkmnpqrstuvwxyz".chars() {
        never(
            format!("a 7-character geohash tdr1v9{extra}"),
            format!("tdr1v9{extra}").into_bytes(),
        );
    }
    needles.push(Needle {
        what: "ben's EV's device id".into(),
        bytes: device_id("ben/ev").to_vec(),
        allowed_in: Some(registry),
    });

    let mut found = Vec::new();
    let mut search = |place: String, contract: AccountId, bytes: &[u8]| {
        for needle in &needles {
            let allowed = needle.allowed_in == Some(contract);
            if !allowed && bytes.windows(needle.bytes.len()).any(|w| w == needle.bytes) {
                found.push(format!("{} in {place}", needle.what));
            }
        }
    };
    let mut entries = 0;
    for contract in contracts {
        let storage = chain.contract_storage(contract);
        assert!(!storage.is_empty(), "a contract keeps something");
        entries += storage.len();
        for (key, value) in &storage {
            let place = format!("storage of {}", smartcity_sdk::ss58(&contract));
            search(format!("{place}, key {}", hex::encode(key)), contract, key);
            search(
                format!("{place}, value of key {}", hex::encode(key)),
                contract,
                value,
            );
        }
    }
    let events = chain.kept_events().to_vec();
    assert!(events.len() > 100, "{} events", events.len());
    for (i, event) in events.iter().enumerate() {
        let place = format!("event #{i} of {}", smartcity_sdk::ss58(&event.contract));
        for topic in &event.topics {
            search(format!("{place}, a topic"), event.contract, topic);
        }
        search(place, event.contract, &event.data);
    }

    // the fare contract's riders: no commuter's account in its events or values, and in
    // its keys only as the payer of a spending cap for the bus operator
    let bus = chain.account("city-bus");
    let riders: Vec<AccountId> = (0..24)
        .map(|n| chain.account(&format!("commuter-{n:02}")))
        .collect();
    let bytes_of = |account: &AccountId| -> [u8; 32] { *AsRef::<[u8; 32]>::as_ref(account) };
    let holds = |bytes: &[u8], rider: &AccountId| bytes.windows(32).any(|w| w == bytes_of(rider));
    for (key, value) in chain.contract_storage(fares) {
        for rider in &riders {
            if holds(&value, rider) {
                found.push(format!(
                    "a rider's account in the fare contract's value of {}",
                    hex::encode(&key)
                ));
            }
            // blake2-128 of the ink! key, its 4-byte root key, then (payer, payee)
            let cap = key.len() == 16 + 4 + 64
                && key[20..52] == bytes_of(rider)
                && key[52..] == bytes_of(&bus);
            if holds(&key, rider) && !cap {
                found.push(format!(
                    "a rider's account in the fare contract's key {}",
                    hex::encode(&key)
                ));
            }
        }
    }
    for event in events.iter().filter(|e| e.contract == fares) {
        // a rider's own spending cap for the operator, as its storage entry
        let decoded = smartcity_sdk::fares::fare_events(fares, std::slice::from_ref(event));
        if let [smartcity_sdk::fares::FareEvent::SpendingCapSet(cap)] = &decoded[..] {
            if cap.payee == bus {
                continue;
            }
        }
        for rider in &riders {
            if holds(&event.data, rider) || event.topics.iter().any(|t| holds(t, rider)) {
                found.push(format!(
                    "a rider's account in a fare contract event {}",
                    hex::encode(&event.data)
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "{} findings:\n{}",
        found.len(),
        found.join("\n")
    );
    // what was scanned, for the record
    eprintln!(
        "scanned {entries} storage entries and {} events",
        events.len()
    );
}
