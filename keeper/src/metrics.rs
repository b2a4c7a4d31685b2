//! `/metrics` (Prometheus text format) and `/healthz` over a minimal HTTP/1.1 handler.

use std::{
    net::SocketAddr,
    time::{Duration, SystemTime},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
    sync::watch,
};
use tracing::warn;

use crate::{Error, Status};

/// Binds `addr` and serves the status in `status` until `stop` changes.
pub async fn serve(
    addr: SocketAddr,
    status: watch::Receiver<Status>,
    healthy_within: Duration,
    mut stop: watch::Receiver<bool>,
) -> Result<SocketAddr, Error> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Config(format!("binding the metrics address {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Config(e.to_string()))?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                accepted = listener.accept() => {
                    let Ok((mut stream, _)) = accepted else { continue };
                    let snapshot = status.borrow().clone();
                    tokio::spawn(async move {
                        let mut buf = [0u8; 1024];
                        let n = stream.read(&mut buf).await.unwrap_or(0);
                        let request = String::from_utf8_lossy(&buf[..n]);
                        let path = request.split_whitespace().nth(1).unwrap_or("/");
                        let (code, body) = respond(path, &snapshot, healthy_within);
                        let response = format!(
                            "HTTP/1.1 {code}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        if let Err(error) = stream.write_all(response.as_bytes()).await {
                            warn!(%error, "metrics client went away");
                        }
                    });
                }
            }
        }
    });
    Ok(local)
}

fn respond(path: &str, status: &Status, healthy_within: Duration) -> (&'static str, String) {
    match path {
        "/metrics" => ("200 OK", render(status)),
        "/healthz" => {
            let fresh = status.last_poll_ok.is_some_and(|at| {
                SystemTime::now()
                    .duration_since(at)
                    .is_ok_and(|age| age <= healthy_within)
            });
            if fresh {
                // Still doing its job, but the operator must know the book may be wrong.
                let body = match &status.last_contradiction {
                    None => "ok\n".into(),
                    Some(last) => format!(
                        "ok, but {} log(s) contradicted the state and were skipped; last: {last}\n",
                        status.contradictions
                    ),
                };
                ("200 OK", body)
            } else {
                let why = status
                    .last_error
                    .as_deref()
                    .unwrap_or("no successful poll yet");
                ("503 Service Unavailable", format!("unhealthy: {why}\n"))
            }
        }
        _ => ("404 Not Found", "try /metrics or /healthz\n".into()),
    }
}

/// The status as Prometheus text.
pub fn render(s: &Status) -> String {
    let metrics: [(&str, &str, &str, f64); 23] = [
        (
            "keeper_head_block",
            "gauge",
            "Latest block seen",
            s.head as f64,
        ),
        (
            "keeper_processed_block",
            "gauge",
            "Last block ingested",
            s.processed_block as f64,
        ),
        (
            "keeper_lag_blocks",
            "gauge",
            "Blocks between the head and the last ingested block",
            s.lag as f64,
        ),
        (
            "keeper_matches_total",
            "counter",
            "matchDeployment transactions mined",
            s.matches as f64,
        ),
        (
            "keeper_instances_matched_total",
            "counter",
            "Instances placed by mined matches",
            s.instances_matched as f64,
        ),
        (
            "keeper_evictions_total",
            "counter",
            "evict transactions mined",
            s.evictions as f64,
        ),
        (
            "keeper_closes_total",
            "counter",
            "close transactions mined",
            s.closes as f64,
        ),
        (
            "keeper_finalizes_total",
            "counter",
            "finalize transactions mined",
            s.finalizes as f64,
        ),
        (
            "keeper_tx_sent_total",
            "counter",
            "Transactions broadcast (replacements included)",
            s.txs_sent as f64,
        ),
        (
            "keeper_tx_failed_total",
            "counter",
            "Transactions reverted on chain or refused by the node",
            s.txs_failed as f64,
        ),
        (
            "keeper_tx_replaced_total",
            "counter",
            "Fee-bumped or cancelling replacements",
            s.txs_replaced as f64,
        ),
        (
            "keeper_lost_races_total",
            "counter",
            "Work dropped because the state moved (simulation)",
            s.lost_races as f64,
        ),
        (
            "keeper_parked_jobs",
            "gauge",
            "Jobs whose retries are exhausted",
            s.parked_jobs as f64,
        ),
        (
            "keeper_idle",
            "gauge",
            "1 when the last poll found the keeper at the head with nothing to send or in flight",
            f64::from(u8::from(s.idle)),
        ),
        (
            "keeper_polls_total",
            "counter",
            "Polls (cycles) run since the start",
            s.cycles as f64,
        ),
        (
            "keeper_pending_jobs",
            "gauge",
            "Jobs with a transaction not yet mined",
            s.pending_jobs as f64,
        ),
        (
            "keeper_wallet_balance_wei",
            "gauge",
            "The keeper account's balance",
            s.balance as f64,
        ),
        (
            "keeper_low_balance",
            "gauge",
            "1 when the balance is below the warning threshold",
            f64::from(u8::from(s.low_balance)),
        ),
        (
            "keeper_rebuilds_total",
            "counter",
            "State rebuilds from the deploy block (reorgs, restarts)",
            s.rebuilds as f64,
        ),
        (
            "keeper_contradictions_total",
            "counter",
            "Logs that contradicted the keeper's state and were skipped",
            s.contradictions as f64,
        ),
        (
            "keeper_resolves_total",
            "counter",
            "resolve transactions mined (disputes left unanswered past their deadline)",
            s.resolves as f64,
        ),
        (
            "keeper_proofs_verified_total",
            "counter",
            "Proofs whose sampled leaves were fetched and checked",
            s.proofs_verified as f64,
        ),
        (
            "keeper_leaves_sampled_total",
            "counter",
            "Leaves fetched from providers' nodes and checked",
            s.leaves_sampled as f64,
        ),
    ];
    let mut out = String::new();
    for (name, kind, help, value) in metrics {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    }
    out.push_str(
        "# HELP keeper_disputes_total Disputes the keeper opened, by kind and outcome\n# TYPE keeper_disputes_total counter\n",
    );
    for ((kind, outcome), n) in &s.disputes {
        out.push_str(&format!(
            "keeper_disputes_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {n}\n"
        ));
    }
    out
}
