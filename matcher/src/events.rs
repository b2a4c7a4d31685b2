//! Feeding the book from chain logs: each registry and market event maps to one book update.
//! Events carry the chain's new absolute values, so the book follows the chain exactly.

use alloy_primitives::Log;
use cloudless_abi::{
    events::{DecodeError, Event, Sources},
    market::{
        IGoverned::IGovernedEvents, IMarket::IMarketEvents, IRegistry::IRegistryEvents,
        MarketParams, Offer, OfferStatus,
    },
};

use crate::book::{Book, BookError};

/// A log the book could not take.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The log has a known event signature but its data does not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The event contradicts the book (an event was missed or replayed out of order).
    #[error(transparent)]
    Book(#[from] BookError),
}

impl Book {
    /// Applies one log emitted by `sources.registry` or `sources.market`; logs of other
    /// contracts and events that do not affect matching are ignored. Returns whether the
    /// log changed the book.
    pub fn apply_log(&mut self, sources: &Sources, log: &Log) -> Result<bool, IngestError> {
        match sources.decode(log)? {
            Some(event) => Ok(self.apply_event(event)?),
            None => Ok(false),
        }
    }

    /// Applies one decoded marketplace event; returns whether it changed the book.
    pub fn apply_event(&mut self, event: Event) -> Result<bool, BookError> {
        match event {
            Event::Registry(event) => self.apply_registry(event),
            Event::Market(event) => self.apply_market(event),
            Event::MarketGoverned(IGovernedEvents::PauseSet(e)) => {
                self.set_paused(e.paused);
                Ok(true)
            }
            _ => Ok(false),
        }
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
