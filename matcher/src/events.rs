//! Feeding the book from chain logs: each registry and market event maps to one book update.
//! Events carry the chain's new absolute values, so the book follows the chain exactly.

use alloy_primitives::{Address, Log};
use alloy_sol_types::SolEventInterface;
use cloudless_abi::market::{
    IGoverned::IGovernedEvents, IMarket::IMarketEvents, IRegistry::IRegistryEvents, MarketParams,
    Offer, OfferStatus,
};

use crate::book::{Book, BookError};

/// The contracts whose logs feed a book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sources {
    /// The registry (offers, stakes).
    pub registry: Address,
    /// The market (deployments, placements, pause).
    pub market: Address,
}

/// A log the book could not take.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The log has a known event signature but its data does not decode.
    #[error("undecodable {contract} log: {source}")]
    Decode {
        /// "registry" or "market".
        contract: &'static str,
        /// The decoder's complaint.
        source: alloy_sol_types::Error,
    },
    /// The event contradicts the book (an event was missed or replayed out of order).
    #[error(transparent)]
    Book(#[from] BookError),
}

impl Book {
    /// Applies one log emitted by `sources.registry` or `sources.market`; logs of other
    /// contracts and events that do not affect matching are ignored. Returns whether the
    /// log changed the book.
    pub fn apply_log(&mut self, sources: &Sources, log: &Log) -> Result<bool, IngestError> {
        if log.address == sources.registry {
            if let Some(event) =
                decode::<IRegistryEvents>(log, IRegistryEvents::SELECTORS, "registry")?
            {
                return Ok(self.apply_registry(event)?);
            }
        } else if log.address == sources.market {
            if let Some(event) = decode::<IMarketEvents>(log, IMarketEvents::SELECTORS, "market")? {
                return Ok(self.apply_market(event)?);
            }
            if let Some(IGovernedEvents::PauseSet(e)) =
                decode(log, IGovernedEvents::SELECTORS, "market")?
            {
                self.set_paused(e.paused);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Applies a registry event.
    pub fn apply_registry(&mut self, event: IRegistryEvents) -> Result<bool, BookError> {
        use IRegistryEvents as E;
        match event {
            E::RegistryInitialized(e) => {
                self.set_token(e.token);
                self.set_min_stake(e.params.minStake);
            }
            E::RegistryParamsSet(e) => self.set_min_stake(e.params.minStake),
            E::Staked(e) => self.set_stake(e.provider, e.stake),
            E::UnstakeRequested(e) => self.set_stake(e.provider, e.stake),
            E::Slashed(e) => self.set_stake(e.provider, e.stake),
            E::FraudRecorded(e) => self.set_frauds(e.provider, e.frauds),
            E::OfferCreated(e) => self.add_offer(
                e.offerId,
                &Offer {
                    provider: e.provider,
                    cpuMilli: e.cpuMilli,
                    memMiB: e.memMiB,
                    region: e.region,
                    tier: e.tier,
                    token: e.token,
                    pricePerInstanceEpoch: e.pricePerInstanceEpoch,
                    capacity: e.capacity,
                    inUse: 0,
                    status: OfferStatus::Open,
                },
            )?,
            E::OfferUpdated(e) => {
                self.update_offer(e.offerId, e.pricePerInstanceEpoch, e.capacity)?
            }
            E::OfferStatusChanged(e) => self.set_offer_status(e.offerId, e.status)?,
            E::OfferUsage(e) => self.set_in_use(e.offerId, e.inUse)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn set_market_params(&mut self, params: &MarketParams) {
        self.set_keeper_fee(params.keeperFee);
        self.set_match_expiry(params.matchExpiryEpochs);
    }

    /// Applies a market event.
    pub fn apply_market(&mut self, event: IMarketEvents) -> Result<bool, BookError> {
        use IMarketEvents as E;
        match event {
            E::MarketInitialized(e) => self.set_market_params(&e.params),
            E::MarketParamsSet(e) => self.set_market_params(&e.params),
            E::DeploymentCreated(e) => {
                self.add_bid(e.deploymentId, e.spec, e.balance, e.createdEpoch)?
            }
            E::DeploymentFunded(e) => self.set_balance(e.deploymentId, e.balance)?,
            E::DeploymentWithdrawn(e) => self.set_balance(e.deploymentId, e.balance)?,
            E::OwedSettled(e) => self.set_balance(e.deploymentId, e.balance)?,
            E::DeploymentCancelled(e) => self.end_bid(e.deploymentId, e.endEpoch)?,
            E::DeploymentClosed(e) => self.end_bid(e.deploymentId, e.endEpoch)?,
            E::DeploymentEndSet(e) => self.set_end(e.deploymentId, e.endEpoch)?,
            E::DeploymentUnderfunded(e) => {
                self.set_underfunded(e.deploymentId, e.sinceEpoch != 0)?
            }
            E::DeploymentMatched(e) => self.matched(e.deploymentId, e.placed, e.balance, e.rate)?,
            E::PlacementCreated(e) => {
                self.placement_created(e.placementId, e.deploymentId, e.provider, e.instances)?
            }
            E::EpochProven(e) => self.proven(e.placementId, e.balance)?,
            E::PlacementEnded(e) => {
                self.placement_ended(e.placementId, e.placed, e.rate, e.balance)?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// `log` as one of the events of `E` (whose signatures are `selectors`); `None` when it is
/// none of them.
fn decode<E: SolEventInterface>(
    log: &Log,
    selectors: &[[u8; 32]],
    contract: &'static str,
) -> Result<Option<E>, IngestError> {
    let known = log
        .topics()
        .first()
        .is_some_and(|topic| selectors.contains(&topic.0));
    if !known {
        return Ok(None);
    }
    E::decode_log(log)
        .map(|event| Some(event.data))
        .map_err(|source| IngestError::Decode { contract, source })
}
