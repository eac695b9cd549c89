//! `smartcity`: the Smart City contracts on the embedded sandbox chain. Parses the
//! command line and runs the command (`smartcity_cli::commands`).

use clap::Parser;

fn main() -> anyhow::Result<()> {
    smartcity_cli::commands::run(smartcity_cli::commands::Cli::parse())
}
