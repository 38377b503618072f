//! Registering slots with the office's generator: preview, then all slots
//! in one transaction with the audit entry; a plan that overlaps existing
//! slots creates nothing; what is wrong is said.

use crate::helpers::{on_both_databases, visible_text};
use crate::office_kit::TestOffice;
use reqwest::StatusCode;
use sesshu_domain::{Role, UserType};
use sesshu_store::SlotQuery;

on_both_databases! {
    async fn operators_generate_slots_after_a_preview_and_never_twice(app) {
        let f = app.fixture.clone();
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let form = operator.get("/slots/new").await;
        assert_eq!(form.status, StatusCode::OK);

        let lane_a = f.lane_a.to_string();
        let lane_b = f.lane_b.to_string();
        let vaccine = f.vaccine.to_string();
        let uni = f.uni.to_string();
        let plan = vec![
            ("from", "2026-12-14"), ("to", "2026-12-20"),
            ("weekday", "mon"), ("weekday", "wed"),
            ("excluded", ""), ("times", "09:00-10:00\n13:00-13:30"),
            ("length", "30"), ("lane", &lane_a), ("lane", &lane_b),
            ("capacity", "6"), ("vaccine", &vaccine), ("dose", "1"),
            ("institution", &uni), ("user_type", "student"),
            ("opens_at", "2026-12-01T10:00"),
        ];
        let preview = operator.post("/slots/preview", &plan).await;
        assert_eq!(preview.status, StatusCode::OK);
        let text = visible_text(&preview.html);
        // Mon 14th and Wed 16th; 09:00, 09:30, 13:00; two lanes.
        assert!(preview.html.contains("<td id=\"slots-total\">12</td>"), "{text}");
        assert!(preview.html.contains("action=\"/slots\""), "a create button");
        let before = app.store.slots(&SlotQuery::between(
            crate::helpers::tokyo("2026-12-14", "00:00"),
            crate::helpers::tokyo("2026-12-21", "00:00"),
        )).await.unwrap().len();
        assert_eq!(before, 0);

        let created = operator.post("/slots", &plan).await;
        assert_eq!(created.location.as_deref(), Some("/slots/new?created=12"), "{}", created.html);
        let slots = app.store.slots(&SlotQuery::between(
            crate::helpers::tokyo("2026-12-14", "00:00"),
            crate::helpers::tokyo("2026-12-21", "00:00"),
        )).await.unwrap();
        assert_eq!(slots.len(), 12);
        assert!(slots.iter().all(|s| s.capacity == 6 && s.venue == f.venue));
        assert!(slots.iter().all(|s| s.eligibility.institutions.contains(&f.uni)
            && s.eligibility.user_types == [UserType::Student].into_iter().collect()));
        assert_eq!(slots[0].starts_at, crate::helpers::tokyo("2026-12-14", "09:00"));
        assert_eq!(slots[0].opens_at, crate::helpers::tokyo("2026-12-01", "10:00"));
        let audited: Vec<_> = app.store.audit_records(0, 100).await.unwrap().into_iter()
            .filter(|r| r.entry.action == "slots.create").collect();
        assert_eq!(audited.len(), 1);
        assert!(audited[0].entry.detail.starts_with("12 slots"), "{:?}", audited[0].entry);

        // The same plan again overlaps: the preview says where, and a
        // direct post creates nothing.
        let again = operator.post("/slots/preview", &plan).await;
        assert!(!again.html.contains("action=\"/slots\""), "no create button");
        assert!(visible_text(&again.html).contains("2026-12-14 09:00"), "{}", visible_text(&again.html));
        let refused = operator.post("/slots", &plan).await;
        assert_eq!(refused.status, StatusCode::OK);
        assert_eq!(app.store.slots(&SlotQuery::between(
            crate::helpers::tokyo("2026-12-14", "00:00"),
            crate::helpers::tokyo("2026-12-21", "00:00"),
        )).await.unwrap().len(), 12, "nothing twice");

        // A wrong plan: every problem said, nothing made.
        let wrong = vec![
            ("from", "2026-12-20"), ("to", "2026-12-14"), ("times", "12:00-09:00"),
            ("length", "30"), ("capacity", "0"), ("vaccine", &vaccine), ("dose", "1"),
            ("opens_at", "2026-12-01T10:00"),
        ];
        let page = operator.post("/slots/preview", &wrong).await;
        let text = visible_text(&page.html);
        for problem in ["終了日が開始日より前", "曜日を選んで", "レーンを選んで", "定員は1〜1000"] {
            assert!(text.contains(problem), "{problem} in {text}");
        }
    }

    async fn slots_come_from_a_csv_whole_or_not_at_all(app) {
        let f = app.fixture.clone();
        let existing = app.slot(1, "2026-12-14", "09:00", f.lane_a, 10).await;
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let header = "date,start,end,venue,lane,capacity,vaccine,dose,institutions,user_types,opens_at\n";
        let good = format!(
            "{header}2026-12-14,10:00,10:30,駅前会場,レーンA,6,モデルナ,1,uni,学生,2026-12-01 10:00\n\
             2026/12/15,09:00,09:30,Station Venue,Lane B,8,Moderna,1,,,\n"
        );
        // Excel in Japan saves CP932; one row overlaps the existing slot.
        let bad = format!("{good}2026-12-14,09:15,09:45,駅前会場,レーンA,6,モデルナ,1,,,\n");
        let (bad_cp932, _, _) = encoding_rs::SHIFT_JIS.encode(&bad);
        let refused = operator
            .upload("/slots/import/preview", "slots.csv", bad_cp932.into_owned())
            .await;
        let text = visible_text(&refused.html);
        assert!(text.contains(&format!("4 start 同じレーンの既存の枠 (#{existing})")), "{text}");
        assert!(!refused.html.contains("id=\"slots-import\""));
        let forced = operator.post("/slots/import", &[("text", &bad)]).await;
        assert!(visible_text(&forced.html).contains("4 start"));
        let window = || SlotQuery::between(
            crate::helpers::tokyo("2026-12-14", "00:00"),
            crate::helpers::tokyo("2026-12-16", "00:00"),
        );
        assert_eq!(app.store.slots(&window()).await.unwrap().len(), 1, "nothing created");

        let preview = operator
            .upload("/slots/import/preview", "slots.csv", good.clone().into_bytes())
            .await;
        assert!(preview.html.contains("<td id=\"slots-total\">2</td>"), "{}", visible_text(&preview.html));
        let created = operator.post("/slots/import", &[("text", &good)]).await;
        assert_eq!(created.location.as_deref(), Some("/slots/import?created=2"));
        let slots = app.store.slots(&window()).await.unwrap();
        assert_eq!(slots.len(), 3);
        let made = slots.iter().find(|s| s.starts_at == crate::helpers::tokyo("2026-12-14", "10:00")).unwrap();
        assert_eq!((made.lane, made.capacity), (f.lane_a, 6));
        assert_eq!(made.eligibility.institutions, [f.uni].into_iter().collect());
        assert_eq!(made.eligibility.user_types, [UserType::Student].into_iter().collect());
        assert_eq!(made.opens_at, crate::helpers::tokyo("2026-12-01", "10:00"));
        let audited: Vec<_> = app.store.audit_records(0, 100).await.unwrap().into_iter()
            .filter(|r| r.entry.action == "slots.import").collect();
        assert_eq!(audited.len(), 1);
        assert!(audited[0].entry.detail.starts_with("2 slots"), "{:?}", audited[0].entry);
        // The same file again overlaps what it made.
        let again = operator.post("/slots/import", &[("text", &good)]).await;
        assert!(visible_text(&again.html).contains("2 start"), "{}", visible_text(&again.html));
        assert_eq!(app.store.slots(&window()).await.unwrap().len(), 3);
    }

    async fn a_slot_is_deleted_only_when_nobody_holds_or_held_a_place_in_it(app) {
        let f = app.fixture.clone();
        let empty = app.slot(1, "2026-12-10", "09:00", f.lane_a, 10).await;
        let booked = app.slot(1, "2026-12-10", "10:00", f.lane_a, 10).await;
        let history = app.slot(1, "2026-12-10", "11:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-07", "11:00", f.lane_a, 10).await;
        assert_eq!(app.student("s1").await.book(booked).await.0, StatusCode::CREATED);
        let s2 = app.student("s2").await;
        let (status, body) = s2.book(history).await;
        assert_eq!(status, StatusCode::CREATED);
        let number = body["id"].as_str().unwrap();
        assert!(s2.delete(&format!("/api/v1/me/reservations/{number}")).await.0.is_success());

        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let page = operator.get(&format!("/slots/{empty}")).await;
        assert!(page.html.contains("id=\"slot-delete\""));
        let gone = operator.post(&format!("/slots/{empty}/delete"), &[]).await;
        assert_eq!(gone.location, Some(format!("/slots?day=2026-12-10&venue={}&deleted=1", f.venue)));
        assert!(app.store.slot(empty).await.unwrap().is_none());
        let kept = operator.post(&format!("/slots/{booked}/delete"), &[]).await;
        assert!(visible_text(&kept.html).contains("1 人の予約があるため削除できません"), "{}", visible_text(&kept.html));
        assert!(app.store.slot(booked).await.unwrap().is_some());
        let kept = operator.post(&format!("/slots/{history}/delete"), &[]).await;
        assert!(visible_text(&kept.html).contains("記録がこの枠を指している"), "{}", visible_text(&kept.html));
        assert!(app.store.slot(history).await.unwrap().is_some());
        let entries: Vec<_> = app.store.audit_records(0, 100).await.unwrap().into_iter()
            .filter(|r| r.entry.action == "slot.delete").collect();
        assert_eq!(entries.len(), 1, "only the deletion made");
        assert_eq!(entries[0].entry.objects[0], sesshu_domain::AuditObject::Slot(empty));
    }

    async fn deleting_a_slot_while_people_book_it_leaves_no_reservation_without_its_slot(app) {
        let f = app.fixture.clone();
        let contested = app.slot(1, "2026-12-10", "09:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-07", "09:00", f.lane_a, 40).await;
        let mut people = Vec::new();
        for i in 0..8 {
            people.push(app.student(&format!("d{i}")).await);
        }
        let entry = sesshu_domain::AuditEntry {
            at: crate::helpers::start_of_tests(),
            actor: "test".into(),
            role: "operator".into(),
            action: sesshu_domain::AuditAction::SlotDelete,
            objects: vec![],
            detail: String::new(),
            origin: "local".into(),
        };
        let store = app.store.clone();
        let delete = tokio::spawn(async move { store.delete_slot(contested, &entry).await.unwrap() });
        let answers = futures::future::join_all(people.iter().map(|p| p.book(contested))).await;
        let deleted = delete.await.unwrap();
        let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        match deleted {
            sesshu_store::SlotDeleted::Deleted => {
                assert_eq!(created, 0, "nobody holds a place in a deleted slot");
                assert!(app.store.slot(contested).await.unwrap().is_none());
            }
            sesshu_store::SlotDeleted::HasBookings(n) => {
                assert!(n >= 1);
                assert_eq!(app.store.slot(contested).await.unwrap().unwrap().booked as usize, created);
            }
            other => panic!("{other:?}"),
        }
        assert!(answers.iter().all(|(s, _)| !s.is_server_error()), "{answers:?}");
    }

    async fn an_institutions_quota_caps_its_people_under_a_rush_and_no_one_else(app) {
        let f = app.fixture.clone();
        let slot = app.slot(1, "2026-12-10", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 40).await;
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let page = operator.get(&format!("/slots/{slot}")).await;
        assert!(page.html.contains(&format!("name=\"quota_{}\"", f.uni)), "a quota field per institution");
        let uni_quota = format!("quota_{}", f.uni);
        let set = operator
            .post(&format!("/slots/{slot}"), &[("capacity", "10"), (&uni_quota, "3")])
            .await;
        assert_eq!(set.location, Some(format!("/slots/{slot}?done=1")), "{}", visible_text(&set.html));
        assert_eq!(app.store.slot(slot).await.unwrap().unwrap().quotas.get(&f.uni).map(|q| q.places), Some(3));

        let mut students = Vec::new();
        for i in 0..10 {
            students.push(app.student(&format!("q{i}")).await);
        }
        let mut staff = Vec::new();
        for i in 0..2 {
            let login = format!("t{i}");
            app.member(f.staff_only, &login, UserType::Staff).await;
            let client = app.client();
            client.login("staffonly", &login, "secret").await;
            staff.push(client);
        }
        let rush = students.iter().chain(&staff).map(|c| c.book(slot));
        let answers = futures::future::join_all(rush).await;
        let (uni_answers, other_answers) = answers.split_at(10);
        let created = |a: &[(StatusCode, serde_json::Value)]| {
            a.iter().filter(|(s, _)| *s == StatusCode::CREATED).count()
        };
        assert_eq!(created(uni_answers), 3, "the quota: {uni_answers:?}");
        assert!(uni_answers.iter().all(|(s, b)| *s == StatusCode::CREATED || b["code"] == "slot_full"));
        assert_eq!(created(other_answers), 2, "no quota for them: {other_answers:?}");
        let after = app.store.slot(slot).await.unwrap().unwrap();
        assert_eq!(after.booked, 5);
        assert_eq!(after.quotas.get(&f.uni).map(|q| q.held), Some(3));
        // What a latecomer of each institution is offered.
        let app = &app;
        let day = |person: sesshu_domain::Person, institution| {
            let bookings = sesshu_core::Bookings::new(app.store.clone(), app.clock.clone());
            async move {
                let institution = app.store.institution(institution).await.unwrap().unwrap();
                bookings
                    .days(sesshu_domain::booking::Booker::person(&person, &institution))
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|d| d.day == chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap())
                    .map(|d| (d.bookable, d.refusal))
            }
        };
        let late = sesshu_domain::Person {
            id: sesshu_domain::PersonId::new(0),
            institution: f.uni,
            user_type: Some(UserType::Student),
            department: None,
        };
        assert_eq!(day(late.clone(), f.uni).await, Some((0, Some(sesshu_domain::Rejection::SlotFull))),
            "their institution's quota is used");
        let other = sesshu_domain::Person { institution: f.staff_only, user_type: Some(UserType::Staff), ..late };
        assert_eq!(day(other, f.staff_only).await, Some((5, None)), "the slot's places for others");

        let below = operator
            .post(&format!("/slots/{slot}"), &[("capacity", "10"), (&uni_quota, "2")])
            .await;
        assert!(visible_text(&below.html).contains("すでに 3 人"), "{}", visible_text(&below.html));
        assert_eq!(app.store.slot(slot).await.unwrap().unwrap().quotas.get(&f.uni).map(|q| q.places), Some(3));
        // Lifting the quota lets the next one in.
        let lifted = operator.post(&format!("/slots/{slot}"), &[("capacity", "10")]).await;
        assert_eq!(lifted.location, Some(format!("/slots/{slot}?done=1")));
        assert!(app.store.slot(slot).await.unwrap().unwrap().quotas.is_empty());
        assert_eq!(app.student("q-late").await.book(slot).await.0, StatusCode::CREATED);
    }

    async fn a_days_quota_caps_an_institution_across_its_slots_under_a_rush(app) {
        let f = app.fixture.clone();
        // A single-dose vaccine: no second-dose slots that every booking of
        // the day would lock, so bookings of the two slots really meet.
        let single = app
            .store
            .insert_vaccine(&sesshu_store::NewVaccine {
                name_ja: "単回".into(),
                name_en: "Single".into(),
                second_dose_after: None,
                codes: sesshu_domain::VaccineCodes::default(),
            })
            .await
            .unwrap();
        let slot = |time: &str, lane| sesshu_store::NewSlot {
            venue: f.venue,
            lane,
            vaccine: single,
            dose: sesshu_domain::DoseNumber::FIRST,
            starts_at: crate::helpers::tokyo("2026-12-10", time),
            ends_at: crate::helpers::tokyo("2026-12-10", time) + chrono::Duration::minutes(30),
            capacity: 20,
            opens_at: crate::helpers::start_of_tests() - chrono::Duration::days(1),
            eligibility: Default::default(),
        };
        let made = app
            .store
            .insert_slots(&[slot("10:00", f.lane_a), slot("11:00", f.lane_b)])
            .await
            .unwrap();
        let (ten, eleven) = (made[0], made[1]);
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let page = operator.get(&format!("/slots?day=2026-12-10&venue={}", f.venue)).await;
        assert_eq!(page.html.matches("id=\"day-quotas\"").count(), 1, "once, in the page's body");
        let title = &page.html[page.html.find("<title>").unwrap()..page.html.find("</title>").unwrap()];
        assert!(!title["<title>".len()..].contains('<'), "no markup in the title: {title}");
        let venue = f.venue.to_string();
        let uni_quota = format!("quota_{}", f.uni);
        let set = operator
            .post("/slots/day-quotas", &[("venue", &venue), ("day", "2026-12-10"), (&uni_quota, "3")])
            .await;
        assert_eq!(set.location, Some(format!("/slots?day=2026-12-10&venue={venue}&quotas=1")));

        // The race at the use case, no HTTP in between: tight enough to
        // meet in the database.
        let people = |institution, prefix: &'static str, kind, n: usize| {
            let app = &app;
            async move {
                let mut out = Vec::new();
                for i in 0..n {
                    let login = format!("{prefix}{i}");
                    app.member(institution, &login, kind).await;
                    let person = app
                        .store
                        .person_for_login(&sesshu_store::PersonLogin {
                            institution,
                            subject: sesshu_domain::Subject::parse(&login).unwrap(),
                            user_type: Some(kind),
                            department: None,
                            at: crate::helpers::start_of_tests(),
                            personal: None,
                            consented: None,
                            reassignable: false,
                        })
                        .await
                        .unwrap();
                    out.push(person);
                }
                out
            }
        };
        let students = people(f.uni, "d", UserType::Student, 40).await;
        let staff = people(f.staff_only, "u", UserType::Staff, 2).await;
        let uni = app.store.institution(f.uni).await.unwrap().unwrap();
        let other = app.store.institution(f.staff_only).await.unwrap().unwrap();
        let bookings = sesshu_core::Bookings::new(app.store.clone(), app.clock.clone());
        let book = |person: &sesshu_domain::Person, institution, slot| {
            let bookings = bookings.clone();
            let person = person.clone();
            async move {
                let who = sesshu_domain::booking::Booker::person(&person, institution);
                bookings
                    .book(who, slot, sesshu_core::LaneChoice::Exact, None, sesshu_domain::Language::Ja)
                    .await
                    .is_ok()
            }
        };
        let rush = students
            .iter()
            .enumerate()
            .map(|(i, p)| book(p, &uni, if i % 2 == 0 { ten } else { eleven }))
            .collect::<Vec<_>>();
        let others = staff.iter().map(|p| book(p, &other, ten)).collect::<Vec<_>>();
        let (answers, other_answers) =
            tokio::join!(futures::future::join_all(rush), futures::future::join_all(others));
        let created = |a: &[bool]| a.iter().filter(|ok| **ok).count();
        assert_eq!(created(&answers), 3, "the day's quota across both slots");
        assert_eq!(created(&other_answers), 2, "another institution is not capped");
        let booked = app.store.slot(ten).await.unwrap().unwrap().booked
            + app.store.slot(eleven).await.unwrap().unwrap().booked;
        assert_eq!(booked, 5);
        let held = app.store.day_quotas(f.venue, chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()).await.unwrap();
        assert_eq!(held, vec![(f.uni, 3, 3)]);

        let below = operator
            .post("/slots/day-quotas", &[("venue", &venue), ("day", "2026-12-10"), (&uni_quota, "2")])
            .await;
        let back = operator.get(below.location.as_deref().unwrap()).await;
        assert!(visible_text(&back.html).contains("すでに 3 人"), "{}", visible_text(&back.html));
        let entries: Vec<_> = app.store.audit_records(0, 200).await.unwrap().into_iter()
            .filter(|r| r.entry.action == "slots.day_quotas").collect();
        assert_eq!(entries.len(), 1, "only the quota saved");
    }

    async fn a_slot_never_holds_fewer_places_than_it_has_booked(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 10).await;
        let empty = app.slot(1, "2026-12-10", "11:00", f.lane_a, 10).await;
        for login in ["s1", "s2"] {
            assert_eq!(app.student(login).await.book(first).await.0, StatusCode::CREATED);
        }
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let day = operator.get(&format!("/slots?day=2026-12-10&venue={}", f.venue)).await;
        assert!(visible_text(&day.html).contains("2 / 10"), "{}", visible_text(&day.html));

        let below = operator.post(&format!("/slots/{first}"), &[("capacity", "1")]).await;
        assert_eq!(below.status, StatusCode::OK);
        assert!(visible_text(&below.html).contains("2 人より少なく"), "{}", visible_text(&below.html));
        let close = operator.post(&format!("/slots/{first}"), &[("capacity", "10"), ("closed", "1")]).await;
        assert!(visible_text(&close.html).contains("停止できません"), "a slot with bookings stays open");
        assert_eq!(app.store.slot(first).await.unwrap().unwrap().capacity, 10);

        let ok = operator.post(&format!("/slots/{first}"), &[("capacity", "2"), ("user_type", "staff")]).await;
        assert_eq!(ok.location, Some(format!("/slots/{first}?done=1")));
        let changed = app.store.slot(first).await.unwrap().unwrap();
        assert_eq!((changed.capacity, changed.booked), (2, 2));
        assert_eq!(changed.eligibility.user_types, [UserType::Staff].into_iter().collect());
        let closed = operator.post(&format!("/slots/{empty}"), &[("capacity", "10"), ("closed", "1")]).await;
        assert_eq!(closed.location, Some(format!("/slots/{empty}?done=1")));
        let (status, body) = app.student("s3").await.book(empty).await;
        assert_eq!(status, StatusCode::CONFLICT, "closed: {body}");
        let audited = app.store.audit_records(0, 100).await.unwrap().into_iter()
            .filter(|r| r.entry.action == "slot.change").count();
        assert_eq!(audited, 2, "only the changes made");
    }

    async fn cutting_capacity_while_people_book_never_overbooks(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 10).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 10).await;
        let mut people = Vec::new();
        for i in 0..10 {
            people.push(app.student(&format!("r{i}")).await);
        }
        let entry = sesshu_domain::AuditEntry {
            at: crate::helpers::start_of_tests(),
            actor: "test".into(),
            role: "operator".into(),
            action: sesshu_domain::AuditAction::SlotChange,
            objects: vec![],
            detail: String::new(),
            origin: "local".into(),
        };
        let store = app.store.clone();
        let cut = tokio::spawn(async move {
            let change = sesshu_store::SlotChange {
                capacity: 4,
                closed: false,
                eligibility: Default::default(),
                quotas: Default::default(),
            };
            let mut outcomes = Vec::new();
            for _ in 0..20 {
                outcomes.push(store.change_slot(first, &change, &entry).await.unwrap());
                tokio::task::yield_now().await;
            }
            outcomes
        });
        let bookings: Vec<_> = people
            .into_iter()
            .map(|p| tokio::spawn(async move { p.book(first).await.0 }))
            .collect();
        let mut created = 0;
        for b in bookings {
            if b.await.unwrap() == StatusCode::CREATED {
                created += 1;
            }
        }
        let outcomes = cut.await.unwrap();
        let slot = app.store.slot(first).await.unwrap().unwrap();
        assert!(slot.booked <= slot.capacity, "{slot:?}");
        assert_eq!(slot.booked, created, "every 201 holds a place");
        if outcomes.contains(&sesshu_store::SlotChanged::Done) {
            assert_eq!(slot.capacity, 4);
            assert!(created <= 4, "{created} booked into 4 places");
        } else {
            assert!(created > 4, "refused only because more were booked: {created}");
        }
    }

    async fn a_slots_people_move_elsewhere_so_that_it_can_close(app) {
        let f = app.fixture.clone();
        let full = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let one_place = app.slot(1, "2026-12-10", "11:00", f.lane_b, 1).await;
        app.slot(2, "2027-01-07", "11:00", f.lane_b, 5).await;
        let roomy = app.slot(1, "2026-12-11", "11:00", f.lane_b, 5).await;
        app.slot(2, "2027-01-08", "11:00", f.lane_b, 5).await;
        for login in ["m1", "m2"] {
            assert_eq!(app.student(login).await.book(full).await.0, StatusCode::CREATED);
        }
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let page = operator.get(&format!("/slots/{full}")).await;
        assert!(page.html.contains(&format!("value=\"{one_place}\"")), "the free time that day is offered");

        let first = operator
            .post(&format!("/slots/{full}/move"), &[("target", &one_place.to_string()), ("reason", "lane closed")])
            .await;
        let report = operator.get(first.location.as_deref().unwrap()).await;
        let text = visible_text(&report.html);
        assert!(text.contains("1 件の予約を移しました"), "{text}");
        assert!(text.contains("移せなかった予約"), "the one that found no place: {text}");
        assert_eq!(app.store.slot(full).await.unwrap().unwrap().booked, 1);

        let second = operator
            .post(&format!("/slots/{full}/move"), &[("target", &roomy.to_string()), ("reason", "lane closed")])
            .await;
        assert!(second.location.as_deref().unwrap().contains("moved=1"), "{:?}", second.location);
        assert_eq!(app.store.slot(full).await.unwrap().unwrap().booked, 0);
        let changed = app.store.mail_jobs(&sesshu_store::MailQuery { limit: 100, ..Default::default() }).await.unwrap()
            .into_iter().filter(|j| j.kind == sesshu_domain::MailKind::Changed).count();
        assert_eq!(changed, 2, "both people are mailed");
        let moves = app.store.audit_records(0, 1000).await.unwrap().into_iter()
            .filter(|r| r.entry.action == "reservation.move").count();
        assert_eq!(moves, 2);
        let closed = operator.post(&format!("/slots/{full}"), &[("capacity", "5"), ("closed", "1")]).await;
        assert_eq!(closed.location, Some(format!("/slots/{full}?done=1")), "empty now: it closes");
    }
}
