//! Protocol v2's court on the real programs: receipts signed with real secp256k1 keys, real
//! Merkle roots of their EIP-712 digests, proofs committed in batches, and every dispute with
//! both of its outcomes, its deadlines and its bond.

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use cloudless_abi::{
    court::{DisputeKind, DisputeStatus, ICourt, ProofRef, Receipt},
    market::{EndReason, EpochProof, IMarket, IRegistry, Ineligible, OfferStatus},
    merkle, receipt,
};
use cloudless_client::receipts;

use super::{
    fixture::{DEV, Fixture, OfferArgs, P1, STRANGER, UNIT, event, events, proof_refs, tokens},
    scenario::{Matched, matched},
};

/// A served request: what the provider node would keep and hand to a caller.
#[derive(Clone)]
struct Served {
    receipt: Receipt,
    signature: Bytes,
    request: Vec<u8>,
}

/// P1's placement (3 instances of the `notify` function) with a worker key bound to P1.
fn court() -> (Fixture, Matched, PrivateKeySigner) {
    let (mut f, ids) = matched();
    let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x42)).expect("a valid key");
    let registry = f.m.registry;
    f.send(
        P1,
        registry,
        IRegistry::addWorkerCall {
            worker: key.address(),
        },
    );
    (f, ids, key)
}

/// The `i`-th request of the tests: a notification to render.
fn request(i: u64) -> Vec<u8> {
    format!("name=user {i}\n---\nHello {{{{name}}}}, job {i} is done.").into_bytes()
}

/// `key` signs the receipt of request `seq` of `epoch`, answered truthfully (the response the
/// function gives, computed natively) unless `lie`.
fn serve(
    f: &Fixture,
    key: &PrivateKeySigner,
    placement: u64,
    epoch: u64,
    seq: u64,
    lie: bool,
) -> Served {
    let request = request(seq);
    let response = notify::handle(&request).expect("the request renders");
    let response = if lie {
        b"a different answer".to_vec()
    } else {
        response
    };
    let receipt = Receipt {
        placementId: placement,
        epoch,
        seq,
        requestHash: keccak256(&request),
        responseHash: keccak256(&response),
    };
    let signature = sign(f, key, &receipt);
    Served {
        receipt,
        signature,
        request,
    }
}

/// `key` signs `r` as a provider node does (`cloudless_client::receipts`).
fn sign(f: &Fixture, key: &PrivateKeySigner, r: &Receipt) -> Bytes {
    receipts::sign(key, f.chain.chain_id(), f.m.market, r)
}

fn digest(f: &Fixture, r: &Receipt) -> B256 {
    receipt::digest(receipt::domain_separator(f.chain.chain_id(), f.m.market), r)
}

/// `count` receipts of one epoch, those in `lies` answered wrongly.
fn epoch_of(
    f: &Fixture,
    key: &PrivateKeySigner,
    placement: u64,
    epoch: u64,
    count: u64,
    lies: &[u64],
) -> Vec<Served> {
    (0..count)
        .map(|seq| serve(f, key, placement, epoch, seq, lies.contains(&seq)))
        .collect()
}

/// The receipts root of `served`.
fn root(f: &Fixture, served: &[Served]) -> B256 {
    let leaves: Vec<B256> = served.iter().map(|s| digest(f, &s.receipt)).collect();
    merkle::root(&leaves)
}

/// P1 proves `proofs` in one batch; returns each proof's reference.
fn prove(f: &mut Fixture, proofs: Vec<EpochProof>) -> Vec<ProofRef> {
    let market = f.m.market;
    let receipt = f.send(
        P1,
        market,
        IMarket::submitProofsCall {
            proofs: proofs.clone(),
        },
    );
    proof_refs(&receipt, &proofs)
}

/// P1 proves epoch `ids.start` with the root of `served` (and `count` leaves); returns its
/// reference. Time moves to the next epoch first.
fn prove_epoch(f: &mut Fixture, ids: &Matched, served: &[Served], count: u32) -> ProofRef {
    f.goto_epoch(ids.start + 1);
    let proof = EpochProof {
        placementId: ids.placement,
        epoch: ids.start,
        receiptsRoot: root(f, &served[..count as usize]),
        count,
    };
    prove(f, vec![proof]).remove(0)
}

fn paths(f: &Fixture, served: &[Served], seq: usize) -> Vec<B256> {
    let leaves: Vec<B256> = served.iter().map(|s| digest(f, &s.receipt)).collect();
    merkle::path(&leaves, seq).expect("in the epoch")
}

/// What a fraud must have done: the placement ended for fraud, its offer paused, P1 convicted
/// and ineligible, `min(stake, 50 × 3)` slashed with half to `challenger`, P1's held pay from
/// the placement back in the deployment, and every token still accounted for.
fn assert_convicted(
    f: &mut Fixture,
    ids: &Matched,
    fraud: &ICourt::FraudProven,
    challenger: Address,
) {
    let (market, registry) = (f.m.market, f.m.registry);
    let penalty = tokens(50 * 3);
    assert_eq!(fraud.challenger, challenger);
    assert_eq!(fraud.slashed, penalty);
    assert_eq!(fraud.reward, penalty / U256::from(2));
    let placement = f.view(
        market,
        IMarket::placementCall {
            placementId: ids.placement,
        },
    );
    assert!(!placement.live);
    assert_eq!(
        f.view(market, IMarket::pendingCall { account: P1 }),
        U256::ZERO
    );
    assert_eq!(f.view(registry, IRegistry::fraudsCall { provider: P1 }), 1);
    let offer = f.view(registry, IRegistry::offerCall { offerId: ids.offer });
    assert_eq!(offer.status, OfferStatus::Paused);
    // A new offer of the convicted provider is never eligible.
    let fresh = f.offer(P1, OfferArgs::priced(UNIT, 4));
    let spec = f.spec(1, 2 * UNIT);
    let verdict = f.view(
        registry,
        IRegistry::eligibilityCall {
            offerId: fresh,
            instances: 1,
            providerInstances: 0,
            spec,
        },
    );
    assert_eq!(
        (verdict.eligible, verdict.reason),
        (false, Ineligible::Fraud)
    );
    f.assert_conserved();
}

#[test]
fn a_signed_wrong_response_is_fraud_in_one_transaction() {
    let (mut f, ids, key) = court();
    let served = epoch_of(&f, &key, ids.placement, ids.start, 4, &[2]);
    prove_epoch(&mut f, &ids, &served, 4);
    let market = f.m.market;
    let pending = f.view(market, IMarket::pendingCall { account: P1 });
    assert!(pending > U256::ZERO, "the proven epoch's pay is held");
    let balance_before = f
        .view(
            market,
            IMarket::deploymentStateCall {
                deploymentId: ids.deployment,
            },
        )
        .balance;
    let lie = served[2].clone();
    let receipt = f.send(
        STRANGER,
        market,
        ICourt::disputeResultCall {
            receipt: lie.receipt,
            signature: lie.signature,
            request: lie.request.into(),
        },
    );
    let fraud = event::<ICourt::FraudProven>(&receipt);
    assert_eq!((fraud.kind, fraud.refunded), (DisputeKind::Result, pending));
    let ended = event::<IMarket::PlacementEnded>(&receipt);
    assert_eq!(ended.reason, EndReason::Fraud);
    let balance = f
        .view(
            market,
            IMarket::deploymentStateCall {
                deploymentId: ids.deployment,
            },
        )
        .balance;
    assert_eq!(
        balance,
        balance_before + pending + fraud.slashed - fraud.reward
    );
    assert_eq!(fraud.balance, balance);
    assert_eq!(
        f.view(market, IMarket::claimableCall { account: STRANGER }),
        fraud.reward
    );
    assert_convicted(&mut f, &ids, &fraud, STRANGER);
}

#[test]
fn a_right_response_an_unrunnable_request_and_bad_signatures_change_nothing() {
    let (mut f, ids, key) = court();
    let served = epoch_of(&f, &key, ids.placement, ids.start, 2, &[]);
    prove_epoch(&mut f, &ids, &served, 2);
    let market = f.m.market;
    let honest = served[0].clone();
    let dispute = |s: &Served| ICourt::disputeResultCall {
        receipt: s.receipt.clone(),
        signature: s.signature.clone(),
        request: s.request.clone().into(),
    };
    let e: ICourt::ResultCorrect = f.expect_error(STRANGER, market, dispute(&honest));
    assert_eq!(e.responseHash, honest.receipt.responseHash);

    // A request the function refuses (no `---`): the court cannot referee it.
    let mut broken = honest.clone();
    broken.request = b"no template".to_vec();
    broken.receipt.requestHash = keccak256(&broken.request);
    broken.signature = sign(&f, &key, &broken.receipt);
    let e: ICourt::NotRefereeable = f.expect_error(STRANGER, market, dispute(&broken));
    assert_eq!(e.program, f.m.function);

    // The request must be the one signed.
    let mut swapped = honest.clone();
    swapped.request = request(9);
    let e: ICourt::RequestMismatch = f.expect_error(STRANGER, market, dispute(&swapped));
    assert_eq!(e.requestHash, honest.receipt.requestHash);

    // A stranger's key, a short signature and a malleable (high-s) one.
    let stranger = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x99)).unwrap();
    let mut forged = honest.clone();
    forged.receipt.responseHash = B256::repeat_byte(7);
    forged.signature = sign(&f, &stranger, &forged.receipt);
    let e: ICourt::SignerNotWorker = f.expect_error(STRANGER, market, dispute(&forged));
    assert_eq!((e.signer, e.provider), (stranger.address(), P1));
    let mut short = honest.clone();
    short.signature = honest.signature.slice(..64);
    f.expect_error::<_, ICourt::BadSignature>(STRANGER, market, dispute(&short));
    let mut high_s = honest.clone();
    let sig = alloy_primitives::Signature::from_raw(&honest.signature).unwrap();
    let n = U256::from_be_slice(&alloy_primitives::hex!(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
    ));
    let flipped = alloy_primitives::Signature::new(sig.r(), n - sig.s(), !sig.v());
    high_s.signature = Bytes::from(flipped.as_bytes().to_vec());
    f.expect_error::<_, ICourt::BadSignature>(STRANGER, market, dispute(&high_s));

    assert_eq!(f.view(market, ICourt::disputeCountCall {}), 0);
    let registry = f.m.registry;
    assert_eq!(f.view(registry, IRegistry::fraudsCall { provider: P1 }), 0);
    f.assert_conserved();
}

#[test]
fn a_worker_key_removed_before_the_dispute_still_binds_its_provider() {
    let (mut f, ids, key) = court();
    let served = epoch_of(&f, &key, ids.placement, ids.start, 1, &[0]);
    prove_epoch(&mut f, &ids, &served, 1);
    let registry = f.m.registry;
    f.send(
        P1,
        registry,
        IRegistry::removeWorkerCall {
            worker: key.address(),
        },
    );
    let lie = served[0].clone();
    let market = f.m.market;
    let receipt = f.send(
        STRANGER,
        market,
        ICourt::disputeResultCall {
            receipt: lie.receipt,
            signature: lie.signature,
            request: lie.request.into(),
        },
    );
    let fraud = event::<ICourt::FraudProven>(&receipt);
    assert_convicted(&mut f, &ids, &fraud, STRANGER);
}

#[test]
fn a_receipt_beyond_the_proven_count_is_fraud_at_once_and_the_bond_comes_back() {
    let (mut f, ids, key) = court();
    // Five requests served, three proven: receipt 4 was left out.
    let served = epoch_of(&f, &key, ids.placement, ids.start, 5, &[]);
    let proof = prove_epoch(&mut f, &ids, &served, 3);
    let market = f.m.market;
    let bond = tokens(10);
    f.approve(STRANGER, market, bond);
    let before = f.token_balance(STRANGER);
    let left_out = served[4].clone();
    let receipt = f.send(
        STRANGER,
        market,
        ICourt::disputeInclusionCall {
            receipt: left_out.receipt,
            signature: left_out.signature,
            proof,
        },
    );
    assert_eq!(f.token_balance(STRANGER), before - bond);
    let opened = event::<ICourt::DisputeOpened>(&receipt);
    let fraud = event::<ICourt::FraudProven>(&receipt);
    assert_eq!(
        (fraud.kind, fraud.disputeId),
        (DisputeKind::Inclusion, opened.disputeId)
    );
    let dispute = f.view(
        market,
        ICourt::disputeCall {
            disputeId: opened.disputeId,
        },
    );
    assert_eq!(dispute.status, DisputeStatus::Fraud);
    assert_eq!(
        f.view(market, IMarket::claimableCall { account: STRANGER }),
        fraud.reward + bond
    );
    assert_convicted(&mut f, &ids, &fraud, STRANGER);
}

#[test]
fn an_inclusion_dispute_is_answered_with_the_path_or_convicts_after_its_deadline() {
    let (mut f, ids, key) = court();
    let served = epoch_of(&f, &key, ids.placement, ids.start, 5, &[]);
    let proof = prove_epoch(&mut f, &ids, &served, 5);
    let market = f.m.market;
    let bond = tokens(10);
    f.approve(STRANGER, market, bond * U256::from(2));
    let open = |f: &mut Fixture, s: &Served| {
        let receipt = f.send(
            STRANGER,
            market,
            ICourt::disputeInclusionCall {
                receipt: s.receipt.clone(),
                signature: s.signature.clone(),
                proof: proof.clone(),
            },
        );
        assert!(events::<ICourt::FraudProven>(&receipt).is_empty());
        event::<ICourt::DisputeOpened>(&receipt)
    };
    let first = open(&mut f, &served[3]);
    assert_eq!(first.deadline, f.epoch() + 2);
    f.assert_conserved();

    // It is answered with a path, not as a sample.
    let e: ICourt::WrongDisputeKind = f.expect_error(
        P1,
        market,
        ICourt::answerSampleCall {
            disputeId: first.disputeId,
            receipt: served[3].receipt.clone(),
            signature: served[3].signature.clone(),
            request: served[3].request.clone().into(),
            path: paths(&f, &served, 3),
        },
    );
    assert_eq!(e.kind, DisputeKind::Inclusion);

    // A wrong path is refused and changes nothing; the right one wins the bond.
    let wrong = paths(&f, &served, 2);
    let e: ICourt::WrongPath = f.expect_error(
        P1,
        market,
        ICourt::answerInclusionCall {
            disputeId: first.disputeId,
            path: wrong,
        },
    );
    assert_eq!(e.disputeId, first.disputeId);
    let claimable_before = f.view(market, IMarket::claimableCall { account: P1 });
    let receipt = f.send(
        P1,
        market,
        ICourt::answerInclusionCall {
            disputeId: first.disputeId,
            path: paths(&f, &served, 3),
        },
    );
    let answered = event::<ICourt::DisputeAnswered>(&receipt);
    assert_eq!((answered.provider, answered.bond), (P1, bond));
    assert_eq!(
        f.view(market, IMarket::claimableCall { account: P1 }),
        claimable_before + bond
    );
    let e: ICourt::DisputeClosed = f.expect_error(
        P1,
        market,
        ICourt::answerInclusionCall {
            disputeId: first.disputeId,
            path: paths(&f, &served, 3),
        },
    );
    assert_eq!(e.status, DisputeStatus::Answered);
    f.assert_conserved();

    // The second is left unanswered: not resolvable through its deadline, fraud after it.
    let second = open(&mut f, &served[1]);
    f.goto_epoch(second.deadline);
    let e: ICourt::DeadlineNotReached = f.expect_error(
        STRANGER,
        market,
        ICourt::resolveCall {
            disputeId: second.disputeId,
        },
    );
    assert_eq!(e.deadline, second.deadline);
    f.goto_epoch(second.deadline + 1);
    let e: ICourt::AnswerTooLate = f.expect_error(
        P1,
        market,
        ICourt::answerInclusionCall {
            disputeId: second.disputeId,
            path: paths(&f, &served, 1),
        },
    );
    assert_eq!(e.deadline, second.deadline);
    let receipt = f.send(
        STRANGER,
        market,
        ICourt::resolveCall {
            disputeId: second.disputeId,
        },
    );
    let fraud = event::<ICourt::FraudProven>(&receipt);
    assert_eq!(fraud.disputeId, second.disputeId);
    assert_convicted(&mut f, &ids, &fraud, STRANGER);
}

#[test]
fn a_sample_is_answered_and_re_executed_or_convicts_a_wrong_or_silent_provider() {
    let (mut f, ids, key) = court();
    // Receipt 6 of 8 is a lie the provider committed to in its root.
    let served = epoch_of(&f, &key, ids.placement, ids.start, 8, &[6]);
    let proof = prove_epoch(&mut f, &ids, &served, 8);
    let market = f.m.market;
    let bond = tokens(10);
    f.approve(STRANGER, market, bond * U256::from(3));
    let challenge = |f: &mut Fixture, index: u64| {
        let receipt = f.send(
            STRANGER,
            market,
            ICourt::challengeSampleCall {
                proof: proof.clone(),
                index,
            },
        );
        event::<ICourt::DisputeOpened>(&receipt).disputeId
    };
    let e: ICourt::IndexOutOfRange = f.expect_error(
        STRANGER,
        market,
        ICourt::challengeSampleCall {
            proof: proof.clone(),
            index: 8,
        },
    );
    assert_eq!((e.index, e.count), (8, 8));
    let mut forged = proof.clone();
    forged.count = 9;
    let e: ICourt::InvalidProofRef = f.expect_error(
        STRANGER,
        market,
        ICourt::challengeSampleCall {
            proof: forged,
            index: 8,
        },
    );
    assert_eq!(e.batch, proof.batch);

    let answer = |s: &Served, id: u64, path: Vec<B256>| ICourt::answerSampleCall {
        disputeId: id,
        receipt: s.receipt.clone(),
        signature: s.signature.clone(),
        request: s.request.clone().into(),
        path,
    };
    // A right leaf: answered, the bond goes to P1.
    let right = challenge(&mut f, 5);
    let e: ICourt::ReceiptMismatch =
        f.expect_error(P1, market, answer(&served[4], right, paths(&f, &served, 4)));
    assert_eq!(e.index, 4);
    let receipt = f.send(P1, market, answer(&served[5], right, paths(&f, &served, 5)));
    assert_eq!(event::<ICourt::DisputeAnswered>(&receipt).bond, bond);
    f.assert_conserved();

    // A silent one: fraud once the deadline passed.
    let silent = challenge(&mut f, 1);
    // The lie: answering it shows the wrong response, which is fraud at once.
    let lie = challenge(&mut f, 6);
    let receipt = f.send(P1, market, answer(&served[6], lie, paths(&f, &served, 6)));
    let fraud = event::<ICourt::FraudProven>(&receipt);
    assert_eq!((fraud.kind, fraud.disputeId), (DisputeKind::Sample, lie));
    assert_convicted(&mut f, &ids, &fraud, STRANGER);
    let deadline = f
        .view(market, ICourt::disputeCall { disputeId: silent })
        .deadline;
    f.goto_epoch(deadline + 1);
    let receipt = f.send(STRANGER, market, ICourt::resolveCall { disputeId: silent });
    let second = event::<ICourt::FraudProven>(&receipt);
    assert_eq!(second.disputeId, silent);
    let registry = f.m.registry;
    assert_eq!(f.view(registry, IRegistry::fraudsCall { provider: P1 }), 2);
    f.assert_conserved();
}

#[test]
fn disputes_close_with_their_window_and_proofs_in_a_batch_each_have_a_path() {
    let (mut f, ids, key) = court();
    // A second deployment placed on P1 too, proven in the same batch.
    let spec = f.spec(1, 2 * UNIT);
    let deployment = f.deployment(DEV, spec, tokens(100));
    let receipt = f.match_on(deployment, ids.offer, 1);
    let second = event::<IMarket::PlacementCreated>(&receipt).placementId;
    let first = epoch_of(&f, &key, ids.placement, ids.start + 1, 3, &[]);
    let other = epoch_of(&f, &key, second, ids.start + 1, 2, &[]);
    f.goto_epoch(ids.start + 2);
    let proofs = vec![
        EpochProof {
            placementId: ids.placement,
            epoch: ids.start + 1,
            receiptsRoot: root(&f, &first),
            count: 3,
        },
        EpochProof {
            placementId: second,
            epoch: ids.start + 1,
            receiptsRoot: root(&f, &other),
            count: 2,
        },
    ];
    let refs = prove(&mut f, proofs);
    let market = f.m.market;
    f.approve(STRANGER, market, tokens(20));
    for r in &refs {
        f.send(
            STRANGER,
            market,
            ICourt::challengeSampleCall {
                proof: r.clone(),
                index: 1,
            },
        );
    }
    // Past `provenAt + disputeWindow` nothing about the batch can be disputed.
    f.goto_epoch(refs[0].provenAt + 3);
    let e: ICourt::DisputeWindowClosed = f.expect_error(
        STRANGER,
        market,
        ICourt::challengeSampleCall {
            proof: refs[1].clone(),
            index: 0,
        },
    );
    assert_eq!(e.closedAt, refs[1].provenAt + 2);
    let late = other[0].clone();
    let e: ICourt::DisputeWindowClosed = f.expect_error(
        STRANGER,
        market,
        ICourt::disputeInclusionCall {
            receipt: late.receipt,
            signature: late.signature,
            proof: refs[1].clone(),
        },
    );
    assert_eq!(e.placementId, second);
    f.assert_conserved();
}

#[test]
fn a_deployment_must_name_an_activated_program_with_its_code_hash() {
    let mut f = Fixture::new();
    let market = f.m.market;
    f.approve(DEV, market, tokens(100));
    let create = |spec| IMarket::createDeploymentCall {
        spec,
        deposit: tokens(100),
    };
    // An account without code.
    let mut spec = f.spec(1, UNIT);
    spec.program = STRANGER;
    let e: IMarket::FunctionMissing = f.expect_error(DEV, market, create(spec));
    assert_eq!(e.program, STRANGER);
    // The right program under another code hash.
    let mut spec = f.spec(1, UNIT);
    spec.artifact = keccak256(b"another build");
    let e: IMarket::ArtifactMismatch = f.expect_error(DEV, market, create(spec));
    assert_eq!((e.program, e.codehash), (f.m.function, f.m.artifact));
    // Code deployed but never activated (ArbWasm activates code hashes: this one is new).
    let code = harness::artifact::Artifacts::locate()
        .load("csv-stats")
        .expect("built functions");
    let idle = f
        .chain
        .deploy_stylus_unactivated(DEV, &code)
        .expect("deploys");
    let mut spec = f.spec(1, UNIT);
    (spec.program, spec.artifact) = (idle, keccak256(&code));
    let e: IMarket::FunctionNotActivated = f.expect_error(DEV, market, create(spec));
    assert_eq!(e.program, idle);
    assert_eq!(f.view(market, IMarket::deploymentCountCall {}), 0);
    f.assert_conserved();
}

/// splitmix64 over `(trial, draw)`: the test's deterministic sampler.
fn draw(trial: u64, n: u64) -> u64 {
    let mut z = trial.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ n.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[test]
fn a_provider_wrong_once_in_a_hundred_is_caught_by_sampling_at_the_documented_rate() {
    let (mut f, ids, key) = court();
    const LIE: u64 = 37;
    let served = epoch_of(&f, &key, ids.placement, ids.start, 100, &[LIE]);
    let proof = prove_epoch(&mut f, &ids, &served, 100);
    // A keeper samples 10 of the 100 leaves (with replacement) per placement-epoch: it catches
    // the lie with probability 1 − 0.99^10 ≈ 9.6% (docs/proofs.md). Over 1,000 seeded epochs
    // the catches stay within 4 standard deviations of 95.6.
    let samples = |trial: u64| (0..10).map(move |n| draw(trial, n) % 100);
    let caught: Vec<u64> = (0..1_000)
        .filter(|&trial| samples(trial).any(|i| i == LIE))
        .collect();
    let (expected, sd) = (
        1_000.0 * (1.0 - 0.99f64.powi(10)),
        (1_000.0f64 * 0.0956 * 0.9044).sqrt(),
    );
    assert!(
        (caught.len() as f64 - expected).abs() <= 4.0 * sd,
        "{} catches, {expected:.1} ± {sd:.1} expected",
        caught.len()
    );
    // The first catching sample, played on-chain: the provider must show leaf 37, whose
    // response the function does not give, and is convicted.
    let market = f.m.market;
    f.approve(STRANGER, market, tokens(10));
    let receipt = f.send(
        STRANGER,
        market,
        ICourt::challengeSampleCall { proof, index: LIE },
    );
    let id = event::<ICourt::DisputeOpened>(&receipt).disputeId;
    let lie = served[LIE as usize].clone();
    let answer = ICourt::answerSampleCall {
        disputeId: id,
        receipt: lie.receipt,
        signature: lie.signature,
        request: lie.request.into(),
        path: paths(&f, &served, LIE as usize),
    };
    let receipt = f.send(P1, market, answer);
    let fraud = event::<ICourt::FraudProven>(&receipt);
    assert_eq!((fraud.kind, fraud.disputeId), (DisputeKind::Sample, id));
    assert!(!caught.is_empty());
    assert_convicted(&mut f, &ids, &fraud, STRANGER);
}
