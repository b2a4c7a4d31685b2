//! `cloudless devnode`: the dev node (the harness chain behind HTTP and WebSocket JSON-RPC).

use std::{net::IpAddr, path::PathBuf, time::Duration};

use anyhow::Context as _;
use devnode::Config;

/// `cloudless devnode` flags.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (0 picks a free port).
    #[arg(long, default_value_t = devnode::config::DEFAULT_PORT)]
    port: u16,
    /// Chain id.
    #[arg(long, default_value_t = harness::evm::chain::DEV_CHAIN_ID)]
    chain_id: u64,
    /// Number of prefunded dev accounts (10,000 ETH each).
    #[arg(long, default_value_t = devnode::config::DEFAULT_ACCOUNTS)]
    accounts: u32,
    /// Mine the pending transactions every SECS seconds instead of one block per transaction.
    #[arg(long, value_name = "SECS")]
    block_time: Option<u64>,
    /// Keep the chain in FILE across restarts.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Print one JSON line with the URLs, chain id and accounts instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs the dev node until SIGINT or SIGTERM.
pub fn run(args: Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: Args) -> anyhow::Result<()> {
    let config = Config {
        host: args.host,
        port: args.port,
        chain_id: args.chain_id,
        block_time: args.block_time.map(Duration::from_secs),
        state: args.state,
        accounts: args.accounts,
    };
    let chain_id = config.chain_id;
    let node = devnode::start(config).await?;
    if args.json {
        let accounts: Vec<_> = node
            .accounts()
            .iter()
            .map(|a| {
                serde_json::json!({
                    "address": a.address.to_checksum(None),
                    "private_key": a.private_key.to_string(),
                })
            })
            .collect();
        let ready = serde_json::json!({
            "rpc_url": node.rpc_url(),
            "ws_url": node.ws_url(),
            "chain_id": chain_id,
            "accounts": accounts,
        });
        println!("{ready}");
    } else {
        println!("Cloudless dev node, chain id {chain_id}");
        println!(
            "Dev accounts, 10,000 ETH each. DEV ONLY: these keys are public; never use them on a real network."
        );
        for (i, a) in node.accounts().iter().enumerate() {
            println!("  ({i}) {} key {}", a.address, a.private_key);
        }
        let addr = node.addr();
        println!("Listening on http://{addr} (ws://{addr})");
    }
    use std::io::Write as _;
    std::io::stdout().flush().ok();
    shutdown_signal().await?;
    node.stop().await?;
    Ok(())
}

/// Waits for SIGINT or SIGTERM.
async fn shutdown_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("cannot listen for SIGINT")?,
        _ = term.recv() => {}
    }
    Ok(())
}
