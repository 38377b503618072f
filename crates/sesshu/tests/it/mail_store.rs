//! The mail outbox in the store: every booking, change and cancellation
//! queues its mail in its own transaction; workers claim jobs with a lease
//! and only the holder records the outcome; reminders are queued once per
//! dose and day. On both databases.

use crate::helpers::{TestApp, on_both_databases, start_of_tests, tokyo};
use reqwest::StatusCode;
use serde_json::json;
use sesshu_domain::{AuditEntry, DoseNumber, Language, MailKind, MailState};
use sesshu_store::{MailJob, MailQuery, MailSent, MailSnapshot};
use std::collections::BTreeSet;

async fn jobs(app: &TestApp) -> Vec<MailJob> {
    let mut all = app
        .store
        .mail_jobs(&MailQuery {
            limit: 1000,
            ..MailQuery::default()
        })
        .await
        .unwrap();
    all.reverse();
    all
}

fn entry(action: sesshu_domain::AuditAction) -> AuditEntry {
    AuditEntry {
        at: start_of_tests(),
        actor: "test".into(),
        role: "test".into(),
        action,
        objects: vec![],
        detail: String::new(),
        origin: "local".into(),
    }
}

fn sent(at: chrono::DateTime<chrono::Utc>) -> MailSent {
    MailSent {
        message_id: "<sesshu-mail-1@test>".into(),
        reply: "250 OK".into(),
        at,
    }
}

/// A student of `uni` with a booking on 10 December (dose 2 on 7 January).
async fn booked(app: &TestApp, login: &str) -> String {
    let f = app.fixture.clone();
    let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 50).await;
    app.slot(2, "2027-01-07", "10:00", f.lane_a, 50).await;
    let client = app.student(login).await;
    let (status, body) = client.book(first).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

on_both_databases! {
    async fn every_change_queues_one_mail_in_the_persons_language(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let later = app.slot(1, "2026-12-11", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-08", "10:00", f.lane_a, 5).await;
        let client = app.student("hanako").await;

        let (status, body) = client.book(first).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let number = body["id"].as_str().unwrap().to_owned();
        // Refused (a second series): no mail.
        let (status, _) = client.book(later).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let after_booking = jobs(&app).await;
        assert_eq!(after_booking.len(), 1, "{after_booking:?}");
        let booked = &after_booking[0];
        assert_eq!(booked.kind, MailKind::Booked);
        assert_eq!(booked.language, Language::Ja);
        assert_eq!(booked.state, MailState::Pending);
        let snapshot: MailSnapshot =
            serde_json::from_str(booked.snapshot.as_deref().unwrap()).unwrap();
        assert_eq!(snapshot.number, number);
        assert_eq!(snapshot.doses.len(), 2);
        assert_eq!(snapshot.doses[0].starts_at, tokyo("2026-12-10", "10:00"));

        // In English, as the person's browser asks.
        let response = client
            .http
            .patch(app.url(&format!("/api/v1/me/reservations/{number}")))
            .header("accept-language", "en-US,en;q=0.9")
            .json(&json!({"slot_id": later.get()}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let (status, _) = client
            .delete(&format!("/api/v1/me/reservations/{number}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        // Cancelling again changes nothing and mails nothing.
        client
            .delete(&format!("/api/v1/me/reservations/{number}"))
            .await;

        let all = jobs(&app).await;
        let kinds: Vec<(MailKind, Language)> = all.iter().map(|j| (j.kind, j.language)).collect();
        assert_eq!(
            kinds,
            [
                (MailKind::Booked, Language::Ja),
                (MailKind::Changed, Language::En),
                (MailKind::Cancelled, Language::Ja),
            ]
        );
        let changed: MailSnapshot =
            serde_json::from_str(all[1].snapshot.as_deref().unwrap()).unwrap();
        assert_eq!(changed.doses[0].starts_at, tokyo("2026-12-11", "10:00"));
        assert!(all.iter().all(|j| j.series == booked.series && j.person == booked.person));
    }

    async fn a_claimed_job_belongs_to_one_worker_until_its_lease_ends(app) {
        booked(&app, "hanako").await;
        let now = start_of_tests();
        let lease = chrono::Duration::minutes(10);
        let mine = app.store.claim_mail("w1", now, now + lease, 10).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].attempts, 1);
        let id = mine[0].id;
        assert!(app.store.claim_mail("w2", now, now + lease, 10).await.unwrap().is_empty());
        assert!(!app.store.mail_sent(id, "w2", &sent(now), &entry(sesshu_domain::AuditAction::MailSent)).await.unwrap());
        assert!(!app.store.mail_failed(id, "w2", "x", None).await.unwrap());
        assert!(!app.store.mail_skipped(id, "w2", "x").await.unwrap());

        // w1 stalls past its lease: w2 takes the job over (the second try).
        let later = now + lease + chrono::Duration::minutes(1);
        let taken = app.store.claim_mail("w2", later, later + lease, 10).await.unwrap();
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].attempts, 2);
        assert!(
            !app.store.mail_sent(id, "w1", &sent(later), &entry(sesshu_domain::AuditAction::MailSent)).await.unwrap(),
            "a worker that lost its lease cannot record the job"
        );
        let head = app.store.audit_head().await.unwrap();
        assert!(app.store.mail_sent(id, "w2", &sent(later), &entry(sesshu_domain::AuditAction::MailSent)).await.unwrap());
        let job = app.store.mail_job(id).await.unwrap().unwrap();
        assert_eq!(job.state, MailState::Sent);
        assert_eq!(job.sent_at, Some(later));
        assert_eq!(job.message_id.as_deref(), Some("<sesshu-mail-1@test>"));
        let audited = app
            .store
            .audit_records(head.map_or(0, |(seq, _)| seq), 10)
            .await
            .unwrap();
        assert_eq!(audited.len(), 1);
        assert_eq!(audited[0].entry.action, "mail.sent");
        // Sent is final.
        assert!(app.store.claim_mail("w3", later + lease * 2, later + lease * 3, 10).await.unwrap().is_empty());
    }

    async fn failures_wait_then_fail_and_the_office_sends_them_again(app) {
        booked(&app, "hanako").await;
        let now = start_of_tests();
        let lease = now + chrono::Duration::minutes(10);
        let id = app.store.claim_mail("w", now, lease, 10).await.unwrap()[0].id;
        let retry = now + chrono::Duration::minutes(5);
        assert!(app.store.mail_failed(id, "w", "421 try later", Some(retry)).await.unwrap());
        let job = app.store.mail_job(id).await.unwrap().unwrap();
        assert_eq!((job.state, job.next_attempt_at), (MailState::Pending, retry));
        assert_eq!(job.last_error.as_deref(), Some("421 try later"));
        assert!(app.store.claim_mail("w", now, lease, 10).await.unwrap().is_empty(), "not before its time");
        let again = app.store.claim_mail("w", retry, lease, 10).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 2);
        assert!(app.store.mail_failed(id, "w", "550 no such user", None).await.unwrap());
        let failed = app
            .store
            .mail_jobs(&MailQuery { state: Some(MailState::Failed), series: None, limit: 10 })
            .await
            .unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].last_error.as_deref(), Some("550 no such user"));
        assert!(app.store.claim_mail("w", retry + chrono::Duration::days(1), lease, 10).await.unwrap().is_empty());

        let head = app.store.audit_head().await.unwrap().map_or(0, |(seq, _)| seq);
        assert!(app.store.resend_mail(id, &entry(sesshu_domain::AuditAction::MailResend)).await.unwrap());
        let job = app.store.mail_job(id).await.unwrap().unwrap();
        assert_eq!((job.state, job.attempts), (MailState::Pending, 0));
        assert!(!app.store.resend_mail(id, &entry(sesshu_domain::AuditAction::MailResend)).await.unwrap(), "already waiting");
        let audited = app.store.audit_records(head, 10).await.unwrap();
        assert_eq!(audited.len(), 1, "only the resend that happened is audited");
        let at = start_of_tests();
        let id = app.store.claim_mail("w", at, at + chrono::Duration::minutes(10), 10).await.unwrap()[0].id;
        assert!(app.store.mail_sent(id, "w", &sent(at), &entry(sesshu_domain::AuditAction::MailSent)).await.unwrap());
        assert!(!app.store.resend_mail(id, &entry(sesshu_domain::AuditAction::MailResend)).await.unwrap(), "sent is not resent");
    }

    async fn reminders_are_queued_once_per_dose_and_day(app) {
        let f = app.fixture.clone();
        let tenth = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let eleventh = app.slot(1, "2026-12-11", "10:00", f.lane_b, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-08", "10:00", f.lane_b, 5).await;
        let hanako = app.student("hanako").await;
        let (_, body) = hanako.book(tenth).await;
        let series = app.store.series_by_number(
            &sesshu_domain::ReservationNumber::parse(body["id"].as_str().unwrap()).unwrap(),
        ).await.unwrap().unwrap();
        let taro = app.student("taro").await;
        let (_, cancelled) = taro.book(tenth).await;
        taro.delete(&format!("/api/v1/me/reservations/{}", cancelled["id"].as_str().unwrap())).await;
        let jiro = app.student("jiro").await;
        jiro.book(eleventh).await;

        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let now = tokyo("2026-12-09", "10:00");
        assert_eq!(app.store.queue_reminders(day, now).await.unwrap(), 1);
        assert_eq!(app.store.queue_reminders(day, now).await.unwrap(), 0, "twice queues once");
        let reminders: Vec<MailJob> = jobs(&app).await.into_iter().filter(|j| j.kind == MailKind::Reminder).collect();
        assert_eq!(reminders.len(), 1, "none for the cancelled one, none for the 11th");
        let reminder = &reminders[0];
        assert_eq!(reminder.series, series.id);
        assert_eq!(reminder.dose, Some(DoseNumber::FIRST));
        assert_eq!(reminder.language, Language::Ja);
        assert_eq!(reminder.snapshot, None);
        assert_eq!(reminder.next_attempt_at, now);

        let next = chrono::NaiveDate::from_ymd_opt(2026, 12, 11).unwrap();
        assert_eq!(app.store.queue_reminders(next, now).await.unwrap(), 1);
    }

    async fn concurrent_workers_never_claim_the_same_job(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 100).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 100).await;
        for i in 0..24 {
            let client = app.student(&format!("s{i:02}")).await;
            assert_eq!(client.book(first).await.0, StatusCode::CREATED);
        }
        let now = start_of_tests();
        let workers = (0..6).map(|w| {
            let store = app.store.clone();
            tokio::spawn(async move {
                let name = format!("w{w}");
                let mut mine = Vec::new();
                loop {
                    let jobs = store
                        .claim_mail(&name, now, now + chrono::Duration::minutes(10), 2)
                        .await
                        .unwrap();
                    if jobs.is_empty() {
                        break mine;
                    }
                    for job in jobs {
                        assert!(store.mail_sent(job.id, &name, &sent(now), &entry(sesshu_domain::AuditAction::MailSent)).await.unwrap());
                        mine.push(job.id);
                    }
                }
            })
        });
        let mut all = Vec::new();
        for worker in workers.collect::<Vec<_>>() {
            all.extend(worker.await.unwrap());
        }
        let distinct: BTreeSet<_> = all.iter().collect();
        assert_eq!(all.len(), 24, "every job sent");
        assert_eq!(distinct.len(), 24, "no job sent twice");
    }
}

/// PostgreSQL wakes a waiting worker when a mail is queued (LISTEN/NOTIFY)
/// instead of letting it sleep its whole wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_wakes_the_worker_when_a_mail_is_queued() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    let f = app.fixture.clone();
    let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
    app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
    let client = app.student("hanako").await;
    // The first wait opens the listener.
    app.store
        .wait_for_mail(std::time::Duration::from_millis(10))
        .await;
    let store = app.store.clone();
    let waiting = tokio::spawn(async move {
        let started = std::time::Instant::now();
        store
            .wait_for_mail(std::time::Duration::from_secs(60))
            .await;
        started.elapsed()
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(client.book(first).await.0, StatusCode::CREATED);
    let waited = tokio::time::timeout(std::time::Duration::from_secs(30), waiting)
        .await
        .expect("woken well before its 60 s wait")
        .unwrap();
    assert!(waited < std::time::Duration::from_secs(30), "{waited:?}");
}
