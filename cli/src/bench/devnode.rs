//! `cloudless bench devnode`: how many transactions per second the dev node sustains from
//! concurrent clients, for plain transfers and for the marketplace's `submitProof`.
//!
//! Clients sign their transactions ahead of time (so the numbers measure the node, not the
//! client's ECDSA), then each sends its own sequence over its own HTTP connection with
//! `eth_sendRawTransaction`; with instant mining a transaction is mined when the call returns,
//! so the call's latency is the latency to inclusion. Every receipt is checked afterwards.

use std::time::{Duration, Instant};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::eip2718::Encodable2718,
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, TxKind, U256, keccak256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, Result, ensure};
use clap::Args;
use serde::Serialize;

use super::{Latencies, per_second};

/// Options of `cloudless bench devnode`.
#[derive(Args)]
pub struct DevnodeArgs {
    /// Concurrent clients, each with its own account and connection.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Transfers to send in all, each to an address never seen before (as on a real chain,
    /// where the state grows with every new account).
    #[arg(long, default_value_t = 4_000)]
    transfers: usize,
    /// Instead of `--transfers`, grow the state in stages to 10^3, 10^4 and 10^5 accounts and
    /// report the transfer rate of each stage.
    #[arg(long)]
    growth: bool,
    /// `submitProof` transactions to send in all (0 skips the marketplace run).
    #[arg(long, default_value_t = 1_000)]
    proofs: usize,
    /// Keep the chain in a state file (in a temporary folder), as `devnode --state` does: every
    /// block is appended and synced to disk before its transaction is acknowledged.
    #[arg(long)]
    persist: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Throughput and latency of one kind of transaction.
#[derive(Debug, Serialize)]
pub(super) struct Throughput {
    kind: String,
    clients: usize,
    transactions: usize,
    seconds: f64,
    tx_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    gas_per_tx: u64,
}

/// Gas price every benchmark transaction offers (the dev node's base fee is 0.1 gwei).
const MAX_FEE: u128 = 1_000_000_000;

/// Runs `cloudless bench devnode`.
pub fn run(args: &DevnodeArgs) -> Result<()> {
    ensure!(args.clients > 0, "--clients must be positive");
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(bench(args))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(())
}

/// Starts an embedded dev node with `config`; returns it with its accounts' signers.
pub(super) async fn start_node(
    config: devnode::Config,
) -> Result<(devnode::DevNode, Vec<PrivateKeySigner>)> {
    let node = devnode::start(config)
        .await
        .context("starting the dev node")?;
    let signers = node
        .accounts()
        .iter()
        .map(|a| PrivateKeySigner::from_bytes(&a.private_key))
        .collect::<Result<_, _>>()?;
    Ok((node, signers))
}

async fn bench(args: &DevnodeArgs) -> Result<Vec<Throughput>> {
    let folder = tempfile::tempdir()?;
    let config = devnode::Config {
        port: 0,
        accounts: u32::try_from(args.clients + 1)?,
        state: args.persist.then(|| folder.path().join("chain.jsonl")),
        ..Default::default()
    };
    let (node, signers) = start_node(config).await?;
    let url = node.rpc_url();
    let stages: &[usize] = if args.growth {
        &[1_000, 9_000, 90_000]
    } else {
        &[args.transfers]
    };
    let (mut report, mut sent) = (Vec::new(), 0);
    for &stage in stages {
        let mut throughput = transfers(&url, &signers[1..], stage).await?;
        sent += stage;
        if args.growth {
            throughput.kind = format!("transfer to 10^{}", sent.ilog10());
        }
        report.push(throughput);
    }
    if args.proofs > 0 {
        report.push(
            super::proofs::run(&url, &signers, args.clients, args.proofs, 1)
                .await?
                .throughput,
        );
    }
    node.stop().await?;
    Ok(report)
}

/// The clients share `total` transfers of 1 wei, each to a new address.
async fn transfers(url: &str, clients: &[PrivateKeySigner], total: usize) -> Result<Throughput> {
    let provider = ProviderBuilder::new().connect_http(url.parse()?);
    let chain_id = provider.get_chain_id().await?;
    let mut batches = Vec::with_capacity(clients.len());
    for (i, signer) in clients.iter().enumerate() {
        let nonce = provider.get_transaction_count(signer.address()).await?;
        let share = total / clients.len() + usize::from(i < total % clients.len());
        let txs = (0..share)
            .map(|k| {
                // Distinct per client and nonce: a fresh account every time.
                let from = signer.address();
                let seed = [from.as_slice(), &(nonce + k as u64).to_be_bytes()].concat();
                let to = Address::from_word(keccak256(seed));
                let call = Call {
                    to,
                    data: Bytes::new(),
                    value: U256::from(1),
                    gas_limit: 21_000,
                };
                sign(signer, chain_id, nonce + k as u64, &call)
            })
            .collect::<Result<Vec<_>>>()?;
        batches.push(txs);
    }
    measure(url, "transfer", batches).await
}

/// A call a benchmark client signs.
pub(super) struct Call {
    pub(super) to: Address,
    pub(super) data: Bytes,
    pub(super) value: U256,
    pub(super) gas_limit: u64,
}

/// Signs `call` as an EIP-1559 transaction and returns its raw bytes.
pub(super) fn sign(
    signer: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    call: &Call,
) -> Result<Bytes> {
    let mut tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: call.gas_limit,
        max_fee_per_gas: MAX_FEE,
        max_priority_fee_per_gas: 0,
        to: TxKind::Call(call.to),
        value: call.value,
        input: call.data.clone(),
        ..Default::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx)?;
    Ok(TxEnvelope::from(tx.into_signed(signature))
        .encoded_2718()
        .into())
}

/// Sends each client's pre-signed batch from its own task and connection, timing every
/// `eth_sendRawTransaction`, then checks every receipt succeeded.
pub(super) async fn measure(url: &str, kind: &str, batches: Vec<Vec<Bytes>>) -> Result<Throughput> {
    let clients = batches.len();
    let started = Instant::now();
    let tasks: Vec<_> = batches
        .into_iter()
        .map(|batch| {
            let url = url.to_owned();
            tokio::spawn(async move { send_batch(&url, batch).await })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut hashes = Vec::new();
    for task in tasks {
        let (times, sent) = task.await??;
        latencies.extend(times);
        hashes.extend(sent);
    }
    let seconds = started.elapsed();
    let gas = check_receipts(url, &hashes).await?;
    let latencies = Latencies::new(latencies);
    Ok(Throughput {
        kind: kind.to_owned(),
        clients,
        transactions: hashes.len(),
        seconds: seconds.as_secs_f64(),
        tx_per_second: per_second(hashes.len(), seconds),
        p50_ms: latencies.micros(0.5) / 1e3,
        p99_ms: latencies.micros(0.99) / 1e3,
        max_ms: latencies.micros(1.0) / 1e3,
        gas_per_tx: gas / hashes.len().max(1) as u64,
    })
}

async fn send_batch(url: &str, batch: Vec<Bytes>) -> Result<(Vec<Duration>, Vec<B256>)> {
    let provider = ProviderBuilder::new().connect_http(url.parse()?);
    let mut times = Vec::with_capacity(batch.len());
    let mut hashes = Vec::with_capacity(batch.len());
    for raw in batch {
        let sent = Instant::now();
        let pending = provider.send_raw_transaction(&raw).await?;
        times.push(sent.elapsed());
        hashes.push(*pending.tx_hash());
    }
    Ok((times, hashes))
}

/// Total gas of `hashes`; an error if any is missing or failed.
async fn check_receipts(url: &str, hashes: &[B256]) -> Result<u64> {
    let provider = ProviderBuilder::new().connect_http(url.parse()?);
    let mut gas = 0;
    for hash in hashes {
        let receipt = provider
            .get_transaction_receipt(*hash)
            .await?
            .with_context(|| format!("no receipt for {hash}"))?;
        ensure!(receipt.status(), "transaction {hash} failed");
        gas += receipt.gas_used;
    }
    Ok(gas)
}

fn print_report(report: &[Throughput]) {
    println!(
        "{:<10} {:>8} {:>8} {:>10} {:>9} {:>9} {:>9} {:>10}",
        "kind", "clients", "txs", "tx/s", "p50 ms", "p99 ms", "max ms", "gas/tx"
    );
    for t in report {
        println!(
            "{:<10} {:>8} {:>8} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>10}",
            t.kind,
            t.clients,
            t.transactions,
            t.tx_per_second,
            t.p50_ms,
            t.p99_ms,
            t.max_ms,
            t.gas_per_tx
        );
    }
}
