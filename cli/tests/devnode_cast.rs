//! foundry's `cast` (from `npm ci`) against `cloudless devnode`.

mod support;

use alloy::primitives::{U256, hex};
use harness::evm::chain::deploy_code_init;
use serde_json::Value;
use support::{
    NodeProcess,
    cast::{cast, cast_send, cast_send_unlocked, run_cast},
    reverter_init,
};

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

#[test]
fn cast_sends_from_unlocked_accounts_and_shows_revert_reasons() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let alice = node.accounts[0].0.to_string();
    let bob = node.accounts[1].0.to_string();

    let sent = cast_send_unlocked(url, &alice, &[&bob, "--value", "77"]);
    assert_eq!(sent["status"], "0x1", "{sent}");
    assert_eq!(
        sent["from"].as_str().unwrap().to_lowercase(),
        alice.to_lowercase()
    );
    assert_eq!(
        cast(&["balance", &bob, "--rpc-url", url]),
        "10000000000000000000077"
    );
    let pool: Value =
        serde_json::from_str(&cast(&["rpc", "--rpc-url", url, "txpool_status"])).unwrap();
    assert_eq!(pool, serde_json::json!({"pending": "0x0", "queued": "0x0"}));

    // A contract that reverts with a reason: cast shows it.
    let init = reverter_init("not today").to_string();
    let deployed = cast_send_unlocked(url, &alice, &["--create", &init]);
    let reverter = deployed["contractAddress"]
        .as_str()
        .expect("contract address");
    let (ok, stdout, stderr) = run_cast(&["call", reverter, "--rpc-url", url]);
    assert!(!ok, "the call should revert: {stdout}");
    assert!(
        stderr.contains("execution reverted: not today"),
        "no revert reason in: {stderr}"
    );
}

#[test]
fn cast_deploys_through_the_create2_factory_at_its_usual_address() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let factory = devnode::predeploys::CREATE2_FACTORY;
    assert_ne!(
        cast(&["code", &factory.to_string(), "--rpc-url", url]),
        "0x"
    );
    let init = deploy_code_init(&[0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3]);
    let salt = alloy::primitives::B256::repeat_byte(0x07);
    let calldata = format!("0x{}{}", hex::encode(salt), hex::encode(&init));
    let expected = factory.create2(salt, alloy::primitives::keccak256(&init));

    let receipt = cast_send(url, &node.accounts[0].1, &[&factory.to_string(), &calldata]);

    assert_eq!(receipt["status"], "0x1", "{receipt}");
    let code = cast(&["code", &expected.to_string(), "--rpc-url", url]);
    assert_eq!(
        code, "0x602a60005260206000f3",
        "the contract is at the CREATE2 address"
    );
}
