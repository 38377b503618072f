//! `POST /api/v1/login` and `/logout`: the built-in directory.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use sesshu_domain::UserType;

on_both_databases! {
    async fn a_member_logs_in_and_gets_a_session(app) {
        app.member(app.fixture.uni, "alice", UserType::Student).await;
        let client = app.client();
        let (status, body) = client
            .post("/api/v1/login", &json!({"institution": "uni", "login": "alice", "password": "secret"}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({"institution": "uni", "user_type": "student"}));
        let (status, _) = client.get("/api/v1/me/reservations").await;
        assert_eq!(status, StatusCode::OK);

        let (status, _) = client.post("/api/v1/logout", &json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, body) = client.get("/api/v1/me/reservations").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "unauthenticated");
    }

    async fn wrong_login_and_wrong_password_get_the_same_answer(app) {
        app.member(app.fixture.uni, "alice", UserType::Student).await;
        let client = app.client();
        let attempts = [
            json!({"institution": "uni", "login": "alice", "password": "wrong"}),
            json!({"institution": "uni", "login": "nobody", "password": "secret"}),
            json!({"institution": "uni", "login": "alice", "password": ""}),
            json!({"institution": "nowhere", "login": "alice", "password": "secret"}),
            json!({"institution": "staffonly", "login": "alice", "password": "secret"}),
        ];
        let mut answers = Vec::new();
        for attempt in &attempts {
            let (status, body) = client.post("/api/v1/login", attempt).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{attempt}");
            answers.push(body);
        }
        assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
        assert_eq!(answers[0]["code"], "login_failed");
    }

    async fn repeated_failures_throttle_the_account(app) {
        app.member(app.fixture.uni, "alice", UserType::Student).await;
        let client = app.client();
        for _ in 0..5 {
            let (status, _) = client
                .post("/api/v1/login", &json!({"institution": "uni", "login": "alice", "password": "guess"}))
                .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        let response = client
            .http
            .post(app.url("/api/v1/login"))
            .json(&json!({"institution": "uni", "login": "alice", "password": "secret"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(response.headers().contains_key("retry-after"));
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "too_many_attempts");

        // Another account from the same address is not blocked by alice's failures.
        app.member(app.fixture.uni, "bob", UserType::Student).await;
        app.client().login("uni", "bob", "secret").await;

        // Once the failures are older than the window, alice may log in.
        app.clock.advance(chrono::Duration::minutes(16));
        app.client().login("uni", "alice", "secret").await;
    }

    async fn logging_in_gives_a_new_session_id(app) {
        app.member(app.fixture.uni, "alice", UserType::Student).await;
        let client = app.client();
        // An anonymous visit that creates no session, then a login.
        let first = client
            .http
            .post(app.url("/api/v1/login"))
            .json(&json!({"institution": "uni", "login": "alice", "password": "secret"}))
            .send()
            .await
            .unwrap();
        let first_cookie = session_cookie(&first);
        let second = client
            .http
            .post(app.url("/api/v1/login"))
            .json(&json!({"institution": "uni", "login": "alice", "password": "secret"}))
            .send()
            .await
            .unwrap();
        let second_cookie = session_cookie(&second);
        assert_ne!(first_cookie, second_cookie, "the id rotates at each login");
        let cookie = second
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("sesshu_session="))
            .unwrap();
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    }
}

fn session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("sesshu_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}
