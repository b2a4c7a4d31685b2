//! `cloudless bench devnode --json` runs both workloads on an embedded dev node and reports
//! every transaction it sent as mined and successful (the timings are measurements, not
//! checked). Needs `cloudless contracts build` for the marketplace half.

use std::process::Command;

/// Runs `cloudless ARGS`, asserts it succeeded, and returns its JSON report.
fn bench(args: &[&str]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_cloudless"))
        .args(args)
        .output()
        .expect("the cloudless binary runs");
    assert!(
        output.status.success(),
        "bench failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON report")
}

#[test]
fn bench_devnode_sends_transfers_and_proofs_that_all_succeed() {
    let report = bench(&[
        "bench",
        "devnode",
        "--clients",
        "3",
        "--transfers",
        "30",
        "--proofs",
        "12",
        "--json",
    ]);
    let kinds: Vec<&str> = report
        .as_array()
        .expect("one entry per workload")
        .iter()
        .map(|entry| entry["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["transfer", "submitProof"]);
    let (transfers, proofs) = (&report[0], &report[1]);
    assert_eq!(transfers["transactions"], 30);
    assert_eq!(transfers["clients"], 3);
    assert_eq!(transfers["gas_per_tx"], 21_000, "plain transfers");
    assert_eq!(proofs["transactions"], 12);
    assert_eq!(proofs["clients"], 3);
    let proof_gas = proofs["gas_per_tx"].as_u64().unwrap();
    assert!(
        (50_000..300_000).contains(&proof_gas),
        "a proof's gas is a Stylus call's, not a transfer's: {proof_gas}"
    );
    for entry in [transfers, proofs] {
        assert!(entry["p50_ms"].as_f64().unwrap() <= entry["p99_ms"].as_f64().unwrap());
        assert!(entry["p99_ms"].as_f64().unwrap() <= entry["max_ms"].as_f64().unwrap());
    }
}

#[test]
fn bench_devnode_refuses_zero_clients() {
    let output = Command::new(env!("CARGO_BIN_EXE_cloudless"))
        .args(["bench", "devnode", "--clients", "0"])
        .output()
        .expect("the cloudless binary runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--clients must be positive"));
}

/// `cloudless bench audit --json` generates a small history and replays all of it: the proofs
/// and the marketplace's set-up, every block, with the same transaction count on both sides.
#[test]
fn bench_audit_replays_the_whole_generated_history() {
    let report = bench(&[
        "bench",
        "audit",
        "--proofs",
        "12",
        "--clients",
        "2",
        "--json",
    ]);
    let transactions = report["transactions"].as_u64().unwrap();
    assert!(transactions > 12, "the set-up and the 12 proofs: {report}");
    assert!(
        report["blocks"].as_u64() >= Some(transactions),
        "the dev node mines a block per transaction, and every one was replayed: {report}"
    );
}
