//! `cloudless console` in a real browser: headless Chromium, driven by playwright-core
//! (`cli/tests/clients/console_walk.mjs`), with an injected EIP-1193 wallet signing with dev
//! keys against a `cloudless devnode`. A provider registers, stakes and opens an offer; a
//! developer's deposit below the minimum is refused by name with the CLI's hint; the developer's
//! deployment is topped up, matched by a real keeper, called through the gateway and proven by
//! the provider node; the page follows the wallet's switch from the developer's account to the
//! provider's; the provider claims, is refused by name a second claim, an unstake past its stake
//! and an amount that is not a number, is refused every write while its wallet is on another
//! chain, then reprices and pauses its offer; the developer withdraws and cancels. The console's
//! ledger equals `audit replay`'s, and the Audit page plots the chosen deployment.
//! Screenshots of every page go to `$CARGO_TARGET_TMPDIR/console_browser/`.
//! Needs `cloudless contracts build`, `npm ci` and /usr/bin/chromium (scripts/test.sh installs it).

mod support;

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use serde_json::Value;
use support::{
    NodeProcess, Served, free_port,
    market::{KeeperProcess, Market},
};

/// The browser: `CHROMIUM`, else Debian's.
fn chromium() -> PathBuf {
    let path = PathBuf::from(std::env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into()));
    assert!(
        path.exists(),
        "no browser at {}: install Debian's (`apt-get install -y chromium`, as scripts/test.sh does) or set CHROMIUM",
        path.display()
    );
    path
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// `GET url` (or `POST body` as JSON): (status, content type, body).
fn fetch(url: &str, body: Option<&Value>) -> (u16, String, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let request = match body {
            Some(body) => client
                .post(url)
                .header("content-type", "application/json")
                .body(body.to_string()),
            None => client.get(url),
        };
        let answer = request.send().await.unwrap();
        let content_type = answer
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (
            answer.status().as_u16(),
            content_type,
            answer.text().await.unwrap(),
        )
    })
}

#[test]
fn a_provider_and_a_developer_walk_the_market_in_a_browser() {
    let chromium = chromium();
    assert!(
        repo().join("node_modules/playwright-core").is_dir(),
        "playwright-core is missing: run `npm ci --no-audit --no-fund` at the repository root"
    );
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console_browser");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();

    let node = NodeProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let market = Market::deploy(&node, dir.path(), &[1, 2]);
    let key = |i: usize| node.accounts[i].1.clone();
    let chain = ["--rpc-url", &market.rpc_url, "--manifest", &market.manifest];
    let mut keeper = KeeperProcess::start(&market, &key(9), &dir.path().join("k.sqlite"), &[]);
    let gateway = Served::start(&[&["gateway", "--listen", "127.0.0.1:0"], &chain[..]].concat());
    let console = Served::start(
        &[
            &[
                "console",
                "--listen",
                "127.0.0.1:0",
                "--gateway",
                &gateway.url,
            ],
            &chain[..],
        ]
        .concat(),
    );
    let provider_listen = format!("127.0.0.1:{}", free_port());
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&market.manifest).unwrap()).unwrap();
    let court = &manifest["court_params"];
    let windows =
        court["dispute_window"].as_u64().unwrap() + court["response_window"].as_u64().unwrap();

    let mut walk = Command::new("node")
        .arg(repo().join("cli/tests/clients/console_walk.mjs"))
        .current_dir(repo())
        .env("CONSOLE_URL", &console.url)
        .env("RPC_URL", &market.rpc_url)
        .env("CHROMIUM", &chromium)
        .env("SHOTS", &shots)
        .env("PROVIDER_KEY", key(1))
        .env("DEVELOPER_KEY", key(2))
        .env("PROVIDER_URL", format!("http://{provider_listen}"))
        .env("FUNCTION", &market.function)
        .env("EPOCHS_TO_CLAIM", (2 * (windows + 2)).to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs the walk");
    let mut answer = walk.stdin.take().unwrap();
    let mut steps = Vec::new();
    let mut provider_node = None;
    for line in BufReader::new(walk.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        eprintln!("walk: {line}");
        let step: Value = serde_json::from_str(&line).unwrap_or_else(|_| Value::String(line));
        if step["step"] == "provider registered" {
            let data = dir.path().join("provider");
            provider_node = Some(Served::start(
                &[
                    &["provider", "serve", "--private-key", &key(1)][..],
                    &[
                        "--listen",
                        &provider_listen,
                        "--data",
                        data.to_str().unwrap(),
                    ],
                    &["--poll-interval", "50"],
                    &chain,
                ]
                .concat(),
            ));
            writeln!(answer, "ok").unwrap();
        }
        steps.push(step);
    }
    let status = walk.wait().unwrap();
    let step = |name: &str| {
        steps
            .iter()
            .find(|s| s["step"] == name)
            .unwrap_or_else(|| panic!("the walk never reached {name:?}: {steps:#?}"))
    };
    assert!(
        status.success(),
        "the walk failed ({status}); screenshots in {}: {steps:#?}\nconsole: {}\nprovider node: {}",
        shots.display(),
        console.stderr(),
        provider_node
            .as_ref()
            .map(Served::stderr)
            .unwrap_or_default(),
    );

    let refused = step("refused");
    assert_eq!(refused["error"], "InsufficientDeposit", "{refused}");
    // The same deployment refused by the CLI: the page shows its hint.
    let (cli, _) = market.refused(
        Some(&key(2)),
        &[
            &["deploy", "create", "--instances", "1", "--regions", "0"][..],
            &["--max-price", "2000000", "--max-per-provider", "1"],
            &["--function", &market.function, "--deposit", "1"],
        ]
        .concat(),
    );
    let hint = format!("hint: {}", cli["hint"].as_str().unwrap());
    assert!(
        refused["text"].as_str().unwrap().contains(&hint),
        "the page shows the CLI's {hint:?}: {refused}"
    );
    let after = step("after the refusal");
    assert_eq!(
        (&after["deployments"], &after["allowance"]),
        (&serde_json::json!(0), &serde_json::json!("0")),
        "the refused deposit created nothing and approved nothing"
    );
    assert!(
        step("call")["status"]
            .as_str()
            .unwrap()
            .contains("receipt verified"),
        "{steps:#?}"
    );
    let provider_address = node.accounts[1].0.to_string();
    let switched = step("account switched");
    assert_eq!(
        switched["before"]["registered"], "no",
        "opened with the developer's account: {switched}"
    );
    assert!(
        switched["account"]
            .as_str()
            .is_some_and(|a| a.eq_ignore_ascii_case(&provider_address)),
        "the page follows the wallet's accountsChanged to the provider: {switched}"
    );
    let refusals = step("refusals");
    let named = |form: &str| refusals[form]["error"].as_str().unwrap_or_default();
    assert_eq!(
        (
            named("claimAgain"),
            named("unstakeTooMuch"),
            named("notANumber")
        ),
        ("NothingToClaim", "InsufficientStake", "BadInput"),
        "each refusal is named: {refusals}"
    );
    assert!(
        refusals["notANumber"]["text"]
            .as_str()
            .unwrap()
            .contains(r#"amount: "lots" is not an amount of"#),
        "the page names the field and what was typed: {refusals}"
    );
    assert_eq!(refusals["sent"], 0, "nothing refused was sent: {refusals}");
    let wrong = step("wrong chain");
    let chain_id = manifest["chain_id"].as_u64().unwrap();
    let warning = wrong["warning"].as_str().unwrap();
    assert!(
        warning.contains("WrongChain")
            && warning.contains("the wallet is on chain 1,")
            && warning.contains(&format!("(chain {chain_id})")),
        "the page names the wallet's chain and its own: {wrong}"
    );
    assert_eq!(
        (&wrong["refused"]["error"], &wrong["sent"]),
        (&serde_json::json!("WrongChain"), &serde_json::json!(0)),
        "a write on the wrong chain is refused and nothing is sent: {wrong}"
    );
    assert_eq!(
        step("phone")["overflow"],
        0,
        "no sideways scroll at phone width"
    );
    assert_eq!(step("done")["pageErrors"], serde_json::json!([]));

    // What the page did is on the chain: the placement proven, the pay claimed, the offer
    // repriced and paused, the deployment topped up, drawn from and cancelled.
    let offer = &market.offers()[0];
    assert_eq!(
        (&offer["price"], &offer["capacity"], &offer["status"]),
        (
            &serde_json::json!("1500000"),
            &serde_json::json!(3),
            &serde_json::json!("Paused")
        ),
        "{offer}"
    );
    let placements = market.ok(Some(&key(1)), &["provider", "placements"]);
    assert!(
        support::market::amount(&placements["claimable"]) == 0,
        "everything claimable was claimed: {placements}"
    );
    let status = market.status(1);
    assert_eq!(status["placed"], 1, "{status}");
    assert!(!status["end_epoch"].is_null(), "cancelled: {status}");

    // The Audit page's ledger is `audit replay`'s, at the same head.
    drop(provider_node);
    keeper.stop();
    let out = dir.path().join("audit");
    market.ok(None, &["audit", "replay", "--out", out.to_str().unwrap()]);
    let replayed: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("ledger.json")).unwrap()).unwrap();
    let (status, _, served) = fetch(&format!("{}/api/ledger", console.url), None);
    assert_eq!(status, 200, "{served}");
    let served: Value = serde_json::from_str(&served).unwrap();
    assert_eq!(served, replayed, "the console's ledger is the replay's");
    let (status, content_type, plot) = fetch(&format!("{}/api/ledger.svg", console.url), None);
    assert_eq!(
        (status, content_type.as_str()),
        (200, "image/svg+xml"),
        "{plot}"
    );
    assert!(
        plot == std::fs::read_to_string(out.join("ledger.svg")).unwrap(),
        "the console's plot of every deployment is the replay's ledger.svg"
    );
    // The Audit page drew the chosen deployment's plot; it is not the whole market's and names
    // the deployment, as the provider's names the provider.
    let audit_plot = step("audit plot");
    assert!(
        audit_plot["src"]
            .as_str()
            .is_some_and(|src| src.starts_with("/api/ledger.svg?deployment=1&")),
        "{audit_plot}"
    );
    let (status, _, one) = fetch(
        &format!("{}/api/ledger.svg?deployment=1", console.url),
        None,
    );
    assert_eq!(status, 200, "{one}");
    assert_ne!(one, plot, "deployment 1's plot is not the whole market's");
    assert!(
        one.contains("Deployment 1:"),
        "the plot names deployment 1: {one}"
    );
    let (status, _, theirs) = fetch(
        &format!("{}/api/ledger.svg?provider={provider_address}", console.url),
        None,
    );
    assert_eq!(status, 200, "{theirs}");
    assert!(
        theirs.contains(&provider_address),
        "the plot names the provider: {theirs}"
    );
    let (status, _, both) = fetch(
        &format!(
            "{}/api/ledger.svg?deployment=1&provider={provider_address}",
            console.url
        ),
        None,
    );
    assert_eq!(status, 400, "one subject at a time: {both}");
    let row = &served["deployments"]["1"];
    assert_eq!(
        (
            &row["funded"],
            &row["withdrawn"],
            &row["cancelled"].is_null()
        ),
        (
            &serde_json::json!("5000000"),
            &serde_json::json!("2000000"),
            &false
        ),
        "{row}"
    );
    let claimed = served["claimed"].as_object().unwrap();
    assert!(
        claimed
            .keys()
            .any(|account| account.eq_ignore_ascii_case(&provider_address)),
        "the provider's claim is in the ledger: {served}"
    );

    // Revert data that is not hex is refused by name.
    let bad = serde_json::json!({ "action": "createDeployment", "data": "zz" });
    let (status, _, refusal) = fetch(&format!("{}/api/revert", console.url), Some(&bad));
    assert_eq!(status, 400, "{refusal}");
    assert!(refusal.contains("is not hex"), "{refusal}");
}
