//! Typed clients of the Smart City contracts over a small [`Chain`] trait, the embedded
//! sandbox chain backend, device keys, and the `smartcity` command's demo and benchmark.

pub mod artifacts;
pub mod bench;
pub mod chain;
pub mod city;
pub mod contract;
pub mod demo;
pub mod fares;
pub mod feed;
pub mod keys;
pub mod market;
pub mod meter;
pub mod parking;
pub mod registry;
pub mod sandbox;
pub mod token;
pub mod voucher;

pub use chain::{CallReport, Chain, ChainError, ContractEvent, Weight};
pub use contract::{ClientError, ContractHandle, Receipt};
pub use fares::FareClient;
pub use market::MarketClient;
pub use parking::ParkingClient;
pub use registry::RegistryClient;
pub use sandbox::SandboxChain;
pub use token::{TokenClient, TokenConfig};

use interfaces::AccountId;

/// blake2-256, the hash the contracts and the masked ids use.
pub fn blake2_256(bytes: &[u8]) -> [u8; 32] {
    use blake2::{digest::consts::U32, Blake2b, Digest};
    Blake2b::<U32>::digest(bytes).into()
}

/// A stable account for a name (`"city-admin"`), for demos and tests; a real deployment
/// uses keys from a wallet.
pub fn named_account(name: &str) -> AccountId {
    AccountId::from(blake2_256(format!("smartcity/account/{name}").as_bytes()))
}

/// The masked virtual id an issuer derives for a citizen: blake2-256(issuer salt ++
/// national id). Only the result ever reaches the chain.
pub fn virtual_id(issuer_salt: &[u8], national_id: &str) -> [u8; 32] {
    let mut preimage = issuer_salt.to_vec();
    preimage.extend_from_slice(national_id.as_bytes());
    blake2_256(&preimage)
}

/// The first bytes of an id in hex, enough to tell ids apart in a listing.
pub fn short_hex(bytes: &[u8]) -> String {
    format!("{}..", hex::encode(&bytes[..bytes.len().min(6)]))
}

/// An account in SS58 form (generic substrate prefix 42), as wallets show it.
pub fn ss58(account: &AccountId) -> String {
    use drink::Ss58Codec;
    drink::AccountId32::new(*<AccountId as AsRef<[u8; 32]>>::as_ref(account)).to_ss58check()
}
