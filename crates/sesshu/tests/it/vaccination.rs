//! The vaccination day's operations on both databases: check-in by the QR
//! code's token and by number, the questionnaire, the doctor's decision and
//! its consequences, the lot register, the vaccination and corrections, and
//! two tables racing for a lot's last dose.

use crate::helpers::*;
use sesshu_domain::{
    AdminId, Concern, Decision, DoseNumber, DoseRefusal, LotId, LotNumber, LotRefusal, MailKind,
    Questionnaire, ReservationNumber, Role, SeriesState, Site, SlotId, Temperature, VenueId,
};
use sesshu_operations::checkin::{self, CheckIn, Lookup, Warning};
use sesshu_operations::reservations::Reason;
use sesshu_operations::vaccination::{self, Given, Target};
use sesshu_operations::vouchers::{self, Entered, Typed};
use sesshu_operations::{Actor, OperationError, Operations};
use sesshu_store::{Collected, MailQuery, NewLot, ReminderPlan, StoreError};
use sesshu_vault_open::Keyring;

/// A venue's day: the first doses at 10:00 on 10 December, the second
/// doses four weeks later; the clock on the morning of the first day.
pub(crate) struct Day {
    pub ops: Operations,
    pub keys: Keyring,
    pub desk: Actor,
    pub by: AdminId,
    pub venue: VenueId,
    pub first: SlotId,
    pub second: SlotId,
}

impl Day {
    pub(crate) async fn new(app: &TestApp) -> Day {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 10).await;
        let second = app.slot(2, "2027-01-07", "10:00", f.lane_a, 10).await;
        let role = Role::VenueStaff { venue: f.venue };
        let by = app.admin_account(role).await;
        Day {
            ops: Operations::new(app.store.clone(), app.clock.clone()),
            keys: Keyring::new([app.vault.clone()]),
            desk: Actor {
                name: format!("admin:{by}"),
                role,
                origin: "127.0.0.1".into(),
            },
            by,
            venue: f.venue,
            first,
            second,
        }
    }

    /// A new student's two-dose reservation, and the clock on its first
    /// day.
    pub(crate) async fn booked(&self, app: &TestApp) -> ReservationNumber {
        app.clock.set(start_of_tests());
        let (status, body) = app
            .student(&unique("vaccinee"))
            .await
            .book(self.first)
            .await;
        assert!(status.is_success(), "{status} {body}");
        app.clock.set(tokyo("2026-12-10", "09:30"));
        ReservationNumber::parse(body["id"].as_str().unwrap()).unwrap()
    }

    /// `number` checked in (by its number) and at the doctor's table.
    pub(crate) async fn checked_in(&self, app: &TestApp) -> Target {
        let number = self.booked(app).await;
        let lookup = Lookup::Number(number.clone());
        let done = checkin::check_in(&self.ops, &self.desk, self.by, &lookup)
            .await
            .unwrap();
        assert!(matches!(done, CheckIn::Now(_)), "{done:?}");
        self.target(&number, DoseNumber::FIRST).await
    }

    pub(crate) async fn target(&self, number: &ReservationNumber, dose: DoseNumber) -> Target {
        vaccination::target(&self.ops, &self.desk, number, dose)
            .await
            .unwrap()
    }

    pub(crate) async fn questionnaire(&self, target: &Target, temperature: &str) {
        let answers = Questionnaire {
            temperature: Temperature::parse(temperature).unwrap(),
            concerns: [Concern::SevereAllergy].into(),
        };
        vaccination::questionnaire(&self.ops, &self.keys, &self.desk, self.by, target, &answers)
            .await
            .unwrap();
    }

    pub(crate) async fn lot(
        &self,
        app: &TestApp,
        number: &str,
        expires: &str,
        doses: u32,
    ) -> LotId {
        vaccination::register_lot(
            &self.ops,
            &self.desk,
            NewLot {
                venue: self.venue,
                vaccine: app.fixture.vaccine,
                number: LotNumber::parse(number).unwrap(),
                expires_on: chrono::NaiveDate::parse_from_str(expires, "%Y-%m-%d").unwrap(),
                doses,
            },
        )
        .await
        .unwrap()
    }

    pub(crate) fn given(&self, lot: LotId) -> Given {
        Given {
            at: tokyo("2026-12-10", "10:05"),
            lot,
            given_by: "Dr Sato".into(),
            site: Site::LeftArm,
        }
    }
}

fn refusal<T: std::fmt::Debug>(outcome: Result<T, OperationError>) -> DoseRefusal {
    match outcome {
        Err(OperationError::Store(StoreError::DoseRefused(r))) => r,
        other => panic!("not refused: {other:?}"),
    }
}

async fn mails_of_kind(app: &TestApp, kind: MailKind) -> usize {
    app.store
        .mail_jobs(&MailQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .iter()
        .filter(|j| j.kind == kind)
        .count()
}

on_both_databases! {
    async fn the_qr_token_checks_its_person_in_once_and_a_change_makes_it_stale(app) {
        let day = Day::new(&app).await;
        let number = day.booked(&app).await;
        let series = app.store.series_by_number(&number).await.unwrap().unwrap();
        let token = app.store.check_in_token(series.id).await.unwrap().expect("a token");
        assert_ne!(token.as_str(), number.compact(), "not the number");

        let scanned = Lookup::parse(&format!("{}\r\n", token.as_str().to_lowercase())).unwrap();
        let desk = checkin::desk(&day.ops, &day.keys, &day.desk, &scanned).await.unwrap();
        assert_eq!(desk.series.id, series.id);
        assert!(desk.warnings.is_empty(), "{:?}", desk.warnings);
        assert!(desk.opened.is_some(), "the names, to ask who is there");
        let first = checkin::check_in(&day.ops, &day.desk, day.by, &scanned).await.unwrap();
        let CheckIn::Now(at) = first else { panic!("{first:?}") };
        let again = checkin::check_in(&day.ops, &day.desk, day.by, &scanned).await.unwrap();
        assert_eq!(again, CheckIn::Before(at), "scanning twice records once");
        assert_eq!(app.store.check_ins(series.id).await.unwrap().len(), 1);

        // Cancelled: the old code finds no one.
        let operator = Actor { name: "admin:0".into(), role: Role::Operator, origin: "local".into() };
        sesshu_operations::reservations::cancel(
            &day.ops, &operator, &number, &Reason::parse("test").unwrap(),
        )
        .await
        .unwrap();
        assert!(app.store.check_in_token(series.id).await.unwrap().is_none());
        let stale = checkin::desk(&day.ops, &day.keys, &day.desk, &scanned).await;
        assert!(matches!(stale, Err(OperationError::NotFound)), "{stale:?}");
    }

    async fn the_desk_warns_of_another_day_and_another_venue_and_checks_neither_in(app) {
        let day = Day::new(&app).await;
        let number = day.booked(&app).await;
        let series = app.store.series_by_number(&number).await.unwrap().unwrap();
        let token = app.store.check_in_token(series.id).await.unwrap().unwrap();
        app.clock.set(tokyo("2026-12-09", "10:00"));
        let lookup = Lookup::Token(token.clone());
        let desk = checkin::desk(&day.ops, &day.keys, &day.desk, &lookup).await.unwrap();
        assert_eq!(
            desk.warnings,
            vec![Warning::WrongDay(chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap())]
        );
        assert!(desk.opened.is_none(), "no names where the dose is not due");
        assert_eq!(
            checkin::check_in(&day.ops, &day.desk, day.by, &lookup).await.unwrap(),
            CheckIn::NotDue
        );

        app.clock.set(tokyo("2026-12-10", "10:00"));
        let elsewhere = Actor {
            role: Role::VenueStaff { venue: VenueId::new(day.venue.get() + 100) },
            ..day.desk.clone()
        };
        let desk = checkin::desk(&day.ops, &day.keys, &elsewhere, &lookup).await.unwrap();
        assert_eq!(desk.warnings, vec![Warning::WrongVenue(day.venue)]);
        assert_eq!(
            checkin::check_in(&day.ops, &elsewhere, day.by, &lookup).await.unwrap(),
            CheckIn::NotDue
        );
        let typed = checkin::desk(&day.ops, &day.keys, &elsewhere, &Lookup::Number(number)).await;
        assert!(matches!(typed, Err(OperationError::NotFound)), "numbers are not browsed elsewhere");
        assert!(app.store.check_ins(series.id).await.unwrap().is_empty());
    }

    async fn a_dose_goes_questionnaire_decision_vaccination_and_takes_one_dose_of_its_lot(app) {
        let day = Day::new(&app).await;
        let target = day.checked_in(&app).await;
        let lot = day.lot(&app, "ab-1234", "2027-03-31", 5).await;

        let early = vaccination::decide(
            &day.ops, &day.keys, &day.desk, day.by, &target, Decision::Vaccinate, None,
        )
        .await;
        assert_eq!(refusal(early), DoseRefusal::NoQuestionnaire);
        let early = vaccination::vaccinate(&day.ops, &day.desk, day.by, &target, day.given(lot)).await;
        assert_eq!(refusal(early), DoseRefusal::NoQuestionnaire);

        day.questionnaire(&target, "36.4").await;
        let answers = vaccination::answers(&day.ops, &day.keys, &day.desk, &target)
            .await
            .unwrap()
            .expect("sealed answers open in the office");
        assert_eq!(answers.temperature.to_string(), "36.4");
        assert!(answers.needs_doctor(), "an allergy is for the doctor");
        vaccination::decide(&day.ops, &day.keys, &day.desk, day.by, &target, Decision::Vaccinate, None)
            .await
            .unwrap();
        let record = vaccination::vaccinate(&day.ops, &day.desk, day.by, &target, day.given(lot))
            .await
            .unwrap();
        assert_eq!(record.vaccinated.as_ref().map(|v| v.lot), Some(lot));
        assert_eq!(app.store.lot(lot).await.unwrap().unwrap().used, 1);
        let twice = vaccination::vaccinate(&day.ops, &day.desk, day.by, &target, day.given(lot)).await;
        assert_eq!(refusal(twice), DoseRefusal::AlreadyVaccinated);

        // The wrong lot was written down: corrected, the counts follow.
        let right = day.lot(&app, "CD-5678", "2027-03-31", 5).await;
        vaccination::correct(
            &day.ops, &day.desk, day.by, &target, Some(Decision::Vaccinate),
            Some(Given { lot: right, ..day.given(right) }), &Reason::parse("wrong lot").unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(app.store.lot(lot).await.unwrap().unwrap().used, 0);
        assert_eq!(app.store.lot(right).await.unwrap().unwrap().used, 1);

        let trail = app.store.audit_latest(None, 50).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|r| r.entry.action.code()).collect();
        for action in ["dose.questionnaire", "dose.decision", "dose.vaccinate", "dose.correct", "lot.register"] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
        for record in &trail {
            assert!(!record.entry.detail.contains("36.4"), "{}", record.entry.detail);
            assert!(!record.entry.detail.contains("allergy"), "{}", record.entry.detail);
        }
        let corrected = trail.iter().find(|r| r.entry.action.code() == "dose.correct").unwrap();
        assert!(corrected.entry.detail.contains(&format!("lot:{lot}")), "{}", corrected.entry.detail);
        assert!(corrected.entry.detail.contains("wrong lot"), "{}", corrected.entry.detail);
    }

    async fn an_expired_lot_is_refused_at_the_register_and_at_the_table(app) {
        let day = Day::new(&app).await;
        let target = day.checked_in(&app).await;
        let expired = vaccination::register_lot(
            &day.ops,
            &day.desk,
            NewLot {
                venue: day.venue,
                vaccine: app.fixture.vaccine,
                number: LotNumber::parse("OLD-1").unwrap(),
                expires_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 9).unwrap(),
                doses: 5,
            },
        )
        .await;
        assert_eq!(refusal(expired), DoseRefusal::Lot(LotRefusal::Expired));
        let lot = day.lot(&app, "LAST-DAY", "2026-12-10", 5).await;
        let duplicate = vaccination::register_lot(
            &day.ops,
            &day.desk,
            NewLot {
                venue: day.venue,
                vaccine: app.fixture.vaccine,
                number: LotNumber::parse("last-day").unwrap(),
                expires_on: chrono::NaiveDate::from_ymd_opt(2027, 1, 9).unwrap(),
                doses: 5,
            },
        )
        .await;
        assert_eq!(refusal(duplicate), DoseRefusal::DuplicateLot);

        day.questionnaire(&target, "36.5").await;
        vaccination::decide(&day.ops, &day.keys, &day.desk, day.by, &target, Decision::Vaccinate, None)
            .await
            .unwrap();
        let next_day = Given { at: tokyo("2026-12-11", "10:00"), ..day.given(lot) };
        let late = vaccination::vaccinate(&day.ops, &day.desk, day.by, &target, next_day).await;
        assert_eq!(refusal(late), DoseRefusal::Lot(LotRefusal::Expired));
        vaccination::vaccinate(&day.ops, &day.desk, day.by, &target, day.given(lot))
            .await
            .unwrap();
        let usable = vaccination::usable_lots(
            &day.ops, &day.desk, day.venue, app.fixture.vaccine,
            chrono::NaiveDate::from_ymd_opt(2026, 12, 11).unwrap(),
        )
        .await
        .unwrap();
        assert!(usable.is_empty(), "{usable:?}");
    }

    async fn a_postponed_first_dose_releases_the_second_and_mails_the_person(app) {
        let day = Day::new(&app).await;
        let target = day.checked_in(&app).await;
        day.questionnaire(&target, "38.2").await;
        let no_reason = vaccination::decide(
            &day.ops, &day.keys, &day.desk, day.by, &target, Decision::Postpone, Some("  "),
        )
        .await;
        assert_eq!(refusal(no_reason), DoseRefusal::ReasonMissing);
        assert_eq!(app.free(day.second).await, 9);
        let record = vaccination::decide(
            &day.ops, &day.keys, &day.desk, day.by, &target, Decision::Postpone, Some("fever 38.2"),
        )
        .await
        .unwrap();
        assert_eq!(record.decision.map(|(d, _)| d), Some(Decision::Postpone));
        let series = app.store.series(target.found.series.id).await.unwrap().unwrap();
        assert_eq!(series.state, SeriesState::Cancelled);
        assert_eq!(app.free(day.second).await, 10, "the second dose's place is free again");
        assert_eq!(mails_of_kind(&app, MailKind::Postponed).await, 1);
        let trail = app.store.audit_latest(None, 20).await.unwrap();
        assert!(trail.iter().all(|r| !r.entry.detail.contains("fever")), "the reason is sealed");
    }

    async fn a_dose_not_given_ends_the_series(app) {
        let day = Day::new(&app).await;
        let target = day.checked_in(&app).await;
        day.questionnaire(&target, "36.5").await;
        vaccination::decide(
            &day.ops, &day.keys, &day.desk, day.by, &target, Decision::Contraindicated, None,
        )
        .await
        .unwrap();
        let series = app.store.series(target.found.series.id).await.unwrap().unwrap();
        assert_eq!(series.state, SeriesState::Cancelled);
        assert_eq!(app.free(day.second).await, 10);
        assert_eq!(mails_of_kind(&app, MailKind::NotVaccinated).await, 1);
        let again = vaccination::decide(
            &day.ops, &day.keys, &day.desk, day.by, &target, Decision::Vaccinate, None,
        )
        .await;
        assert_eq!(refusal(again), DoseRefusal::NotActive);
    }

    async fn two_tables_racing_for_the_last_dose_of_a_lot_give_it_once(app) {
        let day = Day::new(&app).await;
        let lot = day.lot(&app, "LAST", "2027-03-31", 1).await;
        let mut targets = Vec::new();
        for _ in 0..4 {
            let target = day.checked_in(&app).await;
            day.questionnaire(&target, "36.5").await;
            vaccination::decide(&day.ops, &day.keys, &day.desk, day.by, &target, Decision::Vaccinate, None)
                .await
                .unwrap();
            targets.push(target);
        }
        let results = futures::future::join_all(targets.iter().map(|t| {
            vaccination::vaccinate(&day.ops, &day.desk, day.by, t, day.given(lot))
        }))
        .await;
        let given = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(given, 1, "{results:?}");
        for r in results.into_iter().filter(Result::is_err) {
            assert_eq!(refusal(r), DoseRefusal::Lot(LotRefusal::Empty));
        }
        assert_eq!(app.store.lot(lot).await.unwrap().unwrap().used, 1);
    }

    async fn a_voucher_is_entered_collected_once_and_missing_ones_are_reminded(app) {
        let day = Day::new(&app).await;
        let target = day.checked_in(&app).await;
        let lot = day.lot(&app, "V-1", "2027-03-31", 5).await;
        day.questionnaire(&target, "36.5").await;
        vaccination::decide(&day.ops, &day.keys, &day.desk, day.by, &target, Decision::Vaccinate, None)
            .await
            .unwrap();
        vaccination::vaccinate(&day.ops, &day.desk, day.by, &target, day.given(lot)).await.unwrap();

        let operator = Actor { name: "admin:0".into(), role: Role::Operator, origin: "local".into() };
        app.clock.set(tokyo("2026-12-10", "12:00"));
        let missing = vouchers::missing(&day.ops, &operator, None, 0).await.unwrap();
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert!(!missing[0].given);

        // Three days on, the first reminder; the same run again queues none.
        let plan = ReminderPlan { first_after_days: 3, every_days: 7, max: 2 };
        let lang = sesshu_domain::Language::Ja;
        app.clock.set(tokyo("2026-12-12", "10:00"));
        assert_eq!(app.store.queue_voucher_reminders(plan, lang, tokyo("2026-12-12", "10:00")).await.unwrap(), 0, "not yet");
        assert_eq!(app.store.queue_voucher_reminders(plan, lang, tokyo("2026-12-13", "10:10")).await.unwrap(), 1);
        assert_eq!(app.store.queue_voucher_reminders(plan, lang, tokyo("2026-12-13", "10:20")).await.unwrap(), 0);
        assert_eq!(app.store.queue_voucher_reminders(plan, lang, tokyo("2026-12-20", "10:10")).await.unwrap(), 1);
        assert_eq!(app.store.queue_voucher_reminders(plan, lang, tokyo("2027-01-20", "10:10")).await.unwrap(), 0, "at most twice");
        assert_eq!(mails_of_kind(&app, MailKind::VoucherReminder).await, 2);

        let bad = vouchers::enter(&day.ops, &day.keys, &day.desk, &target, Typed::Line("1 1 041008 0123456789"))
            .await
            .unwrap();
        assert!(matches!(bad, Entered::Invalid(sesshu_domain::VoucherError::CheckDigit)), "{bad:?}");
        let good = vouchers::enter(&day.ops, &day.keys, &day.desk, &target, Typed::Parts { municipality: "041009", number: "0123456789" })
            .await
            .unwrap();
        assert!(matches!(good, Entered::Done), "{good:?}");
        assert!(matches!(vouchers::collect(&day.ops, &day.desk, day.by, &target).await.unwrap(), Collected::Now(_)));
        assert!(matches!(vouchers::collect(&day.ops, &day.desk, day.by, &target).await.unwrap(), Collected::Before(_)));
        assert!(vouchers::missing(&day.ops, &operator, None, 0).await.unwrap().is_empty());
        let replaced = vouchers::enter(&day.ops, &day.keys, &day.desk, &target, Typed::Line("110410090123456789"))
            .await
            .unwrap();
        assert!(matches!(replaced, Entered::Collected), "a collected voucher stays");
        let sealed = app
            .store
            .dose_data(target.found.series.id, DoseNumber::FIRST, sesshu_store::Field::Voucher)
            .await
            .unwrap()
            .expect("sealed");
        assert!(!String::from_utf8_lossy(&sealed.blob).contains("0123456789"));
        for record in app.store.audit_latest(None, 50).await.unwrap() {
            assert!(!record.entry.detail.contains("0123456789"), "{}", record.entry.detail);
        }
    }

    async fn a_key_rotation_reseals_the_doses_values_too(app) {
        let day = Day::new(&app).await;
        let target = day.checked_in(&app).await;
        day.questionnaire(&target, "37.9").await;
        let new = sesshu_vault_open::OpeningKey::generate();
        let done = sesshu::keys::rotate(&app.store, &app.vault, new.sealing_key(), start_of_tests(), |_| {})
            .await
            .unwrap();
        assert!(done.resealed >= 1, "{done:?}");
        let sealed = app
            .store
            .dose_data(target.found.series.id, DoseNumber::FIRST, sesshu_store::Field::Questionnaire)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&sealed.key_id, new.id());
        let answers = vaccination::answers(&day.ops, &Keyring::new([new.clone()]), &day.desk, &target)
            .await
            .unwrap()
            .expect("opens with the new key");
        assert_eq!(answers.temperature.to_string(), "37.9");
        let again = sesshu::keys::rotate(&app.store, &app.vault, new.sealing_key(), start_of_tests(), |_| {})
            .await
            .unwrap();
        assert_eq!(again.resealed, 0, "idempotent");
    }
}
