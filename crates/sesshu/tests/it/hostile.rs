//! What a hostile client sends to both listeners: the language switch's
//! `back` never leads off the site as a browser reads it, and characters a
//! header cannot hold give the fallback, never a 500.

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
        assert_eq!(
            response.headers()[reqwest::header::LOCATION],
            "/",
            "{back}"
        );
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
    app.member(app.fixture.uni, "student1", sesshu_domain::UserType::Student)
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
    app.member(app.fixture.uni, "student1", sesshu_domain::UserType::Student)
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
