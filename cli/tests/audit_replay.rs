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

/// The marketplace deployed on `node` (manifest in `dir`), a provider (account 1) staked with
/// an offer of 2 instances at 1.00, and a deployment of account 2 matched onto it by the owner;
/// returns the deployment's id.
fn matched(node: &NodeProcess, dir: &std::path::Path) -> (Market, u64) {
    let market = Market::deploy(node, dir, &[1, 2]);
    let key = |i: usize| node.accounts[i].1.clone();
    let offers = market.provider(&key(1), &[(1_000_000, 2, 0)]);
    let (deployment, _) = market.deployment(&key(2), 2, 2_000_000, 20_000_000);
    let (id, offer) = (deployment.to_string(), format!("{}:2", offers[0]));
    market.ok(
        Some(&key(0)),
        &["market", "match", "--deployment", &id, "--offer", &offer],
    );
    (market, deployment)
}

#[test]
fn a_replayed_market_equals_the_node_and_its_ledger_is_reproducible() {
    let node = NodeProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    // Blocks before the marketplace: the replay forks after them, from the node's old state.
    for _ in 0..3 {
        call(&node.rpc_url, "evm_mine", json!([]));
    }
    let (market, deployment) = matched(&node, dir.path());
    let (id, key) = (deployment.to_string(), |i: usize| {
        node.accounts[i].1.clone()
    });
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

/// What the lying proxy alters.
#[derive(Clone, Copy)]
enum Tamper {
    /// One more gas in the first receipt of a block with logs.
    Gas,
    /// One nibble of the first log's data in that receipt.
    LogData,
    /// One more wei in `account`'s balance at the head.
    Balance(alloy_primitives::Address, u64),
    /// One nibble of every storage word of `account` at the head.
    Storage(alloy_primitives::Address, u64),
}

/// A JSON-RPC proxy in front of `upstream` that alters answers as `tamper` says, for as long
/// as the returned runtime lives; returns its URL.
fn lying_proxy(upstream: String, tamper: Tamper) -> (tokio::runtime::Runtime, String) {
    use axum::{Json, extract::State, routing::post};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let app = axum::Router::new()
        .route(
            "/",
            post(
                move |State((http, upstream)): State<(reqwest::Client, String)>,
                      Json(request): Json<Value>| async move {
                    let answer: Value = http
                        .post(&upstream)
                        .json(&request)
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    Json(alter(&request, answer, tamper))
                },
            ),
        )
        .with_state((http, upstream));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
    (runtime, url)
}

/// `answer` to `request` with the lie told.
fn alter(request: &Value, mut answer: Value, tamper: Tamper) -> Value {
    let method = request["method"].as_str().unwrap_or_default();
    let hex = |n: u128| format!("{n:#x}");
    let number =
        |v: &Value| u128::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    match (tamper, method) {
        (Tamper::Gas | Tamper::LogData, "eth_getBlockReceipts") => {
            let Some(receipt) = answer["result"].as_array_mut().and_then(|rs| {
                rs.iter_mut()
                    .find(|r| r["logs"].as_array().is_some_and(|l| !l.is_empty()))
            }) else {
                return answer;
            };
            if let Tamper::Gas = tamper {
                receipt["gasUsed"] = json!(hex(number(&receipt["gasUsed"]) + 1));
            } else {
                let data = receipt["logs"][0]["data"].as_str().unwrap().to_owned();
                let flipped = if data.ends_with('0') { '1' } else { '0' };
                receipt["logs"][0]["data"] = json!(format!("{}{flipped}", &data[..data.len() - 1]));
            }
        }
        (Tamper::Storage(account, head), "eth_getStorageAt") => {
            let params = &request["params"];
            let asked: alloy_primitives::Address = params[0].as_str().unwrap().parse().unwrap();
            if asked == account && params[2] == json!(hex(u128::from(head))) {
                let word = answer["result"].as_str().unwrap().to_owned();
                let flipped = if word.ends_with('0') { '1' } else { '0' };
                answer["result"] = json!(format!("{}{flipped}", &word[..word.len() - 1]));
            }
        }
        (Tamper::Balance(account, head), "eth_getBalance") => {
            let params = &request["params"];
            let asked: alloy_primitives::Address = params[0].as_str().unwrap().parse().unwrap();
            if asked == account && params[1] == json!(hex(u128::from(head))) {
                answer["result"] = json!(hex(number(&answer["result"]) + 1));
            }
        }
        _ => {}
    }
    answer
}

/// An auditor talking to a node that lies: one receipt's gas, one log's data, one balance or
/// one contract's storage at the head altered by a proxy. The replay exits 1 and names the block, the transaction (or
/// the account) and what differs.
#[test]
fn a_node_that_lies_about_one_answer_is_caught_and_named() {
    let node = NodeProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let (market, _) = matched(&node, dir.path());
    let head = support::quantity(&call(&node.rpc_url, "eth_blockNumber", json!([])));
    let developer = node.accounts[2].0;
    let cases = [
        (Tamper::Gas, "gas used"),
        (Tamper::LogData, "log 0 data differs"),
        (Tamper::Balance(developer, head), "balance"),
        (Tamper::Storage(market.market, head), "storage slot"),
    ];
    for (i, (tamper, named)) in cases.into_iter().enumerate() {
        let (_proxy, url) = lying_proxy(node.rpc_url.clone(), tamper);
        let out = dir.path().join(format!("audit-{i}"));
        let (success, error, stderr) = cloudless(&[
            "audit",
            "replay",
            "--rpc-url",
            &url,
            "--manifest",
            &market.manifest,
            "--out",
            out.to_str().unwrap(),
            "--json",
        ]);
        assert!(!success, "the lie went unnoticed: {error}\n{stderr}");
        let message = error["error"].as_str().unwrap_or_default().to_owned() + &stderr;
        assert!(message.contains(named), "{named}: {error}\n{stderr}");
        match tamper {
            Tamper::Balance(account, _) | Tamper::Storage(account, _) => assert!(
                message.contains(&account.to_string()),
                "names the account: {message}"
            ),
            _ => assert!(
                message.contains("transaction 0x"),
                "names the tx: {message}"
            ),
        }
    }
}
