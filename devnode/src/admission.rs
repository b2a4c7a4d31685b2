//! `eth_sendRawTransaction` admission: decode, recover the signer and check chain id, fees,
//! nonce and balance with geth's messages before the transaction is mined or queued.

use alloy::{
    consensus::{Transaction as _, TxEnvelope, TxType, transaction::SignerRecoverable},
    eips::eip2718::Decodable2718,
};
use alloy_primitives::{Address, U256};

use crate::{
    node::{BASE_FEE, Node, TX_GAS_CAP},
    rpc::errors::{RpcError, RpcResult},
};

/// Decodes an EIP-2718 signed transaction and recovers its sender.
pub(crate) fn decode(raw: &[u8]) -> RpcResult<(TxEnvelope, Address)> {
    if raw.is_empty() {
        return Err(RpcError::server("empty transaction data"));
    }
    let mut buf = raw;
    let tx = TxEnvelope::decode_2718(&mut buf)
        .map_err(|e| RpcError::server(format!("failed to decode signed transaction: {e}")))?;
    if !buf.is_empty() {
        return Err(RpcError::server(
            "failed to decode signed transaction: trailing bytes",
        ));
    }
    let from = tx
        .recover_signer()
        .map_err(|e| RpcError::server(format!("invalid sender: {e}")))?;
    Ok((tx, from))
}

/// Checks `tx` from `from` against the node as geth's transaction pool would.
pub(crate) fn check(node: &mut Node, tx: &TxEnvelope, from: Address) -> RpcResult<()> {
    if node.knows(tx.tx_hash()) {
        return Err(RpcError::server("already known"));
    }
    if !matches!(
        tx.tx_type(),
        TxType::Legacy | TxType::Eip2930 | TxType::Eip1559
    ) {
        return Err(RpcError::server("transaction type not supported"));
    }
    match tx.chain_id() {
        None => {
            return Err(RpcError::server(
                "only replay-protected (EIP-155) transactions allowed over RPC",
            ));
        }
        Some(id) if id != node.chain_id() => {
            return Err(RpcError::server(format!(
                "invalid chain id for signer: have {id} want {}",
                node.chain_id()
            )));
        }
        Some(_) => {}
    }
    if tx.gas_limit() > TX_GAS_CAP {
        return Err(RpcError::server(format!(
            "exceeds block gas limit: gas {} is above the per-transaction limit {TX_GAS_CAP}",
            tx.gas_limit()
        )));
    }
    if let Some(tip) = tx.max_priority_fee_per_gas()
        && tip > tx.max_fee_per_gas()
    {
        return Err(RpcError::server(format!(
            "max priority fee per gas higher than max fee per gas: address {from}, maxPriorityFeePerGas: {tip}, maxFeePerGas: {}",
            tx.max_fee_per_gas()
        )));
    }
    if tx.max_fee_per_gas() < u128::from(BASE_FEE) {
        return Err(RpcError::server(format!(
            "max fee per gas less than block base fee: address {from}, maxFeePerGas: {}, baseFee: {BASE_FEE}",
            tx.max_fee_per_gas()
        )));
    }
    let next = node.next_nonce(from);
    if tx.nonce() < next {
        return Err(RpcError::server(format!(
            "nonce too low: next nonce {next}, tx nonce {}",
            tx.nonce()
        )));
    }
    if tx.nonce() > next {
        return Err(RpcError::server(format!(
            "nonce too high: next nonce {next}, tx nonce {}",
            tx.nonce()
        )));
    }
    let cost =
        (U256::from(tx.gas_limit()) * U256::from(tx.max_fee_per_gas())).saturating_add(tx.value());
    let at = node.resolve(None)?;
    let balance = node.balance(from, at);
    if balance < cost {
        return Err(RpcError::server(format!(
            "insufficient funds for gas * price + value: address {from} have {balance} want {cost}"
        )));
    }
    Ok(())
}
