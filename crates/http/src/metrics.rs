//! Prometheus metrics: the recorder (one per process), the per-request
//! counts and latencies, and the text at `GET /metrics`.
//!
//! Code anywhere records with the `metrics` macros; until [`recorder`] is
//! called they cost nothing. Labels are bounded by construction: the route
//! is the router's pattern (`/days/{date}`), never the path, and nothing
//! personal is ever a label.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// Latency buckets, in seconds: fine below 100 ms, where the targets are.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed on first use. A process has one
/// (`metrics` keeps a global); a second call returns the same handle.
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let handle = match builder.install_recorder() {
                Ok(handle) => handle,
                Err(e) => {
                    // Only if another recorder was installed first: serve an
                    // empty page rather than fail the process.
                    tracing::warn!(error = %e, "metrics recorder not installed");
                    PrometheusBuilder::new().build_recorder().handle()
                }
            };
            describe();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "sesshu_http_requests_total",
        "Requests answered, by process, route, method and status."
    );
    describe_histogram!(
        "sesshu_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time to answer a request, by process, route and method."
    );
    describe_gauge!(
        "sesshu_admission_waiting",
        "Expensive requests waiting for a place now."
    );
    describe_counter!(
        "sesshu_admission_shed_total",
        "Requests turned away busy (503), by reason."
    );
    describe_counter!(
        "sesshu_bookings_total",
        "Booking attempts (book, change, cancel), by action and outcome."
    );
    describe_counter!(
        "sesshu_login_failures_total",
        "Logins refused, by kind (refused, throttled, consent_expired)."
    );
    describe_gauge!(
        "sesshu_free_places",
        "Free places per vaccination day (Asia/Tokyo), as the availability view holds them."
    );
    describe_gauge!(
        "sesshu_db_pool_connections",
        "Database connections, by state (open, idle, max)."
    );
    describe_gauge!("sesshu_mail_pending", "Mails waiting to be sent.");
    describe_gauge!(
        "sesshu_mail_oldest_pending_seconds",
        "Age of the oldest mail waiting to be sent."
    );
}

/// Counts every request and times it, labelled with `process` and the
/// matched route (layer it on the router, where the route is known).
pub async fn count_requests(
    State(process): State<&'static str>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!(
        "sesshu_http_request_duration_seconds",
        "process" => process, "route" => route.clone(), "method" => method.clone()
    )
    .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        "sesshu_http_requests_total",
        "process" => process, "route" => route, "method" => method, "status" => status
    )
    .increment(1);
    response
}

/// The pool's use as gauges (call before rendering).
pub fn record_pool(pool: sesshu_store::PoolUse) {
    for (state, n) in [("open", pool.open), ("idle", pool.idle), ("max", pool.max)] {
        metrics::gauge!("sesshu_db_pool_connections", "state" => state).set(f64::from(n));
    }
}

/// The Prometheus text of everything recorded so far.
pub fn render(handle: &PrometheusHandle) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        handle.render(),
    )
        .into_response()
}
