//! What the marketplace's events say: offers as created, placements with their proofs and
//! ends, deployments' ledgers.

use std::collections::BTreeMap;

use alloy::rpc::types::Log;
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolEventInterface;
use cloudless_abi::{
    court::ICourt::ICourtEvents,
    market::{IMarket::IMarketEvents, IRegistry::IRegistryEvents},
};
use serde::{Serialize, Serializer};

use crate::demo::{actors::Cast, script::REGIONS};

/// A token amount: a decimal string of base units in JSON, tokens in tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(pub U256);

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_string())
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
    /// `completed`, `evicted`, `exited_with_penalty`, or `null` while live.
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
    /// Slashed stake received from evicted providers.
    pub slashed_in: Amount,
    pub withdrawn: Amount,
    pub balance: Amount,
}
/// The marketplace's decoded logs.
#[derive(Default)]
pub struct Events {
    pub market: Vec<IMarketEvents>,
    pub registry: Vec<IRegistryEvents>,
    /// The court's, with the transaction that logged each.
    pub court: Vec<(ICourtEvents, B256)>,
}

impl Events {
    pub fn decode(logs: &[Log]) -> Self {
        let mut events = Self::default();
        for log in logs {
            if let Ok(event) = IMarketEvents::decode_log(&log.inner) {
                events.market.push(event.data);
            } else if let Ok(event) = ICourtEvents::decode_log(&log.inner) {
                let tx = log.transaction_hash.unwrap_or_default();
                events.court.push((event.data, tx));
            } else if let Ok(event) = IRegistryEvents::decode_log(&log.inner) {
                events.registry.push(event.data);
            }
        }
        events
    }
}
pub fn offers(cast: &Cast, events: &Events) -> Vec<Offer> {
    events
        .registry
        .iter()
        .filter_map(|event| match event {
            IRegistryEvents::OfferCreated(e) => Some(Offer {
                id: e.offerId,
                provider: cast.name_of(e.provider),
                region: region(e.region),
                price: Amount(U256::from(e.pricePerInstanceEpoch)),
                capacity: e.capacity,
            }),
            _ => None,
        })
        .collect()
}

/// Placements from their creation, proof and end events.
pub fn placements(cast: &Cast, events: &Events) -> Vec<Placement> {
    let owners: BTreeMap<u64, Address> = events
        .market
        .iter()
        .filter_map(|event| match event {
            IMarketEvents::DeploymentCreated(e) => Some((e.deploymentId, e.owner)),
            _ => None,
        })
        .collect();
    let mut placements: BTreeMap<u64, Placement> = BTreeMap::new();
    for event in &events.market {
        match event {
            IMarketEvents::PlacementCreated(e) => {
                let owner = owners.get(&e.deploymentId).copied().unwrap_or_default();
                placements.insert(
                    e.placementId,
                    Placement {
                        id: e.placementId,
                        deployment: e.deploymentId,
                        developer: cast.name_of(owner),
                        provider: cast.name_of(e.provider),
                        offer: e.offerId,
                        instances: e.instances,
                        price: Amount(U256::from(e.price)),
                        start_epoch: e.startEpoch,
                        ..Placement::default()
                    },
                );
            }
            IMarketEvents::EpochProven(e) => {
                if let Some(p) = placements.get_mut(&e.placementId) {
                    p.epochs_proven += 1;
                    p.receipts += u64::from(e.count);
                    p.paid += e.paid;
                    p.fees += e.fee;
                    p.owed = Amount(e.owed);
                }
            }
            IMarketEvents::OwedSettled(e) => {
                if let Some(p) = placements.get_mut(&e.placementId) {
                    p.paid += e.paid;
                    p.fees += e.fee;
                    p.owed = Amount(e.owed);
                }
            }
            IMarketEvents::PlacementEnded(e) => {
                if let Some(p) = placements.get_mut(&e.placementId) {
                    let reason = format!("{:?}", e.reason);
                    p.ended = Some(snake_case(&reason));
                    p.slashed += e.slashed;
                }
            }
            _ => {}
        }
    }
    placements.into_values().collect()
}

/// Deployments' ledgers from their events and their placements.
pub fn deployments(cast: &Cast, events: &Events, placements: &[Placement]) -> Vec<Deployment> {
    let mut deployments: BTreeMap<u64, Deployment> = BTreeMap::new();
    for event in &events.market {
        use IMarketEvents as E;
        let id = match event {
            E::DeploymentCreated(e) => {
                deployments.insert(
                    e.deploymentId,
                    Deployment {
                        id: e.deploymentId,
                        developer: cast.name_of(e.owner),
                        function: e.spec.program,
                        artifact: e.spec.artifact,
                        instances: e.spec.instances,
                        regions: (0..=u8::MAX)
                            .filter(|&r| e.spec.regionMask.bit(usize::from(r)))
                            .map(region)
                            .collect(),
                        max_price: Amount(U256::from(e.spec.maxPricePerInstanceEpoch)),
                        max_per_provider: e.spec.maxPerProvider,
                        deposited: Amount(e.balance),
                        ..Deployment::default()
                    },
                );
                continue;
            }
            E::DeploymentFunded(e) => e.deploymentId,
            E::DeploymentWithdrawn(e) => e.deploymentId,
            E::DeploymentMatched(e) => e.deploymentId,
            E::DeploymentCancelled(e) => e.deploymentId,
            E::DeploymentClosed(e) => e.deploymentId,
            _ => continue,
        };
        let Some(d) = deployments.get_mut(&id) else {
            continue;
        };
        match event {
            E::DeploymentFunded(e) => d.topped_up += e.amount,
            E::DeploymentWithdrawn(e) => d.withdrawn += e.amount,
            E::DeploymentMatched(e) => d.keeper_fees += e.keeperFee,
            E::DeploymentCancelled(_) => d.cancelled = true,
            E::DeploymentClosed(_) => d.closed = true,
            _ => {}
        }
    }
    for p in placements {
        if let Some(d) = deployments.get_mut(&p.deployment) {
            d.paid += p.paid.0;
            d.fees += p.fees.0;
            d.slashed_in += p.slashed.0;
            d.receipts += p.receipts;
        }
    }
    deployments.into_values().collect()
}

/// The name of region `code`.
fn region(code: u8) -> String {
    REGIONS
        .get(usize::from(code))
        .map_or_else(|| code.to_string(), |name| (*name).to_owned())
}

/// `ExitedWithPenalty` → `exited_with_penalty`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
