//! `cloudless provider serve` against a dev node process: a provider registered with its
//! node's URL, a worker key, a deployment of the notify function matched onto its offer. The
//! node answers with receipts that verify, refuses bad input with its documented errors, keeps
//! every receipt and its sequence across a `kill -9`, proves the epoch with the root of the
//! receipts the callers hold (and an epoch without requests with count 0), and answers a
//! sample challenge and an inclusion dispute by itself. Needs `cloudless contracts build`.

mod support;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::{
    network::TransactionBuilder,
    providers::{Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use alloy_sol_types::{SolCall, SolEvent, SolValue};
use cloudless_abi::{
    court::{DisputeStatus, ICourt, ProofRef, Receipt},
    market::{IMarket, IRegistry},
    merkle,
    receipt::{digest, domain_separator},
};
use cloudless_client::receipts::recover;
use serde_json::{Value, json};
use support::{
    NodeProcess, Served, call, capture_stderr, free_port, kill,
    market::{KeeperProcess, Market, cloudless, wait_for},
};

const TIMEOUT: Duration = Duration::from_secs(30);
const REQUEST: &[u8] = b"name=Ada\n---\nHi {{name}}!";
const MAX_REQUEST: usize = 4096;

/// A `cloudless provider serve --json` child.
struct ProviderNode {
    url: String,
    child: Option<Child>,
    stderr: Arc<Mutex<String>>,
}

impl ProviderNode {
    fn start(market: &Market, worker: &str, data: &Path, port: u16) -> ProviderNode {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cloudless"))
            .args(["provider", "serve", "--rpc-url", &market.rpc_url])
            .args(["--manifest", &market.manifest, "--private-key", worker])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--data", data.to_str().unwrap()])
            .args(["--max-request", &MAX_REQUEST.to_string()])
            .args(["--poll-interval", "50", "--json"])
            .env_remove("ETH_RPC_URL")
            .env_remove("CLOUDLESS_PRIVATE_KEY")
            .env_remove("CLOUDLESS_MANIFEST")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn cloudless provider serve");
        let stderr = capture_stderr(&mut child);
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let ready: Value = serde_json::from_str(line.trim()).unwrap_or_else(|_| {
            let _ = child.wait();
            panic!("no ready line: {line}\n{}", stderr.lock().unwrap())
        });
        ProviderNode {
            url: ready["url"].as_str().unwrap().to_owned(),
            child: Some(child),
            stderr,
        }
    }

    fn logs(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for ProviderNode {
    fn drop(&mut self) {
        kill(&mut self.child);
    }
}

/// One HTTP exchange: status, headers, body.
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// A blocking face on an async HTTP client.
struct Http {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Http {
    fn new() -> Http {
        Http {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            // No pooled connections: the node is killed and restarted on the same port.
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
        }
    }

    fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        self.runtime.block_on(async {
            let response = request.send().await.expect("the node answers");
            Reply {
                status: response.status().as_u16(),
                headers: response.headers().clone(),
                body: response.bytes().await.unwrap().to_vec(),
            }
        })
    }

    fn post(&self, url: &str, body: &[u8]) -> Reply {
        self.send(self.client.post(url).body(body.to_vec()))
    }

    fn get(&self, url: &str) -> Reply {
        self.send(self.client.get(url))
    }
}

fn eth_call(market: &Market, to: Address, data: Vec<u8>) -> Bytes {
    let out = call(
        &market.rpc_url,
        "eth_call",
        json!([{"to": to.to_string(), "data": Bytes::from(data).to_string()}, "latest"]),
    );
    out.as_str().unwrap().parse().unwrap()
}

/// A receipt the caller checked (the worker signed it, for this body), with its signature.
fn verified(reply: &Reply, chain_id: u64, market: Address, worker: Address) -> (Receipt, Bytes) {
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let encoded: Bytes = reply.header("cloudless-receipt").parse().unwrap();
    assert_eq!(encoded.len(), 5 * 32, "five ABI words");
    let receipt = Receipt::abi_decode(&encoded).unwrap();
    let signature: Bytes = reply.header("cloudless-signature").parse().unwrap();
    assert!(matches!(signature.as_ref()[64], 27 | 28));
    assert_eq!(
        recover(chain_id, market, &receipt, &signature).unwrap(),
        worker
    );
    assert_eq!(receipt.requestHash, keccak256(REQUEST));
    assert_eq!(receipt.responseHash, keccak256(&reply.body));
    assert_eq!(
        reply.header("cloudless-placement"),
        receipt.placementId.to_string()
    );
    assert_eq!(reply.header("cloudless-epoch"), receipt.epoch.to_string());
    (receipt, signature)
}

/// A dev node with the marketplace, a provider registered with its node's URL (on `port`),
/// staked, with an offer and a worker key (dev account 2), and a deployment of notify matched
/// onto the offer (placement `placement`, starting next epoch).
struct Setup {
    node: NodeProcess,
    dir: tempfile::TempDir,
    market: Market,
    http: Http,
    port: u16,
    base: String,
    worker: Address,
    deployment: u64,
    placement: u64,
}

impl Setup {
    fn new() -> Setup {
        let node = NodeProcess::start(&[]);
        let dir = tempfile::tempdir().unwrap();
        let market = Market::deploy(&node, dir.path(), &[1, 3]);
        let key = |i: usize| node.accounts[i].1.clone();
        let (provider, worker) = (node.accounts[1].0, node.accounts[2].0);
        let http = Http::new();

        // The provider registers with its node's URL, stakes, offers and adds a worker key.
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        market.ok(Some(&key(1)), &["provider", "register", "--url", &base]);
        let metadata = eth_call(
            &market,
            market.registry,
            IRegistry::providerMetadataCall { provider }.abi_encode(),
        );
        assert_eq!(
            IRegistry::providerMetadataCall::abi_decode_returns(&metadata).unwrap(),
            base,
            "the metadata is the node's URL"
        );
        let min_stake = market.ok(None, &["market", "params"])["min_stake"]
            .as_str()
            .unwrap()
            .to_owned();
        market.ok(Some(&key(1)), &["provider", "stake", &min_stake]);
        let offer = market.ok(
            Some(&key(1)),
            &[
                "provider",
                "offer",
                "create",
                "--price",
                "1000000",
                "--capacity",
                "2",
            ],
        )["offer_id"]
            .as_u64()
            .unwrap();
        market.ok(
            Some(&key(1)),
            &["provider", "worker", "add", &worker.to_string()],
        );
        let (deployment, _) = market.deployment(&key(3), 1, 3_000_000, 100_000_000);
        let matched = market.ok(
            Some(&key(0)),
            &[
                "market",
                "match",
                "--deployment",
                &deployment.to_string(),
                "--offer",
                &format!("{offer}:1"),
            ],
        );
        let placement = matched["placement_ids"][0].as_u64().unwrap();
        Setup {
            node,
            dir,
            market,
            http,
            port,
            base,
            worker,
            deployment,
            placement,
        }
    }

    fn key(&self, i: usize) -> String {
        self.node.accounts[i].1.clone()
    }

    /// Starts the node on the worker key and waits until it serves the placement.
    fn serve(&self) -> ProviderNode {
        let data = self.dir.path().join("node");
        let serving = ProviderNode::start(&self.market, &self.key(2), &data, self.port);
        assert_eq!(serving.url, self.base);
        wait_for_node(&serving, "the node to see its placement", || {
            let h = self.http.get(&format!("{}/healthz", self.base));
            (h.status == 200 && h.json()["placements"] == json!([self.placement])).then_some(())
        });
        serving
    }

    /// Moves into the next epoch and waits until the node is there; returns the epoch.
    fn next_epoch(&self, serving: &ProviderNode) -> u64 {
        self.market.advance(1);
        let epoch = self.market.ok(None, &["market", "params"])["current_epoch"]
            .as_u64()
            .unwrap();
        wait_for_node(serving, "the node in the next epoch", || {
            let h = self.http.get(&format!("{}/healthz", self.base));
            (h.json()["epoch"] == epoch).then_some(())
        });
        epoch
    }

    fn invoke_url(&self) -> String {
        format!("{}/v1/deployments/{}", self.base, self.deployment)
    }

    /// The proof of `epoch` once its transaction is mined.
    fn mined_proof(&self, serving: &ProviderNode, epoch: u64) -> Value {
        let url = format!("{}/v1/proofs/{}/{epoch}", self.base, self.placement);
        wait_for_node(serving, "the proof to be mined", || {
            let proof = self.http.get(&url).json();
            (!proof["proofRef"].is_null()).then_some(proof)
        })
    }

    /// The `EpochProven` events of the placement.
    fn proven(&self) -> Vec<IMarket::EpochProven> {
        let logs = call(
            &self.market.rpc_url,
            "eth_getLogs",
            json!([{
                "address": self.market.market.to_string(),
                "fromBlock": "0x0",
                "toBlock": "latest",
                "topics": [
                    IMarket::EpochProven::SIGNATURE_HASH,
                    B256::left_padding_from(&self.placement.to_be_bytes())
                ],
            }]),
        );
        logs.as_array()
            .unwrap()
            .iter()
            .map(|log| {
                let topics: Vec<B256> = serde_json::from_value(log["topics"].clone()).unwrap();
                let data: Bytes = log["data"].as_str().unwrap().parse().unwrap();
                IMarket::EpochProven::decode_raw_log(topics, &data).unwrap()
            })
            .collect()
    }
}

#[test]
fn the_node_serves_signed_receipts_keeps_them_across_a_crash_and_proves_their_root() {
    let setup = Setup::new();
    let Setup {
        node,
        dir,
        market,
        http,
        base,
        ..
    } = &setup;
    let (worker, placement) = (setup.worker, setup.placement);
    let key = |i: usize| setup.key(i);

    // A key that is neither a provider nor a worker cannot serve.
    let stranger = dir.path().join("stranger");
    let (started, _, stderr) = cloudless(&[
        "provider",
        "serve",
        "--rpc-url",
        &market.rpc_url,
        "--manifest",
        &market.manifest,
        "--private-key",
        &key(4),
        "--listen",
        "127.0.0.1:0",
        "--data",
        stranger.to_str().unwrap(),
    ]);
    assert!(
        !started && stderr.contains("neither a registered provider nor a provider's worker"),
        "{stderr}"
    );

    let mut serving = setup.serve();
    let invoke = setup.invoke_url();

    // The placement starts with the next epoch.
    let early = http.post(&invoke, REQUEST);
    assert_eq!(
        (early.status, early.json()["error"].as_str()),
        (409, Some("not_live"))
    );
    let start = setup.next_epoch(&serving);

    let chain_id = node.chain_id;
    let mut held = Vec::new();
    for seq in 0..3 {
        let reply = http.post(&invoke, REQUEST);
        let (receipt, signature) = verified(&reply, chain_id, market.market, worker);
        assert_eq!(reply.body, b"Hi Ada!");
        assert_eq!(
            (receipt.placementId, receipt.epoch, receipt.seq),
            (placement, start, seq)
        );
        held.push((receipt, signature));
    }

    // Bad input gets its documented error, and the node keeps serving.
    let unknown = http.post(&format!("{base}/v1/deployments/999"), REQUEST);
    assert_eq!(
        (unknown.status, unknown.json()["error"].as_str()),
        (404, Some("not_served"))
    );
    let large = http.post(&invoke, &vec![b'x'; MAX_REQUEST + 1]);
    assert_eq!(
        (large.status, large.json()["error"].as_str()),
        (413, Some("too_large"))
    );
    let trap = http.post(&invoke, b"no template here");
    assert_eq!(
        (trap.status, trap.json()["error"].as_str()),
        (422, Some("trapped"))
    );
    assert!(
        trap.json()["message"]
            .as_str()
            .unwrap()
            .contains("reverted"),
        "{}",
        trap.json()
    );

    // kill -9, then the same data directory: the sequence continues.
    kill(&mut serving.child);
    let serving = setup.serve();
    let (receipt, signature) = verified(
        &http.post(&invoke, REQUEST),
        chain_id,
        market.market,
        worker,
    );
    assert_eq!(
        (receipt.epoch, receipt.seq),
        (start, 3),
        "the sequence continues after a crash"
    );
    held.push((receipt, signature));

    // The epoch ends: the node proves the root of exactly the receipts the callers hold.
    let separator = domain_separator(chain_id, market.market);
    let leaves: Vec<B256> = held.iter().map(|(r, _)| digest(separator, r)).collect();
    let root = merkle::root(&leaves);
    market.advance(1);
    let proof_url = format!("{base}/v1/proofs/{placement}/{start}");
    let proof = setup.mined_proof(&serving, start);
    assert_eq!(proof["root"], json!(root), "{proof}");
    assert_eq!(proof["count"], 4);
    let proven = setup.proven();
    assert_eq!(proven.len(), 1, "one proof: {proven:?}");
    assert_eq!(
        (proven[0].epoch, proven[0].receiptsRoot, proven[0].count),
        (start, root, 4),
        "the on-chain root is the callers' receipts' root"
    );

    // The reference checks against the committed batch.
    let proof_ref: ProofRef = proof_ref(&proof["proofRef"]);
    let leaf = merkle::proof_leaf(placement, start, root, 4);
    let batch_root = merkle::root_from_path(
        leaf,
        u64::from(proof_ref.position),
        u64::from(proof_ref.size),
        &proof_ref.path,
    )
    .unwrap();
    let committed = market.view(IMarket::proofBatchCall {
        batch: proof_ref.batch,
    });
    assert_eq!(
        committed,
        merkle::batch_commitment(batch_root, proof_ref.size, proof_ref.provenAt)
    );
    let leaf_json = http.get(&format!("{proof_url}/2")).json();
    assert_eq!(leaf_json["receipt"]["seq"], 2);
    assert_eq!(leaf_json["request"], json!(Bytes::from_static(REQUEST)));

    // A keeper samples leaf 2, then a caller claims its receipt 1 is missing: the node
    // answers both by itself and takes the bonds.
    let bond = market.view(ICourt::courtParamsCall {}).bond;
    market.ok(
        Some(&key(3)),
        &["token", "approve", "market", &(2 * bond).to_string()],
    );
    let challenger: PrivateKeySigner = key(3).parse().unwrap();
    let (receipt, signature) = held[1].clone();
    let disputes = [
        ICourt::challengeSampleCall {
            proof: proof_ref.clone(),
            index: 2,
        }
        .abi_encode(),
        ICourt::disputeInclusionCall {
            receipt,
            signature,
            proof: proof_ref,
        }
        .abi_encode(),
    ];
    let chain = ProviderBuilder::new()
        .wallet(challenger)
        .connect_http(market.rpc_url.parse().unwrap());
    for (kind, calldata) in ["challengeSample", "disputeInclusion"].iter().zip(disputes) {
        let sent = http.runtime.block_on(async {
            let tx = TransactionRequest::default()
                .with_to(market.market)
                .with_input(calldata);
            chain
                .send_transaction(tx)
                .await
                .unwrap()
                .get_receipt()
                .await
                .unwrap()
        });
        assert!(sent.status(), "{kind} went through");
        let id = market.view(ICourt::disputeCountCall {});
        wait_for_node(&serving, &format!("the node's answer to {kind}"), || {
            let dispute = market.view(ICourt::disputeCall { disputeId: id });
            (dispute.status == DisputeStatus::Answered).then_some(())
        });
    }

    // An epoch without requests is proven too: count 0, root zero.
    market.advance(1);
    let quiet = setup.mined_proof(&serving, start + 1);
    assert_eq!(
        (quiet["root"].clone(), quiet["count"].clone()),
        (json!(B256::ZERO), json!(0))
    );
    let on_chain = market.view(IMarket::placementCall {
        placementId: placement,
    });
    assert_eq!(on_chain.lastProven, start + 1);

    // An auditor checks every leaf of both proofs against the node: all correct.
    let deployment = setup.deployment.to_string();
    let report = market.ok(
        None,
        &["audit", "receipts", "--deployment", &deployment, "--all"],
    );
    let providers = report["providers"].as_object().unwrap();
    let checked = providers.values().next().unwrap();
    assert_eq!(checked["proofs"], 2, "{report}");
    assert_eq!(checked["leaves_checked"], checked["receipts"], "{report}");
    assert_eq!(checked["correct"], checked["receipts"], "{report}");

    let metrics = String::from_utf8(http.get(&format!("{base}/metrics")).body).unwrap();
    assert!(
        metrics.contains("provider_receipts_total 1"),
        "one receipt since the restart:\n{metrics}"
    );
    assert!(
        metrics.contains("provider_requests_total{status=\"200\"} 1"),
        "{metrics}"
    );
}

/// [`wait_for`] that shows the node's logs when it times out.
fn wait_for_node<T>(node: &ProviderNode, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "timed out waiting for {what}; the node's logs:\n{}",
            node.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn proof_ref(json: &Value) -> ProofRef {
    let n = |k: &str| json[k].as_u64().unwrap();
    ProofRef {
        placementId: n("placementId"),
        epoch: n("epoch"),
        receiptsRoot: json["receiptsRoot"].as_str().unwrap().parse().unwrap(),
        count: n("count") as u32,
        batch: n("batch"),
        provenAt: n("provenAt"),
        size: n("size") as u32,
        position: n("position") as u32,
        path: serde_json::from_value(json["path"].clone()).unwrap(),
    }
}

/// `kill -9` while callers keep the node busy: every receipt a caller got back is in the
/// proven root at its `seq`, and the epoch is proven once.
#[test]
fn every_receipt_acknowledged_before_a_kill_is_in_the_proven_root() {
    const CALLERS: usize = 16;
    const KILL_AFTER: usize = 60;
    let setup = Setup::new();
    let mut serving = setup.serve();
    let epoch = setup.next_epoch(&serving);
    let (chain_id, market, worker) = (setup.node.chain_id, setup.market.market, setup.worker);

    // Callers post until the node dies; after KILL_AFTER answers it is killed mid-stream.
    let acknowledged = setup.http.runtime.block_on(async {
        let answers = Arc::new(Mutex::new(Vec::new()));
        let mut callers = tokio::task::JoinSet::new();
        for _ in 0..CALLERS {
            let (client, url, answers) = (
                setup.http.client.clone(),
                setup.invoke_url(),
                answers.clone(),
            );
            callers.spawn(async move {
                loop {
                    let Ok(response) = client.post(&url).body(REQUEST.to_vec()).send().await else {
                        return;
                    };
                    let reply = Reply {
                        status: response.status().as_u16(),
                        headers: response.headers().clone(),
                        body: match response.bytes().await {
                            Ok(body) => body.to_vec(),
                            Err(_) => return,
                        },
                    };
                    match reply.status {
                        200 => answers
                            .lock()
                            .unwrap()
                            .push(verified(&reply, chain_id, market, worker)),
                        429 => tokio::task::yield_now().await,
                        other => panic!(
                            "unexpected {other}: {}",
                            String::from_utf8_lossy(&reply.body)
                        ),
                    }
                }
            });
        }
        while answers.lock().unwrap().len() < KILL_AFTER {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        kill(&mut serving.child);
        while callers.join_next().await.is_some() {}
        answers.lock().unwrap().clone()
    });
    assert!(acknowledged.len() >= KILL_AFTER);
    let mut seqs: Vec<u64> = acknowledged.iter().map(|(r, _)| r.seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(
        seqs.len(),
        acknowledged.len(),
        "every acknowledged seq is distinct"
    );

    let serving = setup.serve();
    setup.market.advance(1);
    let proof = setup.mined_proof(&serving, epoch);
    let count = proof["count"].as_u64().unwrap();
    assert!(
        count >= acknowledged.len() as u64,
        "{count} receipts proven, {} acknowledged",
        acknowledged.len()
    );
    let proven = setup.proven();
    assert_eq!(proven.len(), 1, "the epoch is proven once: {proven:?}");
    assert_eq!(proof["root"], json!(proven[0].receiptsRoot));
    let separator = domain_separator(chain_id, market);
    for (receipt, _) in &acknowledged {
        let leaf = setup.http.get(&format!(
            "{}/v1/proofs/{}/{epoch}/{}",
            setup.base, setup.placement, receipt.seq
        ));
        let path: Vec<B256> = serde_json::from_value(leaf.json()["path"].clone()).unwrap();
        assert_eq!(
            merkle::root_from_path(digest(separator, receipt), receipt.seq, count, &path),
            Some(proven[0].receiptsRoot),
            "acknowledged receipt {} is in the proven root",
            receipt.seq
        );
    }
}

/// The user's side: `cloudless call` verifies and keeps the answer; the gateway answers the
/// same way over HTTP with CORS; `cloudless dispute` takes the kept answer to the court (an
/// honest one is `ResultCorrect`), challenges a sample and an inclusion that the node answers
/// by itself, and convicts the provider with a wrong answer its worker signed.
#[test]
fn calls_and_disputes_from_the_cli_and_the_gateway() {
    let setup = Setup::new();
    let serving = setup.serve();
    let epoch = setup.next_epoch(&serving);
    let (market, developer) = (&setup.market, setup.key(3));
    let deployment = setup.deployment.to_string();

    let kept = setup.dir.path().join("receipts");
    let request = Bytes::from_static(REQUEST).to_string();
    let called = market.ok(
        None,
        &[
            "call",
            &deployment,
            "--data",
            &request,
            "--receipts",
            kept.to_str().unwrap(),
        ],
    );
    let answer = &called["answer"];
    let response: Bytes = serde_json::from_value(answer["response"].clone()).unwrap();
    assert_eq!(response.as_ref(), b"Hi Ada!");
    assert_eq!(answer["signer"], json!(setup.worker));
    assert_eq!(answer["receipt"]["epoch"], epoch);
    let file = called["saved"].as_str().unwrap().to_owned();
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(&saved, answer, "the kept file is the answer");

    // The court re-executes the honest answer and agrees: nothing changes.
    let (error, _) = market.refused(Some(&developer), &["dispute", "result", &file]);
    assert!(error.to_string().contains("ResultCorrect"), "{error}");

    // The gateway: the same verified answer over HTTP, CORS for browsers, named refusals.
    let chain = ["--rpc-url", &market.rpc_url, "--manifest", &market.manifest];
    let gateway = Served::start(&[&["gateway", "--listen", "127.0.0.1:0"][..], &chain].concat());
    let url = format!("{}/d/{deployment}", gateway.url);
    let reply = setup.http.post(&url, REQUEST);
    let (receipt, _) = verified(&reply, setup.node.chain_id, market.market, setup.worker);
    assert_eq!(receipt.seq, answer["receipt"]["seq"].as_u64().unwrap() + 1);
    let preflight = setup.http.send(
        setup
            .http
            .client
            .request(reqwest::Method::OPTIONS, &url)
            .header("Origin", "https://app.example")
            .header("Access-Control-Request-Method", "POST"),
    );
    assert_eq!(preflight.header("access-control-allow-origin"), "*");
    let unknown = setup.http.post(&format!("{}/d/999", gateway.url), REQUEST);
    assert_eq!(
        (unknown.status, unknown.json()["error"].clone()),
        (404, json!("no_route"))
    );

    // Once the epoch is proven, a sample and the kept receipt's inclusion are challenged; the
    // node answers both by itself.
    setup.next_epoch(&serving);
    setup.mined_proof(&serving, epoch);
    let placement = setup.placement.to_string();
    let sample = market.ok(
        Some(&developer),
        &["dispute", "sample", &placement, &epoch.to_string(), "0"],
    );
    let inclusion = market.ok(Some(&developer), &["dispute", "inclusion", &file]);
    for opened in [sample, inclusion] {
        let id = opened["dispute"].as_u64().unwrap().to_string();
        wait_for_node(&serving, "the node to answer the dispute", || {
            let status = market.ok(None, &["dispute", "status", &id]);
            (status["status"] == "answered").then_some(())
        });
    }

    // A wrong answer its worker signed convicts the provider in one transaction.
    let forged = Bytes::from_static(b"Hi Eve!");
    let mut wrong = saved.clone();
    let mut receipt: cloudless_client::calls::ReceiptJson =
        serde_json::from_value(saved["receipt"].clone()).unwrap();
    receipt.response_hash = keccak256(&forged);
    let worker: PrivateKeySigner = setup.key(2).parse().unwrap();
    let signature = cloudless_client::receipts::sign(
        &worker,
        setup.node.chain_id,
        market.market,
        &Receipt::from(&receipt),
    );
    wrong["receipt"] = json!(receipt);
    wrong["response"] = json!(forged);
    wrong["signature"] = json!(signature);
    let wrong_file = setup.dir.path().join("wrong.json");
    std::fs::write(&wrong_file, wrong.to_string()).unwrap();
    let convicted = market.ok(
        Some(&developer),
        &["dispute", "result", wrong_file.to_str().unwrap()],
    );
    let events = convicted["transactions"][0]["events"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e["event"] == "FraudProven"),
        "{convicted}"
    );
}

/// A dishonest node as the test plays it: serves the leaves of the epochs it "proved" on
/// `port` (the provider's registered URL), as `GET /v1/proofs/{placement}/{epoch}/{index}`
/// does, for as long as the returned runtime lives.
fn serve_leaves(
    port: u16,
    epochs: Vec<cloudless_client::receipts::Epoch>,
) -> tokio::runtime::Runtime {
    {
        use axum::{Json, extract::Path as UrlPath, routing::get};
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let epochs = Arc::new(epochs);
        let app = axum::Router::new().route(
            "/v1/proofs/{placement}/{epoch}/{index}",
            get(move |UrlPath((p, e, i)): UrlPath<(u64, u64, u64)>| {
                let epochs = epochs.clone();
                async move {
                    let served = epochs
                        .iter()
                        .find(|s| {
                            s.served()
                                .first()
                                .is_some_and(|l| (l.receipt.placementId, l.receipt.epoch) == (p, e))
                        })
                        .expect("a served epoch");
                    let leaf = &served.served()[i as usize];
                    let path = served.path(i).unwrap();
                    Json(cloudless_provider::http::leaf_json(
                        &leaf.receipt,
                        &leaf.signature,
                        Some(&leaf.request),
                        &path,
                    ))
                }
            }),
        );
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))
            .unwrap();
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        runtime
    }
}

/// The keeper verifies proofs: it samples every leaf (`--sample-rate 1`), fetches each from the
/// provider's registered node URL, checks path, signature and request and re-runs the
/// function. An honest epoch passes; in the next one a receipt signed by the provider's
/// worker carries a wrong response, and the keeper convicts the provider with
/// `disputeResult` by itself. A restart on the same journal verifies nothing again. A sample
/// the provider never answers is resolved as fraud by the keeper once its window has passed.
#[test]
fn the_keeper_verifies_proofs_and_disputes_a_wrong_leaf() {
    use cloudless_client::receipts::Epoch;
    let setup = Setup::new();
    let market = &setup.market;
    let worker: PrivateKeySigner = setup.key(2).parse().unwrap();
    let chain_id = setup.node.chain_id;
    let placement = setup.placement;
    let requests = ["name=Ada\n---\nHi {{name}}!", "name=Bo\n---\nBye {{name}}."];

    // Two epochs served and proven by the worker: the first honest, the second with one wrong
    // response (the last leaf).
    let (mut epochs, mut proven) = (Vec::new(), Vec::new());
    for lie in [false, true] {
        market.advance(1);
        let epoch = market.ok(None, &["market", "params"])["current_epoch"]
            .as_u64()
            .unwrap();
        let mut served = Epoch::new(chain_id, market.market, placement, epoch);
        for (i, request) in requests.iter().enumerate() {
            let mut response = notify::handle(request.as_bytes()).unwrap();
            if lie && i == requests.len() - 1 {
                response = b"a different answer".to_vec();
            }
            served.record(&worker, request.as_bytes().to_vec().into(), response.into());
        }
        market.advance(1);
        market.ok(
            Some(&setup.key(2)),
            &[
                "provider",
                "prove",
                &placement.to_string(),
                &epoch.to_string(),
                "--root",
                &served.root().to_string(),
                "--count",
                &served.count().to_string(),
            ],
        );
        proven.push(epoch);
        epochs.push(served);
    }
    let _leaves = serve_leaves(setup.port, epochs);

    // An auditor finds the same leaf from the command line: every leaf checked, one wrong.
    let deployment = setup.deployment.to_string();
    let (report, stderr) = market.refused(
        None,
        &["audit", "receipts", "--deployment", &deployment, "--all"],
    );
    assert!(stderr.contains("wrong or not shown"), "{stderr}");
    let providers = report["providers"].as_object().unwrap();
    let provider = &providers[&setup.node.accounts[1].0.to_string().to_lowercase()];
    assert_eq!(
        (
            provider["proofs"].as_u64(),
            provider["leaves_checked"].as_u64()
        ),
        (Some(2), Some(4)),
        "{report}"
    );
    assert_eq!(
        (provider["correct"].as_u64(), provider["wrong"].as_u64()),
        (Some(3), Some(1)),
        "{report}"
    );
    assert_eq!(provider["problems"][0]["index"], 1, "{report}");

    let journal = setup.dir.path().join("keeper.sqlite");
    let keeper_key = setup.key(4);
    let mut keeper = KeeperProcess::start(market, &keeper_key, &journal, &["--sample-rate", "1"]);
    let fraud = "keeper_disputes_total{kind=\"result\",outcome=\"fraud\"}";
    wait_for(TIMEOUT, "the keeper's dispute to be mined", || {
        let (_, body) = keeper.get("/metrics");
        body.contains(&format!("{fraud} 1")).then_some(())
    });
    assert_eq!(keeper.metric("keeper_proofs_verified_total"), 2.0);
    assert_eq!(
        keeper.metric("keeper_leaves_sampled_total"),
        4.0,
        "every leaf of both epochs"
    );
    let placed = market.view(IMarket::placementCall {
        placementId: placement,
    });
    assert!(!placed.live, "the placement ended with the conviction");
    let convicted = call(
        &market.rpc_url,
        "eth_getLogs",
        json!([{
            "address": market.market.to_string(),
            "fromBlock": "0x0",
            "toBlock": "latest",
            "topics": [ICourt::FraudProven::SIGNATURE_HASH],
        }]),
    );
    let log = &convicted.as_array().unwrap()[0];
    let topics: Vec<B256> = serde_json::from_value(log["topics"].clone()).unwrap();
    let data: Bytes = log["data"].as_str().unwrap().parse().unwrap();
    let fraud_event = ICourt::FraudProven::decode_raw_log(topics, &data).unwrap();
    let keeper_address = keeper_key.parse::<PrivateKeySigner>().unwrap().address();
    assert_eq!(fraud_event.challenger, keeper_address);
    assert_eq!(fraud_event.placementId, placement);
    keeper.stop();

    // Restarted on its journal, the keeper rebuilds its state and verifies nothing twice.
    let mut keeper = KeeperProcess::start(market, &keeper_key, &journal, &["--sample-rate", "1"]);
    let start = keeper.metric("keeper_polls_total");
    wait_for(TIMEOUT, "the restarted keeper idle", || {
        (keeper.metric("keeper_polls_total") >= start + 2.0 && keeper.metric("keeper_idle") == 1.0)
            .then_some(())
    });
    assert_eq!(keeper.metric("keeper_proofs_verified_total"), 0.0);
    assert_eq!(keeper.metric("keeper_leaves_sampled_total"), 0.0);
    keeper.stop();

    // A sample nobody answers on-chain: once its response window has passed, the keeper
    // resolves it as fraud.
    let sample = [placement.to_string(), proven[0].to_string(), "0".into()];
    let opened = market.ok(
        Some(&setup.key(3)),
        &["dispute", "sample", &sample[0], &sample[1], &sample[2]],
    );
    let id = opened["dispute"].as_u64().unwrap().to_string();
    market.advance(3);
    let mut keeper = KeeperProcess::start(market, &keeper_key, &journal, &["--sample-rate", "1"]);
    wait_for(
        TIMEOUT,
        "the keeper to resolve the unanswered sample",
        || (keeper.metric("keeper_resolves_total") == 1.0).then_some(()),
    );
    let status = market.ok(None, &["dispute", "status", &id]);
    assert_eq!(status["status"], "fraud", "{status}");
    keeper.stop();
}
