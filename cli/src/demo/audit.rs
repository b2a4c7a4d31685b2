//! The demo's last step: it audits its own chain as `cloudless audit replay` does — every
//! block since the marketplace's deployment re-executed in the harness over the node's
//! pre-state, each receipt and the final state compared with the node, the billing ledger
//! folded and its invariants checked.

use std::path::PathBuf;

use anyhow::{Context, Result};
use cloudless_audit::replay::{ReplayConfig, replay_detached};
use serde::Serialize;

use crate::chain::manifest::Manifest;
use sha2::{Digest, Sha256};

/// What the audit found.
#[derive(Debug, Serialize)]
pub struct Audit {
    /// Blocks replayed.
    pub blocks: u64,
    /// Transactions replayed.
    pub transactions: u64,
    /// Every replayed receipt equals the node's (a difference fails the demo).
    pub receipts_equal: bool,
    /// Every touched account's final state equals the node's.
    pub state_equal: bool,
    /// The ledger breaks none of the protocol's invariants.
    pub invariants_hold: bool,
    /// The invariants it breaks.
    pub violations: Vec<String>,
    /// SHA-256 of `ledger.json`, hex.
    pub ledger_sha256: String,
}

/// Replays the chain at `rpc_url` from the marketplace's deploy block, caching and writing the
/// ledger in `out`.
pub async fn audit(rpc_url: String, manifest: &Manifest, out: PathBuf) -> Result<Audit> {
    let from_block = manifest.deploy_block.unwrap_or_default();
    let config = ReplayConfig::new(rpc_url, manifest.sources()?, from_block, out);
    let outcome = replay_detached(config)
        .await
        .context("auditing the demo's chain")?;
    let s = &outcome.summary;
    let violations = outcome.ledger.violations();
    Ok(Audit {
        blocks: s.blocks,
        transactions: s.transactions,
        receipts_equal: true,
        state_equal: true,
        invariants_hold: violations.is_empty(),
        violations,
        ledger_sha256: hex::encode(Sha256::digest(outcome.ledger.to_json())),
    })
}
