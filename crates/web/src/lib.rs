//! The public Sesshu process: recipient pages and the JSON API.
//!
//! Handlers parse the request, call a use case of `sesshu-core`, and render
//! HTML or JSON. Nothing here opens personal data, and nothing here decides a
//! booking rule.
//!
//! - [`router`] builds the whole application for a [`AppState`];
//! - `api/` is `/api/v1` (JSON, described by `/api/v1/openapi.json`);
//! - `pages/` are the server-rendered pages (no JavaScript needed);
//! - `session`, `csrf`, `guard` and `lang` are the cross-cutting parts.

mod admission;
mod api;
mod client;
mod error;
mod guard;
mod health;
pub mod i18n;
mod lang;
mod limits;
mod pages;
mod signed_in;
mod state;

pub use api::ApiDoc;
pub use sesshu_http::DbSessionStore;
#[cfg(feature = "saml")]
pub use sesshu_http::WithSaml;
pub use state::{AppState, WebConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use sesshu_http::csrf::CsrfCookie;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Request bodies larger than this are refused (413): the biggest legitimate
/// one is a login form.
const BODY_LIMIT: usize = 16 * 1024;

/// The name of the session cookie (the request limits key a session by it).
const SESSION_COOKIE: &str = "sesshu_session";

/// This process in the metrics' `process` label.
const PROCESS: &str = "public";

/// `GET /metrics` of the public process, for its own listener (see
/// `metrics_listen`): not on the public face, where anyone could read the
/// rush's figures.
pub fn metrics_router(state: AppState) -> Router {
    let handle = sesshu_http::metrics::recorder();
    Router::new()
        .route(
            "/metrics",
            axum::routing::get(
                move |axum::extract::State(state): axum::extract::State<AppState>| async move {
                    sesshu_http::metrics::record_pool(state.store().pool_use());
                    sesshu_http::metrics::render(&handle)
                },
            ),
        )
        .with_state(state)
}

/// The public application.
pub fn router(state: AppState) -> Router {
    // Installed before the first request is counted.
    sesshu_http::metrics::recorder();
    let config = state.config();
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.store()))
        .with_name(SESSION_COOKIE)
        .with_secure(config.secure_cookies)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            config.session_idle_minutes,
        )));
    let csrf = CsrfCookie {
        name: "sesshu_csrf",
        secure: config.secure_cookies,
    };
    let pages = pages::routes().layer(axum::middleware::from_fn_with_state(
        csrf,
        sesshu_http::csrf::issue,
    ));
    let app = Router::new()
        .nest("/api/v1", api::routes())
        .merge(pages)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::refuse_cross_site,
        ))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            state.doors().clone(),
            admission::admit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::limit,
        ))
        .merge(sesshu_http::health::routes())
        .layer(axum::middleware::from_fn(error::render_errors))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            PROCESS,
            sesshu_http::metrics::count_requests,
        ))
        .layer(sesshu_http::trace_layer());
    sesshu_http::harden::harden(app, config.secure_cookies).with_state(state)
}
