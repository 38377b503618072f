//! The office's work on reservations: searching them (by institution, day,
//! slot, state; by name with an audit entry), booking for a person by
//! phone, and bulk fixes (システム管理者による予約修正) — a CSV of moves,
//! cancellations and bookings, checked whole with every problem at its line
//! and column, previewed, then applied in one transaction: a file that
//! cannot be applied whole changes nothing.

use crate::helpers::{TestApp, on_both_databases, tokyo, visible_text};
use crate::office_kit::{TestOffice, audited};
use reqwest::StatusCode;
use sesshu_domain::{Language, ReservationNumber, Role, SeriesState, SlotId, UserType};
use sesshu_store::MailQuery;

/// Books a student of `uni` into `slot` through the API; their number.
async fn booked(app: &TestApp, login: &str, slot: SlotId) -> String {
    let (status, body) = app.student(login).await.book(slot).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn series(app: &TestApp, number: &str) -> sesshu_domain::Series {
    app.store
        .series_by_number(&ReservationNumber::parse(number).unwrap())
        .await
        .unwrap()
        .unwrap()
}

async fn mail_count(app: &TestApp) -> usize {
    app.store
        .mail_jobs(&MailQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
}

/// The hidden text the preview's confirmation sends back.
pub(crate) fn confirmation_text(html: &str) -> String {
    let start = html
        .find("<textarea name=\"text\" hidden>")
        .expect("a confirmation")
        + 29;
    let end = start + html[start..].find("</textarea>").unwrap();
    html[start..end]
        .replace("&#13;", "\r")
        .replace("&#10;", "\n")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

on_both_databases! {
    async fn a_file_with_one_bad_line_changes_nothing_and_the_whole_file_changes_everything(app) {
        let f = app.fixture.clone();
        let monday = app.slot(1, "2026-12-10", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 10).await;
        let tuesday = app.slot(1, "2026-12-11", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-08", "10:00", f.lane_a, 10).await;
        let s1 = booked(&app, "s1", monday).await;
        let s2 = booked(&app, "s2", monday).await;
        let s3 = booked(&app, "s3", monday).await;
        // A member of the roster who never signed in: booked by phone.
        app.member(f.uni, "s9", UserType::Student).await;
        // The morning of the first appointments: past every deadline.
        app.clock.set(tokyo("2026-12-10", "08:30"));
        let mails_before = mail_count(&app).await;

        let mut office = TestOffice::spawn(&app).await;
        let admin = office.signed_in(&app, "root", Role::SystemAdmin).await;
        let page = admin.get("/reservations/fixes").await;
        assert_eq!(page.status, StatusCode::OK);

        let good = format!(
            "action,reservation,institution,member,slot,reason\r\n\
             move,{s1},,,{tuesday},会場の都合\r\n\
             cancel,,uni,s2,,本人から電話\r\n\
             book,,uni,s9,{tuesday},電話で予約\r\n"
        );
        // One bad line in the middle of good ones.
        let bad = format!(
            "action,reservation,institution,member,slot,reason\r\n\
             move,{s1},,,{tuesday},会場の都合\r\n\
             move,{s3},,,999999,typo\r\n\
             cancel,,uni,s2,,本人から電話\r\n\
             book,,uni,s9,{tuesday},電話で予約\r\n"
        );
        // Saved by Excel in Japan: CP932.
        let (bad_cp932, _, _) = encoding_rs::SHIFT_JIS.encode(&bad);
        let preview = admin
            .upload("/reservations/fixes/preview", "fixes.csv", bad_cp932.into_owned())
            .await;
        assert_eq!(preview.status, StatusCode::OK);
        let text = visible_text(&preview.html);
        assert!(text.contains("3 slot この番号の枠はありません"), "{text}");
        assert!(!preview.html.contains("id=\"fixes-apply\""), "no apply button");
        // Sent anyway: refused whole, nothing changed.
        let forced = admin.post("/reservations/fixes", &[("text", &bad)]).await;
        assert!(visible_text(&forced.html).contains("3 slot"), "{}", visible_text(&forced.html));
        assert_eq!(series(&app, &s1).await.doses[0].slot, monday);
        assert!(series(&app, &s2).await.is_active());
        assert!(app.store.person_by_subject(f.uni, &sesshu_domain::Subject::parse("s9").unwrap()).await.unwrap().is_none());
        assert_eq!(app.store.slot(tuesday).await.unwrap().unwrap().booked, 0);
        assert_eq!(mail_count(&app).await, mails_before, "no mail for what did not happen");
        assert!(audited(&app, "reservations.apply").await.is_empty());

        // The good file: a preview of each line, then all of it.
        let preview = admin
            .upload("/reservations/fixes/preview", "fixes.csv", good.clone().into_bytes())
            .await;
        let text = visible_text(&preview.html);
        assert!(preview.html.contains("id=\"fixes-apply\""), "{text}");
        assert!(text.contains("2026-12-11 10:00"), "{text}");
        assert!(text.contains("uni s9"), "{text}");
        assert_eq!(series(&app, &s1).await.doses[0].slot, monday, "a preview changes nothing");
        let applied = admin
            .post("/reservations/fixes", &[("text", &confirmation_text(&preview.html))])
            .await;
        let text = visible_text(&applied.html);
        assert!(applied.html.contains("id=\"fixes-applied\""), "{text}");

        let moved = series(&app, &s1).await;
        assert_eq!(moved.doses[0].slot, tuesday);
        assert_eq!(moved.doses[1].starts_at, tokyo("2027-01-08", "10:00"), "the second dose follows");
        assert_eq!(series(&app, &s2).await.state, SeriesState::Cancelled);
        let s9 = app
            .store
            .person_by_subject(f.uni, &sesshu_domain::Subject::parse("s9").unwrap())
            .await
            .unwrap()
            .expect("made from the roster");
        let s9_series = app.store.series_of(s9.id).await.unwrap();
        assert_eq!(s9_series.len(), 1);
        assert_eq!(s9_series[0].doses[0].slot, tuesday);
        assert!(text.contains(&s9_series[0].number.to_string()), "the new number is shown: {text}");
        assert_eq!(app.store.slot(tuesday).await.unwrap().unwrap().booked, 2);
        assert_eq!(app.store.slot(monday).await.unwrap().unwrap().booked, 1, "s3 stays");

        for (action, count) in [
            ("reservation.move", 1),
            ("reservation.cancel", 1),
            ("reservation.book", 1),
            ("reservations.apply", 1),
        ] {
            let entries = audited(&app, action).await;
            assert_eq!(entries.len(), count, "{action}: {entries:?}");
            assert!(entries.iter().all(|e| e.actor.starts_with("admin:")));
        }
        let moved_entry = &audited(&app, "reservation.move").await[0];
        assert!(moved_entry.detail.contains("会場の都合") && moved_entry.detail.contains("line 2"),
            "{moved_entry:?}");
        assert_eq!(mail_count(&app).await, mails_before + 3, "each person is told");
    }

    async fn a_line_the_transaction_refuses_undoes_the_lines_before_it(app) {
        let f = app.fixture.clone();
        let monday = app.slot(1, "2026-12-10", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 10).await;
        // One place left on Tuesday: the plan is fine line by line, the
        // second move finds it taken by the first.
        let tuesday = app.slot(1, "2026-12-11", "10:00", f.lane_a, 1).await;
        app.slot(2, "2027-01-08", "10:00", f.lane_a, 10).await;
        let s1 = booked(&app, "s1", monday).await;
        let s2 = booked(&app, "s2", monday).await;
        let mails_before = mail_count(&app).await;
        let file = format!(
            "reason,action,reservation,slot\n\
             lane closed,move,{s1},{tuesday}\n\
             lane closed,move,{s2},{tuesday}\n"
        );
        let mut office = TestOffice::spawn(&app).await;
        let admin = office.signed_in(&app, "root", Role::SystemAdmin).await;
        let preview = admin
            .upload("/reservations/fixes/preview", "fixes.csv", file.clone().into_bytes())
            .await;
        assert!(preview.html.contains("id=\"fixes-apply\""), "{}", visible_text(&preview.html));
        let applied = admin.post("/reservations/fixes", &[("text", &file)]).await;
        let text = visible_text(&applied.html);
        assert!(!applied.html.contains("id=\"fixes-applied\""), "{text}");
        assert!(text.contains("3 この時間枠は満員"), "line 3 is the one refused: {text}");
        assert_eq!(series(&app, &s1).await.doses[0].slot, monday, "line 2 was undone");
        assert_eq!(app.store.slot(tuesday).await.unwrap().unwrap().booked, 0);
        assert_eq!(app.store.slot(monday).await.unwrap().unwrap().booked, 2);
        assert_eq!(mail_count(&app).await, mails_before);
        assert!(audited(&app, "reservation.move").await.is_empty());
    }

    async fn a_bulk_move_racing_the_rush_is_whole_or_absent_and_never_overbooks(app) {
        let f = app.fixture.clone();
        let monday = app.slot(1, "2026-12-10", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 40).await;
        let hot = app.slot(1, "2026-12-11", "10:00", f.lane_b, 8).await;
        app.slot(2, "2027-01-08", "10:00", f.lane_b, 40).await;
        let mut numbers = Vec::new();
        for i in 0..5 {
            numbers.push(booked(&app, &format!("m{i}"), monday).await);
        }
        let mut rush = Vec::new();
        for i in 0..12 {
            rush.push(app.student(&format!("r{i}")).await);
        }
        let mut file = String::from("action,reservation,slot,reason\n");
        for number in &numbers {
            file.push_str(&format!("move,{number},{hot},lane closed\n"));
        }
        let parsed = sesshu_core::fixes::parse(file.as_bytes(), Language::En).unwrap();
        let bookings = sesshu_core::Bookings::new(app.store.clone(), app.clock.clone());
        let plan = bookings.plan_fixes(&parsed, Language::En, &|_| {}).await.unwrap();

        struct Tester;
        impl sesshu_core::fixes::FixAuditor for Tester {
            fn entry(&self, action: sesshu_domain::AuditAction, objects: Vec<sesshu_domain::AuditObject>, detail: String) -> sesshu_domain::AuditEntry {
                sesshu_domain::AuditEntry {
                    at: crate::helpers::start_of_tests(),
                    actor: "test".into(),
                    role: "system_admin".into(),
                    action,
                    objects,
                    detail,
                    origin: "local".into(),
                }
            }
        }
        let bulk = tokio::spawn(async move {
            bookings.apply_fixes(&plan, Language::En, &Tester).await.is_ok()
        });
        let people = rush.iter().map(|c| c.book(hot));
        let answers = futures::future::join_all(people).await;
        let applied = bulk.await.unwrap();

        let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let slot = app.store.slot(hot).await.unwrap().unwrap();
        let moved = {
            let mut n = 0;
            for number in &numbers {
                if series(&app, number).await.doses[0].slot == hot {
                    n += 1;
                }
            }
            n
        };
        assert!(slot.booked <= slot.capacity, "{slot:?}");
        assert_eq!(slot.booked as usize, created + moved, "every place is someone's");
        assert!(moved == 0 || moved == 5, "the file is whole or absent: {moved} moved");
        assert_eq!(applied, moved == 5);
        assert_eq!(
            app.store.slot(monday).await.unwrap().unwrap().booked as usize,
            5 - moved
        );
    }

    async fn the_office_books_by_phone_for_a_member_who_never_signed_in(app) {
        let f = app.fixture.clone();
        let monday = app.slot(1, "2026-12-10", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 10).await;
        app.member(f.uni, "caller", UserType::Student).await;
        // After the deadline for the 10th: the office still books.
        app.clock.set(tokyo("2026-12-10", "08:30"));
        let mut office = TestOffice::spawn(&app).await;
        let staff = office
            .signed_in(&app, "desk", Role::InstitutionStaff { institution: f.uni })
            .await;
        let uni = f.uni.to_string();
        // A login in a URL is not looked up.
        let in_url = staff
            .get(&format!("/reservations/book?institution={uni}&member=caller&day=2026-12-10"))
            .await;
        assert!(!in_url.html.contains("action=\"/reservations/book\" class=\"stack\""), "no member found from a URL");
        assert!(!in_url.html.contains("value=\"caller\""), "nor echoed");
        let unknown = staff
            .post("/reservations/book/find", &[("institution", &uni), ("member", "stranger"), ("day", "2026-12-10")])
            .await;
        assert!(visible_text(&unknown.html).contains("一度もログインしていません"));
        let page = staff
            .post("/reservations/book/find", &[("institution", &uni), ("member", "caller"), ("day", "2026-12-10")])
            .await;
        assert!(page.html.contains(&format!("value=\"{monday}\"")), "{}", visible_text(&page.html));
        let no_reason = staff
            .post("/reservations/book", &[
                ("institution", &uni), ("member", "caller"), ("day", "2026-12-10"),
                ("slot", &monday.to_string()), ("reason", " "),
            ])
            .await;
        assert_eq!(no_reason.status, StatusCode::OK, "the form again, in place");
        assert!(no_reason.location.is_none());
        assert!(no_reason.html.contains("role=\"alert\""), "{}", visible_text(&no_reason.html));
        assert!(no_reason.html.contains(&format!("value=\"{monday}\"")), "the times again");
        let booked = staff
            .post("/reservations/book", &[
                ("institution", &uni), ("member", "caller"), ("day", "2026-12-10"),
                ("slot", &monday.to_string()), ("reason", "phoned the office"),
            ])
            .await;
        let location = booked.location.expect("a redirect");
        assert!(location.ends_with("?done=booked"), "{location}");
        let number = location.trim_start_matches("/reservations/").trim_end_matches("?done=booked");
        let made = series(&app, number).await;
        assert_eq!(made.doses[0].slot, monday);
        let entries = audited(&app, "reservation.book").await;
        assert_eq!(entries.len(), 1);
        assert!(entries[0].detail.contains("phoned the office"));
        let mails = app.store.mail_jobs(&MailQuery { series: Some(made.id), limit: 5, ..Default::default() })
            .await.unwrap();
        assert_eq!(mails.len(), 1, "the person is mailed");
        // A second time: they have a reservation, shown, not a second one.
        let again = staff
            .post("/reservations/book/find", &[("institution", &uni), ("member", "caller"), ("day", "2026-12-10")])
            .await;
        assert!(again.html.contains(&format!("/reservations/{number}")));
        assert!(!again.html.contains("action=\"/reservations/book\" class=\"stack\""));
    }

    async fn reservations_are_found_by_institution_day_slot_state_and_by_name_with_an_audit(app) {
        let f = app.fixture.clone();
        let monday = app.slot(1, "2026-12-10", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 10).await;
        let tuesday = app.slot(1, "2026-12-11", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-08", "10:00", f.lane_a, 10).await;
        let aoba = booked(&app, "aoba", monday).await;
        let kita = booked(&app, "kita", tuesday).await;
        let gone = app.student("minami").await;
        let (_, body) = gone.book(monday).await;
        let cancelled = body["id"].as_str().unwrap().to_owned();
        assert!(gone.delete(&format!("/api/v1/me/reservations/{cancelled}")).await.0.is_success());

        let mut office = TestOffice::spawn(&app).await;
        let staff = office
            .signed_in(&app, "desk", Role::InstitutionStaff { institution: f.uni })
            .await;
        let found = |html: &str| -> Vec<String> {
            [&aoba, &kita, &cancelled]
                .into_iter()
                .filter(|n| html.contains(&format!("/reservations/{n}\"")))
                .cloned()
                .collect()
        };
        let by_day = staff.get("/reservations?search=1&day=2026-12-10").await;
        assert_eq!(found(&by_day.html), [aoba.clone(), cancelled.clone()], "{}", visible_text(&by_day.html));
        let booked_only = staff.get("/reservations?search=1&day=2026-12-10&state=booked").await;
        assert_eq!(found(&booked_only.html), vec![aoba.clone()]);
        let by_slot = staff.get(&format!("/reservations?search=1&slot={tuesday}")).await;
        assert_eq!(found(&by_slot.html), vec![kita.clone()]);
        assert!(!by_slot.html.contains("kita 例"), "no name without a name search");
        assert!(audited(&app, "personal.view").await.is_empty(), "nothing opened yet");

        // A name in a URL is not searched (it would stay in the history
        // and a proxy's log): the page's form posts it.
        let in_url = staff.get("/reservations?search=1&name=KITA%20").await;
        assert!(!visible_text(&in_url.html).contains("kita 例"), "{}", visible_text(&in_url.html));
        assert!(audited(&app, "personal.view").await.is_empty(), "nothing opened from a URL");
        assert!(in_url.html.contains("<form method=\"post\" action=\"/reservations\""));
        let by_name = staff.post("/reservations", &[("search", "1"), ("name", "KITA ")]).await;
        assert_eq!(found(&by_name.html), vec![kita.clone()]);
        assert!(visible_text(&by_name.html).contains("kita 例"), "{}", visible_text(&by_name.html));
        let views = audited(&app, "personal.view").await;
        assert_eq!(views.len(), 1, "{views:?}");
        assert!(views[0].detail.contains("reservation search by name: 3 people"), "{views:?}");
        assert!(!views[0].detail.contains("kita"), "the audit trail holds no name");

        // Another institution's staff find none of them, whatever they ask.
        let other = office
            .signed_in(&app, "other", Role::InstitutionStaff { institution: f.staff_only })
            .await;
        let mine = other.get("/reservations?search=1&day=2026-12-10").await;
        assert!(found(&mine.html).is_empty());
        let theirs = other.get(&format!("/reservations?search=1&institution={}", f.uni)).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    }

    async fn the_command_previews_with_dry_run_then_applies(app) {
        let f = app.fixture.clone();
        let monday = app.slot(1, "2026-12-10", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 10).await;
        let s1 = booked(&app, "s1", monday).await;
        let dir = std::env::temp_dir().join(crate::helpers::unique("sesshu_fixes_cli"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("sesshu.toml"),
            format!("database_url = \"{}\"\n", app.database_url),
        )
        .unwrap();
        std::fs::write(
            dir.join("fixes.csv"),
            format!("action,reservation,reason\ncancel,{s1},moved abroad\n"),
        )
        .unwrap();
        std::fs::write(dir.join("bad.csv"), "action,reservation,reason\ncancel,XX,\n").unwrap();
        let sesshu = |args: &[&str]| {
            std::process::Command::new(env!("CARGO_BIN_EXE_sesshu"))
                .args(args)
                .current_dir(&dir)
                .env_remove("RUST_LOG")
                .env("LANG", "C")
                .output()
                .unwrap()
        };
        let bad = sesshu(&["reservations", "apply", "bad.csv", "--config", "sesshu.toml"]);
        assert!(!bad.status.success());
        let stderr = String::from_utf8_lossy(&bad.stderr);
        assert!(stderr.contains("line 2, column 2 (reservation)"), "{stderr}");
        assert!(stderr.contains("line 2, column 3 (reason): is required"), "{stderr}");

        let dry = sesshu(&["reservations", "apply", "fixes.csv", "--dry-run", "--config", "sesshu.toml"]);
        let stdout = String::from_utf8_lossy(&dry.stdout);
        assert!(dry.status.success(), "{stdout} {}", String::from_utf8_lossy(&dry.stderr));
        assert!(stdout.contains(&format!("line 2: cancel {s1}")), "{stdout}");
        assert!(stdout.contains("nothing changed (--dry-run)"), "{stdout}");
        assert!(series(&app, &s1).await.is_active());

        let done = sesshu(&["reservations", "apply", "fixes.csv", "--config", "sesshu.toml"]);
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
        assert!(String::from_utf8_lossy(&done.stdout).contains("applied in one transaction"));
        assert_eq!(series(&app, &s1).await.state, SeriesState::Cancelled);
        let entries = audited(&app, "reservation.cancel").await;
        assert_eq!(entries.len(), 1);
        assert!(entries[0].actor.starts_with("cli:"), "{entries:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
