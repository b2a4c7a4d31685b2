//! `cloudless function …`: functions, the pure Stylus programs deployments run (request =
//! calldata, response = return data).

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use harness::artifact::{
    Artifacts, Manifest, STYLUS_PREFIX, build::build_functions, check_purity, process,
    workspace_root,
};
use serde_json::json;

use crate::chain::{
    Client,
    client::{RpcArgs, WalletArgs},
    output,
    program::{CacheArgs, deploy_program},
};

/// `cloudless function` subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Build every function crate (`functions/`) for wasm32, process it, check its purity and
    /// size and write the artifacts folder; print raw, processed and on-chain sizes.
    Build {
        /// Print `[{"name", "raw_bytes", "processed_bytes", "onchain_bytes"}]` instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Deploy a function: check its purity (an impure one is refused, naming the import, before
    /// anything is sent), create the program and activate it through ArbWasm; print its address
    /// and code hash (a deployment's `artifact`).
    Deploy(DeployArgs),
}

/// Flags of `cloudless function deploy`.
#[derive(clap::Args)]
pub struct DeployArgs {
    /// A built function (`cloudless function build`), by crate name.
    #[arg(required_unless_present = "wasm", conflicts_with = "wasm")]
    name: Option<String>,
    /// A function's wasm (rustc's or processed) or on-chain code (`EF F0 00 …`).
    #[arg(long, value_name = "FILE")]
    wasm: Option<PathBuf>,
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    wallet: WalletArgs,
    #[command(flatten)]
    cache: CacheArgs,
}

/// Runs a `function` subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Build { json } => {
            let artifacts = Artifacts::locate();
            let built =
                build_functions(&workspace_root(), &artifacts).context("building the functions")?;
            let functions = Manifest {
                contracts: Vec::new(),
                functions: built.functions,
            };
            crate::contracts::print_sizes(json, &functions, &artifacts)
        }
        Command::Deploy(args) => crate::chain::run(args.rpc.json, deploy(args)),
    }
}

async fn deploy(args: DeployArgs) -> anyhow::Result<()> {
    let (name, code) = load(&args)?;
    let client = Client::connect(&args.rpc, &args.wallet).await?;
    let mut deployed = deploy_program(&client, &name, &code).await?;
    // Disputes re-execute the function on-chain: cached, each call costs less to enter.
    let program = (deployed.address, deployed.code_hash);
    let cache = args
        .cache
        .bid(&client, &name, program, &mut deployed.sent)
        .await?;
    let summary = json!({
        "function": name,
        "address": deployed.address.to_string(),
        "code_hash": deployed.code_hash.to_string(),
        "onchain_bytes": code.len(),
        "cache": cache,
        "gas_used": deployed.sent.iter().map(|tx| tx.gas_used).sum::<u64>(),
    });
    output::report(args.rpc.json, &deployed.sent, summary);
    Ok(())
}

/// The function's name and on-chain code, after the purity check.
fn load(args: &DeployArgs) -> anyhow::Result<(String, Vec<u8>)> {
    let (name, bytes) = match (&args.name, &args.wasm) {
        (Some(name), _) => {
            let code = Artifacts::locate().load(name).with_context(|| {
                format!("loading the {name} artifact: run `cloudless function build` first")
            })?;
            (name.clone(), code)
        }
        (None, Some(path)) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let name = path.file_stem().map_or_else(
                || "function".into(),
                |stem| stem.to_string_lossy().into_owned(),
            );
            (name, bytes)
        }
        (None, None) => unreachable!("clap requires NAME or --wasm"),
    };
    check_purity(&bytes).with_context(|| format!("checking that function `{name}` is pure"))?;
    let code = if bytes.starts_with(&STYLUS_PREFIX[..3]) {
        bytes
    } else {
        process(&bytes)
            .with_context(|| format!("processing {name}"))?
            .code
    };
    Ok((name, code))
}
