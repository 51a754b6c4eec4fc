//! Prometheus metrics: the registry and every metric family the service exports.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub db_pool_connections: IntGaugeVec,
    pub outbox_messages: IntGaugeVec,
    pub emails_sent: IntCounter,
    pub emails_failed: IntCounter,
    pub email_delivery_latency: Histogram,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route template, method and status"),
            &["method", "route", "status"],
        )
        .expect("metric definition is valid");
        let http_duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route template")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["method", "route"],
        )
        .expect("metric definition is valid");
        let db_pool_connections = IntGaugeVec::new(
            Opts::new("db_pool_connections", "PostgreSQL pool connections by state"),
            &["state"],
        )
        .expect("metric definition is valid");
        let outbox_messages = IntGaugeVec::new(
            Opts::new("email_outbox_messages", "Messages in the email outbox by status"),
            &["status"],
        )
        .expect("metric definition is valid");
        let emails_sent = IntCounter::new("emails_sent_total", "Emails delivered by this process")
            .expect("metric definition is valid");
        let emails_failed = IntCounter::new("emails_failed_total", "Emails given up on by this process")
            .expect("metric definition is valid");
        let email_delivery_latency = Histogram::with_opts(
            HistogramOpts::new(
                "email_delivery_latency_seconds",
                "Time from queueing an email to its delivery",
            )
            .buckets(vec![0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0, 7200.0]),
        )
        .expect("metric definition is valid");
        for collector in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_duration.clone()),
            Box::new(db_pool_connections.clone()),
            Box::new(outbox_messages.clone()),
            Box::new(emails_sent.clone()),
            Box::new(emails_failed.clone()),
            Box::new(email_delivery_latency.clone()),
        ] {
            registry.register(collector).expect("metric names are unique");
        }
        Self {
            registry,
            http_requests,
            http_duration,
            db_pool_connections,
            outbox_messages,
            emails_sent,
            emails_failed,
            email_delivery_latency,
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        // Encoding into a Vec cannot fail for well-formed families.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buffer);
        String::from_utf8(buffer).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
