//! What the market's, the rental's and the fare contract's tests start from: the city's
//! registry and gated token as every application deploys them
//! (`smartcity_suite::deploy_base`: 8 devices per citizen, an issuer and an operator), and
//! the given residents registered as citizens (virtual ids of their names). Each module
//! deploys its own contract on top and wires it.

use interfaces::AccountId;
use smartcity_sandbox::SandboxChain;
use smartcity_sdk::{RegistryClient, TokenClient};
use smartcity_suite::{accounts, artifacts};

/// The city before the contract under test: `admin` deployed both contracts.
pub struct Base {
    pub chain: SandboxChain,
    pub admin: AccountId,
    pub issuer: AccountId,
    pub operator: AccountId,
    pub registry: RegistryClient,
    pub token: TokenClient,
}

impl Base {
    /// The registry and the gated token, with `citizens` (name, account) registered.
    pub fn new(citizens: &[(&str, AccountId)]) -> Self {
        let mut chain = SandboxChain::new();
        let (registry, token) = smartcity_suite::deploy_base(
            &mut chain,
            &wasm("identity_registry"),
            &wasm("credit_token"),
            &[],
        )
        .unwrap();
        let (admin, issuer, operator) = (
            accounts::admin(&mut chain),
            accounts::issuer(&mut chain),
            accounts::operator(&mut chain),
        );
        for &(name, account) in citizens {
            let id = smartcity_sdk::virtual_id(b"salt", name);
            registry
                .register_citizen(&mut chain, issuer, id, account)
                .unwrap();
        }
        Self {
            chain,
            admin,
            issuer,
            operator,
            registry,
            token,
        }
    }
}

/// The committed `.wasm` of contract `name`.
pub fn wasm(name: &str) -> Vec<u8> {
    artifacts::wasm(&artifacts::default_dir(), name).unwrap()
}
