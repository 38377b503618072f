//! The consent step (個人情報提供の同意): nothing of a login is stored until
//! the person agrees to their institution's current text.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use sesshu_domain::{ConsentText, InstitutionCode, InstitutionId, Subject, UserType};
use sesshu_store::NewInstitution;

/// An institution `careful` that requires consent, version `v`.
async fn careful(app: &TestApp, version: &str) -> InstitutionId {
    let new = NewInstitution {
        consent: Some(ConsentText {
            version: version.to_owned(),
            text_ja: format!("同意文 {version}\n\n保存期間は1年です。"),
            text_en: format!("Consent text {version}\n\nKept for one year."),
        }),
        ..NewInstitution::builtin(
            InstitutionCode::parse("careful").unwrap(),
            "慎重大学",
            "Careful University",
        )
    };
    app.store.upsert_institutions(&[new]).await.unwrap()[0].id
}

async fn login(client: &Client) -> (StatusCode, serde_json::Value) {
    client
        .post(
            "/api/v1/login",
            &json!({"institution": "careful", "login": "kei", "password": "secret"}),
        )
        .await
}

on_both_databases! {
    async fn the_api_asks_for_consent_and_stores_the_login_only_when_given(app) {
        let institution = careful(&app, "v1").await;
        app.member(institution, "kei", UserType::Staff).await;
        let kei = Subject::parse("kei").unwrap();
        let client = app.client();

        let (status, body) = login(&client).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["version"], "v1");
        assert!(body["text"].as_str().unwrap().starts_with("同意文 v1"));
        assert!(app.store.person_by_subject(institution, &kei).await.unwrap().is_none(), "nothing stored yet");
        let (status, _) = client.get("/api/v1/me/reservations").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "not signed in before consent");

        let (status, body) = client.post("/api/v1/consent", &json!({"accept": true})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["user_type"], "staff");
        app.store.person_by_subject(institution, &kei).await.unwrap().unwrap();
        assert!(app.store.has_consented(institution, &kei, "v1").await.unwrap());
        let profile = app.personal(institution, "kei").await;
        assert_eq!(profile.mail.unwrap().as_str(), "kei@example.ac.jp");
        assert_eq!(client.get("/api/v1/me/reservations").await.0, StatusCode::OK);

        // Next time: no question.
        let again = app.client();
        let (status, _) = login(&again).await;
        assert_eq!(status, StatusCode::OK);

        // A new version of the text asks again.
        careful(&app, "v2").await;
        let (status, body) = login(&app.client()).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(body["version"], "v2");
    }

    async fn declining_stores_nothing_and_ends_the_session(app) {
        let institution = careful(&app, "v1").await;
        app.member(institution, "kei", UserType::Staff).await;
        let client = app.client();
        assert_eq!(login(&client).await.0, StatusCode::ACCEPTED);
        let (status, _) = client.post("/api/v1/consent", &json!({"accept": false})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let kei = Subject::parse("kei").unwrap();
        assert!(app.store.person_by_subject(institution, &kei).await.unwrap().is_none());
        let (status, body) = client.post("/api/v1/consent", &json!({"accept": true})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "consent_expired");
    }

    async fn the_consent_page_shows_the_text_and_the_decline_page_the_contact(app) {
        let institution = careful(&app, "v1").await;
        app.member(institution, "kei", UserType::Staff).await;
        let client = app.client();
        let (_, html) = client.page("/login/careful").await;
        let response = client
            .http
            .post(app.url("/login/careful"))
            .form(&[("csrf", form_value(&html, "csrf").as_str()), ("login", "kei"), ("password", "secret")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["location"], "/consent");

        let (status, page) = client.page("/consent").await;
        assert_eq!(status, StatusCode::OK);
        let text = visible_text(&page);
        assert!(text.contains("個人情報提供の同意"));
        assert!(text.contains("同意文 v1"));
        assert!(text.contains("保存期間は1年です。"));
        assert!(text.contains("メールアドレス"), "what is received: {text}");
        let csrf = form_value(&page, "csrf");
        let declined = client
            .http
            .post(app.url("/consent/decline"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(declined.status(), StatusCode::OK);
        let text = visible_text(&declined.text().await.unwrap());
        assert!(text.contains("保存せず"), "{text}");
        let kei = Subject::parse("kei").unwrap();
        assert!(app.store.person_by_subject(institution, &kei).await.unwrap().is_none());

        // Agreeing on the page signs in.
        let (_, html) = client.page("/login/careful").await;
        client
            .http
            .post(app.url("/login/careful"))
            .form(&[("csrf", form_value(&html, "csrf").as_str()), ("login", "kei"), ("password", "secret")])
            .send()
            .await
            .unwrap();
        let (_, page) = client.page("/consent").await;
        let agreed = client
            .http
            .post(app.url("/consent"))
            .form(&[("csrf", form_value(&page, "csrf").as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(agreed.headers()["location"], "/days");
        assert!(app.store.has_consented(institution, &kei, "v1").await.unwrap());
        assert_eq!(client.page("/days").await.0, StatusCode::OK);
    }
}
