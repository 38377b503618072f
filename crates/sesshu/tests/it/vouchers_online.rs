//! A person gives their vouchers (接種券) on the public side, before the
//! appointment: the page "my reservation" (a form per dose, the OCR line or
//! the code and number apart) and `PUT
//! /api/v1/me/reservations/{id}/doses/{dose}/voucher`. Sealed for the
//! office, replaced when given again, never once the venue collected it.

use crate::helpers::*;
use crate::vaccination::Day;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sesshu_domain::{
    AuditAction, AuditEntry, AuditObject, DoseNumber, ReservationNumber, SeriesId, Voucher,
};
use sesshu_store::{Collected, Field, Owner};

/// What a person typed into one of the two forms.
#[derive(Clone, Copy, Debug)]
enum Given {
    Line(&'static str),
    Parts(&'static str, &'static str),
}

/// What should come of it: taken, or the message in Japanese and English.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    Taken(&'static str),
    Refused(&'static str, &'static str),
}

/// Good and bad vouchers, for the dose given.
const TABLE: [(&str, u8, Given, Outcome); 12] = [
    (
        "Sendai, dose 1",
        1,
        Given::Line("110410090123456789"),
        Outcome::Taken("110410090123456789"),
    ),
    (
        "Chiyoda, dose 2, spaced as printed",
        2,
        Given::Line("1 2 131016 0000012345"),
        Outcome::Taken("121310160000012345"),
    ),
    (
        "hyphens and full-width digits",
        1,
        Given::Line("１１-０４１００９-０１２３４５６７８９"),
        Outcome::Taken("110410090123456789"),
    ),
    (
        "corrupted check digit",
        1,
        Given::Line("110410080123456789"),
        Outcome::Refused(
            "市区町村コードが正しくありません。接種券の記載をもう一度ご確認ください。",
            "The municipality code is not valid. Please check it against your voucher.",
        ),
    ),
    (
        "two digits of the code swapped",
        2,
        Given::Line("121301160000012345"),
        Outcome::Refused(
            "市区町村コードが正しくありません。接種券の記載をもう一度ご確認ください。",
            "The municipality code is not valid. Please check it against your voucher.",
        ),
    ),
    (
        "the second dose's voucher for the first dose",
        1,
        Given::Line("120410090123456789"),
        Outcome::Refused(
            "この接種券は2回目用です。1回目用の接種券を入力してください。",
            "This voucher is for dose 2. Please enter the voucher for dose 1.",
        ),
    ),
    (
        "too short",
        1,
        Given::Line("11041009012345678"),
        Outcome::Refused(
            "18桁で入力してください（17桁が入力されました）。",
            "Please enter 18 digits (17 were entered).",
        ),
    ),
    (
        "letters",
        1,
        Given::Line("1104100901234567AB"),
        Outcome::Refused(
            "数字のみで入力してください（空白とハイフンは無視されます）。",
            "Please enter digits only (spaces and hyphens are ignored).",
        ),
    ),
    (
        "code and number apart, Sendai",
        1,
        Given::Parts("041009", "0123456789"),
        Outcome::Taken("-10410090123456789"),
    ),
    (
        "code and number apart, Chiyoda, dose 2",
        2,
        Given::Parts("13-1016", "0000 012345"),
        Outcome::Taken("-21310160000012345"),
    ),
    (
        "a corrupted code typed apart",
        1,
        Given::Parts("131017", "0123456789"),
        Outcome::Refused(
            "市区町村コードが正しくありません。接種券の記載をもう一度ご確認ください。",
            "The municipality code is not valid. Please check it against your voucher.",
        ),
    ),
    (
        "a short number typed apart",
        2,
        Given::Parts("131016", "12345"),
        Outcome::Refused(
            "10桁で入力してください（5桁が入力されました）。",
            "Please enter 10 digits (5 were entered).",
        ),
    ),
];

/// A student with a two-dose reservation (10 December, 7 January): their
/// client, the reservation's number and series.
async fn booked(app: &TestApp, login: &str) -> (Client, ReservationNumber, SeriesId) {
    let f = app.fixture.clone();
    let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
    app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
    let client = app.student(login).await;
    let (status, body) = client.book(first).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let number = ReservationNumber::parse(body["id"].as_str().unwrap()).unwrap();
    let series = app
        .store
        .series_by_number(&number)
        .await
        .unwrap()
        .unwrap()
        .id;
    (client, number, series)
}

/// The owner a dose's voucher is sealed for, as the office opens it.
fn owner(app: &TestApp, login: &str, number: &ReservationNumber, dose: u8) -> Owner {
    Owner::login(app.fixture.uni.get(), login).dose(number.compact(), dose)
}

/// The voucher of a dose as the office reads it: opened with the vault's
/// private key (and checked not to hold the plain digits).
async fn sealed_voucher(
    app: &TestApp,
    login: &str,
    number: &ReservationNumber,
    series: SeriesId,
    dose: u8,
) -> Option<String> {
    let sealed = app
        .store
        .dose_data(series, DoseNumber::new(dose).unwrap(), Field::Voucher)
        .await
        .unwrap()?;
    let text = app
        .vault
        .open(&owner(app, login, number, dose), Field::Voucher, &sealed)
        .expect("opens for the person's dose");
    let plain = Voucher::from_text(&text).expect("a voucher");
    for digits in [plain.number(), text.trim_start_matches('-').to_owned()] {
        assert!(
            !sealed
                .blob
                .windows(digits.len())
                .any(|w| w == digits.as_bytes()),
            "the sealed value holds {digits} in clear"
        );
    }
    assert!(
        app.vault
            .open(
                &owner(app, login, number, 3 - dose),
                Field::Voucher,
                &sealed
            )
            .is_err(),
        "sealed for its dose only"
    );
    Some(text)
}

fn api_body(given: Given) -> Value {
    match given {
        Given::Line(line) => json!({ "ocr_line": line }),
        Given::Parts(code, number) => json!({ "municipality_code": code, "number": number }),
    }
}

async fn put_voucher(
    client: &Client,
    number: &ReservationNumber,
    dose: u8,
    body: &Value,
    lang: &str,
) -> (StatusCode, Value) {
    let response = client
        .http
        .put(format!(
            "{}/api/v1/me/reservations/{number}/doses/{dose}/voucher",
            client.base
        ))
        .header("accept-language", lang)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Posts one voucher form of the page "my reservation" as a browser
/// without JavaScript would: status, `Location`, the page.
async fn post_voucher(
    client: &Client,
    dose: u8,
    given: Given,
    lang: &str,
) -> (StatusCode, Option<String>, String) {
    let (status, me) = client.page("/me").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = form_value(&me, "csrf");
    let dose = dose.to_string();
    let mut fields = vec![("csrf", csrf.as_str()), ("dose", dose.as_str())];
    match given {
        Given::Line(line) => fields.push(("ocr_line", line)),
        Given::Parts(code, number) => {
            fields.push(("municipality_code", code));
            fields.push(("voucher_number", number));
        }
    }
    let response = client
        .http
        .post(format!("{}/me/voucher", client.base))
        .header("accept-language", lang)
        .form(&fields)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location, response.text().await.unwrap())
}

/// The attribute `value="…"` of the input named `name` in the forms of
/// dose `dose`.
fn input_value(html: &str, dose: u8, name: &str) -> String {
    let html = &html[html
        .find(&format!("id=\"voucher-{dose}\""))
        .expect("the dose's forms")..];
    let start = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no input {name}"));
    let tag = &html[start..start + html[start..].find('>').unwrap()];
    let value = tag.find("value=\"").expect("a value") + "value=\"".len();
    tag[value..value + tag[value..].find('"').unwrap()].to_owned()
}

on_both_databases! {
    async fn good_and_bad_vouchers_through_the_api(app) {
        let (alice, number, series) = booked(&app, "alice").await;
        for (what, dose, given, outcome) in TABLE {
            for lang in ["ja", "en"] {
                let (status, body) = put_voucher(&alice, &number, dose, &api_body(given), lang).await;
                match outcome {
                    Outcome::Taken(sealed) => {
                        assert_eq!(status, StatusCode::NO_CONTENT, "{what} ({lang}): {body}");
                        assert_eq!(body, Value::Null, "{what}: no body");
                        let opened = sealed_voucher(&app, "alice", &number, series, dose).await;
                        assert_eq!(opened.as_deref(), Some(sealed), "{what}");
                    }
                    Outcome::Refused(ja, en) => {
                        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what} ({lang}): {body}");
                        assert_eq!(body["code"], "voucher_invalid", "{what}");
                        let message = if lang == "ja" { ja } else { en };
                        assert_eq!(body["message"], message, "{what} ({lang})");
                    }
                }
            }
        }
        // Where each dose's voucher is, in the reservation's JSON.
        let (_, list) = alice.get("/api/v1/me/reservations").await;
        for dose in [0, 1] {
            let voucher = &list[0]["doses"][dose]["voucher"];
            assert_eq!(voucher["given_at"], "2026-12-01T09:00:00+09:00", "{list}");
            assert_eq!(voucher["collected_at"], Value::Null);
            assert!(!list.to_string().contains("0123456789"), "never the number: {list}");
        }
    }

    async fn good_and_bad_vouchers_through_the_page(app) {
        let (alice, number, series) = booked(&app, "alice").await;
        let (_, me) = alice.page("/me").await;
        assert_eq!(me.matches("action=\"/me/voucher\"").count(), 4, "two forms a dose");
        assert_eq!(visible_text(&me).matches("まだ登録されていません").count(), 2);
        for (what, dose, given, outcome) in TABLE {
            for lang in ["ja", "en"] {
                let (status, location, page) = post_voucher(&alice, dose, given, lang).await;
                match outcome {
                    Outcome::Taken(sealed) => {
                        assert_eq!(status, StatusCode::SEE_OTHER, "{what} ({lang}): {page}");
                        assert_eq!(location.as_deref(), Some("/me?done=voucher"), "{what}");
                        let opened = sealed_voucher(&app, "alice", &number, series, dose).await;
                        assert_eq!(opened.as_deref(), Some(sealed), "{what}");
                    }
                    Outcome::Refused(ja, en) => {
                        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what} ({lang})");
                        assert_eq!(location, None, "{what}: shown, not redirected");
                        let message = if lang == "ja" { ja } else { en };
                        assert!(page.contains(&format!("lang=\"{lang}\"")), "{what}");
                        assert!(visible_text(&page).contains(message), "{what} ({lang}): {page}");
                        assert_eq!(page.matches("role=\"alert\"").count(), 1, "{what}: at one field");
                        assert!(page.contains("aria-invalid=\"true\""), "{what}");
                        // What was typed is in its field again, to correct.
                        match given {
                            Given::Line(line) => assert_eq!(input_value(&page, dose, "ocr_line"), line),
                            Given::Parts(code, number) => {
                                assert_eq!(input_value(&page, dose, "municipality_code"), code);
                                assert_eq!(input_value(&page, dose, "voucher_number"), number);
                                assert!(page.contains("<details class=\"voucher-parts\" open>"), "{what}");
                            }
                        }
                    }
                }
            }
        }
        let (_, me) = alice.page("/me?done=voucher").await;
        let text = visible_text(&me);
        assert!(text.contains("接種券の番号を受け付けました。"), "{text}");
        assert_eq!(text.matches("番号を受け付けました： 2026年12月1日(火) 09:00").count(), 2, "{text}");
        assert!(text.contains("番号を登録し直すと、前に登録した番号と置き換わります。"));
        assert!(!me.contains("0123456789") && !me.contains("0000012345"), "never shown again");

        let english = alice.http.get(app.url("/me?done=voucher")).header("accept-language", "en").send().await.unwrap();
        let text = visible_text(&english.text().await.unwrap()).replace("&#39;", "'");
        assert!(text.contains("Your voucher's number has been received."), "{text}");
        assert!(text.contains("Number received: Tue 1 Dec 2026 09:00"), "{text}");
    }

    async fn giving_again_replaces_until_the_venue_collects_it(app) {
        let day = Day::new(&app).await;
        let alice = app.student("alice").await;
        let (status, body) = alice.book(day.first).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let number = ReservationNumber::parse(body["id"].as_str().unwrap()).unwrap();
        let series = app.store.series_by_number(&number).await.unwrap().unwrap().id;

        let first = json!({ "ocr_line": "110410090123456789" });
        assert_eq!(put_voucher(&alice, &number, 1, &first, "ja").await.0, StatusCode::NO_CONTENT);
        app.clock.set(tokyo("2026-12-02", "18:30"));
        let (status, _, _) = post_voucher(&alice, 1, Given::Line("111310169876543210"), "ja").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            sealed_voucher(&app, "alice", &number, series, 1).await.as_deref(),
            Some("111310169876543210"),
            "replaced"
        );
        let states = app.store.vouchers(series).await.unwrap();
        assert_eq!(states.len(), 1);
        assert_eq!(states[0].given_at, tokyo("2026-12-02", "18:30"));

        // The desk collects it on the day: nothing replaces it afterwards.
        app.clock.set(tokyo("2026-12-10", "09:50"));
        let entry = AuditEntry {
            at: tokyo("2026-12-10", "09:50"),
            actor: format!("admin:{}", day.by),
            role: "venue_staff".into(),
            action: AuditAction::VoucherCollect,
            objects: vec![AuditObject::Series(series)],
            detail: "dose 1: voucher collected".into(),
            origin: "127.0.0.1".into(),
        };
        let collected = app.store.collect_voucher(series, DoseNumber::FIRST, day.by, &entry).await.unwrap();
        assert_eq!(collected, Collected::Now(tokyo("2026-12-10", "09:50")));

        let (status, body) = put_voucher(&alice, &number, 1, &first, "en").await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["code"], "voucher_collected");
        assert_eq!(body["message"], "This voucher was already collected at the venue: nothing was changed.");
        let (status, location, _) = post_voucher(&alice, 1, Given::Parts("041009", "0123456789"), "ja").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let location = location.unwrap();
        assert_eq!(location, "/me?error=voucher_collected");
        let (_, me) = alice.page(&location).await;
        let text = visible_text(&me);
        assert!(text.contains("この接種券は会場で回収済みのため、変更していません。"), "{text}");
        assert!(text.contains("会場で回収しました： 2026年12月10日(木) 09:50"), "{text}");
        assert!(text.contains("会場で回収済みのため、番号は変更できません。"));
        assert_eq!(me.matches("name=\"dose\" value=\"1\"").count(), 0, "no form for a collected voucher");
        assert_eq!(me.matches("name=\"dose\" value=\"2\"").count(), 2, "the second dose's forms stay");
        assert_eq!(
            sealed_voucher(&app, "alice", &number, series, 1).await.as_deref(),
            Some("111310169876543210"),
            "not replaced"
        );
        let states = app.store.vouchers(series).await.unwrap();
        assert_eq!(states[0].given_at, tokyo("2026-12-02", "18:30"), "not given again");
        let (_, list) = alice.get("/api/v1/me/reservations").await;
        assert_eq!(list[0]["doses"][0]["voucher"]["collected_at"], "2026-12-10T09:50:00+09:00");
        assert_eq!(list[0]["doses"][1]["voucher"], Value::Null, "the second dose's: not given");
    }

    async fn only_the_persons_own_active_reservation_takes_a_voucher(app) {
        let (alice, number, series) = booked(&app, "alice").await;
        let line = json!({ "ocr_line": "110410090123456789" });
        let bob = app.student("bob").await;
        let (status, body) = put_voucher(&bob, &number, 1, &line, "ja").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "another person's");
        for path in ["3", "0", "x"] {
            let response = alice.http.put(app.url(&format!("/api/v1/me/reservations/{number}/doses/{path}/voucher"))).json(&line).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "dose {path}");
        }
        let both = json!({ "ocr_line": "110410090123456789", "municipality_code": "041009", "number": "0123456789" });
        let (status, body) = put_voucher(&alice, &number, 1, &both, "ja").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_body")), "one way or the other");
        let form = alice.http.put(app.url(&format!("/api/v1/me/reservations/{number}/doses/1/voucher"))).form(&[("ocr_line", "110410090123456789")]).send().await.unwrap();
        assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let (status, _) = put_voucher(&app.client(), &number, 1, &line, "ja").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let cross_site = alice.http.put(app.url(&format!("/api/v1/me/reservations/{number}/doses/1/voucher")))
            .header("origin", "https://evil.example").json(&line).send().await.unwrap();
        assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
        assert!(app.store.vouchers(series).await.unwrap().is_empty(), "nothing given so far");

        // A page form without its CSRF token is refused.
        let refused = alice.http.post(app.url("/me/voucher")).form(&[("dose", "1"), ("ocr_line", "110410090123456789")]).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);

        let (status, body) = alice.delete(&format!("/api/v1/me/reservations/{number}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = put_voucher(&alice, &number, 1, &line, "en").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("not_active")));
        let (status, location, _) = post_voucher(&alice, 1, Given::Line("110410090123456789"), "ja").await;
        assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/me")), "no active reservation");
        assert!(app.store.vouchers(series).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_page_with_the_camera_allows_its_own_scripts_and_the_camera_only_there() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (alice, _, _) = booked(&app, "alice").await;
    let me = alice.http.get(app.url("/me")).send().await.unwrap();
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let csp = header(&me, "content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(
        header(&me, "permissions-policy").as_deref(),
        Some("camera=(self), microphone=(), geolocation=()")
    );
    let html = me.text().await.unwrap();
    assert!(html.contains("<script src=\"/static/voucher.js\" defer></script>"));
    assert!(
        html.contains("class=\"voucher-camera\" hidden"),
        "hidden without the script"
    );
    // Nowhere else.
    for path in ["/days", "/", "/me/cancel"] {
        let page = alice.http.get(app.url(path)).send().await.unwrap();
        let csp = header(&page, "content-security-policy").unwrap();
        assert!(!csp.contains("script-src"), "{path}: {csp}");
        assert_eq!(header(&page, "permissions-policy"), None, "{path}");
    }
    // The scripts, from the site itself: the decoder is the office's
    // vendored file, byte for byte.
    let script = alice
        .http
        .get(app.url("/static/voucher.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert_eq!(
        header(&script, "content-type").as_deref(),
        Some("text/javascript; charset=utf-8")
    );
    assert!(script.text().await.unwrap().contains("getUserMedia"));
    let decoder = alice
        .http
        .get(app.url("/static/jsQR.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(decoder.status(), StatusCode::OK);
    let decoder = decoder.bytes().await.unwrap();
    let vendored = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../office/static/vendor/jsQR.js"
    ))
    .unwrap();
    assert_eq!(decoder.as_ref(), vendored.as_slice());
}

#[tokio::test]
async fn the_openapi_document_describes_the_voucher_endpoint() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, doc) = app.client().get("/api/v1/openapi.json").await;
    let path = &doc["paths"]["/api/v1/me/reservations/{id}/doses/{dose}/voucher"]["put"];
    assert!(path.is_object(), "{doc}");
    for status in ["204", "404", "409", "422"] {
        assert!(path["responses"][status].is_object(), "{status}: {path}");
    }
    let schemas = &doc["components"]["schemas"];
    assert!(
        schemas["VoucherBody"]["oneOf"].is_array(),
        "{}",
        schemas["VoucherBody"]
    );
    assert!(schemas["DoseJson"]["properties"]["voucher"].is_object());
    // What is absent until it happens is declared nullable, as it is sent.
    for (schema, field) in [
        ("VoucherJson", "collected_at"),
        ("SeriesJson", "change_deadline"),
    ] {
        let declared = &schemas[schema]["properties"][field];
        assert!(
            declared["type"]
                .as_array()
                .is_some_and(|types| types.contains(&serde_json::json!("null"))),
            "{schema}.{field}: {declared}"
        );
    }
}

/// On PostgreSQL the public process's own role gives a voucher (and gives
/// it again), sees that it was given, and cannot read the sealed number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_database_role_gives_a_voucher_but_cannot_read_it() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    let (_, number, series) = booked(&app, "alice").await;
    let (public, _) = app.public_role_store().await;
    let owner = owner(&app, "alice", &number, 1);
    let voucher = Voucher::from_ocr_line("110410090123456789", DoseNumber::FIRST).unwrap();
    let sealed = app
        .vault
        .sealing_key()
        .seal(&owner, Field::Voucher, &voucher.to_text())
        .unwrap();
    for at in [start_of_tests(), tokyo("2026-12-02", "10:00")] {
        assert!(
            public
                .give_voucher(series, DoseNumber::FIRST, &sealed, at, None)
                .await
                .unwrap()
        );
    }
    let states = public.vouchers(series).await.unwrap();
    assert_eq!(states.len(), 1);
    assert_eq!(states[0].given_at, tokyo("2026-12-02", "10:00"));
    assert!(
        public
            .person_subject(app.store.series(series).await.unwrap().unwrap().person)
            .await
            .unwrap()
            .is_some()
    );
    let denied = public
        .dose_data(series, DoseNumber::FIRST, Field::Voucher)
        .await
        .unwrap_err();
    assert!(
        format!("{denied:?}").contains("permission denied"),
        "{denied:?}"
    );
    assert_eq!(
        sealed_voucher(&app, "alice", &number, series, 1)
            .await
            .as_deref(),
        Some("110410090123456789")
    );
}

/// The phone's camera reads the voucher's QR code into the form, in a real
/// headless Chromium (`e2e/voucher.mjs`), in Japanese and in English; the
/// second dose's voucher typed apart without JavaScript. Screenshots under
/// `$SESSHU_TEST_ARTIFACTS/browser/voucher`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phones_camera_reads_the_vouchers_qr_code() {
    use crate::browser::{ONE_BROWSER, artifacts_dir, e2e_dir, run_node};
    let script = e2e_dir().join("voucher.mjs");
    assert!(script.is_file(), "missing {}", script.display());
    let artifacts = artifacts_dir().join("voucher");
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    let app = TestApp::spawn(Backend::Sqlite).await;
    let f = app.fixture.clone();
    let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
    app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
    let work = std::env::temp_dir().join(unique("sesshu_voucher_browser"));
    std::fs::create_dir_all(&work).expect("work dir");
    let camera = work.join("voucher.y4m");
    let line = "110410097305184296";
    crate::venue_browser::camera_file(line, &camera);
    for lang in ["ja", "en"] {
        let login = format!("phone{lang}");
        let (status, body) = app.student(&login).await.book(first).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let number = ReservationNumber::parse(body["id"].as_str().unwrap()).unwrap();
        let series = app
            .store
            .series_by_number(&number)
            .await
            .unwrap()
            .unwrap()
            .id;
        let env = vec![
            ("BASE_URL", app.base.clone()),
            ("UI_LANG", lang.to_owned()),
            ("ARTIFACTS", artifacts.to_string_lossy().into_owned()),
            ("CAMERA_FILE", camera.to_string_lossy().into_owned()),
            ("INSTITUTION", "uni".to_owned()),
            ("LOGIN", login.clone()),
            ("PASSWORD", "secret".to_owned()),
            ("LINE", line.to_owned()),
            ("MUNICIPALITY", "131016".to_owned()),
            ("NUMBER", "0000012345".to_owned()),
        ];
        {
            let _one_browser = ONE_BROWSER.lock().await;
            let run = run_node(&script, &env, &work, &format!("voucher-{lang}")).await;
            assert!(
                run.success,
                "the {lang} voucher journey failed ({}); screenshots in {}\n--- stdout\n{}\n--- stderr\n{}",
                run.status,
                artifacts.display(),
                run.stdout,
                run.stderr
            );
        }
        assert_eq!(
            sealed_voucher(&app, &login, &number, series, 1)
                .await
                .as_deref(),
            Some(line),
            "the camera's digits"
        );
        assert_eq!(
            sealed_voucher(&app, &login, &number, series, 2)
                .await
                .as_deref(),
            Some("-21310160000012345"),
            "typed apart"
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}
