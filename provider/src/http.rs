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
use cloudless_abi::{court::Receipt, merkle};
use cloudless_client::serve;
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
        .fallback(unknown)
        .method_not_allowed_fallback(wrong_method)
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
    let admitted = s.admitted.clone().try_acquire_owned().map_err(|_| {
        error(
            StatusCode::TOO_MANY_REQUESTS,
            "overloaded",
            "every worker is busy and its queue full; retry later",
        )
    })?;
    let permit = s.pool.clone().acquire_owned().await.map_err(internal)?;
    let max_ink = s.max_ink(&function);
    let input = request.clone();
    let ran = tokio::task::spawn_blocking(move || {
        let _running = (admitted, permit);
        function.run(&input, max_ink)
    })
    .await
    .map_err(internal)?;
    let answer = ran.map_err(|trap| {
        error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "trapped",
            trap.to_string(),
        )
    })?;
    s.metrics.ink.inc_by(answer.ink);
    let response = match &s.tamper {
        Some(tamper) => (tamper.0)(&request, answer.response),
        None => answer.response,
    };
    let response_hash = keccak256(&response);
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
            StoreError::Busy => error(
                StatusCode::TOO_MANY_REQUESTS,
                "overloaded",
                "too many receipts wait to be written; retry later",
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
    Ok((StatusCode::OK, headers, response).into_response())
}

async fn unknown(uri: axum::http::Uri) -> ApiError {
    not_found(format!("no route {uri}: see docs/provider.md"))
}

async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not served at {uri}"),
    )
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
    let missing = || {
        not_found(format!(
            "placement {placement} epoch {epoch} has no receipt {index}"
        ))
    };
    let stored = s
        .store
        .receipt(placement, epoch, index)
        .map_err(internal)?
        .ok_or_else(missing)?;
    let leaves = s.store.leaves(placement, epoch).map_err(internal)?;
    let path: Vec<B256> = merkle::path(&leaves, index as usize).ok_or_else(missing)?;
    Ok(Json(leaf_json(
        &stored.signed.receipt,
        &stored.signed.signature,
        stored.request.as_ref(),
        &path,
    )))
}

/// A leaf as `GET /v1/proofs/{placement}/{epoch}/{index}` shows it: the receipt's fields, the
/// worker's signature, the request (`null` once pruned) and the Merkle path.
pub fn leaf_json(
    receipt: &Receipt,
    signature: &Bytes,
    request: Option<&Bytes>,
    path: &[B256],
) -> Value {
    let r = receipt;
    json!({
        "receipt": {
            "placementId": r.placementId,
            "epoch": r.epoch,
            "seq": r.seq,
            "requestHash": r.requestHash,
            "responseHash": r.responseHash,
        },
        "signature": signature,
        "request": request,
        "path": path,
    })
}

async fn health(State(s): State<Arc<Shared>>) -> Response {
    let view = s.view();
    let synced = view.fresh(s.stale_after);
    let body = json!({
        "synced": synced,
        "head": view.head,
        "epoch": view.epoch,
        "placements": view.placements.keys().collect::<Vec<_>>(),
        "error": view.error,
    });
    let status = if synced {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

async fn metrics(State(s): State<Arc<Shared>>) -> Response {
    serve::openmetrics(s.metrics.render())
}

#[cfg(test)]
mod tests {
    use std::{collections::BTreeMap, time::Duration};

    use alloy::signers::local::PrivateKeySigner;
    use alloy_primitives::Address;
    use axum::http::Request;
    use cloudless_abi::court::Receipt;
    use cloudless_client::receipts::recover;
    use harness::artifact::process;
    use tower::ServiceExt;

    use super::*;
    use crate::{
        chain::{Limits, Serving, View},
        exec::{Function, LoadError},
        store::Store,
    };

    const CHAIN: u64 = 7;
    const MARKET: Address = Address::repeat_byte(0x11);

    /// Echoes its request, or reverts with `no` when the request is empty.
    fn function() -> Arc<Function> {
        let wat = r#"(module
            (import "vm_hooks" "read_args" (func $read_args (param i32)))
            (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
            (import "vm_hooks" "pay_for_memory_grow" (func $grow (param i32)))
            (memory (export "memory") 1)
            (data (i32.const 1000) "no")
            (func (export "user_entrypoint") (param $len i32) (result i32)
                (if (i32.eqz (local.get $len))
                    (then (call $write_result (i32.const 1000) (i32.const 2)) (return (i32.const 1))))
                (call $read_args (i32.const 0))
                (call $write_result (i32.const 0) (local.get $len))
                (i32.const 0)))"#;
        let code = process(&wat::parse_str(wat).unwrap()).unwrap().code;
        Arc::new(Function::load(&code, keccak256(&code)).unwrap())
    }

    fn worker() -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(&B256::repeat_byte(5)).unwrap()
    }

    /// A node serving deployment 3 through placement 2 (epochs 4..=6), now in `epoch`.
    fn node(dir: &std::path::Path, epoch: u64, synced: bool) -> Arc<Shared> {
        let store = Store::open(&dir.join("p.sqlite"), CHAIN, MARKET, worker()).unwrap();
        let limits = Limits {
            max_request: 16,
            max_ink: 1_000_000_000,
        };
        let shared = Arc::new(Shared::new(store, limits, 1, Duration::from_secs(60)));
        let serving = Serving {
            deployment: 3,
            start: 4,
            end: 6,
            function: Some(Ok(function())),
        };
        shared.publish(View {
            synced,
            head: 10,
            epoch,
            placements: BTreeMap::from([(2, serving)]),
            error: None,
            at: Some(Instant::now()),
        });
        shared
    }

    async fn post(shared: &Arc<Shared>, path: &str, body: &'static [u8]) -> Response {
        let request = Request::post(path).body(Body::from(body)).unwrap();
        router(shared.clone()).oneshot(request).await.unwrap()
    }

    async fn code(response: Response) -> (u16, String) {
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let json: Value = serde_json::from_slice(&body).unwrap();
        (status, json["error"].as_str().unwrap().to_owned())
    }

    #[tokio::test]
    async fn an_answer_carries_a_receipt_the_caller_can_verify() {
        let dir = tempfile::tempdir().unwrap();
        let shared = node(dir.path(), 5, true);
        for seq in 0..2 {
            let response = post(&shared, "/v1/deployments/3", b"ping").await;
            assert_eq!(response.status(), StatusCode::OK);
            let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
            let receipt =
                Receipt::abi_decode(&hex::decode(header("cloudless-receipt")).unwrap()).unwrap();
            let signature = hex::decode(header("cloudless-signature")).unwrap();
            assert_eq!(
                (header("cloudless-placement"), header("cloudless-epoch")),
                ("2".into(), "5".into())
            );
            let body = axum::body::to_bytes(response.into_body(), 64)
                .await
                .unwrap();
            assert_eq!(&body[..], b"ping");
            assert_eq!(
                (receipt.placementId, receipt.epoch, receipt.seq),
                (2, 5, seq)
            );
            assert_eq!(receipt.requestHash, keccak256(b"ping"));
            assert_eq!(receipt.responseHash, keccak256(&body));
            assert_eq!(
                recover(CHAIN, MARKET, &receipt, &signature).unwrap(),
                worker().address()
            );
        }
        let leaf = router(shared.clone())
            .oneshot(
                Request::get("/v1/proofs/2/5/1")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let leaf: Value = serde_json::from_slice(
            &axum::body::to_bytes(leaf.into_body(), 1 << 16)
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(leaf["receipt"]["seq"], 1);
        assert_eq!(leaf["request"], json!(Bytes::from_static(b"ping")));
        let proof = router(shared)
            .oneshot(Request::get("/v1/proofs/2/5").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let proof: Value = serde_json::from_slice(
            &axum::body::to_bytes(proof.into_body(), 1 << 16)
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            (proof["count"].clone(), proof["proofRef"].clone()),
            (json!(2), Value::Null)
        );
    }

    #[tokio::test]
    async fn every_refusal_has_its_documented_status_and_code() {
        let dir = tempfile::tempdir().unwrap();
        let shared = node(dir.path(), 5, true);
        assert_eq!(
            code(post(&shared, "/v1/deployments/9", b"x").await).await,
            (404, "not_served".into())
        );
        assert_eq!(
            code(post(&shared, "/v1/deployments/x", b"x").await).await,
            (404, "not_served".into())
        );
        assert_eq!(
            code(post(&shared, "/v1/deployments/3", b"seventeen bytes!!").await).await,
            (413, "too_large".into())
        );
        assert_eq!(
            code(post(&shared, "/v1/deployments/3", b"").await).await,
            (422, "trapped".into())
        );
        shared
            .referee_gas
            .store(100, std::sync::atomic::Ordering::Relaxed);
        let (status, error) = code(post(&shared, "/v1/deployments/3", b"x").await).await;
        assert_eq!(
            (status, error.as_str()),
            (422, "trapped"),
            "a run the court could not referee is refused"
        );
        shared
            .referee_gas
            .store(u64::MAX, std::sync::atomic::Ordering::Relaxed);
        let full = shared.admitted.available_permits() as u32;
        let busy = shared
            .admitted
            .clone()
            .try_acquire_many_owned(full)
            .unwrap();
        assert_eq!(
            code(post(&shared, "/v1/deployments/3", b"x").await).await,
            (429, "overloaded".into())
        );
        drop(busy);
        assert_eq!(
            post(&shared, "/v1/deployments/3", b"x").await.status(),
            StatusCode::OK
        );

        let impure =
            LoadError::Impure("imports vm_hooks::block_number, which reads the block".into());
        shared.publish(View {
            placements: BTreeMap::from([(
                2,
                Serving {
                    function: Some(Err(impure)),
                    ..shared.view().placements[&2].clone()
                },
            )]),
            ..(*shared.view()).clone()
        });
        let refused = post(&shared, "/v1/deployments/3", b"x").await;
        let body = axum::body::to_bytes(refused.into_body(), 1 << 16)
            .await
            .unwrap();
        let refused: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(refused["error"], "not_served");
        assert!(
            refused["message"]
                .as_str()
                .unwrap()
                .contains("vm_hooks::block_number"),
            "the refusal names the import: {refused}"
        );

        let (dir7, dir5) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let later = node(dir7.path(), 7, true);
        assert_eq!(
            code(post(&later, "/v1/deployments/3", b"x").await).await,
            (409, "not_live".into())
        );
        let behind = node(dir5.path(), 5, false);
        assert_eq!(
            code(post(&behind, "/v1/deployments/3", b"x").await).await,
            (503, "not_synced".into())
        );
        let lost = router(later.clone())
            .oneshot(Request::get("/v2/nothing").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(code(lost).await, (404, "not_found".into()));
        let wrong = router(later)
            .oneshot(
                Request::get("/v1/deployments/3")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(code(wrong).await, (405, "method_not_allowed".into()));
        let health = router(behind)
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
