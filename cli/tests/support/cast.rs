//! foundry's `cast` from `npm ci` (`@foundry-rs/cast-linux-amd64`).

use std::{path::PathBuf, process::Command};

use serde_json::Value;

/// Where `npm ci` put cast.
pub fn cast_path() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../node_modules/@foundry-rs/cast-linux-amd64/bin/cast");
    assert!(
        path.exists(),
        "foundry's cast is missing at {}; run `npm ci` in the workspace root",
        path.display()
    );
    path
}

/// Runs cast with `args`; returns whether it succeeded, its stdout and its stderr.
pub fn run_cast(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(cast_path())
        .args(args)
        .env("FOUNDRY_DISABLE_NIGHTLY_WARNING", "1")
        .output()
        .expect("run cast");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap().trim().to_string(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn cast(args: &[&str]) -> String {
    let (ok, stdout, stderr) = run_cast(args);
    assert!(ok, "cast {args:?} failed: {stdout}{stderr}");
    stdout
}

/// `cast send --json` signed with `key`; returns the receipt.
pub fn cast_send(url: &str, key: &str, args: &[&str]) -> Value {
    let mut all = vec!["send", "--json", "--rpc-url", url, "--private-key", key];
    all.extend(args);
    serde_json::from_str(&cast(&all)).unwrap()
}

/// `cast send --json --unlocked --from from`: the node signs; returns the receipt.
pub fn cast_send_unlocked(url: &str, from: &str, args: &[&str]) -> Value {
    let mut all = vec![
        "send",
        "--json",
        "--rpc-url",
        url,
        "--unlocked",
        "--from",
        from,
    ];
    all.extend(args);
    serde_json::from_str(&cast(&all)).unwrap()
}
