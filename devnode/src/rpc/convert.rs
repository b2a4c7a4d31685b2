//! Conversions from the block model to alloy's RPC types, so the JSON is what alloy and cast
//! expect.

use alloy::{
    consensus::{Transaction as _, TxEnvelope, transaction::Recovered},
    rpc::types::{
        Block, BlockTransactions, Header as RpcHeader, Log as RpcLog, Transaction,
        TransactionReceipt,
    },
};
use alloy_primitives::{Address, U256};

use crate::blocks::{MinedBlock, MinedTx};

/// The RPC header of `block`.
pub(crate) fn header(block: &MinedBlock) -> RpcHeader {
    RpcHeader {
        hash: block.hash,
        inner: block.header.clone(),
        total_difficulty: Some(U256::ZERO),
        size: None,
    }
}

/// `block` with full transactions or only their hashes.
pub(crate) fn block(block: &MinedBlock, full: bool) -> Block {
    let transactions = if full {
        BlockTransactions::Full(
            (0..block.txs.len())
                .map(|i| transaction(block, i))
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(block.txs.iter().map(|t| t.hash).collect())
    };
    Block {
        header: header(block),
        uncles: Vec::new(),
        transactions,
        withdrawals: None,
    }
}

/// Transaction `index` of `block`.
pub(crate) fn transaction(block: &MinedBlock, index: usize) -> Transaction {
    let tx = &block.txs[index];
    Transaction {
        inner: Recovered::new_unchecked(tx.tx.clone(), tx.from),
        block_hash: Some(block.hash),
        block_number: Some(block.number()),
        transaction_index: Some(index as u64),
        effective_gas_price: Some(tx.effective_gas_price),
        block_timestamp: Some(block.timestamp()),
    }
}

/// A transaction still in the pending pool.
pub(crate) fn pending_transaction(tx: &TxEnvelope, from: Address) -> Transaction {
    Transaction {
        inner: Recovered::new_unchecked(tx.clone(), from),
        block_hash: None,
        block_number: None,
        transaction_index: None,
        effective_gas_price: None,
        block_timestamp: None,
    }
}

/// The logs of transaction `index` of `block`, with their positions.
pub(crate) fn tx_logs(block: &MinedBlock, index: usize) -> Vec<RpcLog> {
    let tx = &block.txs[index];
    tx.logs()
        .iter()
        .enumerate()
        .map(|(i, log)| RpcLog {
            inner: log.clone(),
            block_hash: Some(block.hash),
            block_number: Some(block.number()),
            block_timestamp: Some(block.timestamp()),
            transaction_hash: Some(tx.hash),
            transaction_index: Some(index as u64),
            log_index: Some(tx.first_log_index + i as u64),
            removed: false,
        })
        .collect()
}

/// Every log of `block`.
pub(crate) fn block_logs(block: &MinedBlock) -> Vec<RpcLog> {
    (0..block.txs.len())
        .flat_map(|i| tx_logs(block, i))
        .collect()
}

/// The receipt of transaction `index` of `block`.
pub(crate) fn receipt(block: &MinedBlock, index: usize) -> TransactionReceipt {
    let tx: &MinedTx = &block.txs[index];
    let mut logs = tx_logs(block, index).into_iter();
    TransactionReceipt {
        inner: tx
            .receipt
            .clone()
            .map_logs(|_| logs.next().expect("one RPC log per consensus log")),
        transaction_hash: tx.hash,
        transaction_index: Some(index as u64),
        block_hash: Some(block.hash),
        block_number: Some(block.number()),
        gas_used: tx.gas_used,
        effective_gas_price: tx.effective_gas_price,
        blob_gas_used: None,
        blob_gas_price: None,
        from: tx.from,
        to: tx.tx.to(),
        contract_address: tx.contract_address,
    }
}
