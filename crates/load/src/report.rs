//! The report: latency percentiles, counts per outcome, checks; as text and
//! as JSON.

use crate::api::Outcome;
use crate::check::{Check, Status};
use crate::readers::{Read, ReadKind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// Latency percentiles in milliseconds (nearest rank).
#[derive(Debug, Default, Serialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Latency {
    pub fn of(samples: &[Duration]) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let rank = |p: f64| {
            // Nearest rank: the smallest sample with at least p % at or below it.
            let n = sorted.len();
            let index = ((p / 100.0) * n as f64).ceil() as usize;
            sorted
                .get(index.clamp(1, n) - 1)
                .copied()
                .map(ms)
                .unwrap_or_default()
        };
        let total: Duration = sorted.iter().sum();
        Self {
            p50_ms: rank(50.0),
            p90_ms: rank(90.0),
            p99_ms: rank(99.0),
            max_ms: sorted.last().copied().map(ms).unwrap_or_default(),
            mean_ms: ms(total) / sorted.len() as f64,
        }
    }
}

/// Counts per outcome label, e.g. `201`, `409 slot_full`, `503 busy`.
pub fn count(outcomes: impl Iterator<Item = Outcome>) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for outcome in outcomes {
        *counts.entry(outcome.label()).or_default() += 1;
    }
    counts
}

fn per_second(n: u64, wall: Duration) -> f64 {
    let secs = wall.as_secs_f64();
    if secs > 0.0 { n as f64 / secs } else { 0.0 }
}

/// Requests slower than this are counted apart: the bound for a
/// crowd of 60,000 is "no request over 2 s".
pub const SLOW: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize)]
pub struct Phase {
    pub requests: u64,
    pub successes: u64,
    pub wall_s: f64,
    pub successes_per_s: f64,
    pub requests_per_s: f64,
    pub latency: Latency,
    /// The requests let in (every answer but `503 busy`), and those turned
    /// away busy: the door's promise is the first fast and the second at
    /// once.
    pub admitted: Latency,
    pub busy: Latency,
    pub busy_answers: u64,
    /// Requests that took longer than [`SLOW`].
    pub over_2s: u64,
    pub outcomes: BTreeMap<String, u64>,
}

impl Phase {
    pub fn new(latencies: &[Duration], outcomes: &[Outcome], wall: Duration) -> Self {
        let requests = outcomes.len() as u64;
        let successes = outcomes.iter().filter(|o| o.is_success()).count() as u64;
        Self {
            requests,
            successes,
            wall_s: wall.as_secs_f64(),
            successes_per_s: per_second(successes, wall),
            requests_per_s: per_second(requests, wall),
            latency: Latency::of(latencies),
            admitted: Latency::of(&split(latencies, outcomes, false)),
            busy: Latency::of(&split(latencies, outcomes, true)),
            busy_answers: outcomes.iter().filter(|o| o.is_busy()).count() as u64,
            over_2s: latencies.iter().filter(|l| **l > SLOW).count() as u64,
            outcomes: count(outcomes.iter().cloned()),
        }
    }
}

/// The latencies of the busy answers (`busy`) or of the others.
fn split(latencies: &[Duration], outcomes: &[Outcome], busy: bool) -> Vec<Duration> {
    latencies
        .iter()
        .zip(outcomes)
        .filter(|(_, o)| o.is_busy() == busy)
        .map(|(l, _)| *l)
        .collect()
}

/// The reads of one kind in the read-heavy mode, over the booking phase.
#[derive(Debug, Serialize)]
pub struct ReadsOfKind {
    pub kind: &'static str,
    pub phase: Phase,
    /// Answers `304 Not Modified`, and their share of all answers.
    pub not_modified: u64,
    pub not_modified_share: f64,
}

impl ReadsOfKind {
    pub fn of(reads: &[Read], wall: Duration) -> Vec<Self> {
        let mut kinds: BTreeMap<ReadKind, (Vec<Duration>, Vec<Outcome>)> = BTreeMap::new();
        for read in reads {
            let (latencies, outcomes) = kinds.entry(read.kind).or_default();
            latencies.push(read.latency);
            outcomes.push(read.outcome.clone());
        }
        kinds
            .into_iter()
            .map(|(kind, (latencies, outcomes))| {
                let not_modified = outcomes
                    .iter()
                    .filter(|o| **o == Outcome::Success(304))
                    .count() as u64;
                let share = if outcomes.is_empty() {
                    0.0
                } else {
                    not_modified as f64 / outcomes.len() as f64
                };
                Self {
                    kind: kind.label(),
                    phase: Phase::new(&latencies, &outcomes, wall),
                    not_modified,
                    not_modified_share: share,
                }
            })
            .collect()
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub url: String,
    pub mode: &'static str,
    pub people: usize,
    pub concurrency: usize,
    /// Bookable first-dose slots found, and how many the mode aims at.
    pub bookable_slots: usize,
    pub target_slots: usize,
    pub target_free_places: i64,
    /// Start of the first and of the last target slot (Tokyo).
    pub target_first_start: String,
    pub target_last_start: String,
    /// Σ over target slots of min(free places, people sent to it).
    pub max_successes: u64,
    pub login: Phase,
    pub booking: Phase,
    /// From the release to the end of the last 201.
    pub last_success_s: Option<f64>,
    /// The readers of the read-heavy mode (none: no readers).
    pub readers: usize,
    pub think_ms: u64,
    pub reads: Vec<ReadsOfKind>,
    pub checks: Vec<Check>,
    pub verdict: &'static str,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Fail)
    }

    /// The report as text for a terminal.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_text(&mut out);
        out
    }

    fn write_text(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "sesshu-load report")?;
        writeln!(out, "  server          {}", self.url)?;
        writeln!(out, "  mode            {}", self.mode)?;
        writeln!(out, "  people          {}", self.people)?;
        writeln!(out, "  concurrency     {}", self.concurrency)?;
        writeln!(
            out,
            "  target slots    {} of {} bookable first-dose slots, {} free places",
            self.target_slots, self.bookable_slots, self.target_free_places
        )?;
        writeln!(
            out,
            "  target starts   {} … {}",
            self.target_first_start, self.target_last_start
        )?;
        writeln!(
            out,
            "  max successes   {} (sum over target slots of min(free places, people sent))",
            self.max_successes
        )?;
        writeln!(out)?;
        write_phase(out, "login", "logins/s", &self.login)?;
        writeln!(out)?;
        write_phase(out, "booking", "bookings/s", &self.booking)?;
        if let Some(last) = self.last_success_s {
            writeln!(out, "  last 201 after  {last:.3} s")?;
        }
        writeln!(out)?;
        if !self.reads.is_empty() {
            writeln!(
                out,
                "reads during the booking phase ({} readers, think time {} ms)",
                self.readers, self.think_ms
            )?;
            for reads in &self.reads {
                write_phase(out, reads.kind, "answers/s", &reads.phase)?;
                writeln!(
                    out,
                    "  304 share       {:.3} ({} of {})",
                    reads.not_modified_share, reads.not_modified, reads.phase.requests
                )?;
            }
            writeln!(out)?;
        }
        writeln!(out, "consistency")?;
        for check in &self.checks {
            let status = match check.status {
                Status::Pass => "PASS",
                Status::Fail => "FAIL",
                Status::Skipped => "skip",
            };
            writeln!(out, "  {status}  {}: {}", check.name, check.detail)?;
        }
        writeln!(out)?;
        writeln!(out, "{}", self.verdict)
    }
}

fn write_phase(out: &mut String, name: &str, unit: &str, p: &Phase) -> std::fmt::Result {
    writeln!(out, "{name} phase")?;
    writeln!(out, "  wall time       {:.3} s", p.wall_s)?;
    writeln!(out, "  requests        {}", p.requests)?;
    writeln!(out, "  successes       {}", p.successes)?;
    writeln!(out, "  {unit:<15} {:.1}", p.successes_per_s)?;
    writeln!(out, "  requests/s      {:.1}", p.requests_per_s)?;
    let l = &p.latency;
    writeln!(
        out,
        "  latency ms      p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}  mean {:.1}",
        l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms, l.mean_ms
    )?;
    if p.busy_answers > 0 {
        let (a, b) = (&p.admitted, &p.busy);
        writeln!(
            out,
            "  admitted ms     p50 {:.1}  p99 {:.1}  max {:.1}",
            a.p50_ms, a.p99_ms, a.max_ms
        )?;
        writeln!(
            out,
            "  busy (503) ms   p50 {:.1}  p99 {:.1}  max {:.1}  ({} answers, retried after Retry-After)",
            b.p50_ms, b.p99_ms, b.max_ms, p.busy_answers
        )?;
    }
    writeln!(out, "  over 2 s        {}", p.over_2s)?;
    writeln!(out, "  outcomes")?;
    for (label, n) in &p.outcomes {
        writeln!(out, "    {label:<28} {n}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::of(&samples);
        assert_eq!(l.p50_ms, 50.0);
        assert_eq!(l.p90_ms, 90.0);
        assert_eq!(l.p99_ms, 99.0);
        assert_eq!(l.max_ms, 100.0);
        assert_eq!(l.mean_ms, 50.5);
    }

    #[test]
    fn reads_are_told_apart_by_kind_with_their_304_share() {
        let read = |kind, status, ms| Read {
            kind,
            latency: Duration::from_millis(ms),
            outcome: Outcome::Success(status),
        };
        let reads = [
            read(ReadKind::Day, 200, 5),
            read(ReadKind::Day, 304, 1),
            read(ReadKind::Day, 304, 2),
            read(ReadKind::Day, 304, 2500),
            read(ReadKind::Range, 200, 40),
        ];
        let kinds = ReadsOfKind::of(&reads, Duration::from_secs(1));
        assert_eq!(kinds.len(), 2);
        let day = &kinds[0];
        assert_eq!(day.kind, ReadKind::Day.label());
        assert_eq!((day.phase.requests, day.not_modified), (4, 3));
        assert_eq!(day.not_modified_share, 0.75);
        assert_eq!(day.phase.over_2s, 1);
        assert_eq!(kinds[1].not_modified, 0);
    }

    #[test]
    fn one_sample_and_none() {
        let l = Latency::of(&[Duration::from_millis(7)]);
        assert_eq!((l.p50_ms, l.p99_ms, l.max_ms), (7.0, 7.0, 7.0));
        assert_eq!(Latency::of(&[]).max_ms, 0.0);
    }
}
