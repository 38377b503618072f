//! The back-office journey in a real headless Chromium at desktop size, with
//! the client certificate the office's handshake requires, in Japanese and in
//! English: `e2e/office.mjs` drives the browser (institution staff look a
//! reservation up and move it after the deadline, venue staff check the
//! person in and download the day's list, a system administrator verifies the
//! audit chain, adds an account and generates slots); then the audit trail the
//! journey left is checked here. Screenshots are kept under
//! `$SESSHU_TEST_ARTIFACTS/browser/office` (else
//! `target/test-artifacts/browser/office`).
//!
//! Needs what `browser.rs` needs (`scripts/test-env.sh install`). Never
//! skipped: a missing browser fails.

use crate::browser::{ONE_BROWSER, prepare_script, run_node};
use crate::helpers::*;
use crate::office::reservation_of_the_other_institution;
use crate::office_kit::{PASSWORD, TestOffice, audited};
use sesshu_domain::{AdminId, AuditEntry, Role};

/// The password of the browser's PKCS#12 file.
const P12_PASSWORD: &str = "office-pc-p12";
/// The operator account the system administrator adds in the browser.
const NEW_LOGIN: &str = "yoyaku-desk";
const NEW_PASSWORD: &str = "a-long-office-password";

/// The accounts of the journey.
struct Accounts {
    staff: AdminId,
    desk: AdminId,
    root: AdminId,
}

async fn office_journey(lang: &'static str) {
    let (script, artifacts, work) = prepare_script(
        "office.mjs",
        "office",
        &format!("sesshu_office_browser_{}_{lang}", std::process::id()),
    );

    // Each language its own application: a dose is checked in once.
    let app = TestApp::spawn(Backend::Sqlite).await;
    let number = reservation_of_the_other_institution(&app).await;
    let mut office = TestOffice::spawn(&app).await;
    let f = app.fixture.clone();
    // A free time later that day (and its second dose) to move the
    // reservation to, after the person's deadline.
    app.slot(1, "2026-12-10", "14:00", f.lane_b, 4).await;
    app.slot(2, "2027-01-07", "14:00", f.lane_b, 4).await;
    let accounts = Accounts {
        staff: office
            .account(
                &app,
                "kikan-tanto",
                Role::InstitutionStaff {
                    institution: f.staff_only,
                },
            )
            .await,
        desk: office
            .account(&app, "uketsuke", Role::VenueStaff { venue: f.venue })
            .await,
        root: office.account(&app, "root", Role::SystemAdmin).await,
    };
    let p12 = office.pkcs12("office PC 1", P12_PASSWORD);

    let env = vec![
        ("BASE_URL", office.base.clone()),
        ("UI_LANG", lang.to_owned()),
        ("P12_FILE", p12.to_string_lossy().into_owned()),
        ("P12_PASSWORD", P12_PASSWORD.to_owned()),
        ("ARTIFACTS", artifacts.to_string_lossy().into_owned()),
        ("STAFF_LOGIN", "kikan-tanto".to_owned()),
        ("VENUE_LOGIN", "uketsuke".to_owned()),
        ("ADMIN_LOGIN", "root".to_owned()),
        ("PASSWORD", PASSWORD.to_owned()),
        ("NUMBER", number.clone()),
        // What TestApp::member gives `bstaff`; no kana.
        ("PERSON_NAME", "bstaff 例".to_owned()),
        ("PERSON_ROMAN", "bstaff Example".to_owned()),
        ("PERSON_MAIL", "bstaff@example.ac.jp".to_owned()),
        ("FIRST_DOSE", "2026-12-10 10:00".to_owned()),
        // The application clock: reservation_of_the_other_institution's.
        ("NOW", "2026-12-10 08:30".to_owned()),
        ("MOVE_TO", "2026-12-10 14:00".to_owned()),
        (
            "LANE",
            if lang == "ja" { "レーンA" } else { "Lane A" }.to_owned(),
        ),
        ("NEW_LOGIN", NEW_LOGIN.to_owned()),
        ("NEW_PASSWORD", NEW_PASSWORD.to_owned()),
    ];

    {
        let _one_browser = ONE_BROWSER.lock().await;
        let run = run_node(&script, &env, &work, &format!("office-{lang}")).await;
        eprintln!(
            "office browser {lang}: {} in {:.1} s\n{}{}",
            run.status,
            run.took.as_secs_f64(),
            run.stdout,
            run.stderr
        );
        assert!(
            run.success,
            "the {lang} office journey in the browser failed ({}); screenshots in {}\n\
             --- stdout\n{}\n--- stderr\n{}",
            run.status,
            artifacts.display(),
            run.stdout,
            run.stderr
        );
    }

    the_audit_trail_holds_the_journey(&app, &accounts).await;
    let _ = std::fs::remove_dir_all(&work);
}

/// What the browser did, as the audit trail recorded it.
async fn the_audit_trail_holds_the_journey(app: &TestApp, accounts: &Accounts) {
    let by = |entries: &[AuditEntry], id: AdminId| -> Vec<AuditEntry> {
        let actor = format!("admin:{id}");
        entries
            .iter()
            .filter(|e| e.actor == actor)
            .cloned()
            .collect()
    };

    let logins = audited(app, "office.login").await;
    for id in [accounts.staff, accounts.desk, accounts.root] {
        assert_eq!(
            by(&logins, id).len(),
            1,
            "one login of admin:{id}: {logins:?}"
        );
    }
    // Every entry the browser caused names its certificate: the same one.
    let origins: std::collections::BTreeSet<&str> =
        logins.iter().map(|e| e.origin.as_str()).collect();
    assert_eq!(origins.len(), 1, "one browser certificate: {origins:?}");
    let origin = logins[0].origin.clone();
    assert!(origin.contains(" cert:"), "{origin}");

    let views = audited(app, "personal.view").await;
    let staff_views = by(&views, accounts.staff);
    // The reservation page, once in each language and once after moving it.
    assert_eq!(staff_views.len(), 3, "{views:?}");
    for view in &staff_views {
        assert_eq!(view.role, "institution_staff");
        assert!(view.detail.starts_with("reservation:"), "{view:?}");
        assert!(
            view.detail.contains("mail"),
            "the mail was opened: {view:?}"
        );
        assert!(
            view.objects
                .iter()
                .any(|o| matches!(o, sesshu_domain::AuditObject::Person(_))),
            "{view:?}"
        );
        assert_eq!(view.origin, origin);
    }
    assert!(
        by(&views, accounts.desk)
            .iter()
            .all(|v| v.detail.starts_with("check-in:") || v.detail.starts_with("recipient list")),
        "venue staff open names for the check-in and the day's list only: {views:?}"
    );
    let moves = by(&audited(app, "reservation.move").await, accounts.staff);
    assert_eq!(moves.len(), 1, "{moves:?}");
    assert_eq!(moves[0].detail, "reason: phone call");
    let exports = by(&audited(app, "export.recipients").await, accounts.desk);
    assert_eq!(exports.len(), 1, "{exports:?}");
    let generated = by(&audited(app, "slots.create").await, accounts.root);
    assert_eq!(generated.len(), 1, "{generated:?}");
    assert!(by(&views, accounts.root).is_empty(), "{views:?}");

    let checkins = audited(app, "checkin").await;
    assert_eq!(checkins.len(), 1, "{checkins:?}");
    assert_eq!(by(&checkins, accounts.desk).len(), 1, "{checkins:?}");
    assert_eq!(checkins[0].role, "venue_staff");
    assert_eq!(checkins[0].detail, "dose 1");
    assert_eq!(checkins[0].origin, origin);

    let created: Vec<AuditEntry> = by(&audited(app, "admin.create").await, accounts.root);
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0].detail, "role operator, directory builtin");
    let added = app
        .store
        .admins()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.login.as_str() == NEW_LOGIN)
        .expect("the account added in the browser");
    assert_eq!(added.role, Role::Operator);
    assert!(!added.disabled);

    assert_eq!(
        sesshu::audit::verify(&app.store).await.unwrap() as usize,
        app.store.audit_records(0, 10_000).await.unwrap().len(),
        "the chain is intact after the journey"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_journey_in_japanese() {
    office_journey("ja").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_journey_in_english() {
    office_journey("en").await;
}
