//! `/api/v1/me/reservations`: booking, changing and cancelling a series.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use sesshu_domain::{InstitutionId, SlotEligibility, UserType};
use std::collections::BTreeSet;

on_both_databases! {
    async fn booking_the_first_dose_books_the_second_28_days_later(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let earlier = app.slot(2, "2027-01-07", "09:30", f.lane_a, 5).await;
        let same_time = app.slot(2, "2027-01-07", "10:00", f.lane_b, 5).await;
        let alice = app.student("alice").await;

        let (status, series) = alice.book(first).await;
        assert_eq!(status, StatusCode::CREATED, "{series}");
        let id = series["id"].as_str().unwrap();
        assert_eq!(id.len(), 9, "a number like KX7M-4QP9: {id}");
        assert_eq!(series["state"], "booked");
        assert_eq!(series["doses"][0]["dose"], 1);
        assert_eq!(series["doses"][0]["slot_id"], first.get());
        assert_eq!(series["doses"][0]["starts_at"], "2026-12-10T10:00:00+09:00");
        assert_eq!(series["doses"][1]["dose"], 2);
        assert_eq!(series["doses"][1]["slot_id"], same_time.get());
        assert_eq!(series["doses"][1]["starts_at"], "2027-01-07T10:00:00+09:00");
        assert_eq!(series["change_deadline"], "2026-12-07T12:00:00+09:00");
        assert_eq!(series["changeable"], true);

        assert_eq!(app.free(first).await, 4);
        assert_eq!(app.free(same_time).await, 4);
        assert_eq!(app.free(earlier).await, 5);

        let (status, list) = alice.get("/api/v1/me/reservations").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["id"], id);
    }

    async fn a_full_second_dose_time_falls_back_to_the_nearest_slot_that_day(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let _full = app.slot(2, "2027-01-07", "10:00", f.lane_a, 0).await;
        let _far = app.slot(2, "2027-01-07", "13:00", f.lane_a, 5).await;
        let near = app.slot(2, "2027-01-07", "11:00", f.lane_a, 5).await;
        let _next_day = app.slot(2, "2027-01-08", "10:00", f.lane_a, 5).await;
        let (status, series) = app.student("alice").await.book(first).await;
        assert_eq!(status, StatusCode::CREATED, "{series}");
        assert_eq!(series["doses"][1]["slot_id"], near.get());
    }

    async fn without_a_second_dose_slot_nothing_is_booked(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let _full = app.slot(2, "2027-01-07", "10:00", f.lane_a, 0).await;
        let _wrong_day = app.slot(2, "2027-01-08", "10:00", f.lane_a, 5).await;
        let alice = app.student("alice").await;

        let (status, body) = alice.book(first).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["code"], "no_second_dose_slot");
        assert!(body["message"].as_str().unwrap().contains("2回目"));
        assert_eq!(app.free(first).await, 5, "the first dose's place was not kept");
        let (_, list) = alice.get("/api/v1/me/reservations").await;
        assert_eq!(list, json!([]));
    }

    async fn a_person_has_one_active_series(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let other = app.slot(1, "2026-12-11", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-08", "10:00", f.lane_a, 5).await;
        let alice = app.student("alice").await;
        assert_eq!(alice.book(first).await.0, StatusCode::CREATED);
        let (status, body) = alice.book(other).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["code"], "already_booked");
        assert_eq!(app.free(other).await, 5);
    }

    async fn an_idempotency_key_replays_the_first_answer(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let other = app.slot(1, "2026-12-10", "10:00", f.lane_b, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let alice = app.student("alice").await;
        let send = |slot: i64| {
            alice
                .http
                .post(app.url("/api/v1/me/reservations"))
                .header("idempotency-key", "booking-1")
                .json(&json!({"slot_id": slot}))
                .send()
        };
        let one = send(first.get()).await.unwrap();
        assert_eq!(one.status(), StatusCode::CREATED);
        assert!(one.headers().get("idempotent-replayed").is_none());
        let one: serde_json::Value = one.json().await.unwrap();

        let two = send(first.get()).await.unwrap();
        assert_eq!(two.status(), StatusCode::CREATED);
        assert_eq!(two.headers()["idempotent-replayed"], "true");
        let two: serde_json::Value = two.json().await.unwrap();
        assert_eq!(one, two);
        assert_eq!(app.free(first).await, 4);

        let three = send(other.get()).await.unwrap();
        assert_eq!(three.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let three: serde_json::Value = three.json().await.unwrap();
        assert_eq!(three["code"], "idempotency_key_reused");

        let bad = alice
            .http
            .post(app.url("/api/v1/me/reservations"))
            .header("idempotency-key", "")
            .json(&json!({"slot_id": first.get()}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    }

    async fn booking_closes_at_the_deadline_of_the_slot(app) {
        let f = app.fixture.clone();
        // The tests start on 1 Dec 09:00; a slot on 4 Dec has its deadline
        // at 12:00 on 1 Dec.
        let soon = app.slot(1, "2026-12-04", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-01", "10:00", f.lane_a, 5).await;
        let alice = app.student("alice").await;
        app.clock.set(tokyo("2026-12-01", "12:00"));
        let (status, body) = alice.book(soon).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["code"], "deadline_passed");
        app.clock.set(tokyo("2026-12-01", "11:59"));
        assert_eq!(alice.book(soon).await.0, StatusCode::CREATED);
    }

    async fn the_series_moves_to_another_time_and_frees_the_old_places(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let second = app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let new_first = app.slot(1, "2026-12-11", "14:00", f.lane_b, 5).await;
        let new_second = app.slot(2, "2027-01-08", "14:00", f.lane_b, 5).await;
        let alice = app.student("alice").await;
        let (_, series) = alice.book(first).await;
        let id = series["id"].as_str().unwrap();

        let (status, moved) = alice
            .patch(&format!("/api/v1/me/reservations/{id}"), &json!({"slot_id": new_first.get()}))
            .await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        assert_eq!(moved["id"], id, "the reservation number stays");
        assert_eq!(moved["doses"][0]["slot_id"], new_first.get());
        assert_eq!(moved["doses"][1]["slot_id"], new_second.get());
        assert_eq!(app.free(first).await, 5);
        assert_eq!(app.free(second).await, 5);
        assert_eq!(app.free(new_first).await, 4);
        assert_eq!(app.free(new_second).await, 4);
    }

    async fn the_second_dose_alone_moves_to_a_later_day_but_not_earlier(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let second = app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let later = app.slot(2, "2027-01-09", "15:00", f.lane_a, 5).await;
        let too_early = app.slot(2, "2027-01-06", "15:00", f.lane_a, 5).await;
        let alice = app.student("alice").await;
        let (_, series) = alice.book(first).await;
        let path = format!("/api/v1/me/reservations/{}", series["id"].as_str().unwrap());

        let (status, body) = alice.patch(&path, &json!({"slot_id": too_early.get()})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], "interval_not_met");

        let (status, moved) = alice.patch(&path, &json!({"slot_id": later.get()})).await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        assert_eq!(moved["doses"][0]["slot_id"], first.get());
        assert_eq!(moved["doses"][1]["slot_id"], later.get());
        assert_eq!(app.free(second).await, 5);
        assert_eq!(app.free(later).await, 4);
        assert_eq!(app.free(first).await, 4);
    }

    async fn a_change_to_a_full_time_changes_nothing(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let second = app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let full = app.slot(1, "2026-12-11", "10:00", f.lane_a, 0).await;
        let alice = app.student("alice").await;
        let (_, series) = alice.book(first).await;
        let path = format!("/api/v1/me/reservations/{}", series["id"].as_str().unwrap());
        let (status, body) = alice.patch(&path, &json!({"slot_id": full.get()})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["code"], "slot_full");
        let (_, list) = alice.get("/api/v1/me/reservations").await;
        assert_eq!(list[0]["doses"][0]["slot_id"], first.get());
        assert_eq!(app.free(first).await, 4);
        assert_eq!(app.free(second).await, 4);
    }

    async fn cancelling_frees_both_places_and_allows_a_new_booking(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let second = app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let alice = app.student("alice").await;
        let (_, series) = alice.book(first).await;
        let path = format!("/api/v1/me/reservations/{}", series["id"].as_str().unwrap());

        let (status, cancelled) = alice.delete(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(cancelled["state"], "cancelled");
        assert_eq!(cancelled["changeable"], false);
        assert_eq!(app.free(first).await, 5);
        assert_eq!(app.free(second).await, 5);

        let (status, again) = alice.delete(&path).await;
        assert_eq!(status, StatusCode::OK, "cancelling twice is harmless");
        assert_eq!(again["state"], "cancelled");
        assert_eq!(app.free(first).await, 5);

        let (status, rebooked) = alice.book(first).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_ne!(rebooked["id"], series["id"]);
        let (_, list) = alice.get("/api/v1/me/reservations").await;
        assert_eq!(list.as_array().unwrap().len(), 2, "history keeps the cancelled one");
    }

    async fn after_the_deadline_only_the_office_can_change(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let other = app.slot(1, "2026-12-20", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-17", "10:00", f.lane_a, 5).await;
        let alice = app.student("alice").await;
        let (_, series) = alice.book(first).await;
        let path = format!("/api/v1/me/reservations/{}", series["id"].as_str().unwrap());

        app.clock.set(tokyo("2026-12-07", "12:00"));
        let (status, body) = alice.patch(&path, &json!({"slot_id": other.get()})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["code"], "deadline_passed");
        assert!(body["message"].as_str().unwrap().contains("事務局"));
        let response = alice
            .http
            .delete(app.url(&path))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "deadline_passed");
        assert!(body["message"].as_str().unwrap().contains("office"));
        let (_, list) = alice.get("/api/v1/me/reservations").await;
        assert_eq!(list[0]["state"], "booked");
        assert_eq!(list[0]["changeable"], false);
    }

    async fn people_book_only_what_they_are_eligible_for(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let staff_slot = app
            .slot_with(1, "2026-12-10", "11:00", f.lane_a, 5, SlotEligibility {
                institutions: BTreeSet::new(),
                user_types: BTreeSet::from([UserType::Staff]),
            })
            .await;
        let other_institution = app
            .slot_with(1, "2026-12-10", "11:30", f.lane_a, 5, SlotEligibility {
                institutions: BTreeSet::from([InstitutionId::new(f.staff_only.get())]),
                user_types: BTreeSet::new(),
            })
            .await;
        let alice = app.student("alice").await;
        for slot in [staff_slot, other_institution] {
            let (status, body) = alice.book(slot).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
            assert_eq!(body["code"], "not_eligible");
        }
        // A student of a staff-only institution books nothing.
        app.member(f.staff_only, "carol", UserType::Student).await;
        let carol = app.client();
        carol.login("staffonly", "carol", "secret").await;
        let (status, body) = carol.book(first).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["code"], "not_eligible");
    }

    async fn a_series_starts_with_a_first_dose_and_unknown_slots_are_404(app) {
        let f = app.fixture.clone();
        let second = app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let alice = app.student("alice").await;
        let (status, body) = alice.book(second).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], "not_first_dose");
        let (status, body) = alice.book(sesshu_domain::SlotId::new(999_999)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["code"], "not_found");
    }

    async fn another_persons_reservation_is_not_found(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let alice = app.student("alice").await;
        let (_, series) = alice.book(first).await;
        let path = format!("/api/v1/me/reservations/{}", series["id"].as_str().unwrap());
        let mallory = app.student("mallory").await;
        let (status, body) = mallory.delete(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["code"], "not_found");
        let (status, _) = mallory.patch(&path, &json!({"slot_id": first.get()})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = mallory.delete("/api/v1/me/reservations/not-a-number").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(app.free(first).await, 4);
    }

    async fn the_api_requires_a_session_json_and_same_origin(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
        let (status, body) = app.client().book(first).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "unauthenticated");

        let alice = app.student("alice").await;
        let url = app.url("/api/v1/me/reservations");
        let form = alice
            .http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("slot_id={}", first.get()))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let broken = alice
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body("{\"slot_id\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
        let body: serde_json::Value = broken.json().await.unwrap();
        assert_eq!(body["code"], "invalid_body");

        for (header, value) in [
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-site", "same-site"),
        ] {
            let response = alice
                .http
                .post(&url)
                .header(header, value)
                .json(&json!({"slot_id": first.get()}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{header}: {value}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["code"], "cross_site_request");
        }
        assert_eq!(app.free(first).await, 5);

        let same_origin = alice
            .http
            .post(&url)
            .header("origin", &app.base)
            .header("sec-fetch-site", "same-origin")
            .json(&json!({"slot_id": first.get()}))
            .send()
            .await
            .unwrap();
        assert_eq!(same_origin.status(), StatusCode::CREATED);
    }
}
