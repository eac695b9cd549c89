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
        let mut manifest = serde_json::json!({ "genesis_hash": "0x01", "contracts": {} });
        for (n, name) in CONTRACTS.iter().enumerate() {
            manifest["contracts"][name] = serde_json::json!({ "address_hex": hex(n as u8) });
        }
        let suite = suite(&manifest).unwrap();
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
