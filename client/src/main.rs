//! `smartcity`: the Smart City contracts on the embedded sandbox chain.

use clap::{Parser, Subcommand};
use smartcity_client::{artifacts, bench, demo, SandboxChain};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "smartcity",
    version,
    about = "Smart City contracts on the embedded sandbox chain"
)]
struct Cli {
    /// Folder with the built contracts (`<name>/<name>.wasm`); default: the workspace's artifacts/.
    #[arg(long, global = true)]
    artifacts: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a city on the embedded chain and prints what the chain holds.
    Demo,
    /// Weighs every contract message on the embedded chain and prints a Markdown table.
    Bench,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let dir = cli.artifacts.unwrap_or_else(artifacts::default_dir);
    let registry_wasm = artifacts::wasm(&dir, "identity_registry")?;
    let mut chain = SandboxChain::new();
    match cli.command {
        Command::Demo => {
            demo::run(&mut chain, &registry_wasm, &mut std::io::stdout())?;
        }
        Command::Bench => {
            let table = bench::registry(&mut chain, &registry_wasm)?;
            println!("identity_registry.wasm: {} bytes\n", registry_wasm.len());
            print!("{}", bench::markdown(&table));
        }
    }
    Ok(())
}
