//! `cloudless contracts …`: the Stylus contracts of the workspace.

pub mod deploy;

use anyhow::Context;
use clap::Subcommand;
use harness::artifact::{
    Artifacts, ContractSizes, Manifest,
    build::{ProgramKind, build_contracts},
    workspace_root,
};

/// `cloudless contracts` subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Build every contract and function for wasm32, process it as `cargo stylus deploy` would,
    /// check every function's purity and write the artifacts folder; print raw, processed and
    /// on-chain sizes.
    Build {
        /// Print `[{"name", "raw_bytes", "processed_bytes", "onchain_bytes"}]` (contracts, then
        /// functions) instead of a table.
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
    let manifest =
        build_contracts(&workspace_root(), &artifacts).context("building the contracts")?;
    print_sizes(json, &manifest, &artifacts)
}

/// Prints every program of `manifest`: `[{"name", "raw_bytes", "processed_bytes",
/// "onchain_bytes"}]` (contracts, then functions) with `json`, else a table.
pub fn print_sizes(json: bool, manifest: &Manifest, artifacts: &Artifacts) -> anyhow::Result<()> {
    let programs = [
        (ProgramKind::Contract, &manifest.contracts),
        (ProgramKind::Function, &manifest.functions),
    ];
    if json {
        let all: Vec<&ContractSizes> = programs.iter().flat_map(|(_, list)| list.iter()).collect();
        println!("{}", serde_json::to_string(&all)?);
        return Ok(());
    }
    println!(
        "{:<16} {:<9} {:>10} {:>10} {:>10}",
        "program", "kind", "raw", "processed", "on-chain"
    );
    for (kind, list) in programs {
        for program in list {
            println!(
                "{:<16} {:<9} {:>10} {:>10} {:>10}",
                program.name,
                kind,
                program.raw_bytes,
                program.processed_bytes,
                program.onchain_bytes
            );
        }
    }
    eprintln!("artifacts written to {}", artifacts.dir().display());
    Ok(())
}
