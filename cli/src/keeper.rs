//! `cloudless keeper run`: the keeper daemon (the `cloudless-keeper` library) behind flags,
//! with tracing logs and graceful shutdown on SIGINT and SIGTERM.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use alloy::providers::{Provider, ProviderBuilder};
use anyhow::{Context, bail};
use clap::Subcommand;
use cloudless_keeper::{Config, GasPolicy, Keeper, RetryPolicy, verify::Verify};
use serde_json::json;
use tracing::info;

use crate::chain::{client::DEFAULT_RPC_URL, client::WalletArgs, manifest::Manifest};

/// `cloudless keeper` subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Follow the chain and match, evict, close and finalize until SIGINT or SIGTERM.
    Run(RunArgs),
}

/// Flags of `keeper run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// JSON-RPC endpoint of the chain (http(s):// or ws(s)://).
    #[arg(long, env = "ETH_RPC_URL", default_value = DEFAULT_RPC_URL)]
    rpc_url: String,
    /// Deployment manifest with the contract addresses [default: deployments/<chain>.json].
    #[arg(long, value_name = "FILE", env = "CLOUDLESS_MANIFEST")]
    manifest: Option<PathBuf>,
    #[command(flatten)]
    wallet: WalletArgs,
    /// SQLite journal of the keeper's transactions.
    #[arg(long, value_name = "FILE", default_value = "keeper.sqlite")]
    journal: PathBuf,
    /// Blocks behind the head the keeper acts on (0 suits dev chains and Arbitrum).
    #[arg(long, default_value_t = 0)]
    confirmations: u64,
    /// Milliseconds between polls of the head.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    poll_interval: u64,
    /// Serve `/metrics` and `/healthz` on this address (port 0 picks one).
    #[arg(long, value_name = "ADDR")]
    metrics_addr: Option<SocketAddr>,
    /// Highest fee cap ever signed, wei per gas.
    #[arg(long, default_value_t = GasPolicy::default().fee_cap)]
    fee_cap: u128,
    /// Fee raise of a replacement, percent (at least 13).
    #[arg(long, default_value_t = GasPolicy::default().bump_percent)]
    bump_percent: u32,
    /// Blocks a transaction may stay unmined before it is replaced.
    #[arg(long, default_value_t = GasPolicy::default().replace_after_blocks)]
    replace_after_blocks: u64,
    /// Failures (other than lost races) after which a job is parked.
    #[arg(long, default_value_t = RetryPolicy::default().attempts)]
    retry_attempts: u32,
    /// Backoff after a job's first failure, milliseconds (doubled after each further one).
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    retry_backoff: u64,
    /// Park work whose simulation reverts with the same lost-race error for this many ingested
    /// blocks in a row while nothing it depends on changes (until an event touches its
    /// deployment or the epoch changes).
    #[arg(long, value_name = "BLOCKS", default_value_t = RetryPolicy::default().park_lost_after_blocks)]
    park_lost_after_blocks: u32,
    /// Warn below this wallet balance, wei.
    #[arg(long, default_value_t = 10_000_000_000_000_000)]
    low_balance: u128,
    /// Share of every proof's leaves fetched from the provider's node and checked (0 turns
    /// verification off); at least one leaf of a non-empty proof.
    #[arg(long, value_name = "RATE", default_value_t = Verify::default().sample_rate, value_parser = parse_rate)]
    sample_rate: f64,
    /// Token base units the keeper may lock in `challengeSample` bonds per epoch (the keeper
    /// must hold them and have approved the market); 0: only `disputeResult`, which needs none.
    #[arg(long, value_name = "AMOUNT", default_value_t = 0)]
    bond_budget: u128,
    /// Logs as JSON lines (filter with RUST_LOG, default `info`).
    #[arg(long)]
    log_json: bool,
    /// Print one JSON line when started (keeper address, metrics address, journal).
    #[arg(long)]
    json: bool,
}

/// Runs a `keeper` subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    let Command::Run(args) = command;
    init_logs(args.log_json);
    crate::chain::multi_thread(Some(2))?.block_on(run_keeper(args))
}

pub(crate) fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: log files and collectors get plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run_keeper(args: RunArgs) -> anyhow::Result<()> {
    if args.bump_percent < 13 {
        bail!("--bump-percent must be at least 13 (nodes refuse replacements under +12.5%)");
    }
    let Some(signer) = args.wallet.signer()? else {
        bail!(
            "the keeper sends transactions: pass --private-key (or CLOUDLESS_PRIVATE_KEY) or --keystore FILE"
        );
    };
    let manifest = load_manifest(&args.rpc_url, args.manifest.as_deref()).await?;
    let mut config = Config::new(args.rpc_url, manifest, signer, args.journal.clone());
    config.confirmations = args.confirmations;
    config.poll_interval = Duration::from_millis(args.poll_interval.max(1));
    config.metrics = args.metrics_addr;
    config.gas = GasPolicy {
        fee_cap: args.fee_cap,
        bump_percent: args.bump_percent,
        replace_after_blocks: args.replace_after_blocks.max(1),
        ..GasPolicy::default()
    };
    config.retry = RetryPolicy {
        attempts: args.retry_attempts.max(1),
        backoff: Duration::from_millis(args.retry_backoff),
        park_lost_after_blocks: args.park_lost_after_blocks.max(1),
    };
    config.low_balance = args.low_balance;
    config.verify = (args.sample_rate > 0.0).then(|| Verify {
        sample_rate: args.sample_rate,
        bond_budget: args.bond_budget,
        ..Verify::default()
    });
    let keeper_address = config.signer.address();
    let keeper = Keeper::start(config).await?;
    let status = keeper.status();
    if args.json {
        let ready = json!({
            "keeper": keeper_address.to_string(),
            "metrics": status.metrics_addr.map(|a| a.to_string()),
            "journal": args.journal.display().to_string(),
        });
        println!("{ready}");
    }
    wait_for_signal().await?;
    info!("signal received: finishing the cycle in progress");
    keeper.shutdown().await?;
    Ok(())
}

pub(crate) async fn wait_for_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = term.recv() => {}
    }
    Ok(())
}

/// `path`, else `deployments/<chain>.json` for the node's chain.
pub(crate) async fn load_manifest(
    rpc_url: &str,
    path: Option<&std::path::Path>,
) -> anyhow::Result<Manifest> {
    let provider = ProviderBuilder::new()
        .connect(rpc_url)
        .await
        .with_context(|| format!("connecting to {rpc_url}"))?;
    let chain_id = provider
        .get_chain_id()
        .await
        .with_context(|| format!("asking {rpc_url} for its chain id"))?;
    let path = path.map_or_else(
        || {
            Manifest::path_in(
                std::path::Path::new(crate::chain::manifest::DEFAULT_DIR),
                chain_id,
            )
        },
        std::path::Path::to_path_buf,
    );
    let manifest = Manifest::load(&path)?.with_context(|| {
        format!(
            "no deployment manifest at {}: run `cloudless contracts deploy` or pass --manifest FILE",
            path.display()
        )
    })?;
    if manifest.chain_id != chain_id {
        bail!(
            "{} is for chain {} but {rpc_url} is chain {chain_id}",
            path.display(),
            manifest.chain_id
        );
    }
    Ok(manifest)
}

/// A sample rate: a number in 0..=1.
fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!("`{text}` is not a rate between 0 and 1")),
    }
}
