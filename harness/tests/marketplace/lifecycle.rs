//! Endings and governance, each with the events that let the keeper rebuild state from logs.

use alloy_primitives::{B256, U256};
use cloudless_abi::market::{
    DeploymentStatus, EndReason, IGoverned, IMarket, IRegistry, OfferStatus,
};

use super::{
    fixture::{DEV, Fixture, OWNER, P1, STRANGER, UNIT, event, events, tokens},
    scenario::{matched, short_of_funds},
};

fn prove(f: &mut Fixture, placement: u64, epoch: u64) {
    f.send(P1, f.m.market, proof_call(placement, epoch));
}

#[test]
fn an_eviction_slashes_into_the_deployment_and_pauses_the_offer() {
    let (mut f, ids) = matched();
    let (registry, market) = (f.m.registry, f.m.market);
    f.goto_epoch(ids.start + 4);
    let before = f
        .view(
            market,
            IMarket::deploymentStateCall {
                deploymentId: ids.deployment,
            },
        )
        .balance;
    let receipt = f.send(
        STRANGER,
        market,
        IMarket::evictCall {
            placementId: ids.placement,
        },
    );
    let ended = event::<IMarket::PlacementEnded>(&receipt);
    // Missed epochs start..=start+3 (4 > maxMissed 2), 3 instances, 1 token each.
    assert_eq!(
        (ended.reason, ended.slashed, ended.placed),
        (EndReason::Evicted, tokens(12), 0)
    );
    assert_eq!(ended.balance, before + tokens(12));
    assert_eq!(event::<IRegistry::Slashed>(&receipt).stake, tokens(1_988));
    assert_eq!(
        event::<IRegistry::OfferStatusChanged>(&receipt).status,
        OfferStatus::Paused
    );
    assert_eq!(event::<IRegistry::OfferUsage>(&receipt).inUse, 0);
    let state = f.view(
        market,
        IMarket::deploymentStateCall {
            deploymentId: ids.deployment,
        },
    );
    assert_eq!(
        (state.status, state.rate),
        (DeploymentStatus::Open, U256::ZERO)
    );
    f.expect_error::<_, IMarket::PlacementNotLive>(
        P1,
        market,
        IMarket::submitProofCall {
            placementId: ids.placement,
            epoch: ids.start + 3,
            receiptsRoot: B256::ZERO,
            count: 0,
        },
    );
    let info = f.view(registry, IRegistry::providerCall { provider: P1 });
    assert_eq!(info.stake, tokens(1_988));
    f.assert_conserved();
}

#[test]
fn provider_exits_with_notice_for_free_or_at_once_with_a_penalty() {
    let (mut f, ids) = matched();
    let market = f.m.market;
    let receipt = f.send(
        P1,
        market,
        IMarket::exitPlacementCall {
            placementId: ids.placement,
        },
    );
    let end = event::<IMarket::PlacementExiting>(&receipt).endEpoch;
    assert_eq!(end, ids.start - 1 + 2);
    f.goto_epoch(end + 1);
    prove(&mut f, ids.placement, end);
    assert!(
        !f.view(
            market,
            IMarket::placementCall {
                placementId: ids.placement
            }
        )
        .live
    );

    let (mut f, ids) = matched();
    let receipt = f.send(
        P1,
        f.m.market,
        IMarket::exitPlacementNowCall {
            placementId: ids.placement,
        },
    );
    let ended = event::<IMarket::PlacementEnded>(&receipt);
    assert_eq!(
        (ended.reason, ended.slashed),
        (EndReason::ExitedWithPenalty, tokens(15))
    );
    // An exit pauses no offer: no status event at all, least of all for offer 0, which
    // never exists (that log once stalled every keeper).
    assert!(
        events::<IRegistry::OfferStatusChanged>(&receipt).is_empty(),
        "an immediate exit emits no OfferStatusChanged"
    );
    f.assert_conserved();
}

#[test]
fn an_underfunded_deployment_closes_after_grace_and_unproven_placements_finalize() {
    let (mut f, offer, deployment) = short_of_funds();
    let market = f.m.market;
    let pairs = vec![f.pair(offer, 2)];
    let receipt = f.send(
        super::fixture::KEEPER,
        market,
        IMarket::matchDeploymentCall {
            deploymentId: deployment,
            pairs,
        },
    );
    let p = event::<IMarket::PlacementCreated>(&receipt).placementId;
    f.goto_epoch(2);
    prove(&mut f, p, 1);
    let state = f.view(
        market,
        IMarket::deploymentStateCall {
            deploymentId: deployment,
        },
    );
    assert_eq!(
        (state.status, state.underfundedSince),
        (DeploymentStatus::Underfunded, 2)
    );
    let e: IMarket::NotClosable = f.expect_error(
        STRANGER,
        market,
        IMarket::closeCall {
            deploymentId: deployment,
        },
    );
    assert_eq!(e.closableAt, 4);
    f.goto_epoch(4);
    let receipt = f.send(
        STRANGER,
        market,
        IMarket::closeCall {
            deploymentId: deployment,
        },
    );
    assert_eq!(event::<IMarket::DeploymentClosed>(&receipt).endEpoch, 3);
    f.advance_epochs(2);
    let receipt = f.send(STRANGER, market, IMarket::finalizeCall { placementId: p });
    let ended = event::<IMarket::PlacementEnded>(&receipt);
    assert_eq!((ended.reason, ended.endEpoch), (EndReason::Completed, 3));
    let state = f.view(
        market,
        IMarket::deploymentStateCall {
            deploymentId: deployment,
        },
    );
    assert_eq!(state.status, DeploymentStatus::Ended);
    f.send(
        DEV,
        market,
        IMarket::withdrawCall {
            deploymentId: deployment,
            amount: state.balance,
        },
    );
    f.assert_conserved();
}

#[test]
fn stake_unbonds_treasury_pays_out_and_ownership_moves_in_two_steps() {
    let (mut f, ids) = matched();
    let (registry, market) = (f.m.registry, f.m.market);
    let receipt = f.send(
        P1,
        registry,
        IRegistry::requestUnstakeCall {
            amount: tokens(500),
        },
    );
    let request = event::<IRegistry::UnstakeRequested>(&receipt);
    assert_eq!(
        (request.stake, request.unbonding, request.unlockEpoch),
        (tokens(1_500), tokens(500), 2)
    );
    f.expect_error::<_, IRegistry::StillUnbonding>(P1, registry, IRegistry::withdrawStakeCall {});
    f.goto_epoch(ids.start + 1);
    prove(&mut f, ids.placement, ids.start);
    let before = f.token_balance(P1);
    f.send(P1, registry, IRegistry::withdrawStakeCall {});
    assert_eq!(f.token_balance(P1) - before, tokens(500));

    let fees = f.view(market, IMarket::treasuryCall {});
    assert_eq!(fees, U256::from(3 * UNIT / 20));
    let receipt = f.send(
        OWNER,
        market,
        IMarket::withdrawTreasuryCall {
            to: STRANGER,
            amount: fees,
        },
    );
    assert_eq!(
        event::<IMarket::TreasuryWithdrawn>(&receipt).treasury,
        U256::ZERO
    );

    f.send(
        OWNER,
        market,
        IGoverned::transferOwnershipCall { newOwner: STRANGER },
    );
    assert_eq!(f.view(market, IGoverned::ownerCall {}), OWNER);
    let receipt = f.send(STRANGER, market, IGoverned::acceptOwnershipCall {});
    assert_eq!(
        event::<IGoverned::OwnershipTransferred>(&receipt).newOwner,
        STRANGER
    );
    f.send(STRANGER, market, IGoverned::setPausedCall { paused: true });
    f.expect_error::<_, IGoverned::ContractPaused>(
        DEV,
        market,
        IMarket::createDeploymentCall {
            spec: f.spec(1, UNIT),
            deposit: tokens(10),
        },
    );
    // Pause never blocks proofs, claims or withdrawals.
    f.goto_epoch(ids.start + 2);
    prove(&mut f, ids.placement, ids.start + 1);
    f.mature();
    f.send(P1, market, IMarket::claimCall {});
    f.assert_conserved();
}

#[test]
fn the_last_epoch_of_a_fixed_duration_reads_ending_and_refuses_matches_as_ending() {
    let mut f = Fixture::new();
    let market = f.m.market;
    f.provider(P1, 2_000);
    let offer = f.offer(P1, super::fixture::OfferArgs::priced(UNIT, 4));
    let mut spec = f.spec(1, UNIT);
    spec.instances = 2;
    spec.durationEpochs = 3;
    let deployment = f.deployment(DEV, spec, tokens(100));
    let first = event::<IMarket::PlacementCreated>(&f.match_on(deployment, offer, 1));
    let last = first.startEpoch + 2;
    let status = |f: &mut Fixture| {
        f.view(
            market,
            IMarket::deploymentStateCall {
                deploymentId: deployment,
            },
        )
        .status
    };
    f.goto_epoch(last - 1);
    assert_eq!(status(&mut f), DeploymentStatus::Active);
    f.goto_epoch(last);
    assert_eq!(status(&mut f), DeploymentStatus::Ending);
    let pair = f.pair(offer, 1);
    let e: IMarket::NotMatchable = f.expect_error(
        super::fixture::KEEPER,
        market,
        IMarket::matchDeploymentCall {
            deploymentId: deployment,
            pairs: vec![pair],
        },
    );
    assert_eq!(
        e.status,
        status(&mut f),
        "the error names the status the view shows"
    );
    f.goto_epoch(last + 1);
    assert_eq!(status(&mut f), DeploymentStatus::Ended);
}

#[test]
fn a_cancelled_deployment_that_runs_dry_can_still_be_closed_which_moves_its_end_earlier() {
    let (mut f, offer, deployment) = short_of_funds();
    let market = f.m.market;
    f.match_on(deployment, offer, 2);
    let cancel = IMarket::cancelCall {
        deploymentId: deployment,
    };
    let cancelled = event::<IMarket::DeploymentCancelled>(&f.send(DEV, market, cancel.clone()));
    f.expect_error::<_, IMarket::AlreadyEnding>(DEV, market, cancel);
    // Cancelling took effect later than the money lasts: underfunded, then closed after grace.
    let since = loop {
        let state = f.view(
            market,
            IMarket::deploymentStateCall {
                deploymentId: deployment,
            },
        );
        if state.underfundedSince != 0 {
            break state.underfundedSince;
        }
        let epoch = f.epoch();
        f.goto_epoch(epoch + 1);
        let p = f.view(market, IMarket::placementCall { placementId: 1 });
        if p.live && p.lastProven + 1 < f.epoch() {
            prove(&mut f, 1, p.lastProven + 1);
        }
    };
    let params = f.view(market, IMarket::paramsCall {});
    f.goto_epoch(since + params.graceEpochs);
    let close = IMarket::closeCall {
        deploymentId: deployment,
    };
    let closed = event::<IMarket::DeploymentClosed>(&f.send(STRANGER, market, close.clone()));
    assert!(
        closed.endEpoch <= cancelled.endEpoch,
        "closing never moves the end later"
    );
    f.expect_error::<_, IMarket::AlreadyEnding>(STRANGER, market, close);
    f.assert_conserved();
}

#[test]
fn an_evicted_offer_stays_paused_for_the_cooldown() {
    let (mut f, ids) = matched();
    let (registry, market) = (f.m.registry, f.m.market);
    f.goto_epoch(ids.start + 3);
    f.send(
        STRANGER,
        market,
        IMarket::evictCall {
            placementId: ids.placement,
        },
    );
    let resume = IRegistry::setOfferPausedCall {
        offerId: ids.offer,
        paused: false,
    };
    let e: IRegistry::OfferCoolingDown = f.expect_error(P1, registry, resume.clone());
    let cooldown = f.setup.registry.evictionCooldownEpochs;
    assert_eq!(
        (e.offerId, e.resumableAt),
        (ids.offer, ids.start + 3 + cooldown)
    );
    f.goto_epoch(e.resumableAt - 1);
    f.expect_error::<_, IRegistry::OfferCoolingDown>(P1, registry, resume.clone());
    f.goto_epoch(e.resumableAt);
    f.send(P1, registry, resume);
    let offer = f.view(registry, IRegistry::offerCall { offerId: ids.offer });
    assert_eq!(offer.status, OfferStatus::Open);
}

#[test]
fn a_deployment_never_matched_expires_and_its_whole_deposit_comes_back() {
    let mut f = Fixture::new();
    let market = f.m.market;
    f.provider(P1, 2_000);
    let spec = f.spec(2, UNIT);
    let deposit = tokens(10);
    let deployment = f.deployment(DEV, spec, deposit);
    let created = f.epoch();
    let expiry = f.setup.market.matchExpiryEpochs;
    let state = |f: &mut Fixture| {
        f.view(
            market,
            IMarket::deploymentStateCall {
                deploymentId: deployment,
            },
        )
    };
    f.goto_epoch(created + expiry);
    assert_eq!(state(&mut f).status, DeploymentStatus::Open);
    f.goto_epoch(created + expiry + 1);
    assert_eq!(state(&mut f).status, DeploymentStatus::Ended);
    // Capacity appears too late: the expired request takes no match.
    let offer = f.offer(P1, super::fixture::OfferArgs::priced(UNIT, 2));
    let pair = f.pair(offer, 2);
    let e: IMarket::NotMatchable = f.expect_error(
        super::fixture::KEEPER,
        market,
        IMarket::matchDeploymentCall {
            deploymentId: deployment,
            pairs: vec![pair],
        },
    );
    assert_eq!(e.status, DeploymentStatus::Ended);
    let before = f.token_balance(DEV);
    f.send(
        DEV,
        market,
        IMarket::withdrawCall {
            deploymentId: deployment,
            amount: deposit,
        },
    );
    assert_eq!(f.token_balance(DEV), before + deposit);
    f.assert_conserved();
}

#[test]
fn proven_epochs_the_balance_cannot_pay_stay_owed_until_a_top_up_pays_them() {
    let (mut f, offer, deployment) = short_of_funds();
    let market = f.m.market;
    let placed = event::<IMarket::PlacementCreated>(&f.match_on(deployment, offer, 2));
    let (p, start) = (placed.placementId, placed.startEpoch);
    let rate = tokens(2);
    let state = |f: &mut Fixture| {
        f.view(
            market,
            IMarket::deploymentStateCall {
                deploymentId: deployment,
            },
        )
    };
    f.goto_epoch(start + 2);
    let first = event::<IMarket::EpochProven>(&f.send(P1, market, proof_call(p, start)));
    assert_eq!(first.owed, U256::ZERO);
    let left = state(&mut f).balance;
    assert!(left < rate, "the second epoch cannot be paid in full");
    let earned_before = f.earned(P1);

    // The second epoch takes what is left; the rest stays owed, and the deployment is short.
    let second = event::<IMarket::EpochProven>(&f.send(P1, market, proof_call(p, start + 1)));
    assert_eq!(second.paid + second.fee, left);
    assert_eq!(second.owed, rate - left);
    assert_eq!(
        f.view(market, IMarket::owedCall { placementId: p }),
        rate - left
    );
    assert_eq!(state(&mut f).status, DeploymentStatus::Underfunded);
    // What is owed is not the owner's to withdraw once topped up.
    f.approve(DEV, market, tokens(10));
    f.send(
        DEV,
        market,
        IMarket::topUpCall {
            deploymentId: deployment,
            amount: tokens(10),
        },
    );
    let reserve = f.view(
        market,
        IMarket::reserveCall {
            deploymentId: deployment,
        },
    );
    assert_eq!(reserve, (rate - left) + rate * U256::from(3));

    // Anyone settles it; the provider gets exactly the full second epoch, net of the fee.
    let settled = event::<IMarket::OwedSettled>(&f.send(
        STRANGER,
        market,
        IMarket::settleOwedCall { placementId: p },
    ));
    assert_eq!(settled.owed, U256::ZERO);
    assert_eq!(settled.paid + settled.fee, rate - left);
    let earned = f.earned(P1);
    assert_eq!(
        earned - earned_before,
        second.paid + settled.paid,
        "the provider got the whole epoch in two parts"
    );
    assert_eq!(
        second.fee + settled.fee,
        rate * U256::from(500) / U256::from(10_000)
    );
    assert_ne!(state(&mut f).status, DeploymentStatus::Underfunded);
    f.expect_error::<_, IMarket::NothingOwed>(
        STRANGER,
        market,
        IMarket::settleOwedCall { placementId: p },
    );
    f.assert_conserved();
}

fn proof_call(placement: u64, epoch: u64) -> IMarket::submitProofCall {
    IMarket::submitProofCall {
        placementId: placement,
        epoch,
        receiptsRoot: B256::ZERO,
        count: 0,
    }
}
