//! Blocks and their receipts fetched ahead of the replay, on a thread and connection of their
//! own, so that fetching block `n + 1` overlaps executing block `n`.

use std::{
    sync::mpsc::{Receiver, SyncSender, sync_channel},
    thread,
};

use alloy::rpc::types::{Block, TransactionReceipt};

use crate::{AuditError, rpc::Rpc};

/// How many blocks the fetcher may run ahead.
const AHEAD: usize = 64;

/// A block with its receipts, or why it could not be fetched.
pub type Fetched = Result<(Block, Vec<TransactionReceipt>), AuditError>;

/// Blocks `from..=to` of the node at `url`, in order; the fetcher stops at the first error
/// (which it hands over) or when the receiver is dropped.
pub fn blocks(url: &str, from: u64, to: u64) -> Result<Receiver<Fetched>, AuditError> {
    let rpc = Rpc::connect(url)?;
    let (sender, receiver) = sync_channel(AHEAD);
    thread::Builder::new()
        .name("audit-prefetch".into())
        .spawn(move || fetch(&rpc, from, to, &sender))
        .map_err(|e| AuditError::Rpc {
            what: "start the block fetcher".into(),
            reason: e.to_string(),
        })?;
    Ok(receiver)
}

fn fetch(rpc: &Rpc, from: u64, to: u64, sender: &SyncSender<Fetched>) {
    for number in from..=to {
        let fetched = rpc
            .block(number)
            .and_then(|block| Ok((block, rpc.receipts(number)?)));
        let failed = fetched.is_err();
        if sender.send(fetched).is_err() || failed {
            return;
        }
    }
}
