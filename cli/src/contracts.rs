//! `cloudless contracts …`: the Stylus contracts of the workspace.

pub mod deploy;

use anyhow::Context;
use clap::Subcommand;
use harness::artifact::{Artifacts, ContractSizes, build::build_contracts, workspace_root};

/// `cloudless contracts` subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Build every contract for wasm32, process it as `cargo stylus deploy` would and write the
    /// artifacts folder; print raw, processed and on-chain sizes.
    Build {
        /// Print `[{"name", "raw_bytes", "processed_bytes", "onchain_bytes"}]` instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Deploy the built contracts to a chain (any JSON-RPC URL): create and activate the four
    /// programs, deploy the TestUSDC fixture unless `--token` is given, initialize the registry
    /// and market and bind them; write `deployments/<chain>.json`. Re-running is safe: it
    /// resumes an interrupted deployment or reports "already deployed".
    Deploy(Box<deploy::Args>),
}

/// Runs a `contracts` subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Build { json } => build(json),
        Command::Deploy(args) => deploy::run(*args),
    }
}

fn build(json: bool) -> anyhow::Result<()> {
    let artifacts = Artifacts::locate();
    let sizes = build_contracts(&workspace_root(), &artifacts).context("building the contracts")?;
    if json {
        println!("{}", serde_json::to_string(&sizes)?);
    } else {
        print_table(&sizes);
        eprintln!("artifacts written to {}", artifacts.dir().display());
    }
    Ok(())
}

fn print_table(sizes: &[ContractSizes]) {
    println!(
        "{:<16} {:>10} {:>10} {:>10}",
        "contract", "raw", "processed", "on-chain"
    );
    for contract in sizes {
        println!(
            "{:<16} {:>10} {:>10} {:>10}",
            contract.name, contract.raw_bytes, contract.processed_bytes, contract.onchain_bytes
        );
    }
}
