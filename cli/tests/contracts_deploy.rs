//! `cloudless contracts deploy` against a dev node process: the court's parameters from the
//! flags are recorded and set between the market's initialization and its binding; and what an
//! existing manifest names is verified before anything builds on it: a program address holding
//! other code, a core bound to another extension, or court parameters other than the chain's
//! are refused by name, and nothing is sent or written; the programs are cached by bids, once.
//! Needs `cloudless contracts build`.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::{
    NodeProcess, call,
    market::{actions, deploy_contracts, deploy_contracts_with},
    quantity,
};

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

#[test]
fn court_params_are_set_before_binding_found_set_on_resume_and_refused_when_they_differ() {
    use alloy_sol_types::SolCall;
    use cloudless_abi::court::{CourtParams, ICourt};

    let node = NodeProcess::start(&[]);
    let out = tempfile::tempdir().unwrap();
    let wanted = CourtParams {
        disputeWindow: 3,
        responseWindow: 4,
        bond: 7_000_000,
        challengerRewardBps: 2_500,
        refereeGas: 2_000_000,
    };
    let (flags, values) = (
        [
            "--dispute-window",
            "--response-window",
            "--bond",
            "--challenger-reward-bps",
            "--referee-gas",
        ],
        [
            wanted.disputeWindow.to_string(),
            wanted.responseWindow.to_string(),
            wanted.bond.to_string(),
            wanted.challengerRewardBps.to_string(),
            wanted.refereeGas.to_string(),
        ],
    );
    let mut args = Vec::new();
    for (flag, value) in flags.iter().zip(&values) {
        args.extend([*flag, value.as_str()]);
    }
    let (success, report, stderr) = deploy_contracts_with(&node, out.path(), &args);
    assert!(success, "deploy failed: {report}\n{stderr}");

    let expected = json!({
        "dispute_window": 3,
        "response_window": 4,
        "bond": 7_000_000,
        "challenger_reward_bps": 2_500,
        "referee_gas": 2_000_000,
    });
    assert_eq!(report["court_params"], expected, "{report}");
    let path = report["manifest"].as_str().unwrap().to_owned();
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(manifest["court_params"], expected);
    for program in ["court", "market-upkeep"] {
        assert!(
            manifest["contracts"][program]["activated"] == true,
            "{program} recorded: {manifest}"
        );
    }
    let actions = actions(&report);
    let position = |action: &str| {
        actions
            .iter()
            .position(|a| a.starts_with(action))
            .unwrap_or_else(|| panic!("no `{action}` in {actions:?}"))
    };
    assert!(position("initialize") < position("setCourtParams"));
    assert!(
        position("setCourtParams") < position("setMarket"),
        "{actions:?}"
    );
    let steps = manifest["steps"].as_array().unwrap();
    assert!(steps.contains(&json!("court-params-set")), "{steps:?}");

    let market = report["market"].as_str().unwrap();
    let data = format!("0x{}", hex::encode(ICourt::courtParamsCall {}.abi_encode()));
    let returned = call(
        &node.rpc_url,
        "eth_call",
        json!([{"to": market, "data": data}, "latest"]),
    );
    let returned = hex::decode(returned.as_str().unwrap().trim_start_matches("0x")).unwrap();
    assert_eq!(
        ICourt::courtParamsCall::abi_decode_returns(&returned).unwrap(),
        wanted
    );

    // A manifest that lost the step resumes by reading the chain: nothing is sent again.
    edit(&path, |m| {
        m["steps"] = json!(["registry-initialized", "market-initialized"]);
    });
    let (success, rerun, stderr) = deploy_contracts_with(&node, out.path(), &args);
    assert!(success, "rerun failed: {rerun}\n{stderr}");
    assert_eq!(rerun["status"], "already deployed", "{rerun}");
    assert_eq!(rerun["transactions"], json!([]));
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        manifest["steps"]
            .as_array()
            .unwrap()
            .contains(&json!("court-params-set"))
    );

    // A manifest whose court parameters differ from the chain's is refused by name.
    edit(&path, |m| m["court_params"]["bond"] = json!(1));
    let report = refused(&node, out.path(), &path, "ForeignCourtParams");
    assert!(
        report["detail"].as_str().unwrap().contains("bond: 7000000"),
        "{report}"
    );
}

#[test]
fn deploy_bids_for_the_program_cache_once_and_cached_programs_cost_less_to_enter() {
    use alloy_primitives::B256;
    use alloy_sol_types::SolCall;
    use cloudless_abi::{
        arbwasm_cache::{ARB_WASM_CACHE, IArbWasmCache},
        market::IMarket,
    };

    let node = NodeProcess::start(&[]);
    let out = tempfile::tempdir().unwrap();
    let deploy = |extra: &[&str]| {
        let (success, report, stderr) = deploy_contracts_with(&node, out.path(), extra);
        assert!(success, "deploy failed: {report}\n{stderr}");
        report
    };
    let eth_call = |to: &str, data: Vec<u8>| {
        let tx = json!({"to": to, "data": format!("0x{}", hex::encode(data))});
        call(&node.rpc_url, "eth_call", json!([tx, "latest"]))
    };
    let report = deploy(&["--no-cache"]);
    assert_eq!(report["cache"], json!({}), "{report}");
    let market = report["market"].as_str().unwrap().to_owned();
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(report["manifest"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let programs: Vec<String> = manifest["contracts"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(programs.len(), 6, "{manifest}");
    let cached = |program: &str| {
        let codehash: B256 = manifest["contracts"][program]["code_hash"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let data = IArbWasmCache::codehashIsCachedCall { codehash }.abi_encode();
        let out = eth_call(&ARB_WASM_CACHE.to_string(), data);
        let out = hex::decode(out.as_str().unwrap().trim_start_matches("0x")).unwrap();
        IArbWasmCache::codehashIsCachedCall::abi_decode_returns(&out).unwrap()
    };
    assert!(programs.iter().all(|p| !cached(p)), "cached without bids");
    let entry_gas = || {
        let data = format!(
            "0x{}",
            hex::encode(IMarket::currentEpochCall {}.abi_encode())
        );
        let tx = json!({"to": market, "data": data});
        quantity(&call(&node.rpc_url, "eth_estimateGas", json!([tx])))
    };
    let uncached_gas = entry_gas();

    // Resuming without `--no-cache` bids for every program: free while the cache has room.
    let report = deploy(&[]);
    let mut actions = actions(&report);
    actions.sort();
    let mut bids: Vec<String> = programs.iter().map(|p| format!("cache {p}")).collect();
    bids.sort();
    assert_eq!(actions, bids, "{report}");
    for program in &programs {
        assert_eq!(report["cache"][program], "bid", "{report}");
        assert!(cached(program), "{program} is not cached");
    }
    let cached_gas = entry_gas();
    assert!(
        cached_gas < uncached_gas,
        "entering the cached market cost {cached_gas} gas, uncached {uncached_gas}"
    );

    // Another run finds them cached and sends nothing.
    let rerun = deploy(&[]);
    assert_eq!(rerun["transactions"], json!([]), "{rerun}");
    assert_eq!(rerun["status"], "already deployed");
    for program in &programs {
        assert_eq!(rerun["cache"][program], "already", "{rerun}");
    }
}

#[test]
fn a_cache_that_refuses_bids_is_reported_per_program_and_the_deployment_still_succeeds() {
    use alloy_sol_types::SolCall;
    use cloudless_abi::cache_manager::ICacheManager;

    // The dev node's CacheManager (`devnode::predeploys::CACHE_MANAGER`), owned by the first
    // dev account.
    const CACHE_MANAGER: &str = "0x000000000000000000000000000000000000cace";
    let node = NodeProcess::start(&[]);
    let out = tempfile::tempdir().unwrap();
    let owner = node.accounts[0].0;
    let as_owner = |data: Vec<u8>| {
        let tx =
            json!({"from": owner, "to": CACHE_MANAGER, "data": format!("0x{}", hex::encode(data))});
        call(&node.rpc_url, "eth_sendTransaction", json!([tx]));
    };
    let deploy = || {
        let (success, report, stderr) = deploy_contracts(&node, out.path());
        assert!(success, "deploy failed: {report}\n{stderr}");
        report
    };
    let all_skipped = |report: &Value, error: &str| {
        let cache = report["cache"].as_object().unwrap();
        assert_eq!(cache.len(), 6, "{report}");
        for (program, outcome) in cache {
            let outcome = outcome.as_str().unwrap();
            assert!(
                outcome.starts_with(&format!("skipped: {error}: ")),
                "{program}: {outcome}"
            );
        }
    };

    // Too small a cache for any program: named, nothing bid, the deployment complete.
    as_owner(ICacheManager::setCacheSizeCall { newSize: 1_000 }.abi_encode());
    let report = deploy();
    all_skipped(&report, "AsmTooLarge");
    let cache = report["cache"].as_object().unwrap();
    assert!(cache["market"].as_str().unwrap().contains("--no-cache"));
    assert_eq!(report["status"], "deployed");

    // Bids paused: named as well.
    as_owner(ICacheManager::setCacheSizeCall { newSize: 64 << 20 }.abi_encode());
    as_owner(ICacheManager::pausedCall {}.abi_encode());
    let report = deploy();
    all_skipped(&report, "BidsArePaused");
    assert_eq!(report["transactions"], json!([]), "{report}");

    // Once bids are taken again, a re-run places them.
    as_owner(ICacheManager::unpauseCall {}.abi_encode());
    let report = deploy();
    for (program, outcome) in report["cache"].as_object().unwrap() {
        assert_eq!(outcome, "bid", "{program}");
    }
}
