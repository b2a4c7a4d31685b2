//! The dev accounts as an unlocked wallet: `eth_sendTransaction`, `eth_signTransaction`,
//! `eth_sign`, `personal_sign` and `eth_signTypedData_v4` sign with the key of the dev account
//! named, as geth's `--dev` and anvil do. Their keys are public, so this is for development only.

use alloy::{
    consensus::TxEnvelope,
    eips::{BlockNumberOrTag, Encodable2718},
    network::TxSignerSync,
    rpc::types::TransactionRequest,
    signers::{SignerSync, local::PrivateKeySigner},
};
use alloy_dyn_abi::TypedData;
use alloy_primitives::{Address, B256, Bytes, TxKind, eip191_hash_message};
use jsonrpsee::RpcModule;
use serde_json::Value;

use super::{
    Shared,
    errors::{RpcError, RpcResult},
    eth, node_method,
};
use crate::{
    Error, admission,
    node::{BASE_FEE, Node},
};

pub(super) fn register(module: &mut RpcModule<Shared>) -> Result<(), Error> {
    node_method(module, "eth_sendTransaction", |node, params| {
        let req: TransactionRequest = params.sequence().next()?;
        let (tx, from) = sign_transaction(node, req)?;
        admission::check(node, &tx, from)?;
        Ok(node.submit(tx, from)?)
    })?;
    // Signed as eth_sendTransaction would send it, but returned (EIP-2718 encoded) instead:
    // ethers' JsonRpcSigner.signTransaction.
    node_method(module, "eth_signTransaction", |node, params| {
        let req: TransactionRequest = params.sequence().next()?;
        let (tx, _) = sign_transaction(node, req)?;
        Ok(Bytes::from(tx.encoded_2718()))
    })?;
    node_method(module, "eth_sign", |node, params| {
        let mut seq = params.sequence();
        let address: Address = seq.next()?;
        let message: Bytes = seq.next()?;
        Ok(sign_hash(node, address, eip191_hash_message(message))?)
    })?;
    // personal_sign takes the message first.
    node_method(module, "personal_sign", |node, params| {
        let mut seq = params.sequence();
        let message: Bytes = seq.next()?;
        let address: Address = seq.next()?;
        Ok(sign_hash(node, address, eip191_hash_message(message))?)
    })?;
    node_method(module, "eth_signTypedData_v4", |node, params| {
        let mut seq = params.sequence();
        let address: Address = seq.next()?;
        let data: Value = seq.next()?;
        Ok(sign_hash(node, address, typed_data_hash(data)?)?)
    })?;
    Ok(())
}

/// The key of dev account `address`.
fn signer(node: &Node, address: Address) -> RpcResult<PrivateKeySigner> {
    node.signer(address).ok_or_else(|| {
        RpcError::server(format!(
            "unknown account {address}: only the dev accounts (eth_accounts) are unlocked"
        ))
    })
}

/// Fills in what a wallet would (chain id, nonce, fees, gas limit) and signs `req` with the
/// key of its `from` account.
fn sign_transaction(
    node: &mut Node,
    mut req: TransactionRequest,
) -> RpcResult<(TxEnvelope, Address)> {
    let from = req
        .from
        .ok_or_else(|| RpcError::params("missing \"from\": the dev account to send from"))?;
    let signer = signer(node, from)?;
    req.chain_id.get_or_insert(node.chain_id());
    req.to.get_or_insert(TxKind::Create);
    if req.nonce.is_none() {
        req.nonce = Some(node.next_nonce(from));
    }
    if req.gas_price.is_none() {
        let tip = *req.max_priority_fee_per_gas.get_or_insert(0);
        req.max_fee_per_gas
            .get_or_insert(2 * u128::from(BASE_FEE) + tip);
    }
    if req.gas.is_none() {
        let pending = node.resolve_number(BlockNumberOrTag::Pending)?;
        req.gas = Some(eth::estimate_gas(node, &req, pending, None)?);
    }
    let mut tx = req
        .build_consensus_tx()
        .map_err(|e| RpcError::params(format!("cannot build the transaction: {}", e.error)))?;
    let signature = signer
        .sign_transaction_sync(&mut tx)
        .map_err(signing_failed)?;
    Ok((tx.into_envelope(signature), from))
}

/// The signature of `hash` by dev account `address` (65 bytes, `v` 27 or 28).
fn sign_hash(node: &Node, address: Address, hash: B256) -> RpcResult<Bytes> {
    let signature = signer(node, address)?
        .sign_hash_sync(&hash)
        .map_err(signing_failed)?;
    Ok(signature.as_bytes().into())
}

fn signing_failed(e: alloy::signers::Error) -> RpcError {
    RpcError::Internal(format!("signing failed: {e}"))
}

/// The EIP-712 signing hash of `data` (an object, or a JSON string as MetaMask sends it).
fn typed_data_hash(data: Value) -> RpcResult<B256> {
    let invalid = |e: &dyn std::fmt::Display| RpcError::params(format!("invalid typed data: {e}"));
    let typed: TypedData = match data {
        Value::String(json) => serde_json::from_str(&json),
        value => serde_json::from_value(value),
    }
    .map_err(|e| invalid(&e))?;
    typed.eip712_signing_hash().map_err(|e| invalid(&e))
}
