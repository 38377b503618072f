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
