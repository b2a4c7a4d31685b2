//! Talking to a chain over JSON-RPC: the client and wallet from flags, the deployment manifest,
//! simulate-send-await for transactions, revert decoding with hints, and output.

pub mod client;
pub mod events;
pub mod output;
pub mod program;
pub mod send;

pub use cloudless_client::{manifest, revert};

use std::future::Future;

pub use client::{Client, Session, WriteArgs};

/// A multi-threaded tokio runtime for the long-running commands (nodes, servers, the demo,
/// benchmarks): `workers` threads, or one per core.
pub fn multi_thread(workers: Option<usize>) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = workers {
        builder.worker_threads(workers);
    }
    builder.enable_all().build()
}

/// Serves `app` on `listen` until Ctrl-C (with the servers' header-read timeout), after
/// announcing its URL: `{"url"}` on stdout with `json`, else `describe(url)` on stderr.
pub async fn serve_until_interrupted(
    listen: std::net::SocketAddr,
    json: bool,
    describe: impl FnOnce(&str) -> String,
    app: axum::Router,
) -> anyhow::Result<()> {
    use anyhow::Context;
    use cloudless_client::serve::{HEADER_READ_TIMEOUT, serve};

    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let url = format!("http://{}", listener.local_addr()?);
    if json {
        output::print_json(&serde_json::json!({ "url": url }));
    } else {
        eprintln!("{}", describe(&url));
    }
    serve(listener, app, HEADER_READ_TIMEOUT, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}

/// Runs a command's future on a fresh runtime; with `json`, a failure is also printed as
/// `{"error": …}` on stdout so scripts always get one JSON document.
pub fn run<F>(json: bool, future: F) -> anyhow::Result<()>
where
    F: Future<Output = anyhow::Result<()>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(future);
    if let (true, Err(error)) = (json, &result) {
        println!("{}", output::error_json(error));
    }
    result
}

/// Runs `action` on a session that signs with the wallet of `args` (required).
pub fn write<F, Fut>(args: WriteArgs, action: F) -> anyhow::Result<()>
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    run(args.chain.rpc.json, async move {
        action(Session::open_write(&args).await?).await
    })
}

/// Runs `action` on a session; the wallet, if given, only names the default account.
pub fn read<F, Fut>(args: WriteArgs, action: F) -> anyhow::Result<()>
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    run(args.chain.rpc.json, async move {
        action(Session::open(&args.chain, &args.wallet).await?).await
    })
}

/// Sends `call` from the wallet of `args` to the contract `to` names (e.g. [`Session::market`])
/// and reports the transaction followed by the `summary` fields.
pub fn send_one<C>(
    args: WriteArgs,
    to: fn(&Session) -> alloy_primitives::Address,
    call: C,
    summary: serde_json::Value,
) -> anyhow::Result<()>
where
    C: alloy_sol_types::SolCall + Send + 'static,
{
    write(args, move |s| async move {
        let sent = s.client.send(to(&s), call).await?;
        output::report(s.json, &[sent], summary);
        Ok(())
    })
}

/// `account`, else the wallet's address, else an error asking for `flag`.
pub fn account_or_wallet(
    session: &Session,
    account: Option<alloy_primitives::Address>,
    flag: &str,
) -> anyhow::Result<alloy_primitives::Address> {
    match account.or(session.client.from) {
        Some(account) => Ok(account),
        None => anyhow::bail!("pass {flag} or a wallet (--private-key / --keystore)"),
    }
}
