//! `cloudless bench provider`: an in-process dev node with the marketplace, one placement per
//! example function on the owner's offer, and an in-process provider node serving them. Per
//! function: invocations per second and p50/p99 latency over HTTP with concurrent callers, and
//! where a request's time goes when calls come one at a time (the function native, the same
//! function in the node's executor, signing, and signing and committing a lone receipt with its
//! own fsync; under load the node commits receipts in groups).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Bytes, U256, keccak256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, Result, bail};
use cloudless_abi::market::{IMarket, MatchPair};
use cloudless_provider::{Config as NodeConfig, Node, exec::Function, store::Store};
use harness::artifact::Artifacts;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::{Latencies, per_second, provider::StakedProvider};
use crate::chain::program;

/// Price per instance-epoch, base units.
const PRICE: u128 = 1_000_000;
/// Ink a request may use (10 M gas).
const INK: u64 = 10_000_000 * 10_000;

/// Each example function with a request it answers, and its native implementation.
type Native = fn(&[u8]) -> Option<Vec<u8>>;
const FUNCTIONS: [(&str, &[u8], Native); 3] = [
    (
        "notify",
        b"name=Ada\n---\nHello {{name}}, your report is ready.",
        |r| notify::handle(r).ok(),
    ),
    ("csv-stats", b"price,qty\n3,4\n5,6\n7,8\n", |r| {
        csv_stats::handle(r).ok()
    }),
    (
        "quote-api",
        br#"{"sku": "gpu", "qty": 12, "region": "eu"}"#,
        |r| quote_api::handle(r).ok(),
    ),
];

/// Flags of `bench provider`.
#[derive(clap::Args)]
pub struct ProviderArgs {
    /// Requests per function.
    #[arg(long, default_value_t = 5_000)]
    requests: usize,
    /// Callers at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Requests timed one at a time for the breakdown.
    #[arg(long, default_value_t = 500)]
    sequential: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the benchmark.
pub fn run(args: &ProviderArgs) -> Result<()> {
    let rows = crate::chain::multi_thread(None)?.block_on(measure(args))?;
    if args.json {
        println!("{}", json!({ "provider": rows }));
    } else {
        for row in &rows {
            let b = &row["sequential_us"];
            println!(
                "{:<10} {:>7.0} invocations/s at {} callers, p50 {:.2} ms, p99 {:.2} ms; one at a time {:.0} µs a request; native {:.1}, executor {:.1}, signing {:.1}, a lone receipt signed and committed {:.1}",
                row["function"].as_str().unwrap_or_default(),
                row["invocations_per_s"].as_f64().unwrap_or_default(),
                row["concurrency"],
                row["p50_ms"].as_f64().unwrap_or_default(),
                row["p99_ms"].as_f64().unwrap_or_default(),
                b["request"].as_f64().unwrap_or_default(),
                b["native"].as_f64().unwrap_or_default(),
                b["executor"].as_f64().unwrap_or_default(),
                b["signing"].as_f64().unwrap_or_default(),
                b["commit"].as_f64().unwrap_or_default(),
            );
        }
    }
    Ok(())
}

async fn measure(args: &ProviderArgs) -> Result<Vec<Value>> {
    let chain = devnode::start(devnode::Config::default()).await?;
    let url = chain.rpc_url();
    let owner: PrivateKeySigner = chain.accounts()[0].signer();
    let dir = tempfile::tempdir()?;
    let deposit = U256::from(PRICE * 100);
    let provider = StakedProvider::open(&url, &owner, dir.path(), deposit * U256::from(3)).await?;
    let offer = provider.offer(PRICE, 3).await?;
    let artifacts = Artifacts::locate();
    let mut deployments = Vec::new();
    for (name, _, _) in FUNCTIONS {
        let code = artifacts.load(name)?;
        let function = program::deploy_program(&provider.client, name, &code).await?;
        let mut spec = provider.marketplace.request(1, PRICE);
        (spec.program, spec.artifact) = (function.address, function.code_hash);
        let market = provider.marketplace.market;
        let created = provider
            .client
            .send(market, IMarket::createDeploymentCall { spec, deposit })
            .await?;
        let id = created.event_id("DeploymentCreated", "deployment_id")?;
        let pairs = vec![MatchPair {
            offerId: offer,
            instances: 1,
            price: PRICE,
        }];
        let call = IMarket::matchDeploymentCall {
            deploymentId: id,
            pairs,
        };
        provider.client.send(market, call).await?;
        deployments.push((id, code));
    }
    // Into the placements' first epoch.
    let rpc = ProviderBuilder::new().connect_http(url.parse()?);
    let seconds = provider.manifest.epoch_length;
    let _: Value = rpc
        .raw_request("evm_increaseTime".into(), [seconds])
        .await?;
    let _: Value = rpc.raw_request("evm_mine".into(), ()).await?;

    let mut config = NodeConfig::new(
        url.clone(),
        provider.manifest.clone(),
        owner.clone(),
        dir.path().join("node"),
    );
    config.listen = "127.0.0.1:0".parse()?;
    config.poll_interval = Duration::from_millis(50);
    let node = Node::start(config).await?;
    let base = format!("http://{}", node.addr());
    let http = reqwest::Client::new();
    wait_serving(&http, &base, deployments.len()).await?;

    let market = provider.marketplace.market;
    let store = Store::open(
        &dir.path().join("commit.sqlite"),
        provider.manifest.chain_id,
        market,
        owner.clone(),
    )?;
    let mut rows = Vec::new();
    for ((name, request, native), (id, code)) in FUNCTIONS.iter().zip(&deployments) {
        let endpoint = format!("{base}/v1/deployments/{id}");
        let request = Bytes::from_static(request);
        // Warm up, then the concurrent run.
        for _ in 0..100 {
            invoke(&http, &endpoint, &request).await?;
        }
        let (rate, latencies) =
            concurrent(&http, &endpoint, &request, args.requests, args.concurrency).await?;
        // One at a time: the whole request, then each part on its own.
        let n = args.sequential.max(1);
        let request_us = mean_us(n, || invoke(&http, &endpoint, &request)).await?;
        let native_us = mean_us(n, || async {
            native(&request).context("the native function refused the request")
        })
        .await?;
        let function = Function::load(code, keccak256(code))?;
        let executor_us = mean_us(n, || async {
            function
                .run(&request, INK)
                .map_err(|trap| anyhow::anyhow!("{trap}"))
        })
        .await?;
        let receipt = cloudless_abi::court::Receipt::default();
        let chain_id = provider.manifest.chain_id;
        let signing_us = mean_us(n, || async {
            Ok(cloudless_client::receipts::sign(
                &owner, chain_id, market, &receipt,
            ))
        })
        .await?;
        let commit_us = mean_us(n, || async {
            Ok(store
                .record(*id, 1, request.clone(), keccak256(&request))
                .await?)
        })
        .await?;
        rows.push(json!({
            "function": name,
            "requests": args.requests,
            "concurrency": args.concurrency,
            "invocations_per_s": rate,
            "p50_ms": latencies.micros(0.5) / 1e3,
            "p99_ms": latencies.micros(0.99) / 1e3,
            "sequential_us": {
                "request": request_us,
                "native": native_us,
                "executor": executor_us,
                "signing": signing_us,
                "commit": commit_us,
            },
        }));
    }
    node.shutdown().await?;
    chain.stop().await?;
    Ok(rows)
}

/// Waits until the node serves `placements` placements.
async fn wait_serving(http: &reqwest::Client, base: &str, placements: usize) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(reply) = http.get(format!("{base}/healthz")).send().await
            && let Ok(body) = reply.bytes().await
            && let Ok(health) = serde_json::from_slice::<Value>(&body)
            && health["placements"].as_array().map(Vec::len) == Some(placements)
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the provider node did not serve its {placements} placements within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One request; fails unless the node answers 200.
async fn invoke(http: &reqwest::Client, endpoint: &str, request: &Bytes) -> Result<()> {
    let reply = http.post(endpoint).body(request.to_vec()).send().await?;
    let status = reply.status();
    let body = reply.bytes().await?;
    if !status.is_success() {
        bail!(
            "{endpoint}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok(())
}

/// `total` requests from `callers` concurrent callers: invocations per second and latencies.
async fn concurrent(
    http: &reqwest::Client,
    endpoint: &str,
    request: &Bytes,
    total: usize,
    callers: usize,
) -> Result<(f64, Latencies)> {
    let gate = Arc::new(Semaphore::new(callers.max(1)));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for _ in 0..total {
        let permit = gate.clone().acquire_owned().await?;
        let (http, endpoint, request) = (http.clone(), endpoint.to_owned(), request.clone());
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let result = invoke(&http, &endpoint, &request).await;
            drop(permit);
            result.map(|()| sent.elapsed())
        }));
    }
    let mut samples = Vec::with_capacity(total);
    for task in tasks {
        samples.push(task.await??);
    }
    let elapsed = start.elapsed();
    Ok((per_second(total, elapsed), Latencies::new(samples)))
}

/// Mean microseconds of `n` runs of `f`.
async fn mean_us<F, Fut, T>(n: usize, mut f: F) -> Result<f64>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(f().await?);
    }
    Ok(start.elapsed().as_secs_f64() * 1e6 / n as f64)
}
