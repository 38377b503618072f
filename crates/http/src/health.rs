//! `/healthz`: the process answers. `/readyz`: and its database does. The
//! same on both listeners, each saying how its database is asked.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use sesshu_store::StoreError;
use std::future::Future;

/// A listener's state that can say whether its database answers.
pub trait Ready: Clone + Send + Sync + 'static {
    fn ready(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub fn routes<S: Ready>() -> Router<S> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready::<S>))
}

async fn ready<S: Ready>(State(state): State<S>) -> (StatusCode, &'static str) {
    match state.ready().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
