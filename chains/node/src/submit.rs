//! Signing and submitting an extrinsic, and following it into a block: nonces managed per
//! key, a dispatch error named by its pallet and variant, the fee recorded.

use crate::{events::dispatch_name, events::fee_of, node_error, NodeChain};
use interfaces::AccountId;
use smartcity_sdk::chain::{ChainError, SentCall};
use subxt::{
    tx::{Payload, TxStatus},
    PolkadotConfig,
};

/// How often a submission is retried when another signer with the same key took its nonce.
const NONCE_RETRIES: u32 = 5;

/// Why one submission did not land.
enum SubmitError {
    /// The pool already holds (or the chain already took) this nonce of the signer's.
    NonceTaken(String),
    Chain(ChainError),
}

impl From<ChainError> for SubmitError {
    fn from(error: ChainError) -> Self {
        Self::Chain(error)
    }
}

impl SubmitError {
    fn from_submission(error: subxt::Error) -> Self {
        let message = error.to_string();
        // 1010 "Transaction is outdated" (a nonce used), 1014 "Priority is too low" (a
        // nonce taken in the pool)
        if message.contains("outdated") || message.contains("Priority is too low") {
            Self::NonceTaken(message)
        } else {
            Self::Chain(ChainError::Node(message))
        }
    }
}

impl NodeChain {
    /// Signs `call` as `signer`, submits it and follows it into a block; returns the
    /// extrinsic's events. A dispatch error becomes `ChainError::Dispatch` named by its
    /// pallet and variant (`Contracts::ContractTrapped`).
    pub(crate) fn submit(
        &mut self,
        signer: AccountId,
        call: &impl Payload,
    ) -> Result<subxt::blocks::ExtrinsicEvents<PolkadotConfig>, ChainError> {
        self.submit_noted(signer, call, &mut |_| Ok(()))
    }

    /// `submit`, telling `sending` each signed extrinsic before it goes out (again when a
    /// taken nonce makes it sign anew).
    pub(crate) fn submit_noted(
        &mut self,
        signer: AccountId,
        call: &impl Payload,
        sending: &mut dyn FnMut(SentCall) -> Result<(), String>,
    ) -> Result<subxt::blocks::ExtrinsicEvents<PolkadotConfig>, ChainError> {
        // another process signing with the same key can take a nonce between our read
        // and our submission: the pool refuses ours as stale; read it again and resend
        let mut attempt = 0;
        loop {
            match self.submit_once(signer, call, sending) {
                Err(SubmitError::NonceTaken(message)) => {
                    self.nonces.remove(&signer);
                    attempt += 1;
                    if attempt == NONCE_RETRIES {
                        return Err(ChainError::Node(message));
                    }
                }
                Err(SubmitError::Chain(error)) => return Err(error),
                Ok(events) => return Ok(events),
            }
        }
    }

    fn submit_once(
        &mut self,
        signer: AccountId,
        call: &impl Payload,
        sending: &mut dyn FnMut(SentCall) -> Result<(), String>,
    ) -> Result<subxt::blocks::ExtrinsicEvents<PolkadotConfig>, SubmitError> {
        let key = self.key(signer)?;
        let client = self.client.clone();
        let cached = self.nonces.get(&signer).copied();
        let finality = self.finality;
        let (events, nonce, block) = self.runtime.block_on(async move {
            let on_chain = client
                .tx()
                .account_nonce(&key.public_key().to_account_id())
                .await
                .map_err(node_error)?;
            let nonce = cached.map_or(on_chain, |n| n.max(on_chain));
            let params = subxt::config::polkadot::PolkadotExtrinsicParamsBuilder::new()
                .nonce(nonce)
                .build();
            // where a search for it after a restart starts: the latest finalized block,
            // at or before the best one (it lands after both)
            let from_block = client
                .blocks()
                .at_latest()
                .await
                .map_err(node_error)?
                .number();
            let signed = client
                .tx()
                .create_signed(call, &key, params)
                .await
                .map_err(node_error)?;
            sending(SentCall {
                extrinsic: signed.hash().0,
                from_block: u64::from(from_block),
            })
            .map_err(|reason| ChainError::Node(format!("not sent: {reason}")))?;
            let mut progress = signed
                .submit_and_watch()
                .await
                .map_err(SubmitError::from_submission)?;
            while let Some(status) = progress.next().await {
                let in_block = match status.map_err(node_error)? {
                    TxStatus::InBestBlock(in_block) if !finality => in_block,
                    TxStatus::InFinalizedBlock(in_block) => in_block,
                    TxStatus::Error { message }
                    | TxStatus::Invalid { message }
                    | TxStatus::Dropped { message } => {
                        return Err(SubmitError::Chain(ChainError::Node(format!(
                            "extrinsic not included: {message}"
                        ))))
                    }
                    _ => continue,
                };
                let block = client
                    .blocks()
                    .at(in_block.block_hash())
                    .await
                    .map_err(node_error)?
                    .number();
                let events = in_block
                    .wait_for_success()
                    .await
                    .map_err(|error| match error {
                        subxt::Error::Runtime(dispatch) => ChainError::Dispatch {
                            reason: dispatch_name(&dispatch),
                            debug_message: String::new(),
                        },
                        other => node_error(other),
                    });
                return Ok((events, nonce, u64::from(block)));
            }
            Err(SubmitError::Chain(ChainError::Node(
                "the node closed the extrinsic's subscription".into(),
            )))
        })?;
        // the nonce is spent once the extrinsic is in a block, whatever its outcome
        self.nonces.insert(signer, nonce + 1);
        self.last_block = block;
        let events = events?;
        self.fees_paid += fee_of(&events);
        Ok(events)
    }
}
