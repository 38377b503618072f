//! Mail end to end against a real SMTP server (aiosmtpd on loopback): what
//! people receive on booking, change and cancellation, in their language,
//! with the calendar file and a stable Message-ID; reminders on the right
//! day with an injected clock; a mail server that is down for a while; and
//! the office's mail pages.

use crate::helpers::{Backend, TestApp, on_both_databases, start_of_tests, tokyo, visible_text};
use crate::office_kit::TestOffice;
use crate::smtp_kit::{Received, SmtpServer};
use reqwest::StatusCode;
use serde_json::json;
use sesshu_domain::{MailAddress, MailJobId, MailKind, MailState, Role};
use sesshu_mail::{MailTransport, Worker, WorkerSettings};
use sesshu_store::MailQuery;
use std::time::Duration;

pub const MESSAGE_DOMAIN: &str = "mail.sesshu.test";

pub fn settings(app: &TestApp) -> WorkerSettings {
    let mut settings = WorkerSettings::new(
        MailAddress::parse("vaccine@sesshu.test").unwrap(),
        MESSAGE_DOMAIN,
        &app.base,
    );
    settings.idle = Duration::from_millis(200);
    settings
}

pub fn smtp_to(server: &SmtpServer) -> MailTransport {
    let config: sesshu_mail::SmtpConfig = serde_json::from_value(json!({
        "host": "127.0.0.1",
        "port": server.port,
        "security": "none",
        "timeout_seconds": 5,
    }))
    .unwrap();
    MailTransport::smtp(&config).unwrap()
}

fn worker(app: &TestApp, transport: MailTransport) -> Worker {
    Worker::new(
        app.store.clone(),
        sesshu_vault_open::Keyring::new([app.vault.clone()]),
        transport,
        app.clock.clone(),
        settings(app),
    )
}

async fn state_of(app: &TestApp, id: MailJobId) -> MailState {
    app.store.mail_job(id).await.unwrap().unwrap().state
}

async fn all_jobs(app: &TestApp) -> Vec<sesshu_store::MailJob> {
    let mut jobs = app
        .store
        .mail_jobs(&MailQuery {
            limit: 1000,
            ..MailQuery::default()
        })
        .await
        .unwrap();
    jobs.reverse();
    jobs
}

async fn series_numbered(app: &TestApp, number: &str) -> sesshu_domain::SeriesId {
    let number = sesshu_domain::ReservationNumber::parse(number).unwrap();
    app.store
        .series_by_number(&number)
        .await
        .unwrap()
        .expect("the series")
        .id
}

/// What the check-in code of a mail reads as (its inline PNG, decoded).
fn check_in_code(mail: &Received) -> Option<String> {
    let png = mail.inline_image(sesshu_mail::compose::QR_CONTENT_ID)?;
    Some(sesshu_qr::decode_png(&png).expect("a QR code that reads"))
}

fn assert_mail(mail: &Received, to: &str, subject_has: &str, text_has: &[&str]) {
    assert!(mail.rcpt_to().contains(to), "to {to}: {}", mail.rcpt_to());
    let subject = mail.subject();
    assert!(
        subject.contains(subject_has),
        "subject {subject:?} has {subject_has:?}"
    );
    let text = mail.text();
    for part in text_has {
        assert!(text.contains(part), "the text has {part:?}:\n{text}");
    }
}

on_both_databases! {
    async fn people_receive_their_mails_in_their_language_with_the_calendar(app) {
        let smtp = SmtpServer::start();
        let worker = worker(&app, smtp_to(&smtp));
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let later = app.slot(1, "2026-12-11", "14:00", f.lane_b, 5).await;
        app.slot(2, "2027-01-08", "14:00", f.lane_b, 5).await;
        let client = app.student("hanako").await;
        let (status, body) = client.book(first).await;
        assert_eq!(status, StatusCode::CREATED);
        let number = body["id"].as_str().unwrap().to_owned();

        let round = worker.round().await.unwrap();
        assert_eq!(round.sent, 1, "{round:?}");
        let received = smtp.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(received.len(), 1);
        let booked = &received[0];
        assert_mail(booked, "hanako@example.ac.jp", &number, &["2026年12月10日", "10:00", "駅前会場", "レーンA", "2027年1月7日", "接種係", "022-123-4567"]);
        let job = all_jobs(&app).await[0].clone();
        assert_eq!(booked.message_id(), format!("sesshu-mail-{}@{MESSAGE_DOMAIN}", job.id));
        assert_eq!(job.state, MailState::Sent);
        assert_eq!(job.message_id.as_deref(), Some(format!("<sesshu-mail-{}@{MESSAGE_DOMAIN}>", job.id).as_str()));
        let ics = booked.ics().expect("a calendar file");
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "{ics}");
        assert!(ics.contains("DTSTART:20261210T010000Z"), "10:00 Tokyo is 01:00 UTC: {ics}");
        assert!(ics.contains("DTSTART:20270107T010000Z"), "{ics}");
        assert!(!booked.html().is_empty(), "an HTML part too");
        // The check-in code, inline: it reads as the series' token.
        let series = series_numbered(&app, &number).await;
        let token = app.store.check_in_token(series).await.unwrap().expect("a token");
        assert_eq!(check_in_code(booked).as_deref(), Some(token.as_str()));
        assert!(booked.text().contains("QRコード"), "the text says to show it");

        // Changed in English.
        let response = client
            .http
            .patch(app.url(&format!("/api/v1/me/reservations/{number}")))
            .header("accept-language", "en")
            .json(&json!({"slot_id": later.get()}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        worker.round().await.unwrap();
        let received = smtp.wait_for(2, Duration::from_secs(10)).await;
        let changed = &received[1];
        assert_mail(changed, "hanako@example.ac.jp", &number, &["Dec 2026", "14:00", "Station Venue", "Lane B", "Vaccination desk"]);
        assert!(changed.ics().unwrap().contains("DTSTART:20261211T050000Z"));
        assert_ne!(changed.message_id(), booked.message_id(), "another mail, another id");
        let new_token = app.store.check_in_token(series).await.unwrap().expect("a token");
        assert_ne!(new_token, token, "a change gives a new code");
        assert_eq!(check_in_code(changed).as_deref(), Some(new_token.as_str()));
        assert!(changed.text().contains("Show the QR code"), "{}", changed.text());

        // Cancelled: no calendar file.
        client.delete(&format!("/api/v1/me/reservations/{number}")).await;
        worker.round().await.unwrap();
        let received = smtp.wait_for(3, Duration::from_secs(10)).await;
        assert_eq!(received.len(), 3);
        assert_mail(&received[2], "hanako@example.ac.jp", &number, &[]);
        assert!(received[2].ics().is_none());
        assert_eq!(check_in_code(&received[2]), None, "nothing to show at the desk");
        assert!(!String::from_utf8_lossy(&received[2].raw).contains("image/png"));
        let audited = app.store.audit_records(0, 100).await.unwrap();
        assert_eq!(audited.iter().filter(|r| r.entry.action == "mail.sent").count(), 3);
        let trail = format!("{audited:?}");
        assert!(!trail.contains("hanako"), "no address in the audit trail");
    }

    async fn a_mail_shows_the_check_in_code_as_it_is_when_sent(app) {
        let smtp = SmtpServer::start();
        let worker = worker(&app, smtp_to(&smtp));
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let later = app.slot(1, "2026-12-11", "14:00", f.lane_b, 5).await;
        app.slot(2, "2027-01-08", "14:00", f.lane_b, 5).await;

        // Booked and changed before the worker runs: both mails show the
        // code of now, the one the desk accepts.
        let client = app.student("hanako").await;
        let (_, body) = client.book(first).await;
        let number = body["id"].as_str().unwrap().to_owned();
        let series = series_numbered(&app, &number).await;
        let old = app.store.check_in_token(series).await.unwrap().unwrap();
        let (status, _) = client
            .patch(&format!("/api/v1/me/reservations/{number}"), &json!({"slot_id": later.get()}))
            .await;
        assert_eq!(status, StatusCode::OK);
        let now = app.store.check_in_token(series).await.unwrap().unwrap();
        assert_ne!(old, now);
        assert_eq!(worker.round().await.unwrap().sent, 2);
        let received = smtp.wait_for(2, Duration::from_secs(10)).await;
        for mail in &received {
            assert_eq!(check_in_code(mail).as_deref(), Some(now.as_str()), "{}", mail.subject());
        }
        let scanned = sesshu_domain::CheckInToken::parse(&check_in_code(&received[0]).unwrap()).unwrap();
        assert_eq!(app.store.series_by_token(&scanned).await.unwrap().map(|s| s.id), Some(series));
        assert_eq!(app.store.series_by_token(&old).await.unwrap(), None, "the old code is void");
        // At the desk on the day, the code from the mail checks this person in.
        app.clock.set(tokyo("2026-12-11", "13:50"));
        let desk = sesshu_operations::Actor {
            name: "admin:desk".into(),
            role: sesshu_domain::Role::VenueStaff { venue: f.venue },
            origin: "127.0.0.1".into(),
        };
        let by = app.admin_account(desk.role).await;
        let ops = sesshu_operations::Operations::new(app.store.clone(), app.clock.clone());
        let scanned_in = sesshu_operations::checkin::check_in(
            &ops, &desk, by, &sesshu_operations::checkin::Lookup::Token(scanned),
        )
        .await
        .unwrap();
        assert!(matches!(scanned_in, sesshu_operations::checkin::CheckIn::Now(_)), "{scanned_in:?}");
        let checked = app.store.check_ins(series).await.unwrap();
        assert_eq!(checked.len(), 1, "the right reservation's first dose");
        app.clock.set(start_of_tests());

        // Booked and cancelled before the worker runs: no code at all.
        let other = app.student("taro").await;
        let (_, body) = other.book(first).await;
        let number = body["id"].as_str().unwrap().to_owned();
        other.delete(&format!("/api/v1/me/reservations/{number}")).await;
        assert_eq!(worker.round().await.unwrap().sent, 2);
        let received = smtp.wait_for(4, Duration::from_secs(10)).await;
        for mail in &received[2..] {
            assert_eq!(check_in_code(mail), None, "{}", mail.subject());
            assert!(!String::from_utf8_lossy(&mail.raw).contains("image/png"));
            assert!(!mail.text().contains("QRコード") && !mail.text().contains("QR code"), "{}", mail.text());
        }
    }

    async fn reminders_go_out_the_day_before_from_the_reminder_hour_once(app) {
        let smtp = SmtpServer::start();
        let worker = worker(&app, smtp_to(&smtp));
        let f = app.fixture.clone();
        let tenth = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let hanako = app.student("hanako").await;
        let (_, body) = hanako.book(tenth).await;
        let number = body["id"].as_str().unwrap().to_owned();
        let taro = app.student("taro").await;
        let (_, cancelled) = taro.book(tenth).await;
        taro.delete(&format!("/api/v1/me/reservations/{}", cancelled["id"].as_str().unwrap())).await;
        worker.round().await.unwrap();
        let events = smtp.wait_for(3, Duration::from_secs(10)).await.len();
        assert_eq!(events, 3, "booked, booked, cancelled");

        app.clock.set(tokyo("2026-12-09", "09:59"));
        let round = worker.round().await.unwrap();
        assert_eq!(round.reminders_queued, 0, "not before 10:00");
        app.clock.set(tokyo("2026-12-09", "10:00"));
        let round = worker.round().await.unwrap();
        assert_eq!((round.reminders_queued, round.sent), (1, 1), "{round:?}");
        app.clock.set(tokyo("2026-12-09", "18:00"));
        let round = worker.round().await.unwrap();
        assert_eq!((round.reminders_queued, round.sent), (0, 0), "the same day again: nothing");
        let received = smtp.wait_for(4, Duration::from_secs(10)).await;
        assert_eq!(received.len(), 4);
        let reminder = &received[3];
        assert_mail(reminder, "hanako@example.ac.jp", &number, &["2026年12月10日", "10:00"]);
        assert!(!reminder.rcpt_to().contains("taro"), "none for the cancelled reservation");
        assert_eq!(reminder.ics().unwrap().matches("BEGIN:VEVENT").count(), 1, "tomorrow's dose");

        // Cancelled after its reminder was queued, before it went out: the
        // reminder is skipped, not sent.
        let series = app
            .store
            .series_by_number(&sesshu_domain::ReservationNumber::parse(&number).unwrap())
            .await
            .unwrap()
            .unwrap();
        let eve = tokyo("2027-01-06", "10:00");
        app.clock.set(eve);
        let second = chrono::NaiveDate::from_ymd_opt(2027, 1, 7).unwrap();
        assert_eq!(app.store.queue_reminders(second, eve).await.unwrap(), 1);
        app.store.cancel(series.id, sesshu_domain::Language::Ja, eve).await.unwrap();
        let round = worker.round().await.unwrap();
        assert_eq!(round.skipped, 1, "{round:?}");
        assert_eq!(round.sent, 1, "the cancellation's own mail");
        let skipped: Vec<_> = all_jobs(&app)
            .await
            .into_iter()
            .filter(|j| j.kind == MailKind::Reminder && j.state == MailState::Skipped)
            .collect();
        assert_eq!(skipped.len(), 1);
        let received = smtp.wait_for(5, Duration::from_secs(10)).await;
        assert_eq!(received.len(), 5, "4 + the cancellation, no reminder");
    }

    async fn mails_wait_while_the_mail_server_is_down(app) {
        let mut smtp = SmtpServer::start();
        let worker = worker(&app, smtp_to(&smtp));
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        smtp.stop();
        for login in ["hanako", "taro", "jiro"] {
            let client = app.student(login).await;
            assert_eq!(client.book(first).await.0, StatusCode::CREATED);
        }
        let round = worker.round().await.unwrap();
        assert_eq!((round.claimed, round.sent, round.retrying), (3, 0, 3), "{round:?}");
        for job in all_jobs(&app).await {
            assert_eq!(job.state, MailState::Pending);
            assert!(job.next_attempt_at > start_of_tests(), "waits before the next try");
            assert!(job.last_error.is_some());
        }
        // Down for a few tries…
        for _ in 0..3 {
            app.clock.advance(chrono::Duration::minutes(30));
            worker.round().await.unwrap();
        }
        assert!(smtp.received().is_empty());
        // … then back: everything goes out, once.
        smtp.resume();
        app.clock.advance(chrono::Duration::hours(1));
        let round = worker.round().await.unwrap();
        assert_eq!(round.sent, 3, "{round:?}");
        let received = smtp.wait_for(3, Duration::from_secs(10)).await;
        assert_eq!(received.len(), 3);
        for job in all_jobs(&app).await {
            assert_eq!(state_of(&app, job.id).await, MailState::Sent);
        }
    }
}

/// The office lists the outbox, says why a mail failed, sends it again,
/// previews every mail of a reservation in both languages, and lists and
/// opens the mails of the outbox folder (audited).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_office_shows_failed_mails_resends_them_and_previews_every_mail() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut office = TestOffice::spawn(&app).await;
    let f = app.fixture.clone();
    let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
    app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
    let client = app.student("hanako").await;
    let (_, body) = client.book(first).await;
    let number = body["id"].as_str().unwrap().to_owned();

    // The first try finds a server that refuses the recipient for good.
    let job = all_jobs(&app).await[0].clone();
    let now = start_of_tests();
    app.store
        .claim_mail("w", now, now + chrono::Duration::minutes(5), 10)
        .await
        .unwrap();
    app.store
        .mail_failed(
            job.id,
            "w",
            "550 5.1.1 <address>: mailbox unavailable",
            None,
        )
        .await
        .unwrap();

    let operator = office.signed_in(&app, "op", Role::Operator).await;
    let list = operator.get("/mail?state=failed").await;
    assert_eq!(list.status, StatusCode::OK);
    let text = visible_text(&list.html);
    assert!(text.contains("550 5.1.1"), "the reason: {text}");
    assert!(text.contains(&number), "{text}");
    let resent = operator
        .post(&format!("/mail/{}/resend", job.id), &[])
        .await;
    assert_eq!(resent.location.as_deref(), Some("/mail?done=resent"));
    assert_eq!(state_of(&app, job.id).await, MailState::Pending);
    let audited = app.store.audit_records(0, 100).await.unwrap();
    assert!(audited.iter().any(|r| r.entry.action == "mail.resend"));

    // Sent to the outbox folder, listed and opened in the office.
    let folder = Worker::new(
        app.store.clone(),
        sesshu_vault_open::Keyring::new([app.vault.clone()]),
        MailTransport::folder(&office.outbox()).unwrap(),
        app.clock.clone(),
        settings(&app),
    );
    assert_eq!(folder.round().await.unwrap().sent, 1);
    let outbox = operator.get("/mail/outbox").await;
    assert_eq!(outbox.status, StatusCode::OK);
    assert!(
        visible_text(&outbox.html).contains(&number),
        "{}",
        outbox.html
    );
    let name = std::fs::read_dir(office.outbox())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".eml"))
        .unwrap();
    let file = operator.get(&format!("/mail/outbox/{name}")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.html.contains("hanako@example.ac.jp"));
    let traversal = operator.get("/mail/outbox/..%2F..%2Fetc%2Fpasswd").await;
    assert_eq!(traversal.status, StatusCode::NOT_FOUND);

    // Previews, in both languages, without the address.
    for (kind, lang, has) in [
        ("booked", "ja", "2026年12月10日"),
        ("booked", "en", "Dec 2026"),
        ("changed", "ja", &number),
        ("cancelled", "en", &number),
        ("reminder", "ja", "10:00"),
    ] {
        let page = operator
            .get(&format!(
                "/reservations/{number}/mail?kind={kind}&lang={lang}"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{kind} {lang}");
        let text = visible_text(&page.html);
        assert!(text.contains(has), "{kind} {lang} has {has}: {text}");
        assert!(!text.contains("hanako@"), "no address in a preview");
    }
    // Institution staff of another institution: as if it did not exist.
    let other = office
        .signed_in(
            &app,
            "other",
            Role::InstitutionStaff {
                institution: f.staff_only,
            },
        )
        .await;
    let refused = other.get(&format!("/reservations/{number}/mail")).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}

/// Slots of dose 1 and 2 at a venue of `app`, ten and thirty-eight days
/// from the real today (for tests where a real process's clock decides).
async fn real_time_slots(app: &TestApp, capacity: u32) -> sesshu_domain::SlotId {
    let now = sesshu_domain::Clock::now(&sesshu_domain::SystemClock);
    let day = sesshu_domain::tokyo_day(now) + chrono::Days::new(10);
    let at = sesshu_domain::day_start(day) + chrono::Duration::hours(10);
    let slot = |dose: u8, starts_at| sesshu_store::NewSlot {
        venue: app.fixture.venue,
        lane: app.fixture.lane_a,
        vaccine: app.fixture.vaccine,
        dose: sesshu_domain::DoseNumber::new(dose).unwrap(),
        starts_at,
        ends_at: starts_at + chrono::Duration::minutes(30),
        capacity,
        opens_at: now - chrono::Duration::days(1),
        eligibility: sesshu_domain::SlotEligibility::default(),
    };
    let ids = app
        .store
        .insert_slots(&[slot(1, at), slot(2, at + chrono::Duration::days(28))])
        .await
        .unwrap();
    ids[0]
}

/// `sesshu mail run` as a real process; SIGKILLed on drop.
struct WorkerProcess(std::process::Child);

impl WorkerProcess {
    fn start(config: &std::path::Path, log: &std::path::Path) -> Self {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sesshu"));
        command
            .args(["mail", "run", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(log)
                    .unwrap(),
            );
        for (key, _) in std::env::vars() {
            if key.starts_with("SESSHU_") {
                command.env_remove(key);
            }
        }
        WorkerProcess(command.spawn().expect("start sesshu mail run"))
    }

    /// `kill -9`: no chance to finish anything.
    fn kill(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The worker, a real process, is killed with SIGKILL in the middle of its
/// work while people keep booking; restarted, it delivers everything: every
/// booking has its mail, no job is lost, and a mail sent twice (the server
/// took it, the record did not happen) is at most one per crash and has
/// the same Message-ID.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_batch_loses_no_mail_and_doubles_at_most_one() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    // The worker process keeps real time: so does this test.
    app.clock
        .set(sesshu_domain::Clock::now(&sesshu_domain::SystemClock));
    let smtp = SmtpServer::start();
    let first = real_time_slots(&app, 100).await;

    let dir =
        std::env::temp_dir().join(format!("sesshu_crash_{}_{}", std::process::id(), smtp.port));
    std::fs::create_dir_all(&dir).unwrap();
    let (private, public) = (dir.join("vault.key"), dir.join("vault.pub"));
    app.vault.write(&private, &public).unwrap();
    let config = dir.join("sesshu.toml");
    std::fs::write(
        &config,
        format!(
            r#"
database_url = "{db}"
public_origin = "{site}"
[vault]
public_key_file = "{public}"
private_key_file = "{private}"
[mail]
from = "vaccine@sesshu.test"
message_id_domain = "{MESSAGE_DOMAIN}"
lease_seconds = 3
poll_seconds = 1
[mail.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout_seconds = 5
"#,
            db = app.database_url,
            site = app.base,
            public = public.display(),
            private = private.display(),
            port = smtp.port,
        ),
    )
    .unwrap();
    let log = dir.join("worker.log");

    const PEOPLE: usize = 40;
    let mut clients = Vec::new();
    for i in 0..PEOPLE {
        clients.push(app.student(&format!("crash{i:02}")).await);
    }
    let worker = WorkerProcess::start(&config, &log);
    let booking = tokio::spawn(async move {
        for client in clients {
            assert_eq!(client.book(first).await.0, StatusCode::CREATED);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    // Some mails are out: kill it mid-stream.
    let before = smtp.wait_for(5, Duration::from_secs(60)).await.len();
    assert!(
        before >= 5,
        "the worker sends: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    worker.kill();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _worker = WorkerProcess::start(&config, &log);
    booking.await.unwrap();

    // Everything goes out.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let jobs = loop {
        let jobs = all_jobs(&app).await;
        if jobs.len() == PEOPLE && jobs.iter().all(|j| j.state == MailState::Sent) {
            break jobs;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not all mails sent: {:?}\n{}",
            jobs.iter()
                .map(|j| (j.id, j.state, j.attempts))
                .collect::<Vec<_>>(),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = smtp.received();
    let ids: Vec<String> = received.iter().map(Received::message_id).collect();
    let distinct: std::collections::BTreeSet<&String> = ids.iter().collect();
    let expected: std::collections::BTreeSet<String> = jobs
        .iter()
        .map(|j| format!("sesshu-mail-{}@{MESSAGE_DOMAIN}", j.id))
        .collect();
    assert_eq!(
        distinct
            .into_iter()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        expected,
        "every booking's mail arrived"
    );
    assert!(
        ids.len() - expected.len() <= 1,
        "at most one duplicate for one crash: {} mails for {} jobs",
        ids.len(),
        expected.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
