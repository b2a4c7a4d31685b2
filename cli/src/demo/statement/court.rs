//! What the court's events and the proofs say about the round's work: disputes with their
//! outcomes, invocations proven per provider, and whether every answer a user holds was
//! proven (or its placement convicted).

use std::collections::{BTreeMap, BTreeSet};

use alloy::providers::Provider;
use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use anyhow::{Context, Result};
use cloudless_abi::{
    court::{DisputeKind, ICourt, ICourt::ICourtEvents},
    market::IMarket::IMarketEvents,
};
use serde::Serialize;

use super::ledger::{Amount, Events, Placement};
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
    /// `fraud`, `answered` or `open`.
    pub outcome: String,
    pub bond: Amount,
    /// Stake slashed from the provider.
    pub slashed: Amount,
    /// The challenger's share of it.
    pub reward: Amount,
    /// Held pay taken back from the provider into the deployment.
    pub refunded: Amount,
    /// The provider it was paid to, for an answered dispute.
    #[serde(skip)]
    pub bond_to: Option<Address>,
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

/// The disputes, from the court's events (a `disputeResult`'s epoch from its calldata).
pub async fn disputes<P: Provider>(
    provider: &P,
    cast: &Cast,
    events: &Events,
    placements: &[Placement],
) -> Result<Vec<Dispute>> {
    let provider_of = |placement: u64| {
        placements
            .iter()
            .find(|p| p.id == placement)
            .map_or_else(String::new, |p| p.provider.clone())
    };
    let kind_name = |kind: &DisputeKind| format!("{kind:?}").to_lowercase();
    let mut disputes: Vec<Dispute> = Vec::new();
    for (event, tx) in &events.court {
        match event {
            ICourtEvents::DisputeOpened(e) => disputes.push(Dispute {
                id: e.disputeId,
                kind: kind_name(&e.kind),
                placement: e.placementId,
                provider: provider_of(e.placementId),
                epoch: e.epoch,
                challenger: cast.name_of(e.challenger),
                outcome: "open".into(),
                bond: Amount(e.bond),
                slashed: Amount::default(),
                reward: Amount::default(),
                refunded: Amount::default(),
                bond_to: None,
            }),
            ICourtEvents::DisputeAnswered(e) => {
                if let Some(d) = disputes.iter_mut().find(|d| d.id == e.disputeId) {
                    d.outcome = "answered".into();
                    d.bond_to = Some(e.provider);
                }
            }
            ICourtEvents::FraudProven(e) => {
                let epoch = if e.disputeId == 0 {
                    let sent = provider
                        .get_transaction_by_hash(*tx)
                        .await?
                        .with_context(|| format!("no transaction {tx}"))?;
                    let input = alloy::consensus::Transaction::input(&sent);
                    ICourt::disputeResultCall::abi_decode(input)
                        .context("a fraud without a dispute id comes from disputeResult")?
                        .receipt
                        .epoch
                } else {
                    0
                };
                let fraud = |d: &mut Dispute| {
                    d.outcome = "fraud".into();
                    d.slashed = Amount(e.slashed);
                    d.reward = Amount(e.reward);
                    d.refunded = Amount(e.refunded);
                };
                match disputes
                    .iter_mut()
                    .find(|d| e.disputeId != 0 && d.id == e.disputeId)
                {
                    Some(d) => fraud(d),
                    None => {
                        let mut d = Dispute {
                            id: 0,
                            kind: kind_name(&e.kind),
                            placement: e.placementId,
                            provider: provider_of(e.placementId),
                            epoch,
                            challenger: cast.name_of(e.challenger),
                            outcome: String::new(),
                            bond: Amount::default(),
                            slashed: Amount::default(),
                            reward: Amount::default(),
                            refunded: Amount::default(),
                            bond_to: None,
                        };
                        fraud(&mut d);
                        disputes.push(d);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(disputes)
}

/// Invocations proven per provider, and what became of the answers in `held`.
pub fn invocations(
    events: &Events,
    placements: &[Placement],
    disputes: &[Dispute],
    held: &[Held],
) -> Invocations {
    let mut proven: BTreeMap<(u64, u64), u32> = BTreeMap::new();
    for event in &events.market {
        if let IMarketEvents::EpochProven(e) = event {
            proven.insert((e.placementId, e.epoch), e.count);
        }
    }
    let mut per_provider: BTreeMap<String, u64> = BTreeMap::new();
    for p in placements {
        *per_provider.entry(p.provider.clone()).or_default() += p.receipts;
    }
    let convicted: BTreeSet<u64> = disputes
        .iter()
        .filter(|d| d.outcome == "fraud")
        .map(|d| d.placement)
        .collect();
    let is_proven = |h: &&Held| {
        let count = proven.get(&(h.receipt.placementId, h.receipt.epoch));
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
        .filter(|d| d.outcome == "open")
        .map(|d| d.bond.0)
        .sum()
}
