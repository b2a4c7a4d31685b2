//! Executor throughput: transactions per second for a Stylus storage write, an ERC-20 transfer
//! written with stylus-sdk, and the same transfer in Solidity on plain revm frames, in one run.
//! Each iteration executes one full transaction against the same state (no commit), so the
//! numbers measure execution, not state growth.
//!
//! `cargo bench -p harness --bench executor` (needs `cloudless contracts build` first).

mod support;

use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let support::Bench { mut chain, cases } = support::Bench::new();
    let mut group = c.benchmark_group("executor");
    for (name, tx) in cases {
        let gas = chain.simulate(tx.clone()).unwrap();
        assert!(gas.is_success(), "{name}: {gas:?}");
        println!("{name}: {} gas", gas.gas_used());
        group.bench_function(name, |b| b.iter(|| chain.simulate(tx.clone()).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
