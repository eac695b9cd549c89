//! The city's contracts as a whole: the committed artifacts ([`Code`]), the accounts and
//! parameters of the city's set-up, and [`deploy`], which deploys and wires the five
//! contracts on any [`Chain`] (registry roles, the gated token, the market as Minter, the
//! allow-lists). The meter relay's embedded chain starts from it; [`SavedCity`] is what
//! an application keeps beside a saved chain.

pub mod artifacts;
pub mod deployment;

use interfaces::{
    market::{DefaultRatings, MarketConfig, PeakWindow, SourceFactors},
    parking::ParkingConfig,
    registry::RegistryRole,
    token::TokenRole,
    AccountId,
};
use scale::{Decode, Encode};
use smartcity_sdk::{
    units::MICRO, Chain, FareClient, MarketClient, ParkingClient, RegistryClient, TokenClient,
    TokenConfig,
};

/// The optimised code of the five contracts.
pub struct Code {
    pub registry: Vec<u8>,
    pub token: Vec<u8>,
    pub market: Vec<u8>,
    pub parking: Vec<u8>,
    pub fares: Vec<u8>,
}

impl Code {
    /// Reads the artifacts under `dir` (see [`artifacts::default_dir`]).
    pub fn load(dir: &std::path::Path) -> anyhow::Result<Self> {
        Ok(Self {
            registry: artifacts::wasm(dir, "identity_registry")?,
            token: artifacts::wasm(dir, "credit_token")?,
            market: artifacts::wasm(dir, "energy_market")?,
            parking: artifacts::wasm(dir, "parking_rental")?,
            fares: artifacts::wasm(dir, "fare_pricing")?,
        })
    }
}

/// The city's deployed contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct Suite {
    pub registry: AccountId,
    pub token: AccountId,
    pub market: AccountId,
    pub parking: AccountId,
    pub fares: AccountId,
}

/// What an application keeps beside a saved chain: the city's contracts, and the fare
/// contract's events in order (a chain without an event history, like the embedded one,
/// keeps them here for the planning report).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SavedCity {
    pub suite: Suite,
    /// (topics, data) of each fare event, in order.
    pub fare_log: Vec<(Vec<[u8; 32]>, Vec<u8>)>,
}

/// The accounts of the city's set-up, as `chain` names them ([`Chain::account`]: a name's
/// hash on the sandbox, a key derived from the deployer's on a node).
pub mod accounts {
    use super::*;

    /// Deploys the contracts and holds their admin seats.
    pub fn admin<C: Chain>(chain: &mut C) -> AccountId {
        chain.account("city-admin")
    }
    /// Registers citizens (the registry's Issuer).
    pub fn issuer<C: Chain>(chain: &mut C) -> AccountId {
        chain.account("civil-registry-office")
    }
    /// Commissions devices (the registry's Operator).
    pub fn operator<C: Chain>(chain: &mut C) -> AccountId {
        chain.account("grid-operator")
    }
    /// Receives the market's and the parking platform's fees.
    pub fn treasury<C: Chain>(chain: &mut C) -> AccountId {
        chain.account("city-treasury")
    }
    /// Is paid for imported energy.
    pub fn utility<C: Chain>(chain: &mut C) -> AccountId {
        chain.account("power-utility")
    }
}

/// The city market's parameters: solar 2 SCP/kWh, wind 1.8, V2G 1.5; 11:00-14:00 UTC pays
/// 1.5x (pro rata, for intervals up to a day); imports beyond the ledger cost 3 SCP/kWh;
/// P2P sales pay 2.5 % to the city; a meter commissioned without a rating is taken as a
/// 25 kW connection, a charger as 22 kW.
/// Grams of CO2e a whole credit may be retired for in the city (`set_co2e_rate`): the
/// grid's 0.7 kg per kWh a credit stands for.
pub const CO2E_GRAMS_PER_CREDIT: u128 = 700;

pub fn market_config<C: Chain>(chain: &mut C) -> MarketConfig {
    MarketConfig {
        factors: SourceFactors {
            solar: 2 * MICRO,
            wind: 1_800_000,
            hydro: MICRO,
            vehicle: 1_500_000,
            other: 500_000,
        },
        peak_windows: vec![PeakWindow {
            start_minute: 11 * 60,
            end_minute: 14 * 60,
            multiplier_bps: 15_000,
        }],
        tariff_per_kwh: 3 * MICRO,
        utility: accounts::utility(chain),
        fee_bps: 250,
        fee_account: accounts::treasury(chain),
        max_batch: 32,
        max_interval_ms: 24 * 3_600_000,
        default_ratings: DefaultRatings {
            meter_w: 25_000,
            charger_w: 22_000,
        },
    }
}

/// The parking platform's terms: 5 % of every payment to the city treasury; a
/// cancellation within the hour before a booking costs 20 %.
pub fn parking_config<C: Chain>(chain: &mut C) -> ParkingConfig {
    ParkingConfig {
        platform_fee_bps: 500,
        fee_account: accounts::treasury(chain),
        late_cancel_fee_bps: 2_000,
        cancel_cutoff_ms: 3_600_000,
        // nothing kept from a cancellation outside the cut-off (zero allowed; see the docs)
        cancel_fee_bps: 0,
    }
}

/// Deploys the five contracts from `code` and wires them: the registry (8 devices per
/// citizen) with its Issuer and Operator, the token gated by the registry, the market
/// (with `market`) as the token's Minter, and the market's utility and fee account, the
/// rental and the fare contract on the token's allow-list.
pub fn deploy<C: Chain>(chain: &mut C, code: &Code, market: MarketConfig) -> anyhow::Result<Suite> {
    deploy_salted(chain, code, market, &[])
}

/// The city before its markets: the registry (8 devices per citizen) with its Issuer and
/// Operator, and the token gated by it, deployed from `registry_code` and `token_code`
/// with `salt` in their addresses. [`deploy`] goes on from here; so do the tests of the
/// contracts built on these two, each deploying its own contract on top.
pub fn deploy_base<C: Chain>(
    chain: &mut C,
    registry_code: &[u8],
    token_code: &[u8],
    salt: &[u8],
) -> anyhow::Result<(RegistryClient, TokenClient)> {
    let admin = accounts::admin(chain);
    let (issuer, operator) = (accounts::issuer(chain), accounts::operator(chain));
    let registry = RegistryClient::deploy(chain, admin, registry_code, 8, salt.to_vec())?.value;
    registry.grant_role(chain, admin, RegistryRole::Issuer, issuer)?;
    registry.grant_role(chain, admin, RegistryRole::Operator, operator)?;
    let gated = TokenConfig::city(Some(registry.address()));
    let token = TokenClient::deploy(chain, admin, token_code, gated, salt.to_vec())?.value;
    Ok((registry, token))
}

/// [`deploy`] with `salt` in every contract's address: another city from the same code
/// and the same admin on the same chain (the benchmarks deploy one per scenario).
pub fn deploy_salted<C: Chain>(
    chain: &mut C,
    code: &Code,
    market: MarketConfig,
    salt: &[u8],
) -> anyhow::Result<Suite> {
    let (registry, token) = deploy_base(chain, &code.registry, &code.token, salt)?;
    let salt = || salt.to_vec();
    let admin = accounts::admin(chain);
    let (utility, fee_account) = (market.utility, market.fee_account);
    let market_client = MarketClient::deploy(
        chain,
        admin,
        &code.market,
        registry.address(),
        token.address(),
        market,
        salt(),
    )?
    .value;
    token.grant_role(chain, admin, TokenRole::Minter, market_client.address())?;
    token.set_co2e_rate(chain, admin, CO2E_GRAMS_PER_CREDIT)?;
    let parking_terms = parking_config(chain);
    let parking = ParkingClient::deploy(
        chain,
        admin,
        &code.parking,
        registry.address(),
        token.address(),
        parking_terms,
        salt(),
    )?
    .value;
    let fares = FareClient::deploy(
        chain,
        admin,
        &code.fares,
        registry.address(),
        token.address(),
        salt(),
    )?
    .value;
    // the rental and the fare contract hold escrow: the gated token lets them
    for account in [utility, fee_account, parking.address(), fares.address()] {
        token.set_allow_listed(chain, admin, account, true)?;
    }
    Ok(Suite {
        registry: registry.address(),
        token: token.address(),
        market: market_client.address(),
        parking: parking.address(),
        fares: fares.address(),
    })
}
