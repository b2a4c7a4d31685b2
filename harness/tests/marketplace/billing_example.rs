//! The worked billing example of `docs/marketplace.md`, step by step, with the numbers the
//! document states (computed by hand from protocol v1 and the default parameters).

use alloy_primitives::U256;
use cloudless_abi::market::{DeploymentStatus, IMarket};

use super::fixture::{DEV, Fixture, KEEPER, OfferArgs, P1, event, served};

/// Cents of a 6-decimal token.
fn cents(n: u64) -> U256 {
    U256::from(n) * U256::from(10_000)
}

#[test]
fn the_documented_billing_example_holds() {
    let mut f = Fixture::new();
    let market = f.m.market;
    f.provider(P1, 2_000);
    let offer = f.offer(P1, OfferArgs::priced(1_000_000, 4));
    let spec = f.spec(2, 1_500_000);
    let deployment = f.deployment(DEV, spec, cents(600));
    let balance = |f: &mut Fixture| {
        let state = f.view(
            market,
            IMarket::deploymentStateCall {
                deploymentId: deployment,
            },
        );
        (state.balance, state.status)
    };

    // Epoch 0: the keeper matches both instances at 1.00; the keeper fee is 2 × 0.01.
    let receipt = f.match_on(deployment, offer, 2);
    let placement = event::<IMarket::PlacementCreated>(&receipt);
    assert_eq!(placement.startEpoch, 1);
    assert_eq!(balance(&mut f), (cents(598), DeploymentStatus::Active));
    let p = placement.placementId;
    let prove = |f: &mut Fixture, epoch: u64| {
        let (root, count) = served(f, p, epoch, 1);
        let call = IMarket::submitProofCall {
            placementId: p,
            epoch,
            receiptsRoot: root,
            count,
        };
        event::<IMarket::EpochProven>(&f.send(P1, market, call))
    };

    // Epoch 1 is proven during epoch 2: 2.00 paid, 0.10 of it to the treasury.
    f.goto_epoch(2);
    assert_eq!(f.epoch(), 2);
    let proven = prove(&mut f, 1);
    assert_eq!(
        (proven.paid, proven.fee, proven.balance),
        (cents(190), cents(10), cents(398))
    );
    // Epoch 2 is never proven; epoch 3 is, during epoch 4: one miss, and the balance (1.98)
    // falls below the rate (2.00): underfunded since epoch 4.
    f.goto_epoch(4);
    let receipt_balance = prove(&mut f, 3);
    assert_eq!(
        (receipt_balance.misses, receipt_balance.balance),
        (1, cents(198))
    );
    assert_eq!(balance(&mut f), (cents(198), DeploymentStatus::Underfunded));
    // Epoch 4 is proven during epoch 5: the balance pays 1.98 of its 2.00 (1.881 to the
    // provider, 0.099 fee); 0.02 stays owed.
    f.goto_epoch(5);
    let short = prove(&mut f, 4);
    assert_eq!(
        (short.paid, short.fee, short.balance, short.owed),
        (
            U256::from(1_881_000),
            U256::from(99_000),
            U256::ZERO,
            cents(2)
        )
    );
    // The developer tops up 10.00: funded again (10.00 covers the 0.02 owed and an epoch).
    f.approve(DEV, market, cents(1_000));
    f.send(
        DEV,
        market,
        IMarket::topUpCall {
            deploymentId: deployment,
            amount: cents(1_000),
        },
    );
    assert_eq!(balance(&mut f), (cents(1_000), DeploymentStatus::Active));
    // Epoch 5 is proven in epoch 6 and pays the 0.02 owed first: 2.02 (1.919 + 0.101 fee).
    // Then the developer cancels: the deployment ends after epoch 6 + 2 (notice).
    f.goto_epoch(6);
    let catch_up = prove(&mut f, 5);
    assert_eq!(
        (catch_up.paid, catch_up.fee, catch_up.balance, catch_up.owed),
        (
            U256::from(1_919_000),
            U256::from(101_000),
            cents(798),
            U256::ZERO
        )
    );
    let receipt = f.send(
        DEV,
        market,
        IMarket::cancelCall {
            deploymentId: deployment,
        },
    );
    assert_eq!(event::<IMarket::DeploymentCancelled>(&receipt).endEpoch, 8);
    assert_eq!(balance(&mut f).1, DeploymentStatus::Ending);
    // Epochs 6, 7 and 8 are proven as they complete; the last proof ends the placement.
    for epoch in 6..=8 {
        f.goto_epoch(epoch + 1);
        prove(&mut f, epoch);
    }
    assert_eq!(balance(&mut f), (cents(198), DeploymentStatus::Ended));
    let ended = f.view(market, IMarket::placementCall { placementId: p });
    assert!(!ended.live);
    // Nothing is reserved any more: the developer takes the rest back.
    assert_eq!(
        f.view(
            market,
            IMarket::reserveCall {
                deploymentId: deployment
            }
        ),
        U256::ZERO
    );
    let before = f.token_balance(DEV);
    f.send(
        DEV,
        market,
        IMarket::withdrawCall {
            deploymentId: deployment,
            amount: cents(198),
        },
    );
    assert_eq!(f.token_balance(DEV) - before, cents(198));

    // Totals: 16.00 deposited = 13.30 provider + 0.70 fees + 0.02 keeper + 1.98 refund: every
    // proven epoch paid in full.
    assert_eq!(f.earned(P1), cents(1_330));
    assert_eq!(f.view(market, IMarket::treasuryCall {}), cents(70));
    assert_eq!(
        f.view(market, IMarket::claimableCall { account: KEEPER }),
        cents(2)
    );
    f.assert_conserved();
}
