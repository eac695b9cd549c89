//! What the market's, the rental's and the fare contract's tests start from: the committed
//! registry (8 devices per citizen) with an issuer and an operator, the given residents
//! registered as citizens (virtual ids of their names), and the credit token gated on the
//! registry. Each module deploys its own contract on top and wires it.

use interfaces::{AccountId, RegistryRole};
use smartcity_sandbox::SandboxChain;
use smartcity_sdk::{named_account, RegistryClient, TokenClient, TokenConfig};
use smartcity_suite::artifacts;

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
        let (admin, issuer, operator) = (
            named_account("admin"),
            named_account("issuer"),
            named_account("operator"),
        );
        let registry =
            RegistryClient::deploy(&mut chain, admin, &wasm("identity_registry"), 8, vec![])
                .unwrap()
                .value;
        registry
            .grant_role(&mut chain, admin, RegistryRole::Issuer, issuer)
            .unwrap();
        registry
            .grant_role(&mut chain, admin, RegistryRole::Operator, operator)
            .unwrap();
        for &(name, account) in citizens {
            let id = smartcity_sdk::virtual_id(b"salt", name);
            registry
                .register_citizen(&mut chain, issuer, id, account)
                .unwrap();
        }
        let token = TokenClient::deploy(
            &mut chain,
            admin,
            &wasm("credit_token"),
            TokenConfig::city(Some(registry.address())),
            vec![],
        )
        .unwrap()
        .value;
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
