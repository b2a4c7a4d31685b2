//! foundry's `cast` (from `npm ci`) against `cloudless devnode`.

mod support;

use std::{path::PathBuf, process::Command};

use alloy::primitives::{U256, hex};
use harness::evm::chain::deploy_code_init;
use serde_json::Value;
use support::NodeProcess;

fn cast_path() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../node_modules/@foundry-rs/cast-linux-amd64/bin/cast");
    assert!(
        path.exists(),
        "foundry's cast is missing at {}; run `npm ci` in the workspace root",
        path.display()
    );
    path
}

fn cast(args: &[&str]) -> String {
    let out = Command::new(cast_path())
        .args(args)
        .env("FOUNDRY_DISABLE_NIGHTLY_WARNING", "1")
        .output()
        .expect("run cast");
    assert!(
        out.status.success(),
        "cast {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `cast send --json` signed with `key`; returns the receipt.
fn cast_send(url: &str, key: &str, args: &[&str]) -> Value {
    let mut all = vec!["send", "--json", "--rpc-url", url, "--private-key", key];
    all.extend(args);
    serde_json::from_str(&cast(&all)).unwrap()
}

#[test]
fn cast_talks_to_the_dev_node() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let key = node.accounts[0].1.as_str();
    let bob = node.accounts[1].0.to_string();

    assert_eq!(cast(&["chain-id", "--rpc-url", url]), "412346");
    assert_eq!(
        cast(&["balance", &bob, "--rpc-url", url]),
        "10000000000000000000000"
    );

    // A signed ETH transfer and its receipt.
    let sent = cast_send(url, key, &[&bob, "--value", "1234"]);
    assert_eq!(sent["status"], "0x1", "{sent}");
    let tx = sent["transactionHash"].as_str().unwrap();
    assert_eq!(
        cast(&["balance", &bob, "--rpc-url", url]),
        "10000000000000000001234"
    );
    let status = cast(&["receipt", tx, "status", "--rpc-url", url]);
    assert!(
        status == "true" || status == "1 (success)",
        "status {status}"
    );
    assert_eq!(cast(&["receipt", tx, "blockNumber", "--rpc-url", url]), "1");

    // A Stylus contract: deploy, activate, send to it, call it, read its logs.
    let code = harness::artifact::Artifacts::locate()
        .load("probe")
        .expect("the probe artifact (run `cargo run -p cloudless-cli -- contracts build`)");
    let init = format!("0x{}", hex::encode(deploy_code_init(&code)));
    let deployed = cast_send(url, key, &["--create", &init]);
    let probe = deployed["contractAddress"]
        .as_str()
        .expect("contract address")
        .to_string();
    let activated = cast_send(
        url,
        key,
        &[
            "0x0000000000000000000000000000000000000071",
            "activateProgram(address)",
            &probe,
        ],
    );
    assert_eq!(activated["status"], "0x1", "{activated}");
    let inc = cast_send(url, key, &[&probe, "increment()"]);
    assert_eq!(inc["status"], "0x1", "{inc}");
    assert_eq!(
        cast(&["call", &probe, "counter()(uint256)", "--rpc-url", url]),
        "1"
    );
    let logs: Value = serde_json::from_str(&cast(&[
        "logs",
        "--json",
        "--rpc-url",
        url,
        "--from-block",
        "0",
        "--address",
        &probe,
    ]))
    .unwrap();
    let logs = logs.as_array().expect("a list of logs");
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["transactionHash"], inc["transactionHash"]);
    let counter = U256::from_str_radix(
        logs[0]["data"].as_str().unwrap().trim_start_matches("0x"),
        16,
    )
    .unwrap();
    assert_eq!(counter, U256::from(1));
}
