//! `cloudless gateway`: the HTTP gateway (docs/provider.md). `POST /d/{deployment}` goes to a
//! live provider node of the deployment with the failover and receipt verification of
//! `cloudless call`, and comes back with the response and its verified receipt; CORS lets
//! browser apps call it.

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc};

use alloy::providers::DynProvider;
use alloy_primitives::{Bytes, hex};
use alloy_sol_types::SolValue;
use axum::{
    Router,
    body::Bytes as Body,
    extract::{DefaultBodyLimit, Path, State},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use cloudless_client::calls::{Caller, RECEIPT_HEADER, Route, SIGNATURE_HEADER};
use serde_json::json;
use tokio::sync::Mutex;
use tower_http::cors::{Any, CorsLayer};

use crate::chain::{self, Session, client::ChainArgs, client::WalletArgs};

/// `cloudless gateway` flags.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8570")]
    listen: SocketAddr,
    #[command(flatten)]
    nodes: crate::call::NodeArgs,
    /// Largest request body accepted, bytes.
    #[arg(long, default_value_t = 1 << 20)]
    max_request: usize,
    #[command(flatten)]
    chain: ChainArgs,
}

/// The headers a gateway answer carries besides the receipt's: who answered and who signed.
const ANSWER_HEADERS: [&str; 6] = [
    RECEIPT_HEADER,
    SIGNATURE_HEADER,
    "Cloudless-Placement",
    "Cloudless-Epoch",
    "Cloudless-Provider",
    "Cloudless-Signer",
];

struct Gateway {
    caller: Caller<DynProvider>,
    /// Routes per deployment, with the epoch they were found for.
    routes: Mutex<BTreeMap<u64, (u64, Vec<Route>)>>,
}

/// Runs `cloudless gateway` until interrupted.
pub fn run(args: Args) -> anyhow::Result<()> {
    crate::chain::multi_thread(None)?.block_on(serve(args))
}

async fn serve(args: Args) -> anyhow::Result<()> {
    let session = Session::open(&args.chain, &WalletArgs::default()).await?;
    let caller = crate::call::caller(&session, &args.nodes)?;
    let app = router(caller, args.max_request);
    let describe = |url: &str| format!("gateway listening on {url}: POST {url}/d/<deployment>");
    chain::serve_until_interrupted(args.listen, args.chain.rpc.json, describe, app).await
}

/// The gateway's API over `caller`, refusing bodies over `max_request` bytes.
pub fn router(caller: Caller<DynProvider>, max_request: usize) -> Router {
    let gateway = Arc::new(Gateway {
        caller,
        routes: Mutex::new(BTreeMap::new()),
    });
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods(Any)
        .allow_headers(Any)
        .expose_headers(ANSWER_HEADERS.map(header_name));
    Router::new()
        .route("/d/{deployment}", post(call))
        .layer(DefaultBodyLimit::max(max_request))
        .layer(cors)
        .with_state(gateway)
}

/// `POST /d/{deployment}`.
async fn call(
    State(gateway): State<Arc<Gateway>>,
    Path(deployment): Path<u64>,
    body: Body,
) -> Response {
    match answer(&gateway, deployment, Bytes::from(body.to_vec())).await {
        Ok(response) => response,
        Err((status, code, message)) => (
            status,
            [("content-type", "application/json")],
            json!({ "error": code, "message": message }).to_string(),
        )
            .into_response(),
    }
}

type Refusal = (StatusCode, &'static str, String);

async fn answer(gateway: &Gateway, deployment: u64, request: Bytes) -> Result<Response, Refusal> {
    let chain_error = |error: anyhow::Error| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "chain_unavailable",
            format!("{error:#}"),
        )
    };
    let epoch = gateway.caller.current_epoch().await.map_err(chain_error)?;
    let routes = {
        let mut cache = gateway.routes.lock().await;
        match cache.get(&deployment) {
            Some((at, routes)) if *at == epoch => routes.clone(),
            _ => {
                let routes = gateway
                    .caller
                    .routes(deployment, epoch)
                    .await
                    .map_err(chain_error)?;
                cache.insert(deployment, (epoch, routes.clone()));
                routes
            }
        }
    };
    if routes.is_empty() {
        return Err((
            StatusCode::NOT_FOUND,
            "no_route",
            format!(
                "deployment {deployment} has no placement live in epoch {epoch} on a provider with a node URL"
            ),
        ));
    }
    let (answer, _) = gateway
        .caller
        .call(deployment, epoch, &routes, request)
        .await
        .map_err(|failed| {
            let attempts: Vec<String> = failed
                .iter()
                .map(|a| {
                    format!(
                        "placement {} at {}: {}",
                        a.route.placement_id, a.route.url, a.rejected
                    )
                })
                .collect();
            (
                StatusCode::BAD_GATEWAY,
                "upstream_failed",
                attempts.join("; "),
            )
        })?;
    let mut headers = HeaderMap::new();
    let values = [
        hex::encode_prefixed(answer.receipt().abi_encode()),
        hex::encode_prefixed(&answer.signature),
        answer.receipt.placement_id.to_string(),
        answer.receipt.epoch.to_string(),
        answer.provider.to_string(),
        answer.signer.to_string(),
    ];
    for (name, value) in ANSWER_HEADERS.iter().zip(values) {
        let value = HeaderValue::from_str(&value).expect("hex and decimal are header-safe");
        headers.insert(header_name(name), value);
    }
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok((StatusCode::OK, headers, answer.response.to_vec()).into_response())
}

/// A header name (any case; HTTP normalizes it).
fn header_name(name: &str) -> HeaderName {
    HeaderName::from_bytes(name.as_bytes()).expect("a valid header name")
}
