//! `cloudless audit`: replay a chain from any node in the harness and compare it with the node
//! (the `cloudless-audit` library behind flags).

mod receipts;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use cloudless_audit::{
    replay::{ReplayConfig, replay},
    rpc::Rpc,
};
use serde_json::json;

use crate::chain::{client::DEFAULT_RPC_URL, manifest::Manifest, output};

/// `cloudless audit` subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Re-execute every block since the marketplace's deploy block in the harness, over the
    /// node's state before it; compare each receipt and the final state of every touched
    /// account with the node, and write the billing ledger. Exits 1 at the first difference.
    Replay(ReplayArgs),
    /// Check a deployment's proofs against its providers' nodes: sampled (or all) leaves
    /// fetched, their paths, signatures and requests checked, the function re-run; a report
    /// per provider. Exits 1 when a leaf is wrong or not shown.
    Receipts(receipts::ReceiptsArgs),
}

/// Flags of `audit replay`.
#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// JSON-RPC endpoint of the chain (http or https).
    #[arg(long, env = "ETH_RPC_URL", default_value = DEFAULT_RPC_URL)]
    rpc_url: String,
    /// Deployment manifest: its contracts' logs make the ledger and its `deploy_block` is the
    /// first block replayed [default: deployments/<chain>.json].
    #[arg(long, value_name = "FILE", env = "CLOUDLESS_MANIFEST")]
    manifest: Option<PathBuf>,
    /// Last block to replay [default: the head].
    #[arg(long, value_name = "N")]
    to_block: Option<u64>,
    /// Directory of `ledger.json`, `ledger.csv` and the pre-state cache (`cache/`).
    #[arg(long, value_name = "DIR", default_value = "audit")]
    out: PathBuf,
    /// Print the summary as one JSON document.
    #[arg(long)]
    json: bool,
}

/// Runs an `audit` subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    let args = match command {
        Command::Replay(args) => args,
        Command::Receipts(args) => return receipts::run(args),
    };
    let result = replay_command(&args);
    if let (true, Err(error)) = (args.json, &result) {
        println!("{}", output::error_json(error));
    }
    result
}

fn replay_command(args: &ReplayArgs) -> anyhow::Result<()> {
    let manifest = manifest(args)?;
    let from_block = manifest.deploy_block.unwrap_or(1);
    let config = ReplayConfig {
        to_block: args.to_block,
        ..ReplayConfig::new(
            &args.rpc_url,
            manifest.sources()?,
            from_block,
            args.out.clone(),
        )
    };
    let outcome = replay(&config, &mut |p| {
        if p.block == p.last || p.block % 100 == 0 {
            eprintln!(
                "replayed block {}/{} ({} transactions)",
                p.block, p.last, p.transactions
            );
        }
    })?;
    outcome.ledger.write(&args.out)?;
    let violations = outcome.ledger.violations();
    let s = &outcome.summary;
    let seconds = s.replay_seconds.max(1e-9);
    if args.json {
        let mut summary = serde_json::to_value(s)?;
        summary["receipts_equal"] = json!(true);
        summary["state_equal"] = json!(true);
        summary["invariants_hold"] = json!(violations.is_empty());
        summary["violations"] = json!(violations);
        summary["blocks_per_second"] = json!(s.blocks as f64 / seconds);
        summary["ledger"] = json!({
            "json": args.out.join("ledger.json"),
            "csv": args.out.join("ledger.csv"),
            "deployments": outcome.ledger.deployments.len(),
            "providers": outcome.ledger.providers.len(),
        });
        println!("{summary}");
    } else {
        println!(
            "blocks {}..={}: {} transactions replayed, every receipt equals the node's",
            s.from_block, s.to_block, s.transactions
        );
        println!(
            "state after block {}: {} accounts and {} storage words equal the node's",
            s.to_block, s.accounts_checked, s.slots_checked
        );
        println!(
            "{:.1} blocks/s; ledger in {}",
            s.blocks as f64 / seconds,
            args.out.display()
        );
        if violations.is_empty() {
            println!("every deployment's money balances; no provider claimed more than it earned");
        }
    }
    if !violations.is_empty() {
        anyhow::bail!(
            "the ledger breaks the protocol's invariants:\n  {}",
            violations.join("\n  ")
        );
    }
    Ok(())
}

/// The marketplace's manifest: `--manifest`, else the chain's default manifest. It names the
/// contracts whose logs are the marketplace's and the first block replayed.
fn manifest(args: &ReplayArgs) -> anyhow::Result<Manifest> {
    let path = match &args.manifest {
        Some(path) => path.clone(),
        None => {
            let chain_id = Rpc::connect(&args.rpc_url)?.chain_id()?;
            Manifest::path_in(Path::new(crate::chain::manifest::DEFAULT_DIR), chain_id)
        }
    };
    Manifest::load(&path)?.with_context(|| {
        format!(
            "no deployment manifest at {}: pass --manifest FILE (the one `cloudless contracts deploy` wrote); the ledger counts only the logs of the marketplace's own contracts",
            path.display()
        )
    })
}
