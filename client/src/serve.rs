//! HTTP serving shared by the provider node and the keeper.

use axum::{
    Router,
    http::header,
    response::{IntoResponse, Response},
};
use prometheus_client::{encoding::text::encode, registry::Registry};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

/// Serves `app` on `listener` until `stop` turns true (requests in flight finish); logs
/// what failed as `what`.
pub fn spawn_serving(
    listener: TcpListener,
    app: Router,
    mut stop: watch::Receiver<bool>,
    what: &'static str,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop.wait_for(|&s| s).await;
        };
        if let Err(error) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(%error, "{what} failed");
        }
    })
}

/// `registry` in the OpenMetrics text format.
pub fn render(registry: &Registry) -> String {
    let mut out = String::new();
    encode(&mut out, registry).expect("writing to a String cannot fail");
    out
}

/// A `GET /metrics` answer: `text` from [`render`], with OpenMetrics' content type.
pub fn openmetrics(text: String) -> Response {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}
