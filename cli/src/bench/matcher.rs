//! `cloudless bench matcher`: the order book at a million offers against a linear scan.

use std::time::Instant;

use alloy_primitives::U256;
use anyhow::{Result, ensure};
use clap::Args;
use cloudless_abi::market::{MatchPair, OfferStatus};
use matcher::workload::{Rng, Shape, Workload};
use matcher::{Book, Budget, Plan, Session};
use serde::Serialize;

use super::{Latencies, per_second};
use crate::METER;

/// Options of `cloudless bench matcher`.
#[derive(Args)]
pub struct MatcherArgs {
    /// Offers (asks) in the book.
    #[arg(long, default_value_t = 1_000_000)]
    offers: usize,
    /// Deployment requests (bids) to match.
    #[arg(long, default_value_t = 10_000)]
    bids: usize,
    /// Updates (usage, price, capacity, status) to apply.
    #[arg(long, default_value_t = 1_000_000)]
    updates: usize,
    /// Bids the naive baseline matches (it scans every offer per bid).
    #[arg(long, default_value_t = 100)]
    baseline_bids: usize,
    /// Dead bids (never servable: a region with no offer, or a price cap below every ask)
    /// added to measure a whole round without and with them; 0 skips the measurement.
    #[arg(long, default_value_t = 0)]
    dead_bids: usize,
    /// Workload seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Latency and throughput of one way of matching.
#[derive(Debug, Serialize)]
struct Matching {
    bids: usize,
    matched_bids: usize,
    instances: u64,
    bids_per_second: f64,
    p50_us: f64,
    p99_us: f64,
    max_us: f64,
}

/// A whole round (`Book::plan`, unlimited gas) without and with dead bids: median of
/// `ROUNDS` rounds each, plus the first round after the dead bids arrived (which puts them to
/// sleep).
#[derive(Debug, Serialize)]
struct Rounds {
    dead_bids: usize,
    round_ms_without: f64,
    first_round_ms_with: f64,
    round_ms_with: f64,
    dormant_after_first: usize,
    same_plan: bool,
}

const ROUNDS: usize = 5;

/// Median time of `ROUNDS` plans of `book`, and the last plan.
fn time_rounds(book: &mut Book) -> (f64, Plan) {
    let mut times = Vec::with_capacity(ROUNDS);
    let mut plan = Plan::default();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        plan = book.plan(5, &Budget::unlimited());
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    (times[ROUNDS / 2], plan)
}

fn rounds(book: &mut Book, work: &Workload, dead: usize) -> Rounds {
    let (round_ms_without, clean) = time_rounds(book);
    for (id, spec, balance) in work.dead_bids(dead, work.bids.len() as u64 + 1) {
        book.add_bid(id, spec, balance, 0)
            .expect("fresh deployment ids");
    }
    let t = Instant::now();
    let first = book.plan(5, &Budget::unlimited());
    let first_round_ms_with = t.elapsed().as_secs_f64() * 1e3;
    let dormant_after_first = book.dormant();
    let (round_ms_with, plan) = time_rounds(book);
    Rounds {
        dead_bids: dead,
        round_ms_without,
        first_round_ms_with,
        round_ms_with,
        dormant_after_first,
        same_plan: first == clean && plan == clean,
    }
}

/// The whole report.
#[derive(Debug, Serialize)]
struct MatcherReport {
    offers: usize,
    bids: usize,
    seed: u64,
    build_seconds: f64,
    bytes_per_offer: f64,
    indexed: Matching,
    updates: usize,
    updates_per_second: f64,
    baseline: Matching,
    speedup: f64,
    baseline_agrees: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    rounds: Option<Rounds>,
}

/// Runs `cloudless bench matcher`.
pub fn run(args: &MatcherArgs) -> Result<()> {
    ensure!(
        args.offers > 0 && args.bids > 0 && args.baseline_bids > 0,
        "--offers, --bids and --baseline-bids must be positive"
    );
    let work = Workload::generate(&Shape::new(args.offers, args.bids, args.seed));
    let before = METER.live_bytes();
    let started = Instant::now();
    let mut book = work.asks();
    let build = started.elapsed();
    let bytes = METER.live_bytes().saturating_sub(before);
    work.add_bids(&mut book);
    let ids: Vec<u64> = book.waiting().collect();

    let (indexed, results) = time_bids(&mut book, &ids, |s, id| s.match_bid(id));
    let sample = &ids[..args.baseline_bids.min(ids.len())];
    let (baseline, scanned) = time_bids(&mut book, sample, |s, id| s.match_bid_scan(id));
    let rounds = (args.dead_bids > 0).then(|| rounds(&mut book, &work, args.dead_bids));
    let updates = update_stream(&book, &work, args.updates, args.seed);
    let started = Instant::now();
    for update in &updates {
        update.apply(&mut book);
    }
    let update_time = started.elapsed();

    let report = MatcherReport {
        offers: args.offers,
        bids: args.bids,
        seed: args.seed,
        build_seconds: build.as_secs_f64(),
        bytes_per_offer: bytes as f64 / args.offers as f64,
        speedup: indexed.bids_per_second / baseline.bids_per_second,
        baseline_agrees: scanned[..] == results[..sample.len()],
        indexed,
        updates: updates.len(),
        updates_per_second: per_second(updates.len(), update_time),
        baseline,
        rounds,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(())
}

type MatchFn = fn(&mut Session<'_>, u64) -> Option<Vec<MatchPair>>;

/// Matches `ids` in order in one session, timing each bid.
fn time_bids(
    book: &mut Book,
    ids: &[u64],
    match_fn: MatchFn,
) -> (Matching, Vec<Option<Vec<MatchPair>>>) {
    let mut session = book.session(5);
    let mut latencies = Vec::with_capacity(ids.len());
    let mut results = Vec::with_capacity(ids.len());
    let started = Instant::now();
    for &id in ids {
        let t = Instant::now();
        let pairs = match_fn(&mut session, id);
        latencies.push(t.elapsed());
        results.push(pairs);
    }
    let total = started.elapsed();
    drop(session);
    let latencies = Latencies::new(latencies);
    let matching = Matching {
        bids: ids.len(),
        matched_bids: results.iter().flatten().count(),
        instances: results
            .iter()
            .flatten()
            .flatten()
            .map(|p| u64::from(p.instances))
            .sum(),
        bids_per_second: per_second(ids.len(), total),
        p50_us: latencies.micros(0.50),
        p99_us: latencies.micros(0.99),
        max_us: latencies.micros(1.0),
    };
    (matching, results)
}

/// One chain update as the book receives it.
enum Update {
    Usage(u64, u32),
    Price(u64, u128, u32),
    Status(u64, OfferStatus),
    Stake(alloy_primitives::Address, U256),
}

impl Update {
    fn apply(&self, book: &mut Book) {
        let applied = match *self {
            Self::Usage(id, in_use) => book.set_in_use(id, in_use),
            Self::Price(id, price, capacity) => book.update_offer(id, price, capacity),
            Self::Status(id, status) => book.set_offer_status(id, status),
            Self::Stake(provider, stake) => {
                book.set_stake(provider, stake);
                Ok(())
            }
        };
        applied.expect("updates name offers of the workload");
    }
}

/// A realistic mix: mostly usage changes (matches and ended placements), then price and
/// capacity changes, status changes and stake changes.
fn update_stream(book: &Book, work: &Workload, n: usize, seed: u64) -> Vec<Update> {
    let mut rng = Rng::new(seed ^ 0x5eed);
    let offers = work.offers.len() as u64;
    (0..n)
        .map(|_| {
            let id = rng.range(1, offers);
            let offer = book.offer(id).expect("workload offer");
            match rng.below(100) {
                0..60 => Update::Usage(id, rng.below(u64::from(offer.capacity) + 1) as u32),
                60..85 => Update::Price(id, u128::from(rng.range(100, 10_000)), offer.capacity),
                85..98 => Update::Status(
                    id,
                    rng.pick(&[OfferStatus::Open, OfferStatus::Open, OfferStatus::Paused]),
                ),
                _ => {
                    let (provider, _) = work.stakes[rng.below(work.stakes.len() as u64) as usize];
                    Update::Stake(provider, U256::from(rng.range(900, 2_000)))
                }
            }
        })
        .collect()
}

fn print_report(r: &MatcherReport) {
    println!(
        "book: {} offers, {} bids (seed {}); built in {:.2} s; {:.0} bytes per offer",
        r.offers, r.bids, r.seed, r.build_seconds, r.bytes_per_offer
    );
    println!(
        "{:<10} {:>8} {:>8} {:>10} {:>14} {:>9} {:>9} {:>9}",
        "matcher", "bids", "matched", "instances", "bids/s", "p50 µs", "p99 µs", "max µs"
    );
    for (name, m) in [("indexed", &r.indexed), ("scan", &r.baseline)] {
        println!(
            "{:<10} {:>8} {:>8} {:>10} {:>14.0} {:>9.2} {:>9.2} {:>9.2}",
            name,
            m.bids,
            m.matched_bids,
            m.instances,
            m.bids_per_second,
            m.p50_us,
            m.p99_us,
            m.max_us
        );
    }
    println!(
        "speed-up over the linear scan: {:.0}× (same matches: {})",
        r.speedup, r.baseline_agrees
    );
    println!(
        "updates: {} at {:.0} per second",
        r.updates, r.updates_per_second
    );
    if let Some(d) = &r.rounds {
        println!(
            "round of {} bids: {:.2} ms; with {} dead bids: first round {:.2} ms ({} asleep after it), then {:.2} ms (same plan: {})",
            r.bids,
            d.round_ms_without,
            d.dead_bids,
            d.first_round_ms_with,
            d.dormant_after_first,
            d.round_ms_with,
            d.same_plan
        );
    }
}
