//! Serving connections: jsonrpsee answers HTTP and WebSocket on one port, but under separate
//! caps ([`MAX_HTTP_REQUESTS`] in flight, [`MAX_WS_CONNECTIONS`] open), so idle WebSocket
//! clients cannot starve HTTP. Over a cap the answer is a JSON-RPC error object. HTTP bodies
//! are read here first, so that notifications run but get no reply and JSON that is not a
//! request object gets an invalid-request error ([`shape`]).

use std::{
    future::{Ready, ready},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use jsonrpsee::{
    Methods,
    core::BoxError,
    server::{
        HttpBody, HttpResponse, StopHandle, TowerServiceBuilder, http::response,
        serve_with_graceful_shutdown, ws::is_upgrade_request,
    },
    types::{ErrorCode, ErrorObjectOwned, Id, Response, ResponsePayload},
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::{
    Service, ServiceBuilder,
    layer::util::{Identity, Stack},
};
use tower_http::cors::CorsLayer;

use crate::{
    config::{MAX_HTTP_REQUESTS, MAX_REQUEST_BYTES, MAX_WS_CONNECTIONS},
    shape::{Shape, shape},
    unknown_method::UnknownMethodLayer,
};

/// jsonrpsee's service builder with the node's RPC middleware.
pub(crate) type Builder = TowerServiceBuilder<Stack<UnknownMethodLayer, Identity>, Identity>;

/// EIP-1474's "limit exceeded".
const LIMIT_EXCEEDED: i32 = -32005;

/// Accepts connections on `listener` until `stop`, each served by jsonrpsee's `builder`.
pub(crate) async fn serve(
    listener: TcpListener,
    builder: Builder,
    methods: Methods,
    stop: StopHandle,
) {
    let router = Router {
        builder,
        methods,
        stop: stop.clone(),
        http: Arc::new(Semaphore::new(MAX_HTTP_REQUESTS)),
        ws: Arc::new(Semaphore::new(MAX_WS_CONNECTIONS)),
    };
    // Any origin may call, as on other dev nodes: dapps in a browser talk to it directly.
    let service = ServiceBuilder::new()
        .layer(CorsLayer::permissive())
        .service(router);
    loop {
        let socket = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => socket,
                // As in jsonrpsee's own loop: a failed accept loses that connection only.
                Err(_) => continue,
            },
            () = stop.clone().shutdown() => return,
        };
        // Small answers go out at once rather than waiting for Nagle's algorithm.
        let _ = socket.set_nodelay(true);
        let service = service.clone();
        let stopped = stop.clone().shutdown();
        tokio::spawn(async move {
            // A client that hangs up mid-request is its own problem.
            let _ = serve_with_graceful_shutdown(socket, service, stopped).await;
        });
    }
}

/// Sends each request to jsonrpsee if its cap has room.
#[derive(Clone)]
struct Router {
    builder: Builder,
    methods: Methods,
    stop: StopHandle,
    /// One permit per HTTP request being answered.
    http: Arc<Semaphore>,
    /// One permit per open WebSocket connection.
    ws: Arc<Semaphore>,
}

type Answer = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send>>;

impl Service<http::Request<Incoming>> for Router {
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Answer;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Incoming>) -> Answer {
        let mut jsonrpsee = self
            .builder
            .clone()
            .build(self.methods.clone(), self.stop.clone());
        if is_upgrade_request(&request) {
            let Ok(permit) = self.ws.clone().try_acquire_owned() else {
                return Box::pin(over_limit(format!(
                    "too many WebSocket connections: the limit is {MAX_WS_CONNECTIONS}"
                )));
            };
            // The session outlives this call: the permit goes when the connection closes.
            let closed = jsonrpsee.on_session_closed();
            tokio::spawn(async move {
                closed.await;
                drop(permit);
            });
            return Box::pin(jsonrpsee.call(request));
        }
        let Ok(permit) = self.http.clone().try_acquire_owned() else {
            return Box::pin(over_limit(format!(
                "too many HTTP requests in flight: the limit is {MAX_HTTP_REQUESTS}"
            )));
        };
        Box::pin(async move {
            let answer = match checked(request).await {
                Checked::Forward(request) => jsonrpsee.call(request).await,
                Checked::Notification(request) => {
                    // Run it as a request, then answer nothing, as the spec says.
                    let _ = jsonrpsee.call(request).await;
                    Ok(response::ok_response(HttpBody::empty()))
                }
                Checked::Answer(answer) => Ok(answer),
            };
            drop(permit);
            answer
        })
    }
}

/// What to do with an HTTP request.
enum Checked {
    /// Give it to jsonrpsee and send its answer.
    Forward(http::Request<HttpBody>),
    /// A notification, given an id so that jsonrpsee runs it; its answer is dropped.
    Notification(http::Request<HttpBody>),
    /// Send this answer (jsonrpsee's would be wrong, see [`shape`]).
    Answer(HttpResponse),
}

/// `request` with its body read, sorted by what to do with it.
async fn checked(request: http::Request<Incoming>) -> Checked {
    let (mut parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BYTES as usize)
        .collect()
        .await
    {
        Ok(body) => body.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => {
            return Checked::Answer(response::too_large(MAX_REQUEST_BYTES));
        }
        Err(_) => return Checked::Answer(response::malformed()),
    };
    let forward = |parts, body| http::Request::from_parts(parts, HttpBody::new(Full::new(body)));
    match shape(&body) {
        Shape::ForJsonrpsee => Checked::Forward(forward(parts, body)),
        Shape::Notification => {
            let Ok(mut object) =
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&body)
            else {
                return Checked::Forward(forward(parts, body));
            };
            object.insert("id".into(), serde_json::Value::from(0));
            let body =
                hyper::body::Bytes::from(serde_json::to_vec(&object).expect("JSON serializes"));
            parts
                .headers
                .insert(http::header::CONTENT_LENGTH, body.len().into());
            Checked::Notification(forward(parts, body))
        }
        Shape::NotARequest => Checked::Answer(error(
            http::StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest.into(),
        )),
    }
}

fn over_limit(message: String) -> Ready<Result<HttpResponse, BoxError>> {
    let error_object = ErrorObjectOwned::owned(LIMIT_EXCEEDED, message, None::<()>);
    ready(Ok(error(http::StatusCode::TOO_MANY_REQUESTS, error_object)))
}

/// An HTTP answer carrying a JSON-RPC error response with a null id.
fn error(status: http::StatusCode, error: ErrorObjectOwned) -> HttpResponse {
    let body = Response::new(ResponsePayload::<()>::error(error), Id::Null);
    http::Response::builder()
        .status(status)
        .header(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(HttpBody::from(
            serde_json::to_string(&body).expect("a JSON-RPC error serializes"),
        ))
        .expect("status and header are valid")
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[tokio::test]
    async fn over_a_cap_the_answer_is_a_json_rpc_error() {
        let answer = over_limit("too many".into()).await.unwrap();
        assert_eq!(answer.status(), http::StatusCode::TOO_MANY_REQUESTS);
        let body = answer.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32005, "message": "too many"}})
        );
    }
}
