//! Tokens that misbehave: one that re-enters the contracts from its transfers, one that takes a
//! fee on transfer, one whose functions return no bool.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolCall, SolError};
use cloudless_abi::market::{IGoverned, IMarket, IRegistry};
use test_fixtures::abi::ReentrantToken;

use super::fixture::{DEV, Fixture, OfferArgs, P1, P2, STRANGER, UNIT, event, tokens};

/// Arms the token's next `times` transfers to call `target` with `call` first.
fn arm<C: SolCall>(f: &mut Fixture, target: Address, call: C, times: u64) {
    let arm = ReentrantToken::armCall {
        target_: target,
        payload_: Bytes::from(call.abi_encode()),
        times: U256::from(times),
    };
    f.send(STRANGER, f.m.token, arm);
}

/// Whether the token's `index`th returned re-entrant call succeeded, and its data.
fn reentry(f: &mut Fixture, index: u64) -> (bool, Bytes) {
    let token = f.m.token;
    let ok = f.view(token, ReentrantToken::reentryOkCall(U256::from(index)));
    (
        ok,
        f.view(token, ReentrantToken::reentryDataCall(U256::from(index))),
    )
}

/// Asserts the token's `index`th returned re-entrant call failed with `Reentered()`.
fn assert_refused(f: &mut Fixture, index: u64) {
    let (ok, data) = reentry(f, index);
    assert!(!ok, "re-entrant call {index} succeeded");
    IGoverned::Reentered::abi_decode(&data).expect("the re-entry was refused with Reentered()");
}

#[test]
fn a_token_re_entering_claim_during_its_payout_is_refused_and_paid_once() {
    let mut f = Fixture::with_token("ReentrantToken");
    let (token, market) = (f.m.token, f.m.market);
    f.accounts.push(token);
    f.provider(P1, 2_000);
    let offer = f.offer(P1, OfferArgs::priced(UNIT, 4));
    let deployment = f.deployment(DEV, f.spec(2, UNIT), tokens(10));
    // The token itself keeps the market: its first armed transfer (between two outsiders)
    // matches the deployment, which credits it the keeper fee.
    let pairs = vec![f.pair(offer, 2)];
    arm(
        &mut f,
        market,
        IMarket::matchDeploymentCall {
            deploymentId: deployment,
            pairs,
        },
        1,
    );
    f.send(
        P2,
        token,
        ReentrantToken::transferCall {
            to: STRANGER,
            value: U256::from(1),
        },
    );
    assert!(reentry(&mut f, 0).0);
    let fee = f.view(market, IMarket::claimableCall { account: token });
    assert_eq!(fee, U256::from(2 * UNIT / 100));
    // Now it claims, and re-enters `claim` from the market's payout transfer.
    arm(&mut f, market, IMarket::claimCall {}, 2);
    f.send(
        P2,
        token,
        ReentrantToken::transferCall {
            to: STRANGER,
            value: U256::from(1),
        },
    );
    // The inner claim (from the payout) returned first and was refused; the outer one paid.
    assert_refused(&mut f, 1);
    assert!(reentry(&mut f, 2).0);
    assert_eq!(f.token_balance(token), fee);
    assert_eq!(
        f.view(market, IMarket::claimableCall { account: token }),
        U256::ZERO
    );
    f.assert_conserved();
}

#[test]
fn a_token_re_entering_during_deposits_is_refused_and_credits_once() {
    let mut f = Fixture::with_token("ReentrantToken");
    let (token, registry, market) = (f.m.token, f.m.registry, f.m.market);
    f.accounts.push(token);
    f.send(
        STRANGER,
        token,
        ReentrantToken::mintCall {
            to: token,
            value: tokens(100),
        },
    );
    let deployment = f.deployment(DEV, f.spec(1, UNIT), tokens(10));
    // During DEV's top-up the token tries to top up (and so re-enter) the market itself.
    arm(
        &mut f,
        market,
        IMarket::topUpCall {
            deploymentId: deployment,
            amount: tokens(1),
        },
        1,
    );
    f.approve(DEV, market, tokens(5));
    let receipt = f.send(
        DEV,
        market,
        IMarket::topUpCall {
            deploymentId: deployment,
            amount: tokens(5),
        },
    );
    assert_refused(&mut f, 0);
    assert_eq!(
        event::<IMarket::DeploymentFunded>(&receipt).balance,
        tokens(15)
    );
    // During a stake the token re-enters the registry's withdrawal.
    f.provider(P1, 0);
    arm(&mut f, registry, IRegistry::withdrawStakeCall {}, 1);
    f.approve(P1, registry, tokens(1_000));
    f.send(
        P1,
        registry,
        IRegistry::stakeCall {
            amount: tokens(1_000),
        },
    );
    assert_refused(&mut f, 1);
    assert_eq!(
        f.view(registry, IRegistry::providerCall { provider: P1 })
            .stake,
        tokens(1_000)
    );
    f.assert_conserved();
}

#[test]
fn fee_on_transfer_tokens_are_rejected_by_name() {
    let mut f = Fixture::with_token("FeeToken");
    let (registry, market) = (f.m.registry, f.m.market);
    f.approve(DEV, market, tokens(10));
    let e: IGoverned::UnsupportedToken = f.expect_error(
        DEV,
        market,
        IMarket::createDeploymentCall {
            spec: f.spec(1, UNIT),
            deposit: tokens(10),
        },
    );
    assert_eq!(
        (e.expected, e.received),
        (tokens(10), tokens(10) * U256::from(99) / U256::from(100))
    );
    f.send(
        P1,
        registry,
        IRegistry::registerProviderCall {
            metadataURI: String::new(),
        },
    );
    f.approve(P1, registry, tokens(10));
    f.expect_error::<_, IGoverned::UnsupportedToken>(
        P1,
        registry,
        IRegistry::stakeCall { amount: tokens(10) },
    );
}

#[test]
fn tokens_returning_no_bool_work_end_to_end() {
    let mut f = Fixture::with_token("NoBoolToken");
    let market = f.m.market;
    f.provider(P1, 2_000);
    let offer = f.offer(P1, OfferArgs::priced(UNIT, 2));
    let deployment = f.deployment(DEV, f.spec(1, UNIT), tokens(10));
    let receipt = f.match_on(deployment, offer, 1);
    let placement = event::<IMarket::PlacementCreated>(&receipt).placementId;
    f.goto_epoch(2);
    f.send(
        P1,
        market,
        IMarket::submitProofCall {
            placementId: placement,
            epoch: 1,
            receiptsRoot: B256::ZERO,
            count: 0,
        },
    );
    f.mature();
    let before = f.token_balance(P1);
    f.send(P1, market, IMarket::claimCall {});
    assert_eq!(f.token_balance(P1) - before, U256::from(UNIT * 95 / 100));
    f.send(
        DEV,
        market,
        IMarket::withdrawCall {
            deploymentId: deployment,
            amount: tokens(1),
        },
    );
    f.assert_conserved();
}
