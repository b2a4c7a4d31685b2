//! Polling filters: `eth_newFilter`, `eth_newBlockFilter`, `eth_newPendingTransactionFilter`,
//! `eth_getFilterChanges`, `eth_getFilterLogs`, `eth_uninstallFilter`. The filters themselves
//! are in [`crate::filters`]; log matching is `eth_getLogs`'s.

use std::{collections::HashSet, time::Instant};

use alloy::rpc::types::{Filter, FilterBlockOption, Log as RpcLog};
use alloy_primitives::B256;
use jsonrpsee::RpcModule;
use serde::Serialize;

use super::{
    Shared,
    errors::{RpcError, RpcResult},
    eth, node_method,
};
use crate::{
    Error,
    filters::{self, Watch},
    node::Node,
};

/// What `eth_getFilterChanges` returns: block or transaction hashes, or logs.
#[derive(Clone, Serialize)]
#[serde(untagged)]
enum Changes {
    Hashes(Vec<B256>),
    Logs(Vec<RpcLog>),
}

pub(super) fn register(module: &mut RpcModule<Shared>) -> Result<(), Error> {
    node_method(module, "eth_newFilter", |node, params| {
        let filter: Filter = params.sequence().next()?;
        Ok(install(node, Watch::Logs(Box::new(filter)))?)
    })?;
    node_method(module, "eth_newBlockFilter", |node, _| {
        Ok(install(node, Watch::Blocks)?)
    })?;
    node_method(module, "eth_newPendingTransactionFilter", |node, params| {
        let full: Option<bool> = params.sequence().optional_next()?;
        if full == Some(true) {
            return Err(RpcError::params(
                "full pending transactions are not supported: the filter reports hashes",
            )
            .into());
        }
        Ok(install(node, Watch::PendingTransactions)?)
    })?;
    node_method(module, "eth_getFilterChanges", |node, params| {
        let id: String = params.sequence().next()?;
        Ok(changes(node, &id)?)
    })?;
    node_method(module, "eth_getFilterLogs", |node, params| {
        let id: String = params.sequence().next()?;
        Ok(match node.filters().watch(&id, Instant::now())? {
            Watch::Logs(filter) => eth::logs(node, &filter)?,
            // As geth: only log filters have logs to get.
            Watch::Blocks | Watch::PendingTransactions => {
                return Err(filters::not_found().into());
            }
        })
    })?;
    node_method(module, "eth_uninstallFilter", |node, params| {
        let id: String = params.sequence().next()?;
        Ok(node.filters().uninstall(&id, Instant::now()))
    })?;
    Ok(())
}

fn install(node: &mut Node, watch: Watch) -> RpcResult<alloy_primitives::U64> {
    let head = node.head();
    let pool = node.pending_hashes();
    node.filters().install(watch, head, pool, Instant::now())
}

/// What filter `id` saw since its last poll; the filter then starts after the head.
fn changes(node: &mut Node, id: &str) -> RpcResult<Changes> {
    let due = node.filters().due(id, Instant::now())?;
    let head = node.head();
    let new_blocks = due.from..=head;
    let pool = node.pending_hashes();
    let changes = match &due.watch {
        Watch::Blocks => Changes::Hashes(
            new_blocks
                .filter_map(|n| node.block(n).map(|b| b.hash))
                .collect(),
        ),
        Watch::PendingTransactions => {
            let mined = new_blocks
                .filter_map(|n| node.block(n))
                .flat_map(|b| b.txs.iter().map(|t| t.hash));
            let mut seen = HashSet::new();
            Changes::Hashes(
                mined
                    .chain(pool.iter().copied())
                    .filter(|h| !due.reported.contains(h) && seen.insert(*h))
                    .collect(),
            )
        }
        Watch::Logs(filter) => {
            let (from, to) =
                filters::block_range(filter, |hash| node.block_by_hash(&hash).map(|b| b.number()));
            let (from, to) = (from.max(due.from), to.min(head));
            // Not `eth_getLogs` then: it would read a `from` past the head as the head.
            if from > to {
                Changes::Logs(Vec::new())
            } else {
                let new = Filter {
                    block_option: FilterBlockOption::Range {
                        from_block: Some(from.into()),
                        to_block: Some(to.into()),
                    },
                    ..(**filter).clone()
                };
                Changes::Logs(eth::logs(node, &new)?)
            }
        }
    };
    node.filters().reported(id, head, pool)?;
    Ok(changes)
}
