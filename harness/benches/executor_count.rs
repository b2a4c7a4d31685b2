//! The executor bench's transactions, run a given number of times and nothing else, for an
//! instruction counter: `valgrind --tool=callgrind` of `N` runs minus that of `0` runs, over
//! `N`, is the instructions one transaction costs, free of the timing noise of a shared machine
//! (docs/executor.md#measured).
//!
//! `cargo bench -p harness --bench executor_count -- N [CASE]`: `CASE` picks the transactions
//! whose name contains it (all by default).

mod support;

fn main() {
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let runs: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .expect("usage: executor_count N [CASE]");
    let case = args.next().unwrap_or_default();
    let support::Bench { mut chain, cases } = support::Bench::new();
    for (name, tx) in cases.iter().filter(|(name, _)| name.contains(&case)) {
        for _ in 0..runs {
            let outcome = chain.simulate(tx.clone()).unwrap();
            assert!(outcome.is_success(), "{name}: {outcome:?}");
        }
        println!("{name}: {runs} runs");
    }
}
