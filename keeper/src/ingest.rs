//! Following the chain: the registry's and market's logs in bounded block ranges up to
//! `head − confirmations`, with reorg detection by block hash.
//!
//! The state is rebuilt from events alone. After each range the hash of its last block is
//! remembered; before the next range that block's hash is read again, and a different hash (a
//! reorg deeper than the confirmation depth) drops the state and re-ingests from the deploy
//! block. The matcher's book has no undo log, so a rebuild is the one correct rewind; on dev
//! chains and Arbitrum (reorgs are rare and shallow below `latest`) it costs one replay.
//!
//! A log that contradicts the state is not a reorg: re-reading the same chain meets the same
//! log, so a rebuild would loop forever. It is skipped, reported loudly and returned to the
//! caller, and the rest of the chain's business goes on.

use alloy::{
    eips::BlockNumberOrTag,
    providers::{DynProvider, Provider},
    rpc::types::Filter,
};
use alloy_primitives::B256;
use cloudless_client::manifest::Manifest;
use matcher::Sources;
use tracing::{debug, error, warn};

use crate::{
    Error,
    state::{Inconsistent, MarketState},
};

/// The contracts whose logs are ingested, from the manifest.
pub fn sources(manifest: &Manifest) -> Result<Sources, Error> {
    manifest
        .sources()
        .map_err(|e| Error::Config(format!("{e:#}")))
}

/// Where ingestion stands.
pub struct Cursor {
    /// First block with marketplace logs.
    pub deploy_block: u64,
    /// Last block whose logs are in the state, with its hash.
    pub processed: Option<(u64, B256)>,
    /// Blocks per `eth_getLogs` call.
    pub chunk: u64,
}

impl Cursor {
    /// The last processed block number (the block before the deploy block at first).
    pub fn block(&self) -> u64 {
        self.processed
            .map_or(self.deploy_block.saturating_sub(1), |(n, _)| n)
    }
}

/// Ingests every log up to `target`; returns the logs that contradicted the state and were
/// skipped. On a reorg the state is reset and ingestion starts again from the deploy block.
pub async fn ingest(
    provider: &DynProvider,
    cursor: &mut Cursor,
    state: &mut MarketState,
    target: u64,
) -> Result<Vec<Inconsistent>, Error> {
    if let Some((number, hash)) = cursor.processed
        && block_hash(provider, number).await? != hash
    {
        warn!(
            block = number,
            "reorg: the processed block's hash changed; rebuilding from the deploy block"
        );
        reset(cursor, state);
    }
    let sources = state.sources();
    let mut contradictions = Vec::new();
    while cursor.block() < target || cursor.processed.is_none() && cursor.deploy_block <= target {
        let from = cursor.processed.map_or(cursor.deploy_block, |(n, _)| n + 1);
        let to = (from + cursor.chunk - 1).min(target);
        let before = block_hash(provider, to).await?;
        let filter = Filter::new()
            .address(vec![sources.registry, sources.market])
            .from_block(from)
            .to_block(to);
        let mut logs = provider.get_logs(&filter).await?;
        if block_hash(provider, to).await? != before {
            warn!(
                block = to,
                "reorg while reading logs; reading the range again"
            );
            continue;
        }
        logs.retain(|log| !log.removed);
        logs.sort_by_key(|log| (log.block_number, log.log_index));
        for error in state.apply_all(&logs) {
            error!(%error, "a log contradicts the keeper's state: skipped, the book may be wrong about what it names");
            contradictions.push(error);
        }
        debug!(from, to, logs = logs.len(), "ingested");
        cursor.processed = Some((to, before));
    }
    Ok(contradictions)
}

fn reset(cursor: &mut Cursor, state: &mut MarketState) {
    state.reset();
    cursor.processed = None;
}

async fn block_hash(provider: &DynProvider, number: u64) -> Result<B256, Error> {
    let block = provider
        .get_block_by_number(BlockNumberOrTag::Number(number))
        .await?
        .ok_or_else(|| Error::Rpc(format!("the node has no block {number}")))?;
    Ok(block.header.hash)
}
