//! `cloudless bench audit`: how fast `cloudless audit replay` re-executes a chain. An in-process
//! dev node gets a marketplace and a history of `submitProof`s (the proof half of `bench
//! devnode`: every proof a real signed epoch), then the whole chain is replayed in the harness
//! against it, receipts and final state compared, the ledger folded.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use cloudless_audit::replay::{ReplayConfig, replay};
use serde::Serialize;

/// Transactions in a year of the reference market: 100 providers, each proving all its
/// placements in one `submitProofs` per hourly epoch.
const YEAR_OF_PROOFS: f64 = 100.0 * 24.0 * 365.0;

/// Flags of `bench audit`.
#[derive(clap::Args)]
pub struct AuditArgs {
    /// Epoch proofs in the generated history (two epochs per placement).
    #[arg(long, default_value_t = 3_000)]
    proofs: usize,
    /// Proofs per transaction: the reference market's provider proves its 30 placements in
    /// one `submitProofs` per epoch (1: one `submitProof` each).
    #[arg(long, value_name = "N", default_value_t = 30)]
    per_tx: usize,
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
    /// All replayed: the marketplace's set-up, then the proofs.
    transactions: u64,
    proofs_per_transaction: usize,
    /// The proof transactions (the history's tail).
    proof_transactions: u64,
    gas: u64,
    /// Wall time of the whole replay: pre-state, blocks, receipts, final state, ledger.
    seconds: f64,
    /// Replaying and comparing receipts (fetching blocks and pre-state included).
    replay_seconds: f64,
    /// Where `replay_seconds` went.
    share: Share,
    /// Comparing every touched account's final state.
    state_seconds: f64,
    prestate_fetched: u64,
    /// Transactions over the whole replay's time.
    tx_per_second: f64,
    /// Proof transactions over the time the replay spent on them (what grows with history).
    proof_tx_per_second: f64,
    /// Gas over the time spent on blocks and receipts.
    gas_per_second: f64,
    /// A year of the reference market (876,000 proof transactions) at the proof rate, plus
    /// the final state's comparison (which grows with the state, not the history), in seconds.
    year_seconds: f64,
}

/// Shares of the time spent on blocks and receipts.
#[derive(Debug, Serialize)]
struct Share {
    /// Fetching blocks and receipts from the node.
    fetch: f64,
    /// Executing transactions (lazy pre-state reads included).
    execute: f64,
    /// Comparing receipts.
    compare: f64,
    /// Folding the ledger and checking its invariants.
    ledger: f64,
}

/// Runs `cloudless bench audit`.
pub fn run(args: &AuditArgs) -> Result<()> {
    ensure!(args.clients > 0, "--clients must be positive");
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(bench(args))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let r = &report;
        println!(
            "replayed {} blocks, {} transactions ({} of {} proofs each), {} gas in {:.2} s ({:.2} s blocks and receipts, {:.2} s final state)",
            r.blocks,
            r.transactions,
            r.proof_transactions,
            r.proofs_per_transaction,
            r.gas,
            r.seconds,
            r.replay_seconds,
            r.state_seconds
        );
        println!(
            "blocks and receipts: {:.0} % fetching, {:.0} % executing, {:.0} % comparing, {:.0} % ledger; {:.1} Mgas/s",
            r.share.fetch * 100.0,
            r.share.execute * 100.0,
            r.share.compare * 100.0,
            r.share.ledger * 100.0,
            r.gas_per_second / 1e6
        );
        println!(
            "proof transactions: {:.0} tx/s; a year of the reference market ({YEAR_OF_PROOFS} tx) would take about {:.0} s",
            r.proof_tx_per_second, r.year_seconds
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
    let history = super::proofs::run(&url, &signers, args.clients, args.proofs, args.per_tx)
        .await
        .context("generating the history")?;
    let out = tempfile::tempdir()?;
    let config = ReplayConfig::new(url, history.sources, 1, out.path().to_owned());
    let first_proof = history.first_block;
    let replayed = tokio::task::spawn_blocking(move || {
        // When the replay reaches the proofs: the setup before them is not what grows.
        let mut proofs_began = None;
        let started = Instant::now();
        let outcome = replay(&config, &mut |p| {
            if p.block + 1 == first_proof {
                proofs_began = Some((Instant::now(), p.transactions));
            }
        });
        (outcome, started, proofs_began)
    })
    .await?;
    let (outcome, started, proofs_began) = replayed;
    let seconds = started.elapsed().as_secs_f64();
    node.stop().await?;
    let s = outcome.context("replaying the history")?.summary;
    let (began, setup_transactions) = proofs_began.context("the history has no proof blocks")?;
    let proof_seconds = (started + Duration::from_secs_f64(s.replay_seconds))
        .saturating_duration_since(began)
        .as_secs_f64();
    let per_second = |n: f64, time: f64| n / time.max(f64::MIN_POSITIVE);
    let proof_transactions = s.transactions - setup_transactions;
    let proof_tx_per_second = per_second(proof_transactions as f64, proof_seconds);
    let replay = s.replay_seconds.max(f64::MIN_POSITIVE);
    Ok(Report {
        blocks: s.blocks,
        transactions: s.transactions,
        proofs_per_transaction: args.per_tx,
        proof_transactions,
        gas: s.gas,
        seconds,
        replay_seconds: s.replay_seconds,
        share: Share {
            fetch: s.fetch_seconds / replay,
            execute: s.execute_seconds / replay,
            compare: s.compare_seconds / replay,
            ledger: s.ledger_seconds / replay,
        },
        state_seconds: s.state_seconds,
        prestate_fetched: s.prestate_fetched,
        tx_per_second: per_second(s.transactions as f64, seconds),
        proof_tx_per_second,
        gas_per_second: per_second(s.gas as f64, s.replay_seconds),
        year_seconds: per_second(YEAR_OF_PROOFS, proof_tx_per_second) + s.state_seconds,
    })
}
