//! What Sesshu mails people, and the rules of the outbox: when a reminder
//! is due, how long a failed mail waits before the next try, when it gives
//! up, and the Message-ID that makes a duplicate recognisable.
//!
//! Adding a kind of mail is one variant here and one template per language
//! in `sesshu-mail` (the compiler lists what is missing).

use crate::{TOKYO, day_start, tokyo_day};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use std::fmt;

crate::ids::id!(
    /// A job of the mail outbox.
    MailJobId
);

/// The kinds of mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MailKind {
    /// A series was booked (both doses).
    Booked,
    /// A series was moved to other times.
    Changed,
    /// A series was cancelled.
    Cancelled,
    /// The day before a dose.
    Reminder,
    /// The doctor postponed a dose: the reservation was cancelled (a first
    /// dose's) or its second dose released; how to book again.
    Postponed,
    /// The series ended without the vaccination (contraindicated, refused,
    /// unwell): the office or the doctor tells what next.
    NotVaccinated,
    /// The person did not come: the reservation was cancelled; how to book
    /// again.
    NoShow,
    /// Vaccinated, but the voucher (接種券) was not collected: give it on
    /// the booking site or bring it to the office.
    VoucherReminder,
}

impl MailKind {
    pub const ALL: [MailKind; 8] = [
        MailKind::Booked,
        MailKind::Changed,
        MailKind::Cancelled,
        MailKind::Reminder,
        MailKind::Postponed,
        MailKind::NotVaccinated,
        MailKind::NoShow,
        MailKind::VoucherReminder,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MailKind::Booked => "booked",
            MailKind::Changed => "changed",
            MailKind::Cancelled => "cancelled",
            MailKind::Reminder => "reminder",
            MailKind::Postponed => "postponed",
            MailKind::NotVaccinated => "not_vaccinated",
            MailKind::NoShow => "no_show",
            MailKind::VoucherReminder => "voucher_reminder",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Whether the mail tells of an appointment still to come (and so
    /// carries the calendar file and the check-in code). The others tell
    /// of appointments that are gone (cancelled, postponed, not given,
    /// missed) or of a dose already given (the voucher's reminder).
    pub fn has_appointments(self) -> bool {
        match self {
            MailKind::Booked | MailKind::Changed | MailKind::Reminder => true,
            MailKind::Cancelled
            | MailKind::Postponed
            | MailKind::NotVaccinated
            | MailKind::NoShow
            | MailKind::VoucherReminder => false,
        }
    }

    /// Whether the mail is about one dose (`mail_jobs.dose` is set): the
    /// reminder of a dose tomorrow, the voucher of a dose given.
    pub fn is_per_dose(self) -> bool {
        matches!(self, MailKind::Reminder | MailKind::VoucherReminder)
    }
}

impl fmt::Display for MailKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where a mail job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MailState {
    /// Waiting to be sent (again).
    Pending,
    /// Accepted by the SMTP server (or written to the outbox folder).
    Sent,
    /// Gave up: the office sees why and can send it again.
    Failed,
    /// Not to be sent any more (a reminder for a cancelled reservation).
    Skipped,
}

impl MailState {
    pub const ALL: [MailState; 4] = [
        MailState::Pending,
        MailState::Sent,
        MailState::Failed,
        MailState::Skipped,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MailState::Pending => "pending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
            MailState::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// How many times a mail is tried before it is given up.
pub const MAX_ATTEMPTS: u32 = 8;

/// After the `attempts`-th failed try, when to try again: 1, 5, 15 and 30
/// minutes, then 1, 2 and 4 hours (about eight hours in all, so a mail
/// server down overnight delays mails, not loses them); `None` once
/// [`MAX_ATTEMPTS`] are used up.
pub fn retry_after(attempts: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let minutes = match attempts {
        0 | 1 => 1,
        2 => 5,
        3 => 15,
        4 => 30,
        5 => 60,
        6 => 120,
        7 => 240,
        _ => return None,
    };
    (attempts < MAX_ATTEMPTS).then(|| now + chrono::Duration::minutes(minutes))
}

/// The Tokyo day whose appointments get their reminders now: tomorrow, once
/// today's reminder time has come (`None` before it). Run again later the
/// same day, it names the same day: reminders are queued idempotently.
pub fn reminder_day(now: DateTime<Utc>, at: NaiveTime) -> Option<NaiveDate> {
    let today = tokyo_day(now);
    let due = TOKYO
        .from_local_datetime(&today.and_time(at))
        .earliest()?
        .with_timezone(&Utc);
    (now >= due).then(|| today.succ_opt()).flatten()
}

/// The instants bounding a Tokyo day, for queries.
pub fn day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let next = day.succ_opt().unwrap_or(day);
    (day_start(day), day_start(next))
}

/// The Message-ID of a job's mail: the same on every try, so a duplicate
/// sent after a crash is recognisable as one.
pub fn message_id(job: MailJobId, domain: &str) -> String {
    format!("<sesshu-mail-{job}@{domain}>")
}

/// The key that makes queueing a reminder idempotent.
pub fn reminder_key(series: crate::SeriesId, dose: crate::DoseNumber, day: NaiveDate) -> String {
    format!("reminder:{series}:{}:{day}", dose.get())
}

/// The key that makes queueing the `nth` voucher reminder of a dose
/// idempotent.
pub fn voucher_reminder_key(series: crate::SeriesId, dose: crate::DoseNumber, nth: u32) -> String {
    format!("voucher:{series}:{}:{nth}", dose.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokyo(date: &str, time: &str) -> DateTime<Utc> {
        let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let time = NaiveTime::parse_from_str(time, "%H:%M").unwrap();
        TOKYO
            .from_local_datetime(&day.and_time(time))
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn reminders_for_tomorrow_are_due_from_the_reminder_hour_on() {
        let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
        assert_eq!(reminder_day(tokyo("2026-12-09", "09:59"), ten), None);
        let tomorrow = NaiveDate::from_ymd_opt(2026, 12, 10);
        assert_eq!(reminder_day(tokyo("2026-12-09", "10:00"), ten), tomorrow);
        assert_eq!(reminder_day(tokyo("2026-12-09", "23:59"), ten), tomorrow);
        // Tokyo's day, not UTC's: 00:30 on the 10th in Tokyo is the 9th in UTC.
        assert_eq!(reminder_day(tokyo("2026-12-10", "00:30"), ten), None);
    }

    #[test]
    fn retries_back_off_and_end() {
        let now = tokyo("2026-12-09", "10:00");
        assert_eq!(
            retry_after(1, now),
            Some(now + chrono::Duration::minutes(1))
        );
        assert_eq!(
            retry_after(2, now),
            Some(now + chrono::Duration::minutes(5))
        );
        assert_eq!(retry_after(7, now), Some(now + chrono::Duration::hours(4)));
        assert_eq!(retry_after(MAX_ATTEMPTS, now), None);
        let total: i64 = (1..MAX_ATTEMPTS)
            .filter_map(|n| retry_after(n, now))
            .map(|t| (t - now).num_minutes())
            .sum();
        assert!(
            total >= 7 * 60,
            "a night's outage is covered: {total} minutes"
        );
    }

    #[test]
    fn kinds_and_states_round_trip() {
        for kind in MailKind::ALL {
            assert_eq!(MailKind::parse(kind.code()), Some(kind));
        }
        let codes: Vec<_> = MailKind::ALL.iter().map(|k| k.code()).collect();
        for code in ["postponed", "not_vaccinated", "no_show", "voucher_reminder"] {
            assert!(codes.contains(&code), "the migrations allow {code}");
        }
        assert_eq!(
            voucher_reminder_key(crate::SeriesId::new(7), crate::DoseNumber::SECOND, 3),
            "voucher:7:2:3"
        );
        for state in MailState::ALL {
            assert_eq!(MailState::parse(state.code()), Some(state));
        }
        assert_eq!(
            message_id(MailJobId(42), "vaccine.example.ac.jp"),
            "<sesshu-mail-42@vaccine.example.ac.jp>"
        );
    }
}
