//! `cloudless call`: sends a request to a deployment through its providers' nodes, verifies the
//! signed receipt, prints the response and keeps receipt and request for disputes.

use std::{
    io::{Read, Write},
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::providers::DynProvider;
use alloy_primitives::Bytes;
use anyhow::{Context, bail};
use cloudless_client::calls::{Answer, Attempt, Caller};
use serde_json::json;

use crate::chain::{self, Session, client::ChainArgs, client::WalletArgs, output};

/// `cloudless call` flags.
#[derive(clap::Args)]
pub struct Args {
    /// The deployment to call.
    deployment: u64,
    /// The request as hex (`0x…`).
    #[arg(long, conflicts_with = "file")]
    data: Option<Bytes>,
    /// A file holding the request; `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Where answers are kept for disputes [default: the user's data dir, `cloudless/receipts`].
    #[arg(long, value_name = "DIR", env = "CLOUDLESS_RECEIPTS")]
    receipts: Option<PathBuf>,
    #[command(flatten)]
    nodes: NodeArgs,
    #[command(flatten)]
    chain: ChainArgs,
}

/// How provider nodes are reached (`cloudless call` and `cloudless gateway`).
#[derive(clap::Args)]
pub struct NodeArgs {
    /// Seconds to wait for one node before failing over to the next.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Reach HOST at ADDR instead of resolving it, as curl's `--resolve` (a node under its
    /// registered URL before its DNS exists); repeatable.
    #[arg(long, value_name = "HOST=ADDR", value_parser = parse_resolve)]
    resolve: Vec<(String, SocketAddr)>,
}

/// `HOST=IP:PORT`.
fn parse_resolve(text: &str) -> Result<(String, SocketAddr), String> {
    let (host, addr) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not HOST=IP:PORT"))?;
    let addr = addr
        .parse()
        .map_err(|e| format!("`{addr}` is not IP:PORT: {e}"))?;
    Ok((host.to_owned(), addr))
}

/// Runs `cloudless call`.
pub fn run(args: Args) -> anyhow::Result<()> {
    chain::run(args.chain.rpc.json, call(args))
}

async fn call(args: Args) -> anyhow::Result<()> {
    let request = request(&args)?;
    let session = Session::open(&args.chain, &WalletArgs::default()).await?;
    let caller = caller(&session, &args.nodes)?;
    let epoch = caller.current_epoch().await?;
    let routes = caller.routes(args.deployment, epoch).await?;
    if routes.is_empty() {
        bail!(
            "deployment {} has no placement live in epoch {epoch} on a provider with a node URL: \
             check `cloudless deploy show {}` (is it matched? did its providers register with \
             `cloudless provider register --url`?)",
            args.deployment,
            args.deployment
        );
    }
    let (answer, failed) = caller
        .call(args.deployment, epoch, &routes, request)
        .await
        .map_err(|failed| anyhow::anyhow!("every node failed:\n{}", attempts(&failed)))?;
    let dir = args.receipts.clone().unwrap_or_else(default_receipts_dir);
    let saved = save(&dir, &answer)?;
    if session.json {
        output::print_json(&json!({
            "answer": answer,
            "saved": saved.display().to_string(),
            "failed_over": failed.iter().map(|a| json!({
                "placement": a.route.placement_id,
                "url": a.route.url,
                "error": a.rejected.to_string(),
            })).collect::<Vec<_>>(),
        }));
    } else {
        if !failed.is_empty() {
            eprintln!("failed over:\n{}", attempts(&failed));
        }
        eprintln!(
            "placement {} (provider {}, {}) answered; receipt epoch {} seq {} signed by {}; kept in {}",
            answer.receipt.placement_id,
            answer.provider,
            answer.url,
            answer.receipt.epoch,
            answer.receipt.seq,
            answer.signer,
            saved.display()
        );
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&answer.response)?;
        stdout.flush()?;
    }
    Ok(())
}

/// A caller of the session's marketplace reaching nodes as `nodes` says.
pub fn caller(session: &Session, nodes: &NodeArgs) -> anyhow::Result<Caller<DynProvider>> {
    Caller::new(
        session.client.provider.clone(),
        session.client.chain_id,
        (session.market(), session.registry()),
        session.manifest.deploy_block.unwrap_or_default(),
        Duration::from_secs(nodes.timeout),
    )?
    .resolving(&nodes.resolve)
}

/// The request from `--data`, `--file` or standard input (`--file -`).
fn request(args: &Args) -> anyhow::Result<Bytes> {
    match (&args.data, &args.file) {
        (Some(data), _) => Ok(data.clone()),
        (None, Some(path)) if path == Path::new("-") => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("reading the request from standard input")?;
            Ok(bytes.into())
        }
        (None, Some(path)) => std::fs::read(path)
            .map(Bytes::from)
            .with_context(|| format!("reading the request from {}", path.display())),
        (None, None) => bail!("give the request: --data 0x…, --file FILE or --file - (stdin)"),
    }
}

fn attempts(failed: &[Attempt]) -> String {
    failed
        .iter()
        .map(|a| {
            format!(
                "  placement {} at {}: {}",
                a.route.placement_id, a.route.url, a.rejected
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `$XDG_DATA_HOME/cloudless/receipts`, else `~/.local/share/cloudless/receipts`.
fn default_receipts_dir() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("cloudless").join("receipts")
}

/// Writes `answer` to `DIR/<chain>/<deployment>/<placement>-<epoch>-<seq>.json` (through a
/// temporary file, so a file is whole or absent); returns its path.
fn save(dir: &Path, answer: &Answer) -> anyhow::Result<PathBuf> {
    let folder = dir
        .join(answer.chain_id.to_string())
        .join(answer.deployment_id.to_string());
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("creating the receipts folder {}", folder.display()))?;
    let r = &answer.receipt;
    let path = folder.join(format!("{}-{}-{}.json", r.placement_id, r.epoch, r.seq));
    let partial = path.with_extension("json.partial");
    std::fs::write(&partial, serde_json::to_vec_pretty(answer)?)
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Reads an answer [`save`] wrote.
pub fn load(path: &Path) -> anyhow::Result<Answer> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not a receipt kept by `cloudless call`",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn resolve_takes_a_host_and_a_socket_address() {
        let (host, addr) = super::parse_resolve("alpha.provider.test=127.0.0.1:8560").unwrap();
        assert_eq!(host, "alpha.provider.test");
        assert_eq!(addr, "127.0.0.1:8560".parse().unwrap());
        assert!(super::parse_resolve("alpha.provider.test").is_err());
        assert!(
            super::parse_resolve("alpha=localhost").is_err(),
            "an IP, not a name"
        );
    }
}
