//! Doses received elsewhere on both databases: a declared first dose lets
//! the person book only a second dose from the day the interval allows
//! (API and pages), two doses leave nothing to book, the declaration's
//! rules, the office's confirmation, correction and removal (audited), the
//! history import (checked whole, previewed, all or nothing), the history
//! on "my reservation" and on the office's reservation page, and the desk
//! of a series of the second dose alone.

use crate::helpers::*;
use crate::office_kit::{TestOffice, audited};
use crate::vaccination::Day;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sesshu_domain::elsewhere::{Declaration, Source};
use sesshu_domain::{DoseNumber, ElsewhereDose, ReservationNumber, Role, Site, Subject, UserType};
use sesshu_operations::checkin::{self, CheckIn, Lookup, Warning};
use sesshu_operations::vaccination::{self, Given};
use sesshu_store::Declared;

fn day(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

async fn declare(client: &Client, dose: u8, given_on: &str) -> (StatusCode, Value) {
    let response = client
        .http
        .put(format!("{}/api/v1/me/doses-elsewhere/{dose}", client.base))
        .json(&json!({"given_on": given_on, "product": "Moderna", "place": "Sendai"}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The doses of a reservation answered by the API, as `(dose, slot)`.
fn doses(series: &Value) -> Vec<(i64, i64)> {
    series["doses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["dose"].as_i64().unwrap(), d["slot_id"].as_i64().unwrap()))
        .collect()
}

/// The days `/days` offers, as `YYYY-MM-DD`.
fn offered_days(html: &str) -> Vec<String> {
    html.match_indices("href=\"/days/")
        .map(|(i, m)| html[i + m.len()..i + m.len() + 10].to_owned())
        .collect()
}

on_both_databases! {
    async fn a_declared_first_dose_lets_the_person_book_only_a_second_dose_from_the_allowed_day(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let early = app.slot(2, "2026-12-17", "10:00", f.lane_a, 5).await;
        let allowed = app.slot(2, "2026-12-18", "10:00", f.lane_a, 5).await;
        let alice = app.student("alice").await;

        let (status, body) = declare(&alice, 1, "2026-11-20").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["source"], "declared");
        assert_eq!(body["confirmed_at"], Value::Null);

        // 20 Nov + 28 days = 18 Dec: the pages offer that day on, and only
        // second-dose days.
        let (_, html) = alice.page("/days").await;
        assert_eq!(offered_days(&html), ["2026-12-18"], "{html}");
        assert!(html.contains("id=\"second-dose-only\""));
        let (_, html) = alice.page("/days/2026-12-17").await;
        assert!(!html.contains(&format!("name=\"slot\" value=\"{early}\"")));

        let (status, body) = alice.book(first).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("second_dose_only")));
        let (status, body) = alice.book(early).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("interval_not_met")));
        assert_eq!(app.free(first).await, 5, "nothing was taken");

        let (status, series) = alice.book(allowed).await;
        assert_eq!(status, StatusCode::CREATED, "{series}");
        assert_eq!(doses(&series), [(2, allowed.get())], "one dose: the second");
        assert_eq!(app.free(allowed).await, 4);
        let number = ReservationNumber::parse(series["id"].as_str().unwrap()).unwrap();
        let stored = app.store.series_by_number(&number).await.unwrap().unwrap();
        assert_eq!(stored.doses.len(), 1);
        assert_eq!(stored.doses[0].number, DoseNumber::SECOND);
        // Its deadline counts from its one appointment.
        assert_eq!(series["change_deadline"], "2026-12-15T12:00:00+09:00", "{series}");
        assert_eq!(series["changeable"], true);

        // Held: the declaration no longer changes, the page says why.
        let (status, body) = declare(&alice, 1, "2026-11-19").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("reservation_held")));
        let (_, me) = alice.page("/me").await;
        assert!(!me.contains("action=\"/me/elsewhere\""), "no form while a reservation is held");

        // It moves within second-dose slots from the allowed day, not to a
        // first dose.
        let later = app.slot(2, "2026-12-21", "10:00", f.lane_b, 5).await;
        let (status, body) = alice
            .patch(&format!("/api/v1/me/reservations/{number}"), &json!({"slot_id": first.get()}))
            .await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("second_dose_only")));
        let (status, body) = alice
            .patch(&format!("/api/v1/me/reservations/{number}"), &json!({"slot_id": early.get()}))
            .await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("interval_not_met")));
        let (status, moved) = alice
            .patch(&format!("/api/v1/me/reservations/{number}"), &json!({"slot_id": later.get()}))
            .await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        assert_eq!(doses(&moved), [(2, later.get())]);
        assert_eq!((app.free(allowed).await, app.free(later).await), (5, 4));

        // Cancelled, the places come back.
        let (status, _) = alice.delete(&format!("/api/v1/me/reservations/{number}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(app.free(later).await, 5);
    }

    async fn the_pages_declare_a_first_dose_and_book_the_second_alone(app) {
        let f = app.fixture.clone();
        let allowed = app.slot(2, "2026-12-18", "10:00", f.lane_a, 5).await;
        let bob = app.student("bob").await;
        let (status, me) = bob.page("/me").await;
        assert_eq!(status, StatusCode::OK);
        let csrf = form_value(&me, "csrf");
        assert!(me.contains("action=\"/me/elsewhere\""), "{me}");
        let vaccine = f.vaccine.to_string();

        // Every problem is said, in place, and nothing is stored.
        let answer = bob.http.post(app.url("/me/elsewhere")).form(&[
            ("csrf", csrf.as_str()), ("dose", "2"), ("given_on", "2026-12-24"),
            ("product", "other"), ("product_other", ""), ("place", ""),
        ]).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = visible_text(&answer.text().await.unwrap());
        assert!(text.contains("接種日が未来の日付です。"), "{text}");
        assert!(text.contains("ワクチンの種類を入力してください。"), "{text}");
        assert!(app.store.elsewhere_doses(f.uni, &Subject::parse("bob").unwrap()).await.unwrap().is_empty());

        let answer = bob.http.post(app.url("/me/elsewhere")).form(&[
            ("csrf", csrf.as_str()), ("dose", "1"), ("given_on", "2026-11-20"),
            ("product", vaccine.as_str()), ("product_other", ""), ("place", "仙台市"),
        ]).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert_eq!(answer.headers()["location"], "/me?done=elsewhere");
        let stored = app.store.elsewhere_doses(f.uni, &Subject::parse("bob").unwrap()).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!((stored[0].product.as_str(), stored[0].place.as_str()), ("モデルナ", "仙台市"));
        let (_, me) = bob.page("/me").await;
        let text = visible_text(&me);
        assert!(text.contains("他所で接種"), "{text}");
        assert!(text.contains("申告済み・事務局の確認待ち"), "{text}");
        assert!(text.contains("2026年11月20日"), "{text}");

        // The day's page offers the second-dose time; booking it books the
        // second dose alone.
        let (_, html) = bob.page("/days/2026-12-18").await;
        assert!(html.contains(&format!("name=\"slot\" value=\"{allowed}\"")), "{html}");
        let fields = ["csrf", "slot", "day", "idem"].map(|n| (n, form_value(&html, n)));
        let answer = bob.http.post(app.url("/reservations")).form(&fields).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert_eq!(answer.headers()["location"], "/me?done=booked");
        let (_, reservations) = bob.get("/api/v1/me/reservations").await;
        assert_eq!(doses(&reservations[0]), [(2, allowed.get())]);
        let (_, me) = bob.page("/me").await;
        assert!(me.contains("class=\"dose\""), "the reservation is shown");
        assert!(!me.contains("/me/elsewhere/withdraw"), "held: not withdrawn");
    }

    async fn two_doses_elsewhere_leave_nothing_to_book(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let second = app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let carol = app.student("carol").await;
        assert_eq!(declare(&carol, 1, "2026-10-01").await.0, StatusCode::OK);
        assert_eq!(declare(&carol, 2, "2026-10-29").await.0, StatusCode::OK);
        for slot in [first, second] {
            let (status, body) = carol.book(slot).await;
            assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("already_vaccinated")), "{body}");
        }
        let (_, start) = carol.page("/").await;
        assert!(visible_text(&start).contains("2回とも他所で接種済みのため、予約するものはありません。"), "{start}");
        let (_, days) = carol.page("/days").await;
        assert!(days.contains("id=\"vaccinated-elsewhere\""));
        assert!(offered_days(&days).is_empty(), "{days}");
        let (_, me) = carol.page("/me").await;
        assert!(me.contains("id=\"vaccinated-elsewhere\""));
        assert!(!me.contains("<a class=\"button\" href=\"/days\">"), "no link to book");
        assert_eq!((app.free(first).await, app.free(second).await), (5, 5));

        // Withdrawn, booking is open again.
        assert_eq!(carol.delete("/api/v1/me/doses-elsewhere/2").await.0, StatusCode::NO_CONTENT);
        assert_eq!(carol.get("/api/v1/me/doses-elsewhere/2").await.0, StatusCode::NOT_FOUND);
        assert_eq!(carol.delete("/api/v1/me/doses-elsewhere/2").await.0, StatusCode::NOT_FOUND);
        let (status, body) = carol.book(first).await;
        assert_eq!(body["code"], "second_dose_only", "{status} {body}");
    }

    async fn a_declaration_is_checked_and_answered_in_the_apis_shape(app) {
        let dave = app.student("dave").await;
        let cases = [
            (1, "2026-12-02", StatusCode::UNPROCESSABLE_ENTITY, "date_in_future"),
            (1, "2 Nov", StatusCode::BAD_REQUEST, "invalid_date"),
        ];
        for (dose, given_on, status, code) in cases {
            let (got, body) = declare(&dave, dose, given_on).await;
            assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
            assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        assert_eq!(declare(&dave, 1, "2026-11-02").await.0, StatusCode::OK);
        let (status, body) = declare(&dave, 2, "2026-11-01").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("before_first_dose")));
        assert!(body["message"].as_str().unwrap().contains("2026-11-02"), "{body}");
        let response = dave
            .http
            .put(app.url("/api/v1/me/doses-elsewhere/2"))
            .header("accept-language", "en")
            .json(&json!({"given_on": "2026-11-30", "product": "  "}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"code": "no_product", "message": "Please name the vaccine."}));
        assert_eq!(dave.get("/api/v1/me/doses-elsewhere/3").await.0, StatusCode::NOT_FOUND);
        // A replacement of the person's own declaration.
        assert_eq!(declare(&dave, 1, "2026-11-03").await.0, StatusCode::OK);
        let (status, list) = dave.get("/api/v1/me/doses-elsewhere").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list, json!([{
            "dose": 1, "given_on": "2026-11-03", "product": "Moderna", "place": "Sendai",
            "source": "declared", "confirmed_at": null,
        }]));
        let anonymous = app.client();
        assert_eq!(anonymous.get("/api/v1/me/doses-elsewhere").await.0, StatusCode::UNAUTHORIZED);

        let (_, doc) = anonymous.get("/api/v1/openapi.json").await;
        let path = &doc["paths"]["/api/v1/me/doses-elsewhere/{dose}"];
        for method in ["get", "put", "delete"] {
            assert!(path[method].is_object(), "{method}: {path}");
        }
        assert!(doc["components"]["schemas"]["ElsewhereDoseJson"].is_object());
        // A client generated from the document sends a day, not any text.
        let body = &doc["components"]["schemas"]["ElsewhereBody"]["properties"];
        assert_eq!(body["given_on"]["format"], "date", "{body}");
    }

    async fn the_office_confirms_corrects_and_removes_a_declaration_each_audited(app) {
        let f = app.fixture.clone();
        let allowed = app.slot(2, "2026-12-18", "10:00", f.lane_a, 5).await;
        let erin = app.student("erin").await;
        assert_eq!(declare(&erin, 1, "2026-11-20").await.0, StatusCode::OK);
        let (_, series) = erin.book(allowed).await;
        let number = series["id"].as_str().unwrap().to_owned();

        let mut office = TestOffice::spawn(&app).await;
        let other = office.signed_in(&app, "so_desk", Role::InstitutionStaff { institution: f.staff_only }).await;
        let staff = office.signed_in(&app, "uni_desk", Role::InstitutionStaff { institution: f.uni }).await;
        let listed = other.get("/elsewhere").await;
        assert!(!listed.html.contains("erin"), "another institution's list: {}", listed.html);
        let listed = staff.get("/elsewhere").await;
        assert_eq!(listed.status, StatusCode::OK);
        assert!(listed.html.contains("erin") && listed.html.contains(&number), "{}", listed.html);

        let uni = f.uni.to_string();
        let form = |extra: &[(&'static str, &'static str)]| {
            let mut fields = vec![("institution", uni.clone()), ("member", "erin".to_owned()), ("dose", "1".to_owned())];
            fields.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
            fields
        };
        let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
            let staff = &staff;
            async move {
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                staff.post(path, &fields).await
            }
        };
        let refused = other.post("/elsewhere/confirm", &[("institution", uni.as_str()), ("member", "erin"), ("dose", "1")]).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "another institution's: as if absent");

        let done = post("/elsewhere/confirm", form(&[])).await;
        assert_eq!(done.location.as_deref(), Some("/elsewhere?done=confirmed"));
        let again = post("/elsewhere/confirm", form(&[])).await;
        assert_eq!(again.location.as_deref(), Some("/elsewhere?done=nothing"));
        let stored = &app.store.elsewhere_doses(f.uni, &Subject::parse("erin").unwrap()).await.unwrap()[0];
        assert_eq!(stored.source, Source::Declared);
        assert!(stored.confirmed.is_some());
        assert!(staff.get("/elsewhere").await.html.contains("id=\"waiting\""));
        assert!(!staff.get("/elsewhere").await.html.contains(">erin<"), "confirmed: no longer waiting");
        // Confirmed: the person no longer changes it.
        assert_eq!(erin.delete("/api/v1/me/doses-elsewhere/1").await.1["code"], "confirmed_by_office");

        // The reservation's page shows the history, with the office's forms.
        let page = staff.get(&format!("/reservations/{number}")).await;
        let text = visible_text(&page.html);
        assert!(page.html.contains("id=\"history-doses\""), "{}", page.html);
        assert!(text.contains("2026-11-20") && text.contains("Moderna"), "{text}");
        assert!(page.html.contains("action=\"/elsewhere/record\""));
        // Moving it, the office is offered second-dose times.
        let moving = staff.get(&format!("/reservations/{number}/move?day=2026-12-18")).await;
        assert!(moving.html.contains(&format!("value=\"{allowed}\"")), "{}", moving.html);

        let back = number.clone();
        let corrected = post("/elsewhere/record", vec![
            ("institution", uni.clone()), ("member", "erin".into()), ("dose", "1".into()),
            ("given_on", "2026-11-19".into()), ("product", "Moderna".into()), ("place", "Sendai".into()),
            ("back", back.clone()),
        ]).await;
        assert_eq!(corrected.location, Some(format!("/reservations/{number}?done=elsewhere_recorded")));
        let stored = &app.store.elsewhere_doses(f.uni, &Subject::parse("erin").unwrap()).await.unwrap()[0];
        assert_eq!((stored.source, stored.given_on), (Source::Office, day("2026-11-19")));
        let future = post("/elsewhere/record", vec![
            ("institution", uni.clone()), ("member", "erin".into()), ("dose", "1".into()),
            ("given_on", "2027-01-19".into()), ("product", "Moderna".into()), ("back", back.clone()),
        ]).await;
        assert_eq!(future.location, Some(format!("/reservations/{number}?error=date_in_future")));
        let page = staff.get(future.location.as_deref().unwrap()).await;
        assert!(visible_text(&page.html).contains("接種日が未来の日付です。"));
        // The dose booked here is not recorded as elsewhere too.
        let held = post("/elsewhere/record", vec![
            ("institution", uni.clone()), ("member", "erin".into()), ("dose", "2".into()),
            ("given_on", "2026-11-30".into()), ("product", "Moderna".into()), ("back", back.clone()),
        ]).await;
        assert_eq!(held.location, Some(format!("/reservations/{number}?error=dose_held_here")));

        let removed = post("/elsewhere/remove", form(&[("back", "not a number")])).await;
        assert_eq!(removed.location.as_deref(), Some("/elsewhere?done=removed"));
        assert!(app.store.elsewhere_doses(f.uni, &Subject::parse("erin").unwrap()).await.unwrap().is_empty());

        for action in ["elsewhere.confirm", "elsewhere.record", "elsewhere.remove"] {
            let entries = audited(&app, action).await;
            assert_eq!(entries.len(), 1, "{action}: {entries:?}");
            assert!(entries[0].actor.starts_with("admin:"));
            assert!(entries[0].objects.iter().any(|o| matches!(o, sesshu_domain::AuditObject::Person(_))));
        }
        assert!(!app.audit_text().await.contains("erin"), "no login in the audit trail");
    }

    async fn the_history_import_is_checked_whole_previewed_and_applied_all_or_nothing(app) {
        let f = app.fixture.clone();
        app.member(f.uni, "frank", UserType::Student).await;
        let mut office = TestOffice::spawn(&app).await;
        let staff = office.signed_in(&app, "uni_members", Role::InstitutionStaff { institution: f.uni }).await;
        let other = office.signed_in(&app, "so_members", Role::InstitutionStaff { institution: f.staff_only }).await;
        let good = "institution,member,date,dose,product,place\n\
                    uni,frank,2026-10-01,1,Pfizer,Sendai\n\
                    uni,frank,2026/10/22,2,Pfizer,Sendai\n\
                    uni,grace,2026-10-05,1,Moderna,\n";
        let bad = good.replace("uni,frank,2026/10/22,2", "uni,frank,2026/10/22,3");

        let checked = staff.upload("/elsewhere/import/preview", "history.csv", bad.clone().into_bytes()).await;
        assert_eq!(checked.status, StatusCode::OK);
        let problems = visible_text(&checked.html);
        assert!(checked.html.contains("id=\"upload-problems\""), "{}", checked.html);
        assert!(problems.contains("3 dose 1 か 2 を入れてください"), "line 3, column dose: {problems}");
        assert!(!checked.html.contains("id=\"import-apply\""), "nothing to apply");
        // Applied as it is, nothing is written either.
        let applied = staff.post("/elsewhere/import", &[("text", bad.as_str())]).await;
        assert!(applied.html.contains("id=\"upload-problems\""));
        let frank = Subject::parse("frank").unwrap();
        assert!(app.store.elsewhere_doses(f.uni, &frank).await.unwrap().is_empty(), "one bad line: nothing applied");
        assert!(audited(&app, "elsewhere.import").await.is_empty());

        // Another institution's staff: their file names an institution they
        // do not have.
        let theirs = other.upload("/elsewhere/import/preview", "history.csv", good.as_bytes().to_vec()).await;
        assert!(theirs.html.contains("id=\"upload-problems\"") && theirs.html.contains("はありません"), "{}", theirs.html);
        assert!(!theirs.html.contains("id=\"import-preview\""));

        let preview = staff.upload("/elsewhere/import/preview", "history.csv", good.as_bytes().to_vec()).await;
        assert!(preview.html.contains("id=\"import-preview\""), "{}", preview.html);
        assert!(preview.html.contains("id=\"import-apply\""));
        assert!(app.store.elsewhere_doses(f.uni, &frank).await.unwrap().is_empty(), "a preview writes nothing");
        assert!(preview.html.contains("<textarea name=\"text\" hidden>"), "the file goes back with the confirmation");
        let applied = staff.post("/elsewhere/import", &[("text", good)]).await;
        assert!(applied.html.contains("id=\"import-preview\""), "{}", applied.html);
        let stored = app.store.elsewhere_doses(f.uni, &frank).await.unwrap();
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().all(|d| d.source == Source::Import && d.confirmed.is_some()));
        assert_eq!(stored[1].given_on, day("2026-10-22"));
        let grace = app.store.elsewhere_doses(f.uni, &Subject::parse("grace").unwrap()).await.unwrap();
        assert_eq!(grace.len(), 1, "someone who never signed in has a history too");
        let entries = audited(&app, "elsewhere.import").await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].detail, "doses 3, replaced 0");
        assert!(!app.audit_text().await.contains("frank"));

        // The imported doses count when frank signs in: nothing to book.
        let frank_client = app.client();
        frank_client.login("uni", "frank", "secret").await;
        let slot = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        assert_eq!(frank_client.book(slot).await.1["code"], "already_vaccinated");
    }

    async fn a_series_of_the_second_dose_alone_is_checked_in_without_a_warning_and_its_history_shown(app) {
        let day = Day::new(&app).await;
        let henry = app.student("henry").await;
        assert_eq!(declare(&henry, 1, "2026-11-20").await.0, StatusCode::OK);
        let (status, series) = henry.book(day.second).await;
        assert_eq!(status, StatusCode::CREATED, "{series}");
        let number = ReservationNumber::parse(series["id"].as_str().unwrap()).unwrap();
        app.clock.set(tokyo("2027-01-07", "09:30"));
        let lookup = Lookup::Number(number.clone());
        let desk = checkin::desk(&day.ops, &day.keys, &day.desk, &lookup).await.unwrap();
        assert_eq!(desk.dose.as_ref().map(|d| d.number), Some(DoseNumber::SECOND));
        assert!(desk.warnings.is_empty(), "the first dose elsewhere counts: {:?}", desk.warnings);
        let done = checkin::check_in(&day.ops, &day.desk, day.by, &lookup).await.unwrap();
        assert!(matches!(done, CheckIn::Now(_)), "{done:?}");

        let target = day.target(&number, DoseNumber::SECOND).await;
        day.questionnaire(&target, "36.5").await;
        vaccination::decide(&day.ops, &day.keys, &day.desk, day.by, &target, sesshu_domain::Decision::Vaccinate, None)
            .await
            .unwrap();
        let lot = day.lot(&app, "EF-1234", "2027-03-31", 5).await;
        let given = Given { at: tokyo("2027-01-07", "10:05"), lot, given_by: "Dr Sato".into(), site: Site::LeftArm };
        vaccination::vaccinate(&day.ops, &day.desk, day.by, &target, given).await.unwrap();

        // "My reservation": the dose here and the one elsewhere.
        let (_, me) = henry.page("/me").await;
        let text = visible_text(&me);
        assert!(me.contains("id=\"history\""), "{me}");
        assert!(text.contains("2回目 2027年1月7日(木) モデルナ 駅前会場 この接種会場で接種"), "{text}");
        assert!(text.contains("1回目 2026年11月20日(金) モデルナ Sendai 他所で接種 申告済み・事務局の確認待ち"), "{text}");

        // The office's page: both, and the vaccination's time.
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let page = operator.get(&format!("/reservations/{number}")).await;
        let text = visible_text(&page.html);
        assert!(text.contains("2 2027-01-07 10:05 モデルナ 駅前会場"), "{text}");
        assert!(text.contains("1 2026-11-20 Moderna Sendai"), "{text}");

        // Without the dose elsewhere, the desk would warn.
        let henry_login = Subject::parse("henry").unwrap();
        let ops = &day.ops;
        let operator_actor = sesshu_operations::Actor { name: "admin:0".into(), role: Role::Operator, origin: "local".into() };
        let whose = sesshu_operations::elsewhere::Whose { institution: app.fixture.uni, member: henry_login };
        assert!(sesshu_operations::elsewhere::remove(ops, &operator_actor, &whose, DoseNumber::FIRST).await.unwrap());
        let desk = checkin::desk(&day.ops, &day.keys, &day.desk, &lookup).await.unwrap();
        assert!(desk.warnings.contains(&Warning::EarlierDoseNotGiven), "{:?}", desk.warnings);
    }
}

/// On PostgreSQL the public process's own role declares, replaces and
/// withdraws a person's dose elsewhere, and reads their history (the doses
/// given here, by the columns it is granted), but cannot confirm one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_database_role_keeps_a_persons_own_history() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    let (public, _) = app.public_role_store().await;
    let f = app.fixture.clone();
    app.member(f.uni, "ivy", UserType::Student).await;
    let ivy = app.client();
    ivy.login("uni", "ivy", "secret").await;
    let person = app
        .store
        .person_by_subject(f.uni, &Subject::parse("ivy").unwrap())
        .await
        .unwrap()
        .unwrap();
    let member = Subject::parse("ivy").unwrap();
    let declaration = |given_on: &str| Declaration {
        dose: DoseNumber::FIRST,
        given_on: day(given_on),
        product: "Moderna".into(),
        place: String::new(),
    };
    for given_on in ["2026-11-20", "2026-11-21"] {
        let declared = public
            .declare_elsewhere(f.uni, &member, &declaration(given_on), start_of_tests())
            .await
            .unwrap();
        assert_eq!(declared, Declared::Recorded);
    }
    let doses: Vec<ElsewhereDose> = public.elsewhere_doses_of(person.id).await.unwrap();
    assert_eq!(doses.len(), 1);
    assert_eq!(doses[0].given_on, day("2026-11-21"));
    assert!(public.given_here(person.id).await.unwrap().is_empty());
    assert!(public.doses_held_here(person.id).await.unwrap().is_empty());
    let admin = app.admin_account(Role::Operator).await;
    let entry = sesshu_domain::AuditEntry {
        at: start_of_tests(),
        actor: format!("admin:{admin}"),
        role: "operator".into(),
        action: sesshu_domain::AuditAction::ElsewhereConfirm,
        objects: Vec::new(),
        detail: "dose 1".into(),
        origin: "local".into(),
    };
    let denied = public
        .confirm_elsewhere(f.uni, &member, DoseNumber::FIRST, admin, &entry)
        .await
        .unwrap_err();
    assert!(
        format!("{denied:?}").contains("permission denied"),
        "{denied:?}"
    );
    assert!(
        app.store
            .confirm_elsewhere(f.uni, &member, DoseNumber::FIRST, admin, &entry)
            .await
            .unwrap()
    );
    let kept = public
        .declare_elsewhere(f.uni, &member, &declaration("2026-11-22"), start_of_tests())
        .await
        .unwrap();
    assert_eq!(
        kept,
        Declared::OfficeEntry,
        "confirmed: the person's is not taken"
    );
    assert!(
        !public
            .withdraw_elsewhere(f.uni, &member, DoseNumber::FIRST)
            .await
            .unwrap()
    );
}
