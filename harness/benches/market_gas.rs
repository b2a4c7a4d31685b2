//! Gas per marketplace operation on the real Stylus programs, and the evidence that billing is
//! O(1): the same proof, withdrawal and claim with 10 vs 10,000 deployments in the book and with
//! 1 vs 1,000 epochs since the last touch. Gas is deterministic, so one run is the measurement.
//!
//! `cargo bench -p harness --bench market_gas` (needs `cloudless contracts build` first).
//! Prints a markdown table; `-- --json` prints the same as JSON.

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolCall;
use cloudless_abi::{
    court::{ICourt, ProofRef, Receipt},
    market::{EpochProof, IMarket, IRegistry, MatchPair},
    merkle, receipt,
};
use cloudless_client::receipts::Epoch;
use harness::{
    artifact::Artifacts,
    evm::{Chain, chain::TxRequest},
    marketplace::{Marketplace, Setup},
};
use test_fixtures::abi::TestUSDC;

const OWNER: Address = Address::repeat_byte(0x0a);
const DEV: Address = Address::repeat_byte(0xd1);
const KEEPER: Address = Address::repeat_byte(0x4e);
const UNIT: u128 = 1_000_000;

/// A marketplace with ten funded providers and a developer.
struct Bench {
    chain: Chain,
    m: Marketplace,
    setup: Setup,
}

fn provider(i: u8) -> Address {
    Address::repeat_byte(0x20 + i)
}

impl Bench {
    /// A bench whose six programs are in ArbOS's program cache when `cached`.
    fn new(setup: Setup, cached: bool) -> Self {
        let mut chain = Chain::default();
        let mut accounts = vec![OWNER, DEV, KEEPER];
        accounts.extend((0..10).map(provider));
        for who in &accounts {
            chain.fund(*who, U256::from(10u64).pow(U256::from(21)));
        }
        let usdc = chain
            .deploy(OWNER, test_fixtures::solidity("TestUSDC").creation.clone())
            .expect("TestUSDC deploys");
        let m = Marketplace::deploy(&mut chain, &Artifacts::locate(), OWNER, usdc, &setup)
            .unwrap_or_else(|e| {
                panic!("{e} (run `cargo run -p cloudless-cli -- contracts build`)")
            });
        if cached {
            m.cache(&mut chain, OWNER).expect("the programs are cached");
        }
        let mut bench = Self { chain, m, setup };
        for who in accounts {
            let mint = TestUSDC::mintCall {
                to: who,
                value: U256::from(10u128.pow(15)),
            };
            bench.gas(OWNER, usdc, mint);
            for spender in [m.registry, m.market] {
                bench.gas(
                    who,
                    usdc,
                    TestUSDC::approveCall {
                        spender,
                        value: U256::MAX,
                    },
                );
            }
        }
        bench
    }

    /// Sends `call` and returns its gas; panics when it fails.
    fn gas<C: SolCall>(&mut self, from: Address, to: Address, call: C) -> u64 {
        self.gas_of(from, to, call.abi_encode(), C::SIGNATURE)
    }

    /// Sends `data` (`what`) and returns its gas; panics when it fails.
    fn gas_of(&mut self, from: Address, to: Address, data: Vec<u8>, what: &str) -> u64 {
        let receipt = self
            .chain
            .send(TxRequest::call(from, to, data))
            .expect("valid transaction");
        assert!(receipt.is_success(), "{what} failed: {:?}", receipt.result);
        receipt.gas_used()
    }

    fn goto_epoch(&mut self, epoch: u64) {
        let target = self.setup.epoch_start(epoch);
        let now = self.chain.block().timestamp.to::<u64>();
        self.chain.advance(target - now);
    }

    fn create_deployment(&mut self, instances: u32) -> (u64, u64) {
        let spec = self.m.request(instances, 2 * UNIT);
        let deposit = U256::from(10_000 * UNIT);
        let gas = self.gas(
            DEV,
            self.m.market,
            IMarket::createDeploymentCall { spec, deposit },
        );
        let id = self
            .chain
            .view_sol(self.m.market, &IMarket::deploymentCountCall {})
            .unwrap();
        (id, gas)
    }

    fn register(&mut self, i: u8) -> (u64, u64, u64) {
        let (p, registry) = (provider(i), self.m.registry);
        let register = IRegistry::registerProviderCall {
            metadataURI: format!("ipfs://provider-{i}"),
        };
        let register = self.gas(p, registry, register);
        let stake = self.gas(
            p,
            registry,
            IRegistry::stakeCall {
                amount: U256::from(2_000 * UNIT),
            },
        );
        let token = self.m.token;
        let offer = IRegistry::createOfferCall {
            cpuMilli: 2_000,
            memMiB: 2_048,
            region: 0,
            tier: 1,
            token,
            pricePerInstanceEpoch: UNIT,
            capacity: 10_000,
        };
        let offer = self.gas(p, registry, offer);
        (register, stake, offer)
    }

    fn match_pairs(&mut self, deployment: u64, pairs: Vec<MatchPair>) -> u64 {
        let call = IMarket::matchDeploymentCall {
            deploymentId: deployment,
            pairs,
        };
        self.gas(KEEPER, self.m.market, call)
    }

    fn proof(&self, placement: u64, epoch: u64) -> IMarket::submitProofCall {
        let EpochProof {
            receiptsRoot,
            count,
            ..
        } = self.epoch_proof(placement, epoch);
        IMarket::submitProofCall {
            placementId: placement,
            epoch,
            receiptsRoot,
            count,
        }
    }

    /// The proof of an epoch of 100 signed receipts of `placement`: a real root. (A proof's
    /// signer is checked only in a dispute, so the key does not change its gas.)
    fn epoch_proof(&self, placement: u64, epoch: u64) -> EpochProof {
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x5e)).expect("a key");
        let mut receipts = Epoch::new(self.chain.chain_id(), self.m.market, placement, epoch);
        for i in 0..100u8 {
            receipts.record(&key, Bytes::from(vec![i]), Bytes::from(vec![i, 1]));
        }
        EpochProof {
            placementId: placement,
            epoch,
            receiptsRoot: receipts.root(),
            count: receipts.count(),
        }
    }

    /// Places one instance of `deployment` on the newest offer; returns the placement and its
    /// first epoch.
    fn place_on_latest_offer(&mut self, deployment: u64) -> (u64, u64) {
        let registry = self.m.registry;
        let offer = self
            .chain
            .view_sol(registry, &IRegistry::offerCountCall {})
            .unwrap();
        self.match_pairs(deployment, vec![pair(offer, 1)]);
        let market = self.m.market;
        let placement = self
            .chain
            .view_sol(market, &IMarket::placementCountCall {})
            .unwrap();
        let epoch = self
            .chain
            .view_sol(market, &IMarket::currentEpochCall {})
            .unwrap();
        (placement, epoch + 1)
    }

    /// Binds a fresh worker key to provider `i`.
    fn worker(&mut self, i: u8) -> PrivateKeySigner {
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x60 + i)).expect("a key");
        let call = IRegistry::addWorkerCall {
            worker: key.address(),
        };
        self.gas(provider(i), self.m.registry, call);
        key
    }

    /// `key` signs `receipt` for this market.
    fn sign(&self, key: &PrivateKeySigner, r: &Receipt) -> Bytes {
        cloudless_client::receipts::sign(key, self.chain.chain_id(), self.m.market, r)
    }
}

fn pair(offer: u64, instances: u32) -> MatchPair {
    MatchPair {
        offerId: offer,
        instances,
        price: UNIT,
    }
}

/// Gas per operation.
fn operations(cached: bool) -> Vec<(String, u64)> {
    let mut b = Bench::new(Setup::default(), cached);
    let market = b.m.market;
    let (register, stake, offer) = b.register(0);
    for i in 1..10 {
        b.register(i);
    }
    let (one, create) = b.create_deployment(1);
    let match_one = b.match_pairs(one, vec![pair(1, 1)]);
    let (ten, _) = b.create_deployment(10);
    let match_ten = b.match_pairs(ten, (1..=10).map(|o| pair(o, 1)).collect());
    let (evictee, _) = b.create_deployment(10);
    b.match_pairs(evictee, vec![pair(1, 10)]);
    // Placements 13..=22: ten single-instance deployments on provider 0's offer.
    for _ in 0..10 {
        let (d, _) = b.create_deployment(1);
        b.match_pairs(d, vec![pair(1, 1)]);
    }
    b.goto_epoch(2);
    let proof = b.gas(provider(0), market, b.proof(1, 1));
    let proofs = (13..23u64).map(|p| b.epoch_proof(p, 1)).collect();
    let batch10 = b.gas(provider(0), market, IMarket::submitProofsCall { proofs });
    // A second epoch of the same placements: their held-pay slots are written already.
    b.goto_epoch(3);
    let proofs = (13..23u64).map(|p| b.epoch_proof(p, 2)).collect();
    let batch10_again = b.gas(provider(0), market, IMarket::submitProofsCall { proofs });
    let top_up = b.gas(
        DEV,
        market,
        IMarket::topUpCall {
            deploymentId: one,
            amount: U256::from(UNIT),
        },
    );
    let withdraw = b.gas(
        DEV,
        market,
        IMarket::withdrawCall {
            deploymentId: one,
            amount: U256::from(UNIT),
        },
    );
    let exit = b.gas(
        provider(0),
        market,
        IMarket::exitPlacementCall { placementId: 1 },
    );
    b.goto_epoch(6);
    let evict = b.gas(KEEPER, market, IMarket::evictCall { placementId: 12 });
    let cancel = b.gas(DEV, market, IMarket::cancelCall { deploymentId: ten });
    b.goto_epoch(12);
    let finalize = b.gas(KEEPER, market, IMarket::finalizeCall { placementId: 1 });
    // Every proof's pay has matured by now.
    b.goto_epoch(20);
    let claim = b.gas(provider(0), market, IMarket::claimCall {});
    let rows: Vec<(&str, u64)> = vec![
        ("registerProvider", register),
        ("stake", stake),
        ("createOffer", offer),
        ("createDeployment", create),
        ("matchDeployment, 1 pair", match_one),
        ("matchDeployment, 10 pairs", match_ten),
        ("matchDeployment, per instance (10 pairs)", match_ten / 10),
        ("submitProof", proof),
        ("submitProofs, batch of 10", batch10),
        ("submitProofs, per proof (10)", batch10 / 10),
        (
            "submitProofs, per proof (10, second epoch)",
            batch10_again / 10,
        ),
        ("claim (matured pay)", claim),
        ("topUp", top_up),
        ("withdraw", withdraw),
        ("exitPlacement (notice)", exit),
        ("evict (10 instances, slashing)", evict),
        ("cancel", cancel),
        ("finalize", finalize),
    ];
    let mut rows: Vec<(String, u64)> = rows.into_iter().map(|(n, g)| (n.to_owned(), g)).collect();
    rows.extend(dispute_costs(cached));
    rows
}

/// A request each example function answers.
const FUNCTIONS: [(&str, &[u8]); 3] = [
    (
        "notify",
        b"name=Ada\n---\nHello {{name}}, your report is ready.",
    ),
    ("csv-stats", b"price,qty\n3,4\n5,6\n7,8\n"),
    ("quote-api", br#"{"sku": "gpu", "qty": 12, "region": "eu"}"#),
];

/// Gas of the disputes: `disputeResult` per example function (with the gas of calling the
/// function alone), a sample challenged and answered, an inclusion disputed and answered.
fn dispute_costs(cached: bool) -> Vec<(String, u64)> {
    let mut b = Bench::new(Setup::default(), cached);
    let (market, artifacts) = (b.m.market, Artifacts::locate());
    let mut rows = Vec::new();
    for (i, (name, request)) in FUNCTIONS.into_iter().enumerate() {
        let i = i as u8;
        b.register(i);
        let key = b.worker(i);
        let code = artifacts.load(name).expect("built functions");
        let function = b.chain.deploy_stylus(OWNER, &code).expect("deploys");
        let mut spec = b.m.request(1, 2 * UNIT);
        (spec.program, spec.artifact) = (function, keccak256(&code));
        let deposit = U256::from(10_000 * UNIT);
        b.gas(DEV, market, IMarket::createDeploymentCall { spec, deposit });
        let deployment = b
            .chain
            .view_sol(market, &IMarket::deploymentCountCall {})
            .unwrap();
        let (placement, start) = b.place_on_latest_offer(deployment);
        b.goto_epoch(start + 1);
        b.gas(provider(i), market, b.proof(placement, start));
        let alone = b.gas_of(DEV, function, request.to_vec(), name);
        let lie = Receipt {
            placementId: placement,
            epoch: start,
            seq: 0,
            requestHash: keccak256(request),
            responseHash: keccak256(b"not what the function answers"),
        };
        let signature = b.sign(&key, &lie);
        let dispute = ICourt::disputeResultCall {
            receipt: lie,
            signature,
            request: request.to_vec().into(),
        };
        rows.push((
            format!("disputeResult ({name})"),
            b.gas(DEV, market, dispute),
        ));
        rows.push((format!("  of which: calling {name} alone"), alone));
    }
    // Samples and inclusion against an honest provider with four receipts proven.
    b.register(3);
    let key = b.worker(3);
    let (deployment, _) = b.create_deployment(1);
    let (placement, epoch) = b.place_on_latest_offer(deployment);
    let (_, request) = FUNCTIONS[0];
    let response = keccak256(notify::handle(request).expect("renders"));
    let receipts: Vec<Receipt> = (0..4)
        .map(|seq| Receipt {
            placementId: placement,
            epoch,
            seq,
            requestHash: keccak256(request),
            responseHash: response,
        })
        .collect();
    let separator = receipt::domain_separator(b.chain.chain_id(), market);
    let leaves: Vec<B256> = receipts
        .iter()
        .map(|r| receipt::digest(separator, r))
        .collect();
    b.goto_epoch(epoch + 1);
    let proven = IMarket::submitProofCall {
        placementId: placement,
        epoch,
        receiptsRoot: merkle::root(&leaves),
        count: 4,
    };
    b.gas(provider(3), market, proven);
    let batch = b
        .chain
        .view_sol(market, &IMarket::proofBatchCountCall {})
        .unwrap();
    let proof = ProofRef {
        placementId: placement,
        epoch,
        receiptsRoot: merkle::root(&leaves),
        count: 4,
        batch,
        provenAt: epoch + 1,
        size: 1,
        position: 0,
        path: Vec::new(),
    };
    let challenge = ICourt::challengeSampleCall {
        proof: proof.clone(),
        index: 2,
    };
    rows.push(("challengeSample".into(), b.gas(DEV, market, challenge)));
    let answer = ICourt::answerSampleCall {
        disputeId: 1,
        receipt: receipts[2].clone(),
        signature: b.sign(&key, &receipts[2]),
        request: request.to_vec().into(),
        path: merkle::path(&leaves, 2).expect("leaf 2"),
    };
    rows.push((
        "answerSample (notify)".into(),
        b.gas(provider(3), market, answer),
    ));
    let inclusion = ICourt::disputeInclusionCall {
        receipt: receipts[1].clone(),
        signature: b.sign(&key, &receipts[1]),
        proof,
    };
    rows.push(("disputeInclusion".into(), b.gas(DEV, market, inclusion)));
    let answer = ICourt::answerInclusionCall {
        disputeId: 2,
        path: merkle::path(&leaves, 1).expect("leaf 1"),
    };
    rows.push(("answerInclusion".into(), b.gas(provider(3), market, answer)));
    rows
}

/// Gas of a proof, a withdrawal and a claim after `gap` epochs, with `book` deployments.
fn touch_costs(book: u32, gap: u64) -> (u64, u64, u64) {
    let mut setup = Setup::default();
    setup.market.proofWindow = 1_000;
    setup.market.maxMissedEpochs = 1_000;
    let mut b = Bench::new(setup, false);
    let market = b.m.market;
    b.register(0);
    for _ in 1..book {
        b.create_deployment(1);
    }
    let (d, _) = b.create_deployment(1);
    b.match_pairs(d, vec![pair(1, 1)]);
    let placement = b
        .chain
        .view_sol(market, &IMarket::placementCountCall {})
        .unwrap();
    b.goto_epoch(2);
    b.gas(provider(0), market, b.proof(placement, 1));
    b.goto_epoch(2 + gap);
    let proof = b.gas(provider(0), market, b.proof(placement, 1 + gap));
    b.goto_epoch(2 + 2 * gap);
    let withdraw = b.gas(
        DEV,
        market,
        IMarket::withdrawCall {
            deploymentId: d,
            amount: U256::from(UNIT),
        },
    );
    // Past the hold of every pay so far (two widths of the windows).
    b.goto_epoch(2 + 2 * gap + 12);
    let claim = b.gas(provider(0), market, IMarket::claimCall {});
    (proof, withdraw, claim)
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let ops: Vec<_> = operations(false)
        .into_iter()
        .zip(operations(true))
        .map(|((name, gas), (_, cached))| (name, gas, cached))
        .collect();
    let (small, large) = (touch_costs(10, 1), touch_costs(10_000, 1));
    let (near, far) = (touch_costs(10, 1), touch_costs(10, 1_000));
    let names = ["submitProof", "withdraw", "claim (matured pay)"];
    let pick = |t: (u64, u64, u64)| [t.0, t.1, t.2];
    let rows: Vec<_> = names
        .iter()
        .zip(pick(small).into_iter().zip(pick(large)))
        .zip(pick(near).into_iter().zip(pick(far)))
        .map(|((name, (s, l)), (n, f))| (*name, s, l, n, f))
        .collect();
    if json {
        let ops: Vec<_> = ops
            .iter()
            .map(|(n, g, c)| serde_json::json!({"operation": n, "gas": g, "cached": c}))
            .collect();
        let o1: Vec<_> = rows
            .iter()
            .map(|(n, s, l, near, far)| {
                serde_json::json!({
                    "operation": n, "book10": s, "book10000": l, "gap1": near, "gap1000": far,
                })
            })
            .collect();
        println!("{}", serde_json::json!({"operations": ops, "o1": o1}));
        return;
    }
    println!("| operation | gas | programs cached |\n|---|---|---|");
    for (name, gas, cached) in &ops {
        println!("| {name} | {gas} | {cached} |");
    }
    println!(
        "\n| call | 10 deployments | 10,000 deployments | ratio | 1 idle epoch | 1,000 idle epochs | ratio |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, s, l, n, f) in rows {
        let ratio = |a: u64, b: u64| b as f64 / a as f64;
        println!(
            "| {name} | {s} | {l} | {:.3} | {n} | {f} | {:.3} |",
            ratio(s, l),
            ratio(n, f)
        );
    }
}
