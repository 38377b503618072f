//! Vouchers (接種券) through the office and the mail, on both databases: at
//! the desk a dose's voucher is entered (a bad one is answered with what is
//! wrong, in Japanese and English, and nothing typed is shown again) and
//! collected once; the list of vaccinations whose voucher is missing, per
//! institution and within each role's scope, names opened with one audit
//! entry, and its CSV; and the reminder mails through the real SMTP test
//! server: after the configured days, at most the configured number, and
//! none for a voucher collected before its reminder went out.

use crate::helpers::*;
use crate::mail::{MESSAGE_DOMAIN, smtp_to};
use crate::office_kit::*;
use crate::office_vaccination::{DAY, lot};
use crate::smtp_kit::SmtpServer;
use reqwest::StatusCode;
use sesshu_domain::{
    AuditObject, Concern, Language, MailAddress, MailKind, MailState, Profile, ReservationNumber,
    Role, Series, Subject, UserType, VoucherError,
};
use sesshu_mail::Worker;
use sesshu_office::i18n::{EN, JA};
use sesshu_store::{MailQuery, NewMember, Owner, ReminderPlan};
use std::time::Duration;

/// A member of `institution` (code `code`) named `kanji`, logged in, who
/// books `slot`: their reservation.
async fn booked_by(
    app: &TestApp,
    institution: sesshu_domain::InstitutionId,
    code: &str,
    login: &str,
    kanji: &str,
    slot: sesshu_domain::SlotId,
) -> Series {
    let hash = sesshu_auth::PasswordPolicy::insecure_fast_for_tests()
        .hash("secret")
        .unwrap();
    app.store
        .upsert_members(
            &[NewMember {
                institution,
                login: Subject::parse(login).unwrap(),
                password_hash: hash,
                user_type: UserType::Staff,
                department: None,
                personal: sesshu_auth::seal_profile(
                    app.vault.sealing_key(),
                    &Owner::login(institution.get(), login),
                    &Profile {
                        display_name: Some(format!("{login} Example")),
                        display_name_ja: Some(kanji.into()),
                        name_kana: Some("れい".into()),
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
    client.login(code, login, "secret").await;
    let (status, body) = client.book(slot).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let number = ReservationNumber::parse(body["id"].as_str().unwrap()).unwrap();
    app.store.series_by_number(&number).await.unwrap().unwrap()
}

/// Two reservations with their first dose on [`DAY`] at 10:00: one of
/// `staffonly` (whose name reads like a formula) and one of `uni`; the
/// clock then on the morning of the day.
async fn two_people(app: &TestApp) -> (Series, Series) {
    let f = app.fixture.clone();
    let first = app.slot(1, DAY, "10:00", f.lane_a, 5).await;
    app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
    let staff = booked_by(app, f.staff_only, "staffonly", "bstaff", "=1+2 職員", first).await;
    let student = booked_by(app, f.uni, "uni", "hanako", "hanako 例", first).await;
    app.clock.set(tokyo(DAY, "08:30"));
    (staff, student)
}

/// `number` checked in, its first dose decided and given (08:40, from the
/// venue's lot `lot`) through the desk's pages.
async fn vaccinated(desk: &OfficeClient, number: &str, lot: i64) {
    let checked = desk.post(&format!("/checkin/{number}"), &[]).await;
    assert_eq!(
        checked.location,
        Some(format!("/checkin/{number}?done=now")),
        "{}",
        checked.html
    );
    let dose = format!("/checkin/{number}/dose/1");
    let mut answers = vec![("temperature", "36.5"), ("collected", "1")];
    for concern in Concern::ALL {
        answers.push((concern.as_str(), "no"));
    }
    let lot = lot.to_string();
    // Each step's form, and its `?done=` code (the step's name).
    let steps = [
        ("questionnaire", answers),
        ("decision", vec![("decision", "vaccinate")]),
        (
            "vaccination",
            vec![
                ("at", "2026-12-10T08:40"),
                ("lot", &lot),
                ("given_by", "Dr Sato"),
                ("site", "left_arm"),
            ],
        ),
    ];
    for (step, form) in steps {
        let answer = desk.post(&format!("{dose}/{step}"), &form).await;
        assert_eq!(
            answer.location,
            Some(format!("{dose}?done={step}")),
            "{step}: {}",
            answer.html
        );
    }
}

fn text(answer: &Answer) -> String {
    visible_text(&answer.html)
}

/// The `personal.view` entries of the missing-voucher list, oldest first.
async fn list_views(app: &TestApp) -> Vec<sesshu_domain::AuditEntry> {
    audited(app, "personal.view")
        .await
        .into_iter()
        .filter(|e| e.detail.starts_with("missing vouchers"))
        .collect()
}

/// The voucher reminders of `series`, oldest first.
async fn voucher_jobs(app: &TestApp, series: &Series) -> Vec<sesshu_store::MailJob> {
    let mut jobs: Vec<_> = app
        .store
        .mail_jobs(&MailQuery {
            series: Some(series.id),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == MailKind::VoucherReminder)
        .collect();
    jobs.reverse();
    jobs
}

on_both_databases! {
    async fn the_desk_enters_a_voucher_and_collects_it_once(app) {
        let (series, _) = two_people(&app).await;
        let f = app.fixture.clone();
        let number = series.number.to_string();
        let dose = format!("/checkin/{number}/dose/1");
        let mut office = TestOffice::spawn(&app).await;
        let desk = office.signed_in(&app, "desk", Role::VenueStaff { venue: f.venue }).await;

        // Before the check-in: no voucher forms yet.
        let page = desk.get(&dose).await;
        assert!(!page.html.contains("id=\"voucher-enter\""), "{}", text(&page));
        let checked = desk.post(&format!("/checkin/{number}"), &[]).await;
        assert_eq!(checked.location, Some(format!("/checkin/{number}?done=now")));

        // Not given online: said so, with the form to enter it and the button.
        let page = desk.get(&dose).await;
        assert!(text(&page).contains(JA.voucher_not_given), "{}", text(&page));
        assert!(page.html.contains(&format!("action=\"{dose}/voucher\"")));
        assert!(page.html.contains(&format!("action=\"{dose}/voucher/collect\"")));

        // Collected before it is given: enter it first.
        let early = desk.post(&format!("{dose}/voucher/collect"), &[]).await;
        assert_eq!(early.location, Some(format!("{dose}?error=voucher_not_given")));
        assert!(text(&desk.get(&format!("{dose}?error=voucher_not_given")).await).contains(JA.error_voucher_not_given));
        let empty = desk.post(&format!("{dose}/voucher"), &[("line", " "), ("municipality", ""), ("number", "")]).await;
        assert_eq!(empty.location, Some(format!("{dose}?error=voucher_empty")));

        // A corrupted municipality code: the page says what is wrong, in
        // Japanese, and shows nothing typed again.
        let bad = desk.post(&format!("{dose}/voucher"), &[("line", "1 1 041008 0123456789")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", bad.location);
        assert!(text(&bad).contains(&VoucherError::CheckDigit.message(Language::Ja)), "{}", text(&bad));
        assert!(!bad.html.contains("0123456789") && !bad.html.contains("041008"), "nothing typed is echoed");
        assert!(bad.html.contains("id=\"voucher-enter\""), "the form again");
        // In English, the voucher of the other dose.
        desk.get("/lang/en?back=/").await;
        let wrong = desk.post(&format!("{dose}/voucher"), &[("line", "12-041009-0123456789")]).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let expected = VoucherError::WrongDose { voucher: 2, booked: 1 }.message(Language::En);
        assert!(text(&wrong).contains(&expected), "{}", text(&wrong));
        let short = desk
            .post(&format!("{dose}/voucher"), &[("municipality", "131016"), ("number", "12345")])
            .await;
        assert!(text(&short).contains(&VoucherError::Length { expected: 10, found: 5 }.message(Language::En)), "{}", text(&short));
        assert!(text(&short).contains(EN.voucher_not_given));
        desk.get("/lang/ja?back=/").await;
        assert!(audited(&app, "voucher.give").await.is_empty(), "nothing recorded");

        // Chiyoda's code and the number typed apart: given.
        let good = desk
            .post(&format!("{dose}/voucher"), &[("municipality", "131016"), ("number", "0123456789")])
            .await;
        assert_eq!(good.location, Some(format!("{dose}?done=voucher_entered")));
        let page = desk.get(&format!("{dose}?done=voucher_entered")).await;
        assert!(text(&page).contains(JA.done_voucher_entered));
        assert!(text(&page).contains(JA.voucher_given), "{}", text(&page));
        assert!(!page.html.contains("id=\"voucher-enter\""), "given: no form to enter it");
        assert!(!page.html.contains("0123456789"), "the number is not shown");

        // Collected: at 08:30; twice: said so, recorded once.
        let collected = desk.post(&format!("{dose}/voucher/collect"), &[]).await;
        assert_eq!(collected.location, Some(format!("{dose}?done=voucher_collected")));
        let page = desk.get(&dose).await;
        assert!(text(&page).contains("08:30 に回収済み"), "{}", text(&page));
        assert!(!page.html.contains(&format!("action=\"{dose}/voucher/collect\"")), "no button again");
        let twice = desk.post(&format!("{dose}/voucher/collect"), &[]).await;
        assert_eq!(twice.location, Some(format!("{dose}?done=voucher_before")));
        assert!(text(&desk.get(&format!("{dose}?done=voucher_before")).await).contains(JA.done_voucher_before));
        // A collected voucher is not replaced.
        let again = desk.post(&format!("{dose}/voucher"), &[("line", "110410090123456789")]).await;
        assert_eq!(again.location, Some(format!("{dose}?error=voucher_collected")));

        assert_eq!(audited(&app, "voucher.give").await.len(), 1);
        let collects = audited(&app, "voucher.collect").await;
        assert_eq!(collects.len(), 1, "{collects:?}");
        assert!(collects[0].objects.contains(&AuditObject::Series(series.id)));
        let state = app.store.vouchers(series.id).await.unwrap();
        assert_eq!(state.len(), 1);
        assert_eq!(state[0].collected_at, Some(tokyo(DAY, "08:30")));
        let everything = app.audit_text().await;
        for typed in ["0123456789", "131016", "041008"] {
            assert!(!everything.contains(typed), "{typed} in the audit trail");
        }
    }

    async fn the_missing_list_shows_each_institution_to_its_own_staff(app) {
        let (staff, student) = two_people(&app).await;
        let f = app.fixture.clone();
        let lot = lot(&app, f.venue, "V-1", "2027-03-31", 10).await;
        let mut office = TestOffice::spawn(&app).await;
        let desk = office.signed_in(&app, "desk", Role::VenueStaff { venue: f.venue }).await;
        vaccinated(&desk, &staff.number.to_string(), lot).await;
        vaccinated(&desk, &student.number.to_string(), lot).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let staff_b = office
            .signed_in(&app, "so_desk", Role::InstitutionStaff { institution: f.staff_only })
            .await;
        let staff_a = office
            .signed_in(&app, "uni_desk", Role::InstitutionStaff { institution: f.uni })
            .await;
        app.clock.set(tokyo(DAY, "12:00"));

        // The menu links it for the roles that may read it.
        for (who, page, links) in [(&operator, "/", true), (&staff_b, "/", true), (&desk, "/checkin", false)] {
            let home = who.get(page).await;
            assert_eq!(home.html.contains("href=\"/vouchers/missing\""), links, "{}", text(&home));
        }

        // The default: vaccinated at least a day ago, so nothing yet.
        let page = operator.get("/vouchers/missing").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(text(&page).contains(JA.missing_none), "{}", text(&page));

        // Every institution, for the operator: one audit entry for the list.
        let before = list_views(&app).await.len();
        let page = operator.get("/vouchers/missing?institution=&days=0").await;
        let shown = text(&page);
        assert!(shown.contains("hanako 例") && shown.contains("=1+2 職員"), "{shown}");
        assert!(page.html.contains("id=\"missing-count\">(2)"), "{shown}");
        for series in [&staff, &student] {
            assert!(page.html.contains(&format!("href=\"/reservations/{}\"", series.number)));
        }
        assert!(shown.contains("2026-12-10") && shown.contains(JA.missing_given_no), "{shown}");
        let views = list_views(&app).await;
        assert_eq!(views.len(), before + 1, "{views:?}");
        let view = views.last().unwrap();
        assert_eq!(view.detail, "missing vouchers: 2 people: name_kanji,name_kana");
        let mut institutions = vec![AuditObject::Institution(f.uni), AuditObject::Institution(f.staff_only)];
        institutions.sort_by_key(|o| o.to_string());
        let mut objects = view.objects.clone();
        objects.sort_by_key(|o| o.to_string());
        assert_eq!(objects, institutions);

        // One institution, chosen.
        let page = operator.get(&format!("/vouchers/missing?institution={}&days=0", f.uni)).await;
        assert!(text(&page).contains("hanako 例") && !text(&page).contains("職員"), "{}", text(&page));
        assert_eq!(list_views(&app).await.last().unwrap().objects, vec![AuditObject::Institution(f.uni)]);

        // Institution staff: their own only, without a choice of all.
        let page = staff_b.get("/vouchers/missing?days=0").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(text(&page).contains("=1+2 職員") && !text(&page).contains("hanako"), "{}", text(&page));
        assert!(!page.html.contains(JA.missing_all_institutions));
        let page = staff_a.get("/vouchers/missing?days=0").await;
        assert!(text(&page).contains("hanako 例") && !text(&page).contains("職員"), "{}", text(&page));
        // Another institution's: as if absent, and nothing opened.
        let views = list_views(&app).await.len();
        let other = staff_b.get(&format!("/vouchers/missing?institution={}&days=0", f.uni)).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        assert!(!other.html.contains("hanako"));
        let file = staff_b.get(&format!("/vouchers/missing.csv?institution={}&days=0", f.uni)).await;
        assert_eq!(file.status, StatusCode::NOT_FOUND);
        assert!(!file.html.contains("hanako"));
        assert_eq!(desk.get("/vouchers/missing?days=0").await.status, StatusCode::FORBIDDEN);
        assert_eq!(list_views(&app).await.len(), views, "no names opened for the refused");
        assert!(audited(&app, "export.missing_vouchers").await.is_empty());

        // The staff's file: UTF-8 with a BOM, the formula-like name as text.
        let csv = staff_b.http.get(staff_b.url("/vouchers/missing.csv?days=0")).send().await.unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        let disposition = csv.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.contains("missing_vouchers_staffonly_2026-12-10.csv"), "{disposition}");
        let bytes = csv.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let body = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 2, "{body}");
        assert!(lines[0].starts_with(JA.reservation_number), "{body}");
        assert_eq!(
            lines[1],
            format!("{},'=1+2 職員,れい,staffonly大学,1,2026-12-10,{},0", staff.number, JA.missing_given_no),
            "{body}"
        );
        // The operator's, in Shift_JIS.
        let sjis = operator.http.get(operator.url("/vouchers/missing.csv?days=0&encoding=cp932")).send().await.unwrap();
        assert_eq!(sjis.status(), StatusCode::OK);
        let bytes = sjis.bytes().await.unwrap();
        let (decoded, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!bad);
        assert!(decoded.contains("hanako 例") && decoded.contains("'=1+2 職員"), "{decoded}");
        let exports = audited(&app, "export.missing_vouchers").await;
        assert_eq!(exports.len(), 2, "{exports:?}");
        assert_eq!(exports[0].detail, "1 rows, utf8");
        assert_eq!(exports[0].objects, vec![AuditObject::Institution(f.staff_only)]);
        assert_eq!(exports[1].detail, "2 rows, cp932");
        assert!(exports[1].objects.is_empty(), "every institution");

        // Given at the desk: still listed (the paper is missing); collected: gone.
        let dose = format!("/checkin/{}/dose/1", staff.number);
        desk.post(&format!("{dose}/voucher"), &[("line", "110410090123456789")]).await;
        let page = staff_b.get("/vouchers/missing?days=0").await;
        assert!(text(&page).contains(JA.missing_given_yes), "{}", text(&page));
        desk.post(&format!("{dose}/voucher/collect"), &[]).await;
        let page = staff_b.get("/vouchers/missing?days=0").await;
        assert!(text(&page).contains(JA.missing_none), "{}", text(&page));
        let page = operator.get("/vouchers/missing?days=0").await;
        assert!(page.html.contains("id=\"missing-count\">(1)"), "{}", text(&page));

        let everything = app.audit_text().await;
        for personal in ["hanako", "職員", "0123456789"] {
            assert!(!everything.contains(personal), "{personal} in the audit trail");
        }
    }

    async fn reminders_go_out_after_the_configured_days_at_most_so_often_and_not_once_collected(app) {
        let (staff, student) = two_people(&app).await;
        let f = app.fixture.clone();
        let lot = lot(&app, f.venue, "V-1", "2027-03-31", 10).await;
        let mut office = TestOffice::spawn(&app).await;
        let desk = office.signed_in(&app, "desk", Role::VenueStaff { venue: f.venue }).await;
        vaccinated(&desk, &staff.number.to_string(), lot).await;
        vaccinated(&desk, &student.number.to_string(), lot).await;
        // The staff member gave the number at the desk; the paper is missing.
        let dose = format!("/checkin/{}/dose/1", staff.number);
        let given = desk.post(&format!("{dose}/voucher"), &[("line", "110410090123456789")]).await;
        assert_eq!(given.location, Some(format!("{dose}?done=voucher_entered")));

        // The worker as `sesshu office` configures it: two days, then every five, twice.
        let mut config = sesshu::config::MailConfig::outbox(&std::env::temp_dir(), "vaccine@sesshu.test").unwrap();
        config.voucher_reminder_first_days = 2;
        config.voucher_reminder_every_days = 5;
        config.voucher_reminder_max = 2;
        let mut settings = config.worker(&app.base).unwrap();
        settings.message_id_domain = MESSAGE_DOMAIN.to_owned();
        settings.idle = Duration::from_millis(200);
        assert_eq!(settings.voucher_reminders, ReminderPlan { first_after_days: 2, every_days: 5, max: 2 });
        let smtp = SmtpServer::start();
        let worker = Worker::new(
            app.store.clone(),
            sesshu_vault_open::Keyring::new([app.vault.clone()]),
            smtp_to(&smtp),
            app.clock.clone(),
            settings.clone(),
        );
        let round = worker.round().await.unwrap();
        assert_eq!((round.sent, round.voucher_reminders_queued), (2, 0), "the bookings: {round:?}");
        assert_eq!(smtp.wait_for(2, Duration::from_secs(10)).await.len(), 2);

        // A day after: too early.
        app.clock.set(tokyo("2026-12-11", "10:00"));
        let round = worker.round().await.unwrap();
        assert_eq!((round.voucher_reminders_queued, round.sent), (0, 0), "{round:?}");

        // Two days after, at the reminder hour: both are reminded, each of
        // what is missing.
        app.clock.set(tokyo("2026-12-12", "09:59"));
        assert_eq!(worker.round().await.unwrap().voucher_reminders_queued, 0, "not before 10:00");
        app.clock.set(tokyo("2026-12-12", "10:00"));
        let round = worker.round().await.unwrap();
        assert_eq!((round.voucher_reminders_queued, round.sent), (2, 2), "{round:?}");
        assert_eq!(round.reminders_queued, 0, "no appointment tomorrow");
        let received = smtp.wait_for(4, Duration::from_secs(10)).await;
        assert_eq!(received.len(), 4);
        let to_student = received.iter().find(|m| m.rcpt_to().contains("hanako@") && m.subject().contains("接種券")).expect("hanako's reminder");
        assert!(to_student.subject().contains(&format!("接種券（1回目）のご提出のお願い（{}）", student.number)), "{}", to_student.subject());
        assert!(to_student.text().contains("まだお預かりしていません"), "{}", to_student.text());
        let to_staff = received.iter().find(|m| m.rcpt_to().contains("bstaff@") && m.subject().contains("接種券")).expect("bstaff's reminder");
        assert!(to_staff.text().contains("番号はお預かりしています"), "the paper only: {}", to_staff.text());
        for mail in [to_student, to_staff] {
            assert!(!mail.text().contains("0123456789"), "no voucher number in a mail");
        }
        // Later the same day, and before the next is due: nothing.
        app.clock.set(tokyo("2026-12-12", "18:00"));
        assert_eq!(worker.round().await.unwrap().voucher_reminders_queued, 0);
        app.clock.set(tokyo("2026-12-16", "10:00"));
        assert_eq!(worker.round().await.unwrap().voucher_reminders_queued, 0, "every five days");

        // The second reminders are queued (as another worker would) before
        // the desk collects the staff member's voucher: that one is skipped.
        app.clock.set(tokyo("2026-12-17", "09:00"));
        let queued = app
            .store
            .queue_voucher_reminders(settings.voucher_reminders, Language::Ja, tokyo("2026-12-17", "09:00"))
            .await
            .unwrap();
        assert_eq!(queued, 2);
        let collected = desk.post(&format!("{dose}/voucher/collect"), &[]).await;
        assert_eq!(collected.location, Some(format!("{dose}?done=voucher_collected")));
        let round = worker.round().await.unwrap();
        assert_eq!((round.sent, round.skipped), (1, 1), "{round:?}");
        let staff_jobs = voucher_jobs(&app, &staff).await;
        assert_eq!(staff_jobs.iter().map(|j| j.state).collect::<Vec<_>>(), [MailState::Sent, MailState::Skipped]);
        let received = smtp.wait_for(5, Duration::from_secs(10)).await;
        assert_eq!(received.len(), 5);
        assert!(received[4].rcpt_to().contains("hanako@"), "{}", received[4].rcpt_to());

        // At most twice: nothing more, for anybody.
        for day in ["2026-12-17", "2026-12-22", "2026-12-27", "2027-01-03"] {
            app.clock.set(tokyo(day, "10:00"));
            let round = worker.round().await.unwrap();
            assert_eq!((round.voucher_reminders_queued, round.sent), (0, 0), "{day}: {round:?}");
        }
        assert_eq!(voucher_jobs(&app, &student).await.len(), 2);
        assert_eq!(voucher_jobs(&app, &staff).await.len(), 2);
        assert_eq!(smtp.received().len(), 5);

        // The list says so.
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let page = operator.get("/vouchers/missing?days=0").await;
        assert!(page.html.contains("id=\"missing-count\">(1)"), "{}", text(&page));
        let row = page.html.split("<tbody>").nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(row.contains(&student.number.to_string()), "{row}");
        assert!(row.ends_with("<td class=\"num\">2</td>"), "two reminders sent: {row}");
    }
}
