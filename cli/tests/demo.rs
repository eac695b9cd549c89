//! The demo's city day on the embedded chain, checked against what the chain holds
//! afterwards (the `smartcity demo` story, scene by scene).

use interfaces::{
    market::{ReadingOutcome, RejectReason},
    parking::SensorOutcome,
    token::{PSP22Error, RetiredTotal, VoucherState},
    CitizenStatus, DeviceStatus, RegistryError,
};
use smartcity_cli::demo;
use smartcity_sandbox::SandboxChain;
use smartcity_sdk::named_account;
use smartcity_suite::{artifacts, Code};

// from e2e/tests/sandbox/registry.rs
#[test]
fn demo_leaves_masked_citizens_and_commissioned_devices() {
    let mut chain = SandboxChain::new();
    let wasm = artifacts::wasm(&artifacts::default_dir(), "identity_registry").unwrap();
    let mut narration = Vec::new();
    let outcome = demo::identity_part(&mut chain, &wasm, &mut narration).unwrap();
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
    let day = demo::market_part(&mut chain, &code, &city, &mut narration).unwrap();
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
    demo::market_part(&mut chain, &code, &city, &mut narration).unwrap();
    let (chandra, treasury) = (named_account("chandra"), named_account("city-treasury"));
    let before = [
        city.token.balance_of(&mut chain, chandra).unwrap(),
        city.token.balance_of(&mut chain, treasury).unwrap(),
    ];
    let morning =
        demo::parking_part(&mut chain, &code, &city, demo::Pace::Story, &mut narration).unwrap();
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
    demo::market_part(&mut chain, &code, &city, &mut narration).unwrap();
    demo::parking_part(&mut chain, &code, &city, demo::Pace::Story, &mut narration).unwrap();
    let transit =
        demo::transit_part(&mut chain, &code, &city, demo::Pace::Story, &mut narration).unwrap();
    // alighting at stage 5 costs 1.5 SCP, not the slab's 2
    assert!(transit.quotes.contains(&(0, 5, 1_500_000, 2_000_000)));
    // the 08:00 and 08:30 trips fill segments 2-4 after six riders each
    assert_eq!((transit.booked, transit.refused_full), (20, 4));
    assert!(transit.report.contains("route 0 at 07:00: 2 trips"));
    assert!(transit.report.contains("fewer departures: 2 -> 1"));
    assert!(transit.report.contains("more departures: 2 -> 3"));
}
