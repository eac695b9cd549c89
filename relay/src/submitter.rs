//! The chain thread: answers device lookups for ingest and submits batches of pending
//! readings to the energy market, over the SDK's [`Chain`] trait (any backend).
//!
//! A batch is dry-run first: readings the market would refuse are settled without a fee,
//! an over-heavy batch is split. A dry run that fails for a reason that is not the batch's
//! size (the market or the token paused, a callee unreachable, the chain unavailable)
//! settles nothing: the readings stay pending and the relay backs off (see
//! [`DryRunFailure`]); only a reading the chain cannot take even alone, while another
//! reading dry-runs fine, is settled as failed. Before the call the batch's readings are marked
//! `submitted` under the extrinsic's hash; after it their outcomes, read back from the
//! market's `ReadingsProcessed` events, are stored. A batch found `submitted` at start (the
//! relay stopped in between) is dry-run again: readings the chain already holds
//! (`Replayed`, or `StaleSeq` behind a later one of the same batch) settle as
//! `AlreadyOnChain`, the rest are sent; the contract's sequence check is the last guard.
//!
//! The accounts a batch credited or billed are noted in the outbox; once one has accrued
//! for `settle_accounts`, the thread settles it with the market's `settle` (pages of
//! `MAX_SETTLE_PAGE`, between batches): its credits minted, its bill paid.

use crate::{
    check::DeviceRecord,
    metrics::{Metrics, OutcomeLabel},
    outbox::{now_ms, Settlement, Store, Stored, Unconfirmed},
};
use interfaces::{
    market::{
        events::ReadingsProcessed, MarketError, ReadingOutcome, RejectReason,
        MAX_READINGS_PER_CALL, MAX_SETTLE_PAGE,
    },
    AccountId, DeviceId, MAX_QUERY_BATCH,
};
use scale::Encode;
use smartcity_sdk::{
    market::{market_events, MarketEvent},
    Chain, ChainError, ClientError, MarketClient, RegistryClient, SentCall, SentState,
};
use std::{
    sync::{mpsc, Arc},
    time::{Duration, Instant},
};

/// What the chain thread is asked.
pub enum Request {
    /// The registry records and market sequences of these devices.
    Lookup(
        Vec<DeviceId>,
        tokio::sync::oneshot::Sender<Result<Vec<DeviceRecord>, String>>,
    ),
    /// Finish the batch in hand and stop.
    Shutdown,
}

/// How batches are made.
#[derive(Debug, Clone)]
pub struct BatchConfig {
    /// Most readings per call (also bounded by the market's own limit).
    pub max_readings: usize,
    /// A batch smaller than `max_readings` waits at most this long.
    pub interval: Duration,
    /// The account that signs the calls.
    pub signer: AccountId,
    /// Settled readings older than this are deleted from the outbox.
    pub retain_settled: Duration,
    /// How long a credited account accrues before the relay settles it (zero: never).
    pub settle_accounts: Duration,
    /// Testing only (see `app::settle_delay`): a pause between the call and the settlement.
    pub settle_delay: Duration,
    /// Store and forward only: no batch is sent, no account settled (`batch.hold`).
    pub hold: bool,
}

/// Called after each successful call with the chain (the embedded chain saves itself).
pub type OnBlock<C> = Box<dyn FnMut(&mut C) -> anyhow::Result<()> + Send>;

pub struct Submitter<C: Chain> {
    pub chain: C,
    pub registry: RegistryClient,
    pub market: MarketClient,
    pub store: Store,
    pub metrics: Arc<Metrics>,
    pub config: BatchConfig,
    pub on_block: OnBlock<C>,
    /// Set when the relay stops: the loop ends after the batch in hand, without serving
    /// the lookups still queued (their requests get "the chain thread stopped").
    pub stop: Arc<std::sync::atomic::AtomicBool>,
}

impl<C: Chain> Submitter<C> {
    /// Serves requests and submits batches until told to stop.
    pub fn run(mut self, requests: mpsc::Receiver<Request>) -> anyhow::Result<()> {
        let limit = self.batch_limit();
        self.metrics
            .queue_depth
            .set(self.store.unsettled_count()? as i64);
        let mut retry_at: Option<(Instant, Duration)> = None;
        if let Err(error) = self.resume() {
            self.metrics.submit_failures.inc();
            tracing::warn!(%error, "a batch sent before the relay stopped cannot be checked yet; retrying");
            retry_at = Some((Instant::now(), Duration::from_millis(200)));
        }
        let mut last_submit = Instant::now();
        let mut last_prune = Instant::now();
        // the outbox is asked for accounts due at most once a second (or as often as they
        // fall due), not on every round of the loop
        let settle_check = self.config.settle_accounts.min(Duration::from_secs(1));
        let mut last_settle_check = Instant::now();
        loop {
            if self.stop.load(std::sync::atomic::Ordering::SeqCst) {
                return Ok(());
            }
            loop {
                match requests.try_recv() {
                    Ok(Request::Lookup(devices, reply)) => {
                        let _ = reply.send(self.lookup(devices));
                    }
                    Ok(Request::Shutdown) | Err(mpsc::TryRecvError::Disconnected) => return Ok(()),
                    Err(mpsc::TryRecvError::Empty) => break,
                }
            }
            self.metrics
                .heartbeat_ms
                .store(now_ms(), std::sync::atomic::Ordering::Relaxed);
            let depth = self.metrics.queue_depth.get().max(0) as usize;
            let due = !self.config.hold
                && (depth >= limit || (depth > 0 && last_submit.elapsed() >= self.config.interval));
            let waiting = retry_at.is_some_and(|(at, _)| Instant::now() < at);
            if due && !waiting {
                match self.submit_next(limit) {
                    Ok(()) => retry_at = None,
                    Err(error) => self.back_off(&mut retry_at, "submission", &error),
                }
                last_submit = Instant::now();
                continue;
            }
            let settle_time = last_settle_check.elapsed() >= settle_check;
            if !waiting && !self.config.hold && !settle_check.is_zero() && settle_time {
                match self.settle_due() {
                    // another page may be due: ask again right away
                    Ok(true) => continue,
                    Ok(false) => last_settle_check = Instant::now(),
                    Err(error) => self.back_off(&mut retry_at, "settling accounts", &error),
                }
            }
            if last_prune.elapsed() > Duration::from_secs(60) {
                let before = now_ms().saturating_sub(self.config.retain_settled.as_millis() as u64);
                if let Err(error) = self.store.prune(before, 10_000) {
                    tracing::warn!(%error, "pruning settled readings failed");
                }
                last_prune = Instant::now();
            }
            match requests.recv_timeout(Duration::from_millis(10)) {
                Ok(Request::Lookup(devices, reply)) => {
                    let _ = reply.send(self.lookup(devices));
                }
                Ok(Request::Shutdown) | Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
    }

    /// Counts a failed chain call and sets when to try again: after 0.2 s, doubling up
    /// to 30 s while the calls keep failing.
    fn back_off(
        &self,
        retry_at: &mut Option<(Instant, Duration)>,
        what: &str,
        error: &anyhow::Error,
    ) {
        self.metrics.submit_failures.inc();
        let delay = retry_at.map_or(Duration::from_millis(200), |(_, d)| {
            (d * 2).min(Duration::from_secs(30))
        });
        tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "{what} failed; retrying");
        *retry_at = Some((Instant::now() + delay, delay));
    }

    fn batch_limit(&mut self) -> usize {
        let market_limit = self
            .market
            .config(&mut self.chain)
            .map(|c| c.max_batch as usize)
            .unwrap_or(MAX_READINGS_PER_CALL as usize);
        self.config.max_readings.clamp(1, market_limit.max(1))
    }

    /// Registry records, the market's last readings and the devices' ratings, as ingest
    /// needs them.
    pub fn lookup(&mut self, devices: Vec<DeviceId>) -> Result<Vec<DeviceRecord>, String> {
        let config = self
            .market
            .config(&mut self.chain)
            .map_err(|e| format!("market: {e}"))?;
        let mut records = Vec::with_capacity(devices.len());
        for chunk in devices.chunks(MAX_QUERY_BATCH as usize) {
            let infos = self
                .registry
                .devices(&mut self.chain, chunk.to_vec())
                .map_err(|e| format!("registry: {e}"))?
                .value;
            for (device, info) in chunk.iter().zip(infos) {
                let chain_last = match info {
                    Some(_) => self
                        .market
                        .meter(&mut self.chain, *device)
                        .map_err(|e| format!("market: {e}"))?,
                    None => None,
                };
                records.push(DeviceRecord {
                    rated_w: info.as_ref().map_or(0, |info| config.rated_w(info)),
                    info,
                    chain_last,
                });
            }
        }
        Ok(records)
    }

    /// Settles one page of the accounts that have accrued for `settle_accounts`; returns
    /// whether there was one.
    pub fn settle_due(&mut self) -> anyhow::Result<bool> {
        let before = now_ms().saturating_sub(self.config.settle_accounts.as_millis() as u64);
        let accounts = self.store.accruals_due(before, MAX_SETTLE_PAGE as usize)?;
        if accounts.is_empty() {
            return Ok(false);
        }
        let receipt = self
            .market
            .settle(&mut self.chain, self.config.signer, accounts.clone())
            .map_err(|error| anyhow::anyhow!("settle: {error}"))?;
        (self.on_block)(&mut self.chain)?;
        self.store.accounts_settled(&accounts)?;
        self.metrics
            .accounts_settled
            .inc_by(u64::from(receipt.value));
        tracing::info!(
            accounts = accounts.len(),
            settled = receipt.value,
            ref_time = receipt.weight.ref_time,
            proof_size = receipt.weight.proof_size,
            "accounts settled"
        );
        Ok(true)
    }

    /// Checks again the batches sent before the relay stopped (see the module docs).
    fn resume(&mut self) -> anyhow::Result<()> {
        for Unconfirmed {
            batch,
            sent,
            readings,
        } in self.store.unconfirmed()?
        {
            tracing::info!(
                batch,
                readings = readings.len(),
                "resuming a batch sent before the relay stopped"
            );
            if let Some(sent) = sent {
                if self.settle_found(batch, &sent, &readings)? {
                    continue;
                }
            }
            self.process(Some(batch), readings, true)?;
        }
        Ok(())
    }

    /// Looks the extrinsic of a batch sent before a stop up (on a node): found in a block,
    /// the batch is settled from its own events and weight, as if the relay had not
    /// stopped; failed there, its readings go back to pending (nothing it carried
    /// counted); still in the node's pool, it waits (an error: the caller retries later).
    /// Returns whether the batch is done with; `false` (not found: it never went out) sends
    /// it the usual way, dry run first.
    fn settle_found(
        &mut self,
        batch: i64,
        sent: &SentCall,
        readings: &[Stored],
    ) -> anyhow::Result<bool> {
        let extrinsic = format!("0x{}", hex::encode(sent.extrinsic));
        match self.chain.find_sent(sent)? {
            SentState::NotFound => Ok(false),
            SentState::InPool => {
                anyhow::bail!("batch {batch} ({extrinsic}) is still in the node's pool")
            }
            SentState::InBlock(Err(error)) => {
                tracing::warn!(batch, %extrinsic, %error, "a batch sent before the relay stopped failed in its block; its readings go out again");
                self.store.release(batch)?;
                Ok(true)
            }
            SentState::InBlock(Ok(report)) => {
                let market = self.market.address();
                let Some(outcomes) = outcomes_from_events(market, &report.events, readings.len())
                else {
                    tracing::warn!(batch, %extrinsic, "the block's events do not cover the batch; checking it by a dry run");
                    return Ok(false);
                };
                tracing::info!(batch, %extrinsic, "found the batch's extrinsic in a block; settling it from its events");
                self.record_batch(batch, readings, &outcomes, &report.events, report.weight)?;
                Ok(true)
            }
        }
    }

    /// Submits the oldest pending readings (at most `limit`), after any batch left
    /// unconfirmed. An error leaves every reading it did not settle pending (or
    /// unconfirmed): the caller retries later.
    pub fn submit_next(&mut self, limit: usize) -> anyhow::Result<()> {
        self.resume()?;
        let pending = self.store.pending(limit)?;
        if pending.is_empty() {
            self.metrics
                .queue_depth
                .set(self.store.unsettled_count()? as i64);
            return Ok(());
        }
        self.process(None, pending, false)
    }

    /// Dry-runs, then submits what the market would accept, then settles.
    fn process(
        &mut self,
        batch: Option<i64>,
        readings: Vec<Stored>,
        resumed: bool,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        let signer = self.config.signer;
        // the chain's clock must have passed every reading's time (meters may run ahead)
        let latest_end = readings
            .iter()
            .map(|r| r.signed.reading.at_ms)
            .max()
            .unwrap_or(0);
        self.chain.wait_until_ms(now_ms().max(latest_end))?;
        let signed: Vec<_> = readings.iter().map(|r| r.signed.clone()).collect();
        let outcomes = match self
            .market
            .dry_run_readings(&mut self.chain, signer, signed)
        {
            Ok(receipt) => receipt.value,
            Err(error) => match DryRunFailure::of(&error) {
                DryRunFailure::NotNow => {
                    anyhow::bail!("the market cannot take readings now (nothing settled): {error}")
                }
                DryRunFailure::TooBig if readings.len() > 1 => {
                    // too heavy for a block, or out of the contract's memory: halve
                    tracing::info!(%error, readings = readings.len(), "batch refused on a dry run; splitting it");
                    let mut first = readings;
                    let second = first.split_off(first.len() / 2);
                    self.process(batch, first, resumed)?;
                    return self.process(None, second, resumed);
                }
                DryRunFailure::TooBig => {
                    let id = readings[0].id;
                    if !self.others_dry_run(id, signer)? {
                        anyhow::bail!("no reading can be dry-run now (nothing settled): {error}");
                    }
                    let settled = vec![(id, Settlement::Failed(error.to_string()))];
                    tracing::warn!(%error, "a reading the chain cannot take even alone");
                    self.store.settle(&settled)?;
                    self.count_settled(&readings, &settled);
                    return Ok(());
                }
            },
        };
        anyhow::ensure!(
            outcomes.len() == readings.len(),
            "the dry run answered for another number of readings"
        );
        let mut submit = Vec::new();
        let mut settle_now = Vec::new();
        // a resumed batch that landed leaves its last reading of each device on chain (the
        // dry run calls it `Replayed`); its earlier readings of that device, now stale,
        // landed with it. A stale reading without such a later one of its batch was
        // overtaken by another sender's and never counted (review 1, I-8).
        let mut on_chain: std::collections::HashMap<DeviceId, u64> = Default::default();
        for (reading, outcome) in readings.iter().zip(&outcomes) {
            if *outcome == ReadingOutcome::Rejected(RejectReason::Replayed) {
                let r = &reading.signed.reading;
                let seq = on_chain.entry(r.device).or_default();
                *seq = (*seq).max(r.seq);
            }
        }
        let landed = |reading: &Stored| {
            let r = &reading.signed.reading;
            on_chain.get(&r.device).is_some_and(|&seq| seq > r.seq)
        };
        for (reading, outcome) in readings.iter().zip(&outcomes) {
            match outcome {
                ReadingOutcome::Accepted { .. } | ReadingOutcome::Baseline => {
                    submit.push(reading.clone())
                }
                ReadingOutcome::Rejected(RejectReason::StaleSeq) if resumed && landed(reading) => {
                    settle_now.push((reading.id, Settlement::AlreadyOnChain))
                }
                // replayed, overtaken by another sender's later reading, or refused
                ReadingOutcome::Rejected(_) => {
                    settle_now.push((reading.id, Settlement::from_outcome(outcome)))
                }
            }
        }
        let signed: Vec<_> = submit.iter().map(|r| r.signed.clone()).collect();
        let input_hash = smartcity_sdk::blake2_256(&(signer, now_ms(), &signed).encode());
        let ids: Vec<i64> = submit.iter().map(|r| r.id).collect();
        let batch = self
            .store
            .begin_batch(batch, &ids, &input_hash, &settle_now)?;
        self.count_settled(&readings, &settle_now);
        if submit.is_empty() {
            self.store
                .settle_batch(batch, &[], &[], Default::default())?;
            return Ok(());
        }
        let store = &mut self.store;
        let mut noted = false;
        let mut note = |sent: SentCall| {
            let recorded = store.note_sent(batch, sent);
            noted |= recorded.is_ok();
            recorded.map_err(|e| e.to_string())
        };
        let sent = self
            .market
            .submit_readings_noted(&mut self.chain, signer, signed, &mut note);
        let receipt = match sent {
            Ok(receipt) => receipt,
            // sent, and then the node went quiet: the batch may land yet; it stays
            // submitted, and is looked up by its extrinsic when the relay retries
            Err(ClientError::Chain(ChainError::Node(error))) if noted => {
                anyhow::bail!(
                    "batch {batch} sent, its outcome unknown (it will be looked up): {error}"
                );
            }
            Err(error) => {
                // the call did not happen, or failed whole: the readings go back to pending
                self.store.release(batch)?;
                anyhow::bail!("submit_readings: {error}");
            }
        };
        (self.on_block)(&mut self.chain)?;
        if !self.config.settle_delay.is_zero() {
            std::thread::sleep(self.config.settle_delay);
        }
        self.metrics.submitted.inc_by(submit.len() as u64);
        let outcomes = outcomes_from_events(self.market.address(), &receipt.events, submit.len())
            .unwrap_or_else(|| {
                tracing::warn!(
                    batch,
                    "the market's events did not cover the batch; using the call's answer"
                );
                receipt.value.clone()
            });
        self.record_batch(batch, &submit, &outcomes, &receipt.events, receipt.weight)?;
        self.metrics
            .submit_latency
            .observe(started.elapsed().as_secs_f64());
        tracing::info!(
            batch,
            readings = submit.len(),
            refused_before_the_call = settle_now.len(),
            ref_time = receipt.weight.ref_time,
            proof_size = receipt.weight.proof_size,
            "batch settled"
        );
        Ok(())
    }

    /// Records a sent batch's outcomes: each reading settled, the accounts it credited or
    /// billed noted for settlement, the batch's weight.
    fn record_batch(
        &mut self,
        batch: i64,
        sent: &[Stored],
        outcomes: &[ReadingOutcome],
        events: &[smartcity_sdk::ContractEvent],
        weight: smartcity_sdk::Weight,
    ) -> anyhow::Result<()> {
        let settled: Vec<(i64, Settlement)> = sent
            .iter()
            .zip(outcomes)
            .map(|(r, o)| (r.id, Settlement::from_outcome(o)))
            .collect();
        let accrued = accrued_accounts(self.market.address(), events, outcomes);
        self.store.settle_batch(batch, &settled, &accrued, weight)?;
        self.count_settled(sent, &settled);
        self.metrics.batches.inc();
        self.metrics.batch_readings.observe(sent.len() as f64);
        self.metrics.batch_ref_time.set(weight.ref_time as i64);
        self.metrics.batch_proof_size.set(weight.proof_size as i64);
        Ok(())
    }

    /// Whether another pending reading than `id` dry-runs fine alone: the control that
    /// tells a reading the chain cannot take from a chain that takes none right now.
    fn others_dry_run(&mut self, id: i64, signer: AccountId) -> anyhow::Result<bool> {
        let Some(other) = self.store.pending(2)?.into_iter().find(|r| r.id != id) else {
            return Ok(false);
        };
        Ok(self
            .market
            .dry_run_readings(&mut self.chain, signer, vec![other.signed])
            .is_ok())
    }

    fn count_settled(&self, readings: &[Stored], settled: &[(i64, Settlement)]) {
        let now = now_ms();
        for (id, settlement) in settled {
            self.metrics
                .settled
                .get_or_create(&OutcomeLabel {
                    outcome: settlement.kind(),
                })
                .inc();
            if let Some(r) = readings.iter().find(|r| r.id == *id) {
                self.metrics
                    .settle_latency
                    .observe(now.saturating_sub(r.received_ms) as f64 / 1000.0);
            }
        }
        self.metrics.queue_depth.dec_by(settled.len() as i64);
    }
}

/// What a dry run that failed as a whole says about its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRunFailure {
    /// The batch is too big for one call (gas, the contract's memory, the market's batch
    /// limit): a smaller batch may pass.
    TooBig,
    /// The market takes no readings now, whatever the batch: paused, the token or the
    /// registry refusing or unreachable, the chain unavailable, an answer this relay cannot
    /// read. Nothing is settled; the readings wait.
    NotNow,
}

impl DryRunFailure {
    pub fn of(error: &ClientError<MarketError>) -> Self {
        match error {
            ClientError::Contract(MarketError::BadBatchSize) => Self::TooBig,
            ClientError::Chain(chain) if chain.is_resource_limit() => Self::TooBig,
            _ => Self::NotNow,
        }
    }
}

/// The accounts a batch credited or billed: its accepted readings' beneficiaries, and the
/// previous owners of devices sold during their interval (`MeasuredBeforeTransfer`).
pub fn accrued_accounts(
    market: AccountId,
    events: &[smartcity_sdk::ContractEvent],
    outcomes: &[ReadingOutcome],
) -> Vec<AccountId> {
    let mut accounts: Vec<AccountId> = outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            ReadingOutcome::Accepted {
                beneficiary,
                credits,
                billable_wh,
            } if *credits > 0 || *billable_wh > 0 => Some(*beneficiary),
            _ => None,
        })
        .collect();
    for event in market_events(market, events) {
        if let MarketEvent::MeasuredBeforeTransfer(before) = event {
            accounts.push(before.owner);
        }
    }
    accounts.sort_unstable();
    accounts.dedup();
    accounts
}

/// The outcomes of a batch of `count` readings from the market's `ReadingsProcessed` events
/// (one per 256 readings); `None` unless they cover every reading exactly once.
pub fn outcomes_from_events(
    market: AccountId,
    events: &[smartcity_sdk::ContractEvent],
    count: usize,
) -> Option<Vec<ReadingOutcome>> {
    let mut outcomes: Vec<Option<ReadingOutcome>> = vec![None; count];
    for event in market_events(market, events) {
        if let MarketEvent::ReadingsProcessed(ReadingsProcessed {
            first,
            outcomes: part,
            ..
        }) = event
        {
            for (i, outcome) in part.into_iter().enumerate() {
                let slot = outcomes.get_mut(first as usize + i)?;
                if slot.replace(outcome).is_some() {
                    return None;
                }
            }
        }
    }
    outcomes.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use interfaces::token::TokenError;
    use smartcity_sdk::ChainError;

    fn dispatch(reason: &str) -> ClientError<MarketError> {
        ClientError::Chain(ChainError::Dispatch {
            reason: reason.into(),
            debug_message: String::new(),
        })
    }

    #[test]
    fn only_size_errors_split_a_batch() {
        let too_big = [
            ClientError::Contract(MarketError::BadBatchSize),
            dispatch(
                r#"Module(ModuleError { index: 8, error: [0; 4], message: Some("OutOfGas") })"#,
            ),
            dispatch(
                r#"Module(ModuleError { index: 8, error: [0; 4], message: Some("ContractTrapped") })"#,
            ),
        ];
        for error in too_big {
            assert_eq!(DryRunFailure::of(&error), DryRunFailure::TooBig, "{error}");
        }
    }

    #[test]
    fn global_and_transient_errors_settle_nothing() {
        let not_now = [
            ClientError::Contract(MarketError::Paused),
            ClientError::Contract(MarketError::Token(TokenError::Paused)),
            ClientError::Contract(MarketError::Token(TokenError::NotMinter)),
            ClientError::Contract(MarketError::TokenCallFailed),
            ClientError::Contract(MarketError::RegistryCallFailed),
            ClientError::Lang(smartcity_sdk::LangError::CouldNotReadInput),
            ClientError::Decode("short answer".into()),
            dispatch(
                r#"Module(ModuleError { index: 8, error: [0; 4], message: Some("ContractNotFound") })"#,
            ),
            ClientError::Chain(ChainError::State("connection reset".into())),
        ];
        for error in not_now {
            assert_eq!(DryRunFailure::of(&error), DryRunFailure::NotNow, "{error}");
        }
    }
}
