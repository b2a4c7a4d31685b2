//! Transactions: simulation, signing with an explicit nonce, broadcast, receipts and fee bumps.
//! The keeper is the only writer of its account's nonces; every signed transaction is in the
//! journal before it is broadcast.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::{BlockId, eip2718::Encodable2718},
    network::{TransactionBuilder, TxSignerSync},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Address, Bytes, TxKind, U256};
use cloudless_client::{revert::Reverted, transact};

use crate::{Error, GasPolicy, journal::Attempt};

/// Reverts that mean another transaction got there first or the state moved on: the work is
/// dropped and the next block's state decides again.
pub const LOST_RACE: &[&str] = &[
    "NotMatchable",
    "TooManyInstances",
    "BelowMinimum",
    "NotEligible",
    "InsufficientBalance",
    "PriceChanged",
    "EmptyMatch",
    "ContractPaused",
    "NotEvictable",
    "PlacementNotLive",
    "NotClosable",
    "NotFinished",
    "AlreadyEnding",
    "AlreadyExiting",
    "DisputeClosed",
    "DeadlineNotReached",
];

/// Connects to the JSON-RPC endpoint at `url` (`http(s)://` or `ws(s)://`).
pub async fn connect(url: &str) -> Result<DynProvider, Error> {
    let provider = ProviderBuilder::new()
        .connect(url)
        .await
        .map_err(|e| Error::Rpc(format!("connecting to {url}: {e}")))?;
    Ok(provider.erased())
}

/// What a simulation said.
pub enum Simulated {
    /// The call succeeds with this much gas.
    Ok(u64),
    /// It reverts because the state moved (see [`LOST_RACE`]).
    Lost(Reverted),
    /// It fails for another reason (a revert or the node).
    Failed(String),
}

/// Signs and sends the keeper's transactions.
pub struct Sender {
    /// The node.
    pub provider: DynProvider,
    signer: PrivateKeySigner,
    chain_id: u64,
    gas: GasPolicy,
}

impl Sender {
    /// A sender for `signer` on `chain_id` through `provider`.
    pub fn new(
        provider: DynProvider,
        signer: PrivateKeySigner,
        chain_id: u64,
        gas: GasPolicy,
    ) -> Self {
        Self {
            provider,
            signer,
            chain_id,
            gas,
        }
    }

    /// The keeper's account.
    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// Runs `calldata` on `to` with `eth_call` and `eth_estimateGas` from the keeper.
    pub async fn simulate(&self, to: Address, calldata: &Bytes, action: &str) -> Simulated {
        let tx = TransactionRequest::default()
            .with_from(self.address())
            .with_to(to)
            .with_input(calldata.clone());
        match transact::simulate(&self.provider, action, &tx).await {
            Ok(gas) => Simulated::Ok(gas),
            Err(error) => match error.downcast::<Reverted>() {
                Ok(r) if LOST_RACE.contains(&r.name.as_str()) => Simulated::Lost(r),
                Ok(r) => Simulated::Failed(r.to_string()),
                Err(e) => Simulated::Failed(format!("{e:#}")),
            },
        }
    }

    /// Fee cap and tip for a first attempt: twice the latest base fee (Arbitrum ignores tips),
    /// or `None` when even the base fee is above the policy's cap.
    pub async fn fees(&self) -> Result<Option<(u128, u128)>, Error> {
        let base = transact::fee_basis(&self.provider)
            .await
            .map_err(|e| Error::Rpc(format!("{e:#}")))?
            .price();
        if base > self.gas.fee_cap {
            return Ok(None);
        }
        let max_fee = base.saturating_mul(2).min(self.gas.fee_cap);
        Ok(Some((max_fee, self.gas.tip.min(max_fee))))
    }

    /// The fees of a replacement (see [`GasPolicy::bumped`]).
    pub fn bumped(&self, max_fee: u128, tip: u128) -> Option<(u128, u128)> {
        self.gas.bumped(max_fee, tip)
    }

    /// Signs a call of `calldata` on `to` (or, with `to == None`, a 0-value self-transfer
    /// that only consumes the nonce).
    pub fn sign(
        &self,
        to: Option<(Address, &Bytes, u64)>,
        nonce: u64,
        (max_fee, tip): (u128, u128),
        head: u64,
    ) -> Result<Attempt, Error> {
        let (target, input, gas_limit) = match to {
            Some((to, data, gas)) => (to, data.clone(), gas + gas / 4),
            None => (self.address(), Bytes::new(), 21_000),
        };
        let mut tx = TxEip1559 {
            chain_id: self.chain_id,
            nonce,
            gas_limit,
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip,
            to: TxKind::Call(target),
            value: U256::ZERO,
            access_list: Default::default(),
            input,
        };
        let signature = self
            .signer
            .sign_transaction_sync(&mut tx)
            .map_err(|e| Error::Rpc(format!("signing: {e}")))?;
        let envelope: TxEnvelope = tx.into_signed(signature).into();
        Ok(Attempt {
            hash: *envelope.tx_hash(),
            raw: envelope.encoded_2718().into(),
            max_fee,
            tip,
            noop: to.is_none(),
            sent_block: head,
        })
    }

    /// Broadcasts a signed attempt. A node that already has it is a success.
    pub async fn broadcast(&self, attempt: &Attempt) -> Result<(), String> {
        match self.provider.send_raw_transaction(&attempt.raw).await {
            Ok(_) => Ok(()),
            Err(error) => {
                let message = error.to_string();
                if message.contains("already known") {
                    Ok(())
                } else {
                    Err(message)
                }
            }
        }
    }

    /// The receipt of `hash`, if mined.
    pub async fn receipt(
        &self,
        hash: alloy_primitives::B256,
    ) -> Result<Option<TransactionReceipt>, Error> {
        Ok(self.provider.get_transaction_receipt(hash).await?)
    }

    /// The account's nonce at `latest` (transactions mined) and `pending` (plus the pool).
    pub async fn nonces(&self) -> Result<(u64, u64), Error> {
        let address = self.address();
        let latest = self
            .provider
            .get_transaction_count(address)
            .block_id(BlockId::latest())
            .await?;
        let pending = self
            .provider
            .get_transaction_count(address)
            .block_id(BlockId::pending())
            .await?;
        Ok((latest, pending.max(latest)))
    }

    /// The account's balance, wei.
    pub async fn balance(&self) -> Result<U256, Error> {
        Ok(self.provider.get_balance(self.address()).await?)
    }
}
