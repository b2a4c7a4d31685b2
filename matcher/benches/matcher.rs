//! Criterion benchmarks of the matcher (see `cloudless bench matcher` for the full report).
fn main() {}
