//! Crowds racing for the same places: no overbooking, no lost booking, no
//! double series, no server error, and counts that match the reservations.

use crate::helpers::*;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeMap;

/// Logs in `n` students of `uni` (`racer000`…), one client each.
async fn crowd(app: &TestApp, n: usize) -> Vec<Client> {
    join_all((0..n).map(|i| app.student_owned(format!("racer{i:03}")))).await
}

impl TestApp {
    async fn student_owned(&self, login: String) -> Client {
        self.student(&login).await
    }
}

fn tally(results: &[(StatusCode, serde_json::Value)]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (status, body) in results {
        assert!(!status.is_server_error(), "server error: {status} {body}");
        let key = if *status == StatusCode::CREATED {
            "created".to_owned()
        } else {
            body["code"].as_str().unwrap_or("?").to_owned()
        };
        *out.entry(key).or_default() += 1;
    }
    out
}

on_both_databases! {
    async fn a_crowd_racing_for_three_places_gets_exactly_three(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 3).await;
        let second = app.slot(2, "2027-01-07", "10:00", f.lane_a, 100).await;
        let people = crowd(&app, 40).await;

        let results = join_all(people.iter().map(|p| p.book(first))).await;
        let counts = tally(&results);
        assert_eq!(counts.get("created"), Some(&3), "{counts:?}");
        assert_eq!(counts.get("slot_full"), Some(&37), "{counts:?}");
        assert_eq!(app.free(first).await, 0);
        assert_eq!(app.free(second).await, 97);

        let lists = join_all(people.iter().map(|p| p.get("/api/v1/me/reservations"))).await;
        let booked: usize = lists.iter().map(|(_, l)| l.as_array().unwrap().len()).sum();
        assert_eq!(booked, 3, "exactly the acknowledged bookings exist");
    }

    async fn a_scarce_second_dose_limits_the_series_and_leaks_no_first_dose_place(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 30).await;
        let second_a = app.slot(2, "2027-01-07", "10:00", f.lane_a, 1).await;
        let second_b = app.slot(2, "2027-01-07", "15:00", f.lane_b, 1).await;
        let people = crowd(&app, 20).await;

        let results = join_all(people.iter().map(|p| p.book(first))).await;
        let counts = tally(&results);
        assert_eq!(counts.get("created"), Some(&2), "{counts:?}");
        assert_eq!(counts.get("no_second_dose_slot"), Some(&18), "{counts:?}");
        assert_eq!(app.free(first).await, 28);
        assert_eq!(app.free(second_a).await, 0);
        assert_eq!(app.free(second_b).await, 0);
    }

    async fn a_double_click_makes_one_reservation(app) {
        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 50).await;
        app.slot(2, "2027-01-07", "10:00", f.lane_a, 50).await;
        let alice = app.student("alice").await;

        // Without a key: one series, the other clicks are told it exists.
        let results = join_all((0..12).map(|_| alice.book(first))).await;
        let counts = tally(&results);
        assert_eq!(counts.get("created"), Some(&1), "{counts:?}");
        assert_eq!(counts.get("already_booked"), Some(&11), "{counts:?}");
        assert_eq!(app.free(first).await, 49);

        // With a key: every click gets the same answer.
        let bob = app.student("bob").await;
        let responses = join_all((0..12).map(|_| {
            bob.http
                .post(app.url("/api/v1/me/reservations"))
                .header("idempotency-key", "click")
                .json(&json!({"slot_id": first.get()}))
                .send()
        }))
        .await;
        let mut ids = std::collections::BTreeSet::new();
        for response in responses {
            let response = response.unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
            let body: serde_json::Value = response.json().await.unwrap();
            ids.insert(body["id"].as_str().unwrap().to_owned());
        }
        assert_eq!(ids.len(), 1, "{ids:?}");
        assert_eq!(app.free(first).await, 48);
    }

    async fn concurrent_changes_and_cancellations_keep_the_counts_true(app) {
        let f = app.fixture.clone();
        let mut firsts = Vec::new();
        let mut seconds = Vec::new();
        for (time, lane) in [("10:00", f.lane_a), ("10:00", f.lane_b), ("10:30", f.lane_a)] {
            firsts.push(app.slot(1, "2026-12-10", time, lane, 6).await);
            seconds.push(app.slot(2, "2027-01-07", time, lane, 6).await);
        }
        let people = crowd(&app, 15).await;
        for (i, p) in people.iter().enumerate() {
            let (status, body) = p.book(firsts[i % 3]).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        // Everybody at once: some move to another time, some cancel.
        let targets = &firsts;
        let results = join_all(people.iter().enumerate().map(|(i, p)| async move {
            let (_, list) = p.get("/api/v1/me/reservations").await;
            let path = format!("/api/v1/me/reservations/{}", list[0]["id"].as_str().unwrap());
            if i % 4 == 0 {
                p.delete(&path).await
            } else {
                p.patch(&path, &json!({"slot_id": targets[(i + 1) % 3].get()})).await
            }
        }))
        .await;
        let counts = tally(&results);
        assert_eq!(counts.values().sum::<usize>(), 15, "{counts:?}");

        // Every slot's free count equals capacity minus the doses held in it.
        let mut held: BTreeMap<i64, i64> = BTreeMap::new();
        for p in &people {
            let (_, list) = p.get("/api/v1/me/reservations").await;
            for series in list.as_array().unwrap() {
                if series["state"] == "booked" {
                    for dose in series["doses"].as_array().unwrap() {
                        *held.entry(dose["slot_id"].as_i64().unwrap()).or_default() += 1;
                    }
                }
            }
        }
        for slot in firsts.iter().chain(&seconds) {
            let holders = held.get(&slot.get()).copied().unwrap_or(0);
            assert_eq!(app.free(*slot).await, 6 - holders, "slot {slot}");
        }
    }
}
