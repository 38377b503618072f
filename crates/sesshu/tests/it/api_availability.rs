//! `GET /api/v1/availability`, `/healthz`, `/readyz`, the OpenAPI document.

use crate::helpers::*;
use reqwest::StatusCode;

on_both_databases! {
    async fn availability_lists_slots_with_their_free_places(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let second = app.slot(2, "2027-01-07", "10:00", f.lane_a, 7).await;
        let _other_day = app.slot(1, "2026-12-20", "10:00", f.lane_a, 5).await;

        let (status, body) = app
            .client()
            .get("/api/v1/availability?from=2026-12-10&to=2027-01-07")
            .await;
        assert_eq!(status, StatusCode::OK);
        let slots = body.as_array().unwrap();
        assert_eq!(slots.len(), 3);
        let s = &slots[0];
        assert_eq!(s["slot_id"], first.get());
        assert_eq!(s["starts_at"], "2026-12-10T10:00:00+09:00");
        assert_eq!(s["ends_at"], "2026-12-10T10:30:00+09:00");
        assert_eq!(s["venue"], "駅前会場");
        assert_eq!(s["lane"], "レーンA");
        assert_eq!(s["vaccine"], "モデルナ");
        assert_eq!(s["dose"], 1);
        assert_eq!(s["capacity"], 5);
        assert_eq!(s["free"], 5);
        assert_eq!(slots[2]["slot_id"], second.get());
        assert_eq!(slots[2]["dose"], 2);

        let student = app.student("alice").await;
        student.book(first).await;
        assert_eq!(app.free(first).await, 4);
        assert_eq!(app.free(second).await, 6);
    }

    async fn availability_is_by_tokyo_day_and_in_the_asked_language(app) {
        let f = app.fixture.clone();
        // 08:30 in Tokyo on the 10th is still the 9th in UTC.
        app.slot(1, "2026-12-10", "08:30", f.lane_b, 5).await;
        let response = app
            .client()
            .http
            .get(app.url("/api/v1/availability?from=2026-12-10&to=2026-12-10"))
            .header("accept-language", "en-GB,en;q=0.9")
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body.as_array().unwrap().len(), 1);
        assert_eq!(body[0]["lane"], "Lane B");
        assert_eq!(body[0]["venue"], "Station Venue");
    }

    async fn availability_refuses_bad_dates_and_long_ranges(app) {
        let client = app.client();
        let (status, body) = client.get("/api/v1/availability?from=2026-13-01").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "invalid_date");
        let (status, body) = client
            .get("/api/v1/availability?from=2026-12-01&to=2027-06-01")
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "invalid_range");
        let (status, body) = client
            .get("/api/v1/availability?from=2026-12-10&to=2026-12-01")
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "invalid_range");
        let (status, body) = client
            .get("/api/v1/availability?from=300000-01-01&to=300000-01-02")
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "far-off years are refused, not a 500");
        assert_eq!(body["code"], "invalid_date");
        let (status, _) = client.get("/api/v1/availability").await;
        assert_eq!(status, StatusCode::OK, "both dates are optional");
        let (status, _) = client
            .get("/api/v1/availability?from=2026-12-10&from=x&unknown=1")
            .await;
        assert_eq!(status, StatusCode::OK, "the first of a repeated parameter counts");
    }

    async fn health_and_readiness_answer(app) {
        let client = app.client();
        assert_eq!(client.page("/healthz").await, (StatusCode::OK, "ok".to_owned()));
        assert_eq!(client.page("/readyz").await, (StatusCode::OK, "ready".to_owned()));
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, doc) = app.client().get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/availability",
        "/api/v1/login",
        "/api/v1/logout",
        "/api/v1/me/reservations",
        "/api/v1/me/reservations/{id}",
    ] {
        assert!(paths.contains_key(path), "{path} missing from OpenAPI");
    }
    let reservations = &paths["/api/v1/me/reservations"];
    assert!(reservations["get"].is_object() && reservations["post"].is_object());
    let one = &paths["/api/v1/me/reservations/{id}"];
    assert!(one["patch"].is_object() && one["delete"].is_object());

    // What a client generated from it needs: typed dates, the key's shape,
    // every answer described.
    let params = paths["/api/v1/availability"]["get"]["parameters"]
        .as_array()
        .unwrap();
    for name in ["from", "to"] {
        let param = params.iter().find(|p| p["name"] == name).unwrap();
        assert_eq!(param["schema"]["format"], "date", "{name}");
    }
    let key = reservations["post"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Idempotency-Key")
        .unwrap();
    assert_eq!(key["schema"]["pattern"], "^[!-~]{1,255}$");
    let consent = paths["/api/v1/consent"]["post"]["responses"]
        .as_object()
        .unwrap();
    assert!(consent.contains_key("400") && consent.contains_key("415"));
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let described = response["description"].as_str().unwrap_or_default();
                assert!(
                    !described.is_empty(),
                    "{method} {path} {status} has no description"
                );
            }
        }
    }
}

#[tokio::test]
async fn unknown_api_paths_answer_json_404() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, body) = app.client().get("/api/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found");
}
