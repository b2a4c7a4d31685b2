//! `cloudless bench keeper`: an in-process dev node mining one block per interval and an
//! embedded keeper; N deployments arrive in one burst and the report gives, per deployment,
//! the blocks and milliseconds from the block that created it to the block with its match,
//! and the instances matched per block.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Bytes, U256},
    providers::{Provider, ProviderBuilder},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
};
use alloy_sol_types::{SolCall, SolEvent};
use anyhow::{Context, Result, bail};
use cloudless_abi::market::IMarket;
use cloudless_keeper::{Config, Keeper};
use serde_json::json;

use super::{
    devnode::{Call, sign},
    provider::StakedProvider,
};

/// Instances per benchmark deployment.
const INSTANCES: u32 = 2;
/// Price per instance-epoch, base units.
const PRICE: u128 = 1_000_000;

/// Flags of `bench keeper`.
#[derive(clap::Args)]
pub struct KeeperArgs {
    /// Pending deployments per run (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
    deployments: Vec<usize>,
    /// Seconds between the dev node's blocks.
    #[arg(long, default_value_t = 1)]
    block_time: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// One run's numbers.
struct Report {
    deployments: usize,
    blocks_p50: u64,
    blocks_max: u64,
    ms_p50: f64,
    ms_p99: f64,
    ms_max: f64,
    match_blocks: usize,
    instances_per_block: f64,
    instances_max_block: u64,
}

/// Runs the benchmark.
pub fn run(args: &KeeperArgs) -> Result<()> {
    let runtime = crate::chain::multi_thread(Some(2))?;
    let mut reports = Vec::new();
    for &n in &args.deployments {
        let report = runtime.block_on(measure(n, Duration::from_secs(args.block_time.max(1))))?;
        if !args.json {
            println!(
                "{n:>5} deployments: creation→match p50 {} blocks / {:.0} ms, p99 {:.0} ms, max {} blocks / {:.0} ms; {} blocks with matches, {:.1} instances/block (max {})",
                report.blocks_p50,
                report.ms_p50,
                report.ms_p99,
                report.blocks_max,
                report.ms_max,
                report.match_blocks,
                report.instances_per_block,
                report.instances_max_block
            );
        }
        reports.push(report);
    }
    if args.json {
        let rows: Vec<_> = reports
            .iter()
            .map(|r| {
                json!({
                    "deployments": r.deployments,
                    "latency_blocks_p50": r.blocks_p50,
                    "latency_blocks_max": r.blocks_max,
                    "latency_ms_p50": r.ms_p50,
                    "latency_ms_p99": r.ms_p99,
                    "latency_ms_max": r.ms_max,
                    "blocks_with_matches": r.match_blocks,
                    "instances_per_block": r.instances_per_block,
                    "instances_max_block": r.instances_max_block,
                })
            })
            .collect();
        println!("{}", json!({ "keeper": rows }));
    }
    Ok(())
}

async fn measure(n: usize, block_time: Duration) -> Result<Report> {
    let node = devnode::start(devnode::Config {
        port: 0,
        block_time: Some(block_time),
        ..devnode::Config::default()
    })
    .await?;
    let url = node.rpc_url();
    let signers: Vec<PrivateKeySigner> = node.accounts().iter().map(|a| a.signer()).collect();
    // Mine quickly while setting up; the measurement runs at the node's block time.
    let fast = tokio::spawn(mine_every(url.clone(), Duration::from_millis(20)));
    let dir = tempfile::tempdir()?;
    let (manifest, raw) = setup(&url, &signers[0], n, dir.path()).await?;
    fast.abort();

    let mut config = Config::new(
        url.clone(),
        manifest.clone(),
        signers[9].clone(),
        dir.path().join("k.sqlite"),
    );
    config.poll_interval = Duration::from_millis(5);
    let keeper = Keeper::start(config).await?;
    keeper.wait_idle(Duration::from_secs(60)).await?;

    let seen = Arc::new(Mutex::new(BTreeMap::<u64, Instant>::new()));
    let watcher = tokio::spawn(watch_blocks(url.clone(), seen.clone()));
    let provider = ProviderBuilder::new().connect_http(url.parse()?);
    let first = provider.get_block_number().await?;
    for tx in &raw {
        let _ = provider.send_raw_transaction(tx).await?;
    }
    let want = u64::from(INSTANCES) * n as u64;
    let deadline = Instant::now() + Duration::from_secs(600);
    while keeper.status().instances_matched < want {
        if Instant::now() > deadline {
            bail!(
                "the keeper matched {} of {want} instances in 600 s",
                keeper.status().instances_matched
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    watcher.abort();
    keeper.shutdown().await?;

    let market = manifest.address("market").context("market address")?;
    let logs = provider
        .get_logs(&Filter::new().address(market).from_block(first))
        .await?;
    let mut created = BTreeMap::new();
    let mut matched = BTreeMap::new();
    let mut per_block = BTreeMap::<u64, u64>::new();
    for log in &logs {
        let block = log.block_number.unwrap_or_default();
        if let Ok(e) = IMarket::DeploymentCreated::decode_log_data(log.data()) {
            created.insert(e.deploymentId, block);
        } else if let Ok(e) = IMarket::PlacementCreated::decode_log_data(log.data()) {
            matched.entry(e.deploymentId).or_insert(block);
            *per_block.entry(block).or_default() += u64::from(e.instances);
        }
    }
    let seen = seen
        .lock()
        .map_err(|_| anyhow::anyhow!("watcher panicked"))?
        .clone();
    let mut blocks = Vec::new();
    let mut millis = Vec::new();
    for (id, &made) in &created {
        let done = *matched
            .get(id)
            .with_context(|| format!("deployment {id} unmatched"))?;
        blocks.push(done - made);
        if let (Some(a), Some(b)) = (seen.get(&made), seen.get(&done)) {
            millis.push(b.duration_since(*a).as_secs_f64() * 1e3);
        }
    }
    blocks.sort_unstable();
    millis.sort_by(f64::total_cmp);
    let q = |v: &[f64], q: f64| {
        v.get(((v.len().max(1) - 1) as f64 * q) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    node.stop().await?;
    Ok(Report {
        deployments: n,
        blocks_p50: blocks[blocks.len() / 2],
        blocks_max: *blocks.last().unwrap_or(&0),
        ms_p50: q(&millis, 0.5),
        ms_p99: q(&millis, 0.99),
        ms_max: q(&millis, 1.0),
        match_blocks: per_block.len(),
        instances_per_block: want as f64 / per_block.len().max(1) as f64,
        instances_max_block: per_block.values().copied().max().unwrap_or(0),
    })
}

/// Calls `evm_mine` every `every` (setup runs at this pace instead of the block time).
async fn mine_every(url: String, every: Duration) -> Result<()> {
    let provider = ProviderBuilder::new().connect_http(url.parse()?);
    loop {
        let _: serde_json::Value = provider.raw_request("evm_mine".into(), ()).await?;
        tokio::time::sleep(every).await;
    }
}

/// Records when each block number was first seen.
async fn watch_blocks(url: String, seen: Arc<Mutex<BTreeMap<u64, Instant>>>) -> Result<()> {
    let provider = ProviderBuilder::new().connect_http(url.parse()?);
    loop {
        let head = provider.get_block_number().await?;
        if let Ok(mut seen) = seen.lock() {
            seen.entry(head).or_insert_with(Instant::now);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Deploys the marketplace with `owner` as provider (one offer large enough for every
/// deployment) and developer; returns the manifest and `n` signed `createDeployment`s.
async fn setup(
    url: &str,
    owner: &PrivateKeySigner,
    n: usize,
    dir: &std::path::Path,
) -> Result<(cloudless_client::manifest::Manifest, Vec<Bytes>)> {
    let deposit = U256::from(PRICE * u128::from(INSTANCES) * 10);
    let provider = StakedProvider::open(url, owner, dir, deposit * U256::from(n)).await?;
    provider.offer(PRICE, u32::try_from(n)? * INSTANCES).await?;
    let StakedProvider {
        client,
        manifest,
        marketplace,
    } = provider;
    let nonce = client
        .provider
        .get_transaction_count(marketplace.owner)
        .await?;
    let raw = (0..n)
        .map(|i| {
            let spec = marketplace.request(INSTANCES, PRICE);
            let call = Call {
                to: marketplace.market,
                data: IMarket::createDeploymentCall { spec, deposit }
                    .abi_encode()
                    .into(),
                value: U256::ZERO,
                gas_limit: 600_000,
            };
            sign(owner, client.chain_id, nonce + i as u64, &call)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((manifest, raw))
}
