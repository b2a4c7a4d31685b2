//! The `eth_*`, `net_*` and `web3_*` methods.

use alloy::{
    eips::BlockNumberOrTag,
    rpc::types::{
        BlockId, FeeHistory, Filter, FilterBlockOption, Log as RpcLog, TransactionRequest,
        state::StateOverride,
    },
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U64, U256};
use jsonrpsee::RpcModule;
use revm::context::{
    TxEnv,
    result::{ExecutionResult, HaltReason, OutOfGasError},
};
use serde_json::Value;

use super::{
    Shared, convert,
    errors::{RpcError, RpcResult},
    node_method,
};
use crate::{
    Error, admission,
    blocks::COINBASE,
    node::{At, BASE_FEE, Node, TX_GAS_CAP},
};

/// Largest block range one `eth_getLogs` may scan.
const MAX_LOG_RANGE: u64 = 100_000;
/// Most blocks one `eth_feeHistory` reports.
const MAX_FEE_HISTORY: u64 = 1024;

pub(super) fn register(module: &mut RpcModule<Shared>) -> Result<(), Error> {
    node_method(module, "eth_chainId", |node, _| {
        Ok(U64::from(node.chain_id()))
    })?;
    node_method(module, "net_version", |node, _| {
        Ok(node.chain_id().to_string())
    })?;
    node_method(module, "web3_clientVersion", |_, _| {
        Ok(concat!("cloudless-devnode/v", env!("CARGO_PKG_VERSION")))
    })?;
    node_method(module, "eth_syncing", |_, _| Ok(false))?;
    node_method(module, "net_listening", |_, _| Ok(true))?;
    node_method(module, "eth_accounts", |node, _| Ok(node.accounts()))?;
    node_method(module, "eth_coinbase", |_, _| Ok(COINBASE))?;
    // Transactions wait only in interval mode, and a nonce gap is refused, so nothing queues.
    node_method(module, "txpool_status", |node, _| {
        Ok(serde_json::json!({
            "pending": U64::from(node.pending_hashes().len()),
            "queued": U64::ZERO,
        }))
    })?;
    node_method(module, "eth_blockNumber", |node, _| {
        Ok(U64::from(node.head()))
    })?;
    node_method(module, "eth_gasPrice", |_, _| Ok(U256::from(BASE_FEE)))?;
    node_method(module, "eth_maxPriorityFeePerGas", |_, _| Ok(U256::ZERO))?;
    node_method(module, "eth_getBalance", |node, params| {
        let mut seq = params.sequence();
        let address: Address = seq.next()?;
        let at = node.resolve(seq.optional_next()?)?;
        Ok(node.balance(address, at))
    })?;
    node_method(module, "eth_getTransactionCount", |node, params| {
        let mut seq = params.sequence();
        let address: Address = seq.next()?;
        let at = node.resolve(seq.optional_next()?)?;
        Ok(U64::from(node.nonce(address, at)))
    })?;
    node_method(module, "eth_getCode", |node, params| {
        let mut seq = params.sequence();
        let address: Address = seq.next()?;
        let at = node.resolve(seq.optional_next()?)?;
        Ok(node.code(address, at))
    })?;
    node_method(module, "eth_getStorageAt", |node, params| {
        let mut seq = params.sequence();
        let address: Address = seq.next()?;
        let slot: U256 = seq.next()?;
        let at = node.resolve(seq.optional_next()?)?;
        Ok(B256::from(node.storage(address, slot, at)))
    })?;
    node_method(module, "eth_call", |node, params| {
        let mut seq = params.sequence();
        let req: TransactionRequest = seq.next()?;
        let at = node.resolve(seq.optional_next()?)?;
        let overrides: Option<StateOverride> = seq.optional_next()?;
        let gas = req.gas.unwrap_or(TX_GAS_CAP).min(TX_GAS_CAP);
        let env = call_env(node, &req, at, gas)?;
        Ok(output(node.simulate(env, at, overrides.as_ref())?.result)?)
    })?;
    node_method(module, "eth_estimateGas", |node, params| {
        let mut seq = params.sequence();
        let req: TransactionRequest = seq.next()?;
        let at = node.resolve(seq.optional_next()?)?;
        let overrides: Option<StateOverride> = seq.optional_next()?;
        Ok(U64::from(estimate_gas(node, &req, at, overrides.as_ref())?))
    })?;
    node_method(module, "eth_feeHistory", |node, params| {
        let mut seq = params.sequence();
        let count: Value = seq.next()?;
        let newest: BlockNumberOrTag = seq.next()?;
        let percentiles: Option<Vec<f64>> = seq.optional_next()?;
        Ok(fee_history(node, &count, newest, percentiles)?)
    })?;
    node_method(module, "eth_sendRawTransaction", |node, params| {
        let raw: Bytes = params.sequence().next()?;
        let (tx, from) = admission::decode(&raw)?;
        admission::check(node, &tx, from)?;
        Ok(node.submit(tx, from)?)
    })?;
    node_method(module, "eth_getTransactionByHash", |node, params| {
        let hash: B256 = params.sequence().next()?;
        if let Some((block, index)) = node.transaction(&hash) {
            return Ok(Some(convert::transaction(block, index)));
        }
        Ok(node
            .pending_transaction(&hash)
            .map(|(tx, from)| convert::pending_transaction(tx, from)))
    })?;
    node_method(module, "eth_getTransactionReceipt", |node, params| {
        let hash: B256 = params.sequence().next()?;
        Ok(node
            .transaction(&hash)
            .map(|(block, index)| convert::receipt(block, index)))
    })?;
    node_method(module, "eth_getBlockByNumber", |node, params| {
        let mut seq = params.sequence();
        let tag: BlockNumberOrTag = seq.next()?;
        let full: Option<bool> = seq.optional_next()?;
        let number = match node.resolve_number(tag) {
            Ok(at) => at.number,
            Err(_) => return Ok(None),
        };
        Ok(node
            .block(number)
            .map(|b| convert::block(b, full.unwrap_or(false))))
    })?;
    node_method(module, "eth_getBlockByHash", |node, params| {
        let mut seq = params.sequence();
        let hash: B256 = seq.next()?;
        let full: Option<bool> = seq.optional_next()?;
        Ok(node
            .block_by_hash(&hash)
            .map(|b| convert::block(b, full.unwrap_or(false))))
    })?;
    node_method(
        module,
        "eth_getBlockTransactionCountByNumber",
        |node, params| {
            let tag: BlockNumberOrTag = params.sequence().next()?;
            let number = match node.resolve_number(tag) {
                Ok(at) => at.number,
                Err(_) => return Ok(None),
            };
            Ok(node.block(number).map(|b| U64::from(b.txs.len())))
        },
    )?;
    node_method(
        module,
        "eth_getBlockTransactionCountByHash",
        |node, params| {
            let hash: B256 = params.sequence().next()?;
            Ok(node.block_by_hash(&hash).map(|b| U64::from(b.txs.len())))
        },
    )?;
    node_method(module, "eth_getBlockReceipts", |node, params| {
        let id: BlockId = params.sequence().next()?;
        let Ok(at) = node.resolve(Some(id)) else {
            return Ok(None);
        };
        Ok(node.block(at.number).map(|b| {
            (0..b.txs.len())
                .map(|i| convert::receipt(b, i))
                .collect::<Vec<_>>()
        }))
    })?;
    node_method(module, "eth_getLogs", |node, params| {
        let filter: Filter = params.sequence().next()?;
        Ok(logs(node, &filter)?)
    })?;
    Ok(())
}

/// revm's view of an `eth_call` request: `from` defaults to zero, fees to zero.
pub(super) fn call_env(
    node: &mut Node,
    req: &TransactionRequest,
    at: At,
    gas: u64,
) -> RpcResult<TxEnv> {
    let from = req.from.unwrap_or_default();
    let nonce = match req.nonce {
        Some(n) => n,
        None => node.nonce(from, at),
    };
    let access_list = req.access_list.clone().unwrap_or_default();
    let tx_type = if access_list.is_empty() { 0 } else { 1 };
    TxEnv::builder()
        .tx_type(Some(tx_type))
        .caller(from)
        .gas_limit(gas)
        .gas_price(req.gas_price.or(req.max_fee_per_gas).unwrap_or(0))
        .kind(req.to.unwrap_or(TxKind::Create))
        .value(req.value.unwrap_or_default())
        .data(req.input.input().cloned().unwrap_or_default())
        .nonce(nonce)
        .chain_id(Some(node.chain_id()))
        .access_list(access_list)
        .build()
        .map_err(|e| RpcError::params(format!("invalid call: {e:?}")))
}

/// The return data of a call, its revert as code 3, or its halt.
fn output(result: ExecutionResult) -> RpcResult<Bytes> {
    match result {
        ExecutionResult::Success { output, .. } => Ok(output.into_data()),
        ExecutionResult::Revert { output, .. } => Err(RpcError::Reverted(output)),
        ExecutionResult::Halt { reason, .. } => Err(RpcError::server(halt_message(&reason))),
    }
}

/// Why a call halted, in geth's words where geth has them.
pub(super) fn halt_message(reason: &HaltReason) -> String {
    match reason {
        HaltReason::OutOfGas(OutOfGasError::Basic) => "out of gas".into(),
        HaltReason::OutOfGas(kind) => format!("out of gas ({kind:?})"),
        other => format!("execution halted: {other:?}"),
    }
}

/// The smallest gas limit under which `req` succeeds, by binary search up to the cap.
pub(super) fn estimate_gas(
    node: &mut Node,
    req: &TransactionRequest,
    at: At,
    overrides: Option<&StateOverride>,
) -> RpcResult<u64> {
    let cap = req.gas.unwrap_or(TX_GAS_CAP).min(TX_GAS_CAP);
    let run = |node: &mut Node, gas: u64| -> RpcResult<ExecutionResult> {
        let env = call_env(node, req, at, gas)?;
        Ok(node.simulate(env, at, overrides)?.result)
    };
    let first = run(node, cap)?;
    let used = match &first {
        ExecutionResult::Success { .. } => first.tx_gas_used(),
        ExecutionResult::Revert { output, .. } => return Err(RpcError::Reverted(output.clone())),
        ExecutionResult::Halt {
            reason: HaltReason::OutOfGas(_),
            ..
        } => {
            return Err(RpcError::server(format!(
                "gas required exceeds allowance ({cap})"
            )));
        }
        ExecutionResult::Halt { reason, .. } => {
            return Err(RpcError::server(halt_message(reason)));
        }
    };
    let ok = |node: &mut Node, gas: u64| matches!(run(node, gas), Ok(r) if r.is_success());
    // Gas used (after refunds) never exceeds the limit that was needed, so `used - 1` fails.
    let mut lo = used.saturating_sub(1);
    let mut hi = cap;
    // Most calls need only a little more than they use: try that first.
    let guess = used.saturating_add(2300).saturating_mul(64) / 63;
    if guess < hi {
        if ok(node, guess) {
            hi = guess;
        } else {
            lo = guess;
        }
    }
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if ok(node, mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

fn fee_history(
    node: &mut Node,
    count: &Value,
    newest: BlockNumberOrTag,
    percentiles: Option<Vec<f64>>,
) -> RpcResult<FeeHistory> {
    let count = match count {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => match s.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok(),
            None => s.parse().ok(),
        },
        _ => None,
    }
    .ok_or_else(|| RpcError::params("blockCount must be a number"))?
    .min(MAX_FEE_HISTORY);
    let newest = node.resolve_number(newest)?.number;
    let count = count.min(newest + 1);
    let oldest = newest + 1 - count;
    let blocks: Vec<_> = (oldest..=newest).filter_map(|n| node.block(n)).collect();
    Ok(FeeHistory {
        base_fee_per_gas: vec![u128::from(BASE_FEE); blocks.len() + 1],
        gas_used_ratio: blocks
            .iter()
            .map(|b| b.header.gas_used as f64 / b.header.gas_limit as f64)
            .collect(),
        base_fee_per_blob_gas: Vec::new(),
        blob_gas_used_ratio: Vec::new(),
        oldest_block: oldest,
        reward: percentiles.map(|p| vec![vec![0; p.len()]; blocks.len()]),
    })
}

/// Resolves a log filter bound; numbers past the head are clamped to it.
fn bound(node: &Node, tag: Option<BlockNumberOrTag>) -> RpcResult<u64> {
    match tag {
        Some(BlockNumberOrTag::Number(n)) => Ok(n.min(node.head())),
        Some(tag) => Ok(node.resolve_number(tag)?.number),
        None => Ok(node.head()),
    }
}

/// The logs matching `filter`.
pub(crate) fn logs(node: &Node, filter: &Filter) -> RpcResult<Vec<RpcLog>> {
    let (from, to) = match filter.block_option {
        FilterBlockOption::AtBlockHash(hash) => match node.block_by_hash(&hash) {
            Some(b) => (b.number(), b.number()),
            None => return Err(RpcError::server(format!("block {hash} not found"))),
        },
        FilterBlockOption::Range {
            from_block,
            to_block,
        } => (bound(node, from_block)?, bound(node, to_block)?),
    };
    if from > to {
        return Ok(Vec::new());
    }
    if to - from > MAX_LOG_RANGE {
        return Err(RpcError::server(format!(
            "query exceeds max block range {MAX_LOG_RANGE}"
        )));
    }
    let mut out = Vec::new();
    for number in from..=to {
        let Some(block) = node.block(number) else {
            continue;
        };
        if !filter.matches_bloom(block.header.logs_bloom) {
            continue;
        }
        out.extend(
            convert::block_logs(block)
                .into_iter()
                .filter(|log| matches(filter, log)),
        );
    }
    Ok(out)
}

/// Whether `log` matches `filter`'s addresses and topics.
pub(crate) fn matches(filter: &Filter, log: &RpcLog) -> bool {
    filter.matches_address(log.address()) && filter.matches_topics(log.topics())
}
