//! Protocol v2's registry: worker keys bound to their first provider for good, fraud
//! convictions recorded by the market alone, and stake that live instances keep bonded.

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use cloudless_abi::market::{IMarket, IRegistry, Ineligible, MatchPair};
use harness::evm::Receipt;

use super::{
    fixture::{DEV, DEV2, Fixture, KEEPER, P1, P2, STRANGER, UNIT, WORKER, event, tokens},
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

fn worker_of(f: &mut Fixture, worker: Address) -> (Address, bool) {
    let r = f.view(f.m.registry, IRegistry::workerOfCall { worker });
    (r.provider, r.active)
}

fn live(f: &mut Fixture, provider: Address) -> u32 {
    f.view(f.m.registry, IRegistry::liveInstancesCall { provider })
}

/// The court's conviction path is not built yet, and a contract cannot send a transaction
/// (EIP-3607), so this points the registry's market at an account with no code, sends
/// `recordFraud(provider)` from it, and points it back.
fn record_fraud_as_market(f: &mut Fixture, provider: Address) -> Receipt {
    const STAND_IN: Address = Address::repeat_byte(0xc0);
    let (registry, market) = (f.m.registry, f.m.market);
    let (slot, word) = (0..64u64)
        .map(U256::from)
        .map(|slot| (slot, f.chain.storage(registry, slot).to_be_bytes::<32>()))
        .find(|(_, word)| word.windows(20).any(|w| w == market.as_slice()))
        .expect("a low slot of the registry holds the market's address");
    let at = word
        .windows(20)
        .position(|w| w == market.as_slice())
        .unwrap();
    let mut swapped = word;
    swapped[at..at + 20].copy_from_slice(STAND_IN.as_slice());
    f.chain
        .set_storage(registry, slot, U256::from_be_bytes(swapped));
    f.chain
        .fund(STAND_IN, U256::from(10u64).pow(U256::from(18)));
    let receipt = f.send(STAND_IN, registry, IRegistry::recordFraudCall { provider });
    f.chain
        .set_storage(registry, slot, U256::from_be_bytes(word));
    assert_eq!(f.view(registry, IRegistry::marketCall {}), market);
    receipt
}

#[test]
fn a_removed_worker_stays_bound_to_its_provider_and_only_it_can_reactivate_the_key() {
    let (mut f, ids) = matched();
    let registry = f.m.registry;
    f.provider(P2, 2_000);
    assert_eq!(worker_of(&mut f, WORKER), (Address::ZERO, false));
    f.send(P1, registry, IRegistry::addWorkerCall { worker: WORKER });
    assert_eq!(worker_of(&mut f, WORKER), (P1, true));
    f.send(P1, registry, IRegistry::addWorkerCall { worker: WORKER });
    assert_eq!(
        worker_of(&mut f, WORKER),
        (P1, true),
        "adding it again changes nothing"
    );
    let e: IRegistry::WorkerTaken =
        f.expect_error(P2, registry, IRegistry::addWorkerCall { worker: WORKER });
    assert_eq!((e.worker, e.provider), (WORKER, P1));

    let receipt = f.send(P1, registry, IRegistry::removeWorkerCall { worker: WORKER });
    let removed = event::<IRegistry::WorkerRemoved>(&receipt);
    assert_eq!((removed.provider, removed.worker), (P1, WORKER));
    assert_eq!(
        worker_of(&mut f, WORKER),
        (P1, false),
        "the binding outlives removal"
    );
    let proves_for = f.view(registry, IRegistry::workerProviderCall { worker: WORKER });
    assert_eq!(proves_for, Address::ZERO, "a removed worker still proves");
    let e: IRegistry::WorkerTaken =
        f.expect_error(P2, registry, IRegistry::addWorkerCall { worker: WORKER });
    assert_eq!(
        (e.worker, e.provider),
        (WORKER, P1),
        "another provider took a removed key"
    );
    let e: IRegistry::NotWorkerOf =
        f.expect_error(P1, registry, IRegistry::removeWorkerCall { worker: WORKER });
    assert_eq!((e.worker, e.provider), (WORKER, P1), "removed twice");

    f.goto_epoch(ids.start + 1);
    let e: IMarket::NotProver = f.expect_error(WORKER, f.m.market, proof(ids.placement, ids.start));
    assert_eq!((e.placementId, e.caller), (ids.placement, WORKER));

    let receipt = f.send(P1, registry, IRegistry::addWorkerCall { worker: WORKER });
    let added = event::<IRegistry::WorkerAdded>(&receipt);
    assert_eq!((added.provider, added.worker), (P1, WORKER));
    assert_eq!(worker_of(&mut f, WORKER), (P1, true));
    f.send(WORKER, f.m.market, proof(ids.placement, ids.start));
    f.assert_conserved();
}

#[test]
fn only_the_market_records_frauds_and_a_convicted_provider_is_ineligible() {
    let (mut f, ids) = matched();
    let (registry, market) = (f.m.registry, f.m.market);
    for caller in [STRANGER, P1] {
        let e: IRegistry::NotMarket = f.expect_error(
            caller,
            registry,
            IRegistry::recordFraudCall { provider: P1 },
        );
        assert_eq!(e.caller, caller);
    }
    assert_eq!(f.view(registry, IRegistry::fraudsCall { provider: P1 }), 0);
    let spec = f.spec(1, 2 * UNIT);
    let verdict = f.view(
        registry,
        IRegistry::eligibilityCall {
            offerId: ids.offer,
            instances: 1,
            providerInstances: 0,
            spec: spec.clone(),
        },
    );
    assert!(verdict.eligible, "{:?}", verdict.reason);

    let receipt = record_fraud_as_market(&mut f, P1);
    let count = IRegistry::recordFraudCall::abi_decode_returns(&receipt.output()).unwrap();
    assert_eq!(count, 1, "recordFraud returns the count");
    let receipt = record_fraud_as_market(&mut f, P1);
    let recorded = event::<IRegistry::FraudRecorded>(&receipt);
    assert_eq!((recorded.provider, recorded.frauds), (P1, 2));
    assert_eq!(f.view(registry, IRegistry::fraudsCall { provider: P1 }), 2);

    let verdict = f.view(
        registry,
        IRegistry::eligibilityCall {
            offerId: ids.offer,
            instances: 1,
            providerInstances: 0,
            spec: spec.clone(),
        },
    );
    assert_eq!(
        (verdict.eligible, verdict.reason),
        (false, Ineligible::Fraud)
    );
    let deployment = f.deployment(DEV2, spec, tokens(100));
    let e: IRegistry::NotEligible = f.expect_error(
        KEEPER,
        market,
        IMarket::matchDeploymentCall {
            deploymentId: deployment,
            pairs: vec![MatchPair {
                offerId: ids.offer,
                instances: 1,
                price: UNIT,
            }],
        },
    );
    assert_eq!((e.offerId, e.reason), (ids.offer, Ineligible::Fraud));
    f.assert_conserved();
}

#[test]
fn live_instances_follow_matches_exits_and_evictions() {
    let (mut f, ids) = matched();
    let (registry, market) = (f.m.registry, f.m.market);
    assert_eq!(live(&mut f, P1), 3, "the scenario placed 3 instances");
    assert_eq!(live(&mut f, P2), 0);
    let second = f.deployment(DEV, f.spec(1, 2 * UNIT), tokens(100));
    let placed = event::<IMarket::PlacementCreated>(&f.match_on(second, ids.offer, 1));
    assert_eq!(live(&mut f, P1), 4, "a match adds its instances");

    f.send(
        P1,
        market,
        IMarket::exitPlacementNowCall {
            placementId: placed.placementId,
        },
    );
    assert_eq!(
        live(&mut f, P1),
        3,
        "an immediate exit removes its instances"
    );

    f.goto_epoch(ids.start + 4);
    f.send(
        STRANGER,
        market,
        IMarket::evictCall {
            placementId: ids.placement,
        },
    );
    assert_eq!(live(&mut f, P1), 0, "an eviction removes its instances");
    let offer = f.view(registry, IRegistry::offerCall { offerId: ids.offer });
    assert_eq!(offer.inUse, 0, "the offer agrees");
    f.assert_conserved();
}

#[test]
fn unstaking_keeps_the_fraud_penalty_of_every_live_instance_staked() {
    let (mut f, ids) = matched();
    let (registry, market) = (f.m.registry, f.m.market);
    let penalty = U256::from(f.setup.registry.fraudPenalty);
    assert!(!penalty.is_zero(), "the default setup has a fraud penalty");
    let staked = tokens(2_000);
    let exposed = penalty * U256::from(3);
    let e: IRegistry::StakeExposed = f.expect_error(
        P1,
        registry,
        IRegistry::requestUnstakeCall {
            amount: staked - exposed + U256::from(1),
        },
    );
    assert_eq!(
        (e.provider, e.remaining, e.exposed),
        (P1, exposed - U256::from(1), exposed)
    );

    let receipt = f.send(
        P1,
        registry,
        IRegistry::requestUnstakeCall {
            amount: staked - exposed,
        },
    );
    assert_eq!(
        event::<IRegistry::UnstakeRequested>(&receipt).stake,
        exposed
    );
    f.expect_error::<_, IRegistry::StakeExposed>(
        P1,
        registry,
        IRegistry::requestUnstakeCall {
            amount: U256::from(1),
        },
    );

    // Once the placement ends nothing is exposed: the rest can go.
    f.send(
        P1,
        market,
        IMarket::exitPlacementNowCall {
            placementId: ids.placement,
        },
    );
    assert_eq!(live(&mut f, P1), 0);
    let rest = f
        .view(registry, IRegistry::providerCall { provider: P1 })
        .stake;
    assert!(!rest.is_zero(), "the exit penalty left some stake");
    f.send(P1, registry, IRegistry::requestUnstakeCall { amount: rest });
    f.assert_conserved();
}
