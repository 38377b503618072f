//! What a hostile client sends to both listeners: the language switch's
//! `back` never leads off the site as a browser reads it, and characters a
//! header cannot hold give the fallback; a scanner's usual values in every
//! path segment, query parameter, form field and JSON field of every route
//! never reach a 500, and every answer carries the security headers; and
//! failed logins from one address (a NAT, a proxy)
//! never lock out a person who has the right password.

use crate::helpers::*;
use crate::office_kit::TestOffice;
use reqwest::StatusCode;
use sesshu_domain::Role;

/// `back` values that a browser would read as another site, or that no
/// header can hold (percent-encoded as a client sends them).
const HOSTILE_BACKS: [&str; 9] = [
    "/%09/evil.example/",
    "/%0A/evil.example/",
    "/%0D/evil.example/",
    "/%5C/evil.example/",
    "%09//evil.example/",
    "/%20/evil.example/",
    "/x%00y",
    "/x%0By",
    "/%E3%80%80/evil.example/",
];

#[tokio::test]
async fn the_public_language_switch_goes_home_for_every_hostile_back() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let client = app.client();
    for back in HOSTILE_BACKS {
        let response = client
            .http
            .get(app.url(&format!("/lang/en?back={back}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{back}");
        assert_eq!(response.headers()[reqwest::header::LOCATION], "/", "{back}");
    }
    let response = client
        .http
        .get(app.url("/lang/en?back=/days"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[reqwest::header::LOCATION], "/days");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_offices_language_switch_goes_home_for_every_hostile_back() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut office = TestOffice::spawn(&app).await;
    let operator = office.signed_in(&app, "operator", Role::Operator).await;
    for back in HOSTILE_BACKS {
        let answer = operator.get(&format!("/lang/en?back={back}")).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{back}");
        assert_eq!(answer.location.as_deref(), Some("/"), "{back}");
    }
    let answer = operator.get("/lang/ja?back=/noshows").await;
    assert_eq!(answer.location.as_deref(), Some("/noshows"));
}

/// A login through the API from `client` (as the proxy names it).
async fn log_in_from(app: &TestApp, client: &str, login: &str, password: &str) -> StatusCode {
    app.client()
        .http
        .post(app.url("/api/v1/login"))
        .header("x-forwarded-for", client)
        .json(&serde_json::json!({"institution": "uni", "login": login, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn failures_from_one_address_do_not_lock_out_a_person_with_the_right_password() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.member(
        app.fixture.uni,
        "student1",
        sesshu_domain::UserType::Student,
    )
    .await;
    // Behind the campus NAT (or the proxy, unconfigured): one address.
    for n in 0..60 {
        let status = app
            .client()
            .http
            .post(app.url("/api/v1/login"))
            .json(&serde_json::json!({
                "institution": "uni", "login": format!("nobody{n}"), "password": "wrong"
            }))
            .send()
            .await
            .unwrap()
            .status();
        assert_ne!(status, StatusCode::OK);
    }
    app.client().login("uni", "student1", "secret").await;
}

#[tokio::test]
async fn a_guessed_account_is_refused_to_the_guesser_and_only_delayed_for_its_person() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.member(
        app.fixture.uni,
        "student1",
        sesshu_domain::UserType::Student,
    )
    .await;
    let guesser = "203.0.113.66";
    for _ in 0..5 {
        assert_eq!(
            log_in_from(&app, guesser, "student1", "guess").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        log_in_from(&app, guesser, "student1", "secret").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser's address is refused the account even with the right password"
    );
    assert_eq!(
        log_in_from(&app, "198.51.100.7", "student1", "secret").await,
        StatusCode::TOO_MANY_REQUESTS,
        "right after the failures, everyone waits a moment"
    );
    app.clock.advance(chrono::Duration::seconds(2));
    assert_eq!(
        log_in_from(&app, "198.51.100.7", "student1", "secret").await,
        StatusCode::OK,
        "the person, from their own address, signs in seconds later"
    );
    app.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(
        log_in_from(&app, guesser, "student1", "secret").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser's own lock lasts its window"
    );
}

/// Values a scanner puts in every path segment, query parameter and form
/// field (percent-encoded where a URL carries them).
const HOSTILE_VALUES: [&str; 10] = [
    "%27%22%3E%3Cscript%3E",
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "%0A%0D",
    "-1",
    "99999999999999999999999",
    "%FF%FE",
    "1%20OR%201%3D1",
    "%E6%8E%A5%E7%A8%AE",
    "",
];

/// The names the office's forms and queries use, each given every hostile
/// value.
const FIELDS: [&str; 12] = [
    "day",
    "venue",
    "from",
    "to",
    "date",
    "institution",
    "number",
    "dose",
    "lookup",
    "reason",
    "text",
    "encoding",
];

/// `%XX` decoded into bytes, read as UTF-8 where it is (a form field holds
/// text: invalid bytes become U+FFFD, as a browser would send them).
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&value[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_hostile_input_to_any_office_route_reaches_a_server_error_or_loses_a_header() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut office = TestOffice::spawn(&app).await;
    let admin = office.signed_in(&app, "system", Role::SystemAdmin).await;
    let mut failures = Vec::new();
    let mut pages_shown = 0;
    for (method, template) in sesshu_office::routes() {
        if template == "/logout" {
            continue;
        }
        for value in HOSTILE_VALUES {
            let path = template
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        value
                    } else {
                        segment
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let query = FIELDS
                .iter()
                .map(|f| format!("{f}={value}"))
                .collect::<Vec<_>>()
                .join("&");
            let answer = if method == axum::http::Method::GET {
                admin.try_get(&format!("{path}?{query}")).await
            } else {
                let text = percent_decode(value);
                let fields: Vec<(&str, &str)> =
                    FIELDS.iter().map(|f| (*f, text.as_str())).collect();
                Ok(admin.post(&path, &fields).await)
            };
            match answer {
                Ok(answer) if answer.status.is_server_error() => {
                    failures.push(format!("{method} {path}?{query} -> {}", answer.status));
                }
                Ok(answer) => {
                    if let Err(missing) = hardened(&answer.headers, template, true) {
                        failures.push(format!("{method} {path}: {missing}"));
                    }
                    pages_shown += usize::from(answer.status == StatusCode::OK);
                }
                Err(e) => failures.push(format!("{method} {path}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        pages_shown > 100,
        "the sweep reached the pages, not only the refusals: {pages_shown}"
    );
}

#[tokio::test]
async fn no_hostile_input_to_any_public_route_reaches_a_server_error_or_loses_a_header() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let client = app.student("hostile").await;
    let get_paths = [
        "/",
        "/login/{x}",
        "/consent",
        "/days",
        "/days/{x}",
        "/me",
        "/me/cancel",
        "/me/voucher",
        "/lang/{x}",
        "/static/{x}",
        "/api/v1/availability",
        "/api/v1/me/reservations",
    ];
    let json_routes = [
        (reqwest::Method::POST, "/api/v1/login"),
        (reqwest::Method::POST, "/api/v1/consent"),
        (reqwest::Method::POST, "/api/v1/me/reservations"),
        (reqwest::Method::PATCH, "/api/v1/me/reservations/{x}"),
        (reqwest::Method::DELETE, "/api/v1/me/reservations/{x}"),
        (
            reqwest::Method::PUT,
            "/api/v1/me/reservations/{x}/doses/{x}/voucher",
        ),
    ];
    let mut failures = Vec::new();
    for value in HOSTILE_VALUES {
        let query = ["from", "to", "date", "day", "back", "lang", "venue"]
            .map(|f| format!("{f}={value}"))
            .join("&");
        for path in get_paths {
            let url = app.url(&format!("{}?{query}", path.replace("{x}", value)));
            match client.http.get(&url).send().await {
                Ok(r) if r.status().is_server_error() => {
                    failures.push(format!("GET {url} -> {}", r.status()))
                }
                Ok(r) => {
                    if let Err(missing) = hardened(r.headers(), path, false) {
                        failures.push(format!("GET {url}: {missing}"));
                    }
                }
                Err(e) => failures.push(format!("GET {url}: {e}")),
            }
        }
        let text = percent_decode(value);
        let body = serde_json::json!({
            "institution": text, "login": text, "password": text, "slot": text,
            "slot_id": text, "version": text, "accept": text, "ocr": text,
            "municipality": text, "number": text,
        });
        for (method, path) in &json_routes {
            let url = app.url(&path.replace("{x}", value));
            let sent = client
                .http
                .request(method.clone(), &url)
                .header("idempotency-key", "hostile")
                .json(&body)
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_server_error() => {
                    failures.push(format!("{method} {url} -> {}", r.status()))
                }
                Ok(_) => {}
                Err(e) => failures.push(format!("{method} {url}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The headers every answer of both listeners carries: no sniffing, no
/// framing, no referrer to other sites, a policy without inline scripts,
/// nothing kept by a cache but the static files, and (over TLS) HSTS.
fn hardened(headers: &reqwest::header::HeaderMap, route: &str, tls: bool) -> Result<(), String> {
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let csp = value("content-security-policy");
    let checks = [
        (value("x-content-type-options") == "nosniff", "nosniff"),
        (value("x-frame-options") == "DENY", "X-Frame-Options"),
        (value("referrer-policy") == "same-origin", "Referrer-Policy"),
        (csp.contains("frame-ancestors 'none'"), "frame-ancestors"),
        (csp.contains("default-src 'none'"), "default-src"),
        (!csp.contains("unsafe-inline"), "no unsafe-inline"),
        (
            route.starts_with("/static/") || value("cache-control").contains("no-store"),
            "Cache-Control: no-store",
        ),
        (
            !tls || value("strict-transport-security").starts_with("max-age="),
            "HSTS",
        ),
    ];
    match checks.iter().find(|(ok, _)| !ok) {
        Some((_, missing)) => Err(format!("{missing} missing or wrong")),
        None => Ok(()),
    }
}

/// Deployed behind TLS (`secure_cookies = true`), every cookie either
/// listener sets is `Secure` and `HttpOnly` with a `SameSite` rule, and
/// every answer carries HSTS. (The office always runs TLS: its cookies are
/// checked by the office's own tests.)
#[tokio::test]
async fn behind_tls_every_cookie_is_secure_and_hsts_is_sent() {
    let app = TestApp::spawn_secure().await;
    app.member(app.fixture.uni, "carol", sesshu_domain::UserType::Student)
        .await;
    sesshu::app::install_tls_provider();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let start = http.get(app.url("/")).send().await.unwrap();
    let switch = http.get(app.url("/lang/en?back=/")).send().await.unwrap();
    let login = http
        .post(app.url("/api/v1/login"))
        .json(&serde_json::json!({"institution": "uni", "login": "carol", "password": "secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let mut seen = Vec::new();
    for response in [&start, &switch, &login] {
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_some_and(|v| v.to_str().unwrap().starts_with("max-age=")),
            "{}: no HSTS",
            response.url()
        );
        for cookie in response.headers().get_all("set-cookie") {
            let cookie = cookie.to_str().unwrap();
            let name = cookie.split('=').next().unwrap().to_owned();
            let flags: Vec<String> = cookie
                .split(';')
                .skip(1)
                .map(|f| f.trim().to_ascii_lowercase())
                .collect();
            assert!(flags.iter().any(|f| f == "secure"), "{cookie}");
            assert!(flags.iter().any(|f| f == "httponly"), "{cookie}");
            assert!(flags.iter().any(|f| f.starts_with("samesite=")), "{cookie}");
            seen.push(name);
        }
    }
    for name in ["sesshu_csrf", "lang", "sesshu_session"] {
        assert!(seen.iter().any(|n| n == name), "{name} not set: {seen:?}");
    }
}
