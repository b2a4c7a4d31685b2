//! A whole round through both contracts, with the events each step emits.

use alloy_primitives::U256;
use cloudless_abi::market::{DeploymentStatus, IMarket, IRegistry};

use super::fixture::{DEV, Fixture, OfferArgs, P1, UNIT, WORKER, event, served, tokens};

#[test]
fn a_deployment_is_matched_proven_paid_and_withdrawn() {
    let mut f = Fixture::new();
    let (registry, market) = (f.m.registry, f.m.market);
    f.provider(P1, 2_000);
    f.send(P1, registry, IRegistry::addWorkerCall { worker: WORKER });
    let offer = f.offer(P1, OfferArgs::priced(UNIT, 4));
    let spec = f.spec(3, 2 * UNIT);
    let deployment = f.deployment(DEV, spec, tokens(100));
    f.assert_conserved();

    let receipt = f.match_on(deployment, offer, 3);
    let matched = event::<IMarket::DeploymentMatched>(&receipt);
    assert_eq!(matched.placed, 3);
    assert_eq!(matched.keeperFee, U256::from(3 * UNIT / 100));
    assert_eq!(matched.rate, U256::from(3 * UNIT));
    let placed = event::<IMarket::PlacementCreated>(&receipt);
    assert_eq!(
        (placed.provider, placed.instances, placed.price),
        (P1, 3, UNIT)
    );
    let usage = event::<IRegistry::OfferUsage>(&receipt);
    assert_eq!(usage.inUse, 3);
    f.assert_conserved();

    let start = placed.startEpoch;
    f.goto_epoch(start + 1);
    let (root, count) = served(&f, placed.placementId, start, 7);
    let receipt = f.send(
        WORKER,
        market,
        IMarket::submitProofCall {
            placementId: placed.placementId,
            epoch: start,
            receiptsRoot: root,
            count,
        },
    );
    let proven = event::<IMarket::EpochProven>(&receipt);
    let amount = U256::from(3 * UNIT);
    let fee = amount * U256::from(500) / U256::from(10_000);
    assert_eq!(
        (proven.paid, proven.fee, proven.misses),
        (amount - fee, fee, 0)
    );
    f.assert_conserved();

    // The pay is held until the dispute windows close.
    assert_eq!(
        f.view(market, IMarket::pendingCall { account: P1 }),
        amount - fee
    );
    f.expect_error::<_, IMarket::NothingToClaim>(P1, market, IMarket::claimCall {});
    let state = f.view(
        market,
        IMarket::deploymentStateCall {
            deploymentId: deployment,
        },
    );
    assert_eq!(state.status, DeploymentStatus::Active);
    let reserve = f.view(
        market,
        IMarket::reserveCall {
            deploymentId: deployment,
        },
    );
    assert_eq!(reserve, amount * U256::from(3));
    let free = state.balance - reserve;
    let before = f.token_balance(DEV);
    f.send(
        DEV,
        market,
        IMarket::withdrawCall {
            deploymentId: deployment,
            amount: free,
        },
    );
    assert_eq!(f.token_balance(DEV) - before, free);
    f.assert_conserved();

    f.mature();
    assert_eq!(
        f.view(market, IMarket::pendingCall { account: P1 }),
        U256::ZERO
    );
    let before = f.token_balance(P1);
    f.send(P1, market, IMarket::claimCall {});
    assert_eq!(f.token_balance(P1) - before, amount - fee);
    f.assert_conserved();
}

#[test]
fn registration_events_carry_the_metadata_and_the_view_returns_it() {
    let mut f = Fixture::new();
    let registry = f.m.registry;
    let uri = "ipfs://bafy-a-provider-with-a-rather-long-metadata-uri/v1.json".to_string();
    let receipt = f.send(
        P1,
        registry,
        IRegistry::registerProviderCall {
            metadataURI: uri.clone(),
        },
    );
    let registered = event::<IRegistry::ProviderRegistered>(&receipt);
    assert_eq!(
        (registered.provider, registered.metadataURI.as_str()),
        (P1, uri.as_str())
    );
    assert_eq!(
        f.view(registry, IRegistry::providerMetadataCall { provider: P1 }),
        uri
    );
    let receipt = f.send(
        P1,
        registry,
        IRegistry::updateProviderCall {
            metadataURI: String::new(),
        },
    );
    assert_eq!(
        event::<IRegistry::ProviderUpdated>(&receipt).metadataURI,
        ""
    );
}
