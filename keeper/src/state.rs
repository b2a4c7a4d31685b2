//! What the keeper knows of the market, built from the registry's and market's logs alone: the
//! matcher's book plus the small index of live placements and deployment deadlines that the
//! book does not keep (for evictions, closes and finalizations).

use std::collections::BTreeMap;

use alloy::rpc::types::Log;
use alloy_sol_types::SolEventInterface;
use cloudless_abi::market::{IMarket::IMarketEvents, MarketParams};
use matcher::{Book, Sources};

/// A live placement's proof progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LivePlacement {
    /// The deployment it serves.
    pub deployment: u64,
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
            sources,
        }
    }

    /// The contracts whose logs are ingested.
    pub fn sources(&self) -> Sources {
        self.sources
    }

    /// Applies `logs` in chain order; a log that contradicts the state is skipped (it changes
    /// nothing) and returned, and the logs after it are applied all the same.
    pub fn apply_all(&mut self, logs: &[Log]) -> Vec<Inconsistent> {
        logs.iter().filter_map(|log| self.apply(log).err()).collect()
    }

    /// Applies one log (in chain order).
    fn apply(&mut self, log: &Log) -> Result<(), Inconsistent> {
        let fail = |reason: String| Inconsistent {
            block: log.block_number,
            index: log.log_index,
            reason,
        };
        self.book
            .apply_log(&self.sources, &log.inner)
            .map_err(|e| fail(e.to_string()))?;
        if log.inner.address != self.sources.market {
            return Ok(());
        }
        let Ok(event) = IMarketEvents::decode_raw_log(log.topics(), &log.data().data) else {
            return Ok(());
        };
        use IMarketEvents as E;
        match event {
            E::MarketInitialized(e) => self.params = Some(e.params),
            E::MarketParamsSet(e) => self.params = Some(e.params),
            E::DeploymentCreated(e) => {
                self.deployments.insert(
                    e.deploymentId,
                    Deadlines {
                        end: u64::MAX,
                        ..Deadlines::default()
                    },
                );
            }
            E::DeploymentEndSet(e) => self.deployment(e.deploymentId, &fail)?.end = e.endEpoch,
            E::DeploymentCancelled(e) => {
                let d = self.deployment(e.deploymentId, &fail)?;
                d.end = e.endEpoch;
                d.ending = true;
            }
            E::DeploymentClosed(e) => {
                let d = self.deployment(e.deploymentId, &fail)?;
                d.end = e.endEpoch;
                d.ending = true;
            }
            E::DeploymentUnderfunded(e) => {
                self.deployment(e.deploymentId, &fail)?.underfunded_since = e.sinceEpoch;
            }
            E::PlacementCreated(e) => {
                self.placements.insert(
                    e.placementId,
                    LivePlacement {
                        deployment: e.deploymentId,
                        last_proven: e.startEpoch.saturating_sub(1),
                        end: u64::MAX,
                    },
                );
            }
            E::EpochProven(e) => {
                if let Some(p) = self.placements.get_mut(&e.placementId) {
                    p.last_proven = e.epoch;
                }
            }
            E::PlacementExiting(e) => {
                if let Some(p) = self.placements.get_mut(&e.placementId) {
                    p.end = e.endEpoch;
                }
            }
            E::PlacementEnded(e) => {
                self.placements.remove(&e.placementId);
            }
            _ => {}
        }
        Ok(())
    }

    fn deployment(
        &mut self,
        id: u64,
        fail: &impl Fn(String) -> Inconsistent,
    ) -> Result<&mut Deadlines, Inconsistent> {
        self.deployments
            .get_mut(&id)
            .ok_or_else(|| fail(format!("deployment {id} was never created")))
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, Log as Inner, address};
    use alloy_sol_types::SolEvent;
    use cloudless_abi::market::{IRegistry, OfferStatus};

    use super::*;

    const REGISTRY: Address = address!("0x00000000000000000000000000000000000000aa");
    const MARKET: Address = address!("0x00000000000000000000000000000000000000bb");

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

    #[test]
    fn a_contradicting_log_is_skipped_and_the_logs_after_it_still_apply() {
        let mut state = MarketState::new(Sources {
            registry: REGISTRY,
            market: MARKET,
        });
        // The log that stalled every keeper: a pause of offer 0, which never exists.
        let pause_none = IRegistry::OfferStatusChanged {
            offerId: 0,
            status: OfferStatus::Paused,
        };
        let logs = [
            log(1, &offer_created(1)),
            log(2, &pause_none),
            log(3, &offer_created(2)),
            log(4, &IRegistry::OfferUsage { offerId: 1, inUse: 3 }),
        ];
        let skipped = state.apply_all(&logs);
        assert_eq!(skipped.len(), 1, "only the pause of offer 0 is refused");
        assert!(skipped[0].to_string().contains("offer 0"), "{}", skipped[0]);
        assert!(state.book.offer(0).is_none(), "the skipped log created nothing");
        assert_eq!(state.book.offer(1).map(|o| o.inUse), Some(3));
        assert_eq!(
            state.book.offer(2).map(|o| o.status),
            Some(OfferStatus::Open)
        );
    }
}
