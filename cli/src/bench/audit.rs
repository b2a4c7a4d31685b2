//! `cloudless bench audit`: how fast `cloudless audit replay` re-executes a chain. An in-process
//! dev node gets a marketplace and a history of `submitProof`s (the proof half of `bench
//! devnode`: every proof a real signed epoch), then the whole chain is replayed in the harness
//! against it, receipts and final state compared, the ledger folded.

use std::time::Instant;

use anyhow::{Context, Result, ensure};
use cloudless_audit::replay::{ReplayConfig, replay_detached};
use serde::Serialize;

/// Transactions in a year of the reference market: 100 providers, each proving all its
/// placements in one `submitProofs` per hourly epoch.
const YEAR_OF_PROOFS: f64 = 100.0 * 24.0 * 365.0;

/// Flags of `bench audit`.
#[derive(clap::Args)]
pub struct AuditArgs {
    /// `submitProof` transactions in the generated history (two epochs per placement).
    #[arg(long, default_value_t = 2_000)]
    proofs: usize,
    /// Workers proving at once while the history is generated.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Mine a block every SECS seconds while generating, so blocks hold many transactions (as
    /// on a busy chain) [default: a block per transaction].
    #[arg(long, value_name = "SECS")]
    block_time: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// What the replay took.
#[derive(Debug, Serialize)]
struct Report {
    blocks: u64,
    transactions: u64,
    gas: u64,
    /// Wall time of the whole replay: pre-state, blocks, receipts, final state, ledger.
    seconds: f64,
    /// Replaying and comparing receipts (fetching blocks and pre-state included).
    replay_seconds: f64,
    /// Comparing every touched account's final state.
    state_seconds: f64,
    prestate_fetched: u64,
    /// Transactions over the whole replay's time.
    tx_per_second: f64,
    /// Transactions over the time spent on blocks and receipts (what grows with history).
    replay_tx_per_second: f64,
    gas_per_second: f64,
    /// A year of the reference market (876,000 transactions) at the replay rate, plus the final
    /// state's comparison (which grows with the state, not the history), in seconds.
    year_seconds: f64,
}

/// Runs `cloudless bench audit`.
pub fn run(args: &AuditArgs) -> Result<()> {
    ensure!(args.clients > 0, "--clients must be positive");
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(bench(args))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "replayed {} blocks, {} transactions, {} gas in {:.2} s ({:.2} s blocks and receipts, {:.2} s final state): {:.0} tx/s ({:.0} tx/s on blocks and receipts), {:.1} Mgas/s; a year of the reference market ({YEAR_OF_PROOFS} tx) would take about {:.0} s",
            report.blocks,
            report.transactions,
            report.gas,
            report.seconds,
            report.replay_seconds,
            report.state_seconds,
            report.tx_per_second,
            report.replay_tx_per_second,
            report.gas_per_second / 1e6,
            report.year_seconds
        );
    }
    Ok(())
}

async fn bench(args: &AuditArgs) -> Result<Report> {
    let config = devnode::Config {
        port: 0,
        accounts: u32::try_from(args.clients + 1)?,
        block_time: args.block_time.map(std::time::Duration::from_secs),
        ..Default::default()
    };
    let (node, signers) = super::devnode::start_node(config).await?;
    let url = node.rpc_url();
    let (_, sources) = super::proofs::run(&url, &signers, args.clients, args.proofs)
        .await
        .context("generating the history")?;
    let out = tempfile::tempdir()?;
    let started = Instant::now();
    let outcome = replay_detached(ReplayConfig::new(url, sources, 1, out.path().to_owned())).await;
    let seconds = started.elapsed().as_secs_f64();
    node.stop().await?;
    let s = outcome.context("replaying the history")?.summary;
    let per_second = |n: f64, time: f64| n / time.max(f64::MIN_POSITIVE);
    let replay_tx_per_second = per_second(s.transactions as f64, s.replay_seconds);
    Ok(Report {
        blocks: s.blocks,
        transactions: s.transactions,
        gas: s.gas,
        seconds,
        replay_seconds: s.replay_seconds,
        state_seconds: s.state_seconds,
        prestate_fetched: s.prestate_fetched,
        tx_per_second: per_second(s.transactions as f64, seconds),
        replay_tx_per_second,
        gas_per_second: per_second(s.gas as f64, seconds),
        year_seconds: per_second(YEAR_OF_PROOFS, replay_tx_per_second) + s.state_seconds,
    })
}
