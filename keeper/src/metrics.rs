//! `/metrics` (Prometheus, OpenMetrics text) and `/healthz`, served by axum.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, SystemTime},
};

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use cloudless_client::serve;
use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeMetric},
    metrics::{MetricType, counter::ConstCounter, gauge::ConstGauge},
    registry::Registry,
};
use tokio::{net::TcpListener, sync::watch};
use tower_http::timeout::TimeoutLayer;

use crate::{Error, Status};

/// How long a request may take before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds `addr` and serves the status in `status` until `stop` turns true.
pub async fn serve(
    addr: SocketAddr,
    status: watch::Receiver<Status>,
    healthy_within: Duration,
    stop: watch::Receiver<bool>,
) -> Result<SocketAddr, Error> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Config(format!("binding the metrics address {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Config(e.to_string()))?;
    let app = router(status, healthy_within);
    serve::spawn_serving(listener, app, stop);
    Ok(local)
}

/// What the routes read.
struct Served {
    registry: Registry,
    status: watch::Receiver<Status>,
    healthy_within: Duration,
}

fn router(status: watch::Receiver<Status>, healthy_within: Duration) -> Router {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(StatusMetrics(status.clone())));
    let served = Arc::new(Served {
        registry,
        status,
        healthy_within,
    });
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(health))
        .fallback(|| async { (StatusCode::NOT_FOUND, "try /metrics or /healthz\n") })
        .with_state(served)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
}

async fn metrics(State(s): State<Arc<Served>>) -> Response {
    serve::openmetrics(serve::render(&s.registry))
}

async fn health(State(s): State<Arc<Served>>) -> Response {
    let status = s.status.borrow();
    let fresh = status.last_poll_ok.is_some_and(|at| {
        SystemTime::now()
            .duration_since(at)
            .is_ok_and(|age| age <= s.healthy_within)
    });
    if !fresh {
        let why = status
            .last_error
            .as_deref()
            .unwrap_or("no successful poll yet");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("unhealthy: {why}\n"),
        )
            .into_response();
    }
    // Still doing its job, but the operator must know the book may be wrong.
    match &status.last_contradiction {
        None => "ok\n".into_response(),
        Some(last) => format!(
            "ok, but {} log(s) contradicted the state and were skipped; last: {last}\n",
            status.contradictions
        )
        .into_response(),
    }
}

/// The keeper's status as metrics, read at each scrape.
#[derive(Debug)]
struct StatusMetrics(watch::Receiver<Status>);

/// A sample's type and value.
enum Sample {
    Counter(u64),
    Gauge(u64),
    /// Wei overflow `u64` (above ~18 ETH), so they are exported as floats.
    Wei(u128),
}

impl Collector for StatusMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let s = self.0.borrow().clone();
        // Counters are named without `_total`: the encoder appends it to their samples.
        let metrics = [
            (
                "keeper_head_block",
                "Latest block seen",
                Sample::Gauge(s.head),
            ),
            (
                "keeper_processed_block",
                "Last block ingested",
                Sample::Gauge(s.processed_block),
            ),
            (
                "keeper_lag_blocks",
                "Blocks between the head and the last ingested block",
                Sample::Gauge(s.lag),
            ),
            (
                "keeper_matches",
                "matchDeployment transactions mined",
                Sample::Counter(s.matches),
            ),
            (
                "keeper_instances_matched",
                "Instances placed by mined matches",
                Sample::Counter(s.instances_matched),
            ),
            (
                "keeper_evictions",
                "evict transactions mined",
                Sample::Counter(s.evictions),
            ),
            (
                "keeper_closes",
                "close transactions mined",
                Sample::Counter(s.closes),
            ),
            (
                "keeper_finalizes",
                "finalize transactions mined",
                Sample::Counter(s.finalizes),
            ),
            (
                "keeper_tx_sent",
                "Transactions broadcast (replacements included)",
                Sample::Counter(s.txs_sent),
            ),
            (
                "keeper_tx_failed",
                "Transactions reverted on chain or refused by the node",
                Sample::Counter(s.txs_failed),
            ),
            (
                "keeper_tx_replaced",
                "Fee-bumped or cancelling replacements",
                Sample::Counter(s.txs_replaced),
            ),
            (
                "keeper_lost_races",
                "Work dropped because the state moved (simulation)",
                Sample::Counter(s.lost_races),
            ),
            (
                "keeper_parked_jobs",
                "Jobs whose retries are exhausted",
                Sample::Gauge(s.parked_jobs),
            ),
            (
                "keeper_idle",
                "1 when the last poll found the keeper at the head with nothing to send or in flight",
                Sample::Gauge(s.idle.into()),
            ),
            (
                "keeper_polls",
                "Polls (cycles) run since the start",
                Sample::Counter(s.cycles),
            ),
            (
                "keeper_pending_jobs",
                "Jobs with a transaction not yet mined",
                Sample::Gauge(s.pending_jobs),
            ),
            (
                "keeper_wallet_balance_wei",
                "The keeper account's balance",
                Sample::Wei(s.balance),
            ),
            (
                "keeper_low_balance",
                "1 when the balance is below the warning threshold",
                Sample::Gauge(s.low_balance.into()),
            ),
            (
                "keeper_rebuilds",
                "State rebuilds from the deploy block (reorgs, restarts)",
                Sample::Counter(s.rebuilds),
            ),
            (
                "keeper_contradictions",
                "Logs that contradicted the keeper's state and were skipped",
                Sample::Counter(s.contradictions),
            ),
            (
                "keeper_resolves",
                "resolve transactions mined (disputes left unanswered past their deadline)",
                Sample::Counter(s.resolves),
            ),
            (
                "keeper_proofs_verified",
                "Proofs whose sampled leaves were fetched and checked",
                Sample::Counter(s.proofs_verified),
            ),
            (
                "keeper_leaves_sampled",
                "Leaves fetched from providers' nodes and checked",
                Sample::Counter(s.leaves_sampled),
            ),
        ];
        for (name, help, sample) in metrics {
            let kind = match sample {
                Sample::Counter(_) => MetricType::Counter,
                Sample::Gauge(_) | Sample::Wei(_) => MetricType::Gauge,
            };
            let metric = encoder.encode_descriptor(name, help, None, kind)?;
            match sample {
                Sample::Counter(n) => ConstCounter::new(n).encode(metric)?,
                Sample::Gauge(n) => ConstGauge::new(n).encode(metric)?,
                Sample::Wei(wei) => ConstGauge::new(wei as f64).encode(metric)?,
            }
        }
        let mut disputes = encoder.encode_descriptor(
            "keeper_disputes",
            "Disputes the keeper opened, by kind and outcome",
            None,
            MetricType::Counter,
        )?;
        for ((kind, outcome), n) in &s.disputes {
            let labels = [("kind", kind.as_str()), ("outcome", outcome.as_str())];
            ConstCounter::new(*n).encode(disputes.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serves `status` on a free port; returns its base URL and the status' sender.
    async fn served(status: Status) -> (String, watch::Sender<Status>, watch::Sender<bool>) {
        let (status_tx, status_rx) = watch::channel(status);
        let (stop_tx, stop_rx) = watch::channel(false);
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        let addr = serve(any_port, status_rx, Duration::from_secs(60), stop_rx)
            .await
            .unwrap();
        (format!("http://{addr}"), status_tx, stop_tx)
    }

    async fn get(url: &str) -> (u16, String) {
        let response = reqwest::get(url).await.unwrap();
        let code = response.status().as_u16();
        (code, response.text().await.unwrap())
    }

    #[tokio::test]
    async fn metrics_export_every_counter_gauge_and_dispute_by_name() {
        let status = Status {
            head: 12,
            matches: 3,
            balance: 20_000_000_000_000_000_000,
            idle: true,
            proofs_verified: 2,
            disputes: [(("result".into(), "fraud".into()), 1)].into(),
            ..Status::default()
        };
        let (url, _status, _stop) = served(status).await;
        let (code, text) = get(&format!("{url}/metrics")).await;
        assert_eq!(code, 200, "{text}");
        for line in [
            "# TYPE keeper_head_block gauge",
            "keeper_head_block 12",
            "# TYPE keeper_matches counter",
            "keeper_matches_total 3",
            "keeper_idle 1",
            "keeper_low_balance 0",
            "# HELP keeper_proofs_verified Proofs whose sampled leaves were fetched and checked",
            "keeper_proofs_verified_total 2",
            "# TYPE keeper_disputes counter",
            "keeper_disputes_total{kind=\"result\",outcome=\"fraud\"} 1",
            "# EOF",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "no line `{line}` in:\n{text}"
            );
        }
        // Above `u64::MAX`, so a float: Prometheus reads every sample as one.
        let balance = text
            .lines()
            .find_map(|l| l.strip_prefix("keeper_wallet_balance_wei ")?.parse().ok());
        assert_eq!(balance, Some(2e19), "{text}");
    }

    #[tokio::test]
    async fn health_follows_the_last_successful_poll_and_other_paths_get_a_hint() {
        let (url, status, _stop) = served(Status::default()).await;
        let unhealthy = get(&format!("{url}/healthz")).await;
        assert_eq!(
            unhealthy,
            (503, "unhealthy: no successful poll yet\n".into())
        );
        status.send_modify(|s| s.last_poll_ok = Some(SystemTime::now()));
        assert_eq!(get(&format!("{url}/healthz")).await, (200, "ok\n".into()));
        let unknown = get(&format!("{url}/status")).await;
        assert_eq!(unknown, (404, "try /metrics or /healthz\n".into()));
    }
}
