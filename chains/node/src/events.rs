//! What an included extrinsic's events say, in the SDK's terms: the contracts' events, the
//! new contract's address, the fee, and a dispatch error's name.

use interfaces::AccountId;
use scale::Decode;
use smartcity_sdk::chain::ContractEvent;
use subxt::{blocks::ExtrinsicEvents, PolkadotConfig};

/// `Pallet::Variant` of a dispatch error (or its description when it is not a module's).
pub(crate) fn dispatch_name(error: &subxt::error::DispatchError) -> String {
    match error {
        subxt::error::DispatchError::Module(module) => module.details_string(),
        other => format!("{other:?}"),
    }
}

/// The fee the extrinsic's signer paid (`TransactionPayment::TransactionFeePaid`).
pub(crate) fn fee_of(events: &ExtrinsicEvents<PolkadotConfig>) -> u128 {
    #[derive(Decode)]
    struct FeePaid {
        _who: [u8; 32],
        actual_fee: u128,
        _tip: u128,
    }
    events
        .iter()
        .flatten()
        .filter(|ev| ev.pallet_name() == "TransactionPayment")
        .filter(|ev| ev.variant_name() == "TransactionFeePaid")
        .filter_map(|ev| FeePaid::decode(&mut ev.field_bytes()).ok())
        .map(|fee| fee.actual_fee)
        .sum()
}

/// The `ContractEmitted` events among an extrinsic's events, in order.
pub(crate) fn contract_events(events: &ExtrinsicEvents<PolkadotConfig>) -> Vec<ContractEvent> {
    #[derive(Decode)]
    struct Emitted {
        contract: [u8; 32],
        data: Vec<u8>,
    }
    events
        .iter()
        .flatten()
        .filter(|ev| ev.pallet_name() == "Contracts" && ev.variant_name() == "ContractEmitted")
        .filter_map(|ev| {
            let emitted = Emitted::decode(&mut ev.field_bytes()).ok()?;
            Some(ContractEvent {
                contract: AccountId::from(emitted.contract),
                topics: ev.topics().iter().map(|t| t.0).collect(),
                data: emitted.data,
            })
        })
        .collect()
}

/// The account a `Contracts::Instantiated` event names.
pub(crate) fn instantiated(events: &ExtrinsicEvents<PolkadotConfig>) -> Option<AccountId> {
    #[derive(Decode)]
    struct Instantiated {
        _deployer: [u8; 32],
        contract: [u8; 32],
    }
    events
        .iter()
        .flatten()
        .filter(|ev| ev.pallet_name() == "Contracts" && ev.variant_name() == "Instantiated")
        .filter_map(|ev| Instantiated::decode(&mut ev.field_bytes()).ok())
        .map(|i| AccountId::from(i.contract))
        .last()
}
