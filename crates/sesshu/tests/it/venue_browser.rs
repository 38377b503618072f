//! The venue's vaccination day in a real headless Chromium with a camera, in
//! Japanese and in English: `e2e/venue.mjs` drives the browser. Chromium's
//! fake capture device plays a y4m file made here from the QR code of a
//! real reservation's check-in token, so the desk's camera script (jsQR,
//! served by the office) reads it and checks the person in; then the dose
//! goes questionnaire → decision → lot → done, the lot register shows the
//! dose used, a second scan says "checked in before", and another person is
//! checked in by the number typed in a browser without JavaScript. What the
//! browser did is then checked in the store and the audit trail.
//! Screenshots under `$SESSHU_TEST_ARTIFACTS/browser/venue`.

use crate::browser::{ONE_BROWSER, prepare_script, run_node};
use crate::helpers::*;
use crate::office_kit::{PASSWORD, TestOffice, audited};
use crate::office_vaccination::{lot, reservations, token};
use sesshu_domain::{Role, Site};
use std::path::Path;

const P12_PASSWORD: &str = "venue-pc-p12";
/// The frame Chromium's fake camera shows.
const WIDTH: usize = 640;
const HEIGHT: usize = 480;
/// Pixels per module of the QR code in the frame.
const MODULE: usize = 10;

/// A y4m video (YUV 4:2:0, full range) of a few identical frames, each the
/// QR code of `text` (a check-in token, a voucher's digits) black on white
/// in the middle of a grey frame: what a phone held up to the desk's camera
/// shows, or a voucher held up to a phone's. Written by hand: the format is
/// a text header and raw planes, no encoder needed.
pub(crate) fn camera_file(text: &str, path: &Path) {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("a QR code of the text");
    let modules = code.width();
    let colors = code.to_colors();
    // Four modules of white around it (the quiet zone), on a grey frame.
    let side = (modules + 8) * MODULE;
    assert!(side <= HEIGHT, "the code fits the frame: {side} px");
    let (left, top) = ((WIDTH - side) / 2, (HEIGHT - side) / 2);
    let mut y = vec![128u8; WIDTH * HEIGHT];
    for row in 0..side {
        for col in 0..side {
            let (mx, my) = (col / MODULE, row / MODULE);
            let dark = (4..modules + 4).contains(&mx)
                && (4..modules + 4).contains(&my)
                && colors[(my - 4) * modules + (mx - 4)] == qrcode::Color::Dark;
            y[(top + row) * WIDTH + left + col] = if dark { 16 } else { 235 };
        }
    }
    let chroma = vec![128u8; (WIDTH / 2) * (HEIGHT / 2)];
    let mut file = format!("YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..3 {
        file.extend_from_slice(b"FRAME\n");
        file.extend_from_slice(&y);
        file.extend_from_slice(&chroma);
        file.extend_from_slice(&chroma);
    }
    std::fs::write(path, file).expect("the camera's file");
}

async fn venue_journey(lang: &'static str) {
    let (script, artifacts, work) = prepare_script(
        "venue.mjs",
        "venue",
        &format!("sesshu_venue_browser_{}_{lang}", std::process::id()),
    );

    let app = TestApp::spawn(Backend::Sqlite).await;
    let f = app.fixture.clone();
    lot(&app, f.venue, "AB-1234", "2027-03-31", 10).await;
    let all = reservations(&app, &["bstaff", "cstaff"]).await;
    let (scanned, typed) = (&all[0], &all[1]);
    let scanned_token = token(&app, scanned.id).await;
    let camera = work.join("qr.y4m");
    camera_file(scanned_token.as_str(), &camera);
    let mut office = TestOffice::spawn(&app).await;
    office
        .account(&app, "uketsuke", Role::VenueStaff { venue: f.venue })
        .await;
    let p12 = office.pkcs12("venue PC 1", P12_PASSWORD);

    let env = vec![
        ("BASE_URL", office.base.clone()),
        ("UI_LANG", lang.to_owned()),
        ("P12_FILE", p12.to_string_lossy().into_owned()),
        ("P12_PASSWORD", P12_PASSWORD.to_owned()),
        ("ARTIFACTS", artifacts.to_string_lossy().into_owned()),
        ("CAMERA_FILE", camera.to_string_lossy().into_owned()),
        ("VENUE_LOGIN", "uketsuke".to_owned()),
        ("PASSWORD", PASSWORD.to_owned()),
        ("SCANNED_NUMBER", scanned.number.to_string()),
        ("SCANNED_TOKEN", scanned_token.as_str().to_owned()),
        ("SCANNED_NAME", "bstaff 例".to_owned()),
        ("TYPED_NUMBER", typed.number.to_string()),
        ("TYPED_NAME", "cstaff 例".to_owned()),
        ("FIRST_DOSE", "2026-12-10 10:00".to_owned()),
        ("NOW", "2026-12-10 08:30".to_owned()),
        ("LOT", "AB-1234".to_owned()),
        ("GIVEN_BY", "Dr Sato".to_owned()),
    ];
    {
        let _one_browser = ONE_BROWSER.lock().await;
        let run = run_node(&script, &env, &work, &format!("venue-{lang}")).await;
        eprintln!(
            "venue browser {lang}: {} in {:.1} s\n{}{}",
            run.status,
            run.took.as_secs_f64(),
            run.stdout,
            run.stderr
        );
        assert!(
            run.success,
            "the {lang} venue journey in the browser failed ({}); screenshots in {}\n\
             --- stdout\n{}\n--- stderr\n{}",
            run.status,
            artifacts.display(),
            run.stdout,
            run.stderr
        );
    }

    // What the browser did, as the store and the audit trail hold it.
    let checkins = audited(&app, "checkin").await;
    assert_eq!(
        checkins.len(),
        2,
        "the scanned and the typed, once each: {checkins:?}"
    );
    for id in [scanned.id, typed.id] {
        assert_eq!(app.store.check_ins(id).await.unwrap().len(), 1);
    }
    let records = app.store.dose_records(scanned.id).await.unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let given = records[0].vaccinated.as_ref().expect("vaccinated");
    assert_eq!(given.site, Site::LeftArm);
    assert_eq!(given.given_by, "Dr Sato");
    assert_eq!(
        given.at,
        tokyo("2026-12-10", "08:30"),
        "the time defaulted to now"
    );
    let lot = &app.store.lots(f.venue).await.unwrap()[0];
    assert_eq!((lot.used, lot.left()), (1, 9));
    assert!(records[0].questionnaire_at.is_some());
    for action in ["dose.questionnaire", "dose.decision", "dose.vaccinate"] {
        assert_eq!(audited(&app, action).await.len(), 1, "{action}");
    }
    assert_eq!(
        audited(&app, "dose.decision").await[0].detail,
        "dose 1: vaccinate"
    );
    assert!(app.store.dose_records(typed.id).await.unwrap().is_empty());
    let everything = format!("{:?}", app.store.audit_records(0, 10_000).await.unwrap());
    assert!(
        !everything.contains(scanned_token.as_str()),
        "no token in the audit trail"
    );
    assert_eq!(
        sesshu::audit::verify(&app.store).await.unwrap() as usize,
        app.store.audit_records(0, 10_000).await.unwrap().len(),
        "the chain is intact after the journey"
    );
    let _ = std::fs::remove_dir_all(&work);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn venue_journey_in_japanese() {
    venue_journey("ja").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn venue_journey_in_english() {
    venue_journey("en").await;
}
