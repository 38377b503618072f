//! The booking phase: which slot each person books, and everybody booking at
//! once behind a barrier with at most C requests in flight.

use crate::api::{self, Dose, Outcome, Series, Slot};
use crate::args::Mode;
use crate::people::Person;
use anyhow::{Context, Result};
use chrono::{DateTime, Days, FixedOffset};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Barrier, Semaphore};
use tokio::task::JoinSet;

/// First-dose slots starting at least this many days after today (Tokyo)
/// are clear of the change deadline (12:00, three days before the day).
const DAYS_AHEAD: u64 = 4;

/// The first-dose slots the people may book: dose 1, open, with free
/// places, on day `today + 4` or later. In start order, then slot id.
pub fn bookable(slots: &[Slot], now: DateTime<FixedOffset>) -> Result<Vec<Slot>> {
    let first_day = now
        .date_naive()
        .checked_add_days(Days::new(DAYS_AHEAD))
        .context("date out of range")?;
    let tokyo = api::tokyo()?;
    let mut bookable: Vec<Slot> = slots
        .iter()
        .filter(|s| {
            s.dose == 1
                && s.free > 0
                && s.opens_at <= now
                && s.starts_at.with_timezone(&tokyo).date_naive() >= first_day
        })
        .cloned()
        .collect();
    bookable.sort_by_key(|s| (s.starts_at, s.slot_id));
    Ok(bookable)
}

/// Which slot each person books.
#[derive(Debug)]
pub struct Plan {
    /// The slot of person `i`.
    pub choices: Vec<i64>,
    /// The slots aimed at, with their free places before the run.
    pub targets: Vec<Slot>,
    /// The most bookings that can succeed: per target slot, the smaller of
    /// its free places and the number of people sent to it.
    pub max_successes: u64,
}

/// `spread`: person `i` books bookable slot `i mod len` (round-robin in start
/// order). `hot`: the bookable slots of one time (its lanes), person `i`
/// books lane `i mod lanes`; the time with the most free places, the
/// earliest of equals. On the demo as seeded every time has 4 × 8 places,
/// so that is the earliest bookable time; `scripts/bench.sh` raises the
/// capacity of one time's lanes (and of the second-dose slots 28 days
/// later) to measure throughput on a few hot rows, and the tool follows
/// the places without being told where they are.
pub fn plan(mode: Mode, bookable: &[Slot], people: usize) -> Result<Plan> {
    let targets: Vec<Slot> = match mode {
        Mode::Spread => bookable.to_vec(),
        Mode::Hot => {
            let mut free_at: BTreeMap<DateTime<FixedOffset>, i64> = BTreeMap::new();
            for s in bookable {
                *free_at.entry(s.starts_at).or_default() += s.free;
            }
            // Most free places first; the earliest time among equals.
            let hot = free_at
                .iter()
                .max_by(|(ta, fa), (tb, fb)| fa.cmp(fb).then(tb.cmp(ta)))
                .map(|(t, _)| *t);
            bookable
                .iter()
                .filter(|s| Some(s.starts_at) == hot)
                .cloned()
                .collect()
        }
    };
    anyhow::ensure!(
        !targets.is_empty(),
        "no bookable first-dose slot (dose 1, open by the server's clock, free places, on the 4th day from today or later)"
    );
    let choices: Vec<i64> = (0..people)
        .filter_map(|i| targets.get(i % targets.len()).map(|s| s.slot_id))
        .collect();
    let mut sent: BTreeMap<i64, u64> = BTreeMap::new();
    for &slot in &choices {
        *sent.entry(slot).or_default() += 1;
    }
    let max_successes = targets
        .iter()
        .map(|s| {
            let people = sent.get(&s.slot_id).copied().unwrap_or(0);
            people.min(u64::try_from(s.free).unwrap_or(0))
        })
        .sum();
    Ok(Plan {
        choices,
        targets,
        max_successes,
    })
}

/// One booking request.
#[derive(Debug)]
pub struct Attempt {
    /// Whose booking it is.
    pub login: String,
    pub slot_id: i64,
    pub latency: Duration,
    /// When the answer ended.
    pub done: Instant,
    pub outcome: Outcome,
    /// The doses of a 201 answer; `None` when the body could not be read.
    pub doses: Option<Vec<Dose>>,
    /// The reservation number of a 201 answer.
    pub number: Option<String>,
}

#[derive(Debug)]
pub struct BookingPhase {
    pub attempts: Vec<Attempt>,
    /// When the crowd was released.
    pub start: Instant,
    /// From the barrier's release to the last answer.
    pub wall: Duration,
}

impl BookingPhase {
    /// From the release to the end of the last 201: on a run with more
    /// people than places, the time until every place was taken.
    pub fn last_success(&self) -> Option<Duration> {
        self.attempts
            .iter()
            .filter(|a| a.outcome.is_success())
            .map(|a| a.done.saturating_duration_since(self.start))
            .max()
    }
}

/// Every person books their slot: all tasks wait at a barrier, then at most
/// `concurrency` requests are in flight. Latency counts from sending to the
/// end of the answer (not the wait for a permit).
pub async fn book_all(
    client: &reqwest::Client,
    base: &str,
    people: Vec<Person>,
    choices: &[i64],
    concurrency: usize,
    idempotency_prefix: Option<&str>,
    released: tokio::sync::oneshot::Sender<Instant>,
) -> Result<BookingPhase> {
    let url = Arc::new(format!("{base}/api/v1/me/reservations"));
    let semaphore = Arc::new(Semaphore::new(concurrency));
    let tasks_count = people.len().min(choices.len());
    let barrier = Arc::new(Barrier::new(tasks_count + 1));
    let mut tasks = JoinSet::new();
    for (person, &slot_id) in people.into_iter().zip(choices) {
        let url = Arc::clone(&url);
        let semaphore = Arc::clone(&semaphore);
        let barrier = Arc::clone(&barrier);
        let client = client.clone();
        let key = idempotency_prefix.map(|prefix| format!("{prefix}-{}", person.login));
        tasks.spawn(async move {
            barrier.wait().await;
            let _permit = semaphore.acquire_owned().await?;
            let tries = api::until_admitted(
                || {
                    let request = client
                        .post(url.as_str())
                        .header(reqwest::header::COOKIE, &person.cookie)
                        .json(&json!({ "slot_id": slot_id }));
                    match &key {
                        Some(key) => request.header("Idempotency-Key", key),
                        None => request,
                    }
                },
                201,
            )
            .await;
            let done = Instant::now();
            Ok::<_, anyhow::Error>(
                tries
                    .into_iter()
                    .map(|timed| {
                        let series = timed
                            .body
                            .as_deref()
                            .and_then(|body| serde_json::from_str::<Series>(body).ok());
                        Attempt {
                            login: person.login.clone(),
                            slot_id,
                            latency: timed.latency,
                            done,
                            outcome: timed.outcome,
                            number: series.as_ref().map(|s| s.id.clone()),
                            doses: series.map(|s| s.doses),
                        }
                    })
                    .collect::<Vec<_>>(),
            )
        });
    }
    barrier.wait().await;
    let start = Instant::now();
    // The readers of the read-heavy mode start with the crowd; a reader
    // that is gone is no error.
    let _ = released.send(start);
    let mut attempts = Vec::with_capacity(tasks_count);
    while let Some(joined) = tasks.join_next().await {
        attempts.extend(joined.context("a booking task failed")??);
    }
    Ok(BookingPhase {
        attempts,
        start,
        wall: start.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(id: i64, starts_at: &str, dose: u8, free: i64) -> Slot {
        let t = DateTime::parse_from_rfc3339(starts_at).unwrap();
        Slot {
            slot_id: id,
            starts_at: t,
            dose,
            capacity: 8,
            free,
            opens_at: DateTime::parse_from_rfc3339("2026-01-01T00:00:00+09:00").unwrap(),
        }
    }

    fn now() -> DateTime<FixedOffset> {
        // Monday 2026-03-02, 10:00 Tokyo.
        DateTime::parse_from_rfc3339("2026-03-02T10:00:00+09:00").unwrap()
    }

    #[test]
    fn bookable_keeps_open_first_doses_four_days_ahead() {
        let slots = [
            slot(1, "2026-03-05T09:30:00+09:00", 1, 8), // 3 days ahead: deadline
            slot(2, "2026-03-06T09:30:00+09:00", 1, 8), // 4 days ahead
            slot(3, "2026-03-06T09:30:00+09:00", 1, 0), // full
            slot(4, "2026-04-03T09:30:00+09:00", 2, 8), // second dose
        ];
        let ids: Vec<i64> = bookable(&slots, now())
            .unwrap()
            .iter()
            .map(|s| s.slot_id)
            .collect();
        assert_eq!(ids, [2]);
    }

    #[test]
    fn hot_aims_at_the_earliest_time_and_counts_places() {
        let slots = [
            slot(5, "2026-03-06T09:30:00+09:00", 1, 8),
            slot(6, "2026-03-06T09:30:00+09:00", 1, 3),
            slot(7, "2026-03-06T10:00:00+09:00", 1, 8),
        ];
        let plan = plan(Mode::Hot, &slots, 10).unwrap();
        assert_eq!(plan.targets.len(), 2);
        assert_eq!(plan.choices, [5, 6, 5, 6, 5, 6, 5, 6, 5, 6]);
        assert_eq!(plan.max_successes, 5 + 3);
    }

    #[test]
    fn hot_follows_the_time_with_the_most_places() {
        let slots = [
            slot(5, "2026-03-06T09:30:00+09:00", 1, 8),
            slot(6, "2026-03-06T09:30:00+09:00", 1, 8),
            slot(7, "2026-03-09T10:00:00+09:00", 1, 2000),
            slot(8, "2026-03-09T10:00:00+09:00", 1, 1990),
            slot(9, "2026-03-09T10:30:00+09:00", 1, 8),
        ];
        let plan = plan(Mode::Hot, &slots, 3).unwrap();
        let targets: Vec<i64> = plan.targets.iter().map(|s| s.slot_id).collect();
        assert_eq!(targets, [7, 8]);
        assert_eq!(plan.choices, [7, 8, 7]);
        assert_eq!(plan.max_successes, 3);
    }

    #[test]
    fn spread_goes_round_robin() {
        let slots = [
            slot(5, "2026-03-06T09:30:00+09:00", 1, 8),
            slot(7, "2026-03-06T10:00:00+09:00", 1, 1),
        ];
        let plan = plan(Mode::Spread, &slots, 3).unwrap();
        assert_eq!(plan.choices, [5, 7, 5]);
        assert_eq!(plan.max_successes, 2 + 1);
    }
}
