//! What the market needs from a keeper at an epoch: evictions, finalizations, closes and the
//! resolution of unanswered disputes, then the matcher's round of `matchDeployment`
//! transactions, each as a keyed [`Work`] item.
//! Pure: the same state and epoch always give the same list in the same order.

use alloy_primitives::{Address, Bytes};
use alloy_sol_types::SolCall;
use cloudless_abi::{
    court::ICourt,
    market::{IMarket, MarketParams},
};
use matcher::Budget;

use crate::state::MarketState;

/// The kinds of work, as named in the journal, logs and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `matchDeployment`.
    Match,
    /// `evict`.
    Evict,
    /// `close`.
    Close,
    /// `finalize`.
    Finalize,
    /// `disputeResult` of a sampled leaf whose response is wrong.
    Dispute,
    /// `challengeSample` of a leaf the provider's node did not show.
    Sample,
    /// `resolve` of a dispute left unanswered past its deadline (anyone's).
    Resolve,
}

impl Kind {
    /// The journal's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Match => "match",
            Kind::Evict => "evict",
            Kind::Close => "close",
            Kind::Finalize => "finalize",
            Kind::Dispute => "dispute",
            Kind::Sample => "sample",
            Kind::Resolve => "resolve",
        }
    }
}

/// One transaction the market needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Work {
    /// `kind:id`: at most one job per key is in flight.
    pub key: String,
    /// What it does.
    pub kind: Kind,
    /// The contract to call.
    pub target: Address,
    /// The call.
    pub calldata: Bytes,
    /// Instances it places (matches only).
    pub instances: u32,
    /// The deployment it serves (an event on it may change the work's outcome).
    pub deployment: u64,
}

/// Everything due at `epoch` (the epoch the next block will be in): settlements first (they
/// free capacity and instances the matcher then sees), then the matcher's round.
pub fn due(state: &mut MarketState, epoch: u64, budget: &Budget) -> Vec<Work> {
    let market = state.sources().market;
    let mut work = Vec::new();
    state.prune(epoch);
    if let Some(params) = &state.params {
        settlements(state, params, epoch, &mut work);
    }
    let plan = state.book.plan(epoch, budget);
    for tx in &plan.txs {
        work.push(Work {
            key: format!("match:{}", tx.deployment_id),
            kind: Kind::Match,
            target: market,
            calldata: tx.call().abi_encode().into(),
            instances: tx.instances(),
            deployment: tx.deployment_id,
        });
    }
    work
}

/// Evictions and finalizations (by placement id), closes (by deployment id), then the
/// resolution of disputes left unanswered past their deadline (by dispute id).
fn settlements(state: &MarketState, params: &MarketParams, epoch: u64, work: &mut Vec<Work>) {
    let market = state.sources().market;
    for (&id, p) in &state.placements {
        let deployment_end = state
            .deployments
            .get(&p.deployment)
            .map_or(u64::MAX, |d| d.end);
        let end = p.end.min(deployment_end);
        let missed = end
            .min(epoch.saturating_sub(1))
            .saturating_sub(p.last_proven);
        let call = if epoch > 0 && missed > params.maxMissedEpochs {
            (
                Kind::Evict,
                IMarket::evictCall { placementId: id }.abi_encode(),
            )
        } else if end != u64::MAX && epoch > end.saturating_add(params.proofWindow) {
            (
                Kind::Finalize,
                IMarket::finalizeCall { placementId: id }.abi_encode(),
            )
        } else {
            continue;
        };
        work.push(Work {
            key: format!("{}:{id}", call.0.as_str()),
            kind: call.0,
            target: market,
            calldata: call.1.into(),
            instances: 0,
            deployment: p.deployment,
        });
    }
    for (&id, d) in &state.deployments {
        if d.underfunded_since != 0
            && !d.ending
            && epoch >= d.underfunded_since.saturating_add(params.graceEpochs)
        {
            work.push(Work {
                key: format!("close:{id}"),
                kind: Kind::Close,
                target: market,
                calldata: IMarket::closeCall { deploymentId: id }.abi_encode().into(),
                instances: 0,
                deployment: id,
            });
        }
    }
    for (&id, d) in &state.disputes {
        if epoch > d.deadline {
            let deployment = state
                .placements
                .get(&d.placement)
                .map_or(0, |p| p.deployment);
            work.push(Work {
                key: format!("resolve:{id}"),
                kind: Kind::Resolve,
                target: market,
                calldata: ICourt::resolveCall { disputeId: id }.abi_encode().into(),
                instances: 0,
                deployment,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::Address;

    use super::*;
    use crate::state::{Deadlines, LivePlacement};

    fn state() -> MarketState {
        let mut state = MarketState::new(matcher::Sources {
            registry: Address::repeat_byte(1),
            market: Address::repeat_byte(2),
            token: Address::repeat_byte(3),
        });
        state.params = Some(crate::state::test_params());
        state
    }

    fn keys(state: &mut MarketState, epoch: u64) -> Vec<String> {
        due(state, epoch, &Budget::default())
            .into_iter()
            .map(|w| w.key)
            .collect()
    }

    #[test]
    fn evicts_finalizes_and_closes_exactly_when_the_contract_allows() {
        let mut s = state();
        let open = Deadlines {
            end: u64::MAX,
            ..Deadlines::default()
        };
        let placed = Deadlines { live: 1, ..open };
        s.deployments.insert(1, placed);
        s.deployments.insert(2, Deadlines { end: 5, ..placed });
        s.deployments.insert(
            3,
            Deadlines {
                underfunded_since: 4,
                ..open
            },
        );
        // Placement 1 started at epoch 1 and was never proven; placement 2 ends at 5, proven.
        s.placements.insert(
            1,
            LivePlacement {
                deployment: 1,
                provider: Default::default(),
                start: 1,
                last_proven: 0,
                end: u64::MAX,
            },
        );
        s.placements.insert(
            2,
            LivePlacement {
                deployment: 2,
                provider: Default::default(),
                start: 1,
                last_proven: 5,
                end: u64::MAX,
            },
        );
        // Missed = min(epoch − 1, end) − lastProven must exceed 2.
        assert!(keys(&mut s, 3).is_empty());
        assert_eq!(keys(&mut s, 4), ["evict:1"]);
        // Finalizable once epoch > 5 + proofWindow; closable from since + grace.
        assert_eq!(keys(&mut s, 6), ["evict:1", "close:3"]);
        assert_eq!(keys(&mut s, 8), ["evict:1", "finalize:2", "close:3"]);
        s.deployments.get_mut(&3).unwrap().ending = true;
        assert_eq!(keys(&mut s, 8), ["evict:1", "finalize:2"]);
    }

    #[test]
    fn an_unanswered_dispute_is_resolved_once_its_deadline_passed() {
        let mut s = state();
        s.disputes.insert(
            4,
            crate::state::OpenDispute {
                placement: 9,
                kind: cloudless_abi::court::DisputeKind::Sample,
                epoch: 2,
                index: 0,
                deadline: 5,
            },
        );
        // The provider may answer through epoch 5; `resolve` works from epoch 6.
        assert!(keys(&mut s, 5).is_empty());
        assert_eq!(keys(&mut s, 6), ["resolve:4"]);
        s.disputes.remove(&4);
        assert!(
            keys(&mut s, 7).is_empty(),
            "answered or resolved: nothing left"
        );
    }
}
