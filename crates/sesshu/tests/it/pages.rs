//! The recipient pages, driven as a browser without JavaScript would.

use crate::helpers::*;
use reqwest::StatusCode;
use sesshu_domain::UserType;

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .unwrap()
        .to_owned()
}

/// Logs in through the login page; returns where it redirected.
async fn log_in_on_the_page(
    app: &TestApp,
    client: &Client,
    login: &str,
    password: &str,
) -> reqwest::Response {
    let (status, html) = client.page("/login/uni").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = form_value(&html, "csrf");
    client
        .http
        .post(app.url("/login/uni"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", login),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// Submits the first form of `path` whose action is `action`.
async fn submit(app: &TestApp, client: &Client, path: &str, action: &str) -> reqwest::Response {
    let (status, html) = client.page(path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form to {action} on {path}"));
    let form = &html[start..html[start..].find("</form>").unwrap() + start];
    let mut fields = Vec::new();
    for name in ["csrf", "slot", "day", "idem", "number"] {
        if form.contains(&format!("name=\"{name}\"")) {
            fields.push((name, form_value(form, name)));
        }
    }
    client
        .http
        .post(app.url(action))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

/// The `<svg>` of the check-in code on the page "my reservation", if any.
fn check_in_code(html: &str) -> Option<String> {
    let section = &html[html.find("class=\"check-in-code\"")?..];
    let start = section.find("<svg")?;
    let end = section.find("</svg>")? + "</svg>".len();
    Some(section[start..end].to_owned())
}

/// The series whose number the page "my reservation" shows.
async fn series_on_the_page(app: &TestApp, html: &str) -> sesshu_domain::SeriesId {
    let start = html
        .find("class=\"number\">")
        .expect("a reservation number")
        + "class=\"number\">".len();
    let number = &html[start..start + html[start..].find('<').unwrap()];
    let number = sesshu_domain::ReservationNumber::parse(number).unwrap();
    app.store
        .series_by_number(&number)
        .await
        .unwrap()
        .expect("the series")
        .id
}

on_both_databases! {
    async fn a_person_books_sees_changes_and_cancels_on_the_pages(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(1, "2026-12-10", "10:00", f.lane_b, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let new_first = app.slot(1, "2026-12-11", "14:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-08", "14:00", f.lane_a, 5).await;
        app.member(f.uni, "alice", UserType::Student).await;
        let alice = app.client();

        let (status, start) = alice.page("/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(start.contains("href=\"/login/uni\""));
        assert!(start.contains("uni大学"));

        let response = log_in_on_the_page(&app, &alice, "alice", "secret").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/days");

        let (_, days) = alice.page("/days").await;
        assert!(days.contains("href=\"/days/2026-12-10\""));
        assert!(days.contains("12/10(木)"));
        assert!(days.contains("残り10人"), "both lanes count: {days}");

        let (_, day) = alice.page("/days/2026-12-10").await;
        assert!(day.contains("10:00–10:30"));
        let response = submit(&app, &alice, "/days/2026-12-10", "/reservations").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/me?done=booked");

        let (_, me) = alice.page("/me?done=booked").await;
        assert!(me.contains("予約しました"));
        assert!(visible_text(&me).contains("2026年12月10日(木) 10:00"));
        assert!(visible_text(&me).contains("2027年1月7日(木) 10:00"));
        assert!(me.contains("駅前会場"));
        assert!(me.contains("2026年12月7日(月) 12:00"), "the deadline: {me}");
        assert!(me.contains("href=\"/me/cancel\""));
        assert_eq!(app.free(first).await + app.free(sesshu_domain::SlotId::new(first.get() + 1)).await, 9);
        // The check-in code of the reservation's current token, drawn inline.
        let series = series_on_the_page(&app, &me).await;
        let booked_code = check_in_code(&me).expect("the check-in code on the page");
        let token = app.store.check_in_token(series).await.unwrap().expect("a token");
        assert_eq!(booked_code, sesshu_qr::svg(&token, 240).unwrap());
        assert!(visible_text(&me).contains("会場の受付でこのコードをお見せください"));
        assert!(!me.to_ascii_uppercase().contains(token.as_str()), "drawn, never written");

        let response = submit(&app, &alice, "/days/2026-12-11", "/me/change").await;
        assert_eq!(location(&response), "/me?done=changed");
        let (_, me) = alice.page("/me").await;
        assert!(visible_text(&me).contains("2026年12月11日(金) 14:00"), "{me}");
        assert!(visible_text(&me).contains("2027年1月8日(金) 14:00"));
        assert_eq!(app.free(new_first).await, 4);
        // A change gives a new code.
        let changed_code = check_in_code(&me).expect("the check-in code after the change");
        let new_token = app.store.check_in_token(series).await.unwrap().expect("a token");
        assert_ne!(new_token, token);
        assert_eq!(changed_code, sesshu_qr::svg(&new_token, 240).unwrap());
        assert_ne!(changed_code, booked_code);

        let response = submit(&app, &alice, "/me/cancel", "/me/cancel").await;
        assert_eq!(location(&response), "/me?done=cancelled");
        let (_, me) = alice.page("/me?done=cancelled").await;
        assert!(me.contains("予約を取り消しました"));
        assert!(me.contains("現在、予約はありません"));
        assert_eq!(app.free(new_first).await, 5);
        assert_eq!(check_in_code(&me), None, "no code for a cancelled reservation");
        assert!(!me.contains("<svg"), "{me}");
        assert_eq!(app.store.check_in_token(series).await.unwrap(), None);
    }

    async fn the_check_in_code_reads_in_english_too(app) {
        let f = app.fixture.clone();
        app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        app.member(f.uni, "alice", UserType::Student).await;
        let english = app.client();
        english.http.get(app.url("/lang/en?back=/me")).send().await.unwrap();
        log_in_on_the_page(&app, &english, "alice", "secret").await;
        submit(&app, &english, "/days/2026-12-10", "/reservations").await;
        let (_, me) = english.page("/me").await;
        assert!(me.contains("lang=\"en\""));
        assert!(check_in_code(&me).is_some(), "{me}");
        assert!(visible_text(&me).contains("Show this code at the venue"), "{me}");
        assert!(me.contains("aria-label=\"Your check-in code\""));
    }

    async fn a_double_submitted_booking_form_books_once(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        app.member(f.uni, "alice", UserType::Student).await;
        let alice = app.client();
        log_in_on_the_page(&app, &alice, "alice", "secret").await;
        let (_, html) = alice.page("/days/2026-12-10").await;
        let fields = ["csrf", "slot", "day", "idem"].map(|n| (n, form_value(&html, n)));
        let clicks = futures::future::join_all((0..5).map(|_| {
            alice.http.post(app.url("/reservations")).form(&fields).send()
        }))
        .await;
        for click in clicks {
            let click = click.unwrap();
            assert_eq!(click.status(), StatusCode::SEE_OTHER);
            assert_eq!(location(&click), "/me?done=booked");
        }
        assert_eq!(app.free(first).await, 4);
    }

    async fn after_the_deadline_the_page_says_whom_to_contact(app) {
        let f = app.fixture.clone();
        app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        app.member(f.uni, "alice", UserType::Student).await;
        let alice = app.client();
        log_in_on_the_page(&app, &alice, "alice", "secret").await;
        submit(&app, &alice, "/days/2026-12-10", "/reservations").await;

        app.clock.set(tokyo("2026-12-07", "12:00"));
        let (_, me) = alice.page("/me").await;
        assert!(me.contains("id=\"after-deadline\""));
        assert!(me.contains("事務局のみ"));
        assert!(me.contains("vaccine@uni.example.ac.jp"));
        assert!(me.contains("022-123-4567"));
        assert!(!me.contains("href=\"/me/cancel\""));
        let (_, days) = alice.page("/days").await;
        assert!(days.contains("変更は事務局のみ行えます"));
        assert!(!days.contains("class=\"days\""), "no days to choose from");
        let to_me = alice.http.get(app.url("/days/2026-12-11")).send().await.unwrap();
        assert_eq!(location(&to_me), "/me");

        let english = app.client();
        let to_english = english.http.get(app.url("/lang/en?back=/me")).send().await.unwrap();
        assert_eq!(location(&to_english), "/me");
        log_in_on_the_page(&app, &english, "alice", "secret").await;
        let (_, me) = english.page("/me").await;
        assert!(me.contains("lang=\"en\""));
        assert!(me.contains("Only the office can change or cancel"));
        assert!(visible_text(&me).contains("Thu 10 Dec 2026 10:00"));
    }

    async fn a_wrong_password_on_the_page_says_so_without_saying_which(app) {
        app.member(app.fixture.uni, "alice", UserType::Student).await;
        let client = app.client();
        let response = log_in_on_the_page(&app, &client, "alice", "wrong").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let html = response.text().await.unwrap();
        assert!(html.contains("ログインIDまたはパスワードが正しくありません"));
        let response = log_in_on_the_page(&app, &client, "nobody", "wrong").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    async fn forms_without_the_csrf_token_or_from_another_site_are_refused(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        app.member(f.uni, "alice", UserType::Student).await;
        let alice = app.client();
        log_in_on_the_page(&app, &alice, "alice", "secret").await;
        let (_, html) = alice.page("/days/2026-12-10").await;
        let csrf = form_value(&html, "csrf");
        let slot = first.get().to_string();

        let missing = alice
            .http
            .post(app.url("/reservations"))
            .form(&[("slot", slot.as_str()), ("day", "2026-12-10"), ("idem", "k1")])
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::FORBIDDEN);
        let wrong = alice
            .http
            .post(app.url("/reservations"))
            .form(&[("csrf", "x".repeat(43).as_str()), ("slot", slot.as_str()), ("day", "2026-12-10"), ("idem", "k2")])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
        let foreign = alice
            .http
            .post(app.url("/reservations"))
            .header("origin", "https://evil.example")
            .form(&[("csrf", csrf.as_str()), ("slot", slot.as_str()), ("day", "2026-12-10"), ("idem", "k3")])
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
        let body = foreign.text().await.unwrap();
        assert!(body.contains("<html"), "an error page, not a bare status");
        assert_eq!(app.free(first).await, 5);
    }
}

#[tokio::test]
async fn pages_carry_protective_headers_and_cookies() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.client().http.get(app.url("/")).send().await.unwrap();
    let headers = response.headers();
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let csrf_cookie = headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("sesshu_csrf="))
        .expect("a CSRF cookie");
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"));
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_the_start_page_and_unknown_pages_are_404() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let client = app.client();
    let response = client.http.get(app.url("/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/");
    let (status, html) = client.page("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("ページが見つかりません"));
    let (status, _) = client.page("/login/no-such-institution").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_language_switch_only_redirects_within_the_site() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app
        .client()
        .http
        .get(app.url("/lang/en?back=//evil.example/"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/");
}
