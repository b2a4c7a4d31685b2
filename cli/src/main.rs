//! The `cloudless` command: one module per command group.

mod alloc_meter;
mod audit;
mod bench;
mod call;
mod chain;
mod console;
mod contracts;
mod demo;
mod developer;
mod devnode;
mod dispute;
mod function;
mod gateway;
mod keeper;
mod market;
mod provider;
mod token;

use std::process::ExitCode;

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
    /// Functions, the pure Stylus programs deployments run: build, deploy.
    #[command(subcommand)]
    Function(function::Command),
    /// Measure performance (the matcher at a million offers, …).
    #[command(subcommand)]
    Bench(bench::Command),
    /// Run the embedded default: build the contracts if needed, start a dev node, deploy the
    /// marketplace, run a keeper and play a market round; print the statement and check that
    /// every token is accounted for.
    Demo(demo::Args),
    /// Run a local Stylus-capable chain with an Ethereum JSON-RPC server (HTTP and WebSocket).
    Devnode(devnode::Args),
    /// Provider actions: register, stake, offers, placements, proofs, claims.
    #[command(subcommand)]
    Provider(provider::Command),
    /// Developer actions on deployments: create, top up, withdraw, cancel, inspect.
    #[command(subcommand)]
    Deploy(developer::Command),
    /// Call a deployment through its providers' nodes; the signed receipt is verified and kept
    /// for disputes.
    Call(call::Args),
    /// The HTTP gateway: `POST /d/<deployment>` reaches a live provider node, the receipt
    /// verified, with failover and CORS for browser apps.
    Gateway(gateway::Args),
    /// Disputes: a wrong result, a receipt left out of its proof, a sampled leaf; resolve, status.
    #[command(subcommand)]
    Dispute(dispute::Command),
    /// The marketplace: offers, deployments and parameters, and what anyone may do (match,
    /// evict, finalize, close).
    #[command(subcommand)]
    Market(market::Command),
    /// The payment and stake token: balances, approvals, minting on dev chains.
    #[command(subcommand)]
    Token(token::Command),
    /// The keeper daemon: matches deployments, evicts, closes and finalizes.
    #[command(subcommand)]
    Keeper(keeper::Command),
    /// Audit a chain: replay it in the harness against any node and build the billing ledger.
    #[command(subcommand)]
    Audit(audit::Command),
    /// The web console: the marketplace in a browser, writes signed by the user's own wallet.
    Console(console::Args),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Group::Contracts(command) => contracts::run(command),
        Group::Function(command) => function::run(command),
        Group::Bench(command) => bench::run(command),
        Group::Demo(args) => demo::run(args),
        Group::Devnode(args) => devnode::run(args),
        Group::Provider(command) => provider::run(command),
        Group::Deploy(command) => developer::run(command),
        Group::Call(args) => call::run(args),
        Group::Dispute(command) => dispute::run(command),
        Group::Gateway(args) => gateway::run(args),
        Group::Market(command) => market::run(command),
        Group::Token(command) => token::run(command),
        Group::Keeper(command) => keeper::run(command),
        Group::Audit(command) => audit::run(command),
        Group::Console(args) => console::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The message and its causes, never a backtrace: users read this.
            let mut last = error.to_string();
            eprintln!("error: {last}");
            for cause in error.chain().skip(1).map(|cause| cause.to_string()) {
                if cause != last {
                    eprintln!("  caused by: {cause}");
                }
                last = cause;
            }
            ExitCode::FAILURE
        }
    }
}
