//! What sending a transaction needs before it is signed, in one place for the CLI and the
//! keeper: the simulation that turns a revert into a named error, and the fee basis the
//! node's latest block sets.

use alloy::{eips::BlockNumberOrTag, providers::Provider, rpc::types::TransactionRequest};

use crate::revert;

/// Runs `tx` with `eth_call`, then `eth_estimateGas`; returns the gas it needs. A revert in
/// either is a [`revert::Reverted`] named against the marketplace's errors, with `action` as
/// what was attempted.
pub async fn simulate<P: Provider>(
    provider: &P,
    action: &str,
    tx: &TransactionRequest,
) -> anyhow::Result<u64> {
    provider
        .call(tx.clone())
        .await
        .map_err(|error| revert::from_rpc(error, action))?;
    provider
        .estimate_gas(tx.clone())
        .await
        .map_err(|error| revert::from_rpc(error, action))
}

/// How the chain prices gas now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeeBasis {
    /// EIP-1559: the latest block's base fee, wei per gas.
    BaseFee(u128),
    /// A chain without a base fee: the node's gas price.
    GasPrice(u128),
}

impl FeeBasis {
    /// The price per gas the basis stands for.
    pub fn price(self) -> u128 {
        match self {
            Self::BaseFee(price) | Self::GasPrice(price) => price,
        }
    }
}

/// The fee basis at the node's latest block.
pub async fn fee_basis<P: Provider>(provider: &P) -> anyhow::Result<FeeBasis> {
    use anyhow::Context as _;
    let latest = provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .context("reading the latest block")?
        .context("the node has no latest block")?;
    Ok(match latest.header.base_fee_per_gas {
        Some(base_fee) => FeeBasis::BaseFee(u128::from(base_fee)),
        None => FeeBasis::GasPrice(provider.get_gas_price().await?),
    })
}
