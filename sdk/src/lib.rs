//! The Smart City Contracts SDK: typed clients of every contract over a small [`Chain`]
//! trait, each contract's events decoded with the very `#[ink::event]` types the contract
//! emits (from `interfaces`), device keys and signed readings, QR voucher payloads, ids
//! and units.
//!
//! It has no chain backend and does no IO: a backend implements [`Chain`] in a crate of
//! its own (`smartcity-sandbox`, the embedded chain; `smartcity-node`, a node over
//! WebSocket), and an application brings both.

pub mod chain;
pub mod contract;
pub mod fares;
pub mod keys;
pub mod market;
pub mod meter;
pub mod parking;
pub mod registry;
pub mod token;
pub mod units;
pub mod voucher;

pub use chain::{CallReport, Chain, ChainError, ContractEvent, SentCall, SentState, Weight};
pub use contract::{ClientError, ContractHandle, Receipt};
pub use fares::FareClient;
/// Why a contract could not dispatch a call (the `Lang` layer of [`ClientError`]).
pub use ink::primitives::LangError;
pub use market::MarketClient;
pub use parking::ParkingClient;
pub use registry::RegistryClient;
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

/// The id of a device from its label: a hash, as a manufacturer would mask a serial.
pub fn device_id(label: &str) -> [u8; 32] {
    blake2_256(format!("smartcity/device/{label}").as_bytes())
}

/// The first bytes of an id in hex, enough to tell ids apart in a listing.
pub fn short_hex(bytes: &[u8]) -> String {
    format!("{}..", hex::encode(&bytes[..bytes.len().min(6)]))
}

/// An account in SS58 form with the generic substrate prefix 42, as wallets show it:
/// base58 of prefix ++ account ++ the first two bytes of blake2-512("SS58PRE" ++ prefix ++
/// account).
pub fn ss58(account: &AccountId) -> String {
    use blake2::{Blake2b512, Digest};
    const PREFIX: u8 = 42;
    let mut body = vec![PREFIX];
    body.extend_from_slice(<AccountId as AsRef<[u8; 32]>>::as_ref(account));
    let checksum = Blake2b512::new()
        .chain_update(b"SS58PRE")
        .chain_update(&body)
        .finalize();
    body.extend_from_slice(&checksum[..2]);
    bs58::encode(body).into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ss58_is_what_wallets_show() {
        // //Alice's public key and the address every substrate wallet shows for it.
        let alice = hex::decode("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
            .unwrap();
        let alice = AccountId::from(<[u8; 32]>::try_from(alice).unwrap());
        assert_eq!(
            ss58(&alice),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
    }
}
