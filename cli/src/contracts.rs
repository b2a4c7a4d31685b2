//! `cloudless contracts …`: the Stylus contracts of the workspace.

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
}

/// Runs a `contracts` subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Build { json } => build(json),
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
