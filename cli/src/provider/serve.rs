//! `cloudless provider serve`: the provider node (the `cloudless-provider` library) behind
//! flags, with tracing logs and graceful shutdown on SIGINT and SIGTERM.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::bail;
use cloudless_keeper::GasPolicy;
use cloudless_provider::{Config, DEFAULT_LISTEN, Node};
use serde_json::json;
use tracing::info;

use crate::{
    chain::client::{DEFAULT_RPC_URL, WalletArgs},
    keeper::{init_logs, load_manifest, wait_for_signal},
};

/// Flags of `provider serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// JSON-RPC endpoint of the chain (http(s):// or ws(s)://).
    #[arg(long, env = "ETH_RPC_URL", default_value = DEFAULT_RPC_URL)]
    rpc_url: String,
    /// Deployment manifest with the contract addresses [default: deployments/<chain>.json].
    #[arg(long, value_name = "FILE", env = "CLOUDLESS_MANIFEST")]
    manifest: Option<PathBuf>,
    /// The worker key (a worker of the provider, or the provider's own key): signs receipts,
    /// proofs and dispute answers.
    #[command(flatten)]
    wallet: WalletArgs,
    /// Address the HTTP API listens on (port 0 picks one).
    #[arg(long, default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Directory of the receipts database and the transaction journal.
    #[arg(long, value_name = "DIR", default_value = "provider-data")]
    data: PathBuf,
    /// Largest request body, bytes (larger ones get 413).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_request: usize,
    /// Ink one invocation may use (10,000 ink = 1 gas); a run past it gets 422.
    #[arg(long, default_value_t = 100_000_000_000)]
    max_ink: u64,
    /// Invocations running at once; requests beyond them get 429 [default: one per core].
    #[arg(long)]
    workers: Option<usize>,
    /// Milliseconds between polls of the chain.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    poll_interval: u64,
    /// Highest fee cap ever signed, wei per gas.
    #[arg(long, default_value_t = GasPolicy::default().fee_cap)]
    fee_cap: u128,
    /// Logs as JSON lines (filter with RUST_LOG, default `info`).
    #[arg(long)]
    log_json: bool,
    /// Print one JSON line when serving (URL, provider, worker, data directory).
    #[arg(long)]
    json: bool,
}

/// `url` if it is an http(s) base URL, without a trailing slash.
pub fn base_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let host = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match host {
        Some(host) if !host.is_empty() && !host.contains(['/', ' ']) => Ok(url.to_string()),
        _ => bail!("--url must be the node's base URL, like https://node.example.com:8560"),
    }
}

/// Runs the node until a signal.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    init_logs(args.log_json);
    crate::chain::multi_thread(None)?.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let Some(worker) = args.wallet.signer()? else {
        bail!(
            "the node signs receipts and proofs: pass the worker key with --private-key (or CLOUDLESS_PRIVATE_KEY) or --keystore FILE"
        );
    };
    let manifest = load_manifest(&args.rpc_url, args.manifest.as_deref()).await?;
    let worker_address = worker.address();
    let mut config = Config::new(args.rpc_url, manifest, worker, args.data.clone());
    config.listen = args.listen;
    config.max_request = args.max_request;
    config.max_ink = args.max_ink;
    if let Some(workers) = args.workers {
        config.workers = workers.max(1);
    }
    config.poll_interval = Duration::from_millis(args.poll_interval.max(1));
    config.gas = GasPolicy {
        fee_cap: args.fee_cap,
        ..GasPolicy::default()
    };
    let node = Node::start(config).await?;
    if args.json {
        let ready = json!({
            "url": format!("http://{}", node.addr()),
            "provider": node.provider().to_string(),
            "worker": worker_address.to_string(),
            "data": args.data.display().to_string(),
        });
        println!("{ready}");
    }
    wait_for_signal().await?;
    info!("signal received: finishing the requests in flight");
    node.shutdown().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::base_url;

    #[test]
    fn a_provider_url_is_an_http_base_url() {
        assert_eq!(
            base_url("https://node.example.com:8560/").unwrap(),
            "https://node.example.com:8560"
        );
        assert!(base_url("node.example.com").is_err());
        assert!(base_url("http://").is_err());
        assert!(base_url("http://a/b").is_err());
    }
}
