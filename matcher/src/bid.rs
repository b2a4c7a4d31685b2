//! One bid: a deployment as the matcher sees it (its request, escrow and live placements).

use alloy_primitives::U256;
use cloudless_abi::{
    lifecycle::Lifecycle,
    market::{DeploymentSpec, DeploymentStatus},
};

/// A deployment request and what the chain says about it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bid {
    /// The request as created.
    pub spec: DeploymentSpec,
    /// Escrow left (B).
    pub balance: U256,
    /// Σ instances × price over live placements.
    pub rate: U256,
    /// Instances in live placements.
    pub placed: u32,
    /// Whether a first match (reaching `minInstances`) happened.
    pub reached_min: bool,
    /// The epoch it was created in (its first match must come within `matchExpiryEpochs`).
    pub created_epoch: u64,
    /// Cancelled or closed: takes no more matches.
    pub ending: bool,
    /// Last epoch served; `u64::MAX` while open-ended.
    pub end_epoch: u64,
    /// Balance below rate (the chain's `underfundedSince != 0`).
    pub underfunded: bool,
    /// Instances per provider (by provider number) in live placements.
    pub(crate) per_provider: Holdings,
}

impl Bid {
    /// A fresh deployment holding `balance`, created in `created_epoch`.
    pub fn new(spec: DeploymentSpec, balance: U256, created_epoch: u64) -> Self {
        Self {
            spec,
            balance,
            rate: U256::ZERO,
            placed: 0,
            reached_min: false,
            created_epoch,
            ending: false,
            end_epoch: u64::MAX,
            underfunded: false,
            per_provider: Holdings::default(),
        }
    }

    /// The fields the chain derives the deployment's status from, under the market's
    /// `matchExpiryEpochs`.
    fn lifecycle(&self, match_expiry: Option<u64>) -> Lifecycle {
        Lifecycle {
            unmatched_until: match match_expiry {
                Some(epochs) if !self.reached_min => self.created_epoch.saturating_add(epochs),
                _ => u64::MAX,
            },
            end_epoch: self.end_epoch,
            ending: self.ending,
            placed: self.placed,
            min_instances: self.spec.minInstances,
            underfunded: self.underfunded,
        }
    }

    /// The chain's status of the deployment at `epoch` (as `IMarket.deploymentState`).
    pub fn status(&self, epoch: u64, match_expiry: Option<u64>) -> DeploymentStatus {
        self.lifecycle(match_expiry).status(epoch)
    }

    /// `Ok` when a match submitted at `epoch` may place instances; otherwise the status the
    /// contract reports in `NotMatchable`.
    pub fn matchable(&self, epoch: u64, match_expiry: Option<u64>) -> Result<(), DeploymentStatus> {
        self.lifecycle(match_expiry).matchable(epoch)
    }

    /// Instances still to place.
    pub fn room(&self) -> u32 {
        self.spec.instances.saturating_sub(self.placed)
    }
}

/// Instances per provider number, sorted by provider.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Holdings(Vec<(u32, u32)>);

impl Holdings {
    /// Instances provider number `provider` holds.
    pub fn get(&self, provider: u32) -> u32 {
        self.0
            .binary_search_by_key(&provider, |&(p, _)| p)
            .map_or(0, |i| self.0[i].1)
    }

    /// Adds `delta` (negative to remove) to `provider`'s instances, never below zero.
    pub fn add(&mut self, provider: u32, delta: i64) {
        match self.0.binary_search_by_key(&provider, |&(p, _)| p) {
            Ok(i) => {
                let held = (i64::from(self.0[i].1) + delta).clamp(0, i64::from(u32::MAX));
                if held == 0 {
                    self.0.remove(i);
                } else {
                    self.0[i].1 = held as u32;
                }
            }
            Err(i) if delta > 0 => self
                .0
                .insert(i, (provider, delta.min(i64::from(u32::MAX)) as u32)),
            Err(_) => {}
        }
    }

    /// `(provider number, instances)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.0.iter().copied()
    }

    /// Forgets every holding.
    pub fn clear(&mut self) {
        self.0.clear();
    }
}
