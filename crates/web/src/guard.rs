//! The cross-site guard of the public listener.

use crate::error::{ApiError, PageError};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Refuses state-changing requests that a browser marks as cross-site
/// (see [`sesshu_http::origin::same_origin`]).
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = sesshu_http::origin::is_safe(request.method());
    // The IdP's page posts the SAML response: SAML checks protect it.
    let saml_acs = request.uri().path() == "/saml/acs";
    if safe
        || saml_acs
        || sesshu_http::origin::same_origin(
            request.headers(),
            state.config().public_origin.as_deref(),
        )
    {
        return next.run(request).await;
    }
    tracing::info!("cross-site request refused");
    if request.uri().path().starts_with("/api/") {
        ApiError::CrossSite.into_response()
    } else {
        PageError::Forbidden.into_response()
    }
}
