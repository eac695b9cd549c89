//! Finding an extrinsic sent before its sender stopped: in the blocks since it was signed,
//! then in the node's pool (see [`smartcity_sdk::Chain::find_sent`]).

use crate::{
    events::{contract_events, dispatch_name, fee_of},
    node_error, NodeChain,
};
use scale::{Compact, Decode};
use smartcity_sdk::chain::{CallReport, ChainError, SentCall, SentState, Weight};
use subxt::{backend::rpc::rpc_params, blocks::ExtrinsicEvents, PolkadotConfig};

impl NodeChain {
    pub(crate) fn find_extrinsic(&mut self, sent: &SentCall) -> Result<SentState, ChainError> {
        let client = self.client.clone();
        let rpc = self.rpc.clone();
        let raw = self.raw_rpc.clone();
        let wanted = sent.extrinsic;
        let from = sent.from_block;
        self.runtime.block_on(async move {
            // the best block, not the latest finalized (`blocks().at_latest()`), which
            // can lag behind the block the extrinsic is in
            let best = rpc
                .chain_get_header(None)
                .await
                .map_err(node_error)?
                .map_or(from, |header| u64::from(header.number));
            for number in from..=best {
                let Some(hash) = rpc
                    .chain_get_block_hash(Some(number.into()))
                    .await
                    .map_err(node_error)?
                else {
                    continue;
                };
                let block = client.blocks().at(hash).await.map_err(node_error)?;
                let extrinsics = block.extrinsics().await.map_err(node_error)?;
                for extrinsic in extrinsics.iter() {
                    if extrinsic.hash().0 == wanted {
                        let events = extrinsic.events().await.map_err(node_error)?;
                        return Ok(SentState::InBlock(report_of(&events, client.metadata())));
                    }
                }
            }
            let pool: Vec<subxt::backend::legacy::rpc_methods::Bytes> = raw
                .request("author_pendingExtrinsics", rpc_params![])
                .await
                .map_err(node_error)?;
            let pending = pool
                .iter()
                .any(|bytes| smartcity_sdk::blake2_256(&bytes.0) == wanted);
            Ok(if pending {
                SentState::InPool
            } else {
                SentState::NotFound
            })
        })
    }
}

/// An included extrinsic's report from its events: its contracts' events, its fee and its
/// weight (`System::ExtrinsicSuccess`), or the dispatch error of `System::ExtrinsicFailed`.
fn report_of(
    events: &ExtrinsicEvents<PolkadotConfig>,
    metadata: subxt::Metadata,
) -> Result<CallReport, ChainError> {
    /// `frame_support::dispatch::DispatchInfo`'s weight, as `ExtrinsicSuccess` starts.
    #[derive(Decode)]
    struct Success {
        ref_time: Compact<u64>,
        proof_size: Compact<u64>,
    }
    for event in events.iter() {
        let event = event.map_err(node_error)?;
        if event.pallet_name() != "System" {
            continue;
        }
        match event.variant_name() {
            "ExtrinsicSuccess" => {
                let weight = Success::decode(&mut event.field_bytes()).map_err(node_error)?;
                return Ok(CallReport {
                    output: Vec::new(),
                    reverted: false,
                    weight: Weight {
                        ref_time: weight.ref_time.0,
                        proof_size: weight.proof_size.0,
                    },
                    events: contract_events(events),
                    fee: Some(fee_of(events)),
                });
            }
            "ExtrinsicFailed" => {
                let error = subxt::error::DispatchError::decode_from(event.field_bytes(), metadata)
                    .map_err(node_error)?;
                return Err(ChainError::Dispatch {
                    reason: dispatch_name(&error),
                    debug_message: String::new(),
                });
            }
            _ => {}
        }
    }
    Err(ChainError::Node(
        "the extrinsic's events hold neither ExtrinsicSuccess nor ExtrinsicFailed".into(),
    ))
}
