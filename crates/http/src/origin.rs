//! Whether a state-changing request comes from our own site.

use axum::http::{HeaderMap, Method, header};

/// Whether a request may change state without any check (it cannot).
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a browser marks the request as coming from our own origin.
///
/// `Sec-Fetch-Site` must be `same-origin` (or `none`: typed by the user), and
/// an `Origin` must be our own (`public_origin`, or the host the request was
/// sent to). A client that sends neither (a script, the load tool) is not a
/// browser being abused, and passes.
pub fn same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.to_str(), Ok("same-origin" | "none"))
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if public_origin.is_some_and(|p| p.trim_end_matches('/') == origin) {
        return true;
    }
    // Otherwise the origin must name the host the request was sent to.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn clients_without_browser_headers_pass() {
        assert!(same_origin(&headers(&[("host", "localhost:8080")]), None));
    }

    #[test]
    fn same_origin_requests_pass() {
        let h = headers(&[
            ("host", "localhost:8080"),
            ("origin", "http://localhost:8080"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(same_origin(&h, None));
    }

    #[test]
    fn cross_site_requests_are_refused() {
        let foreign = headers(&[
            ("host", "localhost:8080"),
            ("origin", "https://evil.example"),
        ]);
        assert!(!same_origin(&foreign, None));
        let marked = headers(&[("host", "localhost:8080"), ("sec-fetch-site", "cross-site")]);
        assert!(!same_origin(&marked, None));
        let sibling = headers(&[("host", "localhost:8080"), ("sec-fetch-site", "same-site")]);
        assert!(!same_origin(&sibling, None));
        let opaque = headers(&[("host", "localhost:8080"), ("origin", "null")]);
        assert!(!same_origin(&opaque, None));
    }

    #[test]
    fn the_configured_public_origin_passes_behind_a_proxy() {
        let h = headers(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "https://vaccine.example.ac.jp"),
        ]);
        assert!(same_origin(&h, Some("https://vaccine.example.ac.jp/")));
    }
}
