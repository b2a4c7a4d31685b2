//! The node's Prometheus metrics (`GET /metrics`).

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

/// The `status` label of `provider_requests_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    /// HTTP status code.
    pub status: u16,
}

/// Every metric the node exports.
pub struct Metrics {
    registry: Registry,
    /// Invocations answered, by HTTP status.
    pub requests: Family<StatusLabel, Counter>,
    /// Seconds from a request's arrival to its answer (receipt committed included).
    pub latency: Histogram,
    /// Ink used by successful invocations.
    pub ink: Counter,
    /// Receipts signed and committed.
    pub receipts: Counter,
    /// Epoch proofs in mined `submitProofs` transactions.
    pub proofs: Counter,
    /// Dispute answers mined.
    pub disputes_answered: Counter,
    /// Latest chain head seen.
    pub head: Gauge,
    /// 1 when the node follows the head.
    pub synced: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<StatusLabel, Counter>::default();
        let buckets = [
            0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0,
        ];
        let latency = Histogram::new(buckets);
        let (ink, receipts, proofs, disputes_answered) = Default::default();
        let (head, synced) = Default::default();
        registry.register(
            "provider_requests",
            "Invocations answered, by HTTP status",
            requests.clone(),
        );
        registry.register(
            "provider_request_duration_seconds",
            "Time from a request's arrival to its answer",
            latency.clone(),
        );
        registry.register(
            "provider_ink_used",
            "Ink used by successful invocations",
            Clone::clone(&ink),
        );
        registry.register(
            "provider_receipts",
            "Receipts signed and committed",
            Clone::clone(&receipts),
        );
        registry.register(
            "provider_proofs_submitted",
            "Epoch proofs in mined submitProofs transactions",
            Clone::clone(&proofs),
        );
        registry.register(
            "provider_disputes_answered",
            "Dispute answers mined",
            Clone::clone(&disputes_answered),
        );
        registry.register(
            "provider_head_block",
            "Latest chain head seen",
            Clone::clone(&head),
        );
        registry.register(
            "provider_synced",
            "1 when the node follows the chain head",
            Clone::clone(&synced),
        );
        Self {
            registry,
            requests,
            latency,
            ink,
            receipts,
            proofs,
            disputes_answered,
            head,
            synced,
        }
    }
}

impl Metrics {
    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        cloudless_client::serve::render(&self.registry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_appear_in_the_text_format() {
        let metrics = Metrics::default();
        metrics
            .requests
            .get_or_create(&StatusLabel { status: 200 })
            .inc();
        metrics.receipts.inc();
        let text = metrics.render();
        assert!(
            text.contains("provider_requests_total{status=\"200\"} 1"),
            "{text}"
        );
        assert!(text.contains("provider_receipts_total 1"), "{text}");
        assert!(text.contains("provider_request_duration_seconds_bucket"));
    }
}
