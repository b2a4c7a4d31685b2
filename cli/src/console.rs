//! `cloudless console`: the web console (docs/cli.md#console). Serves the single-page app built
//! from `console/` (embedded in the binary: nothing is fetched at run time), the deployment
//! manifest, a same-origin JSON-RPC proxy to the node, revert decoding with the CLI's hints,
//! and the auditor's ledger folded from the node's logs.

use std::{net::SocketAddr, sync::Arc};

use alloy::{
    providers::{DynProvider, Provider},
    rpc::types::Filter,
};
use alloy_primitives::Bytes;
use axum::{
    Json, Router,
    body::Bytes as Body,
    extract::{RawQuery, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use cloudless_audit::{
    ledger::Ledger,
    plot::{self, Subject},
};
use cloudless_client::revert;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::chain::{self, Session, client::ChainArgs, client::WalletArgs, manifest::Manifest};

/// `cloudless console` flags.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8550")]
    listen: SocketAddr,
    /// A `cloudless gateway` the Developer page calls functions through.
    #[arg(long, value_name = "URL")]
    gateway: Option<String>,
    #[command(flatten)]
    chain: ChainArgs,
}

/// The bundle `console/build.mjs` writes; `cli/tests/console_bundle.rs` checks it is fresh.
const ASSETS: [(&str, &str, &[u8]); 3] = [
    (
        "/",
        "text/html; charset=utf-8",
        include_bytes!("../../console/dist/index.html"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../console/dist/app.js"),
    ),
    (
        "/app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../console/dist/app.css"),
    ),
];

struct Console {
    provider: DynProvider,
    manifest: Manifest,
    rpc_url: String,
    gateway: Option<String>,
    http: reqwest::Client,
}

/// Runs `cloudless console` until interrupted.
pub fn run(args: Args) -> anyhow::Result<()> {
    crate::chain::multi_thread(None)?.block_on(serve(args))
}

async fn serve(args: Args) -> anyhow::Result<()> {
    let session = Session::open(&args.chain, &WalletArgs::default()).await?;
    let console = Console {
        provider: session.client.provider.clone(),
        manifest: session.manifest,
        rpc_url: args.chain.rpc.rpc_url.clone(),
        gateway: args.gateway,
        http: reqwest::Client::new(),
    };
    let json = args.chain.rpc.json;
    let describe = |url: &str| format!("console at {url}");
    chain::serve_until_interrupted(args.listen, json, describe, router(console)).await
}

fn router(console: Console) -> Router {
    let mut app = Router::new();
    for (path, content_type, bytes) in ASSETS {
        app = app.route(
            path,
            get(move || async move { ([(header::CONTENT_TYPE, content_type)], bytes) }),
        );
    }
    app.route("/config.json", get(config))
        .route("/rpc", post(rpc))
        .route("/api/revert", post(decode_revert))
        .route("/api/ledger", get(ledger_json))
        .route("/api/ledger.svg", get(ledger_svg))
        .with_state(Arc::new(console))
}

/// `GET /config.json`: the manifest, where live updates come from, and the gateway.
async fn config(State(console): State<Arc<Console>>) -> Json<Value> {
    let ws_url = console
        .rpc_url
        .replacen("http://", "ws://", 1)
        .replacen("https://", "wss://", 1);
    Json(json!({
        "manifest": console.manifest,
        "ws_url": ws_url,
        "gateway": console.gateway,
    }))
}

/// `POST /rpc`: the request passed to the node unchanged, so the page has one origin.
async fn rpc(State(console): State<Arc<Console>>, body: Body) -> Response {
    let forwarded = console
        .http
        .post(&console.rpc_url)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await;
    let answer = match forwarded {
        Ok(answer) => answer.bytes().await,
        Err(error) => Err(error),
    };
    match answer {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(error) => refusal(StatusCode::BAD_GATEWAY, format!("the node: {error}")),
    }
}

/// The body of `POST /api/revert`.
#[derive(Deserialize)]
struct RevertQuery {
    /// What was attempted (a function name).
    action: String,
    /// The revert data, hex.
    data: String,
}

/// `POST /api/revert`: revert data decoded by name with the hint the CLI prints.
async fn decode_revert(Json(query): Json<RevertQuery>) -> Response {
    let Ok(data) = query.data.parse::<Bytes>() else {
        return refusal(
            StatusCode::BAD_REQUEST,
            format!("revert data {:?} is not hex", query.data),
        );
    };
    let reverted = revert::decode(&query.action, &data);
    Json(json!({
        "action": reverted.action,
        "name": reverted.name,
        "detail": reverted.detail,
        "hint": reverted.hint,
    }))
    .into_response()
}

/// `GET /api/ledger`: the ledger of `cloudless audit replay`, folded from the node's logs.
async fn ledger_json(State(console): State<Arc<Console>>) -> Response {
    match ledger(&console).await {
        Ok(ledger) => (
            [(header::CONTENT_TYPE, "application/json")],
            ledger.to_json(),
        )
            .into_response(),
        Err(error) => refusal(StatusCode::BAD_GATEWAY, format!("{error:#}")),
    }
}

/// The subject of `GET /api/ledger.svg`'s query: `deployment=N` or `provider=0x…`, the whole
/// market without either; other keys (a cache buster) are ignored.
fn plot_subject(query: Option<&str>) -> Result<Subject, String> {
    let mut subject = Subject::Market;
    for pair in query.unwrap_or_default().split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let next = match key {
            "deployment" => value
                .parse()
                .map(Subject::Deployment)
                .map_err(|_| format!("deployment {value:?} is not a deployment id"))?,
            "provider" => value
                .parse()
                .map(Subject::Provider)
                .map_err(|_| format!("provider {value:?} is not an address"))?,
            _ => continue,
        };
        if subject != Subject::Market {
            return Err("a plot is of one deployment or one provider".into());
        }
        subject = next;
    }
    Ok(subject)
}

/// `GET /api/ledger.svg[?deployment=N | ?provider=0x…]`: the ledger's plot (`ledger.svg` of
/// `audit replay`), or one subject's; 204 before any of its proofs.
async fn ledger_svg(State(console): State<Arc<Console>>, RawQuery(query): RawQuery) -> Response {
    let subject = match plot_subject(query.as_deref()) {
        Ok(subject) => subject,
        Err(error) => return refusal(StatusCode::BAD_REQUEST, error),
    };
    let plot = ledger(&console)
        .await
        .and_then(|ledger| plot::svg_of(&ledger, subject).map_err(anyhow::Error::msg));
    match plot {
        Ok(Some(svg)) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => refusal(StatusCode::BAD_GATEWAY, format!("{error:#}")),
    }
}

/// Every marketplace log since the deploy block, folded.
async fn ledger(console: &Console) -> anyhow::Result<Ledger> {
    let sources = console.manifest.sources()?;
    let head = console.provider.get_block_number().await?;
    let filter = Filter::new()
        .address(vec![sources.registry, sources.market, sources.token])
        .from_block(console.manifest.deploy_block.unwrap_or_default())
        .to_block(head);
    let logs = console.provider.get_logs(&filter).await?;
    Ok(Ledger::fold(sources, &logs)?)
}

fn refusal(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}
