//! The HTTP API (docs/provider.md): invocations with signed receipts, proofs for verifiers,
//! health and metrics.

use std::{sync::Arc, time::Instant};

use alloy_primitives::{B256, Bytes, hex, keccak256};
use alloy_sol_types::SolValue;
use axum::{
    Json, Router,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use cloudless_abi::merkle;
use serde_json::{Value, json};

use crate::{
    chain::{Shared, Target},
    metrics::StatusLabel,
    store::StoreError,
};

/// The node's routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/deployments/{id}", post(invoke))
        .route("/v1/proofs/{placement}/{epoch}", get(proof))
        .route("/v1/proofs/{placement}/{epoch}/{index}", get(leaf))
        .route("/healthz", get(health))
        .route("/metrics", get(metrics))
        .with_state(shared)
}

/// A documented error: its status, code and message.
struct ApiError(StatusCode, &'static str, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.1, "message": self.2});
        (self.0, Json(body)).into_response()
    }
}

fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError(status, code, message.into())
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
}

fn h(bytes: &[u8]) -> String {
    hex::encode_prefixed(bytes)
}

async fn invoke(State(s): State<Arc<Shared>>, Path(id): Path<String>, body: Body) -> Response {
    let started = Instant::now();
    let response = match serve(&s, &id, body).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    };
    let status = response.status().as_u16();
    s.metrics
        .requests
        .get_or_create(&StatusLabel { status })
        .inc();
    s.metrics.latency.observe(started.elapsed().as_secs_f64());
    response
}

async fn serve(s: &Arc<Shared>, id: &str, body: Body) -> Result<Response, ApiError> {
    let not_served = |why: String| error(StatusCode::NOT_FOUND, "not_served", why);
    let deployment: u64 = id
        .parse()
        .map_err(|_| not_served(format!("`{id}` is not a deployment id")))?;
    let (placement, epoch, function) = match s.target(deployment) {
        Target::NotSynced => {
            return Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_synced",
                "the node has not caught up with the chain head; retry shortly",
            ));
        }
        Target::NotServed => {
            return Err(not_served(format!(
                "deployment {deployment} has no live placement of this provider"
            )));
        }
        Target::NotLive { placement, epoch } => {
            return Err(error(
                StatusCode::CONFLICT,
                "not_live",
                format!("placement {placement} does not serve epoch {epoch}"),
            ));
        }
        Target::Refused { reason, .. } => return Err(not_served(reason)),
        Target::Serve {
            placement,
            epoch,
            function,
        } => (placement, epoch, function),
    };
    let request = axum::body::to_bytes(body, s.limits.max_request)
        .await
        .map_err(|_| {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("requests are at most {} bytes", s.limits.max_request),
            )
        })?;
    let permit = s.pool.clone().try_acquire_owned().map_err(|_| {
        error(
            StatusCode::TOO_MANY_REQUESTS,
            "overloaded",
            "every worker is busy; retry later",
        )
    })?;
    let max_ink = s.limits.max_ink;
    let input = request.clone();
    let ran = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        function.run(&input, max_ink)
    })
    .await
    .map_err(internal)?;
    let answer =
        ran.map_err(|trap| error(StatusCode::UNPROCESSABLE_ENTITY, "trapped", trap.to_string()))?;
    s.metrics.ink.inc_by(answer.ink);
    let response_hash = keccak256(&answer.response);
    let signed = s
        .store
        .record(placement, epoch, Bytes::from(request), response_hash)
        .await
        .map_err(|e| match e {
            StoreError::Sealed { .. } => error(
                StatusCode::CONFLICT,
                "not_live",
                format!("epoch {epoch} ended while the request ran; retry"),
            ),
            other => internal(other),
        })?;
    s.metrics.receipts.inc();
    let mut headers = HeaderMap::new();
    let value = |v: String| HeaderValue::from_str(&v).expect("hex and digits are valid");
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert("cloudless-receipt", value(h(&signed.receipt.abi_encode())));
    headers.insert("cloudless-signature", value(h(&signed.signature)));
    headers.insert("cloudless-placement", value(placement.to_string()));
    headers.insert("cloudless-epoch", value(epoch.to_string()));
    Ok((StatusCode::OK, headers, answer.response).into_response())
}

fn not_found(what: String) -> ApiError {
    error(StatusCode::NOT_FOUND, "not_found", what)
}

fn number(text: &str, what: &str) -> Result<u64, ApiError> {
    text.parse()
        .map_err(|_| not_found(format!("`{text}` is not a {what}")))
}

async fn proof(
    State(s): State<Arc<Shared>>,
    Path((placement, epoch)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (placement, epoch) = (number(&placement, "placement")?, number(&epoch, "epoch")?);
    let sent = s.store.proof(placement, epoch).map_err(internal)?;
    let (root, tx, proof_ref) = match sent {
        Some(row) => (row.root, row.tx, row.proof_ref),
        None => (
            s.store.root(placement, epoch).map_err(internal)?,
            None,
            None,
        ),
    };
    let proof_ref = proof_ref.map(|r| {
        json!({
            "placementId": r.placementId,
            "epoch": r.epoch,
            "receiptsRoot": r.receiptsRoot,
            "count": r.count,
            "batch": r.batch,
            "provenAt": r.provenAt,
            "size": r.size,
            "position": r.position,
            "path": r.path,
        })
    });
    Ok(Json(json!({
        "placementId": placement,
        "epoch": epoch,
        "root": root.root,
        "count": root.count,
        "tx": tx,
        "proofRef": proof_ref,
    })))
}

async fn leaf(
    State(s): State<Arc<Shared>>,
    Path((placement, epoch, index)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let placement = number(&placement, "placement")?;
    let (epoch, index) = (number(&epoch, "epoch")?, number(&index, "index")?);
    let missing = || not_found(format!("placement {placement} epoch {epoch} has no receipt {index}"));
    let stored = s
        .store
        .receipt(placement, epoch, index)
        .map_err(internal)?
        .ok_or_else(missing)?;
    let leaves = s.store.leaves(placement, epoch).map_err(internal)?;
    let path: Vec<B256> = merkle::path(&leaves, index as usize).ok_or_else(missing)?;
    let r = &stored.signed.receipt;
    Ok(Json(json!({
        "receipt": {
            "placementId": r.placementId,
            "epoch": r.epoch,
            "seq": r.seq,
            "requestHash": r.requestHash,
            "responseHash": r.responseHash,
        },
        "signature": stored.signed.signature,
        "request": stored.request,
        "path": path,
    })))
}

async fn health(State(s): State<Arc<Shared>>) -> Response {
    let view = s.view();
    let body = json!({
        "synced": view.synced,
        "head": view.head,
        "epoch": view.epoch,
        "placements": view.placements.keys().collect::<Vec<_>>(),
        "error": view.error,
    });
    let status = if view.synced {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

async fn metrics(State(s): State<Arc<Shared>>) -> Response {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    (
        [(header::CONTENT_TYPE, content_type)],
        s.metrics.render(),
    )
        .into_response()
}
