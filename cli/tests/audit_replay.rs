//! `cloudless audit replay` against a real dev node: a marketplace deployed, a provider
//! registered and staked with an offer, a deployment matched and proven, then the whole chain
//! replayed in the harness: every receipt and the final state equal the node's, and the ledger
//! files (JSON, CSV, SVG) are byte-identical across two runs (the second from the pre-state cache). Needs
//! `cloudless contracts build`.

mod support;

use serde_json::{Value, json};
use support::{
    NodeProcess, call,
    market::{Market, cloudless},
};

fn replay(node: &NodeProcess, manifest: &str, out: &std::path::Path) -> (Value, String) {
    let (success, summary, stderr) = cloudless(&[
        "audit",
        "replay",
        "--rpc-url",
        &node.rpc_url,
        "--manifest",
        manifest,
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(success, "audit replay failed: {summary}\n{stderr}");
    (summary, stderr)
}

#[test]
fn a_replayed_market_equals_the_node_and_its_ledger_is_reproducible() {
    let node = NodeProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    // Blocks before the marketplace: the replay forks after them, from the node's old state.
    for _ in 0..3 {
        call(&node.rpc_url, "evm_mine", json!([]));
    }
    let market = Market::deploy(&node, dir.path(), &[1, 2]);
    let key = |i: usize| node.accounts[i].1.clone();
    let offers = market.provider(&key(1), &[(1_000_000, 2, 0)]);
    let (deployment, _) = market.deployment(&key(2), 2, 2_000_000, 20_000_000);
    let (id, offer) = (deployment.to_string(), format!("{}:2", offers[0]));
    market.ok(
        Some(&key(0)),
        &["market", "match", "--deployment", &id, "--offer", &offer],
    );
    market.advance(2);
    let placements = market.ok(Some(&key(1)), &["provider", "placements"]);
    let provable = &placements["placements"][0]["provable"];
    let (from, to) = (provable[0].as_u64().unwrap(), provable[1].as_u64().unwrap());
    let epochs: Vec<String> = (from..=to).map(|epoch| epoch.to_string()).collect();
    let mut prove = vec!["provider", "prove", "1"];
    prove.extend(epochs.iter().map(String::as_str));
    market.ok(Some(&key(1)), &prove);

    let out = dir.path().join("audit");
    let (first, stderr) = replay(&node, &market.manifest, &out);
    eprintln!("first replay: {first}");
    assert_eq!(
        first["from_block"], 4,
        "the manifest's deploy block: {first}"
    );
    assert_eq!(first["receipts_equal"], true, "{first}");
    assert_eq!(first["state_equal"], true, "{first}");
    assert!(first["transactions"].as_u64().unwrap() >= 10, "{first}");
    assert!(first["accounts_checked"].as_u64().unwrap() > 3, "{first}");
    assert!(first["slots_checked"].as_u64().unwrap() > 10, "{first}");
    assert!(first["prestate_fetched"].as_u64().unwrap() > 0, "{first}");
    assert!(
        stderr.contains("replayed block"),
        "progress on stderr: {stderr}"
    );
    let ledger: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("ledger.json")).unwrap()).unwrap();
    let row = &ledger["deployments"][&id];
    assert_eq!(
        row["epochs"].as_object().unwrap().len(),
        epochs.len(),
        "{row}"
    );
    let paid: u128 = row["paid"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        paid,
        epochs.len() as u128 * 2 * 1_000_000 * 95 / 100,
        "{row}"
    );
    let providers = ledger["providers"].as_object().unwrap();
    assert_eq!(providers.len(), 1, "{ledger}");
    let (_, provider) = providers.iter().next().unwrap();
    assert_eq!(provider["earned"], row["paid"], "{ledger}");

    let json = std::fs::read(out.join("ledger.json")).unwrap();
    let csv = std::fs::read(out.join("ledger.csv")).unwrap();
    let svg = std::fs::read(out.join("ledger.svg")).unwrap();
    let (second, _) = replay(&node, &market.manifest, &out);
    eprintln!("second replay: {second}");
    assert_eq!(second["prestate_fetched"], 0, "the cache answers: {second}");
    assert_eq!(second["transactions"], first["transactions"]);
    assert_eq!(std::fs::read(out.join("ledger.json")).unwrap(), json);
    assert_eq!(std::fs::read(out.join("ledger.csv")).unwrap(), csv);
    assert_eq!(std::fs::read(out.join("ledger.svg")).unwrap(), svg);
}
