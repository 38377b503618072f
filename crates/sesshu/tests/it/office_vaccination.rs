//! The vaccination day at the venue through the office's pages, on both
//! databases: the desk finds a reservation by its QR code's token or its
//! number and checks it in once; it warns of another day and another
//! venue; a dose goes questionnaire → decision → lot → done; a postponed
//! first dose releases the second and offers the office a rebooking; an
//! expired lot gives no dose; an unknown token is not found.

use crate::helpers::*;
use crate::office_kit::*;
use reqwest::StatusCode;
use sesshu_domain::{CheckInToken, ReservationNumber, Role, Series, SeriesId, UserType, VenueId};
use sesshu_office::i18n::JA;
use sesshu_store::{NewLot, NewVenue};

/// The first dose's day, and the time on the clock at the desk.
pub(crate) const DAY: &str = "2026-12-10";

/// Reservations of `logins` (members of `staffonly`), all with their first
/// dose on [`DAY`] at 10:00 at the fixture's venue and their second four
/// weeks later; the clock is then moved to 08:30 that morning.
pub(crate) async fn reservations(app: &TestApp, logins: &[&str]) -> Vec<Series> {
    let f = app.fixture.clone();
    let first = app.slot(1, DAY, "10:00", f.lane_a, 5).await;
    app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
    let mut all = Vec::new();
    for login in logins {
        app.member(f.staff_only, login, UserType::Staff).await;
        let person = app.client();
        person.login("staffonly", login, "secret").await;
        let (status, series) = person.book(first).await;
        assert_eq!(status, StatusCode::CREATED, "{series}");
        let number = ReservationNumber::parse(series["id"].as_str().unwrap()).unwrap();
        all.push(app.store.series_by_number(&number).await.unwrap().unwrap());
    }
    app.clock.set(tokyo(DAY, "08:30"));
    all
}

pub(crate) async fn token(app: &TestApp, series: SeriesId) -> CheckInToken {
    app.store
        .check_in_token(series)
        .await
        .unwrap()
        .expect("a booked reservation has a check-in token")
}

/// Registers a lot at the fixture's venue (as the store does, with an
/// entry), returning its id.
pub(crate) async fn lot(
    app: &TestApp,
    venue: VenueId,
    number: &str,
    expires: &str,
    doses: u32,
) -> i64 {
    let entry = sesshu_domain::AuditEntry {
        at: sesshu_domain::Clock::now(app.clock.as_ref()),
        actor: "test".into(),
        role: "test".into(),
        action: sesshu_domain::AuditAction::LotRegister,
        objects: Vec::new(),
        detail: String::new(),
        origin: "local".into(),
    };
    app.store
        .register_lot(
            &NewLot {
                venue,
                vaccine: app.fixture.vaccine,
                number: sesshu_domain::LotNumber::parse(number).unwrap(),
                expires_on: chrono::NaiveDate::parse_from_str(expires, "%Y-%m-%d").unwrap(),
                doses,
            },
            &entry,
        )
        .await
        .unwrap()
        .get()
}

fn text(answer: &Answer) -> String {
    visible_text(&answer.html)
}

/// The dose's questionnaire with every item answered no but `yes`.
fn questionnaire<'a>(temperature: &'a str, yes: &[&str]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![("temperature", temperature), ("collected", "1")];
    for concern in sesshu_domain::Concern::ALL {
        let code = concern.as_str();
        form.push((code, if yes.contains(&code) { "yes" } else { "no" }));
    }
    form
}

/// Checks `number` in at the desk of `desk`.
async fn check_in(desk: &OfficeClient, number: &str) {
    let done = desk.post(&format!("/checkin/{number}"), &[]).await;
    assert_eq!(
        done.location,
        Some(format!("/checkin/{number}?done=now")),
        "{}",
        done.html
    );
}

on_both_databases! {
    async fn the_desk_checks_in_by_token_and_by_number_once_each(app) {
        let all = reservations(&app, &["bstaff", "cstaff"]).await;
        let (scanned, typed) = (&all[0], &all[1]);
        let mut office = TestOffice::spawn(&app).await;
        let desk = office.signed_in(&app, "desk", Role::VenueStaff { venue: app.fixture.venue }).await;

        // Scanned: the token (as a handheld scanner types it, with its line end).
        let token = token(&app, scanned.id).await;
        let number = scanned.number.to_string();
        let form = desk.get("/checkin").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.html.contains("src=\"/static/checkin.js\""), "the camera's script");
        let found = desk.post("/checkin", &[("lookup", &format!("{}\r\n", token.as_str()))]).await;
        assert_eq!(found.status, StatusCode::SEE_OTHER, "{}", found.html);
        assert_eq!(found.location, Some(format!("/checkin/{number}")), "by number: no token in the URL");
        let page = desk.get(&format!("/checkin/{number}")).await;
        assert!(text(&page).contains("bstaff 例"), "who it is: {}", text(&page));
        assert!(text(&page).contains("2026-12-10 10:00"), "the reservation's time");
        assert!(!page.html.contains("role=\"alert\""), "nothing to warn of: {}", text(&page));
        assert!(page.html.contains(&format!("action=\"/checkin/{number}\"")), "the button");
        check_in(&desk, &number).await;
        let page = desk.get(&format!("/checkin/{number}?done=now")).await;
        assert!(text(&page).contains(JA.checkin_done));
        assert!(page.html.contains(&format!("href=\"/checkin/{number}/dose/1\"")), "on to the dose");

        // Scanned twice: said so, recorded once.
        let again = desk.post("/checkin", &[("lookup", token.as_str())]).await;
        assert_eq!(again.location, Some(format!("/checkin/{number}")));
        let page = desk.get(&format!("/checkin/{number}")).await;
        assert!(text(&page).contains("08:30 に受付済みです"), "{}", text(&page));
        assert!(!page.html.contains(&format!("action=\"/checkin/{number}\"")), "no button again");
        let twice = desk.post(&format!("/checkin/{number}"), &[]).await;
        assert_eq!(twice.location, Some(format!("/checkin/{number}")), "nothing changes");

        // Typed: the number, in lower case without its hyphen, twice.
        let other = typed.number.to_string();
        let heard = other.replace('-', "").to_lowercase();
        let found = desk.post("/checkin", &[("lookup", &heard)]).await;
        assert_eq!(found.location, Some(format!("/checkin/{other}")));
        assert!(text(&desk.get(&format!("/checkin/{other}")).await).contains("cstaff 例"));
        check_in(&desk, &other).await;
        let twice = desk.post(&format!("/checkin/{other}"), &[]).await;
        assert_eq!(twice.location, Some(format!("/checkin/{other}")));

        let checkins = audited(&app, "checkin").await;
        assert_eq!(checkins.len(), 2, "once each: {checkins:?}");
        let everything = app.audit_text().await;
        assert!(!everything.contains(token.as_str()), "no token in the audit trail");
        assert_eq!(app.store.check_ins(scanned.id).await.unwrap().len(), 1);
    }

    async fn an_unknown_token_or_number_answers_not_found(app) {
        let all = reservations(&app, &["bstaff"]).await;
        let mut office = TestOffice::spawn(&app).await;
        let desk = office.signed_in(&app, "desk", Role::VenueStaff { venue: app.fixture.venue }).await;
        let unknown = CheckInToken::parse("0123456789ABCDEF0123456789ABCDEF").unwrap();
        for lookup in [unknown.as_str(), "ZZZZ-ZZZZ", "not a code", ""] {
            let answer = desk.post("/checkin", &[("lookup", lookup)]).await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{lookup}: {:?}", answer.location);
            assert!(text(&answer).contains(JA.checkin_not_found), "{lookup}: {}", text(&answer));
            if !lookup.is_empty() && lookup.len() == 32 {
                assert!(!answer.html.contains(lookup), "a token is not echoed");
            }
        }
        // A cancelled reservation's token names nothing any more.
        let token = token(&app, all[0].id).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let number = all[0].number.to_string();
        let cancelled = operator
            .post(&format!("/reservations/{number}/cancel"), &[("reason", "phoned")])
            .await;
        assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
        let answer = desk.post("/checkin", &[("lookup", token.as_str())]).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        // By its number it is there, cancelled, and cannot be checked in.
        let page = desk.get(&format!("/checkin/{number}")).await;
        assert!(text(&page).contains(JA.warn_cancelled), "{}", text(&page));
        assert!(!page.html.contains(&format!("action=\"/checkin/{number}\"")));
        assert!(audited(&app, "checkin").await.is_empty());
    }

    async fn another_day_and_another_venue_are_warned_of(app) {
        let all = reservations(&app, &["bstaff"]).await;
        let number = all[0].number.to_string();
        let token = token(&app, all[0].id).await;
        let gym = app
            .store
            .insert_venue(&NewVenue { name_ja: "体育館".into(), name_en: "Gym".into() })
            .await
            .unwrap();
        let mut office = TestOffice::spawn(&app).await;
        let desk = office.signed_in(&app, "desk", Role::VenueStaff { venue: app.fixture.venue }).await;
        let elsewhere = office.signed_in(&app, "gym", Role::VenueStaff { venue: gym }).await;

        // The day before: the right day is named, no name, no button.
        app.clock.set(tokyo("2026-12-09", "09:00"));
        let found = desk.post("/checkin", &[("lookup", token.as_str())]).await;
        assert_eq!(found.location, Some(format!("/checkin/{number}")));
        let page = desk.get(&format!("/checkin/{number}")).await;
        assert!(page.html.contains("class=\"alarm\" role=\"alert\""));
        assert!(text(&page).contains(&JA.warn_wrong_day(chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap())),
            "{}", text(&page));
        assert!(text(&page).contains("2026-12-10（木）"));
        assert!(!text(&page).contains("bstaff 例"));
        assert!(!page.html.contains(&format!("action=\"/checkin/{number}\"")));
        assert_eq!(
            desk.post(&format!("/checkin/{number}"), &[]).await.location,
            Some(format!("/checkin/{number}")),
            "not checked in"
        );

        // The right day at the wrong venue: the token shows it with the
        // right venue's name; its number names nothing there.
        app.clock.set(tokyo(DAY, "09:00"));
        let found = elsewhere.post("/checkin", &[("lookup", token.as_str())]).await;
        assert_eq!(found.status, StatusCode::OK, "shown from the lookup: {:?}", found.location);
        assert!(text(&found).contains(&JA.warn_wrong_venue("駅前会場")), "{}", text(&found));
        assert!(!text(&found).contains("bstaff 例"), "no name at another venue");
        assert!(!found.html.contains(&format!("action=\"/checkin/{number}\"")));
        let by_number = elsewhere.post("/checkin", &[("lookup", &number)]).await;
        assert_eq!(by_number.status, StatusCode::NOT_FOUND);
        assert_eq!(elsewhere.get(&format!("/checkin/{number}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            elsewhere.post(&format!("/checkin/{number}"), &[]).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(audited(&app, "checkin").await.is_empty(), "nothing checked in");
        let views = audited(&app, "personal.view").await;
        assert!(views.is_empty(), "no name opened: {views:?}");
    }

    async fn a_dose_goes_questionnaire_decision_lot_done(app) {
        let all = reservations(&app, &["bstaff"]).await;
        let number = all[0].number.to_string();
        let f = app.fixture.clone();
        let mut office = TestOffice::spawn(&app).await;
        let desk = office.signed_in(&app, "desk", Role::VenueStaff { venue: f.venue }).await;
        let dose = format!("/checkin/{number}/dose/1");

        // The venue's lot register.
        let lots = desk.get("/lots").await;
        assert_eq!(lots.status, StatusCode::OK);
        assert!(text(&lots).contains(JA.lots_none));
        let vaccine = f.vaccine.to_string();
        let venue = f.venue.to_string();
        let registered = desk
            .post("/lots", &[("venue", &venue), ("number", "ab-1234"), ("vaccine", &vaccine),
                ("expires_on", "2027-03-31"), ("doses", "10")])
            .await;
        assert_eq!(registered.location, Some(format!("/lots?venue={venue}&done=registered")));
        let twice = desk
            .post("/lots", &[("venue", &venue), ("number", "AB-1234"), ("vaccine", &vaccine),
                ("expires_on", "2027-03-31"), ("doses", "10")])
            .await;
        assert_eq!(twice.location, Some(format!("/lots?venue={venue}&error=duplicate_lot")));
        let bad = desk
            .post("/lots", &[("venue", &venue), ("number", "ロット"), ("vaccine", &vaccine),
                ("expires_on", "2027-03-31"), ("doses", "10")])
            .await;
        assert_eq!(bad.location, Some(format!("/lots?venue={venue}&error=lot_number")));
        let lot = app.store.lots(f.venue).await.unwrap()[0].clone();
        assert_eq!((lot.number.as_str(), lot.doses, lot.used), ("AB-1234", 10, 0));

        // Before the check-in nothing can be recorded.
        let early = desk.post(&format!("{dose}/questionnaire"), &questionnaire("36.5", &[])).await;
        assert_eq!(early.location, Some(format!("{dose}?error=not_checked_in")));
        check_in(&desk, &number).await;

        // The questionnaire: every item answered, collected; a fever and an
        // allergy send it to the doctor.
        let page = desk.get(&dose).await;
        assert!(page.html.contains("id=\"questionnaire\""), "{}", text(&page));
        let mut unanswered = questionnaire("37.8", &["severe_allergy"]);
        unanswered.retain(|(name, _)| *name != "pregnant");
        let refused = desk.post(&format!("{dose}/questionnaire"), &unanswered).await;
        assert_eq!(refused.location, Some(format!("{dose}?error=answers")));
        let refused = desk.post(&format!("{dose}/questionnaire"), &questionnaire("hot", &[])).await;
        assert_eq!(refused.location, Some(format!("{dose}?error=temperature")));
        assert!(text(&desk.get(&format!("{dose}?error=temperature")).await).contains(JA.error_temperature));
        let recorded = desk
            .post(&format!("{dose}/questionnaire"), &questionnaire("37.8", &["severe_allergy"]))
            .await;
        assert_eq!(recorded.location, Some(format!("{dose}?done=questionnaire")));

        // The decision, with the answers opened for the doctor (audited).
        let page = desk.get(&format!("{dose}?done=questionnaire")).await;
        let shown = text(&page);
        assert!(shown.contains(JA.done_questionnaire));
        assert!(shown.contains(JA.q_for_doctor), "{shown}");
        assert!(shown.contains("37.8") && shown.contains(JA.concern_severe_allergy), "{shown}");
        assert!(page.html.contains("id=\"decision\""));
        let views = audited(&app, "personal.view").await;
        assert!(views.iter().any(|v| v.detail == "dose 1: questionnaire"), "{views:?}");
        let vaccinate = desk.post(&format!("{dose}/decision"), &[("decision", "vaccinate")]).await;
        assert_eq!(vaccinate.location, Some(format!("{dose}?done=decision")));
        let again = desk.post(&format!("{dose}/decision"), &[("decision", "refused")]).await;
        assert_eq!(again.location, Some(format!("{dose}?error=already_decided")));

        // The vaccination from the venue's lot, its time defaulting to now.
        let page = desk.get(&dose).await;
        assert!(page.html.contains("id=\"vaccination\""));
        assert!(page.html.contains("value=\"2026-12-10T08:30\""), "now in Tokyo");
        assert!(page.html.contains(&format!("<option value=\"{}\" selected>AB-1234", lot.id)), "{}", page.html);
        let lot_id = lot.id.to_string();
        let nobody = desk
            .post(&format!("{dose}/vaccination"), &[("at", "2026-12-10T08:40"), ("lot", &lot_id),
                ("given_by", " "), ("site", "left_arm")])
            .await;
        assert_eq!(nobody.location, Some(format!("{dose}?error=given_by_missing")));
        let given = desk
            .post(&format!("{dose}/vaccination"), &[("at", "2026-12-10T08:40"), ("lot", &lot_id),
                ("given_by", "Dr Sato"), ("site", "left_arm")])
            .await;
        assert_eq!(given.location, Some(format!("{dose}?done=vaccination")));
        let page = desk.get(&dose).await;
        let shown = text(&page);
        assert!(shown.contains(JA.done_all), "{shown}");
        assert!(shown.contains("2026-12-10 08:40") && shown.contains("AB-1234") && shown.contains("左腕"), "{shown}");
        assert_eq!(app.store.lot(lot.id).await.unwrap().unwrap().used, 1);
        let lots = text(&desk.get("/lots").await);
        assert!(lots.contains("AB-1234 モデルナ 2027-03-31 10 1 9"), "{lots}");

        // A correction needs its reason; the arm was the right one.
        let no_reason = desk
            .post(&format!("{dose}/correction"), &[("decision", "vaccinate"), ("lot", &lot_id),
                ("at", "2026-12-10T08:40"), ("given_by", "Dr Sato"), ("site", "right_arm"), ("reason", "")])
            .await;
        assert_eq!(no_reason.location, Some(format!("{dose}?error=reason")));
        let corrected = desk
            .post(&format!("{dose}/correction"), &[("decision", "vaccinate"), ("lot", &lot_id),
                ("at", "2026-12-10T08:40"), ("given_by", "Dr Sato"), ("site", "right_arm"),
                ("reason", "wrong arm typed")])
            .await;
        assert_eq!(corrected.location, Some(format!("{dose}?done=correction")));
        assert!(text(&desk.get(&dose).await).contains("右腕"));
        assert_eq!(app.store.lot(lot.id).await.unwrap().unwrap().used, 1, "the same lot's dose");

        // The desk's page of the visit now says the dose was given.
        let page = desk.get(&format!("/checkin/{number}")).await;
        assert!(text(&page).contains(JA.step_done), "{}", text(&page));

        for (action, n) in [("lot.register", 1), ("dose.questionnaire", 1), ("dose.decision", 1),
            ("dose.vaccinate", 1), ("dose.correct", 1)] {
            assert_eq!(audited(&app, action).await.len(), n, "{action}");
        }
        let correction = &audited(&app, "dose.correct").await[0];
        assert!(correction.detail.contains("left_arm") && correction.detail.contains("right_arm"), "{correction:?}");
        // What the entries say (not their hashes, whose hex digits may
        // hold any three digits by chance).
        let everything: String = app
            .store
            .audit_records(0, 10_000)
            .await
            .unwrap()
            .iter()
            .map(|r| format!("{} {:?} {}\n", r.entry.action.code(), r.entry.objects, r.entry.detail))
            .collect();
        for personal in ["37.8", "378", "severe_allergy", "bstaff"] {
            assert!(!everything.contains(personal), "{personal} in the audit trail");
        }
    }

    async fn a_postponed_first_dose_releases_the_second_and_offers_a_rebooking(app) {
        let all = reservations(&app, &["bstaff"]).await;
        let series = &all[0];
        let number = series.number.to_string();
        let second = series.doses[1].slot;
        assert_eq!(app.store.slot(second).await.unwrap().unwrap().booked, 1);
        let mut office = TestOffice::spawn(&app).await;
        let desk = office.signed_in(&app, "desk", Role::VenueStaff { venue: app.fixture.venue }).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let dose = format!("/checkin/{number}/dose/1");
        check_in(&desk, &number).await;
        desk.post(&format!("{dose}/questionnaire"), &questionnaire("38.2", &["unwell_today"])).await;

        let no_reason = desk.post(&format!("{dose}/decision"), &[("decision", "postpone"), ("reason", " ")]).await;
        assert_eq!(no_reason.location, Some(format!("{dose}?error=reason_missing")));
        assert!(text(&desk.get(&format!("{dose}?error=reason_missing")).await).contains(JA.refused_reason_missing));
        let postponed = desk
            .post(&format!("{dose}/decision"), &[("decision", "postpone"), ("reason", "fever: after a week")])
            .await;
        assert_eq!(postponed.location, Some(format!("{dose}?done=decision")));

        let after = app.store.series(series.id).await.unwrap().unwrap();
        assert!(!after.is_active(), "the reservation is cancelled");
        assert_eq!(app.store.slot(second).await.unwrap().unwrap().booked, 0, "the second dose is released");
        let jobs = app
            .store
            .mail_jobs(&sesshu_store::MailQuery { series: Some(series.id), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert!(jobs.iter().any(|j| j.kind == sesshu_domain::MailKind::Postponed), "{jobs:?}");

        // The venue is told; the office gets the way to book again.
        let page = desk.get(&dose).await;
        assert!(text(&page).contains(JA.postponed_first), "{}", text(&page));
        assert!(!page.html.contains("/reservations/book"), "venue staff do not book");
        let page = operator.get(&dose).await;
        let rebook = format!("href=\"/reservations/book?institution={}\"", app.fixture.staff_only);
        assert!(page.html.contains(&rebook), "{}", page.html);
        let staff_only = app.fixture.staff_only.to_string();
        let book = operator
            .post("/reservations/book/find", &[("institution", staff_only.as_str()), ("member", "bstaff")])
            .await;
        assert_eq!(book.status, StatusCode::OK);
        assert!(!book.html.contains(JA.book_has_reservation), "no active reservation holds them");
        // Nothing more is recorded for a cancelled reservation.
        let refused = desk.post(&format!("{dose}/vaccination"), &[("at", "2026-12-10T08:40"),
            ("lot", "1"), ("given_by", "Dr Sato"), ("site", "left_arm")]).await;
        assert!(refused.location.unwrap().contains("error="));
        let decisions = audited(&app, "dose.decision").await;
        assert_eq!(decisions.len(), 1);
        assert_eq!(decisions[0].detail, "dose 1: postpone");
        assert!(!format!("{:?}", app.store.audit_records(0, 10_000).await.unwrap()).contains("fever"));
    }

    async fn an_expired_lot_gives_no_dose(app) {
        let f = app.fixture.clone();
        // A lot registered last week, expired before the day.
        let old = lot(&app, f.venue, "OLD-1", "2026-12-05", 10).await;
        let all = reservations(&app, &["bstaff"]).await;
        let number = all[0].number.to_string();
        let mut office = TestOffice::spawn(&app).await;
        let desk = office.signed_in(&app, "desk", Role::VenueStaff { venue: f.venue }).await;
        let dose = format!("/checkin/{number}/dose/1");

        // Registering one already expired is refused on the form.
        let venue = f.venue.to_string();
        let vaccine = f.vaccine.to_string();
        let expired = desk
            .post("/lots", &[("venue", &venue), ("number", "GONE-2"), ("vaccine", &vaccine),
                ("expires_on", "2026-12-09"), ("doses", "5")])
            .await;
        assert_eq!(expired.location, Some(format!("/lots?venue={venue}&error=lot_expired")));
        let lots = desk.get(&format!("/lots?venue={venue}&error=lot_expired")).await;
        assert!(text(&lots).contains(JA.refused_lot_expired));
        assert!(text(&lots).contains(&format!("OLD-1 モデルナ 2026-12-05 10 0 10 {}", JA.lot_expired)), "{}", text(&lots));
        assert!(!text(&lots).contains("GONE-2"));

        check_in(&desk, &number).await;
        desk.post(&format!("{dose}/questionnaire"), &questionnaire("36.4", &[])).await;
        let page = desk.get(&dose).await;
        assert!(text(&page).contains(JA.q_no_concern));
        desk.post(&format!("{dose}/decision"), &[("decision", "vaccinate")]).await;
        let page = desk.get(&dose).await;
        assert!(text(&page).contains(JA.v_no_lots), "the expired lot is not offered: {}", text(&page));
        let form = page.html.split("id=\"vaccination\"").nth(1).unwrap().split("</form>").next().unwrap();
        assert!(!form.contains(&format!("<option value=\"{old}\"")), "{form}");
        let refused = desk
            .post(&format!("{dose}/vaccination"), &[("at", "2026-12-10T08:40"), ("lot", &old.to_string()),
                ("given_by", "Dr Sato"), ("site", "left_arm")])
            .await;
        assert_eq!(refused.location, Some(format!("{dose}?error=lot_expired")));
        assert!(text(&desk.get(&format!("{dose}?error=lot_expired")).await).contains(JA.refused_lot_expired));
        let old = sesshu_domain::LotId::new(old);
        assert_eq!(app.store.lot(old).await.unwrap().unwrap().used, 0);
        assert!(audited(&app, "dose.vaccinate").await.is_empty());
    }
}
