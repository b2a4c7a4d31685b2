//! Property tests of the matcher on seeded synthetic markets: every planned match passes the
//! contract's checks, plans are deterministic and independent of update order, each bid takes
//! the cheapest eligible capacity, and incremental updates equal a rebuild.
//!
//! `CLOUDLESS_LONG_TESTS=1` runs more seeds on bigger books; `CLOUDLESS_SEED=n` replays one.

use alloy_primitives::{Address, U256};
use cloudless_abi::eligibility;
use cloudless_abi::market::{MatchPair, OfferStatus};
use matcher::workload::{Rng, Shape, Workload, provider};
use matcher::{Book, Budget, MatchTx};

/// `(seeds, offers, bids)` for this run.
fn scale() -> (Vec<u64>, usize, usize) {
    if let Ok(seed) = std::env::var("CLOUDLESS_SEED") {
        return (
            vec![seed.parse().expect("CLOUDLESS_SEED is a number")],
            2_000,
            400,
        );
    }
    if std::env::var_os("CLOUDLESS_LONG_TESTS").is_some() {
        ((1..=32).collect(), 20_000, 3_000)
    } else {
        ((1..=4).collect(), 2_000, 400)
    }
}

/// Applies `tx` to `book` as the chain's events would, numbering placements from `next`.
fn apply(book: &mut Book, tx: &MatchTx, next: &mut u64) {
    let bid = book
        .bid(tx.deployment_id)
        .expect("planned bids exist")
        .clone();
    let mut rate = bid.rate;
    for pair in &tx.pairs {
        let offer = book.offer(pair.offerId).expect("planned offers exist");
        book.set_in_use(pair.offerId, offer.inUse + pair.instances)
            .unwrap();
        book.placement_created(*next, tx.deployment_id, offer.provider, pair.instances)
            .unwrap();
        *next += 1;
        rate += U256::from(offer.pricePerInstanceEpoch) * U256::from(pair.instances);
    }
    let fee = U256::from(book.config().keeper_fee) * U256::from(tx.instances());
    book.matched(
        tx.deployment_id,
        bid.placed + tx.instances(),
        bid.balance - fee,
        rate,
    )
    .unwrap();
}

#[test]
fn every_planned_match_passes_the_contracts_checks_in_sending_order() {
    let (seeds, offers, bids) = scale();
    for seed in seeds {
        let mut book = Workload::generate(&Shape::new(offers, bids, seed)).book();
        let budget = Budget {
            tx_gas: 700_000, // at most 4 pairs per transaction: exercise the splitting
            ..Budget::unlimited()
        };
        let plan = book.plan(5, &budget);
        assert!(
            plan.txs.len() > bids / 4,
            "seed {seed}: too few matches to test"
        );
        let mut next = 1;
        for tx in &plan.txs {
            assert!(
                tx.pairs.len() <= 4 && tx.gas <= budget.tx_gas,
                "seed {seed}"
            );
            assert_eq!(
                book.verdict(tx.deployment_id, &tx.pairs, 5),
                Ok(()),
                "seed {seed}: {tx:?}"
            );
            apply(&mut book, tx, &mut next);
        }
        book.validate().unwrap();
        // A second round finds nothing new, except first matches whose minimum did not fit in
        // one transaction's pairs while cheaper small asks were free (those asks are gone now).
        let matched: Vec<u64> = plan.txs.iter().map(|tx| tx.deployment_id).collect();
        for tx in book.plan(5, &budget).txs {
            let bid = book.bid(tx.deployment_id).unwrap();
            assert!(
                !matched.contains(&tx.deployment_id) && !bid.reached_min,
                "seed {seed}: {tx:?} was left for a second round"
            );
            assert!(
                bid.spec.minInstances > 4,
                "seed {seed}: a small minimum always fits"
            );
        }
    }
}

#[test]
fn the_same_book_built_in_any_order_gives_the_same_plan() {
    let (seeds, offers, bids) = scale();
    for seed in seeds {
        let work = Workload::generate(&Shape::new(offers, bids, seed));
        let mut forward = work.book();
        let mut shuffled = work.clone();
        let mut rng = Rng::new(seed ^ 0xface);
        for i in (1..shuffled.offers.len()).rev() {
            shuffled.offers.swap(i, rng.below(i as u64 + 1) as usize);
        }
        shuffled.stakes.reverse();
        let mut backward = shuffled.book();
        let budget = Budget::unlimited();
        let plan = forward.plan(5, &budget);
        assert_eq!(plan, backward.plan(5, &budget), "seed {seed}");
        assert_eq!(
            plan,
            forward.plan(5, &budget),
            "seed {seed}: planning is repeatable"
        );
        assert_eq!(forward.snapshot(), backward.snapshot(), "seed {seed}");
    }
}

#[test]
fn the_indexed_search_takes_exactly_what_a_linear_scan_takes() {
    let (seeds, offers, bids) = scale();
    for seed in seeds {
        let work = Workload::generate(&Shape::new(offers, bids, seed));
        let (mut a, mut b) = (work.book(), work.book());
        let ids: Vec<u64> = a.waiting().collect();
        let (mut indexed, mut scan) = (a.session(5), b.session(5));
        for id in ids {
            assert_eq!(
                indexed.match_bid(id),
                scan.match_bid_scan(id),
                "seed {seed} bid {id}"
            );
        }
    }
}

#[test]
fn no_bid_skips_a_cheaper_eligible_ask_for_a_pricier_one() {
    let (seeds, offers, bids) = scale();
    for seed in seeds {
        let work = Workload::generate(&Shape::new(offers, bids, seed));
        let mut book = work.book();
        let ids: Vec<u64> = book.waiting().collect();
        let token = book.config().token;
        let min_stake = book.config().min_stake;
        for id in ids {
            let pairs = book.session(5).match_bid(id).unwrap_or_default();
            let Some(dearest) = pairs
                .iter()
                .map(|p| {
                    let o = book.offer(p.offerId).unwrap();
                    (o.pricePerInstanceEpoch, p.offerId)
                })
                .max()
            else {
                continue;
            };
            let spec = book.bid(id).unwrap().spec.clone();
            let taken = |offer: u64| {
                pairs
                    .iter()
                    .find(|p| p.offerId == offer)
                    .map_or(0, |p| p.instances)
            };
            let held_after = |who: Address| {
                book.held(id, who)
                    + pairs
                        .iter()
                        .filter(|p| book.offer(p.offerId).unwrap().provider == who)
                        .map(|p| p.instances)
                        .sum::<u32>()
            };
            for (offer_id, _) in &work.offers {
                let mut offer = book.offer(*offer_id).unwrap();
                if (offer.pricePerInstanceEpoch, *offer_id) >= dearest {
                    continue;
                }
                offer.inUse += taken(*offer_id);
                let verdict = eligibility::check(
                    &offer,
                    eligibility::Standing {
                        stake: book.stake(offer.provider),
                        frauds: 0,
                    },
                    min_stake,
                    1,
                    held_after(offer.provider),
                    &spec,
                    token,
                );
                assert!(
                    verdict.is_err(),
                    "seed {seed} bid {id}: offer {offer_id} was cheaper than {dearest:?} and still eligible"
                );
            }
        }
    }
}

/// One random update of every kind the chain can emit.
fn random_update(book: &mut Book, rng: &mut Rng, offers: u64, bids: u64, placements: &mut u64) {
    let offer = rng.range(1, offers);
    let bid = rng.range(1, bids);
    match rng.below(9) {
        0 => {
            let o = book.offer(offer).unwrap();
            let price = if rng.chance(50) {
                o.pricePerInstanceEpoch
            } else {
                u128::from(rng.range(100, 10_000))
            };
            book.update_offer(offer, price, o.inUse + rng.below(4) as u32)
                .unwrap();
        }
        1 => {
            let status = rng.pick(&[OfferStatus::Open, OfferStatus::Paused, OfferStatus::Closed]);
            book.set_offer_status(offer, status).unwrap();
        }
        2 => {
            let o = book.offer(offer).unwrap();
            book.set_in_use(offer, rng.below(u64::from(o.capacity) + 1) as u32)
                .unwrap();
        }
        3 if rng.chance(5) => book.set_frauds(provider(rng.below(offers / 8) as usize), 1),
        3 => book.set_stake(
            provider(rng.below(offers / 8) as usize),
            U256::from(rng.range(0, 3_000)),
        ),
        4 if rng.chance(10) => book.set_min_stake(U256::from(rng.range(500, 2_500))),
        5 => {
            let b = book.bid(bid).unwrap().clone();
            book.set_balance(bid, b.balance + U256::from(rng.below(50_000)))
                .unwrap();
        }
        6 => {
            let o = book.offer(offer).unwrap();
            let b = book.bid(bid).unwrap().clone();
            let k = rng.range(1, 3) as u32;
            book.placement_created(*placements, bid, o.provider, k)
                .unwrap();
            *placements += 1;
            book.matched(bid, (b.placed + k).min(b.spec.instances), b.balance, b.rate)
                .unwrap();
        }
        7 if *placements > 1 => {
            let p = rng.range(1, *placements - 1);
            let b = book.bid(bid).unwrap().clone();
            book.placement_ended(p, b.placed.saturating_sub(1), b.rate, b.balance)
                .unwrap();
        }
        8 => {
            if rng.chance(30) {
                book.end_bid(bid, rng.range(3, 9)).unwrap();
            } else {
                book.set_underfunded(bid, rng.chance(30)).unwrap();
            }
        }
        _ => {}
    }
}

#[test]
fn incremental_updates_give_the_same_book_as_a_rebuild() {
    let (seeds, offers, bids) = scale();
    for seed in seeds {
        let work = Workload::generate(&Shape::new(offers, bids, seed));
        let mut book = work.book();
        let mut rng = Rng::new(seed);
        let mut placements = 1;
        for step in 0..offers * 2 {
            random_update(
                &mut book,
                &mut rng,
                offers as u64,
                bids as u64,
                &mut placements,
            );
            if step % 500 == 0 {
                book.validate()
                    .unwrap_or_else(|e| panic!("seed {seed} step {step}: {e}"));
            }
        }
        book.validate().unwrap();
        let mut rebuilt = Book::from(&book.snapshot());
        rebuilt.validate().unwrap();
        assert_eq!(book.snapshot(), rebuilt.snapshot(), "seed {seed}");
        let budget = Budget::unlimited();
        let plan = book.plan(5, &budget);
        assert!(
            !plan.txs.is_empty(),
            "seed {seed}: the updated book still matches"
        );
        assert_eq!(plan, rebuilt.plan(5, &budget), "seed {seed}");
        let mut next = u64::MAX / 2;
        for tx in &plan.txs {
            assert_eq!(book.verdict(tx.deployment_id, &tx.pairs, 5), Ok(()));
            apply(&mut book, tx, &mut next);
        }
    }
}

#[test]
fn a_round_stops_at_its_gas_budget_and_keeps_priority_order() {
    let work = Workload::generate(&Shape::new(2_000, 400, 7));
    let mut book = work.book();
    let full = book.plan(5, &Budget::unlimited());
    let budget = Budget {
        round_gas: full.gas / 3,
        ..Budget::default()
    };
    let part = book.plan(5, &budget);
    assert!(part.gas <= budget.round_gas && !part.txs.is_empty());
    assert_eq!(
        part.txs[..],
        full.txs[..part.txs.len()],
        "a prefix of the full round"
    );
    let deferred = part.deferred.expect("the budget cut the round");
    assert_eq!(full.txs[part.txs.len()].deployment_id, deferred);
}

#[test]
fn a_first_match_that_cannot_reach_its_minimum_takes_nothing() {
    let work = Workload::generate(&Shape::new(2_000, 400, 11));
    let mut book = work.book();
    let mut short = 0;
    let ids: Vec<u64> = book.waiting().collect();
    for id in ids {
        let bid = book.bid(id).unwrap().clone();
        let got = book.session(5).match_bid(id);
        match got {
            Some(pairs) => {
                let total: u32 = pairs.iter().map(|p: &MatchPair| p.instances).sum();
                assert!(total >= bid.spec.minInstances && total <= bid.spec.instances);
            }
            None => short += 1,
        }
    }
    assert!(short > 0, "the workload has bids that cannot be served");
    book.validate().unwrap();
}

#[test]
fn paused_markets_and_unmatchable_bids_plan_nothing() {
    let work = Workload::generate(&Shape::new(500, 50, 3));
    let mut book = work.book();
    book.set_paused(true);
    assert!(book.plan(5, &Budget::unlimited()).txs.is_empty());
    book.set_paused(false);
    let plan = book.plan(5, &Budget::unlimited());
    let first = plan.txs[0].deployment_id;
    book.end_bid(first, 4).unwrap();
    let after = book.plan(5, &Budget::unlimited());
    assert!(after.txs.iter().all(|tx| tx.deployment_id != first));
    book.set_underfunded(plan.txs[1].deployment_id, true)
        .unwrap();
    assert!(
        book.plan(5, &Budget::unlimited())
            .txs
            .iter()
            .all(|tx| tx.deployment_id != plan.txs[1].deployment_id)
    );
}

#[test]
fn dormant_bids_never_change_a_plan_and_the_scan_finds_nothing_for_them() {
    let (seeds, offers, bids) = scale();
    let budget = Budget::unlimited();
    for seed in seeds {
        let work = Workload::generate(&Shape::new(offers, bids, seed));
        let mut book = work.book();
        let mut rng = Rng::new(seed ^ 0xd0);
        let mut placements = 1;
        let mut slept = 0;
        for step in 0..offers {
            random_update(
                &mut book,
                &mut rng,
                offers as u64,
                bids as u64,
                &mut placements,
            );
            if step % 50 != 0 {
                continue;
            }
            // The rebuilt book has no dormant bid: it visits every bid.
            let mut rebuilt = Book::from(&book.snapshot());
            let plan = book.plan(5, &budget);
            assert_eq!(
                plan,
                rebuilt.plan(5, &budget),
                "seed {seed} step {step}: a dormant bid would have been matched"
            );
            book.validate()
                .unwrap_or_else(|e| panic!("seed {seed} step {step}: {e}"));
            slept = slept.max(book.dormant());
            if step % 500 == 0 {
                for id in 1..=bids as u64 {
                    if book.is_dormant(id) {
                        assert_eq!(
                            book.session(5).match_bid_scan(id),
                            None,
                            "seed {seed} step {step}: dormant bid {id} has eligible capacity"
                        );
                    }
                }
            }
        }
        assert!(slept > 0, "seed {seed}: no bid ever went dormant");
    }
}
