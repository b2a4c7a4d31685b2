//! What the keeper knows of the market, built from the registry's and market's logs alone: the
//! matcher's book plus the small index of live placements and deployment deadlines that the
//! book does not keep (for evictions, closes and finalizations).

use std::collections::BTreeMap;

use alloy::rpc::types::Log;
use alloy_primitives::{Address, B256};
use cloudless_abi::{
    court::{CourtParams, DisputeKind, ICourt::ICourtEvents},
    events::Event,
    market::{IMarket::IMarketEvents, MarketParams},
};
use matcher::{Book, Sources};

/// A live placement's proof progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LivePlacement {
    /// The deployment it serves.
    pub deployment: u64,
    /// The provider that serves it.
    pub provider: Address,
    /// First epoch served.
    pub start: u64,
    /// Last epoch proven (`start − 1` before any proof).
    pub last_proven: u64,
    /// Its own end epoch (`u64::MAX` while open-ended).
    pub end: u64,
}

/// A deployment's deadlines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Deadlines {
    /// The deployment's end epoch (`u64::MAX` while open-ended).
    pub end: u64,
    /// Epoch it became underfunded; 0 when funded.
    pub underfunded_since: u64,
    /// Cancelled or closed: nothing left to close.
    pub ending: bool,
    /// Block of the last event naming the deployment or one of its placements.
    pub touched: u64,
    /// Its live placements.
    pub live: u32,
    /// The function's program (`DeploymentSpec.program`).
    pub program: Address,
    /// The program's code hash (`DeploymentSpec.artifact`).
    pub artifact: B256,
}

/// A court dispute waiting for the provider's answer (`DisputeOpened` not yet followed by
/// `DisputeAnswered` or `FraudProven`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenDispute {
    /// The placement disputed.
    pub placement: u64,
    /// Inclusion or sample.
    pub kind: DisputeKind,
    /// The epoch disputed.
    pub epoch: u64,
    /// The leaf disputed.
    pub index: u64,
    /// Last epoch the provider may answer in.
    pub deadline: u64,
}

/// A proven epoch waiting to be verified ([`MarketState::track_proofs`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvenEpoch {
    /// The placement.
    pub placement: u64,
    /// The epoch.
    pub epoch: u64,
    /// Its receipts root.
    pub root: B256,
    /// Receipts under it.
    pub count: u32,
    /// The placement's provider.
    pub provider: Address,
    /// The deployment's function program.
    pub program: Address,
    /// The block that proved it, and its hash (the sample's seed).
    pub block: u64,
    /// The hash of that block.
    pub block_hash: B256,
}

/// The market as the events describe it.
pub struct MarketState {
    /// The order book the matcher plans from.
    pub book: Book,
    /// Live placements by id.
    pub placements: BTreeMap<u64, LivePlacement>,
    /// Deployments by id.
    pub deployments: BTreeMap<u64, Deadlines>,
    /// The market's parameters (from its initialization and updates).
    pub params: Option<MarketParams>,
    /// The court's parameters (from its updates).
    pub court_params: Option<CourtParams>,
    /// Disputes waiting for an answer, by id.
    pub disputes: BTreeMap<u64, OpenDispute>,
    /// Proven epochs not yet taken for verification; `None` unless tracked.
    pub proven: Option<Vec<ProvenEpoch>>,
    /// Highest deployment id created (pruned ones included).
    last_deployment: u64,
    sources: Sources,
}

/// A log that contradicts what was ingested before (it names something never created): a bug
/// in a contract or a log that was missed. It is skipped; the caller reports it.
#[derive(Debug, thiserror::Error)]
#[error("log at block {block:?} index {index:?} does not fit the state: {reason}")]
pub struct Inconsistent {
    block: Option<u64>,
    index: Option<u64>,
    reason: String,
}

impl MarketState {
    /// An empty state for the contracts at `sources`.
    pub fn new(sources: Sources) -> Self {
        Self {
            book: Book::new(matcher::Config::default()),
            placements: BTreeMap::new(),
            deployments: BTreeMap::new(),
            params: None,
            court_params: None,
            disputes: BTreeMap::new(),
            proven: None,
            last_deployment: 0,
            sources,
        }
    }

    /// Collects every `EpochProven` from now on into [`MarketState::proven`] (a verifying
    /// keeper takes them from there).
    pub fn track_proofs(mut self) -> Self {
        self.proven = Some(Vec::new());
        self
    }

    /// The state before any log, for the same contracts and tracking.
    pub fn reset(&mut self) {
        let tracking = self.proven.is_some();
        *self = Self::new(self.sources);
        if tracking {
            self.proven = Some(Vec::new());
        }
    }

    /// The contracts whose logs are ingested.
    pub fn sources(&self) -> Sources {
        self.sources
    }

    /// Applies `logs` in chain order; a log that contradicts the state is skipped (it changes
    /// nothing) and returned, and the logs after it are applied all the same.
    pub fn apply_all(&mut self, logs: &[Log]) -> Vec<Inconsistent> {
        logs.iter()
            .filter_map(|log| self.apply(log).err())
            .collect()
    }

    /// Applies one log (in chain order).
    fn apply(&mut self, log: &Log) -> Result<(), Inconsistent> {
        let fail = |reason: String| Inconsistent {
            block: log.block_number,
            index: log.log_index,
            reason,
        };
        let Some(event) = self
            .sources
            .decode(&log.inner)
            .map_err(|e| fail(e.to_string()))?
        else {
            return Ok(());
        };
        self.book
            .apply_event(event.clone())
            .map_err(|e| fail(e.to_string()))?;
        let event = match event {
            Event::Market(event) => event,
            Event::Court(event) => {
                self.apply_court(event);
                return Ok(());
            }
            _ => return Ok(()),
        };
        use IMarketEvents as E;
        let placement = |id: &u64| self.placements.get(id).map(|p| p.deployment);
        let touched = match &event {
            E::DeploymentCreated(e) => Some(e.deploymentId),
            E::DeploymentFunded(e) => Some(e.deploymentId),
            E::DeploymentWithdrawn(e) => Some(e.deploymentId),
            E::OwedSettled(e) => Some(e.deploymentId),
            E::DeploymentCancelled(e) => Some(e.deploymentId),
            E::DeploymentClosed(e) => Some(e.deploymentId),
            E::DeploymentEndSet(e) => Some(e.deploymentId),
            E::DeploymentUnderfunded(e) => Some(e.deploymentId),
            E::DeploymentMatched(e) => Some(e.deploymentId),
            E::PlacementCreated(e) => Some(e.deploymentId),
            E::EpochProven(e) => placement(&e.placementId),
            E::PlacementExiting(e) => placement(&e.placementId),
            E::PlacementEnded(e) => placement(&e.placementId),
            _ => None,
        };
        match event {
            E::MarketInitialized(e) => self.params = Some(e.params),
            E::MarketParamsSet(e) => self.params = Some(e.params),
            E::DeploymentCreated(e) => {
                self.last_deployment = self.last_deployment.max(e.deploymentId);
                self.deployments.insert(
                    e.deploymentId,
                    Deadlines {
                        end: u64::MAX,
                        program: e.spec.program,
                        artifact: e.spec.artifact,
                        ..Deadlines::default()
                    },
                );
            }
            E::DeploymentEndSet(e) => {
                if let Some(d) = self.deployment(e.deploymentId, &fail)? {
                    d.end = e.endEpoch;
                }
            }
            E::DeploymentCancelled(e) => {
                if let Some(d) = self.deployment(e.deploymentId, &fail)? {
                    d.end = e.endEpoch;
                    d.ending = true;
                }
            }
            E::DeploymentClosed(e) => {
                if let Some(d) = self.deployment(e.deploymentId, &fail)? {
                    d.end = e.endEpoch;
                    d.ending = true;
                }
            }
            E::DeploymentUnderfunded(e) => {
                if let Some(d) = self.deployment(e.deploymentId, &fail)? {
                    d.underfunded_since = e.sinceEpoch;
                }
            }
            E::PlacementCreated(e) => {
                if let Some(d) = self.deployments.get_mut(&e.deploymentId) {
                    d.live += 1;
                }
                self.placements.insert(
                    e.placementId,
                    LivePlacement {
                        deployment: e.deploymentId,
                        provider: e.provider,
                        start: e.startEpoch,
                        last_proven: e.startEpoch.saturating_sub(1),
                        end: u64::MAX,
                    },
                );
            }
            E::EpochProven(e) => {
                if let Some(p) = self.placements.get_mut(&e.placementId) {
                    p.last_proven = e.epoch;
                    let program = self.deployments.get(&p.deployment).map(|d| d.program);
                    if let (Some(proven), Some(program)) = (&mut self.proven, program) {
                        proven.push(ProvenEpoch {
                            placement: e.placementId,
                            epoch: e.epoch,
                            root: e.receiptsRoot,
                            count: e.count,
                            provider: p.provider,
                            program,
                            block: log.block_number.unwrap_or_default(),
                            block_hash: log.block_hash.unwrap_or_default(),
                        });
                    }
                }
            }
            E::PlacementExiting(e) => {
                if let Some(p) = self.placements.get_mut(&e.placementId) {
                    p.end = e.endEpoch;
                }
            }
            E::PlacementEnded(e) => {
                if let Some(p) = self.placements.remove(&e.placementId)
                    && let Some(d) = self.deployments.get_mut(&p.deployment)
                {
                    d.live = d.live.saturating_sub(1);
                }
            }
            _ => {}
        }
        if let Some(d) = touched.and_then(|id| self.deployments.get_mut(&id)) {
            d.touched = log.block_number.unwrap_or_default();
        }
        Ok(())
    }

    /// Applies one of the court's events (logged at the market's address).
    fn apply_court(&mut self, event: ICourtEvents) {
        match event {
            ICourtEvents::CourtParamsSet(e) => self.court_params = Some(e.params),
            ICourtEvents::DisputeOpened(e) if e.kind != DisputeKind::Result => {
                self.disputes.insert(
                    e.disputeId,
                    OpenDispute {
                        placement: e.placementId,
                        kind: e.kind,
                        epoch: e.epoch,
                        index: e.index,
                        deadline: e.deadline,
                    },
                );
            }
            ICourtEvents::DisputeAnswered(e) => {
                self.disputes.remove(&e.disputeId);
            }
            ICourtEvents::FraudProven(e) => {
                self.disputes.remove(&e.disputeId);
            }
            _ => {}
        }
    }

    /// Drops the deployments that ended for good by `epoch` — cancelled, closed, past their
    /// end, or never matched within `matchExpiryEpochs`, with no live placement left, so nothing
    /// remains to evict, finalize or close — from the index and the book. Returns how many were
    /// dropped.
    pub fn prune(&mut self, epoch: u64) -> usize {
        let book = &mut self.book;
        let before = self.deployments.len();
        self.deployments.retain(|&id, d| {
            let ended = d.ending || (d.end != u64::MAX && epoch > d.end);
            // The book retires what the shared lifecycle calls `Ended` (expiry included).
            let gone = d.live == 0 && (book.retire(id, epoch) || (ended && book.bid(id).is_none()));
            !gone
        });
        before - self.deployments.len()
    }

    /// Deployment `id`'s deadlines; `None` when it was pruned (ids are consecutive, so an
    /// unknown id at or below the highest created one is a pruned deployment).
    fn deployment(
        &mut self,
        id: u64,
        fail: &impl Fn(String) -> Inconsistent,
    ) -> Result<Option<&mut Deadlines>, Inconsistent> {
        if id > self.last_deployment {
            return Err(fail(format!("deployment {id} was never created")));
        }
        Ok(self.deployments.get_mut(&id))
    }
}

/// Market parameters for the keeper's tests: 2-epoch windows, a 24-epoch match expiry.
#[cfg(test)]
pub(crate) fn test_params() -> MarketParams {
    MarketParams {
        feeBps: 500,
        keeperFee: 0,
        minPrepaidEpochs: 2,
        proofWindow: 2,
        noticeEpochs: 2,
        exitPenalty: 0,
        maxMissedEpochs: 2,
        slashPerMissedInstanceEpoch: 0,
        graceEpochs: 2,
        minDeposit: 0,
        matchExpiryEpochs: 24,
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;
    use alloy_primitives::{Address, Log as Inner, address};
    use alloy_sol_types::SolEvent;
    use cloudless_abi::market::{DeploymentSpec, EndReason, IMarket, IRegistry, OfferStatus};

    use super::*;

    const REGISTRY: Address = address!("0x00000000000000000000000000000000000000aa");
    const MARKET: Address = address!("0x00000000000000000000000000000000000000bb");
    const SOURCES: Sources = Sources {
        registry: REGISTRY,
        market: MARKET,
        token: address!("0x00000000000000000000000000000000000000cc"),
    };

    fn log(block: u64, event: &impl SolEvent) -> Log {
        Log {
            inner: Inner {
                address: REGISTRY,
                data: event.encode_log_data(),
            },
            block_number: Some(block),
            log_index: Some(0),
            ..Log::default()
        }
    }

    fn offer_created(id: u64) -> IRegistry::OfferCreated {
        IRegistry::OfferCreated {
            offerId: id,
            provider: address!("0x0000000000000000000000000000000000000001"),
            cpuMilli: 1_000,
            memMiB: 512,
            region: 0,
            tier: 0,
            token: Address::ZERO,
            pricePerInstanceEpoch: 10,
            capacity: 4,
        }
    }

    fn market_log(block: u64, event: &impl SolEvent) -> Log {
        let mut log = log(block, event);
        log.inner.address = MARKET;
        log
    }

    fn created(id: u64) -> IMarket::DeploymentCreated {
        IMarket::DeploymentCreated {
            deploymentId: id,
            owner: Address::ZERO,
            spec: DeploymentSpec {
                program: Address::ZERO,
                artifact: Default::default(),
                instances: 1,
                minInstances: 1,
                cpuMilli: 1_000,
                memMiB: 512,
                regionMask: U256::from(1),
                minTier: 0,
                token: Address::ZERO,
                maxPricePerInstanceEpoch: 10,
                maxPerProvider: 1,
                durationEpochs: 0,
            },
            balance: U256::from(1_000),
            createdEpoch: 1,
        }
    }

    #[test]
    fn deployments_never_matched_are_pruned_once_their_match_expiry_passed() {
        let mut state = MarketState::new(SOURCES);
        let params = test_params();
        let logs = [
            market_log(
                1,
                &IMarket::MarketParamsSet {
                    params: params.clone(),
                },
            ),
            market_log(1, &created(1)),
        ];
        assert!(state.apply_all(&logs).is_empty());
        // Created in epoch 1: matchable through epoch 1 + 24.
        assert_eq!(state.prune(1 + 24), 0, "still within its match expiry");
        assert!(state.book.bid(1).is_some());
        assert_eq!(state.prune(1 + 25), 1, "expired unmatched");
        assert!(state.deployments.is_empty() && state.book.bid(1).is_none());
        // Its owner withdraws everything afterwards: not a contradiction.
        let late = [market_log(
            30,
            &IMarket::DeploymentWithdrawn {
                deploymentId: 1,
                amount: U256::from(1_000),
                balance: U256::ZERO,
            },
        )];
        assert!(state.apply_all(&late).is_empty());
    }

    #[test]
    fn deployments_ended_for_good_are_pruned_and_their_late_events_are_no_contradiction() {
        let mut state = MarketState::new(SOURCES);
        let provider = address!("0x0000000000000000000000000000000000000001");
        let placement = |id, deployment| IMarket::PlacementCreated {
            placementId: id,
            deploymentId: deployment,
            offerId: 1,
            provider,
            instances: 1,
            price: 10,
            startEpoch: 2,
        };
        let cancelled = |id| IMarket::DeploymentCancelled {
            deploymentId: id,
            endEpoch: 3,
        };
        let logs = [
            market_log(1, &created(1)),
            market_log(1, &created(2)),
            market_log(1, &created(3)),
            market_log(2, &placement(1, 1)),
            market_log(2, &placement(2, 2)),
            // 1 and 2 are cancelled; 3 never placed anything and is cancelled too.
            market_log(3, &cancelled(1)),
            market_log(3, &cancelled(2)),
            market_log(3, &cancelled(3)),
            market_log(
                4,
                &IMarket::PlacementEnded {
                    placementId: 1,
                    reason: EndReason::Completed,
                    endEpoch: 3,
                    slashed: U256::ZERO,
                    placed: 0,
                    rate: U256::ZERO,
                    balance: U256::from(990),
                },
            ),
        ];
        assert!(state.apply_all(&logs).is_empty());
        assert_eq!(state.prune(4), 2, "1 and 3 ended for good");
        assert_eq!(state.deployments.keys().collect::<Vec<_>>(), [&2]);
        assert!(state.book.bid(1).is_none() && state.book.bid(3).is_none());
        assert!(state.book.bid(2).is_some(), "2 still has a live placement");
        // The owner withdraws what is left after the end: not a contradiction.
        let late = [
            market_log(
                5,
                &IMarket::DeploymentWithdrawn {
                    deploymentId: 1,
                    amount: U256::from(990),
                    balance: U256::ZERO,
                },
            ),
            market_log(
                5,
                &IMarket::DeploymentUnderfunded {
                    deploymentId: 3,
                    sinceEpoch: 0,
                },
            ),
        ];
        assert!(
            state.apply_all(&late).is_empty(),
            "late events of pruned deployments"
        );
        // An id never created still is one.
        let unknown = [market_log(6, &cancelled(9))];
        assert_eq!(state.apply_all(&unknown).len(), 1);
    }

    #[test]
    fn a_fraud_conviction_takes_the_providers_offers_out_of_matching_and_slashes_set_its_stake() {
        let mut state = MarketState::new(SOURCES);
        let provider = offer_created(1).provider;
        let staked = IRegistry::Staked {
            provider,
            amount: U256::from(500),
            stake: U256::from(500),
        };
        let slashed = IRegistry::Slashed {
            provider,
            amount: U256::from(200),
            stake: U256::from(300),
            unbonding: U256::ZERO,
        };
        let logs = [
            log(1, &offer_created(1)),
            log(1, &staked),
            log(2, &slashed),
            market_log(2, &created(1)),
        ];
        assert!(state.apply_all(&logs).is_empty());
        assert_eq!(
            state.book.stake(provider),
            U256::from(300),
            "Slashed sets the stake"
        );
        let budget = matcher::Budget::unlimited();
        assert_eq!(
            state.book.clone().plan(2, &budget).txs.len(),
            1,
            "the provider's offer serves deployment 1 before any conviction"
        );
        let convicted = IRegistry::FraudRecorded {
            provider,
            frauds: 1,
        };
        assert!(state.apply_all(&[log(3, &convicted)]).is_empty());
        assert!(
            state.book.plan(3, &budget).txs.is_empty(),
            "a convicted provider's offer was still planned"
        );
        assert_eq!(state.book.snapshot().frauds, vec![(provider, 1)]);
    }

    #[test]
    fn a_dispute_is_open_from_its_opening_until_its_answer_or_fraud() {
        use cloudless_abi::court::ICourt;
        let mut state = MarketState::new(SOURCES);
        let opened = |id, kind| ICourt::DisputeOpened {
            disputeId: id,
            placementId: 4,
            kind,
            epoch: 9,
            index: 2,
            challenger: Address::ZERO,
            bond: U256::from(1),
            deadline: 12,
        };
        let logs = [
            market_log(1, &opened(1, DisputeKind::Sample)),
            market_log(1, &opened(2, DisputeKind::Inclusion)),
            market_log(1, &opened(3, DisputeKind::Sample)),
        ];
        assert!(state.apply_all(&logs).is_empty());
        assert_eq!(state.disputes.keys().collect::<Vec<_>>(), [&1, &2, &3]);
        assert_eq!(
            (state.disputes[&2].kind, state.disputes[&2].index),
            (DisputeKind::Inclusion, 2)
        );
        let answered = ICourt::DisputeAnswered {
            disputeId: 1,
            placementId: 4,
            provider: Address::ZERO,
            bond: U256::from(1),
        };
        let fraud = ICourt::FraudProven {
            placementId: 4,
            disputeId: 3,
            kind: DisputeKind::Sample,
            challenger: Address::ZERO,
            slashed: U256::ZERO,
            reward: U256::ZERO,
            refunded: U256::ZERO,
            balance: U256::ZERO,
        };
        let logs = [market_log(2, &answered), market_log(2, &fraud)];
        assert!(state.apply_all(&logs).is_empty());
        assert_eq!(state.disputes.keys().collect::<Vec<_>>(), [&2]);
    }

    #[test]
    fn a_contradicting_log_is_skipped_and_the_logs_after_it_still_apply() {
        let mut state = MarketState::new(SOURCES);
        // The log that stalled every keeper: a pause of offer 0, which never exists.
        let pause_none = IRegistry::OfferStatusChanged {
            offerId: 0,
            status: OfferStatus::Paused,
        };
        let logs = [
            log(1, &offer_created(1)),
            log(2, &pause_none),
            log(3, &offer_created(2)),
            log(
                4,
                &IRegistry::OfferUsage {
                    offerId: 1,
                    inUse: 3,
                },
            ),
        ];
        let skipped = state.apply_all(&logs);
        assert_eq!(skipped.len(), 1, "only the pause of offer 0 is refused");
        assert!(skipped[0].to_string().contains("offer 0"), "{}", skipped[0]);
        assert!(
            state.book.offer(0).is_none(),
            "the skipped log created nothing"
        );
        assert_eq!(state.book.offer(1).map(|o| o.inUse), Some(3));
        assert_eq!(
            state.book.offer(2).map(|o| o.status),
            Some(OfferStatus::Open)
        );
    }
}
