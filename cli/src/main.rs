//! The `cloudless` command: one module per command group.

mod alloc_meter;
mod bench;
mod contracts;
mod demo;

use clap::{Parser, Subcommand};

/// Counts live heap bytes for `cloudless bench`.
#[global_allocator]
static METER: alloc_meter::Meter = alloc_meter::Meter::new();

/// Cloudless: a decentralized serverless compute marketplace settled on Arbitrum Stylus.
#[derive(Parser)]
#[command(name = "cloudless", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Group,
}

/// The command groups.
#[derive(Subcommand)]
enum Group {
    /// Build and inspect the Stylus contracts.
    #[command(subcommand)]
    Contracts(contracts::Command),
    /// Measure performance (the matcher at a million offers, …).
    #[command(subcommand)]
    Bench(bench::Command),
    /// Run the embedded default: build the contracts if needed, start an in-process chain, deploy
    /// Stylus and Solidity contracts, play a round and check that a replay ends in the same state.
    Demo {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Group::Contracts(command) => contracts::run(command),
        Group::Bench(command) => bench::run(command),
        Group::Demo { json } => demo::run(json),
    }
}
