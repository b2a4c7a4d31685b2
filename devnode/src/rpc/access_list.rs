//! `eth_createAccessList`: the accounts and storage slots a call touches, as an EIP-2930 access
//! list, and the gas the call uses with that list, as geth computes them.
//!
//! The list is read from the state the execution loaded rather than from traced opcodes, so
//! the storage a Stylus program reads through its host calls is in it too. Like geth it leaves
//! out the sender, the recipient (or created contract) and precompiles unless their storage was
//! touched, and also the block's beneficiary, which is warm from the start (EIP-3651).

use std::collections::{BTreeMap, BTreeSet};

use alloy::{
    eips::eip2930::{AccessList, AccessListItem, AccessListResult},
    rpc::types::TransactionRequest,
};
use alloy_primitives::{Address, B256, TxKind, U256};
use jsonrpsee::RpcModule;
use revm::{context::result::ExecutionResult, state::EvmState};

use super::{
    Shared,
    errors::{RpcError, RpcResult, revert_message},
    eth, node_method,
};
use crate::{
    Error,
    blocks::COINBASE,
    node::{At, Node, TX_GAS_CAP},
};

/// Runs of the call before the list must have stopped growing. Each run warms what the last one
/// found, which can only reach more of the same code; in practice two runs settle it.
const MAX_RUNS: usize = 16;

/// Addresses and their slots, sorted, so that lists compare as sets.
type Touched = BTreeMap<Address, BTreeSet<B256>>;

pub(super) fn register(module: &mut RpcModule<Shared>) -> Result<(), Error> {
    node_method(module, "eth_createAccessList", |node, params| {
        let mut seq = params.sequence();
        let req: TransactionRequest = seq.next()?;
        let at = node.resolve(seq.optional_next()?)?;
        Ok(create_access_list(node, req, at)?)
    })?;
    Ok(())
}

/// Runs `req` with the list found so far until the list stops changing; returns it with the
/// gas of the last run and, if the call failed, why.
fn create_access_list(
    node: &mut Node,
    mut req: TransactionRequest,
    at: At,
) -> RpcResult<AccessListResult> {
    let from = req.from.unwrap_or_default();
    let to = match req.to {
        Some(TxKind::Call(to)) => to,
        _ => from.create(req.nonce.unwrap_or_else(|| node.nonce(from, at))),
    };
    let gas = req.gas.unwrap_or(TX_GAS_CAP).min(TX_GAS_CAP);
    let mut list = touched_by_list(req.access_list.as_ref());
    for _ in 0..MAX_RUNS {
        req.access_list = Some(access_list(&list));
        let env = eth::call_env(node, &req, at, gas)?;
        let out = node.simulate(env, at, None)?;
        let mut found = list.clone();
        for (address, slots) in touched_by_run(&out.state) {
            let unlisted = address == from || address == to || address == COINBASE;
            if node.is_precompile(&address) || (unlisted && slots.is_empty()) {
                continue;
            }
            found.entry(address).or_default().extend(slots);
        }
        if found == list {
            return Ok(AccessListResult {
                access_list: access_list(&list),
                gas_used: U256::from(out.result.tx_gas_used()),
                error: failure(&out.result),
            });
        }
        list = found;
    }
    Err(RpcError::server(format!(
        "access list did not settle after {MAX_RUNS} runs"
    )))
}

fn touched_by_list(list: Option<&AccessList>) -> Touched {
    list.into_iter()
        .flat_map(|l| l.iter())
        .map(|item| {
            let slots = item.storage_keys.iter().copied().collect();
            (item.address, slots)
        })
        .collect()
}

/// The accounts a run loaded and the storage slots it read or wrote.
fn touched_by_run(state: &EvmState) -> Touched {
    state
        .iter()
        .map(|(address, account)| {
            let slots = account.storage.keys().map(|k| B256::from(*k)).collect();
            (*address, slots)
        })
        .collect()
}

fn access_list(touched: &Touched) -> AccessList {
    AccessList(
        touched
            .iter()
            .map(|(address, slots)| AccessListItem {
                address: *address,
                storage_keys: slots.iter().copied().collect(),
            })
            .collect(),
    )
}

/// geth's `error` field: why the call failed, if it did.
fn failure(result: &ExecutionResult) -> Option<String> {
    match result {
        ExecutionResult::Success { .. } => None,
        ExecutionResult::Revert { output, .. } => Some(revert_message(output)),
        ExecutionResult::Halt { reason, .. } => Some(eth::halt_message(reason)),
    }
}
