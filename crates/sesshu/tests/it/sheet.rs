//! The day's sheet for working offline, round trip on both databases: the
//! sheet is downloaded, filled in with openpyxl as a venue would in Excel,
//! and uploaded back. A bad line in the middle changes nothing; a line that
//! says something else than what was recorded online meanwhile is shown
//! and left as it is online; the rest is applied in one transaction.

use crate::helpers::*;
use crate::vaccination::Day;
use sesshu_domain::{Decision, DoseNumber, ReservationNumber, Site};
use sesshu_operations::checkin::{self, Lookup};
use sesshu_operations::lists::RecipientList;
use sesshu_operations::sheet::{self, Applied, Problem};
use sesshu_operations::vaccination::{self, Given};
use std::path::PathBuf;

fn python() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../.test-env/venv/bin/python"
    ))
}

static FILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn temp(ext: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "sesshu_sheet_{}_{}.{ext}",
        std::process::id(),
        FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ))
}

/// Runs `script` with openpyxl on the workbook `bytes` (as `sys.argv[1]`,
/// the edited copy to be written to `sys.argv[2]`, `sys.argv[3]` a JSON
/// argument); its standard output and the edited workbook.
fn openpyxl(bytes: &[u8], script: &str, arg: &serde_json::Value) -> (String, Vec<u8>) {
    let (input, output) = (temp("xlsx"), temp("xlsx"));
    std::fs::write(&input, bytes).unwrap();
    let run = std::process::Command::new(python())
        .args(["-c", script])
        .arg(&input)
        .arg(&output)
        .arg(arg.to_string())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let edited = std::fs::read(&output).unwrap_or_default();
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
    (String::from_utf8(run.stdout).unwrap(), edited)
}

const READ: &str = "import json, sys, openpyxl\n\
ws = openpyxl.load_workbook(sys.argv[1]).active\n\
print(json.dumps([[c if c is not None else '' for c in row] for row in ws.iter_rows(values_only=True)], ensure_ascii=False))";

/// Writes `{"<reservation number>": {"F": "○", …}}` into the rows of those
/// reservations, as a venue fills the sheet in.
const FILL: &str = "import json, sys, openpyxl\n\
wb = openpyxl.load_workbook(sys.argv[1])\n\
ws = wb.active\n\
edits = json.loads(sys.argv[3])\n\
for row in ws.iter_rows(min_row=2):\n\
\x20   number = row[0].value\n\
\x20   for column, value in edits.get(number, {}).items():\n\
\x20       ws[f'{column}{row[0].row}'] = value if value != '' else None\n\
wb.save(sys.argv[2])";

on_both_databases! {
    async fn the_day_sheet_goes_out_and_comes_back_with_its_problems_and_conflicts(app) {
        let day = Day::new(&app).await;
        let a = day.booked(&app).await;
        let b = day.booked(&app).await;
        let c = day.booked(&app).await;
        let lot = day.lot(&app, "SHEET-1", "2027-03-31", 10).await;
        let list = RecipientList {
            day: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            venue: day.venue,
            lane: None,
        };
        let file = sheet::download(&day.ops, &day.keys, &day.desk, &list).await.unwrap();
        let (cells, _) = openpyxl(&file, READ, &serde_json::json!({}));
        let cells: Vec<Vec<String>> = serde_json::from_str(&cells).unwrap();
        assert_eq!(cells.len(), 4, "the header and one row per reservation: {cells:?}");
        assert!(cells[0][0].contains("予約番号") && cells[0][0].contains("Reservation"));
        let numbers: Vec<&str> = cells[1..].iter().map(|r| r[0].as_str()).collect();
        for n in [&a, &b, &c] {
            assert!(numbers.contains(&n.to_string().as_str()), "{n} in {numbers:?}");
        }

        // A bad lot on one line: the whole sheet changes nothing.
        let full = |lot: &str, arm: &str| serde_json::json!({
            "F": "○", "G": "○", "H": "接種", "J": "10:10", "K": lot, "L": "Dr Ito", "M": arm, "N": "○"
        });
        let edits = serde_json::json!({
            a.to_string(): full("SHEET-1", "左"),
            b.to_string(): full("NOPE-9", "左"),
            c.to_string(): {"F": "○"},
        });
        let (_, filled) = openpyxl(&file, FILL, &edits);
        let line_of = |n: &ReservationNumber| {
            cells.iter().position(|r| r[0] == n.to_string()).unwrap() + 1
        };
        let outcome = sheet::apply(&day.ops, &day.keys, &day.desk, day.by, day.venue, list.day, &filled)
            .await
            .unwrap();
        let Applied::Refused(plan) = outcome else { panic!("{outcome:?}") };
        assert_eq!(plan.problems.len(), 1, "{:?}", plan.problems);
        assert_eq!(plan.problems[0].line, line_of(&b));
        assert_eq!(plan.problems[0].column, Some('K'));
        assert_eq!(plan.problems[0].problem, Problem::UnknownLot);
        for n in [&a, &c] {
            let series = app.store.series_by_number(n).await.unwrap().unwrap();
            assert!(app.store.check_ins(series.id).await.unwrap().is_empty(), "nothing applied");
        }

        // Meanwhile C was vaccinated online, in the right arm.
        checkin::check_in(&day.ops, &day.desk, day.by, &Lookup::Number(c.clone())).await.unwrap();
        let target_c = day.target(&c, DoseNumber::FIRST).await;
        day.questionnaire(&target_c, "36.5").await;
        vaccination::decide(&day.ops, &day.keys, &day.desk, day.by, &target_c, Decision::Vaccinate, None)
            .await
            .unwrap();
        vaccination::vaccinate(
            &day.ops, &day.desk, day.by, &target_c,
            Given { site: Site::RightArm, ..day.given(lot) },
        )
        .await
        .unwrap();

        let edits = serde_json::json!({
            a.to_string(): full("SHEET-1", "左"),
            b.to_string(): {"F": "○", "G": "", "H": "", "J": "", "K": "", "L": "", "M": "", "N": ""},
            c.to_string(): {"F": "○", "G": "○", "H": "vaccinate", "J": "10:12", "K": "sheet-1", "L": "Dr Ito", "M": "left"},
        });
        let (_, filled) = openpyxl(&file, FILL, &edits);
        let plan = sheet::plan(&day.ops, &day.keys, &day.desk, day.venue, list.day, &filled).await.unwrap();
        assert!(plan.problems.is_empty(), "{:?}", plan.problems);
        assert_eq!(plan.conflicts.len(), 1, "{:?}", plan.conflicts);
        assert_eq!(plan.conflicts[0].number, c);
        assert_eq!(plan.conflicts[0].column, 'K');
        assert_eq!(plan.conflicts[0].online, "lot SHEET-1 right_arm");
        let applied = sheet::apply(&day.ops, &day.keys, &day.desk, day.by, day.venue, list.day, &filled)
            .await
            .unwrap();
        assert!(matches!(applied, Applied::Done(2)), "{applied:?}");

        let series_a = app.store.series_by_number(&a).await.unwrap().unwrap();
        let record = app.store.dose_records(series_a.id).await.unwrap().pop().unwrap();
        let given = record.vaccinated.expect("vaccinated from the sheet");
        assert_eq!((given.lot, given.site), (lot, Site::LeftArm));
        assert_eq!(given.at, tokyo("2026-12-10", "10:10"));
        assert!(app.store.vouchers(series_a.id).await.unwrap()[0].collected_at.is_some());
        let series_b = app.store.series_by_number(&b).await.unwrap().unwrap();
        assert_eq!(app.store.check_ins(series_b.id).await.unwrap().len(), 1);
        let series_c = app.store.series_by_number(&c).await.unwrap().unwrap();
        let online = app.store.dose_records(series_c.id).await.unwrap().pop().unwrap();
        assert_eq!(online.vaccinated.unwrap().site, Site::RightArm, "online stays");
        assert_eq!(app.store.lot(lot).await.unwrap().unwrap().used, 2);
        let trail = app.store.audit_latest(None, 20).await.unwrap();
        let sheet_entries = trail.iter().filter(|r| r.entry.action.code() == "sheet.apply").count();
        assert_eq!(sheet_entries, 3, "one per line and one for the sheet");

        // The same sheet again adds nothing.
        let again = sheet::plan(&day.ops, &day.keys, &day.desk, day.venue, list.day, &filled).await.unwrap();
        assert!(again.lines.is_empty(), "{:?}", again.lines);
    }

    async fn the_venue_downloads_uploads_previews_and_applies_the_sheet_on_the_office_pages(app) {
        let day = Day::new(&app).await;
        let number = day.booked(&app).await;
        day.lot(&app, "PAGE-1", "2027-03-31", 10).await;
        let mut office = crate::office_kit::TestOffice::spawn(&app).await;
        let role = sesshu_domain::Role::VenueStaff { venue: day.venue };
        let browser = office.signed_in(&app, "sheetdesk", role).await;
        let page = browser.get("/sheet").await;
        assert_eq!(page.status, reqwest::StatusCode::OK);
        assert!(page.html.contains("sheet-download"), "the venue's own sheet is offered");
        let file = browser
            .http
            .get(browser.url(&format!("/sheet.xlsx?day=2026-12-10&venue={}", day.venue)))
            .send()
            .await
            .unwrap();
        assert_eq!(file.status(), reqwest::StatusCode::OK);
        assert!(file.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
        let file = file.bytes().await.unwrap().to_vec();
        let edits = serde_json::json!({ number.to_string(): {
            "F": "○", "G": "○", "H": "接種/vaccinate", "J": "10:15", "K": "PAGE-1", "L": "Dr Mori", "M": "右/right"
        }});
        let (_, filled) = openpyxl(&file, FILL, &edits);
        let venue = day.venue.to_string();
        let fields = [("day", "2026-12-10"), ("venue", venue.as_str())];
        let preview = browser.upload_with("/sheet/preview", &fields, "sheet.xlsx", filled).await;
        assert_eq!(preview.status, reqwest::StatusCode::OK);
        assert!(preview.html.contains("id=\"sheet-preview\""), "{}", visible_text(&preview.html));
        assert!(preview.html.contains(&number.to_string()));
        let start = preview.html.find("<textarea name=\"file\" hidden>").expect("the file to confirm") + 29;
        let end = start + preview.html[start..].find("</textarea>").unwrap();
        let again = preview.html[start..end].to_owned();
        let applied = browser
            .post("/sheet/apply", &[("day", "2026-12-10"), ("venue", venue.as_str()), ("file", again.as_str())])
            .await;
        assert_eq!(applied.status, reqwest::StatusCode::OK);
        assert!(applied.html.contains("id=\"sheet-applied\""), "{}", visible_text(&applied.html));
        let series = app.store.series_by_number(&number).await.unwrap().unwrap();
        let record = app.store.dose_records(series.id).await.unwrap().pop().unwrap();
        assert_eq!(record.vaccinated.map(|v| v.site), Some(Site::RightArm));

        // An institution's staff get neither the sheet nor its upload.
        let other = sesshu_domain::Role::InstitutionStaff {
            institution: app.fixture.uni,
        };
        let elsewhere = office.signed_in(&app, "otherdesk", other).await;
        let refused = elsewhere
            .get(&format!("/sheet.xlsx?day=2026-12-10&venue={}", day.venue))
            .await;
        assert!(refused.status.is_client_error(), "{}", refused.status);
    }
}
