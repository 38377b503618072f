//! The Sesshu back office: the only process that opens personal data.
//!
//! - [`tls`]: the HTTPS listener that requires a client certificate from the
//!   configured CA (checked in the handshake, revocations included);
//!   [`behind_proxy`]: plain HTTP on loopback behind nginx, which checks it;
//! - [`signed_in`]: the administrator signed in on that connection, whose
//!   role every page checks against the object it touches;
//! - `pages/`: login, home, audit log, administrator accounts, reservation
//!   lookup, check-in. Every route is in one table that the access test
//!   walks;
//! - every opening of personal data and every change is written to the
//!   audit trail, in the same transaction as the change.

pub mod behind_proxy;
mod charts;
mod error;
mod health;
pub mod i18n;
mod pages;
mod path;
pub mod signed_in;
mod state;
pub mod tls;

pub use error::OfficeError;
pub use health::metrics_router;
pub use pages::routes;
#[cfg(feature = "saml")]
pub use sesshu_http::WithSaml;
pub use state::{OfficeConfig, OfficeMail, OfficeState};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use sesshu_http::csrf::CsrfCookie;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The biggest legitimate body is an account form.
const BODY_LIMIT: usize = 16 * 1024;

/// The back-office application (serve it with [`tls::serve`]).
pub fn router(state: OfficeState) -> Router {
    // Installed before the first request is counted.
    sesshu_http::metrics::recorder();
    let sessions = SessionManagerLayer::new(state.sessions())
        .with_name("sesshu_office_session")
        .with_secure(true)
        .with_http_only(true)
        // Lax, not Strict: after a GakuNin login the IdP's page posts to
        // the ACS, whose redirect must carry the new session. Forms are
        // protected by the CSRF token and the origin check.
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            state.config().session_idle_minutes,
        )));
    let csrf = CsrfCookie {
        name: "sesshu_office_csrf",
        secure: true,
    };
    let app = pages::router()
        .layer(axum::middleware::from_fn_with_state(
            csrf,
            sesshu_http::csrf::issue,
        ))
        .layer(axum::middleware::from_fn(refuse_cross_site))
        .layer(sessions)
        .merge(sesshu_http::health::routes())
        .layer(axum::middleware::from_fn(error::render_errors))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            "office",
            sesshu_http::metrics::count_requests,
        ))
        .layer(sesshu_http::trace_layer());
    sesshu_http::harden::harden(app, true).with_state(state)
}

/// Refuses state-changing requests a browser marks as cross-site.
async fn refuse_cross_site(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    // The IdP's page posts the SAML response: SAML's own checks protect it.
    let saml_acs = request.uri().path() == "/saml/acs";
    if sesshu_http::origin::is_safe(request.method())
        || saml_acs
        || sesshu_http::origin::same_origin(request.headers(), None)
    {
        return next.run(request).await;
    }
    tracing::info!("cross-site request refused");
    OfficeError::Forbidden.into_response()
}
