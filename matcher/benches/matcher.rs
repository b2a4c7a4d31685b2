//! Criterion benchmarks of the matcher on seeded synthetic books: one bid matched through the
//! price trees and by the linear-scan baseline, and single updates. `cloudless bench matcher`
//! prints the operator-facing report (throughput, p50/p99, bytes per offer, speed-up).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use matcher::Book;
use matcher::workload::{Shape, Workload};

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

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = matching, updates
}
criterion_main!(benches);
