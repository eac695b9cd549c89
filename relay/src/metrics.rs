//! The relay's Prometheus metrics (`GET /metrics`, text format).

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TransportLabel {
    /// `http` or `mqtt`.
    pub transport: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    /// The refusal's code (`bad_signature`, `replayed_sequence`...).
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    /// `accepted`, `already_on_chain`, `rejected`, `failed`.
    pub outcome: &'static str,
}

/// Every metric the relay keeps.
pub struct Metrics {
    registry: Registry,
    /// Readings that arrived, well-formed or not.
    pub received: Family<TransportLabel, Counter>,
    /// Readings refused at ingest, by reason (a refused request counts each of its readings
    /// under the request's reason).
    pub rejected: Family<ReasonLabel, Counter>,
    /// Readings written to the outbox.
    pub stored: Counter,
    /// Resent readings the outbox already held.
    pub duplicates: Counter,
    /// Readings sent to the chain in a `submit_readings` call.
    pub submitted: Counter,
    /// Readings whose on-chain outcome is known, by outcome.
    pub settled: Family<OutcomeLabel, Counter>,
    pub batches: Counter,
    /// Chain calls that failed and will be retried.
    pub submit_failures: Counter,
    /// Accounts the relay settled (`settle`: credits minted, bills paid).
    pub accounts_settled: Counter,
    /// The last batch's weight.
    pub batch_ref_time: Gauge,
    pub batch_proof_size: Gauge,
    pub batch_readings: Histogram,
    /// Readings stored and not yet settled.
    pub queue_depth: Gauge,
    /// 1 while the MQTT subscription is acknowledged by the broker (readings published
    /// before it are not delivered to this relay), else 0.
    pub mqtt_subscribed: Gauge,
    /// Seconds a `submit_readings` call took, dry run included.
    pub submit_latency: Histogram,
    /// Seconds from a reading's arrival to its settlement.
    pub settle_latency: Histogram,
    /// When the chain thread last went round its loop (unix ms; not exported).
    pub heartbeat_ms: std::sync::atomic::AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("relay");
        let metrics = Self {
            received: Family::default(),
            rejected: Family::default(),
            stored: Counter::default(),
            duplicates: Counter::default(),
            submitted: Counter::default(),
            settled: Family::default(),
            batches: Counter::default(),
            submit_failures: Counter::default(),
            accounts_settled: Counter::default(),
            batch_ref_time: Gauge::default(),
            batch_proof_size: Gauge::default(),
            batch_readings: Histogram::new(exponential_buckets(1.0, 2.0, 11)),
            queue_depth: Gauge::default(),
            mqtt_subscribed: Gauge::default(),
            submit_latency: Histogram::new(exponential_buckets(0.001, 2.0, 16)),
            settle_latency: Histogram::new(exponential_buckets(0.01, 2.0, 16)),
            registry: Registry::default(),
            heartbeat_ms: Default::default(),
        };
        let r = &mut registry;
        r.register(
            "readings_received",
            "Readings that arrived",
            metrics.received.clone(),
        );
        r.register(
            "readings_rejected",
            "Readings refused at ingest, by reason",
            metrics.rejected.clone(),
        );
        r.register(
            "readings_stored",
            "Readings written to the outbox",
            metrics.stored.clone(),
        );
        r.register(
            "readings_duplicate",
            "Resent readings already in the outbox",
            metrics.duplicates.clone(),
        );
        r.register(
            "readings_submitted",
            "Readings sent to the chain",
            metrics.submitted.clone(),
        );
        r.register(
            "readings_settled",
            "Readings whose on-chain outcome is known",
            metrics.settled.clone(),
        );
        r.register(
            "batches",
            "submit_readings calls made",
            metrics.batches.clone(),
        );
        r.register(
            "submit_failures",
            "Chain calls that failed and are retried",
            metrics.submit_failures.clone(),
        );
        r.register(
            "accounts_settled",
            "Accounts settled: their accrued credits minted, their bills paid",
            metrics.accounts_settled.clone(),
        );
        r.register(
            "batch_ref_time",
            "ref_time of the last batch (picoseconds)",
            metrics.batch_ref_time.clone(),
        );
        r.register(
            "batch_proof_size",
            "proof_size of the last batch (bytes)",
            metrics.batch_proof_size.clone(),
        );
        r.register(
            "batch_readings",
            "Readings per submitted batch",
            metrics.batch_readings.clone(),
        );
        r.register(
            "queue_depth",
            "Readings stored and not yet settled",
            metrics.queue_depth.clone(),
        );
        r.register(
            "mqtt_subscribed",
            "1 while the broker has acknowledged the MQTT subscription",
            metrics.mqtt_subscribed.clone(),
        );
        r.register(
            "submit_latency_seconds",
            "Time of one submit_readings call",
            metrics.submit_latency.clone(),
        );
        r.register(
            "settle_latency_seconds",
            "Time from arrival to settlement",
            metrics.settle_latency.clone(),
        );
        Self {
            registry,
            ..metrics
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }

    pub fn reject(&self, reason: &'static str, readings: u64) {
        self.rejected
            .get_or_create(&ReasonLabel { reason })
            .inc_by(readings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text_with_labels() {
        let metrics = Metrics::new();
        metrics
            .received
            .get_or_create(&TransportLabel { transport: "http" })
            .inc_by(3);
        metrics.reject("bad_signature", 2);
        metrics.queue_depth.set(5);
        let text = metrics.render();
        assert!(
            text.contains("relay_readings_received_total{transport=\"http\"} 3"),
            "{text}"
        );
        assert!(text.contains("relay_readings_rejected_total{reason=\"bad_signature\"} 2"));
        assert!(text.contains("relay_queue_depth 5"));
        assert!(text.contains("# TYPE relay_submit_latency_seconds histogram"));
    }
}
