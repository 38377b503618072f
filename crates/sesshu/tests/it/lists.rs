//! The venue's recipient list (接種者リスト): in time order with names,
//! audited once; as CSV read back by Python's `csv` module (`utf-8-sig`,
//! `cp932`), with formula-like cells neutralised and characters CP932
//! cannot hold reported by row and column.

use crate::helpers::{TestApp, on_both_databases, start_of_tests, visible_text};
use crate::office_kit::TestOffice;
use reqwest::StatusCode;
use sesshu_domain::{MailAddress, Profile, Role, Subject, UserType};
use sesshu_store::{NewMember, Owner};
use std::path::PathBuf;

/// A student of `uni` with these names, logged in.
async fn member(app: &TestApp, login: &str, kanji: &str, kana: &str) -> crate::helpers::Client {
    let hash = sesshu_auth::PasswordPolicy::insecure_fast_for_tests()
        .hash("secret")
        .unwrap();
    let uni = app.fixture.uni;
    app.store
        .upsert_members(
            &[NewMember {
                institution: uni,
                login: Subject::parse(login).unwrap(),
                password_hash: hash,
                user_type: UserType::Student,
                department: None,
                personal: sesshu_auth::seal_profile(
                    app.vault.sealing_key(),
                    &Owner::login(uni.get(), login),
                    &Profile {
                        display_name: Some(format!("{login} Example")),
                        display_name_ja: Some(kanji.into()),
                        name_kana: Some(kana.into()),
                        mail: Some(MailAddress::parse(&format!("{login}@example.ac.jp")).unwrap()),
                    },
                )
                .unwrap(),
                disabled: false,
            }],
            start_of_tests(),
        )
        .await
        .unwrap();
    let client = app.client();
    client.login("uni", login, "secret").await;
    client
}

fn python() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../.test-env/venv/bin/python"
    ))
}

/// The rows of a CSV file as Python's `csv` module reads it in `encoding`.
fn python_reads(bytes: &[u8], encoding: &str) -> Vec<Vec<String>> {
    static FILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let file = std::env::temp_dir().join(format!(
        "sesshu_list_{}_{}.csv",
        std::process::id(),
        FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&file, bytes).unwrap();
    let output = std::process::Command::new(python())
        .args([
            "-c",
            "import csv, json, sys\n\
             with open(sys.argv[1], newline='', encoding=sys.argv[2]) as f:\n\
             \x20   print(json.dumps(list(csv.reader(f)), ensure_ascii=False))",
        ])
        .arg(&file)
        .arg(encoding)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The cells of an XLSX workbook's first sheet as openpyxl reads them.
fn openpyxl_reads(bytes: &[u8]) -> Vec<Vec<String>> {
    static FILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let file = std::env::temp_dir().join(format!(
        "sesshu_list_{}_{}.xlsx",
        std::process::id(),
        FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&file, bytes).unwrap();
    let output = std::process::Command::new(python())
        .args([
            "-c",
            "import json, sys, openpyxl\n\
             ws = openpyxl.load_workbook(sys.argv[1]).active\n\
             print(json.dumps([[c if c is not None else '' for c in row] \
             for row in ws.iter_rows(values_only=True)], ensure_ascii=False))",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

on_both_databases! {
    async fn the_venue_gets_its_days_list_on_screen_and_as_csv_for_excel(app) {
        let f = app.fixture.clone();
        let early = app.slot(1, "2026-12-10", "09:00", f.lane_a, 5).await;
        let late = app.slot(1, "2026-12-10", "11:00", f.lane_b, 5).await;
        let other_day = app.slot(1, "2026-12-11", "09:00", f.lane_a, 5).await;
        for day in ["2027-01-07", "2027-01-08"] {
            for (time, lane) in [("09:00", f.lane_a), ("11:00", f.lane_b)] {
                app.slot(2, day, time, lane, 5).await;
            }
        }
        let takahashi = member(&app, "takahashi", "髙橋 一郎", "たかはし いちろう").await;
        let formula = member(&app, "formula", "=HYPERLINK(\"x\")", "+かな").await;
        let yoshida = member(&app, "yoshida", "𠮷田 花子", "よしだ はなこ").await;
        let elsewhere = member(&app, "elsewhere", "別日 太郎", "べつび たろう").await;
        assert_eq!(yoshida.book(late).await.0, StatusCode::CREATED);
        assert_eq!(takahashi.book(early).await.0, StatusCode::CREATED);
        assert_eq!(formula.book(early).await.0, StatusCode::CREATED);
        assert_eq!(elsewhere.book(other_day).await.0, StatusCode::CREATED);

        let mut office = TestOffice::spawn(&app).await;
        let desk = office.signed_in(&app, "desk", Role::VenueStaff { venue: f.venue }).await;
        let query = format!("day=2026-12-10&venue={}", f.venue);
        let page = desk.get(&format!("/lists/recipients?{query}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let text = visible_text(&page.html);
        let order: Vec<usize> = ["髙橋 一郎", "=HYPERLINK", "𠮷田 花子"]
            .iter()
            .map(|name| text.find(name).unwrap_or_else(|| panic!("{name} in {text}")))
            .collect();
        assert!(order[1] < order[2] && order[0] < order[2], "time order: {text}");
        assert!(!text.contains("別日"), "only that day");
        let views: Vec<_> = app
            .store
            .audit_records(0, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.entry.action == "personal.view")
            .collect();
        assert_eq!(views.len(), 1, "one entry for the list");
        assert!(views[0].entry.detail.contains("3 people"), "{:?}", views[0].entry);

        // UTF-8 with BOM, as Excel and Python's utf-8-sig read it.
        let csv = desk.http.get(desk.url(&format!("/lists/recipients.csv?{query}"))).send().await.unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        let disposition = csv.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.contains(&format!("recipients_2026-12-10_venue{}.csv", f.venue)), "{disposition}");
        let bytes = csv.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let rows = python_reads(&bytes, "utf-8-sig");
        assert_eq!(rows.len(), 4, "{rows:?}");
        assert_eq!(rows[0][0], "時刻");
        let names: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
        assert!(names.contains(&"髙橋 一郎"), "{rows:?}");
        assert!(names.contains(&"'=HYPERLINK(\"x\")"), "a formula is text: {rows:?}");
        assert!(rows[1..].iter().any(|r| r[3] == "'+かな"), "{rows:?}");
        assert_eq!(rows[3][2], "𠮷田 花子", "the 11:00 one last");
        let exports: Vec<_> = app.store.audit_records(0, 1000).await.unwrap().into_iter()
            .filter(|r| r.entry.action == "export.recipients").collect();
        assert_eq!(exports.len(), 1);
        assert!(exports[0].entry.detail.contains("3 rows"));

        // XLSX, as openpyxl reads it: every name as typed, 𠮷 too.
        let xlsx = desk.http.get(desk.url(&format!("/lists/recipients.xlsx?{query}"))).send().await.unwrap();
        assert_eq!(xlsx.status(), StatusCode::OK);
        let cells = openpyxl_reads(&xlsx.bytes().await.unwrap());
        assert_eq!(cells.len(), 4, "{cells:?}");
        assert_eq!(cells[0][1], "予約番号");
        assert_eq!(cells[3][2], "𠮷田 花子");
        assert!(cells.iter().any(|r| r[2] == "=HYPERLINK(\"x\")"), "a string, not a formula: {cells:?}");

        // CP932: 𠮷 does not exist there, and the office is told where.
        let sjis = desk.get(&format!("/lists/recipients.csv?{query}&encoding=cp932")).await;
        assert_eq!(sjis.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = visible_text(&sjis.html);
        assert!(text.contains("𠮷"), "{text}");
        assert!(text.contains('4') && text.contains('3'), "row 4, column 3: {text}");
        // One lane without him: CP932, as Python's cp932 codec reads it.
        let lane_a = desk
            .http
            .get(desk.url(&format!("/lists/recipients.csv?{query}&lane={}&encoding=cp932", f.lane_a)))
            .send()
            .await
            .unwrap();
        assert_eq!(lane_a.status(), StatusCode::OK);
        let rows = python_reads(&lane_a.bytes().await.unwrap(), "cp932");
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert!(rows.iter().any(|r| r[2] == "髙橋 一郎"), "髙 survives CP932: {rows:?}");

        // The institution's reservation list, for its staff only.
        let uni_desk = office
            .signed_in(&app, "unidesk", Role::InstitutionStaff { institution: f.uni })
            .await;
        let search = uni_desk.get("/reservations").await;
        assert!(search.html.contains("action=\"/lists/reservations.csv\""));
        let list = uni_desk.http.get(uni_desk.url("/lists/reservations.csv")).send().await.unwrap();
        assert_eq!(list.status(), StatusCode::OK);
        let disposition = list.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.contains("reservations_uni_"), "{disposition}");
        let rows = python_reads(&list.bytes().await.unwrap(), "utf-8-sig");
        assert_eq!(rows.len(), 5, "4 reservations and the header: {rows:?}");
        assert!(rows.iter().any(|r| r[1] == "髙橋 一郎" && r[5] == "2026-12-10 09:00"), "{rows:?}");
        assert!(rows.iter().any(|r| r[1] == "'=HYPERLINK(\"x\")"), "{rows:?}");
        let staffonly = uni_desk
            .get(&format!("/lists/reservations.csv?institution={}", f.staff_only))
            .await;
        assert_eq!(staffonly.status, StatusCode::NOT_FOUND, "another institution's list");
        let exports: Vec<_> = app.store.audit_records(0, 1000).await.unwrap().into_iter()
            .filter(|r| r.entry.action == "export.reservations").collect();
        assert_eq!(exports.len(), 1);
        assert!(exports[0].entry.detail.starts_with("4 rows"), "{:?}", exports[0].entry);

        // Another venue's staff: as if there were no such list.
        let gym = app
            .store
            .insert_venue(&sesshu_store::NewVenue { name_ja: "体育館".into(), name_en: "Gym".into() })
            .await
            .unwrap();
        let other = office.signed_in(&app, "gymdesk", Role::VenueStaff { venue: gym }).await;
        assert_eq!(other.get(&format!("/lists/recipients?{query}")).await.status, StatusCode::NOT_FOUND);
    }

    async fn operators_export_the_vaccinated_for_the_prefecture(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "09:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "09:00", f.lane_a, 5).await;
        let takahashi = member(&app, "takahashi", "髙橋 一郎", "たかはし いちろう").await;
        let (_, body) = takahashi.book(first).await;
        let yoshida = member(&app, "yoshida", "吉田 花子", "よしだ はなこ").await;
        yoshida.book(first).await;
        let series = app
            .store
            .series_by_number(&sesshu_domain::ReservationNumber::parse(body["id"].as_str().unwrap()).unwrap())
            .await
            .unwrap()
            .unwrap();
        let mut office = TestOffice::spawn(&app).await;
        let desk = office.account(&app, "desk", Role::VenueStaff { venue: f.venue }).await;
        app.clock.set(crate::helpers::tokyo("2026-12-10", "09:05"));
        let entry = sesshu_domain::AuditEntry {
            at: crate::helpers::tokyo("2026-12-10", "09:05"),
            actor: format!("admin:{desk}"),
            role: "venue_staff".into(),
            action: sesshu_domain::AuditAction::CheckIn,
            objects: vec![],
            detail: "dose 1".into(),
            origin: "local".into(),
        };
        app.store.check_in(series.id, sesshu_domain::DoseNumber::FIRST, desk, &entry).await.unwrap();

        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let form = operator.get("/lists/prefecture").await;
        assert!(visible_text(&form.html).contains("接種日"), "the columns are shown");
        let csv = operator
            .http
            .get(operator.url("/lists/prefecture.csv?from=2026-12-01&to=2026-12-10"))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        let rows = python_reads(&csv.bytes().await.unwrap(), "utf-8-sig");
        assert_eq!(rows.len(), 2, "only who was vaccinated: {rows:?}");
        assert_eq!(rows[0][..4], ["接種日", "接種時刻", "接種回数", "氏名"]);
        assert_eq!(rows[1][..5], ["2026-12-10", "09:05", "1", "髙橋 一郎", "たかはし いちろう"]);
        let before = operator.get("/lists/prefecture.csv?from=2026-12-01&to=2026-12-09").await;
        let rows = python_reads(before.html.as_bytes(), "utf-8-sig");
        assert_eq!(rows.len(), 1, "none before the 10th: {rows:?}");
        let exports = app.store.audit_records(0, 1000).await.unwrap().into_iter()
            .filter(|r| r.entry.action == "export.prefecture").count();
        assert_eq!(exports, 2);
        let staff = office
            .signed_in(&app, "uni_staff", Role::InstitutionStaff { institution: f.uni })
            .await;
        assert_eq!(staff.get("/lists/prefecture").await.status, StatusCode::FORBIDDEN, "operators only");
    }
}
