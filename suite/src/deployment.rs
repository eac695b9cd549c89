//! Reading a deployment manifest (`deployments/<network>.json`, written by
//! `smartcity deploy`): the city's contract addresses on a node, and the chain they are on.

use crate::Suite;
use anyhow::Context;
use interfaces::AccountId;
use std::path::Path;

/// The contracts in the order the suite instantiates them, as the manifest names them.
pub const CONTRACTS: [&str; 5] = [
    "identity_registry",
    "credit_token",
    "energy_market",
    "parking_rental",
    "fare_pricing",
];

/// The suite's addresses, in the order of [`CONTRACTS`].
pub fn addresses(suite: &Suite) -> [AccountId; 5] {
    [
        suite.registry,
        suite.token,
        suite.market,
        suite.parking,
        suite.fares,
    ]
}

/// A contract's address as a manifest holds it: SS58 for people, hex for [`suite`].
pub fn address_entry(address: &AccountId) -> serde_json::Map<String, serde_json::Value> {
    let bytes: &[u8; 32] = address.as_ref();
    let mut entry = serde_json::Map::new();
    entry.insert("address".into(), smartcity_sdk::ss58(address).into());
    entry.insert(
        "address_hex".into(),
        format!("0x{}", hex::encode(bytes)).into(),
    );
    entry
}

/// The least a manifest holds: the chain's genesis hash and each contract's address
/// (`smartcity deploy` adds code hashes, constructor arguments, blocks and fees).
pub fn skeleton(genesis: &str, suite: &Suite) -> serde_json::Value {
    let contracts: serde_json::Map<String, serde_json::Value> = CONTRACTS
        .iter()
        .zip(addresses(suite))
        .map(|(name, address)| (name.to_string(), address_entry(&address).into()))
        .collect();
    serde_json::json!({ "genesis_hash": genesis, "contracts": contracts })
}

/// Reads a manifest.
pub fn read(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a manifest", path.display()))
}

/// The genesis hash (`0x...`) of the chain a manifest was made on.
pub fn genesis(manifest: &serde_json::Value) -> Option<&str> {
    manifest["genesis_hash"].as_str()
}

/// The suite a manifest describes.
pub fn suite(manifest: &serde_json::Value) -> anyhow::Result<Suite> {
    let address = |name: &str| -> anyhow::Result<AccountId> {
        let text = manifest["contracts"][name]["address_hex"]
            .as_str()
            .with_context(|| format!("the manifest has no {name}"))?;
        parse_account(text)
    };
    Ok(Suite {
        registry: address("identity_registry")?,
        token: address("credit_token")?,
        market: address("energy_market")?,
        parking: address("parking_rental")?,
        fares: address("fare_pricing")?,
    })
}

fn parse_account(text: &str) -> anyhow::Result<AccountId> {
    let bytes = hex::decode(text.trim_start_matches("0x"))
        .with_context(|| format!("not a hex account id: {text}"))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("an account id has 32 bytes: {text}"))?;
    Ok(AccountId::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_gives_its_suite_and_a_broken_one_is_refused_by_name() {
        let hex = |b: u8| format!("0x{}", "ab".repeat(31) + &format!("{b:02x}"));
        let account = |b: u8| {
            let mut bytes = [0xab; 32];
            bytes[31] = b;
            AccountId::from(bytes)
        };
        let written = Suite {
            registry: account(0),
            token: account(1),
            market: account(2),
            parking: account(3),
            fares: account(4),
        };
        let mut manifest = skeleton("0x01", &written);
        let suite = suite(&manifest).unwrap();
        assert_eq!(suite, written);
        let last = |account: AccountId| <AccountId as AsRef<[u8; 32]>>::as_ref(&account)[31];
        assert_eq!(last(suite.market), 2);
        assert_eq!(last(suite.fares), 4);
        assert_eq!(genesis(&manifest), Some("0x01"));

        manifest["contracts"]["energy_market"]["address_hex"] = "0x1234".into();
        let error = super::suite(&manifest).unwrap_err().to_string();
        assert!(error.contains("32 bytes"), "{error}");
        manifest["contracts"]["energy_market"]["address_hex"] = hex(2).into();
        manifest["contracts"]
            .as_object_mut()
            .unwrap()
            .remove("fare_pricing");
        let error = super::suite(&manifest).unwrap_err().to_string();
        assert!(error.contains("no fare_pricing"), "{error}");
    }
}
