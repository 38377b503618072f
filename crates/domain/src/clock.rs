//! Time as a parameter.
//!
//! Deadlines, booking windows and (later) reminders depend on "now". Code
//! takes a [`Clock`] instead of calling the system clock (clippy's
//! `disallowed-methods` enforces it), so tests can stand at any minute.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::sync::Mutex;

/// Sesshu's civil time zone: all dates people see and all day boundaries.
pub const TOKYO: Tz = chrono_tz::Asia::Tokyo;

/// A source of the current instant.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the system clock
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told to move; for tests and demos.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The instant a Tokyo calendar day begins.
pub fn day_start(day: chrono::NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    // Asia/Tokyo has no daylight saving time: midnight exists exactly once.
    TOKYO
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or_else(
            || day.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

/// The Tokyo calendar day of an instant.
pub fn tokyo_day(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.with_timezone(&TOKYO).date_naive()
}
