//! The `smartcity` command line and what each command does (on the embedded chain, or a node for `deploy`).

use crate::{bench, demo, qr::VoucherQr};
use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use interfaces::EnergySource;
use meter_feed as feed;
use scale::Encode;
use smartcity_sandbox::{load, save, SandboxChain};
use smartcity_sdk::{
    device_id, fares,
    keys::DeviceSigner,
    meter::MeterSimulator,
    named_account,
    units::{format_credits, parse_credits},
    voucher::{one_time_key, VoucherTicket},
    Chain, ClientError, ContractEvent, MarketClient, TokenClient,
};
use smartcity_suite::{artifacts, Code, SavedCity};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "smartcity",
    version,
    about = "Smart City contracts: a city day on the embedded sandbox chain, deployment to a node"
)]
pub struct Cli {
    /// Folder with the built contracts (`<name>/<name>.wasm`); default: the workspace's artifacts/.
    #[arg(long, global = true)]
    artifacts: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// One contract's part of `smartcity bench`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchPart {
    Registry,
    Token,
    Market,
    Parking,
    Fares,
}

#[derive(Subcommand)]
pub enum Command {
    /// Runs a city day on a fresh embedded chain and prints what the chain holds. With
    /// --url: the city day on a node, its parking and transit scenes compressed to
    /// minutes of wall-clock time (the embedded chain's story moves its clock by hours).
    Demo {
        /// A node's WebSocket endpoint: play the demo there instead.
        #[arg(long)]
        url: Option<String>,
        /// With --url: the key that deploys (public dev keys only; else --suri-file or
        /// SMARTCITY_SURI).
        #[arg(long, requires = "url")]
        suri: Option<String>,
        /// With --url: a file holding that key's secret URI.
        #[arg(long, requires = "url")]
        suri_file: Option<PathBuf>,
        /// Save the chain afterwards, for the `voucher` commands.
        #[arg(long)]
        save: Option<PathBuf>,
        /// Where to write the demo voucher's QR code (PNG).
        #[arg(long, default_value_os_t = std::env::temp_dir().join("smartcity-voucher.png"))]
        qr_png: PathBuf,
    },
    /// Deploys and wires the city's five contracts on a node (substrate-contracts-node or
    /// any pallet-contracts chain) and writes `deployments/<network>.json`. Finds an
    /// existing deployment and changes nothing, unless --fresh.
    Deploy {
        #[command(flatten)]
        node: NodeArgs,
        #[command(flatten)]
        manifest: ManifestArgs,
        /// Deploy anew even when the manifest describes a deployment on this chain.
        #[arg(long)]
        fresh: bool,
    },
    /// On a development chain: makes the public dev keys //Bob ... //Ferdie residents of
    /// the city in deployments/<network>.json (citizens; four rooftop
    /// meters read, Bob's and Charlie's credits minted, Eve's left to claim; Dave's
    /// driveway listed; Alice's bus line), for the web app. Idempotent.
    Residents {
        #[command(flatten)]
        node: NodeArgs,
        #[command(flatten)]
        manifest: ManifestArgs,
    },
    /// Weighs the main messages (a transfer, batches of readings, a booking, a ticket) on
    /// the embedded chain and on a node, and prints them side by side with the node's fees.
    Weigh {
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Weighs the contracts' messages on the embedded chain and prints Markdown tables.
    Bench {
        /// The `.wasm` of the psp22 crate's example token, to weigh side by side
        /// (scripts/bench.sh builds it).
        #[arg(long)]
        reference_psp22: Option<PathBuf>,
        /// Weighs one contract's messages only (the others are skipped).
        #[arg(long, value_enum)]
        only: Option<BenchPart>,
    },
    /// QR vouchers on a saved city (`smartcity demo --save city.state` first).
    #[command(subcommand)]
    Voucher(VoucherCommand),
    /// Meters on a saved city.
    #[command(subcommand)]
    Meter(MeterCommand),
    /// Transit on a saved city.
    #[command(subcommand)]
    Fares(FaresCommand),
    /// A resident's credits on a saved city.
    Balance {
        #[command(flatten)]
        state: StateArg,
        /// Demo names: asha, ben, chandra, steel-works...
        name: String,
    },
}

#[derive(Subcommand)]
pub enum FaresCommand {
    /// Reads the fare contract's events and prints each trip's load per segment, then per
    /// route and hour a suggestion towards the target load.
    Report {
        #[command(flatten)]
        state: StateArg,
        /// The load to plan towards, in percent.
        #[arg(long, default_value_t = 80)]
        target: u32,
    },
}

/// How to reach a node and whose key deploys.
#[derive(Args)]
pub struct NodeArgs {
    /// The node's WebSocket endpoint.
    #[arg(long, default_value = "ws://127.0.0.1:9944")]
    url: String,
    /// The deployer's secret URI, for public dev keys only (`//Alice`); a real key comes
    /// from --suri-file or the SMARTCITY_SURI environment variable, never the command line.
    #[arg(long, conflicts_with = "suri_file")]
    suri: Option<String>,
    /// A file holding the deployer's secret URI (a mnemonic, or a dev key).
    #[arg(long)]
    suri_file: Option<PathBuf>,
}

impl NodeArgs {
    /// Connects with the deployer's key: --suri, else --suri-file, else $SMARTCITY_SURI.
    pub fn connect(&self) -> anyhow::Result<smartcity_node::NodeChain> {
        let suri = match (&self.suri, &self.suri_file) {
            (Some(suri), _) => suri.clone(),
            (None, Some(file)) => std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?
                .trim()
                .to_string(),
            (None, None) => std::env::var("SMARTCITY_SURI").context(
                "whose key? give --suri //Alice (dev keys), --suri-file or SMARTCITY_SURI",
            )?,
        };
        Ok(smartcity_node::NodeChain::connect(&self.url, &suri)?)
    }
}

/// Which deployment manifest: `<deployments>/<network>.json`.
#[derive(Args)]
pub struct ManifestArgs {
    /// The manifest's name: deployments/<network>.json.
    #[arg(long, default_value = "local")]
    network: String,
    /// Where manifests are.
    #[arg(long, default_value = "deployments")]
    deployments: PathBuf,
}

#[derive(Args)]
pub struct StateArg {
    /// The saved embedded chain (written by `demo --save`); updated in place.
    #[arg(long)]
    state: PathBuf,
}

#[derive(Subcommand)]
pub enum MeterCommand {
    /// Signs readings as meters. With --http or --mqtt: simulated meters `sim/meter-N`
    /// (the relay's embedded chain registers them) send to a meter relay. With --state: one
    /// registered demo meter submits straight to the market of a saved city (or, with
    /// --emit, prints each signed reading as hex SCALE).
    Simulate {
        /// A meter relay's base URL: readings are POSTed to its /readings as JSON.
        #[arg(long, conflicts_with_all = ["state", "mqtt"])]
        http: Option<String>,
        /// An MQTT broker (mqtt://host:port): one QoS 1 message per reading on
        /// meters/<device>/readings.
        #[arg(long, conflicts_with = "state")]
        mqtt: Option<String>,
        /// With --mqtt: the relay's base URL (for the market, the meters' sequences and to
        /// wait until every reading is stored).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        relay: String,
        /// How many simulated meters send.
        #[arg(long, default_value_t = 4)]
        meters: u32,
        /// Readings per second, all meters together (0: as fast as the relay takes them).
        #[arg(long, default_value_t = 20.0)]
        rate: f64,
        /// With --http: readings per request.
        #[arg(long, default_value_t = 1)]
        per_request: usize,
        /// The saved city (written by `demo --save`); updated in place.
        #[arg(long, required_unless_present_any = ["http", "mqtt"])]
        state: Option<PathBuf>,
        /// With --state: the meter's demo label (its key derives from it), e.g.
        /// asha/rooftop-meter.
        #[arg(long, required_unless_present_any = ["http", "mqtt"])]
        meter: Option<String>,
        /// Readings per meter.
        #[arg(long, default_value_t = 4)]
        readings: u64,
        /// Wh exported since the meter's previous reading (its export register advances by it).
        #[arg(long, default_value_t = 1_000)]
        exported_wh: u64,
        /// Wh imported since the previous reading (the import register advances by it).
        #[arg(long, default_value_t = 0)]
        imported_wh: u64,
        /// Print the signed readings instead of submitting them.
        #[arg(long)]
        emit: bool,
    },
}

#[derive(Subcommand)]
pub enum VoucherCommand {
    /// Locks credits under a fresh one-time key and prints the QR code to hand over.
    Create {
        #[command(flatten)]
        state: StateArg,
        /// Who locks the credits (a demo name).
        #[arg(long)]
        from: String,
        /// Credits, e.g. 2.5.
        #[arg(long)]
        amount: String,
        /// Hours until the creator may take the credits back.
        #[arg(long, default_value_t = 24)]
        hours: u64,
        /// Also write the QR code as a PNG.
        #[arg(long)]
        png: Option<PathBuf>,
    },
    /// Redeems a scanned QR payload (`SCV1:...`) to a resident.
    Redeem {
        #[command(flatten)]
        state: StateArg,
        /// The QR code's text.
        #[arg(long)]
        qr: String,
        /// Who receives the credits (a demo name).
        #[arg(long)]
        to: String,
    },
}

/// Runs the command `cli` names.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let dir = cli.artifacts.unwrap_or_else(artifacts::default_dir);
    match cli.command {
        Command::Demo {
            url: Some(url),
            suri,
            suri_file,
            save: _,
            qr_png,
        } => {
            let code = Code::load(&dir)?;
            let node = NodeArgs {
                url,
                suri,
                suri_file,
            };
            let mut chain = node.connect()?;
            let (name, genesis) = chain.identity();
            println!(
                "on {} ({name}, genesis {genesis}) at {}",
                chain.node_version()?,
                node.url
            );
            let mut out = std::io::stdout();
            let scene = |chain: &mut smartcity_node::NodeChain, from: u64, fees: u128| {
                let to = chain.last_block();
                println!(
                    "  [node: blocks {}..={to}, fees {}]",
                    from + 1,
                    chain.fees_paid() - fees
                );
                (to, chain.fees_paid())
            };
            let start = (chain.best_block()?, chain.fees_paid());
            let city = demo::run(&mut chain, &code, &qr_png, &mut out)?;
            let after_city = scene(&mut chain, start.0, start.1);
            demo::market_part(&mut chain, &city, &mut out)?;
            let after_market = scene(&mut chain, after_city.0, after_city.1);
            let pace = demo::Pace::WallClock;
            demo::parking_part(&mut chain, &city, pace, &mut out)?;
            let after_parking = scene(&mut chain, after_market.0, after_market.1);
            demo::transit_part(&mut chain, &city, pace, &mut out)?;
            scene(&mut chain, after_parking.0, after_parking.1);
            println!(
                "\nThe parking and transit scenes ran on the wall clock, minutes apart where \
                 the embedded chain's story moves its clock by hours. Fees paid in all: {}",
                chain.fees_paid()
            );
        }
        Command::Demo {
            url: None,
            save: save_to,
            qr_png,
            ..
        } => {
            let code = Code::load(&dir)?;
            let mut chain = SandboxChain::new();
            println!("on the embedded sandbox chain (pallet-contracts in-process, no node)");
            let mut out = std::io::stdout();
            let city = demo::run(&mut chain, &code, &qr_png, &mut out)?;
            demo::market_part(&mut chain, &city, &mut out)?;
            let pace = demo::Pace::Story;
            demo::parking_part(&mut chain, &city, pace, &mut out)?;
            let transit = demo::transit_part(&mut chain, &city, pace, &mut out)?;
            if let Some(path) = save_to {
                let saved = SavedCity {
                    suite: city.suite,
                    fare_log: transit
                        .events
                        .into_iter()
                        .map(|e| (e.topics, e.data))
                        .collect(),
                };
                save(&path, &mut chain, &saved)?;
                println!("\nchain saved to {}", path.display());
            }
        }
        Command::Deploy {
            node,
            manifest:
                ManifestArgs {
                    network,
                    deployments,
                },
            fresh,
        } => {
            let code = Code::load(&dir)?;
            let mut chain = node.connect()?;
            let path = crate::deploy::manifest_path(&deployments, &network);
            crate::deploy::deploy(
                &mut chain,
                &node.url,
                &network,
                &code,
                &path,
                fresh,
                &mut std::io::stdout(),
            )?;
        }
        Command::Residents { node, manifest } => {
            let path = crate::deploy::manifest_path(&manifest.deployments, &manifest.network);
            let manifest = smartcity_suite::deployment::read(&path)?;
            let mut chain = node.connect()?;
            let (_, genesis) = chain.identity();
            anyhow::ensure!(
                smartcity_suite::deployment::genesis(&manifest) == Some(genesis.as_str()),
                "{} was made on another chain: run `smartcity deploy` against this node first",
                path.display()
            );
            let suite = smartcity_suite::deployment::suite(&manifest)?;
            crate::residents::seed(&mut chain, &suite, &mut std::io::stdout())?;
        }
        Command::Weigh { node } => {
            let code = Code::load(&dir)?;
            let sandbox = crate::weigh::main_messages(&mut SandboxChain::new(), &code)?;
            let mut chain = node.connect()?;
            let on_node = crate::weigh::main_messages(&mut chain, &code)?;
            println!("node: {}", chain.node_version()?);
            let largest = [
                &code.registry,
                &code.token,
                &code.market,
                &code.parking,
                &code.fares,
            ]
            .iter()
            .map(|c| c.len())
            .max()
            .unwrap_or(0);
            println!(
                "Contracts::MaxCodeLen: {} bytes; the largest artifact: {largest} bytes\n",
                chain
                    .constant("Contracts", "MaxCodeLen")
                    .map_or("?".into(), |l| l.to_string()),
            );
            print!("{}", crate::weigh::markdown(&sandbox, &on_node));
        }
        Command::Bench {
            reference_psp22,
            only,
        } => {
            let code = Code::load(&dir)?;
            let part = |p: BenchPart| only.is_none_or(|o| o == p);
            if part(BenchPart::Registry) {
                let registry = bench::registry(&mut SandboxChain::new(), &code.registry)?;
                println!("identity_registry.wasm: {} bytes\n", code.registry.len());
                print!("{}", bench::markdown(&registry));
            }
            if part(BenchPart::Token) {
                let reference = match &reference_psp22 {
                    Some(path) => Some(
                        std::fs::read(path)
                            .with_context(|| format!("cannot read {}", path.display()))?,
                    ),
                    None => None,
                };
                let token = bench::token(
                    &mut SandboxChain::new(),
                    &code.registry,
                    &code.token,
                    reference.as_deref(),
                )?;
                println!("\ncredit_token.wasm: {} bytes", code.token.len());
                if let Some(reference) = &reference {
                    println!(
                        "psp22 crate's example token .wasm (same toolchain): {} bytes",
                        reference.len()
                    );
                }
                println!();
                print!("{}", bench::markdown(&token));
            }
            if part(BenchPart::Market) {
                let probe_wasm = artifacts::wasm(&dir.join("fixtures"), "ecdsa_probe")?;
                let market = bench::market(&mut SandboxChain::new(), &code, &probe_wasm)?;
                println!("\nenergy_market.wasm: {} bytes\n", code.market.len());
                print!("{}", bench::markdown(&market.table));
                let limit = market.recover_limit_per_block;
                println!(
                    "\nbare limit: 1.5 s / one ecdsa_recover ({} ref_time) = {limit} per block",
                    market.per_recover.ref_time
                );
                println!("\n| readings per call | households | ref_time per call | proof_size per call | per block, solo | of the bare limit | per block, parachain | of the bare limit |");
                println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
                for row in &market.per_block {
                    println!(
                        "| {} | {}{} | {} | {} | {} | {:.1} % | {} | {:.1} % |",
                        row.batch,
                        row.households,
                        row.note,
                        bench::group(row.weight.ref_time),
                        bench::group(row.weight.proof_size),
                        bench::group(row.solo),
                        100.0 * row.solo as f64 / limit as f64,
                        bench::group(row.parachain),
                        100.0 * row.parachain as f64 / limit as f64
                    );
                }
                println!("\nclaims and settlements (the accruals of the distinct-household batches above):\n");
                print!("{}", bench::markdown(&market.settles));
            }
            if part(BenchPart::Parking) {
                let parking = bench::parking(&mut SandboxChain::new(), &code)?;
                println!("\nparking_rental.wasm: {} bytes\n", code.parking.len());
                print!("{}", bench::markdown(&parking));
            }
            if part(BenchPart::Fares) {
                let fares = bench::fares(&mut SandboxChain::new(), &code)?;
                println!("\nfare_pricing.wasm: {} bytes\n", code.fares.len());
                print!("{}", bench::markdown(&fares));
            }
        }
        Command::Meter(MeterCommand::Simulate {
            http,
            mqtt,
            relay,
            meters,
            rate,
            per_request,
            state,
            meter,
            readings,
            exported_wh,
            imported_wh,
            emit,
        }) => {
            let target = match (http, mqtt) {
                (Some(url), _) => Some(feed::Target::Http { url, per_request }),
                (None, Some(url)) => Some(feed::Target::Mqtt { url, relay }),
                (None, None) => None,
            };
            if let Some(target) = target {
                let report = feed::simulate(&target, meters, readings, rate)?;
                println!(
                    "{meters} meters sent {} readings in {:.2} s ({:.0}/s): {} acknowledged ({} duplicates), {} refused",
                    report.sent,
                    report.seconds,
                    report.sent as f64 / report.seconds.max(1e-9),
                    report.acknowledged,
                    report.duplicates,
                    report.refused
                );
                if report.acknowledged < report.sent {
                    bail!(
                        "{} readings were not acknowledged",
                        report.sent - report.acknowledged
                    );
                }
                return Ok(());
            }
            let (Some(state), Some(meter)) = (state, meter) else {
                bail!("give --http or --mqtt (a relay), or --state and --meter (straight to a saved city)");
            };
            let state = StateArg { state };
            let (mut chain, saved) = load::<SavedCity>(&state.state)?;
            let market = MarketClient::at(saved.suite.market);
            let device = device_id(&meter);
            let mut simulator = MeterSimulator::new(
                device,
                DeviceSigner::from_seed(&meter),
                market.deployment(&mut chain).map_err(explain)?,
                EnergySource::Solar,
            );
            // go on from the market's last reading of the meter: its sequence and registers;
            // the readings are spread evenly up to the chain's clock (15 minutes apart for a
            // new meter, whose first reading is its baseline)
            let now = chain.now_ms();
            let quarter = 900_000;
            let mut start = now.saturating_sub(readings * quarter);
            if let Some(last) = market.meter(&mut chain, device)? {
                simulator.seq = last.seq;
                simulator.import_wh_total = last.import_wh_total;
                simulator.export_wh_total = last.export_wh_total;
                start = last.at_ms;
            }
            let step = (now.saturating_sub(start) / readings.max(1)).max(1);
            let batch: Vec<_> = (1..=readings)
                .map(|i| simulator.read(start + i * step, imported_wh, exported_wh))
                .collect();
            if emit {
                for signed in &batch {
                    println!("{}", hex::encode(signed.encode()));
                }
                return Ok(());
            }
            let outcomes = market
                .submit_readings(&mut chain, named_account("meter-relay"), batch)
                .map_err(explain)?
                .value;
            for (i, outcome) in outcomes.iter().enumerate() {
                println!(
                    "reading {}: {outcome:?}",
                    simulator.seq - readings + 1 + i as u64
                );
            }
            save(&state.state, &mut chain, &saved)?;
        }
        Command::Fares(FaresCommand::Report { state, target }) => {
            let (_, saved) = load::<SavedCity>(&state.state)?;
            let events: Vec<_> = saved
                .fare_log
                .iter()
                .map(|(topics, data)| ContractEvent {
                    contract: saved.suite.fares,
                    topics: topics.clone(),
                    data: data.clone(),
                })
                .collect();
            let loads = fares::trip_loads(&fares::fare_events(saved.suite.fares, &events));
            print!(
                "{}",
                fares::render_report(&loads, target.saturating_mul(100))
            );
        }
        Command::Balance { state, name } => {
            let (mut chain, saved) = load::<SavedCity>(&state.state)?;
            let account = named_account(&name);
            let balance = TokenClient::at(saved.suite.token).balance_of(&mut chain, account)?;
            let accrued = MarketClient::at(saved.suite.market)
                .energy_account(&mut chain, account)?
                .credits();
            println!(
                "{name}: {} ({} more accrued in the energy market, minted when claimed or settled)",
                format_credits(balance),
                format_credits(accrued)
            );
        }
        Command::Voucher(VoucherCommand::Create {
            state,
            from,
            amount,
            hours,
            png,
        }) => {
            let amount = parse_credits(&amount)?;
            let (mut chain, saved) = load::<SavedCity>(&state.state)?;
            let token = TokenClient::at(saved.suite.token);
            let (secret, key) = one_time_key();
            let expires = chain.now_ms() + hours * 3_600_000;
            let id = token
                .create_voucher(
                    &mut chain,
                    named_account(&from),
                    amount,
                    key,
                    expires,
                    vec![],
                )
                .map_err(explain)?
                .value;
            let ticket = VoucherTicket {
                token: saved.suite.token,
                voucher_id: id,
                secret,
            };
            println!("{}", ticket.qr_terminal()?);
            println!(
                "voucher {id}: {} locked by {from} for {hours} h",
                format_credits(amount)
            );
            println!(
                "QR payload (keep it secret until handed over): {}",
                ticket.payload()
            );
            if let Some(path) = png {
                ticket.write_qr_png(&path, 8)?;
                println!("QR code written to {}", path.display());
            }
            save(&state.state, &mut chain, &saved)?;
        }
        Command::Voucher(VoucherCommand::Redeem { state, qr, to }) => {
            let ticket = VoucherTicket::parse(&qr)?;
            let (mut chain, saved) = load::<SavedCity>(&state.state)?;
            if ticket.token != saved.suite.token {
                bail!("this voucher belongs to another token deployment");
            }
            let redeemer = named_account(&to);
            let token = TokenClient::at(saved.suite.token);
            let at = token.deployment(&mut chain).map_err(explain)?;
            token
                .redeem_voucher(
                    &mut chain,
                    redeemer,
                    ticket.voucher_id,
                    ticket.sign_for(at.chain, &redeemer),
                )
                .map_err(explain)?;
            let balance = token.balance_of(&mut chain, redeemer)?;
            println!(
                "voucher {} redeemed by {to}, who now holds {}",
                ticket.voucher_id,
                format_credits(balance)
            );
            save(&state.state, &mut chain, &saved)?;
        }
    }
    Ok(())
}

fn explain<E: std::fmt::Debug>(error: ClientError<E>) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}
