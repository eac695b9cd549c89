//! Wiring: the chain thread, the outbox writer, the HTTP server and the MQTT client.

use crate::{
    check::{DeviceCache, Lookup},
    config::Config,
    embedded,
    ingest::Ingest,
    metrics::Metrics,
    outbox::{Store, Writer},
    submitter::{BatchConfig, OnBlock, Request, Submitter},
};
use anyhow::Context;
use interfaces::Deployment;
use smartcity_sdk::{MarketClient, RegistryClient};
use smartcity_suite::Suite;
use std::{
    sync::{mpsc, Arc, Mutex},
    time::Duration,
};

/// Runs the relay until `shutdown` resolves (SIGINT/SIGTERM for the binary).
pub async fn run(
    config: Config,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    config.validate()?;
    let dir = config.data_dir.clone();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let metrics = Arc::new(Metrics::new());

    // the chain thread: the chain (embedded, or a node's connection) is opened there and
    // never leaves it
    let (requests, queue) = mpsc::channel::<Request>();
    let stop_chain = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (ready_tx, ready) = tokio::sync::oneshot::channel();
    let chain_thread = {
        let (dir, metrics, config) = (dir.clone(), metrics.clone(), config.clone());
        let stop = stop_chain.clone();
        std::thread::Builder::new()
            .name("chain".into())
            .spawn(move || -> anyhow::Result<()> {
                let parts = ChainParts {
                    store: Store::open(&dir)?,
                    metrics,
                    config: config.clone(),
                    stop,
                    queue,
                };
                if config.chain.endpoint.is_some() {
                    let (chain, suite) =
                        started(crate::node::open(&config), ready_tx, &parts.metrics)?;
                    let signer = chain.root_account();
                    parts.serve(chain, suite, signer, Box::new(|_| Ok(())))
                } else {
                    let opened = embedded::open_or_create(
                        &dir,
                        &config.embedded.artifacts,
                        config.embedded.city.as_deref(),
                        config.embedded.meters,
                    );
                    let (chain, suite) = started(opened, ready_tx, &parts.metrics)?;
                    let save_dir = dir.clone();
                    let on_block =
                        Box::new(move |chain: &mut _| embedded::save(&save_dir, chain, &suite));
                    parts.serve(chain, suite, config.signer()?, on_block)
                }
            })?
    };
    let (suite, market) = match ready.await {
        Ok(Ok(started)) => started,
        Ok(Err(error)) => anyhow::bail!("the chain did not start: {error}"),
        Err(_) => anyhow::bail!("the chain thread stopped while starting"),
    };
    tracing::info!(
        market = %smartcity_sdk::ss58(&suite.market),
        chain = %format!("0x{}", hex::encode(market.chain)),
        backend = if config.chain.endpoint.is_some() { "node" } else { "embedded" },
        "chain ready"
    );

    let (writer, writer_thread) = Writer::start(&dir, metrics.clone())?;
    let lookup_requests = Mutex::new(requests.clone());
    let lookup: Lookup = Arc::new(move |devices| {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let sent = lookup_requests
            .lock()
            .expect("lookup lock")
            .send(Request::Lookup(devices, reply));
        Box::pin(async move {
            sent.map_err(|_| "the chain thread stopped".to_string())?;
            answer
                .await
                .map_err(|_| "the chain thread stopped".to_string())?
        })
    });
    let ingest = Arc::new(Ingest {
        cache: DeviceCache::new(
            lookup,
            Duration::from_secs(config.ingest.key_cache_secs),
            config.ingest.key_cache_entries,
        ),
        writer,
        market,
        metrics: metrics.clone(),
        max_readings: config.http.max_readings_per_request,
        max_body_bytes: config.http.max_body_bytes,
        clock_skew_ms: config.ingest.clock_skew_ms,
        store: Mutex::new(Store::open(&dir)?),
    });

    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let mqtt = tokio::spawn(crate::mqtt::run(
        ingest.clone(),
        config.mqtt.clone(),
        stop.clone(),
    ));
    let listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.http.listen))?;
    tracing::info!(address = %listener.local_addr()?, "HTTP ingest listening");
    let mut http_stop = stop.clone();
    let server = axum::serve(listener, crate::http::router(ingest.clone())).with_graceful_shutdown(
        async move {
            let _ = http_stop.changed().await;
        },
    );
    let http = tokio::spawn(async move { server.await });

    shutdown.await;
    tracing::info!("stopping: no new readings; the batch in hand is finished");
    let _ = stop_tx.send(true);
    // open connections and a silent broker must not hold the stop up: what was not
    // acknowledged by now is sent again by the meters (or redelivered by the broker)
    let grace = Duration::from_secs(5);
    if tokio::time::timeout(grace, http).await.is_err() {
        tracing::warn!("HTTP connections still open after 5 s; closing them");
    }
    let mqtt_abort = mqtt.abort_handle();
    match tokio::time::timeout(grace, mqtt).await {
        Ok(Ok(Err(error))) => tracing::warn!(%error, "MQTT ingest ended with an error"),
        Ok(Err(error)) => tracing::warn!(%error, "MQTT ingest panicked"),
        Ok(Ok(Ok(()))) => {}
        Err(_) => {
            tracing::warn!("MQTT ingest did not stop in 5 s; dropping it");
            mqtt_abort.abort();
        }
    }
    drop(ingest);
    stop_chain.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = requests.send(Request::Shutdown);
    let chain_result = tokio::task::spawn_blocking(move || chain_thread.join()).await?;
    let _ = writer_thread; // ends when the last Writer handle is dropped
    match chain_result {
        Ok(result) => result,
        Err(_) => anyhow::bail!("the chain thread panicked"),
    }
}

/// What the chain thread needs besides the chain.
struct ChainParts {
    store: Store,
    metrics: Arc<Metrics>,
    config: Config,
    stop: Arc<std::sync::atomic::AtomicBool>,
    queue: mpsc::Receiver<Request>,
}

impl ChainParts {
    /// Submits batches to `chain`'s market, signed by `signer`, until told to stop.
    fn serve<C: smartcity_sdk::Chain>(
        self,
        chain: C,
        suite: Suite,
        signer: interfaces::AccountId,
        on_block: OnBlock<C>,
    ) -> anyhow::Result<()> {
        Submitter {
            chain,
            registry: RegistryClient::at(suite.registry),
            market: MarketClient::at(suite.market),
            store: self.store,
            metrics: self.metrics,
            config: batch_config(&self.config, signer),
            on_block,
            stop: self.stop,
        }
        .run(self.queue)
    }
}

/// Tells the starting relay whether its chain opened. The chain thread's heartbeat starts
/// here: `/health` answers "ok" from the moment ingest opens, not only after the thread's
/// first round.
fn started<C: smartcity_sdk::Chain>(
    opened: anyhow::Result<(C, Suite)>,
    ready: tokio::sync::oneshot::Sender<Result<(Suite, Deployment), String>>,
    metrics: &Metrics,
) -> anyhow::Result<(C, Suite)> {
    // the readings' signatures bind the market on its chain: the market says which (I-1)
    let opened = opened.and_then(|(mut chain, suite)| {
        let market = MarketClient::at(suite.market)
            .deployment(&mut chain)
            .with_context(|| {
                format!(
                    "the market at {} does not say its chain (chain_id)",
                    smartcity_sdk::ss58(&suite.market)
                )
            })?;
        Ok((chain, suite, market))
    });
    match opened {
        Ok((chain, suite, market)) => {
            metrics.heartbeat_ms.store(
                crate::outbox::now_ms(),
                std::sync::atomic::Ordering::Relaxed,
            );
            let _ = ready.send(Ok((suite, market)));
            Ok((chain, suite))
        }
        Err(error) => {
            let _ = ready.send(Err(format!("{error:#}")));
            Err(error)
        }
    }
}

/// How batches are made, signed by `signer` (known once the chain is open: on a node,
/// the account of the relay's key).
fn batch_config(config: &Config, signer: interfaces::AccountId) -> BatchConfig {
    BatchConfig {
        max_readings: config.batch.max_readings,
        interval: Duration::from_millis(config.batch.interval_ms),
        signer,
        retain_settled: Duration::from_secs(config.batch.retain_settled_hours * 3600),
        settle_accounts: Duration::from_secs(config.batch.settle_accounts_secs),
        settle_delay: settle_delay(),
        hold: config.batch.hold,
    }
}

/// A fault-injection point for the crash test: `METER_RELAY_FAILPOINT_SETTLE_DELAY_MS`
/// makes the submitter wait that long between a batch's call (the chain saved) and its
/// settlement in the outbox, widening the window a SIGKILL must hit to leave a batch on
/// chain but unconfirmed. Unset (always, in production): no wait.
fn settle_delay() -> Duration {
    std::env::var("METER_RELAY_FAILPOINT_SETTLE_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::ZERO, Duration::from_millis)
}
