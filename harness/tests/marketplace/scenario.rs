//! A common starting point: one staked provider with one offer, one funded deployment matched
//! onto it.

use cloudless_abi::market::IMarket;

use super::fixture::{DEV, Fixture, OfferArgs, P1, UNIT, event, tokens};

/// Ids of the matched scenario.
pub struct Matched {
    /// The offer (price 1 token, capacity 4).
    pub offer: u64,
    /// The deployment (3 instances at up to 2 tokens, 100 tokens deposited).
    pub deployment: u64,
    /// The placement of all 3 instances on the offer.
    pub placement: u64,
    /// The placement's first epoch.
    pub start: u64,
}

/// P1 staked 2,000 with an offer; DEV's deployment matched onto it by KEEPER.
pub fn matched() -> (Fixture, Matched) {
    let mut f = Fixture::new();
    f.provider(P1, 2_000);
    let offer = f.offer(P1, OfferArgs::priced(UNIT, 4));
    let spec = f.spec(3, 2 * UNIT);
    let deployment = f.deployment(DEV, spec, tokens(100));
    let receipt = f.match_on(deployment, offer, 3);
    let placed = event::<IMarket::PlacementCreated>(&receipt);
    let ids = Matched {
        offer,
        deployment,
        placement: placed.placementId,
        start: placed.startEpoch,
    };
    (f, ids)
}
