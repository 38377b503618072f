//! `/healthz` and `/readyz` ([`sesshu_http::health`]) through the
//! operations, and `GET /metrics` (Prometheus), served on a listener of
//! its own.

use crate::state::OfficeState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use sesshu_store::StoreError;

impl sesshu_http::health::Ready for OfficeState {
    async fn ready(&self) -> Result<(), StoreError> {
        self.operations().ready().await
    }
}

/// The office's `GET /metrics`: what every process counts, and the pool's
/// use and the mail outbox's depth and age read at the scrape.
pub fn metrics_router(state: OfficeState) -> Router {
    let handle = sesshu_http::metrics::recorder();
    Router::new()
        .route(
            "/metrics",
            get(move |State(state): State<OfficeState>| async move {
                let ops = state.operations();
                sesshu_http::metrics::record_pool(ops.pool_use());
                match sesshu_operations::mail::backlog(ops).await {
                    Ok(backlog) => {
                        metrics::gauge!("sesshu_mail_pending").set(backlog.pending as f64);
                        let age = backlog.oldest.map_or(0.0, |at| {
                            (ops.now() - at).num_milliseconds().max(0) as f64 / 1e3
                        });
                        metrics::gauge!("sesshu_mail_oldest_pending_seconds").set(age);
                    }
                    Err(e) => tracing::warn!(error = %e, "mail backlog not read for the metrics"),
                }
                sesshu_http::metrics::render(&handle)
            }),
        )
        .with_state(state)
}
