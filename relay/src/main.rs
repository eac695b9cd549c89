//! `meter-relay`: the relay's command line.

use clap::{Args, Parser, Subcommand};
use meter_relay::Config;
use std::{net::SocketAddr, path::PathBuf};

#[derive(Parser)]
#[command(
    name = "meter-relay",
    version,
    about = "Forwards meters' signed readings to the energy market"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the relay until SIGINT or SIGTERM: on a node (--chain-endpoint, with the
    /// deployment's manifest), or else on an embedded sandbox chain with the suite deployed.
    Run(Options),
    /// Prints the configuration the relay would run with (file and flags merged).
    Config(Options),
    /// Prints what a stopped relay's data folder holds: readings by state and outcome,
    /// and for the simulated meters what the embedded chain holds.
    Inspect {
        #[arg(long, default_value = "relay-data")]
        data_dir: PathBuf,
        /// Simulated meters to show.
        #[arg(long, default_value_t = 4)]
        meters: u32,
    },
    /// Runs a local mosquitto (Debian's package) on a free loopback port, configured as a
    /// broker feeding the relay should be (bounded in-flight messages), until SIGINT or
    /// SIGTERM; prints its URL (`mqtt://127.0.0.1:<port>`) once it listens. The same
    /// launcher the relay's tests and benchmark use; for scripts and local trials.
    Broker {
        /// Where its configuration and `mosquitto.log` go (made if missing).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

/// Every option of the TOML file, settable here too (a flag wins over the file).
#[derive(Args)]
struct Options {
    /// The TOML configuration file (see relay/relay.example.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// HTTP listen address, e.g. 127.0.0.1:8080.
    #[arg(long)]
    http_listen: Option<SocketAddr>,
    #[arg(long)]
    max_body_bytes: Option<usize>,
    #[arg(long)]
    max_readings_per_request: Option<usize>,
    /// MQTT broker, e.g. mqtt://127.0.0.1:1883 (MQTT ingest is off without one).
    #[arg(long)]
    mqtt_broker: Option<String>,
    #[arg(long)]
    mqtt_topic: Option<String>,
    #[arg(long)]
    mqtt_client_id: Option<String>,
    /// A node's WebSocket endpoint (unset: the embedded chain).
    #[arg(long)]
    chain_endpoint: Option<String>,
    /// With --chain-endpoint: the deployment manifest (deployments/<network>.json).
    #[arg(long)]
    chain_deployment: Option<PathBuf>,
    /// The signing account: embedded, name:<name> or env:<VARIABLE>; on a node,
    /// env:<VARIABLE> or file:<path> holding its secret URI.
    #[arg(long)]
    signer: Option<String>,
    #[arg(long)]
    batch_size: Option<usize>,
    #[arg(long)]
    batch_interval_ms: Option<u64>,
    #[arg(long)]
    retain_settled_hours: Option<u64>,
    /// Seconds an account accrues before the relay settles it (0: never).
    #[arg(long)]
    settle_accounts_secs: Option<u64>,
    /// Store and forward only: check, store and acknowledge readings, send and settle
    /// nothing until the relay runs without it (`batch.hold`).
    #[arg(long)]
    hold_batches: bool,
    #[arg(long)]
    key_cache_secs: Option<u64>,
    #[arg(long)]
    clock_skew_ms: Option<u64>,
    /// Simulated meters to register on the embedded chain.
    #[arg(long)]
    sim_meters: Option<u32>,
    /// Built contracts for a new embedded chain.
    #[arg(long)]
    artifacts: Option<PathBuf>,
    /// A city saved by `smartcity demo --save` for a new embedded chain to start from.
    #[arg(long)]
    city: Option<PathBuf>,
}

impl Options {
    fn config(self) -> anyhow::Result<Config> {
        let mut c = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        macro_rules! set {
            ($($flag:ident => $($field:ident).+),* $(,)?) => {
                $(if let Some(value) = self.$flag { c.$($field).+ = value; })*
            };
        }
        set!(
            data_dir => data_dir,
            http_listen => http.listen,
            max_body_bytes => http.max_body_bytes,
            max_readings_per_request => http.max_readings_per_request,
            mqtt_topic => mqtt.topic,
            mqtt_client_id => mqtt.client_id,
            signer => chain.signer,
            batch_size => batch.max_readings,
            batch_interval_ms => batch.interval_ms,
            retain_settled_hours => batch.retain_settled_hours,
            settle_accounts_secs => batch.settle_accounts_secs,
            key_cache_secs => ingest.key_cache_secs,
            clock_skew_ms => ingest.clock_skew_ms,
            sim_meters => embedded.meters,
            artifacts => embedded.artifacts,
        );
        if self.mqtt_broker.is_some() {
            c.mqtt.broker = self.mqtt_broker;
        }
        if self.hold_batches {
            c.batch.hold = true;
        }
        if self.city.is_some() {
            c.embedded.city = self.city;
        }
        if self.chain_endpoint.is_some() {
            c.chain.endpoint = self.chain_endpoint;
        }
        if self.chain_deployment.is_some() {
            c.chain.deployment = self.chain_deployment;
        }
        c.validate()?;
        Ok(c)
    }
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match Cli::parse().command {
        Command::Run(options) => {
            let config = options.config()?;
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(meter_relay::app::run(config, shutdown_signal()))
        }
        Command::Config(options) => {
            println!("{:#?}", options.config()?);
            Ok(())
        }
        Command::Inspect { data_dir, meters } => inspect(&data_dir, meters),
        Command::Broker { dir } => {
            std::fs::create_dir_all(&dir)?;
            let broker = meter_relay::broker::LocalBroker::start(&dir)?;
            println!("{}", broker.url);
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(shutdown_signal());
            drop(broker);
            Ok(())
        }
    }
}

fn inspect(dir: &std::path::Path, meters: u32) -> anyhow::Result<()> {
    use meter_relay::{embedded, outbox::Store};
    use smartcity_sdk::{units::format_credits, MarketClient, TokenClient};
    let store = Store::open(dir)?;
    println!("outbox {}:", dir.join("outbox.sqlite").display());
    for (state, count) in store.counts()? {
        println!("  {state:<18} {count:>8}");
    }
    let (mut chain, suite) = embedded::load(dir)?;
    let (token, market) = (TokenClient::at(suite.token), MarketClient::at(suite.market));
    println!(
        "embedded chain (market {}):",
        smartcity_sdk::ss58(&suite.market)
    );
    println!(
        "  {:<16} {:>10} {:>10} {:>14} {:>14}",
        "meter", "relay seq", "chain seq", "minted", "accrued"
    );
    for n in 0..meters {
        let device = embedded::meter_device(n);
        let household = embedded::household(n);
        println!(
            "  {:<16} {:>10} {:>10} {:>14} {:>14}",
            meter_feed::sim_meter_label(n),
            store.last_seq(&device)?,
            market
                .meter(&mut chain, device)?
                .map_or(0, |state| state.seq),
            format_credits(token.balance_of(&mut chain, household)?),
            format_credits(market.energy_account(&mut chain, household)?.credits())
        );
    }
    Ok(())
}
