//! The statement's tables: the auditor's ledger ([`cloudless_audit::ledger::Ledger`], the one
//! fold of the marketplace's events) with the cast's names, regions by name and amounts in
//! tokens.

use alloy_primitives::{Address, B256, U256};
use cloudless_audit::ledger::{self as audit, Ledger};
use serde::Serialize;

use crate::demo::{actors::Cast, script::REGIONS};

/// A token amount: a decimal string of base units in JSON, tokens in tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Amount(#[serde(serialize_with = "audit::decimal")] pub U256);

impl From<audit::Amount> for Amount {
    fn from(amount: audit::Amount) -> Self {
        Self(amount.0)
    }
}

impl std::ops::AddAssign<U256> for Amount {
    fn add_assign(&mut self, amount: U256) {
        self.0 += amount;
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::demo::usdc(self.0))
    }
}

pub fn sum<'a>(amounts: impl Iterator<Item = &'a Amount>) -> Amount {
    Amount(amounts.map(|amount| amount.0).sum())
}
/// An offer as created.
#[derive(Debug, Serialize)]
pub struct Offer {
    pub id: u64,
    pub provider: String,
    pub region: String,
    pub price: Amount,
    pub capacity: u32,
}
/// A placement: who served whom, at which price, and how it went.
#[derive(Debug, Default, Serialize)]
pub struct Placement {
    pub id: u64,
    pub deployment: u64,
    pub developer: String,
    pub provider: String,
    pub offer: u64,
    pub instances: u32,
    pub price: Amount,
    pub start_epoch: u64,
    pub last_proven: u64,
    /// Epochs proven.
    pub epochs_proven: u64,
    /// Requests served with a signed receipt in the proven epochs: Σ the proofs' `count`.
    pub receipts: u64,
    /// Paid to the provider (after the protocol fee).
    pub paid: Amount,
    /// Protocol fees taken from its payments.
    pub fees: Amount,
    /// What its proven epochs earned that the deployment could not pay (gross).
    pub owed: Amount,
    /// `completed`, `evicted`, `exited_with_penalty`, `fraud`, or `null` while live.
    pub ended: Option<String>,
    /// Stake slashed into the deployment when it ended.
    pub slashed: Amount,
}
/// A deployment's ledger: `deposited + topped_up + slashed_in = paid + fees + keeper_fees +
/// withdrawn + balance`.
#[derive(Debug, Default, Serialize)]
pub struct Deployment {
    pub id: u64,
    pub developer: String,
    /// The function's program and its code hash.
    pub function: Address,
    pub artifact: B256,
    /// Requests its placements served and proved (receipts).
    pub receipts: u64,
    pub instances: u32,
    pub regions: Vec<String>,
    pub max_price: Amount,
    pub max_per_provider: u32,
    /// The derived status at the end.
    pub status: String,
    pub cancelled: bool,
    pub closed: bool,
    pub deposited: Amount,
    pub topped_up: Amount,
    /// Paid to providers.
    pub paid: Amount,
    /// Protocol fees.
    pub fees: Amount,
    pub keeper_fees: Amount,
    /// Slashed stake received from evicted providers, and frauds' slashes and held pay.
    pub slashed_in: Amount,
    pub withdrawn: Amount,
    pub balance: Amount,
}

pub fn offers(cast: &Cast, ledger: &Ledger) -> Vec<Offer> {
    ledger
        .offers
        .iter()
        .map(|(&id, o)| Offer {
            id,
            provider: cast.name_of(o.provider),
            region: region(o.region),
            price: o.price.into(),
            capacity: o.capacity,
        })
        .collect()
}

/// Placements with their proofs and ends (`last_proven` is read from the chain after).
pub fn placements(cast: &Cast, ledger: &Ledger) -> Vec<Placement> {
    ledger
        .placements
        .iter()
        .map(|(&id, p)| Placement {
            id,
            deployment: p.deployment,
            developer: cast.name_of(
                ledger
                    .deployments
                    .get(&p.deployment)
                    .map(|d| d.owner)
                    .unwrap_or_default(),
            ),
            provider: cast.name_of(p.provider),
            offer: p.offer,
            instances: p.instances,
            price: p.price.into(),
            start_epoch: p.start_epoch,
            last_proven: 0,
            epochs_proven: p.proven.len() as u64,
            receipts: p.receipts(),
            paid: p.paid.into(),
            fees: p.fee.into(),
            owed: p.owed.into(),
            ended: p.ended.clone(),
            slashed: p.slashed.into(),
        })
        .collect()
}

/// Deployments' ledgers (`status` and `balance` are read from the chain after).
pub fn deployments(cast: &Cast, ledger: &Ledger) -> Vec<Deployment> {
    ledger
        .deployments
        .iter()
        .map(|(&id, d)| Deployment {
            id,
            developer: cast.name_of(d.owner),
            function: d.program,
            artifact: d.artifact,
            receipts: ledger
                .placements
                .values()
                .filter(|p| p.deployment == id)
                .map(audit::PlacementRow::receipts)
                .sum(),
            instances: d.instances,
            regions: (0..=u8::MAX)
                .filter(|&r| d.region_mask.bit(usize::from(r)))
                .map(region)
                .collect(),
            max_price: d.max_price.into(),
            max_per_provider: d.max_per_provider,
            status: String::new(),
            cancelled: d.cancelled.is_some(),
            closed: d.closed.is_some(),
            deposited: d.deposit.into(),
            topped_up: d.funded.into(),
            paid: d.paid.into(),
            fees: d.fee.into(),
            keeper_fees: d.keeper_fees.into(),
            slashed_in: d.slash_received.into(),
            withdrawn: d.withdrawn.into(),
            balance: d.balance.into(),
        })
        .collect()
}

/// The name of region `code`.
fn region(code: u8) -> String {
    REGIONS
        .get(usize::from(code))
        .map_or_else(|| code.to_string(), |name| (*name).to_owned())
}
