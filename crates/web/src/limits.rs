//! The public API's request limits per client address and per session
//! ([`sesshu_http::limits`]): `429` with `Retry-After` and
//! `{"code": "too_many_requests", …}`. Checked before the door, so a
//! flooding client never takes a place there.

use crate::SESSION_COOKIE;
use crate::client::ClientIp;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::cookie::Cookie;

pub async fn limit(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let session = session_cookie(request.headers());
    match state.request_limits().check(address, session.as_deref()) {
        Ok(()) => next.run(request).await,
        Err(limited) => {
            metrics::counter!("sesshu_rate_limited_total", "limit" => limited.as_str())
                .increment(1);
            let seconds = limited.retry_after().as_secs_f64().ceil().max(1.0) as u64;
            let mut response = ApiError::TooManyRequests.into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
    }
}

fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::session_cookie;
    use axum::http::{HeaderMap, HeaderValue, header};

    #[test]
    fn the_session_is_read_from_among_the_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("sesshu_csrf=x; sesshu_session=abc; lang=en"),
        );
        assert_eq!(session_cookie(&headers).as_deref(), Some("abc"));
        assert_eq!(session_cookie(&HeaderMap::new()), None);
    }
}
