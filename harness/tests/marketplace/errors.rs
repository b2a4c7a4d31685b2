//! Every failure is a named custom error and changes nothing (`Fixture::expect_error` checks
//! the state digest).

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolCall, SolError};
use cloudless_abi::market::{
    IGoverned, IMarket, IRegistry, Ineligible, MatchPair, OfferField, SpecField,
};
use harness::evm::{ChainError, chain::TxRequest};

use super::{
    fixture::{DEV, DEV2, Fixture, KEEPER, OWNER, OfferArgs, P1, P2, STRANGER, UNIT, tokens},
    scenario::matched,
};

fn proof(placement: u64, epoch: u64) -> IMarket::submitProofCall {
    IMarket::submitProofCall {
        placementId: placement,
        epoch,
        receiptsRoot: B256::ZERO,
        count: 0,
    }
}

#[test]
fn role_gated_calls_name_the_wrong_caller() {
    let (mut f, ids) = matched();
    let (registry, market) = (f.m.registry, f.m.market);
    let e: IGoverned::NotOwner =
        f.expect_error(STRANGER, market, IGoverned::setPausedCall { paused: true });
    assert_eq!((e.caller, e.owner), (STRANGER, OWNER));
    f.expect_error::<_, IGoverned::NotOwner>(
        STRANGER,
        registry,
        IGoverned::transferOwnershipCall { newOwner: STRANGER },
    );
    f.expect_error::<_, IGoverned::NotPendingOwner>(
        STRANGER,
        market,
        IGoverned::acceptOwnershipCall {},
    );
    f.expect_error::<_, IGoverned::NotOwner>(
        STRANGER,
        market,
        IMarket::withdrawTreasuryCall {
            to: STRANGER,
            amount: U256::from(1),
        },
    );
    let e: IMarket::NotDeploymentOwner = f.expect_error(
        DEV2,
        market,
        IMarket::withdrawCall {
            deploymentId: ids.deployment,
            amount: U256::from(1),
        },
    );
    assert_eq!((e.deploymentId, e.caller), (ids.deployment, DEV2));
    f.expect_error::<_, IMarket::NotDeploymentOwner>(
        DEV2,
        market,
        IMarket::cancelCall {
            deploymentId: ids.deployment,
        },
    );
    let e: IMarket::NotPlacementProvider = f.expect_error(
        P2,
        market,
        IMarket::exitPlacementCall {
            placementId: ids.placement,
        },
    );
    assert_eq!(e.caller, P2);
    f.expect_error::<_, IMarket::NotPlacementProvider>(
        P2,
        market,
        IMarket::exitPlacementNowCall {
            placementId: ids.placement,
        },
    );
    f.goto_epoch(ids.start + 1);
    let e: IMarket::NotProver = f.expect_error(STRANGER, market, proof(ids.placement, ids.start));
    assert_eq!(e.caller, STRANGER);
    f.expect_error::<_, IRegistry::NotOfferProvider>(
        P2,
        registry,
        IRegistry::closeOfferCall { offerId: ids.offer },
    );
    f.expect_error::<_, IRegistry::NotMarket>(
        STRANGER,
        registry,
        IRegistry::releaseCall {
            offerId: ids.offer,
            instances: 1,
        },
    );
    f.expect_error::<_, IRegistry::NotMarket>(
        STRANGER,
        registry,
        IRegistry::slashCall {
            provider: P1,
            amount: U256::from(1),
            offerId: 0,
        },
    );
    f.expect_error::<_, IRegistry::NotRegistered>(
        STRANGER,
        registry,
        IRegistry::addWorkerCall { worker: STRANGER },
    );
    f.expect_error::<_, IGoverned::AlreadyInitialized>(
        STRANGER,
        market,
        IMarket::initializeCall {
            owner: STRANGER,
            registry,
            params: f.setup.market.clone(),
            extension: Address::ZERO,
            court: Address::ZERO,
        },
    );
}

#[test]
fn unknown_ids_and_zero_amounts_are_named() {
    let (mut f, _) = matched();
    let (registry, market) = (f.m.registry, f.m.market);
    assert_eq!(
        f.expect_error::<_, IMarket::UnknownDeployment>(
            DEV,
            market,
            IMarket::topUpCall {
                deploymentId: 99,
                amount: U256::from(1)
            }
        )
        .deploymentId,
        99
    );
    assert_eq!(
        f.expect_error::<_, IMarket::UnknownPlacement>(
            P1,
            market,
            IMarket::evictCall { placementId: 42 }
        )
        .placementId,
        42
    );
    assert_eq!(
        f.expect_error::<_, IRegistry::UnknownOffer>(
            P1,
            registry,
            IRegistry::setOfferPausedCall {
                offerId: 7,
                paused: true
            }
        )
        .offerId,
        7
    );
    f.expect_error::<_, IGoverned::ZeroAmount>(
        P1,
        registry,
        IRegistry::stakeCall { amount: U256::ZERO },
    );
    f.expect_error::<_, IGoverned::ZeroAmount>(
        DEV,
        market,
        IMarket::topUpCall {
            deploymentId: 1,
            amount: U256::ZERO,
        },
    );
    f.expect_error::<_, IMarket::NothingToClaim>(STRANGER, market, IMarket::claimCall {});
    f.expect_error::<_, IRegistry::NothingToWithdraw>(
        P1,
        registry,
        IRegistry::withdrawStakeCall {},
    );
    let e: IRegistry::InsufficientStake = f.expect_error(
        P1,
        registry,
        IRegistry::requestUnstakeCall {
            amount: tokens(2_001),
        },
    );
    assert_eq!((e.have, e.want), (tokens(2_000), tokens(2_001)));
    let e: IGoverned::UnknownFunction =
        f.expect_error(P1, market, IRegistry::workerProviderCall { worker: P1 });
    assert_eq!(
        e.selector.0,
        <IRegistry::workerProviderCall as alloy_sol_types::SolCall>::SELECTOR
    );
}

#[test]
fn invalid_requests_and_offers_name_the_field() {
    let mut f = Fixture::new();
    f.provider(P1, 2_000);
    let (registry, market, token) = (f.m.registry, f.m.market, f.m.token);
    let base = f.spec(2, UNIT);
    type BreakField = fn(&mut cloudless_abi::market::DeploymentSpec);
    let cases: [(BreakField, SpecField); 9] = [
        (|s| s.instances = 0, SpecField::Instances),
        (|s| s.instances = 10_001, SpecField::Instances),
        (|s| s.minInstances = 3, SpecField::MinInstances),
        (|s| s.maxPerProvider = 0, SpecField::MaxPerProvider),
        (|s| s.cpuMilli = 0, SpecField::Cpu),
        (|s| s.regionMask = U256::ZERO, SpecField::RegionMask),
        (|s| s.maxPricePerInstanceEpoch = u128::MAX, SpecField::Price),
        (
            |s| s.token = Address::repeat_byte(9),
            SpecField::PaymentToken,
        ),
        // Refused at creation, not at the first match with AmountTooLarge.
        (|s| s.durationEpochs = u64::MAX, SpecField::Duration),
    ];
    f.approve(DEV, market, tokens(1_000));
    for (break_field, field) in cases {
        let mut spec = base.clone();
        break_field(&mut spec);
        let e: IMarket::InvalidSpec = f.expect_error(
            DEV,
            market,
            IMarket::createDeploymentCall {
                spec,
                deposit: tokens(10),
            },
        );
        assert_eq!(e.field, field);
    }
    let e: IMarket::InsufficientDeposit = f.expect_error(
        DEV,
        market,
        IMarket::createDeploymentCall {
            spec: base.clone(),
            deposit: tokens(3),
        },
    );
    assert_eq!((e.required, e.provided), (tokens(4), tokens(3)));
    // A bid of a few base units still owes the market's minimum deposit (one token here).
    let mut dust = base.clone();
    (
        dust.instances,
        dust.minInstances,
        dust.maxPricePerInstanceEpoch,
    ) = (1, 1, 1);
    let e: IMarket::InsufficientDeposit = f.expect_error(
        DEV,
        market,
        IMarket::createDeploymentCall {
            spec: dust,
            deposit: U256::from(2),
        },
    );
    let min_deposit = U256::from(f.setup.market.minDeposit);
    assert_eq!((e.required, e.provided), (min_deposit, U256::from(2)));
    let offer = |price: u128, capacity: u32, token: Address| IRegistry::createOfferCall {
        cpuMilli: 1_000,
        memMiB: 512,
        region: 0,
        tier: 0,
        token,
        pricePerInstanceEpoch: price,
        capacity,
    };
    assert_eq!(
        f.expect_error::<_, IRegistry::InvalidOffer>(P1, registry, offer(0, 1, token))
            .field,
        OfferField::Price
    );
    assert_eq!(
        f.expect_error::<_, IRegistry::InvalidOffer>(P1, registry, offer(1, 0, token))
            .field,
        OfferField::Capacity
    );
    assert_eq!(
        f.expect_error::<_, IRegistry::InvalidOffer>(P1, registry, offer(1, 1, Address::ZERO))
            .field,
        OfferField::PaymentToken
    );
    f.send(OWNER, registry, IGoverned::setPausedCall { paused: true });
    f.expect_error::<_, IGoverned::ContractPaused>(P1, registry, offer(1, 1, token));
    let e: IGoverned::ParamOutOfBounds = f.expect_error(
        OWNER,
        registry,
        IRegistry::setParamsCall {
            params: cloudless_abi::market::RegistryParams {
                minStake: U256::ZERO,
                unbondingEpochs: 0,
                evictionCooldownEpochs: 0,
                fraudPenalty: 0,
            },
        },
    );
    assert_eq!(
        (e.name.as_str(), e.min, e.max),
        ("unbondingEpochs", U256::from(1), U256::from(1_000))
    );
}

#[test]
fn each_ineligibility_reason_reverts_the_match() {
    let mut f = Fixture::new();
    f.provider(P1, 2_000);
    f.provider(P2, 10);
    let (registry, market) = (f.m.registry, f.m.market);
    let good = f.offer(P1, OfferArgs::priced(UNIT, 2));
    let poor = f.offer(P2, OfferArgs::priced(UNIT, 2));
    let pricey = f.offer(P1, OfferArgs::priced(5 * UNIT, 2));
    let small = f.offer(
        P1,
        OfferArgs {
            cpu_milli: 500,
            ..OfferArgs::priced(UNIT, 2)
        },
    );
    let far = f.offer(
        P1,
        OfferArgs {
            region: 7,
            ..OfferArgs::priced(UNIT, 2)
        },
    );
    let mut spec = f.spec(4, 2 * UNIT);
    spec.regionMask = U256::from(1);
    spec.maxPerProvider = 3;
    let deployment = f.deployment(DEV, spec, tokens(100));
    let attempt = |offer: u64, k: u32| IMarket::matchDeploymentCall {
        deploymentId: deployment,
        pairs: vec![MatchPair {
            offerId: offer,
            instances: k,
            price: UNIT,
        }],
    };
    for (offer, k, reason) in [
        (poor, 1, Ineligible::StakeBelowMinimum),
        (pricey, 1, Ineligible::Price),
        (small, 1, Ineligible::Cpu),
        (far, 1, Ineligible::Region),
        (good, 3, Ineligible::Capacity),
    ] {
        let e: IRegistry::NotEligible = f.expect_error(KEEPER, market, attempt(offer, k));
        assert_eq!((e.offerId, e.reason), (offer, reason));
    }
    f.send(
        P1,
        registry,
        IRegistry::setOfferPausedCall {
            offerId: good,
            paused: true,
        },
    );
    assert_eq!(
        f.expect_error::<_, IRegistry::NotEligible>(KEEPER, market, attempt(good, 1))
            .reason,
        Ineligible::OfferPaused
    );
    f.send(P1, registry, IRegistry::closeOfferCall { offerId: good });
    assert_eq!(
        f.expect_error::<_, IRegistry::NotEligible>(KEEPER, market, attempt(good, 1))
            .reason,
        Ineligible::OfferClosed
    );
    f.expect_error::<_, IRegistry::OfferIsClosed>(
        P1,
        registry,
        IRegistry::updateOfferCall {
            offerId: good,
            pricePerInstanceEpoch: 1,
            capacity: 1,
        },
    );
    let second = f.offer(P1, OfferArgs::priced(UNIT, 4));
    let pairs = vec![
        MatchPair {
            offerId: second,
            instances: 2,
            price: UNIT,
        },
        MatchPair {
            offerId: second,
            instances: 2,
            price: UNIT,
        },
    ];
    let e: IRegistry::NotEligible = f.expect_error(
        KEEPER,
        market,
        IMarket::matchDeploymentCall {
            deploymentId: deployment,
            pairs,
        },
    );
    assert_eq!(e.reason, Ineligible::ProviderCap);
    let e: IMarket::TooManyInstances = f.expect_error(KEEPER, market, attempt(second, 5));
    assert_eq!((e.requested, e.room), (5, 4));
    // The provider raises its price (still under the deployment's maximum) after the keeper
    // planned at UNIT: the planned match is refused rather than placed at the new price.
    f.send(
        P1,
        registry,
        IRegistry::updateOfferCall {
            offerId: second,
            pricePerInstanceEpoch: 2 * UNIT,
            capacity: 4,
        },
    );
    let e: IMarket::PriceChanged = f.expect_error(KEEPER, market, attempt(second, 1));
    assert_eq!((e.offerId, e.planned, e.current), (second, UNIT, 2 * UNIT));
    f.expect_error::<_, IMarket::EmptyMatch>(KEEPER, market, attempt(second, 0));
}

#[test]
fn proofs_outside_the_window_and_twice_are_refused() {
    let (mut f, ids) = matched();
    let market = f.m.market;
    let e: IMarket::ProofOutOfWindow = f.expect_error(P1, market, proof(ids.placement, ids.start));
    assert_eq!((e.epoch, e.earliest), (ids.start, ids.start));
    f.goto_epoch(ids.start + 1);
    f.send(P1, market, proof(ids.placement, ids.start));
    let evict = IMarket::evictCall {
        placementId: ids.placement,
    };
    let e: IMarket::NotEvictable = f.expect_error(STRANGER, market, evict);
    assert_eq!((e.missed, e.maxMissed), (0, 2));
    let e: IMarket::AlreadyProven = f.expect_error(P1, market, proof(ids.placement, ids.start));
    assert_eq!(e.lastProven, ids.start);
    f.goto_epoch(ids.start + 6);
    let e: IMarket::ProofOutOfWindow =
        f.expect_error(P1, market, proof(ids.placement, ids.start + 2));
    assert_eq!((e.earliest, e.latest), (ids.start + 4, ids.start + 5));
}

#[test]
fn withdrawals_past_the_reserve_and_early_actions_are_refused() {
    let (mut f, ids) = matched();
    let market = f.m.market;
    let state = f.view(
        market,
        IMarket::deploymentStateCall {
            deploymentId: ids.deployment,
        },
    );
    let reserve = f.view(
        market,
        IMarket::reserveCall {
            deploymentId: ids.deployment,
        },
    );
    let too_much = state.balance - reserve + U256::from(1);
    let e: IMarket::InsufficientReserve = f.expect_error(
        DEV,
        market,
        IMarket::withdrawCall {
            deploymentId: ids.deployment,
            amount: too_much,
        },
    );
    assert_eq!((e.balance, e.reserve), (state.balance, reserve));
    let e: IMarket::NotFinished = f.expect_error(
        STRANGER,
        market,
        IMarket::finalizeCall {
            placementId: ids.placement,
        },
    );
    assert_eq!(e.placementId, ids.placement);
    f.expect_error::<_, IMarket::NotClosable>(
        STRANGER,
        market,
        IMarket::closeCall {
            deploymentId: ids.deployment,
        },
    );
    f.send(
        DEV,
        market,
        IMarket::cancelCall {
            deploymentId: ids.deployment,
        },
    );
    f.expect_error::<_, IMarket::AlreadyEnding>(
        DEV,
        market,
        IMarket::cancelCall {
            deploymentId: ids.deployment,
        },
    );
    f.send(
        P1,
        market,
        IMarket::exitPlacementCall {
            placementId: ids.placement,
        },
    );
    f.expect_error::<_, IMarket::AlreadyExiting>(
        P1,
        market,
        IMarket::exitPlacementCall {
            placementId: ids.placement,
        },
    );
    let paid = TxRequest::call(DEV, market, IMarket::claimCall {}.abi_encode());
    let paid = paid.value(U256::from(1));
    match f.chain.send(paid).expect("executes").into_result() {
        Err(ChainError::Reverted(data)) => {
            IGoverned::NotPayable::abi_decode(&data).expect("NotPayable");
        }
        other => panic!("value was accepted: {other:?}"),
    }
}

/// No transaction sequence with an honest token reaches these bounds (the contracts hold every
/// token they count), so the test writes the words directly: a sum that would wrap reverts
/// `AmountTooLarge` and changes nothing.
#[test]
fn sums_that_can_grow_revert_amount_too_large_instead_of_wrapping() {
    let (mut f, ids) = matched();
    let (registry, market) = (f.m.registry, f.m.market);
    let stake = f
        .view(registry, IRegistry::providerCall { provider: P1 })
        .stake;
    let slots = f.chain.slots_holding(registry, stake);
    assert_eq!(slots.len(), 1, "one storage word holds P1's stake");
    f.chain
        .set_storage(registry, slots[0], U256::MAX - tokens(1));
    f.approve(P1, registry, tokens(2));
    f.expect_error::<_, IGoverned::AmountTooLarge>(
        P1,
        registry,
        IRegistry::stakeCall { amount: tokens(2) },
    );

    f.goto_epoch(ids.start + 1);
    f.send(P1, market, proof(ids.placement, ids.start));
    let treasury = f.view(market, IMarket::treasuryCall {});
    assert!(
        !treasury.is_zero(),
        "the paid epoch's fee is in the treasury"
    );
    let slots = f.chain.slots_holding(market, treasury);
    assert_eq!(slots.len(), 1, "one storage word holds the treasury");
    f.chain.set_storage(market, slots[0], U256::MAX);
    f.goto_epoch(ids.start + 2);
    f.expect_error::<_, IGoverned::AmountTooLarge>(P1, market, proof(ids.placement, ids.start + 1));
}
