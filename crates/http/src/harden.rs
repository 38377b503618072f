//! The security headers of every response of a browser-facing listener.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;
use tower_http::set_header::SetResponseHeaderLayer;

/// Pages of our own only: no scripts, no framing, no third parties.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// [`CSP`] with the site's own script files allowed (nothing inline, no
/// third party).
pub const CSP_WITH_OWN_SCRIPTS: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                                        img-src 'self'; form-action 'self'; \
                                        frame-ancestors 'none'; base-uri 'none'";

/// Lets one page run the site's own scripts and use the device's camera,
/// nothing else of the device (a QR code read by the camera).
pub fn allow_camera(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP_WITH_OWN_SCRIPTS),
    );
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(self), microphone=(), geolocation=()"),
    );
}

/// Adds the headers: no sniffing, no framing, no referrer to other sites, a
/// strict content security policy and `no-store` unless a route says
/// otherwise, and HSTS when served over HTTPS.
pub fn harden<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let router = router
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    if https {
        router.layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        router
    }
}
