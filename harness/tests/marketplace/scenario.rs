//! Common starting points: one staked provider with one offer and one funded deployment matched
//! onto it, or a deployment with the least deposit, about to run dry once matched.

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

/// P1 staked 2,000 with an offer of 2 instances at 1 token; DEV's deployment of 2 instances at
/// up to 1 token with the least deposit (4 tokens), not matched yet: once matched it runs dry
/// within two epochs. Returns the fixture, the offer and the deployment.
pub fn short_of_funds() -> (Fixture, u64, u64) {
    let mut f = Fixture::new();
    f.provider(P1, 2_000);
    let offer = f.offer(P1, OfferArgs::priced(UNIT, 2));
    let deployment = f.deployment(DEV, f.spec(2, UNIT), tokens(4));
    (f, offer, deployment)
}
