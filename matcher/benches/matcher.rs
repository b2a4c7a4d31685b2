//! Criterion benchmarks of the matcher on seeded synthetic books: one bid matched through the
//! price trees and by the linear-scan baseline, and single updates. `cloudless bench matcher`
//! prints the operator-facing report (throughput, p50/p99, bytes per offer, speed-up).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use matcher::workload::{Shape, Workload};
use matcher::{Book, Budget};

fn book(offers: usize) -> (Book, Vec<u64>) {
    let book = Workload::generate(&Shape::new(offers, 2_000, 1)).book();
    let ids = book.waiting().collect();
    (book, ids)
}

fn matching(c: &mut Criterion) {
    let mut group = c.benchmark_group("match_one_bid");
    for offers in [10_000, 100_000, 1_000_000] {
        let (mut book, ids) = book(offers);
        let mut i = 0;
        group.bench_function(BenchmarkId::new("indexed", offers), |b| {
            b.iter(|| {
                i = (i + 1) % ids.len();
                black_box(book.session(5).match_bid(ids[i]))
            })
        });
        if offers <= 100_000 {
            group.bench_function(BenchmarkId::new("scan", offers), |b| {
                b.iter(|| {
                    i = (i + 1) % ids.len();
                    black_box(book.session(5).match_bid_scan(ids[i]))
                })
            });
        }
    }
    group.finish();
}

fn updates(c: &mut Criterion) {
    let mut group = c.benchmark_group("update");
    let offers = 1_000_000u64;
    let (mut book, _) = book(offers as usize);
    let mut id = 0;
    group.bench_function(BenchmarkId::new("usage", offers), |b| {
        b.iter(|| {
            id = id % offers + 1;
            let offer = book.offer(id).expect("workload offer");
            let in_use = if offer.inUse == 0 { offer.capacity } else { 0 };
            book.set_in_use(id, in_use).expect("known offer");
        })
    });
    group.bench_function(BenchmarkId::new("price", offers), |b| {
        b.iter(|| {
            id = id % offers + 1;
            let offer = book.offer(id).expect("workload offer");
            let price = 100 + (offer.pricePerInstanceEpoch * 7_919) % 9_900;
            book.update_offer(id, price, offer.capacity)
                .expect("known offer");
        })
    });
    group.finish();
}

/// A whole round (every waiting bid matched tentatively, the book left as it was) on a book
/// of 100k offers and 2,000 live bids, without and then with 10⁶ dead bids (half in a region
/// with no offer, half capped below every ask). The first round puts the dead bids to sleep;
/// the measured rounds must cost what the clean book's does.
fn rounds(c: &mut Criterion) {
    let mut group = c.benchmark_group("round");
    let work = Workload::generate(&Shape::new(100_000, 2_000, 1));
    let mut book = work.book();
    let budget = Budget::unlimited();
    let clean = book.plan(5, &budget);
    group.bench_function(BenchmarkId::new("dead_bids", 0), |b| {
        b.iter(|| black_box(book.plan(5, &budget)))
    });
    let dead = 1_000_000;
    for (id, spec, balance) in work.dead_bids(dead, 10_000_000) {
        book.add_bid(id, spec, balance, 0)
            .expect("fresh deployment ids");
    }
    assert_eq!(book.plan(5, &budget), clean, "dead bids changed the round");
    assert_eq!(book.dormant(), dead, "every dead bid sleeps");
    group.bench_function(BenchmarkId::new("dead_bids", dead), |b| {
        b.iter(|| black_box(book.plan(5, &budget)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = matching, updates, rounds
}
criterion_main!(benches);
