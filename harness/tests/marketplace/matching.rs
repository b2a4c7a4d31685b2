//! The matcher against the contracts: random books built on the real Stylus programs, the
//! matcher's book fed only from the transactions' logs. Every match the matcher plans is
//! accepted, every random match is accepted or refused exactly as `Book::verdict` predicts
//! (down to the custom error's bytes), and the book ends equal to the contracts' views.
//!
//! `CLOUDLESS_LONG_TESTS=1` runs more seeds; `CLOUDLESS_SEED=n` replays one.

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use cloudless_abi::market::{DeploymentSpec, IGoverned, IMarket, IRegistry, MatchPair};
use harness::{
    evm::{ChainError, Receipt},
    marketplace::Marketplace,
};
use matcher::workload::Rng;
use matcher::{Book, Budget, Config, Sources};

use super::fixture::{DEV, DEV2, Fixture, KEEPER, OWNER, P1, P2, P3, tokens};

/// A fixture whose every successful transaction also feeds a matcher book.
struct Mirror {
    f: Fixture,
    book: Book,
    sources: Sources,
}

impl Mirror {
    fn new() -> Self {
        let f = Fixture::new();
        let book = Book::new(Config {
            token: f.m.token,
            min_stake: f.setup.registry.minStake,
            keeper_fee: f.setup.market.keeperFee,
            paused: false,
            match_expiry: Some(f.setup.market.matchExpiryEpochs),
        });
        let sources = Sources {
            registry: f.m.registry,
            market: f.m.market,
            token: f.m.token,
        };
        Self { f, book, sources }
    }

    fn ingest(&mut self, receipt: &Receipt) {
        for log in receipt.logs() {
            self.book
                .apply_log(&self.sources, log)
                .unwrap_or_else(|e| panic!("the book takes every marketplace log: {e}"));
        }
    }

    /// Sends `call`; a success feeds the book.
    fn try_send<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: C,
    ) -> Result<(), ChainError> {
        let receipt = self.f.try_send(from, to, &call)?;
        self.ingest(&receipt);
        Ok(())
    }

    fn send<C: SolCall>(&mut self, from: Address, to: Address, call: C) {
        self.try_send(from, to, call)
            .unwrap_or_else(|e| panic!("{}: {}", C::SIGNATURE, super::fixture::describe(&e)));
    }

    /// Sends `matchDeployment(deployment, pairs)` and checks the chain's answer against the
    /// book's verdict; returns whether it was accepted.
    fn probe(&mut self, deployment: u64, pairs: Vec<MatchPair>, seed: u64) -> bool {
        let epoch = self.f.epoch();
        let verdict = self.book.verdict(deployment, &pairs, epoch);
        let call = IMarket::matchDeploymentCall {
            deploymentId: deployment,
            pairs: pairs.clone(),
        };
        let market = self.f.m.market;
        match (self.try_send(KEEPER, market, call), verdict) {
            (Ok(()), Ok(())) => true,
            (Err(ChainError::Reverted(data)), Err(rejection)) => {
                assert_eq!(
                    data[..],
                    rejection.abi_encode()[..],
                    "seed {seed}: match {deployment} {pairs:?}: the matcher predicted {rejection}"
                );
                false
            }
            (chain, matcher) => panic!(
                "seed {seed}: match {deployment} {pairs:?}: chain {:?}, matcher {matcher:?}",
                chain.map_err(|e| super::fixture::describe(&e))
            ),
        }
    }
}

const PROVIDERS: [Address; 3] = [P1, P2, P3];

fn seeds() -> Vec<u64> {
    if let Ok(seed) = std::env::var("CLOUDLESS_SEED") {
        return vec![seed.parse().expect("CLOUDLESS_SEED is a number")];
    }
    if std::env::var_os("CLOUDLESS_LONG_TESTS").is_some() {
        (1..=16).collect()
    } else {
        vec![1, 2]
    }
}

fn random_spec(rng: &mut Rng, m: &Marketplace) -> DeploymentSpec {
    let instances = rng.range(1, 6) as u32;
    let mut mask = U256::ZERO;
    for _ in 0..rng.range(1, 3) {
        mask.set_bit(rng.below(4) as usize, true);
    }
    DeploymentSpec {
        program: m.function,
        artifact: m.artifact,
        instances,
        minInstances: rng.range(1, u64::from(instances)) as u32,
        cpuMilli: rng.pick(&[500, 1_000, 2_000, 4_000]),
        memMiB: rng.pick(&[512, 1_024, 2_048, 4_096]),
        regionMask: mask,
        minTier: rng.below(3) as u8,
        token: m.token,
        maxPricePerInstanceEpoch: u128::from(rng.range(100_000, 500_000)),
        maxPerProvider: rng.range(1, u64::from(instances)) as u32,
        durationEpochs: rng.below(4),
    }
}

fn create_offer(m: &mut Mirror, rng: &mut Rng) -> Result<(), ChainError> {
    let call = IRegistry::createOfferCall {
        cpuMilli: rng.pick(&[2_000, 4_000, 8_000]),
        memMiB: rng.pick(&[2_048, 4_096, 8_192]),
        region: rng.below(4) as u8,
        tier: rng.below(3) as u8,
        token: m.f.m.token,
        pricePerInstanceEpoch: u128::from(rng.range(50_000, 400_000)),
        capacity: rng.range(1, 8) as u32,
    };
    let (provider, registry) = (rng.pick(&PROVIDERS), m.f.m.registry);
    m.try_send(provider, registry, call)
}

fn create_deployment(m: &mut Mirror, rng: &mut Rng) -> Result<(), ChainError> {
    let spec = random_spec(rng, &m.f.m);
    let bid = u128::from(spec.instances) * spec.maxPricePerInstanceEpoch * 2;
    let required = bid.max(m.f.setup.market.minDeposit);
    let deposit = U256::from(required + u128::from(rng.below(required as u64)));
    let (owner, market) = (rng.pick(&[DEV, DEV2]), m.f.m.market);
    m.f.approve(owner, market, deposit);
    m.try_send(
        owner,
        market,
        IMarket::createDeploymentCall { spec, deposit },
    )
}

/// One random change of the market that may or may not succeed (a revert changes nothing).
fn mutate(m: &mut Mirror, rng: &mut Rng) {
    let (registry, market) = (m.f.m.registry, m.f.m.market);
    let offers = m.f.view(registry, IRegistry::offerCountCall {});
    let deployments = m.f.view(market, IMarket::deploymentCountCall {});
    let offer_id = rng.range(1, offers);
    let deployment_id = rng.range(1, deployments);
    let provider = rng.pick(&PROVIDERS);
    let owner = rng.pick(&[DEV, DEV2]);
    let _ = match rng.below(12) {
        0 => create_offer(m, rng),
        1 => create_deployment(m, rng),
        2 => m.try_send(
            provider,
            registry,
            IRegistry::updateOfferCall {
                offerId: offer_id,
                pricePerInstanceEpoch: u128::from(rng.range(50_000, 400_000)),
                capacity: rng.range(0, 6) as u32,
            },
        ),
        3 => m.try_send(
            provider,
            registry,
            IRegistry::setOfferPausedCall {
                offerId: offer_id,
                paused: rng.chance(50),
            },
        ),
        4 if rng.chance(30) => m.try_send(
            provider,
            registry,
            IRegistry::closeOfferCall { offerId: offer_id },
        ),
        5 => m.try_send(
            provider,
            registry,
            IRegistry::requestUnstakeCall {
                amount: tokens(u128::from(rng.range(100, 900))),
            },
        ),
        6 => {
            m.f.approve(provider, registry, tokens(1_000));
            m.try_send(
                provider,
                registry,
                IRegistry::stakeCall {
                    amount: tokens(600),
                },
            )
        }
        7 => {
            let amount = U256::from(rng.range(100_000, 2_000_000));
            m.f.approve(owner, market, amount);
            m.try_send(
                owner,
                market,
                IMarket::topUpCall {
                    deploymentId: deployment_id,
                    amount,
                },
            )
        }
        8 => {
            let state = m.f.view(
                market,
                IMarket::deploymentStateCall {
                    deploymentId: deployment_id,
                },
            );
            let amount = state.balance * U256::from(rng.range(50, 99)) / U256::from(100);
            m.try_send(
                state.owner,
                market,
                IMarket::withdrawCall {
                    deploymentId: deployment_id,
                    amount,
                },
            )
        }
        9 if rng.chance(25) => m.try_send(
            owner,
            market,
            IMarket::cancelCall {
                deploymentId: deployment_id,
            },
        ),
        10 if rng.chance(20) => m.try_send(
            OWNER,
            market,
            IGoverned::setPausedCall {
                paused: rng.chance(40),
            },
        ),
        11 => {
            m.f.advance_epochs(1);
            Ok(())
        }
        _ => Ok(()),
    };
}

/// A random match: half of them anything (unknown ids, zero instances, repeated offers, too
/// many, stale prices), half one of the matcher's own planned matches, kept or nudged across a
/// boundary (one instance more, a pair dropped, an offer swapped or repeated, a price moved).
fn random_match(m: &mut Mirror, rng: &mut Rng) -> (u64, Vec<MatchPair>) {
    let offers = m.f.view(m.f.m.registry, IRegistry::offerCountCall {});
    let deployments = m.f.view(m.f.m.market, IMarket::deploymentCountCall {});
    let epoch = m.f.epoch();
    let plan = m.book.plan(epoch, &Budget::default());
    if plan.txs.is_empty() || rng.chance(50) {
        let pairs = (0..rng.below(4))
            .map(|_| {
                let offer_id = rng.range(1, offers + 1);
                let listed = m
                    .book
                    .offer(offer_id)
                    .map_or(0, |o| o.pricePerInstanceEpoch);
                MatchPair {
                    offerId: offer_id,
                    instances: rng.below(4) as u32,
                    // Mostly the listed price; sometimes one the provider no longer asks.
                    price: listed + u128::from(rng.chance(20)),
                }
            })
            .collect();
        return (rng.range(0, deployments + 1), pairs);
    }
    let tx = &plan.txs[rng.below(plan.txs.len() as u64) as usize];
    let mut pairs = tx.pairs.clone();
    let i = rng.below(pairs.len() as u64) as usize;
    let deployment = tx.deployment_id;
    match rng.below(7) {
        0 => pairs[i].instances += 1,
        5 => pairs[i].price -= 1,
        1 => {
            pairs.pop();
        }
        2 => pairs[i].offerId = rng.range(1, offers),
        3 => pairs.push(pairs[i].clone()),
        4 => {
            // The owner withdraws what it can first: the escrow may no longer cover the match.
            let market = m.f.m.market;
            let state = m.f.view(
                market,
                IMarket::deploymentStateCall {
                    deploymentId: deployment,
                },
            );
            let call = IMarket::withdrawCall {
                deploymentId: deployment,
                amount: state.balance,
            };
            let _ = m.try_send(state.owner, market, call);
        }
        _ => {}
    }
    (deployment, pairs)
}

/// The book equals what the contracts' views say.
fn assert_mirrors_chain(m: &mut Mirror, seed: u64) {
    let (registry, market) = (m.f.m.registry, m.f.m.market);
    for id in 1..=m.f.view(registry, IRegistry::offerCountCall {}) {
        let chain = m.f.view(registry, IRegistry::offerCall { offerId: id });
        assert_eq!(m.book.offer(id), Some(chain), "seed {seed}: offer {id}");
    }
    for provider in PROVIDERS {
        let stake =
            m.f.view(registry, IRegistry::providerCall { provider })
                .stake;
        assert_eq!(
            m.book.stake(provider),
            stake,
            "seed {seed}: stake of {provider}"
        );
    }
    for id in 1..=m.f.view(market, IMarket::deploymentCountCall {}) {
        let chain =
            m.f.view(market, IMarket::deploymentStateCall { deploymentId: id });
        let bid = m.book.bid(id).expect("every deployment is in the book");
        assert_eq!(
            (bid.placed, bid.balance, bid.rate, bid.end_epoch),
            (chain.placed, chain.balance, chain.rate, chain.endEpoch),
            "seed {seed}: deployment {id}"
        );
        for provider in PROVIDERS {
            let held = m.f.view(
                market,
                IMarket::providerInstancesCall {
                    deploymentId: id,
                    provider,
                },
            );
            assert_eq!(
                m.book.held(id, provider),
                held,
                "seed {seed}: deployment {id}"
            );
        }
    }
}

#[test]
fn the_contract_accepts_every_planned_match_and_refuses_exactly_what_the_matcher_refuses() {
    let mut totals = (0, 0, 0);
    for seed in seeds() {
        let mut m = Mirror::new();
        let mut rng = Rng::new(seed);
        let registry = m.f.m.registry;
        for provider in PROVIDERS {
            m.send(
                provider,
                registry,
                IRegistry::registerProviderCall {
                    metadataURI: String::new(),
                },
            );
            m.f.approve(provider, registry, tokens(1_500));
            m.send(
                provider,
                registry,
                IRegistry::stakeCall {
                    amount: tokens(1_500),
                },
            );
        }
        for _ in 0..14 {
            create_offer(&mut m, &mut rng).unwrap();
        }
        for _ in 0..6 {
            create_deployment(&mut m, &mut rng).unwrap();
        }
        let (mut planned, mut accepted, mut refused) = (0, 0, 0);
        for _ in 0..8 {
            for _ in 0..6 {
                mutate(&mut m, &mut rng);
            }
            for _ in 0..10 {
                let (deployment, pairs) = random_match(&mut m, &mut rng);
                if m.probe(deployment, pairs, seed) {
                    accepted += 1;
                } else {
                    refused += 1;
                }
            }
            let epoch = m.f.epoch();
            for tx in m.book.plan(epoch, &Budget::default()).txs {
                assert!(
                    m.probe(tx.deployment_id, tx.pairs, seed),
                    "seed {seed}: planned"
                );
                planned += 1;
            }
            assert!(
                m.book.plan(epoch, &Budget::default()).txs.is_empty(),
                "seed {seed}: after a round, nothing is left to match"
            );
            m.book.validate().unwrap();
        }
        assert_mirrors_chain(&mut m, seed);
        m.f.assert_conserved();
        totals = (totals.0 + planned, totals.1 + accepted, totals.2 + refused);
    }
    let (planned, accepted, refused) = totals;
    assert!(
        planned > 0 && accepted > 0 && refused > 0,
        "{planned} planned, {accepted} other accepted, {refused} refused matches"
    );
}
