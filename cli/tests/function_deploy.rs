//! `cloudless function deploy` against a dev node process: an impure wasm is refused by name
//! before anything is sent, and a built function is created, activated, cached and answers
//! calls, its reported code hash being `EXTCODEHASH`. The second test needs `cloudless contracts build`
//! (or `cloudless function build`).

mod support;

use alloy_primitives::keccak256;
use serde_json::{Value, json};
use support::{
    NodeProcess, call,
    market::{actions, cloudless},
    quantity,
};

/// `cloudless function deploy <target…> --json` by the node's first account.
fn deploy(node: &NodeProcess, target: &[&str]) -> (bool, Value, String) {
    let mut args = vec!["function", "deploy"];
    args.extend_from_slice(target);
    args.extend_from_slice(&[
        "--rpc-url",
        &node.rpc_url,
        "--private-key",
        &node.accounts[0].1,
        "--json",
    ]);
    cloudless(&args)
}

fn nonce(node: &NodeProcess) -> u64 {
    let deployer = node.accounts[0].0.to_string();
    quantity(&call(
        &node.rpc_url,
        "eth_getTransactionCount",
        json!([deployer, "latest"]),
    ))
}

#[test]
fn deploy_refuses_an_impure_wasm_naming_the_import_and_sends_nothing() {
    let node = NodeProcess::start(&[]);
    let folder = tempfile::tempdir().unwrap();
    let wasm = folder.path().join("clock.wasm");
    let module = wat::parse_str(
        r#"(module
             (import "vm_hooks" "read_args" (func (param i32)))
             (import "vm_hooks" "write_result" (func (param i32 i32)))
             (import "vm_hooks" "block_timestamp" (func (result i64)))
             (memory (export "memory") 1)
             (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
    )
    .unwrap();
    std::fs::write(&wasm, module).unwrap();
    let before = nonce(&node);

    let (success, report, stderr) = deploy(&node, &["--wasm", wasm.to_str().unwrap()]);

    assert!(!success, "an impure function deployed: {report}\n{stderr}");
    assert_eq!(report["error"], "ImpureFunction", "{report}");
    assert_eq!(report["import"], "vm_hooks::block_timestamp", "{report}");
    assert!(
        report["detail"]
            .as_str()
            .unwrap()
            .contains("which reads the environment"),
        "{report}"
    );
    assert_eq!(nonce(&node), before, "a transaction was sent");
}

#[test]
fn deploy_creates_activates_and_caches_a_function_that_answers_calls() {
    let node = NodeProcess::start(&[]);

    let (success, report, stderr) = deploy(&node, &["notify"]);

    assert!(success, "deploy failed: {report}\n{stderr}");
    let address = report["address"].as_str().unwrap();
    let code = call(&node.rpc_url, "eth_getCode", json!([address, "latest"]));
    let code = hex::decode(code.as_str().unwrap().trim_start_matches("0x")).unwrap();
    assert_eq!(
        report["code_hash"],
        keccak256(&code).to_string(),
        "{report}"
    );
    let actions = actions(&report);
    assert_eq!(
        actions,
        ["deploy notify", "activate notify", "cache notify"]
    );
    assert_eq!(report["cache"], "bid", "{report}");

    let request = b"name=Ada\n---\nHi {{name}}!";
    let answer = call(
        &node.rpc_url,
        "eth_call",
        json!([{"to": address, "data": format!("0x{}", hex::encode(request))}, "latest"]),
    );
    assert_eq!(answer, format!("0x{}", hex::encode("Hi Ada!")));
}

#[test]
fn a_pure_wasm_that_is_no_stylus_program_fails_activation_with_a_hint() {
    let node = NodeProcess::start(&[]);
    let folder = tempfile::tempdir().unwrap();
    let wasm = folder.path().join("no-entrypoint.code");
    // Pure (no imports at all), but without `user_entrypoint` ArbWasm refuses it, silently.
    // Given as on-chain code, it is sent as it is and refused by the chain.
    let module = wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap();
    std::fs::write(&wasm, harness::artifact::compress(&module)).unwrap();

    let (success, report, stderr) = deploy(&node, &["--wasm", wasm.to_str().unwrap()]);

    assert!(
        !success,
        "a program without an entrypoint deployed: {report}\n{stderr}"
    );
    assert_eq!(report["error"], "revert", "{report}");
    let hint = report["hint"].as_str().unwrap();
    assert!(hint.contains("user_entrypoint"), "{report}");
}
