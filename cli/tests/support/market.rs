//! A marketplace driven through the `cloudless` binary, and `cloudless keeper run`
//! subprocesses: what the keeper tests share.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    thread,
    time::{Duration, Instant},
};

use alloy::primitives::{Address, Bytes};
use alloy_sol_types::SolCall;
use serde_json::{Value, json};

use super::{NodeProcess, call, quantity};

/// The binary with `args`; returns (success, last stdout line as JSON, stderr).
pub fn cloudless(args: &[&str]) -> (bool, Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_cloudless"))
        .args(args)
        .env_remove("ETH_RPC_URL")
        .env_remove("CLOUDLESS_PRIVATE_KEY")
        .env_remove("CLOUDLESS_MANIFEST")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the cloudless binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = stdout
        .lines()
        .last()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {stdout}")))
        .unwrap_or(Value::Null);
    (output.status.success(), json, stderr)
}

/// An amount field of the CLI's JSON (a decimal string of base units).
pub fn amount(value: &Value) -> u128 {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not an amount"))
        .parse()
        .unwrap()
}

/// `cloudless contracts deploy --json` by the node's first account into `out`: (success, last
/// stdout line as JSON, stderr).
pub fn deploy_contracts(node: &NodeProcess, out: &Path) -> (bool, Value, String) {
    deploy_contracts_with(node, out, &[])
}

/// [`deploy_contracts`] with `extra` flags.
pub fn deploy_contracts_with(
    node: &NodeProcess,
    out: &Path,
    extra: &[&str],
) -> (bool, Value, String) {
    let mut args = vec![
        "contracts",
        "deploy",
        "--rpc-url",
        &node.rpc_url,
        "--private-key",
        &node.accounts[0].1,
        "--out",
        out.to_str().unwrap(),
        "--json",
    ];
    args.extend(extra);
    cloudless(&args)
}

/// The `action` of every transaction in a CLI `--json` report, in order.
pub fn actions(report: &Value) -> Vec<&str> {
    report["transactions"]
        .as_array()
        .expect("a transactions list")
        .iter()
        .map(|tx| tx["action"].as_str().expect("an action"))
        .collect()
}

/// `cloudless function deploy notify` by the node's first account: the function the tests'
/// deployments run. Returns its address.
pub fn deploy_notify(node: &NodeProcess) -> String {
    let (success, deployed, stderr) = cloudless(&[
        "function",
        "deploy",
        "notify",
        "--rpc-url",
        &node.rpc_url,
        "--private-key",
        &node.accounts[0].1,
        "--json",
    ]);
    assert!(success, "function deploy failed: {deployed}\n{stderr}");
    deployed["address"].as_str().unwrap().to_owned()
}

/// A deployed marketplace on a dev node.
pub struct Market {
    /// The node's URL.
    pub rpc_url: String,
    /// The manifest `contracts deploy` wrote.
    pub manifest: String,
    /// The market's address.
    pub market: Address,
    /// The registry's address.
    pub registry: Address,
    /// Seconds per epoch.
    pub epoch_length: u64,
    /// The function its deployments run ([`deploy_notify`]).
    pub function: String,
}

impl Market {
    /// Deploys the marketplace with dev account 0 into `out` and mints 10,000 tokens to each
    /// of the dev accounts `funded`.
    pub fn deploy(node: &NodeProcess, out: &Path, funded: &[usize]) -> Market {
        let (success, deployed, stderr) = deploy_contracts(node, out);
        assert!(success, "deploy failed: {deployed}\n{stderr}");
        let market = Market::open(node, &deployed);
        for &i in funded {
            let to = node.accounts[i].0.to_string();
            market.ok(
                Some(&node.accounts[0].1),
                &["token", "mint", &to, "10000000000"],
            );
        }
        market
    }

    /// The marketplace `contracts deploy --json` reported as `deployed`, with the notify
    /// function deployed for it.
    pub fn open(node: &NodeProcess, deployed: &Value) -> Market {
        let mut market = Market {
            rpc_url: node.rpc_url.clone(),
            manifest: deployed["manifest"].as_str().unwrap().to_owned(),
            market: deployed["market"].as_str().unwrap().parse().unwrap(),
            registry: Address::ZERO,
            epoch_length: 0,
            function: deploy_notify(node),
        };
        let params = market.ok(None, &["market", "params"]);
        market.registry = params["registry"].as_str().unwrap().parse().unwrap();
        market.epoch_length = params["epoch_length"].as_u64().unwrap();
        market
    }

    /// Runs `args` and asserts it fails; returns its JSON error and stderr.
    pub fn refused(&self, key: Option<&str>, args: &[&str]) -> (Value, String) {
        let (success, json, stderr) = cloudless(&self.args(key, args));
        assert!(!success, "cloudless {args:?} should fail: {json}");
        (json, stderr)
    }

    /// The token balance of `account` (base units).
    pub fn balance(&self, account: &str) -> u128 {
        amount(&self.ok(None, &["token", "balance", account])["balance"])
    }

    /// Runs `args` with the chain flags, signed by `key`; asserts success.
    pub fn ok(&self, key: Option<&str>, args: &[&str]) -> Value {
        let (success, json, stderr) = cloudless(&self.args(key, args));
        assert!(success, "cloudless {args:?} failed: {json}\n{stderr}");
        json
    }

    fn args<'a>(&'a self, key: Option<&'a str>, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = args.to_vec();
        all.extend([
            "--rpc-url",
            &self.rpc_url,
            "--manifest",
            &self.manifest,
            "--json",
        ]);
        if let Some(key) = key {
            all.extend(["--private-key", key]);
        }
        all
    }

    /// Registers the provider `key`, stakes the minimum and opens one offer per
    /// `(price, capacity, region)`; returns the offer ids.
    pub fn provider(&self, key: &str, offers: &[(u128, u32, u8)]) -> Vec<u64> {
        let min_stake = self.ok(None, &["market", "params"])["min_stake"]
            .as_str()
            .unwrap()
            .to_owned();
        self.ok(Some(key), &["provider", "register"]);
        self.ok(Some(key), &["provider", "stake", &min_stake]);
        offers
            .iter()
            .map(|(price, capacity, region)| {
                let (price, capacity, region) =
                    (price.to_string(), capacity.to_string(), region.to_string());
                let created = self.ok(
                    Some(key),
                    &[
                        "provider",
                        "offer",
                        "create",
                        "--price",
                        &price,
                        "--capacity",
                        &capacity,
                        "--region",
                        &region,
                    ],
                );
                created["offer_id"].as_u64().unwrap()
            })
            .collect()
    }

    /// Creates a deployment of `instances` in region 0 at up to `max_price`, with `deposit`;
    /// returns (deployment id, the block that created it).
    pub fn deployment(
        &self,
        key: &str,
        instances: u32,
        max_price: u128,
        deposit: u128,
    ) -> (u64, u64) {
        let (instances, max_price, deposit) = (
            instances.to_string(),
            max_price.to_string(),
            deposit.to_string(),
        );
        let created = self.ok(
            Some(key),
            &[
                "deploy",
                "create",
                "--instances",
                &instances,
                "--regions",
                "0",
                "--max-price",
                &max_price,
                "--deposit",
                &deposit,
                "--function",
                &self.function,
            ],
        );
        let txs = created["transactions"].as_array().unwrap();
        let block = txs.last().unwrap()["block"].as_u64().unwrap();
        (created["deployment_id"].as_u64().unwrap(), block)
    }

    /// `deploy status ID`.
    pub fn status(&self, id: u64) -> Value {
        self.ok(None, &["deploy", "status", &id.to_string()])
    }

    /// Every offer, by id order.
    pub fn offers(&self) -> Vec<Value> {
        self.ok(None, &["market", "offers", "--all"])["offers"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Moves the clock `epochs` epochs forward and mines a block.
    pub fn advance(&self, epochs: u64) {
        call(
            &self.rpc_url,
            "evm_increaseTime",
            json!([epochs * self.epoch_length]),
        );
        call(&self.rpc_url, "evm_mine", json!([]));
    }

    /// Calls a view of the market.
    pub fn view<C: SolCall>(&self, call_data: C) -> C::Return {
        let data = Bytes::from(call_data.abi_encode());
        let out = call(
            &self.rpc_url,
            "eth_call",
            json!([{"to": self.market.to_string(), "data": data.to_string()}, "latest"]),
        );
        let out: Bytes = out.as_str().unwrap().parse().unwrap();
        C::abi_decode_returns(&out).expect("decodable view")
    }
}

/// The head block number.
pub fn head(rpc_url: &str) -> u64 {
    quantity(&call(rpc_url, "eth_blockNumber", json!([])))
}

/// Polls `check` every 50 ms until it returns `Some` or `timeout` passes (then panics with
/// `what`).
pub fn wait_for<T>(timeout: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// Transactions sent by `from` in blocks `first..=last`: (block, nonce, succeeded).
pub fn txs_from(rpc_url: &str, from: Address, first: u64, last: u64) -> Vec<(u64, u64, bool)> {
    let mut found = Vec::new();
    for n in first..=last {
        let block = call(
            rpc_url,
            "eth_getBlockByNumber",
            json!([format!("{n:#x}"), true]),
        );
        for tx in block["transactions"].as_array().unwrap() {
            if tx["from"].as_str().unwrap().parse::<Address>().unwrap() == from {
                let hash = tx["hash"].as_str().unwrap();
                let receipt = call(rpc_url, "eth_getTransactionReceipt", json!([hash]));
                found.push((n, quantity(&tx["nonce"]), quantity(&receipt["status"]) == 1));
            }
        }
    }
    found
}

/// A running `cloudless keeper run --json` child.
pub struct KeeperProcess {
    /// Where it serves `/metrics` and `/healthz`.
    pub metrics: String,
    /// Its journal.
    pub journal: PathBuf,
    child: Option<Child>,
    stderr: Arc<Mutex<String>>,
}

impl KeeperProcess {
    /// Starts a keeper signing with `key` on `market`, journaling to `journal`.
    pub fn start(market: &Market, key: &str, journal: &Path, extra: &[&str]) -> KeeperProcess {
        Self::start_with_env(market, key, journal, extra, &[])
    }

    /// As [`KeeperProcess::start`], with extra environment variables (test hooks).
    pub fn start_with_env(
        market: &Market,
        key: &str,
        journal: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> KeeperProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cloudless"))
            .args([
                "keeper",
                "run",
                "--json",
                "--poll-interval",
                "50",
                "--metrics-addr",
                "127.0.0.1:0",
            ])
            .args(["--rpc-url", &market.rpc_url, "--manifest", &market.manifest])
            .args(["--private-key", key, "--journal", journal.to_str().unwrap()])
            .args(extra)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn cloudless keeper run");
        let stderr = super::capture_stderr(&mut child);
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap_or(0);
        let ready: Value = serde_json::from_str(line.trim()).unwrap_or_else(|_| {
            let _ = child.kill();
            thread::sleep(Duration::from_millis(100));
            panic!("keeper did not start: {line}\n{}", stderr.lock().unwrap())
        });
        KeeperProcess {
            metrics: ready["metrics"].as_str().unwrap().to_owned(),
            journal: journal.to_owned(),
            child: Some(child),
            stderr,
        }
    }

    /// What it logged so far.
    pub fn logs(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// `GET path` on its metrics server: (status line, body).
    pub fn get(&self, path: &str) -> (String, String) {
        let url = format!("http://{}", self.metrics);
        let text = super::exchange_path(&url, "GET", path);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        (
            head.lines().next().unwrap_or("").to_owned(),
            body.to_owned(),
        )
    }

    /// A counter or gauge from `/metrics`.
    pub fn metric(&self, name: &str) -> f64 {
        let (_, body) = self.get("/metrics");
        body.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no metric {name} in {body}"))
    }

    /// Waits until it aborts (SIGABRT, as `std::process::abort` does); panics with `what` and
    /// its logs if it exits otherwise or is still running after `timeout`.
    pub fn wait_abort(&mut self, timeout: Duration, what: &str) {
        use std::os::unix::process::ExitStatusExt;
        let child = self.child.as_mut().expect("the keeper was already stopped");
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = child.try_wait().expect("poll the keeper process") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the keeper never crashed at {what} within {timeout:?}:\n{}",
                self.logs()
            );
            thread::sleep(Duration::from_millis(20));
        };
        self.child = None;
        assert_eq!(
            status.signal(),
            Some(6),
            "the keeper was to abort at {what} but exited with {status}:\n{}",
            self.logs()
        );
    }

    /// Waits until a poll that started after this call found nothing to send or in flight
    /// (every job it journaled is settled), then SIGTERMs it.
    pub fn stop_when_idle(&mut self, timeout: Duration) {
        let start = self.metric("keeper_polls_total");
        wait_for(timeout, "the keeper idle", || {
            (self.metric("keeper_polls_total") >= start + 2.0 && self.metric("keeper_idle") == 1.0)
                .then_some(())
        });
        self.stop();
    }

    /// SIGKILLs it.
    pub fn kill(&mut self) {
        super::kill(&mut self.child);
    }

    /// SIGTERMs it and asserts a clean exit.
    pub fn stop(&mut self) {
        let stderr = self.stderr.clone();
        super::terminate(&mut self.child, || stderr.lock().unwrap().clone());
    }
}

impl Drop for KeeperProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The contracts' views after a round, compared between runs. Block numbers and timestamps
/// are left out (they differ when a keeper crashed or raced); everything they decide — epochs,
/// balances, statuses, placements and their ids, offers' use, claimables, treasury — is in.
/// Keeper fees are summed over `keepers` (which keeper won a race does not matter).
pub fn final_state(market: &Market, providers: &[Address], keepers: &[Address]) -> Value {
    use cloudless_abi::market::IMarket;
    let deployments = market.view(IMarket::deploymentCountCall {});
    let placements = market.view(IMarket::placementCountCall {});
    let claimable = |a: Address| {
        market
            .view(IMarket::claimableCall { account: a })
            .to_string()
    };
    let keeper_fees: alloy::primitives::U256 = keepers
        .iter()
        .map(|&a| market.view(IMarket::claimableCall { account: a }))
        .sum();
    json!({
        "deployments": (1..=deployments)
            .map(|id| format!("{:?}", market.view(IMarket::deploymentStateCall { deploymentId: id })))
            .collect::<Vec<_>>(),
        "placements": (1..=placements)
            .map(|id| format!("{:?}", market.view(IMarket::placementCall { placementId: id })))
            .collect::<Vec<_>>(),
        "offers": market.offers(),
        "providers": providers.iter().map(|&a| claimable(a)).collect::<Vec<_>>(),
        "keeper_fees": keeper_fees.to_string(),
        "treasury": market.view(IMarket::treasuryCall {}).to_string(),
    })
}

/// Where [`scripted_round`] is when it calls its hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    /// Providers and offers exist, no deployment yet.
    Start,
    /// Step n's action was just sent.
    Acted(usize),
    /// Step n's expected effect is on chain.
    Done(usize),
}

/// A scripted round played against whatever keepers `hook` runs: two providers, three
/// deployments (one that never fits), a cancel, and epochs without proofs: the cheap provider
/// is evicted, the cancelled deployment's placement finalized, and the evicted instances
/// matched again on the dear offer. `hook` runs at each [`Moment`]: `Start` is before the first
/// deployment (start keepers there), `Acted(step)` after each action, `Done(step)` once the
/// keepers' expected effect of steps 1, 2 and 4 is on chain (step 3 expects nothing: its
/// deployment never fits, and its cancel only matters after step 4's epochs). Returns the
/// final state.
pub fn scripted_round(
    node: &NodeProcess,
    dir: &Path,
    hook: &mut dyn FnMut(&Market, Moment),
) -> Value {
    use cloudless_abi::market::IMarket;
    let timeout = Duration::from_secs(25);
    let market = Market::deploy(node, dir, &[1, 2, 3]);
    let key = |i: usize| node.accounts[i].1.clone();
    market.provider(&key(1), &[(2_000_000, 4, 0)]);
    market.provider(&key(2), &[(1_000_000, 3, 0)]);
    hook(&market, Moment::Start);
    let placed = |id: u64, n: u32| {
        wait_for(timeout, &format!("deployment {id} placed {n}"), || {
            (market
                .view(IMarket::deploymentStateCall { deploymentId: id })
                .placed
                == n)
                .then_some(())
        })
    };
    let (d1, _) = market.deployment(&key(3), 3, 3_000_000, 100_000_000);
    hook(&market, Moment::Acted(1));
    placed(d1, 3);
    hook(&market, Moment::Done(1));
    let (d2, _) = market.deployment(&key(3), 2, 3_000_000, 100_000_000);
    hook(&market, Moment::Acted(2));
    placed(d2, 2);
    hook(&market, Moment::Done(2));
    // Only the cheap offer is eligible at this price, and it is full: never matched.
    let (d3, _) = market.deployment(&key(3), 2, 1_500_000, 100_000_000);
    hook(&market, Moment::Acted(3));
    market.ok(Some(&key(3)), &["deploy", "cancel", &d2.to_string()]);
    market.advance(6);
    hook(&market, Moment::Acted(4));
    wait_for(timeout, "eviction, finalization and the new match", || {
        let live = |id| market.view(IMarket::placementCall { placementId: id }).live;
        (market.view(IMarket::placementCountCall {}) == 3 && !live(1) && !live(2) && live(3))
            .then_some(())
    });
    placed(d1, 3);
    hook(&market, Moment::Done(4));
    let spec = market.view(IMarket::deploymentStateCall { deploymentId: d3 });
    assert_eq!(spec.placed, 0, "deployment {d3} never fits");
    for id in 1..=market.view(IMarket::deploymentCountCall {}) {
        let state = market.view(IMarket::deploymentStateCall { deploymentId: id });
        let instances = market
            .view(IMarket::deploymentSpecCall { deploymentId: id })
            .instances;
        assert!(state.placed <= instances, "deployment {id} over its target");
    }
    final_state(
        &market,
        &[node.accounts[1].0, node.accounts[2].0],
        &[node.accounts[8].0, node.accounts[9].0],
    )
}

/// Asserts that `from`'s mined transactions use the nonces 0..n exactly once each and returns
/// them.
pub fn contiguous_nonces(rpc_url: &str, from: Address) -> Vec<(u64, u64, bool)> {
    let txs = txs_from(rpc_url, from, 0, head(rpc_url));
    let nonces: Vec<u64> = txs.iter().map(|t| t.1).collect();
    assert_eq!(
        nonces,
        (0..txs.len() as u64).collect::<Vec<_>>(),
        "nonces of {from}"
    );
    let count = quantity(&call(
        rpc_url,
        "eth_getTransactionCount",
        json!([from.to_string(), "latest"]),
    ));
    assert_eq!(count, txs.len() as u64);
    txs
}
