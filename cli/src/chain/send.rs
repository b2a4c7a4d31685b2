//! Sending a transaction: simulate it (`eth_call`, then `eth_estimateGas`) so a revert is
//! reported by name before anything is signed, send it, await the receipt and summarise it.

use std::time::Duration;

use alloy::{network::TransactionBuilder, providers::Provider, rpc::types::TransactionRequest};
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use anyhow::{Context, bail};
use cloudless_client::transact::{self, FeeBasis};
use serde_json::{Value, json};

use super::{
    client::Client,
    events::{self, Event},
    revert,
};

/// How long to wait for a receipt.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// A mined, successful transaction.
#[derive(Clone, Debug)]
pub struct Sent {
    /// What it did (the function's name or a step).
    pub action: String,
    /// Its hash.
    pub tx_hash: B256,
    /// The block that holds it.
    pub block: u64,
    /// Gas it used.
    pub gas_used: u64,
    /// The contract it created, if any.
    pub created: Option<Address>,
    /// Its decoded logs.
    pub events: Vec<Event>,
}

impl Sent {
    /// `{"action", "tx", "block", "gas_used", "created"?, "events"}`.
    pub fn to_json(&self) -> Value {
        let mut value = json!({
            "action": self.action,
            "tx": self.tx_hash.to_string(),
            "block": self.block,
            "gas_used": self.gas_used,
            "events": self.events.iter().map(Event::to_json).collect::<Vec<_>>(),
        });
        if let Some(created) = self.created {
            value["created"] = created.to_string().into();
        }
        value
    }

    /// One line per transaction and one per event.
    pub fn print(&self) {
        println!(
            "{}: tx {} in block {}, gas used {}",
            self.action, self.tx_hash, self.block, self.gas_used
        );
        if let Some(created) = self.created {
            println!("  created {created}");
        }
        for event in &self.events {
            println!("  {} {}", event.name, event.detail);
        }
    }

    /// The first event named `name`.
    pub fn event(&self, name: &str) -> Option<&Event> {
        self.events.iter().find(|event| event.name == name)
    }

    /// The id field `field` of the first `name` event.
    pub fn event_id(&self, name: &str, field: &str) -> anyhow::Result<u64> {
        self.event(name)
            .and_then(|event| event.fields.get(field))
            .and_then(Value::as_u64)
            .with_context(|| format!("{} emitted no {name} event", self.action))
    }
}

/// The function name of a call type (`stake` for `stake(uint256)`).
pub fn function_name<C: SolCall>() -> &'static str {
    C::SIGNATURE.split('(').next().unwrap_or(C::SIGNATURE)
}

impl Client {
    /// Calls `call` on `to` in a transaction from the wallet.
    pub async fn send<C: SolCall>(&self, to: Address, call: C) -> anyhow::Result<Sent> {
        self.send_value(to, call, U256::ZERO).await
    }

    /// [`Client::send`] with `value` wei attached.
    pub async fn send_value<C: SolCall>(
        &self,
        to: Address,
        call: C,
        value: U256,
    ) -> anyhow::Result<Sent> {
        let tx = TransactionRequest::default()
            .with_to(to)
            .with_input(call.abi_encode())
            .with_value(value);
        self.transact(function_name::<C>(), tx).await
    }

    /// Simulates `tx` from the wallet, reporting a revert as [`revert::Reverted`]; returns the
    /// gas it needs.
    pub async fn simulate(&self, action: &str, tx: &TransactionRequest) -> anyhow::Result<u64> {
        transact::simulate(&self.provider, action, tx).await
    }

    /// Simulates, signs, sends and awaits `tx`; fails unless it succeeds on chain.
    pub async fn transact(&self, action: &str, tx: TransactionRequest) -> anyhow::Result<Sent> {
        let mut tx = tx.with_from(self.sender()?);
        let gas = self.simulate(action, &tx).await?;
        tx.set_gas_limit(gas + gas / 4);
        self.set_fees(&mut tx).await?;
        let pending = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|error| revert::from_rpc(error, action))?;
        let hash = *pending.tx_hash();
        let receipt = pending
            .with_timeout(Some(RECEIPT_TIMEOUT))
            .get_receipt()
            .await
            .with_context(|| format!("{action}: waiting for the receipt of {hash}"))?;
        let block = receipt.block_number.unwrap_or_default();
        if !receipt.status() {
            bail!(
                "{action}: transaction {hash} reverted on chain in block {block} (gas used {}) although its simulation succeeded; the state changed in between: retry",
                receipt.gas_used
            );
        }
        Ok(Sent {
            action: action.to_owned(),
            tx_hash: hash,
            block,
            gas_used: receipt.gas_used,
            created: receipt.contract_address,
            events: receipt.logs().iter().filter_map(events::decode).collect(),
        })
    }

    /// Prices `tx` at twice the latest base fee (no tip: Arbitrum ignores it), or at the node's
    /// gas price on a chain without a base fee.
    async fn set_fees(&self, tx: &mut TransactionRequest) -> anyhow::Result<()> {
        match transact::fee_basis(&self.provider).await? {
            FeeBasis::BaseFee(base_fee) => {
                tx.set_max_fee_per_gas(base_fee * 2);
                tx.set_max_priority_fee_per_gas(0);
            }
            FeeBasis::GasPrice(price) => tx.set_gas_price(price),
        }
        Ok(())
    }
}
