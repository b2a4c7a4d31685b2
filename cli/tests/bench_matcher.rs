//! `cloudless bench matcher --json` runs the matcher benchmark on a small book and reports a
//! consistent result (the timings themselves are not checked: they are measurements).

use std::process::Command;

#[test]
fn bench_matcher_json_reports_the_run_and_the_baseline_agrees() {
    let output = Command::new(env!("CARGO_BIN_EXE_cloudless"))
        .args([
            "bench",
            "matcher",
            "--offers",
            "3000",
            "--bids",
            "300",
            "--updates",
            "2000",
            "--baseline-bids",
            "50",
            "--json",
        ])
        .output()
        .expect("the cloudless binary runs");
    assert!(
        output.status.success(),
        "bench failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(report["offers"], 3000);
    assert_eq!(report["bids"], 300);
    assert_eq!(report["updates"], 2000);
    assert_eq!(report["baseline"]["bids"], 50);
    assert_eq!(report["baseline_agrees"], true, "{report}");
    let indexed = &report["indexed"];
    assert_eq!(indexed["bids"], 300);
    let matched = indexed["matched_bids"].as_u64().unwrap();
    assert!(matched > 0 && matched <= 300, "{report}");
    assert!(indexed["instances"].as_u64().unwrap() >= matched);
    assert!(report["bytes_per_offer"].as_f64().unwrap() > 0.0);
    for field in ["bids_per_second", "p50_us", "p99_us", "max_us"] {
        assert!(indexed[field].as_f64().is_some(), "{field} in {report}");
    }
}

#[test]
fn bench_matcher_refuses_an_empty_book() {
    let output = Command::new(env!("CARGO_BIN_EXE_cloudless"))
        .args(["bench", "matcher", "--offers", "0"])
        .output()
        .expect("the cloudless binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--offers, --bids and --baseline-bids must be positive"),
        "{stderr}"
    );
}
