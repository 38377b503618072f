//! The doors of the expensive routes under a rush: password logins pass a
//! narrow one (they wait on the password hash, a few at a time per core),
//! bookings and the personal pages a wide one (they wait on the database);
//! each is a [`sesshu_http::admission::Admission`]. Reads served from memory
//! (the days, availability, the static files, health) never wait behind
//! them.
//!
//! Who is turned away hears it at once: `503` with `Retry-After`, the JSON
//! API `{"code": "busy", …}`, a page "busy, this page will retry in N
//! seconds" that reloads itself (a `GET`) or asks to send the form again
//! (nothing was done).

use crate::error::{ApiError, PageError};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sesshu_http::admission::Admission;

/// The two doors.
#[derive(Clone, Debug)]
pub struct Doors {
    pub logins: Admission,
    pub requests: Admission,
}

/// Lets a request through its door, or answers it busy (inside
/// [`crate::error::render_errors`], which writes the body).
pub async fn admit(State(doors): State<Doors>, request: Request, next: Next) -> Response {
    let (method, path) = (request.method(), request.uri().path());
    if served_from_memory(method, path) {
        return next.run(request).await;
    }
    let gate = if is_password_login(method, path) {
        &doors.logins
    } else {
        &doors.requests
    };
    match gate.enter().await {
        Ok(_place) => next.run(request).await,
        Err(shed) => {
            metrics::counter!("sesshu_admission_shed_total", "reason" => shed.as_str())
                .increment(1);
            let retry_after = gate.limits().retry_after.as_secs().max(1);
            let mut response = if request.uri().path().starts_with("/api/") {
                ApiError::Busy.into_response()
            } else {
                PageError::Shed {
                    retry_after,
                    reload: request.method() == Method::GET,
                }
                .into_response()
            };
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            response
        }
    }
}

/// A login that checks a password (the JSON API's and the page form's).
fn is_password_login(method: &Method, path: &str) -> bool {
    method == Method::POST && (path == "/api/v1/login" || path.starts_with("/login/"))
}

/// The requests answered from the in-process availability view, the
/// catalog or the binary itself: nothing in them waits on the database's
/// writers or a password hash.
fn served_from_memory(method: &Method, path: &str) -> bool {
    if method != Method::GET && method != Method::HEAD {
        return false;
    }
    matches!(
        path,
        "/" | "/days" | "/api/v1/availability" | "/api/v1/openapi.json" | "/saml/metadata"
    ) || ["/days/", "/static/", "/lang/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::{Doors, admit, is_password_login, served_from_memory};
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::http::{Method, Request, StatusCode, header};
    use axum::routing::get;
    use sesshu_http::admission::{Admission, AdmissionLimits};
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::sync::Notify;
    use tower::ServiceExt;

    /// An app whose expensive routes wait for `release`, behind doors of
    /// one place and no queue.
    fn app(release: Arc<Notify>) -> (Router, Admission) {
        let door = || {
            Admission::new(AdmissionLimits {
                in_flight: 1,
                queue: 0,
                wait: Duration::ZERO,
                retry_after: Duration::from_secs(7),
            })
        };
        let doors = Doors {
            logins: door(),
            requests: door(),
        };
        let gate = doors.requests.clone();
        let slow = move || {
            let release = release.clone();
            async move {
                release.notified().await;
                "done"
            }
        };
        let router = Router::new()
            .route("/me", get(slow.clone()).post(slow.clone()))
            .route("/api/v1/me/reservations", get(slow.clone()))
            .route("/api/v1/login", axum::routing::post(slow))
            .route("/days", get(|| async { "days" }))
            .layer(axum::middleware::from_fn_with_state(doors, admit))
            .layer(axum::middleware::from_fn(crate::error::render_errors));
        (router, gate)
    }

    fn request(method: Method, path: &str, lang: &str) -> Request<Body> {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(Body::empty())
            .unwrap_or_default()
    }

    async fn text(response: axum::response::Response) -> String {
        let bytes = to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Holds the one place with a request that waits, and gives it back.
    async fn holding_the_place(
        router: &Router,
        gate: &Admission,
    ) -> tokio::task::JoinHandle<StatusCode> {
        let held = tokio::spawn({
            let router = router.clone();
            async move {
                let response = router.oneshot(request(Method::GET, "/me", "en")).await;
                response
                    .map(|r| r.status())
                    .unwrap_or(StatusCode::IM_A_TEAPOT)
            }
        });
        while gate.in_flight() == 0 {
            tokio::task::yield_now().await;
        }
        held
    }

    #[tokio::test]
    async fn beyond_the_door_the_api_answers_busy_with_retry_after() {
        let release = Arc::new(Notify::new());
        let (router, gate) = app(release.clone());
        let held = holding_the_place(&router, &gate).await;

        let response = router
            .clone()
            .oneshot(request(Method::GET, "/api/v1/me/reservations", "ja"))
            .await
            .unwrap_or_default();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
        let body: serde_json::Value =
            serde_json::from_str(&text(response).await).unwrap_or_default();
        assert_eq!(body["code"], "busy");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("混み合って"))
        );

        release.notify_one();
        assert_eq!(held.await.ok(), Some(StatusCode::OK));
        let after = router
            .oneshot(request(Method::GET, "/days", "en"))
            .await
            .unwrap_or_default();
        assert_eq!(after.status(), StatusCode::OK, "the place is given back");
    }

    #[tokio::test]
    async fn a_busy_page_reloads_itself_and_a_busy_form_asks_to_send_again() {
        let release = Arc::new(Notify::new());
        let (router, gate) = app(release.clone());
        let held = holding_the_place(&router, &gate).await;

        let page = router
            .clone()
            .oneshot(request(Method::GET, "/me", "en"))
            .await
            .unwrap_or_default();
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(page.headers()[header::RETRY_AFTER], "7");
        let html = text(page).await;
        assert!(
            html.contains(r#"<meta http-equiv="refresh" content="7">"#),
            "{html}"
        );
        assert!(
            html.contains("This page will retry in 7 seconds."),
            "{html}"
        );

        let form = router
            .clone()
            .oneshot(request(Method::POST, "/me", "ja"))
            .await
            .unwrap_or_default();
        assert_eq!(form.status(), StatusCode::SERVICE_UNAVAILABLE);
        let html = text(form).await;
        assert!(
            !html.contains("refresh"),
            "a form is not sent again by itself"
        );
        assert!(html.contains("何も変更されていません"), "{html}");

        let days = router
            .oneshot(request(Method::GET, "/days", "en"))
            .await
            .unwrap_or_default();
        assert_eq!(
            days.status(),
            StatusCode::OK,
            "reads from memory never wait"
        );
        release.notify_one();
        assert_eq!(held.await.ok(), Some(StatusCode::OK));
    }

    #[tokio::test]
    async fn a_full_booking_door_does_not_hold_up_a_login() {
        let release = Arc::new(Notify::new());
        let (router, gate) = app(release.clone());
        let held = holding_the_place(&router, &gate).await;
        let login = tokio::spawn({
            let router = router.clone();
            async move {
                let response = router
                    .oneshot(request(Method::POST, "/api/v1/login", "en"))
                    .await;
                response
                    .map(|r| r.status())
                    .unwrap_or(StatusCode::IM_A_TEAPOT)
            }
        });
        // Both wait on `release` now: neither was turned away.
        tokio::time::sleep(Duration::from_millis(20)).await;
        release.notify_waiters();
        assert_eq!(
            login.await.ok(),
            Some(StatusCode::OK),
            "the login had its own door"
        );
        assert_eq!(held.await.ok(), Some(StatusCode::OK));
    }

    #[test]
    fn password_logins_take_the_narrow_door() {
        assert!(is_password_login(&Method::POST, "/api/v1/login"));
        assert!(is_password_login(&Method::POST, "/login/demo"));
        assert!(!is_password_login(&Method::GET, "/login/demo"));
        assert!(!is_password_login(&Method::POST, "/reservations"));
    }

    #[test]
    fn reads_from_memory_pass_and_everything_else_takes_a_place() {
        for path in [
            "/",
            "/days",
            "/days/2026-12-10",
            "/api/v1/availability",
            "/static/style.css",
            "/lang/en",
        ] {
            assert!(served_from_memory(&Method::GET, path), "{path}");
        }
        for path in ["/me", "/login/demo", "/consent", "/api/v1/me/reservations"] {
            assert!(!served_from_memory(&Method::GET, path), "{path}");
        }
        for path in ["/days", "/reservations", "/api/v1/login", "/login/demo"] {
            assert!(!served_from_memory(&Method::POST, path), "{path}");
        }
    }
}
