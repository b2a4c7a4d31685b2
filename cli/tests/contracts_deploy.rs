//! `cloudless contracts deploy` against a dev node process verifies what an existing manifest
//! names before it builds on it: a program address holding other code, or a core bound to
//! another extension, is refused by name, and nothing is sent or written. Needs `cloudless
//! contracts build`.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::{NodeProcess, call, market::deploy_contracts, quantity};

/// Deploys into `out`; returns the manifest's path.
fn deployed(node: &NodeProcess, out: &Path) -> String {
    let (success, report, stderr) = deploy_contracts(node, out);
    assert!(success, "deploy failed: {report}\n{stderr}");
    report["manifest"].as_str().unwrap().to_owned()
}

/// Rewrites the manifest at `path` with `edit`.
fn edit(path: &str, edit: impl FnOnce(&mut Value)) {
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut manifest);
    std::fs::write(path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
}

/// Runs deploy on the tampered manifest in `out`, asserts it fails with `error` and leaves the
/// manifest and the deployer's nonce alone; returns the JSON error.
fn refused(node: &NodeProcess, out: &Path, manifest: &str, error: &str) -> Value {
    let deployer = node.accounts[0].0.to_string();
    let nonce = || {
        quantity(&call(
            &node.rpc_url,
            "eth_getTransactionCount",
            json!([deployer, "latest"]),
        ))
    };
    let (before, sent) = (std::fs::read(manifest).unwrap(), nonce());
    let (success, report, stderr) = deploy_contracts(node, out);
    assert!(
        !success,
        "deploy trusted a tampered manifest: {report}\n{stderr}"
    );
    assert_eq!(report["error"], error, "{report}");
    assert!(
        report["hint"].as_str().unwrap().contains("--out <new dir>"),
        "{report}"
    );
    assert_eq!(
        std::fs::read(manifest).unwrap(),
        before,
        "the manifest was rewritten"
    );
    assert_eq!(nonce(), sent, "a transaction was sent");
    report
}

#[test]
fn deploy_refuses_a_manifest_whose_program_address_holds_other_code() {
    let node = NodeProcess::start(&[]);
    let out = tempfile::tempdir().unwrap();
    let manifest = deployed(&node, out.path());
    // The manifest's market now names the registry's address, whose code is the registry's.
    edit(&manifest, |m| {
        m["contracts"]["market"]["address"] = m["contracts"]["registry"]["address"].clone();
    });
    let report = refused(&node, out.path(), &manifest, "ForeignCode");
    assert!(
        report["detail"].as_str().unwrap().starts_with("market at "),
        "{report}"
    );
}

#[test]
fn deploy_refuses_a_core_bound_to_another_extension_than_the_manifests() {
    let node = NodeProcess::start(&[]);
    let (ours, theirs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let manifest = deployed(&node, ours.path());
    let other = deployed(&node, theirs.path());
    // The same extension code at another address: the code hashes match, the binding does not.
    let other: Value = serde_json::from_str(&std::fs::read_to_string(other).unwrap()).unwrap();
    edit(&manifest, |m| {
        m["contracts"]["market-ext"] = other["contracts"]["market-ext"].clone();
    });
    let report = refused(&node, ours.path(), &manifest, "ForeignExtension");
    assert!(
        report["detail"].as_str().unwrap().starts_with("market at "),
        "{report}"
    );
}
