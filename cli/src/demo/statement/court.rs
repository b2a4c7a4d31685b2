//! What the court's events and the proofs say about the round's work: disputes with their
//! outcomes, invocations proven per provider, and whether every answer a user holds was
//! proven (or its placement convicted).

use std::collections::{BTreeMap, BTreeSet};

use alloy::providers::Provider;
use alloy_primitives::U256;
use alloy_sol_types::SolCall;
use anyhow::{Context, Result};
use cloudless_abi::court::ICourt;
use cloudless_audit::ledger::{Ledger, Outcome};
use serde::Serialize;

use super::ledger::{Amount, Placement};
use crate::demo::{actors::Cast, users::Held};

/// A dispute and how it ended.
#[derive(Debug, Serialize)]
pub struct Dispute {
    /// The court's id (`0` for `disputeResult`, settled in its transaction).
    pub id: u64,
    /// `result`, `inclusion` or `sample`.
    pub kind: String,
    pub placement: u64,
    pub provider: String,
    /// The epoch disputed.
    pub epoch: u64,
    pub challenger: String,
    pub outcome: Outcome,
    pub bond: Amount,
    /// Stake slashed from the provider.
    pub slashed: Amount,
    /// The challenger's share of it.
    pub reward: Amount,
    /// Held pay taken back from the provider into the deployment.
    pub refunded: Amount,
}

/// Invocations: proven on-chain, and answered to the users.
#[derive(Debug, Serialize)]
pub struct Invocations {
    /// Receipts proven: Σ the proofs' `count`.
    pub total: u64,
    /// Receipts proven per provider.
    pub per_provider: BTreeMap<String, u64>,
    /// Answers the users got through the gateway, each with a verified receipt.
    pub answered: u64,
    /// Of those, wrong: found by re-running the function.
    pub wrong: u64,
    /// Answers whose receipt is under a proven root (`seq < count`).
    pub answered_proven: u64,
    /// Answers from placements convicted of fraud, never proven.
    pub answered_convicted: u64,
}

/// The ledger's disputes with names (a `disputeResult`'s epoch from its calldata).
pub async fn disputes<P: Provider>(
    provider: &P,
    cast: &Cast,
    ledger: &Ledger,
) -> Result<Vec<Dispute>> {
    let mut disputes = Vec::new();
    for d in &ledger.disputes {
        let epoch = match d.epoch {
            Some(epoch) => epoch,
            None => {
                let sent = provider
                    .get_transaction_by_hash(d.tx)
                    .await?
                    .with_context(|| format!("no transaction {}", d.tx))?;
                let input = alloy::consensus::Transaction::input(&sent);
                ICourt::disputeResultCall::abi_decode(input)
                    .context("a fraud without a dispute id comes from disputeResult")?
                    .receipt
                    .epoch
            }
        };
        disputes.push(Dispute {
            id: d.id,
            kind: d.kind.clone(),
            placement: d.placement,
            provider: cast.name_of(d.provider),
            epoch,
            challenger: cast.name_of(d.challenger),
            outcome: d.outcome,
            bond: d.bond.into(),
            slashed: d.slashed.into(),
            reward: d.reward.into(),
            refunded: d.refunded.into(),
        });
    }
    Ok(disputes)
}

/// Invocations proven per provider, and what became of the answers in `held`.
pub fn invocations(
    ledger: &Ledger,
    placements: &[Placement],
    disputes: &[Dispute],
    held: &[Held],
) -> Invocations {
    let mut per_provider: BTreeMap<String, u64> = BTreeMap::new();
    for p in placements {
        *per_provider.entry(p.provider.clone()).or_default() += p.receipts;
    }
    let convicted: BTreeSet<u64> = disputes
        .iter()
        .filter(|d| d.outcome == Outcome::Fraud)
        .map(|d| d.placement)
        .collect();
    let is_proven = |h: &&Held| {
        let placement = ledger.placements.get(&h.receipt.placementId);
        let count = placement.and_then(|p| p.proven.get(&h.receipt.epoch));
        count.is_some_and(|&count| h.receipt.seq < u64::from(count))
    };
    Invocations {
        total: per_provider.values().sum(),
        per_provider,
        answered: held.len() as u64,
        wrong: held.iter().filter(|h| h.correct == Some(false)).count() as u64,
        answered_proven: held.iter().filter(is_proven).count() as u64,
        answered_convicted: held
            .iter()
            .filter(|h| !is_proven(h) && convicted.contains(&h.receipt.placementId))
            .count() as u64,
    }
}

/// Bonds of the disputes still open: held by the market.
pub fn open_bonds(disputes: &[Dispute]) -> U256 {
    disputes
        .iter()
        .filter(|d| d.outcome == Outcome::Open)
        .map(|d| d.bond.0)
        .sum()
}
