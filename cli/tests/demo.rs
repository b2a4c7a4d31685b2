//! `cloudless demo --json` as a subprocess: the statement it prints must show the market
//! working (cheapest eligible capacity first, an eviction with slashing, a provider convicted
//! on a user's receipt and its instances placed again, a sample answered, an underfunded
//! deployment closed, a cancelled one ended, earnings equal to the proofs' payments minus fees,
//! every answer the users hold proven or convicted, held pay matured and claimed), every token
//! accounted for, and the same bytes on a second run.
//! Needs `cloudless contracts build` (the demo builds the contracts itself when they are
//! missing, which takes minutes).

mod support;

use std::process::Command;

use serde_json::Value;
use support::market::amount;

/// Runs the demo; returns its stdout.
fn demo() -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_cloudless"))
        .args(["demo", "--json"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the cloudless binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "cloudless demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn rows<'a>(statement: &'a Value, key: &str) -> &'a Vec<Value> {
    statement[key].as_array().unwrap()
}

fn total<'a>(values: impl Iterator<Item = &'a Value>) -> u128 {
    values.map(amount).sum()
}

#[test]
fn the_demo_plays_a_market_round_and_accounts_for_every_token() {
    let text = demo();
    let statement: Value = serde_json::from_str(&text).expect("one JSON document");
    let placements = rows(&statement, "placements");
    let providers = rows(&statement, "providers");
    let deployments = rows(&statement, "deployments");
    let offers = rows(&statement, "offers");

    // Conservation, recomputed from its parts and from the per-account rows.
    let c = &statement["conservation"];
    let parts = [
        "wallets",
        "stake",
        "unbonding",
        "deployment_balances",
        "claimables",
        "pending",
        "treasury",
        "bonds",
    ];
    assert_eq!(amount(&c["minted"]), total(parts.iter().map(|p| &c[*p])));
    let accounts = rows(&statement, "accounts");
    assert_eq!(
        amount(&c["wallets"]),
        total(accounts.iter().map(|a| &a["wallet"]))
    );
    assert_eq!(
        amount(&c["stake"]),
        total(providers.iter().map(|p| &p["stake"]))
    );
    assert_eq!(amount(&c["treasury"]), amount(&statement["treasury"]));
    assert!(c["holds"].as_bool().unwrap() && c["registry_holds"].as_bool().unwrap());
    assert!(c["market_holds"].as_bool().unwrap());

    // The spread deployment's first placements went to the cheapest eligible offers, in
    // price order, each within its per-provider cap.
    let spread = &deployments[0];
    let regions: Vec<&Value> = spread["regions"].as_array().unwrap().iter().collect();
    let mut eligible: Vec<&Value> = offers
        .iter()
        .filter(|o| regions.contains(&&o["region"]))
        .filter(|o| amount(&o["price"]) <= amount(&spread["max_price"]))
        .collect();
    eligible.sort_by_key(|o| amount(&o["price"]));
    let first: Vec<&Value> = placements
        .iter()
        .filter(|p| p["deployment"] == spread["id"] && p["start_epoch"] == 1)
        .collect();
    assert!(first.len() >= 2, "spread over several providers: {first:?}");
    for (placement, offer) in first.iter().zip(&eligible) {
        assert_eq!(placement["provider"], offer["provider"]);
        assert_eq!(placement["price"], offer["price"]);
        assert!(placement["instances"].as_u64() <= spread["max_per_provider"].as_u64());
    }

    // One provider stopped proving: evicted, slashed into the deployment, instances re-placed
    // on another provider.
    let evicted: Vec<&Value> = placements
        .iter()
        .filter(|p| p["ended"] == "evicted")
        .collect();
    assert_eq!(evicted.len(), 1);
    let evicted = evicted[0];
    let slashed = amount(&evicted["slashed"]);
    assert!(slashed > 0);
    let loser = providers
        .iter()
        .find(|p| p["name"] == evicted["provider"])
        .unwrap();
    assert_eq!(amount(&loser["slashed"]), slashed);
    assert_eq!(statement["keeper"]["evictions"], 1);
    // What ended placements slashed went into their deployments.
    for d in deployments {
        let into = placements.iter().filter(|p| p["deployment"] == d["id"]);
        assert_eq!(
            amount(&d["slashed_in"]),
            total(into.map(|p| &p["slashed"])),
            "{d}"
        );
    }

    // One provider answered wrongly: a user's receipt convicted it in one transaction
    // (`disputeResult`); its stake was slashed (a share to the user), its held pay went back,
    // its placement ended, and its instances were placed again on another provider.
    let disputes = rows(&statement, "disputes");
    let frauds: Vec<&Value> = disputes.iter().filter(|d| d["kind"] == "result").collect();
    assert_eq!(frauds.len(), 1, "{disputes:?}");
    let fraud = frauds[0];
    assert_eq!(fraud["outcome"], "fraud");
    assert!(amount(&fraud["reward"]) > 0 && amount(&fraud["reward"]) < amount(&fraud["slashed"]));
    let convicted = placements
        .iter()
        .find(|p| p["id"] == fraud["placement"])
        .unwrap();
    assert_eq!(convicted["ended"], "fraud");
    assert_eq!(convicted["provider"], fraud["provider"]);
    let cheat = providers
        .iter()
        .find(|p| p["name"] == fraud["provider"])
        .unwrap();
    assert_eq!(amount(&cheat["slashed"]), amount(&fraud["slashed"]));
    assert_eq!(amount(&cheat["refunded"]), amount(&fraud["refunded"]));
    assert_eq!(
        amount(&convicted["slashed"]),
        amount(&fraud["slashed"]) - amount(&fraud["reward"]) + amount(&fraud["refunded"])
    );
    let replacement = placements
        .iter()
        .find(|p| {
            p["deployment"] == convicted["deployment"]
                && p["provider"] != convicted["provider"]
                && p["start_epoch"].as_u64() > fraud["epoch"].as_u64()
        })
        .expect("the convicted instances were placed again");
    assert_eq!(replacement["instances"], convicted["instances"]);
    // An honest provider answered a sample: the bond went to it, nothing was slashed.
    let sample = disputes.iter().find(|d| d["kind"] == "sample").unwrap();
    assert_eq!(sample["outcome"], "answered");
    assert_eq!(amount(&sample["slashed"]), 0);
    let honest = providers
        .iter()
        .find(|p| p["name"] == sample["provider"])
        .unwrap();
    assert_eq!(amount(&honest["bonds_won"]), amount(&sample["bond"]));

    // The underfunded deployment was closed by the keeper and ended with unpaid proofs; the
    // cancelled one ended.
    let closed = deployments.iter().find(|d| d["closed"] == true).unwrap();
    assert_eq!(closed["status"], "ended");
    assert_eq!(statement["keeper"]["closes"], 1);
    let unpaid = placements
        .iter()
        .filter(|p| p["deployment"] == closed["id"])
        .any(|p| amount(&p["owed"]) > 0);
    assert!(unpaid, "the underfunded deployment left proven epochs owed");
    let cancelled = deployments.iter().find(|d| d["cancelled"] == true).unwrap();
    assert_eq!(cancelled["status"], "ended");

    // Every proven epoch earned price × instances: paid (net of the protocol fee) or still
    // owed; each payment's fee is its floor share, so the fees lose under one unit a payment.
    // Every provider earned the sum of its placements' payments and claimed it.
    let fee_bps = u128::from(statement["fee_bps"].as_u64().unwrap());
    for p in placements {
        let proofs = u128::from(p["epochs_proven"].as_u64().unwrap());
        let earned = amount(&p["price"]) * u128::from(p["instances"].as_u64().unwrap()) * proofs;
        let (paid, fees, owed) = (amount(&p["paid"]), amount(&p["fees"]), amount(&p["owed"]));
        assert_eq!(paid + fees + owed, earned, "{p}");
        let exact = (paid + fees) * fee_bps / 10_000;
        assert!(fees <= exact && exact - fees <= proofs, "{p}");
    }
    for provider in providers {
        let mine = || {
            placements
                .iter()
                .filter(|p| p["provider"] == provider["name"])
        };
        assert_eq!(
            amount(&provider["earned"]),
            total(mine().map(|p| &p["paid"]))
        );
        assert_eq!(
            amount(&provider["claimed"]) + amount(&provider["refunded"]),
            amount(&provider["earned"]) + amount(&provider["bonds_won"]),
            "{provider}"
        );
    }
    // Each deployment's ledger balances.
    for d in deployments {
        let credits = total(
            ["deposited", "topped_up", "slashed_in"]
                .iter()
                .map(|k| &d[*k]),
        );
        let debits = ["paid", "fees", "keeper_fees", "withdrawn", "balance"];
        assert_eq!(credits, total(debits.iter().map(|k| &d[*k])), "{d}");
    }
    assert_eq!(statement["keeper"]["txs_failed"], 0);

    // Every deployment runs its own function (an activated program, named by its code hash).
    let functions: std::collections::BTreeSet<&str> = deployments
        .iter()
        .map(|d| d["artifact"].as_str().unwrap())
        .collect();
    assert_eq!(functions.len(), deployments.len(), "one function each");
    for d in deployments {
        let program: alloy::primitives::Address = d["function"].as_str().unwrap().parse().unwrap();
        assert!(!program.is_zero(), "{d}");
        let mine = placements.iter().filter(|p| p["deployment"] == d["id"]);
        let served: u64 = mine.map(|p| p["receipts"].as_u64().unwrap()).sum();
        assert_eq!(d["receipts"].as_u64(), Some(served), "{d}");
    }
    // The users called through the gateway: every answer they hold is under a proven root,
    // except those of the convicted placement; the proven receipts add up per provider.
    let calls = &statement["invocations"];
    let count = |key: &str| calls[key].as_u64().unwrap();
    assert!(count("answered") > 0 && count("wrong") > 0);
    assert_eq!(
        count("answered"),
        count("answered_proven") + count("answered_convicted")
    );
    assert!(count("answered_convicted") >= count("wrong"));
    let per_provider = calls["per_provider"].as_object().unwrap();
    for provider in providers {
        let mine = placements
            .iter()
            .filter(|p| p["provider"] == provider["name"])
            .map(|p| p["receipts"].as_u64().unwrap());
        let name = provider["name"].as_str().unwrap();
        assert_eq!(per_provider[name].as_u64(), Some(mine.sum()), "{name}");
    }
    assert_eq!(
        count("total"),
        per_provider
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum::<u64>()
    );
    // The keeper verified every proof, fetching and re-running every leaf (sample rate 1).
    let keeper = &statement["keeper"];
    let proofs: u64 = placements
        .iter()
        .map(|p| p["epochs_proven"].as_u64().unwrap())
        .sum();
    assert_eq!(keeper["proofs_verified"].as_u64(), Some(proofs));
    assert_eq!(keeper["leaves_sampled"].as_u64(), Some(count("total")));
    // The demo audited its own chain: every block re-executed in the harness equals the node,
    // and the ledger keeps the protocol's invariants.
    let audit = &statement["audit"];
    assert!(audit["transactions"].as_u64() > Some(0));
    for key in ["receipts_equal", "state_equal", "invariants_hold"] {
        assert_eq!(audit[key], true, "{audit}");
    }
    assert_eq!(audit["violations"], serde_json::json!([]));
    let sha = audit["ledger_sha256"].as_str().unwrap();
    assert!(sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()));
    // Held pay matured before the claims: nothing is left pending.
    for provider in providers {
        assert_eq!(amount(&provider["pending"]), 0, "{provider}");
    }

    // Time is controlled and the keeper reacts to every step: a rerun is byte-identical.
    assert_eq!(demo(), text, "a second run printed another statement");
}
