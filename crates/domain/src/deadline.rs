//! The change deadline: until when a person may book, change or cancel on
//! their own. After it, only the office changes a reservation.

use crate::TOKYO;
use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};

/// "12:00 Asia/Tokyo, 3 days before the first appointment of the series" by
/// default; each institution may set its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangeDeadline {
    /// Calendar days before the day of the first appointment.
    pub days_before: u32,
    /// Local (Asia/Tokyo) time of day on that day.
    pub at: NaiveTime,
}

impl Default for ChangeDeadline {
    fn default() -> Self {
        Self {
            days_before: 3,
            at: NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

impl ChangeDeadline {
    /// The instant from which a series whose first appointment starts at
    /// `first_appointment` can no longer be changed by the person.
    pub fn for_appointment(&self, first_appointment: DateTime<Utc>) -> DateTime<Utc> {
        let day = first_appointment.with_timezone(&TOKYO).date_naive();
        let day = day
            .checked_sub_days(Days::new(u64::from(self.days_before)))
            .unwrap_or(day);
        // Asia/Tokyo has no daylight saving time: every local time exists once.
        TOKYO
            .from_local_datetime(&day.and_time(self.at))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(first_appointment)
    }

    /// Whether, at `now`, the person may still change a series whose first
    /// appointment is at `first_appointment`. The deadline minute itself is
    /// already too late.
    pub fn allows_change(&self, first_appointment: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now < self.for_appointment(first_appointment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokyo(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        TOKYO
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn default_deadline_is_noon_tokyo_three_days_before() {
        let appointment = tokyo(2026, 12, 10, 9, 30);
        assert_eq!(
            ChangeDeadline::default().for_appointment(appointment),
            tokyo(2026, 12, 7, 12, 0)
        );
    }

    #[test]
    fn the_deadline_minute_itself_is_too_late() {
        let rule = ChangeDeadline::default();
        let appointment = tokyo(2026, 12, 10, 16, 45);
        assert!(rule.allows_change(appointment, tokyo(2026, 12, 7, 11, 59)));
        assert!(!rule.allows_change(appointment, tokyo(2026, 12, 7, 12, 0)));
        assert!(!rule.allows_change(appointment, tokyo(2026, 12, 8, 9, 0)));
    }

    #[test]
    fn day_boundaries_are_tokyo_days_not_utc_days() {
        // 08:30 in Tokyo is 23:30 UTC the day before: the deadline still
        // counts from the Tokyo date.
        let appointment = tokyo(2026, 12, 10, 8, 30);
        assert_eq!(
            ChangeDeadline::default().for_appointment(appointment),
            tokyo(2026, 12, 7, 12, 0)
        );
    }

    #[test]
    fn institutions_set_their_own_deadline() {
        let rule = ChangeDeadline {
            days_before: 1,
            at: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        };
        assert_eq!(
            rule.for_appointment(tokyo(2027, 1, 1, 10, 0)),
            tokyo(2026, 12, 31, 17, 0)
        );
    }
}
