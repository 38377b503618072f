//! What both Sesshu listeners (the public one and the back office) share:
//! the plumbing of a browser-facing HTTP service, none of the pages.
//!
//! - [`admission`]: a bounded number of expensive requests in flight;
//! - [`limits`]: request rates per client address and per session;
//! - [`metrics`]: the Prometheus recorder, request counts, `/metrics`;
//! - [`sessions`]: tower-sessions over Sesshu's own store;
//! - [`client`]: the client's address behind a trusted reverse proxy;
//! - [`csrf`]: the double-submit token of every form;
//! - [`origin`]: whether a state-changing request comes from our own site;
//! - [`lang`]: which language to answer in;
//! - [`page`]: rendering a page, the error page, answering a store failure;
//! - [`harden`]: the security headers of every response;
//! - [`health`]: `/healthz` and `/readyz`;
//! - [`saml`] (feature `saml`): setting a state's GakuNin service provider.

pub mod admission;
pub mod client;
pub mod csrf;
pub mod harden;
pub mod health;
pub mod lang;
pub mod limits;
pub mod metrics;
pub mod origin;
pub mod page;
#[cfg(feature = "saml")]
pub mod saml;
pub mod sessions;

pub use csrf::{CsrfForm, CsrfRefusal, CsrfToken, CsrfUpload};
#[cfg(feature = "saml")]
pub use saml::WithSaml;
pub use sessions::DbSessionStore;

use axum::extract::MatchedPath;
use tower_http::classify::{ServerErrorsAsFailures, ServerErrorsFailureClass, SharedClassifier};
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer};

type MakeSpan = fn(&axum::http::Request<axum::body::Body>) -> tracing::Span;
type OnFailure = fn(ServerErrorsFailureClass, std::time::Duration, &tracing::Span);

/// The layer [`trace_layer`] returns.
pub type RequestLog = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    MakeSpan,
    DefaultOnRequest,
    DefaultOnResponse,
    (),
    (),
    OnFailure,
>;

/// The request log: a span per request (method and route) and one line at
/// info when it is answered (status and latency); a server error one more
/// line at error, but not a `503`: under a rush the door answers thousands
/// of them on purpose, and where one means trouble (the database stayed
/// contended) it is logged where it happens.
pub fn trace_layer() -> RequestLog {
    TraceLayer::new_for_http()
        .make_span_with(request_span as MakeSpan)
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
        .on_body_chunk(())
        .on_eos(())
        .on_failure(log_failure as OnFailure)
}

fn log_failure(class: ServerErrorsFailureClass, latency: std::time::Duration, _: &tracing::Span) {
    match class {
        ServerErrorsFailureClass::StatusCode(status) if status.as_u16() == 503 => {}
        class => tracing::error!(classification = %class, latency = ?latency, "response failed"),
    }
}

/// The span of one request: method and route, never the query string (ids
/// and dates only, but a habit worth keeping) nor any header or body.
pub fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("-", MatchedPath::as_str);
    tracing::info_span!("request", method = %request.method(), route)
}
