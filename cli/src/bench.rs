//! Weight of each registry message on the sandbox chain (ref_time, proof_size), measured
//! once per message in a populated registry. A benchmark, not a test: it prints a table.

use anyhow::anyhow;
use interfaces::{
    CitizenStatus, DataCategory, DeviceKind, RegistryError, RegistryRole, MAX_QUERY_BATCH,
};
use smartcity_sdk::{
    chain::{Chain, Weight},
    device_id,
    keys::DeviceSigner,
    named_account,
    registry::RegistryClient,
    ClientError, Receipt,
};

/// One measured message.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub message: String,
    pub weight: Weight,
}

const CITIZENS: usize = 8;
const DEVICES_PER_CITIZEN: usize = 16;
/// What the operator commissions the bench's meters with: solar, the market's default rating.
const SOLAR: interfaces::EnergyProfile = interfaces::EnergyProfile {
    source: interfaces::EnergySource::Solar,
    rated_w: 0,
};

fn weigh<T>(
    table: &mut Vec<Measurement>,
    message: impl Into<String>,
    result: Result<Receipt<T>, ClientError<RegistryError>>,
) -> anyhow::Result<T> {
    let message = message.into();
    let receipt = result.map_err(|e| anyhow!("{message}: {e}"))?;
    table.push(Measurement {
        message,
        weight: receipt.weight,
    });
    Ok(receipt.value)
}

/// Deploys a registry, fills it with `CITIZENS` x `DEVICES_PER_CITIZEN` devices, and
/// weighs every message.
pub fn registry<C: Chain>(chain: &mut C, registry_wasm: &[u8]) -> anyhow::Result<Vec<Measurement>> {
    let mut table = Vec::new();
    let admin = named_account("bench/admin");
    let issuer = named_account("bench/issuer");
    let operator = named_account("bench/operator");
    let registry = weigh(
        &mut table,
        "new (constructor)",
        RegistryClient::deploy(
            chain,
            admin,
            registry_wasm,
            DEVICES_PER_CITIZEN as u32,
            b"bench".to_vec(),
        ),
    )?;
    weigh(
        &mut table,
        "grant_role",
        registry.grant_role(chain, admin, RegistryRole::Issuer, issuer),
    )?;
    registry
        .grant_role(chain, admin, RegistryRole::Operator, operator)
        .map_err(|e| anyhow!("{e}"))?;

    let mut accounts = Vec::new();
    let mut devices = Vec::new();
    for c in 0..CITIZENS {
        let account = named_account(&format!("bench/citizen-{c}"));
        let id = smartcity_sdk::blake2_256(format!("bench/vid-{c}").as_bytes());
        let result = registry.register_citizen(chain, issuer, id, account);
        if c == 0 {
            weigh(&mut table, "register_citizen", result)?;
        } else {
            result.map_err(|e| anyhow!("{e}"))?;
        }
        accounts.push(account);
        for d in 0..DEVICES_PER_CITIZEN {
            let label = format!("bench/{c}/{d}");
            let device = device_id(&label);
            let key = DeviceSigner::from_seed(&label).public_key();
            let registered =
                registry.register_device(chain, account, device, DeviceKind::Meter, key, [7; 32]);
            let commissioned = registered
                .and_then(|_| registry.commission_device(chain, operator, device, Some(SOLAR)));
            if c == 0 && d == 0 {
                // re-run on a fresh id to weigh each step on its own
                let probe = device_id("bench/probe");
                let probe_key = DeviceSigner::from_seed("bench/probe").public_key();
                registry
                    .set_max_devices_per_citizen(chain, admin, DEVICES_PER_CITIZEN as u32 + 1)
                    .map_err(|e| anyhow!("{e}"))?;
                weigh(
                    &mut table,
                    "register_device",
                    registry.register_device(
                        chain,
                        account,
                        probe,
                        DeviceKind::Meter,
                        probe_key,
                        [7; 32],
                    ),
                )?;
                weigh(
                    &mut table,
                    "commission_device",
                    registry.commission_device(chain, operator, probe, Some(SOLAR)),
                )?;
                let rotated = DeviceSigner::from_seed("bench/probe/2").public_key();
                weigh(
                    &mut table,
                    "rotate_device_key",
                    registry.rotate_device_key(chain, account, probe, rotated),
                )?;
                weigh(
                    &mut table,
                    "revoke_device",
                    registry.revoke_device(chain, account, probe),
                )?;
                weigh(
                    &mut table,
                    "set_max_devices_per_citizen",
                    registry.set_max_devices_per_citizen(chain, admin, DEVICES_PER_CITIZEN as u32),
                )?;
            }
            commissioned.map_err(|e| anyhow!("{e}"))?;
            devices.push(device);
        }
    }

    let first = accounts[0];
    let service = named_account("bench/service");
    let now = chain.now_ms();
    weigh(
        &mut table,
        "grant_consent",
        registry.grant_consent(
            chain,
            first,
            service,
            DataCategory::EnergyReadings,
            now + 1_000_000,
        ),
    )?;
    weigh(
        &mut table,
        "anchor_record",
        registry.anchor_record(chain, issuer, [1; 32], [2; 32]),
    )?;
    weigh(
        &mut table,
        "set_citizen_status (suspend)",
        registry.set_citizen_status(
            chain,
            issuer,
            smartcity_sdk::blake2_256(b"bench/vid-1"),
            CitizenStatus::Suspended,
        ),
    )?;
    weigh(
        &mut table,
        "move_citizen",
        registry.move_citizen(
            chain,
            admin,
            smartcity_sdk::blake2_256(b"bench/vid-2"),
            named_account("bench/new-account"),
        ),
    )?;
    registry
        .set_max_devices_per_citizen(chain, admin, DEVICES_PER_CITIZEN as u32 + 1)
        .map_err(|e| anyhow!("{e}"))?;
    weigh(
        &mut table,
        "transfer_device",
        registry.transfer_device(chain, first, devices[0], accounts[3]),
    )?;
    weigh(
        &mut table,
        "revoke_consent",
        registry.revoke_consent(chain, first, service, DataCategory::EnergyReadings),
    )?;

    // Queries, as a consumer contract would call them through the trait.
    let batch = MAX_QUERY_BATCH as usize;
    weigh(
        &mut table,
        "IdentityRegistry::are_active (10 accounts)",
        registry.are_active(chain, cycle(&accounts, 10)),
    )?;
    weigh(
        &mut table,
        format!("IdentityRegistry::are_active ({batch} accounts)"),
        registry.are_active(chain, cycle(&accounts, batch)),
    )?;
    weigh(
        &mut table,
        "IdentityRegistry::devices (10 ids)",
        registry.devices(chain, devices[..10].to_vec()),
    )?;
    weigh(
        &mut table,
        format!("IdentityRegistry::devices ({batch} ids)"),
        registry.devices(chain, cycle(&devices, batch)),
    )?;
    for (message, weight) in single_query_weights(&registry, chain, first, devices[1])? {
        table.push(Measurement { message, weight });
    }
    Ok(table)
}

/// A client result as an `anyhow` error naming the step that failed.
fn ok<T, E: std::fmt::Debug>(what: &str, r: Result<T, ClientError<E>>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow!("{what}: {e}"))
}

fn cycle<T: Copy>(items: &[T], n: usize) -> Vec<T> {
    items.iter().copied().cycle().take(n).collect()
}

/// Weights of the registry's single-item trait queries (`is_active`, `device`,
/// `has_consent`).
fn single_query_weights<C: Chain>(
    registry: &RegistryClient,
    chain: &mut C,
    account: interfaces::AccountId,
    device: interfaces::DeviceId,
) -> anyhow::Result<Vec<(String, Weight)>> {
    use smartcity_sdk::contract::selector;
    let mut out = Vec::new();
    let calls: [(&str, Vec<u8>); 3] = [
        (
            "IdentityRegistry::is_active",
            scale::Encode::encode(&account),
        ),
        ("IdentityRegistry::device", scale::Encode::encode(&device)),
        (
            "IdentityRegistry::has_consent",
            scale::Encode::encode(&(account, account, DataCategory::Mobility)),
        ),
    ];
    for (name, args) in calls {
        let mut input = selector(name).to_vec();
        input.extend(args);
        let report = chain.query(account, registry.address(), input)?;
        out.push((name.to_string(), report.weight));
    }
    Ok(out)
}

/// The table in Markdown, as the README carries it.
pub fn markdown(table: &[Measurement]) -> String {
    let mut text = String::from("| message | ref_time | proof_size |\n|---|---:|---:|\n");
    for m in table {
        text.push_str(&format!(
            "| `{}` | {} | {} |\n",
            m.message,
            group(m.weight.ref_time),
            group(m.weight.proof_size)
        ));
    }
    text
}

/// 1234567 -> "1,234,567".
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Weights of the credit token's main messages, gated and ungated, and (when its code is
/// given) of the `psp22` crate's own example token's `transfer` in the same sandbox run.
pub fn token<C: Chain>(
    chain: &mut C,
    registry_wasm: &[u8],
    token_wasm: &[u8],
    reference_psp22: Option<&[u8]>,
) -> anyhow::Result<Vec<Measurement>> {
    use interfaces::{
        token::{Earning, Mint, TokenRole},
        EnergySource,
    };
    use smartcity_sdk::{
        contract::{input, selector},
        token::{TokenClient, TokenConfig},
        voucher::{one_time_key, sign_redemption},
    };
    let mut table = Vec::new();
    let admin = named_account("bench/token-admin");
    let issuer = named_account("bench/token-issuer");
    let minter = named_account("bench/market");
    let (alice, bob) = (named_account("bench/alice"), named_account("bench/bob"));
    let registry = ok(
        "deploy registry",
        RegistryClient::deploy(chain, admin, registry_wasm, 4, b"token-bench".to_vec()),
    )?
    .value;
    ok(
        "issuer",
        registry.grant_role(chain, admin, RegistryRole::Issuer, issuer),
    )?;
    for (n, account) in [alice, bob].into_iter().enumerate() {
        ok(
            "citizen",
            registry.register_citizen(chain, issuer, [n as u8 + 1; 32], account),
        )?;
    }
    let earning = Earning {
        device: [9; 32],
        source: EnergySource::Solar,
        period_start_ms: 0,
        period_end_ms: 900_000,
        energy_wh: 5_000,
    };
    for (label, gating) in [("ungated", None), ("gated", Some(registry.address()))] {
        let token = ok(
            "deploy token",
            TokenClient::deploy(
                chain,
                admin,
                token_wasm,
                TokenConfig::city(gating),
                label.as_bytes().to_vec(),
            ),
        )?
        .value;
        ok(
            "minter",
            token.grant_role(chain, admin, TokenRole::Minter, minter),
        )?;
        ok(
            "co2e rate",
            token.set_co2e_rate(chain, admin, smartcity_suite::CO2E_GRAMS_PER_CREDIT),
        )?;
        let mint = |to| Mint {
            to,
            amount: 1_000_000,
            earning: earning.clone(),
        };
        let one = ok("mint 1", token.mint_batch(chain, minter, vec![mint(alice)]))?;
        let ten = ok(
            "mint 10",
            token.mint_batch(chain, minter, (0..10).map(|_| mint(alice)).collect()),
        )?;
        let full = ok(
            "mint 64",
            token.mint_batch(chain, minter, (0..64).map(|_| mint(alice)).collect()),
        )?;
        let transfer = ok("transfer", token.transfer(chain, alice, bob, 10, vec![]))?;
        table.push(Measurement {
            message: format!("PSP22::transfer ({label})"),
            weight: transfer.weight,
        });
        if label == "gated" {
            continue;
        }
        table.push(Measurement {
            message: "CreditMinter::mint_batch (1 mint)".into(),
            weight: one.weight,
        });
        table.push(Measurement {
            message: "CreditMinter::mint_batch (10 mints)".into(),
            weight: ten.weight,
        });
        table.push(Measurement {
            message: "CreditMinter::mint_batch (64 mints)".into(),
            weight: full.weight,
        });
        let approve = ok("approve", token.approve(chain, alice, bob, 100))?;
        table.push(Measurement {
            message: "PSP22::approve".into(),
            weight: approve.weight,
        });
        let claim = interfaces::token::RetirementClaim {
            beneficiary: alice,
            grams_co2e: 70,
            purpose_hash: [1; 32],
            period_start_ms: 0,
            period_end_ms: 1,
            receipts: vec![],
        };
        let retire = ok("retire", token.retire(chain, alice, 100_000, claim))?;
        table.push(Measurement {
            message: "retire".into(),
            weight: retire.weight,
        });
        let (secret, key) = one_time_key();
        let created = ok(
            "voucher",
            token.create_voucher(chain, alice, 500, key, u64::MAX, vec![one.value[0]]),
        )?;
        table.push(Measurement {
            message: "create_voucher (1 receipt)".into(),
            weight: created.weight,
        });
        let token_at = ok("chain", token.deployment(chain))?;
        let signature = sign_redemption(&secret, &token_at, created.value, &bob);
        let redeemed = ok(
            "redeem",
            token.redeem_voucher(chain, bob, created.value, signature),
        )?;
        table.push(Measurement {
            message: "redeem_voucher (ecdsa_recover)".into(),
            weight: redeemed.weight,
        });
        let balance =
            token
                .handle
                .read::<_, _, u128, ()>(chain, alice, selector("PSP22::balance_of"), alice);
        table.push(Measurement {
            message: "PSP22::balance_of".into(),
            weight: ok("balance", balance)?.weight,
        });
    }
    if let Some(code) = reference_psp22 {
        // The crate's example: `new(supply, name, symbol, decimals)` mints the supply to the caller.
        let args = (1_000_000u128, None::<String>, None::<String>, 0u8);
        let (address, _) = chain.instantiate(
            alice,
            code,
            input(selector("new"), args),
            b"reference".to_vec(),
        )?;
        let reference = smartcity_sdk::ContractHandle { address };
        let transfer: Receipt<()> = ok(
            "reference transfer",
            reference.call::<_, _, (), interfaces::token::PSP22Error>(
                chain,
                alice,
                selector("PSP22::transfer"),
                (bob, 10u128, Vec::<u8>::new()),
            ),
        )?;
        table.push(Measurement {
            message: "PSP22::transfer (psp22 crate's example token)".into(),
            weight: transfer.weight,
        });
    }
    Ok(table)
}

/// A city of its own for one benchmark, deployed and wired as every application deploys
/// it (`smartcity_suite::deploy_salted`, with `name` as the salt), and the accounts of its
/// set-up: what the benchmarks of the market, the rental and the fare contract start from.
struct Base {
    suite: smartcity_suite::Suite,
    admin: interfaces::AccountId,
    issuer: interfaces::AccountId,
    operator: interfaces::AccountId,
    registry: RegistryClient,
    token: smartcity_sdk::token::TokenClient,
}

fn base<C: Chain>(
    chain: &mut C,
    code: &smartcity_suite::Code,
    name: &str,
    market: interfaces::market::MarketConfig,
) -> anyhow::Result<Base> {
    use smartcity_suite::accounts;
    let suite = smartcity_suite::deploy_salted(chain, code, market, name.as_bytes())?;
    Ok(Base {
        suite,
        admin: accounts::admin(chain),
        issuer: accounts::issuer(chain),
        operator: accounts::operator(chain),
        registry: RegistryClient::at(suite.registry),
        token: smartcity_sdk::token::TokenClient::at(suite.token),
    })
}

/// What `submit_readings` weighs, and what it means per block.
#[derive(Debug, Clone)]
pub struct MarketBench {
    pub table: Vec<Measurement>,
    /// Marginal weight of one `ecdsa_recover` (probe: 100 recoveries less 1, over 99).
    pub per_recover: Weight,
    /// For full batches whose readings come from so many households (one meter each):
    /// the readings one block takes (as many whole calls as fit its ref_time and proof).
    pub per_block: Vec<PerBlock>,
    /// `claim` and `settle` over pages of households (one earning each).
    pub settles: Vec<Measurement>,
    /// The bare limit: 1.5 s of ref_time over one `ecdsa_recover`.
    pub recover_limit_per_block: u64,
}

/// Readings per block for full batches of one mix of households, as many whole calls as
/// fit: on a solo chain (a city's own, contracts-node) 1.5 s of ref_time, proof unbounded;
/// on a parachain also at most 3.75 MiB of proof.
#[derive(Debug, Clone, Copy)]
pub struct PerBlock {
    pub households: usize,
    /// What the households' accounts were like (empty: a mix, or created by the call).
    pub note: &'static str,
    pub batch: usize,
    pub weight: Weight,
    pub solo: u64,
    pub parachain: u64,
}

impl PerBlock {
    fn new(households: usize, batch: usize, weight: Weight) -> Self {
        let by_time = smartcity_sandbox::BLOCK_REF_TIME / weight.ref_time.max(1);
        let by_proof = smartcity_sandbox::BLOCK_PROOF_SIZE / weight.proof_size.max(1);
        Self {
            households,
            note: "",
            batch,
            weight,
            solo: by_time * batch as u64,
            parachain: by_time.min(by_proof) * batch as u64,
        }
    }
}

/// Weighs `submit_readings` for batches of distinct households' meters (the worst case:
/// one mint per reading) and for one batch of a few meters (aggregated mints), and the
/// bare `ecdsa_recover` of the probe fixture.
pub fn market<C: Chain>(
    chain: &mut C,
    code: &smartcity_suite::Code,
    probe_wasm: &[u8],
) -> anyhow::Result<MarketBench> {
    use interfaces::{
        market::{MarketConfig, SourceFactors, MAX_READINGS_PER_CALL},
        EnergySource,
    };
    use smartcity_sdk::{
        contract::{input, selector},
        market::MarketClient,
        meter::MeterSimulator,
    };
    let max = MAX_READINGS_PER_CALL as usize;
    let admin = smartcity_suite::accounts::admin(chain);
    let relay = named_account("bench/relay");
    let config = MarketConfig {
        factors: SourceFactors {
            solar: 2_000_000,
            wind: 1_800_000,
            hydro: 1_000_000,
            vehicle: 1_500_000,
            other: 500_000,
        },
        peak_windows: vec![],
        tariff_per_kwh: 3_000_000,
        utility: named_account("bench/utility"),
        fee_bps: 0,
        fee_account: admin,
        max_batch: MAX_READINGS_PER_CALL,
        max_interval_ms: 24 * 3_600_000,
        // the bench packs a meter's readings half a second apart: no rating in the way
        default_ratings: interfaces::market::DefaultRatings {
            meter_w: u32::MAX,
            charger_w: u32::MAX,
        },
    };
    let Base {
        suite,
        issuer,
        operator,
        registry,
        ..
    } = base(chain, code, "market", config)?;
    let market = MarketClient::at(suite.market);
    // one household per meter; the most households a block can pay in one call is below 400
    const HOUSEHOLDS: usize = 256;
    let market_at = ok("chain", market.deployment(chain))?;
    let mut meters = Vec::with_capacity(HOUSEHOLDS);
    for n in 0..HOUSEHOLDS {
        let owner = named_account(&format!("bench/household-{n}"));
        ok(
            "citizen",
            registry.register_citizen(
                chain,
                issuer,
                smartcity_sdk::blake2_256(format!("bench/hh-{n}").as_bytes()),
                owner,
            ),
        )?;
        let label = format!("bench/meter-{n}");
        let meter = MeterSimulator::new(
            smartcity_sdk::device_id(&label),
            DeviceSigner::from_seed(&label),
            market_at,
            EnergySource::Solar,
        );
        ok(
            "device",
            registry.register_device(
                chain,
                owner,
                meter.device,
                DeviceKind::Meter,
                meter.public_key(),
                [0; 32],
            ),
        )?;
        ok(
            "commission",
            registry.commission_device(chain, operator, meter.device, Some(meter.profile())),
        )?;
        meters.push(meter);
    }
    let mut table = Vec::new();
    let mut per_block = Vec::new();
    let now = chain.now_ms();
    let mut period = now - 24 * 3_600_000;
    // every meter's baseline first: what is measured below is differences
    let baselines = meters.iter_mut().map(|m| m.read(period, 0, 0)).collect();
    ok("baselines", market.submit_readings(chain, relay, baselines))?;
    // distinct households: one reading of each of the first `size` meters, a quarter
    // hour after the last
    let mut distinct = |chain: &mut C, size: usize| -> anyhow::Result<Weight> {
        period += 900_000;
        let batch = meters[..size]
            .iter_mut()
            .map(|m| m.read(period, 0, 1_000))
            .collect();
        Ok(ok("submit", market.submit_readings(chain, relay, batch))?.weight)
    };
    for size in [1usize, 10, 100, HOUSEHOLDS] {
        let weight = distinct(chain, size)?;
        table.push(Measurement {
            message: format!(
                "EnergyMarket::submit_readings ({size} readings of {size} households)"
            ),
            weight,
        });
        if size == HOUSEHOLDS {
            per_block.push(PerBlock::new(size, size, weight));
        }
    }
    // the same households again: each account now exists (the steady state of a city
    // whose households were credited before), where the first time creates it
    let weight = distinct(chain, HOUSEHOLDS)?;
    table.push(Measurement {
        message: format!(
            "EnergyMarket::submit_readings ({HOUSEHOLDS} readings of {HOUSEHOLDS} households, each credited before)"
        ),
        weight,
    });
    per_block.push(PerBlock {
        note: " (credited before)",
        ..PerBlock::new(HOUSEHOLDS, HOUSEHOLDS, weight)
    });
    // the accruals minted: one household's claim, then pages of the others settled
    let mut settles = Vec::new();
    let claimed = ok(
        "claim",
        market.claim(chain, named_account("bench/household-0")),
    )?;
    settles.push(Measurement {
        message: "claim (1 household, 1 earning)".into(),
        weight: claimed.weight,
    });
    let mut next = 1;
    for page in [1usize, 16, 64] {
        let accounts = (next..next + page)
            .map(|n| named_account(&format!("bench/household-{n}")))
            .collect();
        next += page;
        let settled = ok("settle", market.settle(chain, relay, accounts))?;
        anyhow::ensure!(settled.value as usize == page, "settle skipped households");
        settles.push(Measurement {
            message: format!("settle ({page} households, 1 earning each)"),
            weight: settled.weight,
        });
    }
    // full batches from fewer households: a relay batching its meters' readings
    for (batch_size, households) in [
        (max, HOUSEHOLDS),
        (max, 64),
        (max, 16),
        (max, 4),
        (max, 1),
        (256, 4),
        (64, 4),
    ] {
        period += 900_000;
        let batch = (0..batch_size)
            .map(|i| {
                let at = period + (i / households) as u64 * 500;
                meters[i % households].read(at, 0, 100)
            })
            .collect();
        let receipt = ok("submit", market.submit_readings(chain, relay, batch))?;
        table.push(Measurement {
            message: format!(
                "EnergyMarket::submit_readings ({batch_size} readings of {households} households)"
            ),
            weight: receipt.weight,
        });
        per_block.push(PerBlock::new(households, batch_size, receipt.weight));
    }

    // the bare limit: one recovery, measured on a contract that does nothing else
    let signer = DeviceSigner::from_seed("bench/probe");
    let digest = smartcity_sdk::blake2_256(b"probe");
    let signature = signer.sign_digest(&digest);
    let (probe, _) = chain.instantiate(admin, probe_wasm, input(selector("new"), ()), vec![])?;
    let mut weigh_probe = |times: u32| -> anyhow::Result<Weight> {
        let report = chain.query(
            admin,
            probe,
            input(selector("recover"), (signature, digest, times)),
        )?;
        Ok(report.weight)
    };
    let (one, hundred) = (weigh_probe(1)?, weigh_probe(100)?);
    let per_recover = Weight {
        ref_time: (hundred.ref_time - one.ref_time) / 99,
        proof_size: (hundred.proof_size - one.proof_size) / 99,
    };
    table.push(Measurement {
        message: "ecdsa_probe::recover (1 recovery, whole call)".into(),
        weight: one,
    });
    table.push(Measurement {
        message: "one ecdsa_recover (marginal, from 100)".into(),
        weight: per_recover,
    });

    Ok(MarketBench {
        table,
        per_recover,
        per_block,
        settles,
        recover_limit_per_block: smartcity_sandbox::BLOCK_REF_TIME / per_recover.ref_time.max(1),
    })
}

/// Weighs the parking rental's main messages: `list_space`, `book`, `cancel`, a sensor
/// check-in and check-out, and `free_spaces` over 10 and over 100 listed spaces (one page
/// of at most `MAX_PAGE` spaces per call, so 100 spaces take four calls).
pub fn parking<C: Chain>(
    chain: &mut C,
    code: &smartcity_suite::Code,
) -> anyhow::Result<Vec<Measurement>> {
    use interfaces::{
        parking::{Availability, SpaceTerms, MAX_PAGE},
        token::{Earning, TokenRole},
        EnergySource,
    };
    use smartcity_sdk::parking::{ParkingClient, SensorSimulator};
    const HOUR: u64 = 3_600_000;
    const SPACES: usize = 100;
    let market = smartcity_suite::market_config(chain);
    let Base {
        suite,
        admin,
        issuer,
        operator,
        registry,
        token,
    } = base(chain, code, "parking", market)?;
    let (minter, renter) = (
        named_account("bench/p-minter"),
        named_account("bench/renter"),
    );
    ok(
        "minter",
        token.grant_role(chain, admin, TokenRole::Minter, minter),
    )?;
    // the city's terms: 5 % to the treasury, 20 % inside the hour before a booking
    let parking = ParkingClient::at(suite.parking);
    let citizen = |chain: &mut C, name: &str| -> anyhow::Result<interfaces::AccountId> {
        let account = named_account(name);
        ok(
            "citizen",
            registry.register_citizen(
                chain,
                issuer,
                smartcity_sdk::blake2_256(name.as_bytes()),
                account,
            ),
        )?;
        Ok(account)
    };
    let terms = SpaceTerms {
        geohash: b"tdr1v9".to_vec(),
        price_per_hour: 1_200_000,
        min_minutes: 30,
        max_minutes: 8 * 60,
        windows: vec![Availability {
            start_minute: 0,
            end_minute: 1_440,
        }],
    };
    let mut table = Vec::new();
    let parking_at = ok("chain", parking.deployment(chain))?;
    let mut sensors = Vec::with_capacity(SPACES);
    for n in 0..SPACES {
        let owner = citizen(chain, &format!("bench/shop-{n}"))?;
        let label = format!("bench/bay-{n}");
        let sensor = SensorSimulator::new(
            device_id(&label),
            DeviceSigner::from_seed(&label),
            parking_at,
        );
        ok(
            "sensor",
            registry.register_device(
                chain,
                owner,
                sensor.sensor,
                DeviceKind::ParkingSensor,
                sensor.public_key(),
                [0; 32],
            ),
        )?;
        ok(
            "commission",
            registry.commission_device(chain, operator, sensor.sensor, None),
        )?;
        let listed = ok(
            "list",
            parking.list_space(chain, owner, sensor.sensor, terms.clone()),
        )?;
        if n == 0 {
            table.push(Measurement {
                message: "list_space".into(),
                weight: listed.weight,
            });
        }
        sensors.push(sensor);
    }
    citizen(chain, "bench/renter")?;
    let car = device_id("bench/renter-car");
    ok(
        "car",
        registry.register_device(
            chain,
            renter,
            car,
            DeviceKind::Vehicle,
            DeviceSigner::from_seed("bench/renter-car").public_key(),
            [0; 32],
        ),
    )?;
    ok(
        "commission car",
        registry.commission_device(chain, operator, car, None),
    )?;
    let earning = Earning {
        device: car,
        source: EnergySource::Solar,
        period_start_ms: 0,
        period_end_ms: 1,
        energy_wh: 1,
    };
    ok(
        "fund",
        token.mint_with_receipt(chain, minter, renter, 1_000_000_000, earning),
    )?;
    ok(
        "approve",
        token.approve(chain, renter, parking.address(), u128::MAX),
    )?;

    let now = chain.now_ms();
    let start = now + 2 * HOUR;
    // a first booking on space 0, so the measured one checks an overlap
    ok(
        "book",
        parking.book(chain, renter, 0, Some(car), start, start + HOUR),
    )?;
    let booked = ok(
        "book",
        parking.book(chain, renter, 0, Some(car), start + HOUR, start + 2 * HOUR),
    )?;
    table.push(Measurement {
        message: "book (named vehicle, one booking to check)".into(),
        weight: booked.weight,
    });
    let cancelled = ok("cancel", parking.cancel(chain, renter, booked.value))?;
    table.push(Measurement {
        message: "cancel".into(),
        weight: cancelled.weight,
    });
    chain.wait_until_ms(start + 60_000)?;
    let gateway = named_account("bench/gateway");
    let arrived = sensors[0].arrived(car, start + 30_000);
    let checked_in = ok("check in", parking.report(chain, gateway, arrived))?;
    table.push(Measurement {
        message: "report (sensor check-in)".into(),
        weight: checked_in.weight,
    });
    chain.wait_until_ms(start + HOUR + 11 * 60_000)?;
    let left = sensors[0].left(car, start + HOUR + 10 * 60_000);
    let checked_out = ok("check out", parking.report(chain, gateway, left))?;
    table.push(Measurement {
        message: "report (sensor check-out: settlement and overstay)".into(),
        weight: checked_out.weight,
    });

    let (from, to) = (start + 3 * HOUR, start + 4 * HOUR);
    let page = |chain: &mut C, from_id: u64, limit: u32| {
        ok(
            "free_spaces",
            parking
                .handle
                .read_fallible::<_, _, (Vec<u64>, u64), interfaces::parking::ParkingError>(
                    chain,
                    renter,
                    smartcity_sdk::contract::selector("free_spaces"),
                    (from, to, from_id, limit),
                ),
        )
    };
    table.push(Measurement {
        message: "free_spaces (10 listed spaces, one call)".into(),
        weight: page(chain, 0, 10)?.weight,
    });
    let mut total = Weight::default();
    let mut from_id = 0;
    let mut calls = 0;
    while (from_id as usize) < SPACES {
        let receipt = page(chain, from_id, MAX_PAGE)?;
        total.ref_time += receipt.weight.ref_time;
        total.proof_size += receipt.weight.proof_size;
        from_id = receipt.value.1;
        calls += 1;
    }
    table.push(Measurement {
        message: format!("free_spaces (100 listed spaces: {calls} calls of {MAX_PAGE}, summed)"),
        weight: total,
    });
    Ok(table)
}

/// Weighs the fare contract: `book_ticket` for a ride of 2 stops (one segment counter)
/// and of 30 stages (thirty counters, a 31-stop route), `cancel_ticket`, a validator's
/// boarding and a tap-out.
pub fn fares<C: Chain>(
    chain: &mut C,
    code: &smartcity_suite::Code,
) -> anyhow::Result<Vec<Measurement>> {
    use interfaces::{
        fares::{FareRule, Slab, ValidatorAction, ValidatorOutcome},
        token::{Earning, TokenRole},
        EnergySource,
    };
    use smartcity_sdk::fares::{FareClient, ValidatorSimulator};
    const HOUR: u64 = 3_600_000;
    let market = smartcity_suite::market_config(chain);
    let Base {
        suite,
        admin,
        issuer,
        operator,
        registry,
        token,
    } = base(chain, code, "fares", market)?;
    let (minter, bus, rider) = (
        named_account("bench/f-minter"),
        named_account("bench/bus"),
        named_account("bench/rider"),
    );
    for (name, account) in [("bench/bus", bus), ("bench/rider", rider)] {
        ok(
            "citizen",
            registry.register_citizen(
                chain,
                issuer,
                smartcity_sdk::blake2_256(name.as_bytes()),
                account,
            ),
        )?;
    }
    ok(
        "minter",
        token.grant_role(chain, admin, TokenRole::Minter, minter),
    )?;
    let fares = FareClient::at(suite.fares);
    ok("operator role", fares.set_operator(chain, admin, bus, true))?;
    let earning = Earning {
        device: [0; 32],
        source: EnergySource::Other,
        period_start_ms: 0,
        period_end_ms: 1,
        energy_wh: 0,
    };
    for who in [bus, rider] {
        ok(
            "fund",
            token.mint_with_receipt(chain, minter, who, 1_000_000_000, earning.clone()),
        )?;
        ok(
            "approve",
            token.approve(chain, who, fares.address(), u128::MAX),
        )?;
    }
    let mut validator = ValidatorSimulator::new(
        device_id("bench/validator"),
        DeviceSigner::from_seed("bench/validator"),
        ok("chain", fares.deployment(chain))?,
    );
    ok(
        "validator",
        registry.register_device(
            chain,
            bus,
            validator.validator,
            DeviceKind::TransitValidator,
            validator.public_key(),
            [0; 32],
        ),
    )?;
    ok(
        "commission",
        registry.commission_device(chain, operator, validator.validator, None),
    )?;
    let stops = (0..31).map(|i| format!("stop {i}").into_bytes()).collect();
    let rule = FareRule {
        slabs: vec![
            Slab {
                up_to_stages: 3,
                fare: 1_000_000,
            },
            Slab {
                up_to_stages: 30,
                fare: 5_000_000,
            },
        ],
    };
    let route = ok(
        "route",
        fares.add_route(chain, bus, stops, rule, 1_000, HOUR),
    )?
    .value;
    let departure = chain.now_ms() + 2 * HOUR;
    let trip = ok("trip", fares.add_trip(chain, bus, route, departure, 60))?.value;
    let mut table = Vec::new();
    let short = ok("book", fares.book_ticket(chain, rider, trip, 4, 5))?;
    table.push(Measurement {
        message: "book_ticket (2 stops: 1 segment)".into(),
        weight: short.weight,
    });
    let long = ok("book", fares.book_ticket(chain, rider, trip, 0, 30))?;
    table.push(Measurement {
        message: "book_ticket (30 stages: 30 segments)".into(),
        weight: long.weight,
    });
    let cancelled = ok("cancel", fares.cancel_ticket(chain, rider, long.value))?;
    table.push(Measurement {
        message: "cancel_ticket (30 stages, outside the cut-off)".into(),
        weight: cancelled.weight,
    });
    chain.wait_until_ms(departure)?;
    let gateway = named_account("bench/gateway");
    let signed = validator.next(
        ValidatorAction::Board {
            ticket: short.value,
        },
        departure,
    );
    let boarded = ok("board", fares.validate(chain, gateway, signed))?;
    table.push(Measurement {
        message: "validate (boarding a ticket)".into(),
        weight: boarded.weight,
    });
    // the rider lets the bus company charge its tap-in rides (M-5)
    ok(
        "spending cap",
        fares.set_spending_cap(chain, rider, bus, 1_000_000_000),
    )?;
    let signed = validator.next(
        ValidatorAction::TapIn {
            rider,
            trip,
            stop: 0,
        },
        departure,
    );
    let tapped_in = ok("tap in", fares.validate(chain, gateway, signed))?;
    anyhow::ensure!(
        tapped_in.value == ValidatorOutcome::TappedIn,
        "tap in: {:?}",
        tapped_in.value
    );
    let signed = validator.next(
        ValidatorAction::TapOut {
            rider,
            trip,
            stop: 12,
        },
        departure,
    );
    let tapped = ok("tap out", fares.validate(chain, gateway, signed))?;
    anyhow::ensure!(
        matches!(tapped.value, ValidatorOutcome::TappedOut { stages: 12, .. }),
        "tap out: {:?}",
        tapped.value
    );
    table.push(Measurement {
        message: "validate (tap-out: 12 stages charged)".into(),
        weight: tapped.weight,
    });
    Ok(table)
}
