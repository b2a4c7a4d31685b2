//! HTTP serving shared by the console, the gateway, the provider node and the keeper.

use std::{future::Future, io, pin::pin, time::Duration};

use axum::{
    Router,
    http::header,
    response::{IntoResponse, Response},
};
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use prometheus_client::{encoding::text::encode, registry::Registry};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

/// How long a client may take to send a request's head (request line and headers) before its
/// connection is closed, so that one sending them a byte at a time (slowloris) cannot hold a
/// connection for ever.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `app` over HTTP/1.1 on `listener` until `shutdown` completes, then stops accepting,
/// lets the requests in flight finish and closes idle connections before returning (what
/// `axum::serve` with a graceful shutdown does). A connection whose client takes longer than
/// `header_read_timeout` to send a request's head is closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    refused(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// After a failed accept: a client that gave up is its own business; anything else (out of file
/// descriptors) is logged and waited out for a second, as `axum::serve` does.
async fn refused(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        tracing::error!(%error, "accepting a connection failed");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// [`serve`]s `app` on `listener`, with [`HEADER_READ_TIMEOUT`], until `stop` turns true.
pub fn spawn_serving(
    listener: TcpListener,
    app: Router,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(serve(listener, app, HEADER_READ_TIMEOUT, async move {
        let _ = stop.wait_for(|&s| s).await;
    }))
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

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::routing::get;
    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpStream,
    };

    use super::*;

    /// A server of `GET /` → `ok` with a short header timeout; its address, the sender that stops
    /// it and its task.
    async fn start() -> (SocketAddr, watch::Sender<bool>, JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/", get(|| async { "ok" }));
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(serve(
            listener,
            app,
            Duration::from_millis(200),
            async move {
                let _ = stopped.wait_for(|&s| s).await;
            },
        ));
        (addr, stop, task)
    }

    /// Writes `sent` to `addr` and reads until the server closes the connection (a guard against
    /// a hang, not a timing check: the header timeout is far shorter).
    async fn exchange(addr: SocketAddr, sent: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(sent.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer))
            .await
            .unwrap_or_else(|_| panic!("the server left the connection open"))
            .unwrap();
        String::from_utf8(answer).unwrap()
    }

    #[tokio::test]
    async fn a_slow_request_head_is_cut_off_and_others_are_answered() {
        let (addr, stop, task) = start().await;
        let answer = exchange(
            addr,
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\nok"), "{answer}");

        // Headers begun and never finished: closed, unanswered.
        let answer = exchange(addr, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1").await;
        assert_eq!(answer, "");

        stop.send(true).unwrap();
        task.await.unwrap();
        assert!(TcpStream::connect(addr).await.is_err(), "still listening");
    }
}
