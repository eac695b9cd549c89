//! Every message a typed client encodes through `messages!`, and its constructor
//! (`contract_client!`'s `deploy = new(..)`), is held against the contract's metadata in
//! `artifacts/<name>/<name>.json` (what cargo-contract wrote from the contract itself):
//! the selector, whether it mutates, and each argument's name and type. A message renamed
//! or changed in a contract and not in its client fails here.

use serde_json::Value;
use smartcity_sdk::{
    contract::{selector, MessageSpec},
    FareClient, MarketClient, ParkingClient, RegistryClient, TokenClient,
};
use std::path::PathBuf;

fn metadata(contract: &str) -> Value {
    let dir = std::env::var_os("SMARTCITY_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../artifacts"));
    let path = dir.join(contract).join(format!("{contract}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The outermost type name of a Rust type as written (`Option<DeviceId>` -> `Option`); a
/// tuple, `()` or an array has none, as in the metadata.
fn outer_name(rust_type: &str) -> Option<String> {
    let compact: String = rust_type.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.starts_with('(') || compact.starts_with('[') {
        return None;
    }
    let path = compact.split('<').next().unwrap_or_default();
    Some(path.rsplit("::").next().unwrap_or_default().to_owned())
}

/// Aliases of `interfaces` that a contract may spell as what they stand for (`start_ms:
/// u64` in the contract, `TimestampMs` in the client): the same SCALE type.
/// `ReadingBatch` is a `Vec<SignedReading>` with a bounded decoder, encoded as the `Vec`.
const ALIASES: &[(&str, &str)] = &[("TimestampMs", "u64"), ("Vec", "ReadingBatch")];
// The table says what `interfaces` says: this stops compiling if an alias changes.
const _: fn(interfaces::TimestampMs) -> u64 = |t| t;
const _: fn(Vec<interfaces::reading::SignedReading>) -> interfaces::reading::ReadingBatch =
    interfaces::reading::ReadingBatch;

/// Whether the metadata's type name and the client's are the same type.
fn same_type(meta_name: Option<&str>, client_name: Option<&str>) -> bool {
    meta_name == client_name
        || ALIASES
            .iter()
            .any(|(alias, target)| client_name == Some(alias) && meta_name == Some(target))
}

/// Every mismatch between a client's messages and a contract's metadata, in words.
fn mismatches(contract: &str, messages: &[MessageSpec]) -> Vec<String> {
    mismatches_in(contract, "messages", messages)
}

/// The same for the `section` of the metadata's spec (`messages` or `constructors`; a
/// constructor has no `mutates`).
fn mismatches_in(contract: &str, section: &str, messages: &[MessageSpec]) -> Vec<String> {
    let meta = metadata(contract);
    let spec = meta["spec"][section].as_array().unwrap();
    let mut found = Vec::new();
    for message in messages {
        let selector = format!("0x{}", hex::encode(selector(message.name)));
        let Some(entry) = spec.iter().find(|m| m["selector"] == selector.as_str()) else {
            found.push(format!(
                "{contract}: no message with the selector of `{}` ({selector})",
                message.name
            ));
            continue;
        };
        // a trait message's label names the trait as the contract's impl does (the
        // registry imports it under another name); its selector, which matched, is the
        // trait's own
        let method = |label: &str| label.rsplit("::").next().unwrap_or_default().to_owned();
        let label = entry["label"].as_str().unwrap_or_default();
        let labelled = if message.name.contains("::") {
            method(label) == method(message.name)
        } else {
            label == message.name
        };
        if !labelled {
            found.push(format!(
                "{contract}: `{}` is labelled {} in the metadata",
                message.name, entry["label"]
            ));
        }
        if section == "messages" && entry["mutates"] != message.mutates {
            found.push(format!(
                "{contract}: `{}` mutates={} in the metadata",
                message.name, entry["mutates"]
            ));
        }
        let args = entry["args"].as_array().unwrap();
        if args.len() != message.args.len() {
            found.push(format!(
                "{contract}: `{}` takes {} arguments, the client sends {}",
                message.name,
                args.len(),
                message.args.len()
            ));
            continue;
        }
        for (arg, (name, rust_type)) in args.iter().zip(message.args) {
            if arg["label"] != *name {
                found.push(format!(
                    "{contract}: `{}` argument {} is `{name}` in the client",
                    message.name, arg["label"]
                ));
            }
            let display = arg["type"]["displayName"].as_array().unwrap();
            let meta_name = display.last().and_then(Value::as_str);
            if !same_type(meta_name, outer_name(rust_type).as_deref()) {
                found.push(format!(
                    "{contract}: `{}` argument `{name}` is {:?} in the metadata, `{rust_type}` in the client",
                    message.name, display
                ));
            }
        }
    }
    found
}

#[test]
fn every_client_message_matches_the_contract_metadata() {
    let clients: [(&str, &[MessageSpec]); 5] = [
        ("identity_registry", RegistryClient::MESSAGES),
        ("credit_token", TokenClient::MESSAGES),
        ("energy_market", MarketClient::MESSAGES),
        ("parking_rental", ParkingClient::MESSAGES),
        ("fare_pricing", FareClient::MESSAGES),
    ];
    let mut checked = 0;
    let mut found = Vec::new();
    for (contract, messages) in clients {
        assert!(
            !messages.is_empty(),
            "{contract}: the client lists no messages"
        );
        checked += messages.len();
        found.extend(mismatches(contract, messages));
    }
    let constructors = [
        ("identity_registry", RegistryClient::CONSTRUCTOR),
        ("credit_token", TokenClient::CONSTRUCTOR),
        ("energy_market", MarketClient::CONSTRUCTOR),
        ("parking_rental", ParkingClient::CONSTRUCTOR),
        ("fare_pricing", FareClient::CONSTRUCTOR),
    ];
    for (contract, constructor) in constructors {
        found.extend(mismatches_in(contract, "constructors", &[constructor]));
    }
    assert!(
        found.is_empty(),
        "client and metadata differ:\n{}",
        found.join("\n")
    );
    println!("{checked} messages and the constructors of 5 clients match the contracts' metadata");
}

#[test]
fn a_drifted_constructor_is_caught() {
    let drifted = MessageSpec {
        name: "new",
        mutates: true,
        args: &[("registry", "AccountId"), ("config", "MarketConfig")],
    };
    let found = mismatches_in("energy_market", "constructors", &[drifted]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("takes 4 arguments, the client sends 2"));
}

#[test]
fn a_drifted_message_is_caught() {
    // The same check on messages the contract does not have in that form.
    let drifted = [
        MessageSpec {
            name: "register_citizens",
            mutates: true,
            args: &[],
        },
        MessageSpec {
            name: "grant_role",
            mutates: false,
            args: &[("role", "RegistryRole"), ("account", "AccountId")],
        },
        MessageSpec {
            name: "revoke_role",
            mutates: true,
            args: &[("role", "RegistryRole")],
        },
        MessageSpec {
            name: "citizen",
            mutates: false,
            args: &[("id", "VirtualId")],
        },
        MessageSpec {
            name: "citizen_of",
            mutates: false,
            args: &[("account", "Option<AccountId>")],
        },
    ];
    let found = mismatches("identity_registry", &drifted);
    assert_eq!(found.len(), 5, "{found:#?}");
    assert!(found[0].contains("no message with the selector of `register_citizens`"));
    assert!(found[1].contains("mutates=true"));
    assert!(found[2].contains("takes 2 arguments"));
    assert!(found[3].contains("is `id` in the client"));
    assert!(found[4].contains("`Option<AccountId>` in the client"));
}
