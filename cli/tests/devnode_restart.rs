//! `--state`: the chain survives SIGKILL, a torn last line and SIGTERM restarts.

mod support;

use std::{io::Write, process::Command};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, U256, address},
    providers::{Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use cloudless_abi::probe::IProbe;
use harness::evm::{arbwasm::IArbWasm, chain::deploy_code_init};
use serde_json::{Value, json};
use support::{NodeProcess, call};

const ARB_WASM: Address = address!("0000000000000000000000000000000000000071");

/// Everything that must survive a restart.
fn observe(url: &str, accounts: &[Address], contract: Address) -> Value {
    let head = support::quantity(&call(url, "eth_blockNumber", json!([])));
    let hashes: Vec<Value> = (0..=head)
        .map(|n| {
            call(
                url,
                "eth_getBlockByNumber",
                json!([format!("0x{n:x}"), false]),
            )["hash"]
                .clone()
        })
        .collect();
    let balances: Vec<Value> = accounts
        .iter()
        .map(|a| call(url, "eth_getBalance", json!([a, "latest"])))
        .collect();
    let nonces: Vec<Value> = accounts
        .iter()
        .map(|a| call(url, "eth_getTransactionCount", json!([a, "latest"])))
        .collect();
    json!({
        "head": head,
        "hashes": hashes,
        "balances": balances,
        "nonces": nonces,
        "code": call(url, "eth_getCode", json!([contract, "latest"])),
        "logs": call(url, "eth_getLogs", json!([{"fromBlock": "0x0", "address": contract}])),
    })
}

async fn send(
    url: &str,
    signer: &PrivateKeySigner,
    tx: TransactionRequest,
) -> alloy::rpc::types::TransactionReceipt {
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer.clone()))
        .connect_http(url.parse().unwrap());
    let receipt = provider
        .send_transaction(tx)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    receipt
}

#[tokio::test(flavor = "multi_thread")]
async fn state_survives_kill_torn_line_and_term() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("chain.jsonl");
    let state_arg = state.to_str().unwrap();
    let mut node = NodeProcess::start(&["--state", state_arg]);
    let alice: PrivateKeySigner = node.accounts[0].1.parse().unwrap();
    let bob: PrivateKeySigner = node.accounts[1].1.parse().unwrap();
    let addrs = vec![alice.address(), bob.address(), node.accounts[2].0];

    for i in 1..=3u64 {
        let tx = TransactionRequest::default()
            .with_to(addrs[2])
            .with_value(U256::from(i));
        send(&node.rpc_url, &alice, tx).await;
    }
    send(
        &node.rpc_url,
        &bob,
        TransactionRequest::default()
            .with_to(addrs[0])
            .with_value(U256::from(7)),
    )
    .await;
    let code = harness::artifact::Artifacts::locate()
        .load("probe")
        .expect("the probe artifact (run `cargo run -p cloudless-cli -- contracts build`)");
    let deployed = send(
        &node.rpc_url,
        &alice,
        TransactionRequest::default().with_deploy_code(deploy_code_init(&code)),
    )
    .await;
    let probe = deployed.contract_address.unwrap();
    let activate = IArbWasm::activateProgramCall { program: probe }.abi_encode();
    send(
        &node.rpc_url,
        &bob,
        TransactionRequest::default()
            .with_to(ARB_WASM)
            .with_input(activate),
    )
    .await;
    let inc = IProbe::incrementCall {}.abi_encode();
    send(
        &node.rpc_url,
        &alice,
        TransactionRequest::default()
            .with_to(probe)
            .with_input(inc.clone()),
    )
    .await;
    let before = observe(&node.rpc_url, &addrs, probe);
    assert_eq!(before["head"], 7);
    assert_eq!(before["logs"].as_array().unwrap().len(), 1);

    // SIGKILL: every acknowledged block is on disk.
    node.kill();
    let mut node = NodeProcess::start(&["--state", state_arg]);
    assert_eq!(observe(&node.rpc_url, &addrs, probe), before);
    // History replays too.
    let old = call(&node.rpc_url, "eth_getBalance", json!([addrs[2], "0x1"]));
    let old: U256 = serde_json::from_value(old).unwrap();
    assert_eq!(old, U256::from(10_000u128 * 10u128.pow(18) + 1));
    node.kill();

    // A torn last line (a crash mid-append) is dropped with a warning.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&state)
        .unwrap()
        .write_all(br#"{"number":8,"timestamp":17"#)
        .unwrap();
    let mut node = NodeProcess::start(&["--state", state_arg]);
    assert_eq!(observe(&node.rpc_url, &addrs, probe), before);
    send(
        &node.rpc_url,
        &alice,
        TransactionRequest::default().with_to(probe).with_input(inc),
    )
    .await;
    let after = observe(&node.rpc_url, &addrs, probe);
    assert_eq!(after["head"], 8);
    assert!(node.stderr().contains("torn"), "stderr: {}", node.stderr());

    // SIGTERM: a clean stop, and the new block is kept.
    node.stop();
    let mut node = NodeProcess::start(&["--state", state_arg]);
    assert_eq!(observe(&node.rpc_url, &addrs, probe), after);
    node.stop();

    // Flags that contradict the file are refused clearly.
    let out = Command::new(env!("CARGO_BIN_EXE_cloudless"))
        .args([
            "devnode",
            "--port",
            "0",
            "--json",
            "--chain-id",
            "1",
            "--state",
            state_arg,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("chain id"), "stderr: {stderr}");
}
