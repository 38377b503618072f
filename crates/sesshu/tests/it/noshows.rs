//! The no-show cancellation on both databases: the batch cancels exactly
//! the reservations of a day nobody checked in, releases the second dose's
//! place of a missed first dose (and keeps the first dose's of a missed
//! second one), mails each person (through the real SMTP server too) and
//! audits the count once; a future day or today before its last slot is
//! refused; and the batch racing people booking the places it frees and a
//! late check-in of the same person never overbooks and never loses a
//! check-in. `sesshu noshows` lists, then cancels with `--apply`.

use crate::helpers::*;
use crate::office_kit::audited;
use futures::future::join_all;
use reqwest::StatusCode;
use sesshu_domain::{
    AdminId, AuditObject, DoseNumber, Language, MailKind, PersonId, ReservationNumber, Role,
    Series, SeriesState, SlotEligibility, SlotId, Subject, UserType, VenueId,
};
use sesshu_operations::checkin::{self, CheckIn, Lookup};
use sesshu_operations::noshows::{self, Cancelling, Listing, NoShowSkip, NoShowsCancelled};
use sesshu_operations::{Actor, OperationError, Operations};
use sesshu_store::{Booked, MailQuery, NewSeries, NewSlot, PersonLogin, StoreError};
use std::collections::BTreeSet;
use std::sync::Arc;

fn day(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn actor(role: Role) -> Actor {
    Actor {
        name: "admin:0".into(),
        role,
        origin: "127.0.0.1".into(),
    }
}

/// The desk of the fixture's venue.
struct Desk {
    actor: Actor,
    by: AdminId,
}

impl Desk {
    async fn new(app: &TestApp) -> Desk {
        let role = Role::VenueStaff {
            venue: app.fixture.venue,
        };
        let by = app.admin_account(role).await;
        Desk {
            actor: Actor {
                name: format!("admin:{by}"),
                role,
                origin: "127.0.0.1".into(),
            },
            by,
        }
    }

    async fn check_in(&self, ops: &Operations, number: &ReservationNumber) -> CheckIn {
        checkin::check_in(ops, &self.actor, self.by, &Lookup::Number(number.clone()))
            .await
            .unwrap()
    }
}

/// A person of `uni` who signed in (no directory entry: the store only).
async fn person(app: &TestApp, login: &str) -> PersonId {
    app.store
        .person_for_login(&PersonLogin {
            institution: app.fixture.uni,
            subject: Subject::parse(login).unwrap(),
            user_type: Some(UserType::Student),
            department: None,
            at: start_of_tests(),
            personal: None,
            consented: None,
            reassignable: false,
        })
        .await
        .unwrap()
        .id
}

/// A slot of the fixture's venue (lane A), 30 minutes, open to booking
/// long before.
async fn slot_at(
    app: &TestApp,
    dose: u8,
    at: chrono::DateTime<chrono::Utc>,
    capacity: u32,
) -> SlotId {
    app.store
        .insert_slots(&[NewSlot {
            venue: app.fixture.venue,
            lane: app.fixture.lane_a,
            vaccine: app.fixture.vaccine,
            dose: DoseNumber::new(dose).unwrap(),
            starts_at: at,
            ends_at: at + chrono::Duration::minutes(30),
            capacity,
            opens_at: at - chrono::Duration::days(365),
            eligibility: SlotEligibility::default(),
        }])
        .await
        .unwrap()[0]
}

/// Books `person` into `first` and `second` in the store's transaction, as
/// the booking use case would, at `now`.
async fn book(
    app: &TestApp,
    person: PersonId,
    first: SlotId,
    second: SlotId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Series, StoreError> {
    app.store
        .book(&NewSeries {
            person,
            vaccine: app.fixture.vaccine,
            first: vec![first],
            second: Some(vec![second]),
            idempotency: None,
            language: Language::Ja,
            audit: None,
            now,
        })
        .await
        .map(|b| match b {
            Booked::Created(s) | Booked::Replayed(s) => s,
        })
}

async fn booked(app: &TestApp, slot: SlotId) -> u32 {
    app.store.slot(slot).await.unwrap().unwrap().booked
}

async fn state(app: &TestApp, number: &ReservationNumber) -> SeriesState {
    app.store
        .series_by_number(number)
        .await
        .unwrap()
        .unwrap()
        .state
}

/// The series ids of the queued mails of `kind`.
async fn mailed(app: &TestApp, kind: MailKind) -> Vec<sesshu_domain::SeriesId> {
    app.store
        .mail_jobs(&MailQuery {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == kind)
        .map(|j| j.series)
        .collect()
}

/// Places held in `slot` by the active series of `persons`.
async fn held(app: &TestApp, persons: &[PersonId], slot: SlotId) -> u32 {
    let mut n = 0;
    for p in persons {
        for series in app.store.series_of(*p).await.unwrap() {
            if series.is_active() && series.doses.iter().any(|d| d.slot == slot) {
                n += 1;
            }
        }
    }
    n
}

fn finished(outcome: Cancelling) -> NoShowsCancelled {
    match outcome {
        Cancelling::Done(done) => done,
        Cancelling::NotYet(from) => panic!("not yet: from {from}"),
    }
}

fn number_of(body: &serde_json::Value) -> ReservationNumber {
    ReservationNumber::parse(body["id"].as_str().unwrap()).unwrap()
}

on_both_databases! {
    async fn the_batch_cancels_exactly_the_no_shows_frees_their_places_mails_and_audits_once(app) {
        let f = app.fixture.clone();
        let ops = Operations::new(app.store.clone(), app.clock.clone());
        let desk = Desk::new(&app).await;
        let operator = actor(Role::Operator);
        // 10 December: three first doses, their second doses filling the
        // 7 January slot; someone else on 11 December.
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 10).await;
        let second = app.slot(2, "2027-01-07", "10:00", f.lane_a, 3).await;
        let other_day = app.slot(1, "2026-12-11", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-08", "10:00", f.lane_a, 10).await;
        let mut numbers = Vec::new();
        for login in ["came", "missed1", "missed2"] {
            let (status, body) = app.student(login).await.book(first).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            numbers.push(number_of(&body));
        }
        let (status, body) = app.student("tomorrow").await.book(other_day).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let tomorrow = number_of(&body);
        assert_eq!(app.free(second).await, 0, "the second doses are full");

        // Someone whose second dose is on 10 December: the first one given
        // on 12 November, the second missed.
        let earlier = slot_at(&app, 1, tokyo("2026-11-12", "10:00"), 5).await;
        let second_on_the_day = slot_at(&app, 2, tokyo("2026-12-10", "11:00"), 5).await;
        let late = person(&app, "secondmissed").await;
        let series = book(&app, late, earlier, second_on_the_day, tokyo("2026-11-01", "09:00"))
            .await
            .unwrap();
        app.clock.set(tokyo("2026-11-12", "10:05"));
        assert!(matches!(desk.check_in(&ops, &series.number).await, CheckIn::Now(_)));
        let second_missed = series.number.clone();

        // On the day, one of them comes.
        app.clock.set(tokyo("2026-12-10", "10:05"));
        assert!(matches!(desk.check_in(&ops, &numbers[0]).await, CheckIn::Now(_)));

        // Too early: a future day, and the day itself before its last slot.
        app.clock.set(tokyo("2026-12-09", "18:00"));
        let early = noshows::list(&ops, &operator, day("2026-12-10"), None).await.unwrap();
        assert!(matches!(early, Listing::NotYet(from) if from == tokyo("2026-12-10", "11:30")), "{early:?}");
        app.clock.set(tokyo("2026-12-10", "11:00"));
        let refused = noshows::cancel(&ops, &operator, day("2026-12-10"), None).await.unwrap();
        assert!(matches!(refused, Cancelling::NotYet(_)), "{refused:?}");
        assert!(audited(&app, "noshows.cancel").await.is_empty());
        app.clock.set(tokyo("2026-12-10", "11:30"));

        // Who may: not venue staff; an institution's staff see only theirs.
        let venue_staff = noshows::list(&ops, &desk.actor, day("2026-12-10"), None).await;
        assert!(matches!(venue_staff, Err(OperationError::Denied(sesshu_domain::Denied::Forbidden))), "{venue_staff:?}");
        let theirs = noshows::list(&ops, &actor(Role::InstitutionStaff { institution: f.staff_only }), day("2026-12-10"), None).await.unwrap();
        let Listing::Ready(theirs) = theirs else { panic!("{theirs:?}") };
        assert_eq!(theirs.count(), 0, "none of their people");
        let nowhere = noshows::list(&ops, &operator, day("2026-12-10"), Some(VenueId::new(9999))).await;
        assert!(matches!(nowhere, Err(OperationError::NotFound)), "{nowhere:?}");

        let Listing::Ready(list) = noshows::list(&ops, &operator, day("2026-12-10"), None).await.unwrap() else {
            panic!("the day is over");
        };
        assert_eq!(list.count(), 3, "{list:?}");
        assert_eq!(list.groups.len(), 1, "one venue, one institution");
        let group = &list.groups[0];
        assert_eq!((group.venue, group.institution), (f.venue, f.uni));
        assert_eq!(group.of_dose(DoseNumber::FIRST), 2);
        assert_eq!(group.of_dose(DoseNumber::SECOND), 1);
        assert_eq!(list.per_venue(), vec![(f.venue, 3)]);
        let listed: BTreeSet<String> = group.noshows.iter().map(|n| n.series.number.to_string()).collect();
        let expected: BTreeSet<String> =
            [&numbers[1], &numbers[2], &second_missed].iter().map(|n| n.to_string()).collect();
        assert_eq!(listed, expected);
        let Listing::Ready(uni_staff) = noshows::list(&ops, &actor(Role::InstitutionStaff { institution: f.uni }), day("2026-12-10"), None).await.unwrap() else {
            panic!()
        };
        assert_eq!(uni_staff.count(), 3, "their institution's staff see theirs");

        let done = finished(noshows::cancel(&ops, &operator, day("2026-12-10"), None).await.unwrap());
        assert_eq!(done.count(), 3);
        assert!(done.skipped.is_empty());
        for n in &numbers[1..] {
            assert_eq!(state(&app, n).await, SeriesState::Cancelled);
        }
        assert_eq!(state(&app, &second_missed).await, SeriesState::Cancelled);
        assert_eq!(state(&app, &numbers[0]).await, SeriesState::Booked, "checked in");
        assert_eq!(state(&app, &tomorrow).await, SeriesState::Booked, "another day");
        // A missed first dose frees its second dose's place at once, as the
        // public availability shows it.
        assert_eq!(app.free(second).await, 2);
        assert_eq!(booked(&app, first).await, 1);
        // A missed second dose after a given first: the first keeps its place.
        assert_eq!(booked(&app, earlier).await, 1);
        assert_eq!(booked(&app, second_on_the_day).await, 0);
        // Nobody checks a cancelled reservation in by its old code.
        let cancelled = app.store.series_by_number(&numbers[1]).await.unwrap().unwrap();
        assert!(app.store.check_in_token(cancelled.id).await.unwrap().is_none());

        let mut mails = mailed(&app, MailKind::NoShow).await;
        mails.sort();
        let mut ids = Vec::new();
        for n in [&numbers[1], &numbers[2], &second_missed] {
            ids.push(app.store.series_by_number(n).await.unwrap().unwrap().id);
        }
        ids.sort();
        assert_eq!(mails, ids, "one no-show mail to each");
        assert!(mailed(&app, MailKind::Cancelled).await.is_empty(), "not the usual cancellation mail");

        let entries = audited(&app, "noshows.cancel").await;
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0].detail, "cancelled 3, skipped 0");
        assert!(entries[0].objects.contains(&AuditObject::Day(day("2026-12-10"))));
        for id in &ids {
            assert!(entries[0].objects.contains(&AuditObject::Series(*id)), "{entries:?}");
        }
        assert_eq!(entries[0].role, "operator");

        // Again: nothing left, nothing written.
        let again = finished(noshows::cancel(&ops, &operator, day("2026-12-10"), None).await.unwrap());
        assert_eq!((again.count(), again.skipped.len()), (0, 0));
        assert_eq!(audited(&app, "noshows.cancel").await.len(), 1);
        assert_eq!(mailed(&app, MailKind::NoShow).await.len(), 3);
    }

    async fn a_no_show_gets_the_mail_in_their_language_through_the_smtp_server(app) {
        let smtp = crate::smtp_kit::SmtpServer::start();
        let worker = sesshu_mail::Worker::new(
            app.store.clone(),
            sesshu_vault_open::Keyring::new([app.vault.clone()]),
            crate::mail::smtp_to(&smtp),
            app.clock.clone(),
            crate::mail::settings(&app),
        );
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let hanako = app.student("hanako").await;
        let (_, body) = hanako.book(first).await;
        let ja = number_of(&body);
        let jim = app.student("jim").await;
        let response = jim
            .http
            .post(app.url("/api/v1/me/reservations"))
            .header("accept-language", "en")
            .json(&serde_json::json!({"slot_id": first.get()}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let en = number_of(&response.json().await.unwrap());
        worker.round().await.unwrap();
        smtp.wait_for(2, std::time::Duration::from_secs(10)).await;

        app.clock.set(tokyo("2026-12-11", "09:00"));
        let ops = Operations::new(app.store.clone(), app.clock.clone());
        let done = finished(noshows::cancel(&ops, &actor(Role::SystemAdmin), day("2026-12-10"), None).await.unwrap());
        assert_eq!(done.count(), 2);
        let round = worker.round().await.unwrap();
        assert_eq!(round.sent, 2, "{round:?}");
        let received = smtp.wait_for(4, std::time::Duration::from_secs(10)).await;
        let to = |who: &str, subject: &str| {
            received
                .iter()
                .find(|m| m.rcpt_to().contains(who) && m.subject().contains(subject))
                .unwrap_or_else(|| panic!("no {subject:?} mail to {who}"))
                .clone()
        };
        let mail = to("hanako@example.ac.jp", "ご来場がなかった");
        assert!(mail.subject().contains(&ja.to_string()), "{}", mail.subject());
        assert!(mail.text().contains("もう一度予約するには"), "{}", mail.text());
        let mail = to("jim@example.ac.jp", "Missed appointment");
        assert!(mail.subject().contains(&en.to_string()), "{}", mail.subject());
        assert!(mail.text().contains("To book again"), "{}", mail.text());
    }

    async fn the_batch_racing_bookings_of_the_freed_places_and_a_late_check_in(app) {
        let ops = Operations::new(app.store.clone(), app.clock.clone());
        let desk = Arc::new(Desk::new(&app).await);
        let operator = actor(Role::Operator);
        let before = tokyo("2026-12-01", "09:00");
        // Newcomers book a later first dose and want the racing second-dose
        // slot, as the second dose of a reservation moved to it would.
        let later = slot_at(&app, 1, tokyo("2026-12-20", "10:00"), 1000).await;
        let mut everyone: Vec<PersonId> = Vec::new();
        let (mut checked_in_won, mut cancel_won, mut skipped, mut newcomers_booked) = (0, 0, 0, 0);
        for round in 0..12u32 {
            app.clock.set(before);
            let at = tokyo("2026-12-10", "09:00") + chrono::Duration::minutes(i64::from(round) * 40);
            let first = slot_at(&app, 1, at, 3).await;
            let second = slot_at(&app, 2, at + chrono::Duration::days(28), 3).await;
            let mut missed = Vec::new();
            for i in 0..3 {
                let p = person(&app, &format!("r{round}missed{i}")).await;
                everyone.push(p);
                missed.push(book(&app, p, first, second, before).await.unwrap());
            }
            let mut newcomers = Vec::new();
            for i in 0..4 {
                let p = person(&app, &format!("r{round}new{i}")).await;
                everyone.push(p);
                newcomers.push(p);
            }
            assert_eq!(booked(&app, second).await, 3);

            // The evening of the day: everyone at once.
            app.clock.set(tokyo("2026-12-10", "20:00"));
            let start = Arc::new(tokio::sync::Barrier::new(2 + newcomers.len()));
            let batch_done = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let batch = {
                let (ops, operator, start) = (ops.clone(), operator.clone(), start.clone());
                let batch_done = batch_done.clone();
                tokio::spawn(async move {
                    start.wait().await;
                    let done = noshows::cancel(&ops, &operator, day("2026-12-10"), None).await;
                    batch_done.store(true, std::sync::atomic::Ordering::SeqCst);
                    done
                })
            };
            let late = {
                let (ops, desk, start) = (ops.clone(), desk.clone(), start.clone());
                let number = missed[0].number.clone();
                tokio::spawn(async move {
                    start.wait().await;
                    checkin::check_in(&ops, &desk.actor, desk.by, &Lookup::Number(number)).await
                })
            };
            // Each newcomer tries again and again while the batch runs, and
            // once more after it: every place it frees is taken.
            let bookers: Vec<_> = newcomers
                .iter()
                .map(|p| {
                    let (store, start, p) = (app.store.clone(), start.clone(), *p);
                    let batch_done = batch_done.clone();
                    let vaccine = app.fixture.vaccine;
                    tokio::spawn(async move {
                        start.wait().await;
                        loop {
                            let last = batch_done.load(std::sync::atomic::Ordering::SeqCst);
                            let booked = store
                                .book(&NewSeries {
                                    person: p,
                                    vaccine,
                                    first: vec![later],
                                    second: Some(vec![second]),
                                    idempotency: None,
                                    language: Language::En,
                                    audit: None,
                                    now: tokyo("2026-12-10", "20:00"),
                                })
                                .await;
                            match booked {
                                Err(StoreError::Rejected(_)) if !last => tokio::task::yield_now().await,
                                other => break other,
                            }
                        }
                    })
                })
                .collect();
            let done = finished(batch.await.unwrap().unwrap());
            let late = late.await.unwrap().unwrap();
            let mut got_a_place = 0;
            for outcome in join_all(bookers).await {
                match outcome.unwrap() {
                    Ok(_) => got_a_place += 1,
                    Err(StoreError::Rejected(_)) => {}
                    Err(e) => panic!("round {round}: a booking failed: {e:?}"),
                }
            }

            // Never overbooked; every place is an active reservation's.
            let in_second = booked(&app, second).await;
            assert!(in_second <= 3, "round {round}: {in_second} booked of 3");
            assert_eq!(in_second, held(&app, &everyone, second).await, "round {round}");
            assert_eq!(booked(&app, first).await, held(&app, &everyone, first).await, "round {round}");
            assert_eq!(booked(&app, later).await, held(&app, &everyone, later).await, "round {round}");

            // Never a check-in lost: the late arrival is checked in and kept,
            // or finds the reservation cancelled and nothing is recorded.
            let late_series = app.store.series(missed[0].id).await.unwrap().unwrap();
            let check_ins = app.store.check_ins(late_series.id).await.unwrap();
            match late {
                CheckIn::Now(_) => {
                    checked_in_won += 1;
                    assert!(late_series.is_active(), "round {round}: checked in, then cancelled");
                    assert_eq!(check_ins.len(), 1);
                    assert_eq!(done.count(), 2, "round {round}: {done:?}");
                    // Listed before the check-in committed: skipped, and said so.
                    for (n, why) in &done.skipped {
                        assert_eq!((n.series.id, *why), (late_series.id, NoShowSkip::CheckedIn));
                    }
                }
                CheckIn::NotDue => {
                    cancel_won += 1;
                    assert_eq!(late_series.state, SeriesState::Cancelled, "round {round}");
                    assert!(check_ins.is_empty(), "round {round}: a check-in on a cancelled reservation");
                    assert_eq!(done.count(), 3, "round {round}");
                }
                other => panic!("round {round}: {other:?}"),
            }
            for m in &missed[1..] {
                assert_eq!(app.store.series(m.id).await.unwrap().unwrap().state, SeriesState::Cancelled);
            }
            let old: Vec<PersonId> = missed.iter().map(|m| m.person).collect();
            let freed = 3 - held(&app, &old, second).await;
            assert_eq!(got_a_place, freed, "round {round}: the freed places, and no more, were booked");
            assert_eq!(in_second, 3 - freed + got_a_place, "round {round}");
            skipped += done.skipped.len();
            newcomers_booked += got_a_place;
        }
        // No person checked in was ever cancelled, over every round.
        for p in &everyone {
            for series in app.store.series_of(*p).await.unwrap() {
                if series.state == SeriesState::Cancelled {
                    assert!(app.store.check_ins(series.id).await.unwrap().is_empty(), "{series:?}");
                }
            }
        }
        let cancelled = audited(&app, "noshows.cancel").await;
        let total: usize = cancelled
            .iter()
            .map(|e| e.objects.iter().filter(|o| matches!(o, AuditObject::Series(_))).count())
            .sum();
        assert_eq!(mailed(&app, MailKind::NoShow).await.len(), total, "a mail per cancellation");
        eprintln!(
            "late check-in won {checked_in_won} (listed, then skipped: {skipped}), the batch won \
             {cancel_won}; newcomers got {newcomers_booked} freed places"
        );
    }

    async fn the_command_lists_the_no_shows_then_cancels_them_with_apply(app) {
        // A day the real clock has long passed (the command runs on it).
        let first = slot_at(&app, 1, tokyo("2020-01-10", "10:00"), 5).await;
        let second = slot_at(&app, 2, tokyo("2020-02-07", "10:00"), 5).await;
        let booking = tokyo("2020-01-01", "09:00");
        let mut numbers = Vec::new();
        for login in ["cli1", "cli2", "cli3"] {
            let p = person(&app, login).await;
            numbers.push(book(&app, p, first, second, booking).await.unwrap().number);
        }
        app.clock.set(tokyo("2020-01-10", "10:05"));
        let ops = Operations::new(app.store.clone(), app.clock.clone());
        let desk = Desk::new(&app).await;
        assert!(matches!(desk.check_in(&ops, &numbers[0]).await, CheckIn::Now(_)));

        let dir = std::env::temp_dir().join(unique("sesshu_noshows_cli"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("sesshu.toml"),
            format!("database_url = \"{}\"\n", app.database_url),
        )
        .unwrap();
        let sesshu = |args: &[&str]| {
            std::process::Command::new(env!("CARGO_BIN_EXE_sesshu"))
                .args(args)
                .current_dir(&dir)
                .env_remove("RUST_LOG")
                .env("LANG", "C")
                .output()
                .unwrap()
        };
        let venue = app.fixture.venue.to_string();
        let future = sesshu(&["noshows", "--date", "2999-01-01", "--config", "sesshu.toml"]);
        assert!(!future.status.success(), "a future day is refused");
        assert!(String::from_utf8_lossy(&future.stderr).contains("can be cancelled from"));

        let dry = sesshu(&["noshows", "--date", "2020-01-10", "--venue", &venue, "--config", "sesshu.toml"]);
        let stdout = String::from_utf8_lossy(&dry.stdout);
        assert!(dry.status.success(), "{stdout} {}", String::from_utf8_lossy(&dry.stderr));
        assert!(stdout.contains("Station Venue · uni University: 2 (dose 1: 2, dose 2: 0)"), "{stdout}");
        assert!(stdout.contains(&format!("10:00 {} dose 1", numbers[1])), "{stdout}");
        assert!(!stdout.contains(&numbers[0].to_string()), "checked in: {stdout}");
        assert!(stdout.contains("2020-01-10: 2 reservations without a check-in"), "{stdout}");
        assert!(stdout.contains("nothing changed"), "{stdout}");
        assert_eq!(state(&app, &numbers[1]).await, SeriesState::Booked);
        assert!(audited(&app, "noshows.cancel").await.is_empty());

        let applied = sesshu(&["noshows", "--date", "2020-01-10", "--apply", "--config", "sesshu.toml"]);
        let stdout = String::from_utf8_lossy(&applied.stdout);
        assert!(applied.status.success(), "{stdout} {}", String::from_utf8_lossy(&applied.stderr));
        assert!(stdout.contains("cancelled 2 in one transaction"), "{stdout}");
        assert_eq!(state(&app, &numbers[0]).await, SeriesState::Booked);
        assert_eq!(state(&app, &numbers[1]).await, SeriesState::Cancelled);
        assert_eq!(state(&app, &numbers[2]).await, SeriesState::Cancelled);
        assert_eq!(booked(&app, second).await, 1);
        let entries = audited(&app, "noshows.cancel").await;
        assert_eq!(entries.len(), 1);
        assert!(entries[0].actor.starts_with("cli:"), "{entries:?}");
        assert_eq!(entries[0].detail, "cancelled 2, skipped 0");
        assert_eq!(mailed(&app, MailKind::NoShow).await.len(), 2);

        let unknown = sesshu(&["noshows", "--date", "2020-01-10", "--venue", "9999", "--config", "sesshu.toml"]);
        assert!(!unknown.status.success());
        let _ = std::fs::remove_dir_all(&dir);
    }

    async fn the_office_page_lists_the_day_per_venue_and_institution_then_cancels_on_confirmation(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let mut numbers = Vec::new();
        for login in ["desk1", "desk2", "desk3"] {
            let (status, body) = app.student(login).await.book(first).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            numbers.push(number_of(&body));
        }
        let ops = Operations::new(app.store.clone(), app.clock.clone());
        app.clock.set(tokyo("2026-12-10", "10:05"));
        assert!(matches!(Desk::new(&app).await.check_in(&ops, &numbers[0]).await, CheckIn::Now(_)));
        app.clock.set(tokyo("2026-12-11", "09:00"));

        let mut office = crate::office_kit::TestOffice::spawn(&app).await;
        let venue_staff = office.signed_in(&app, "venue", Role::VenueStaff { venue: f.venue }).await;
        assert_eq!(venue_staff.get("/noshows").await.status, StatusCode::FORBIDDEN);
        assert!(!venue_staff.get("/checkin").await.html.contains("href=\"/noshows\""), "not in their menu");
        let operator = office.signed_in(&app, "op", Role::Operator).await;

        // Yesterday by default.
        let page = operator.get("/noshows").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        assert!(page.html.contains("href=\"/noshows\""), "in the menu");
        assert!(page.html.contains("value=\"2026-12-10\""), "yesterday");
        let text = visible_text(&page.html);
        assert!(text.contains("駅前会場 · uni大学 (2件：1回目 2、2回目 0)"), "{text}");
        for n in &numbers[1..] {
            assert!(text.contains(&n.to_string()), "{n} listed: {text}");
        }
        assert!(!text.contains(&numbers[0].to_string()), "checked in: {text}");
        assert!(page.html.contains("id=\"noshows-confirm\""));
        assert!(text.contains("この 2 件の予約を取り消し、各人にメールする"), "{text}");

        let today = operator.get("/noshows?day=2026-12-11").await;
        assert!(today.html.contains("id=\"noshows-not-yet\""), "{}", today.html);
        assert!(!today.html.contains("id=\"noshows-confirm\""));
        let bad = operator.get("/noshows?day=tomorrow").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);

        operator.get("/lang/en?back=/noshows").await;
        let english = visible_text(&operator.get(&format!("/noshows?day=2026-12-10&venue={}", f.venue)).await.html);
        assert!(english.contains("Station Venue · uni University (2: dose 1 2, dose 2 0)"), "{english}");
        assert!(english.contains("Cancel these 2 reservations and mail each person"), "{english}");

        let done = operator
            .post("/noshows", &[("day", "2026-12-10"), ("venue", &f.venue.to_string())])
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.html);
        assert!(done.html.contains("id=\"noshows-done\""), "{}", done.html);
        let text = visible_text(&done.html);
        assert!(text.contains("Cancelled 2 reservations and queued a mail to each person (0 not cancelled)"), "{text}");
        assert_eq!(state(&app, &numbers[1]).await, SeriesState::Cancelled);
        assert_eq!(state(&app, &numbers[2]).await, SeriesState::Cancelled);
        assert_eq!(state(&app, &numbers[0]).await, SeriesState::Booked);
        let entries = audited(&app, "noshows.cancel").await;
        assert_eq!(entries.len(), 1);
        assert!(entries[0].actor.starts_with("admin:"), "{entries:?}");
        assert!(entries[0].objects.contains(&AuditObject::Venue(f.venue)));

        let after = operator.get("/noshows?day=2026-12-10").await;
        assert!(after.html.contains("id=\"noshows-none\""), "{}", after.html);
    }
}
