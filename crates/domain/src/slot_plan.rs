//! The slot generator's rules (予約枠の一括登録): from a date range,
//! weekdays, excluded dates, time ranges, a slot length and lanes, the
//! slots to create; what is wrong with a plan; which planned slots would
//! overlap slots that exist. Times are Asia/Tokyo.

use crate::{DoseNumber, LaneId, Slot, TOKYO, VaccineId};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use std::collections::BTreeSet;

/// At most this many days in one plan.
pub const MAX_DAYS: i64 = 366;
/// At most this many slots in one plan (a season at one venue is ~20 000).
pub const MAX_SLOTS: usize = 50_000;

/// What the office asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotPlan {
    /// First and last day, both included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub weekdays: Vec<Weekday>,
    pub excluded: BTreeSet<NaiveDate>,
    /// Time ranges of a day (Tokyo), e.g. 09:00–12:00 and 13:00–17:00.
    pub times: Vec<(NaiveTime, NaiveTime)>,
    pub length_minutes: u32,
    pub lanes: Vec<LaneId>,
    pub capacity: u32,
    pub vaccine: VaccineId,
    pub dose: DoseNumber,
}

/// A slot the plan makes (venue, eligibility and opening come with it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlannedSlot {
    pub starts_at: DateTime<Utc>,
    pub lane: LaneId,
    pub ends_at: DateTime<Utc>,
}

/// What is wrong with a plan, each said once.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the last day is before the first")]
    Backwards,
    #[error("more than {MAX_DAYS} days")]
    TooLong,
    #[error("no weekday chosen")]
    NoWeekday,
    #[error("no lane chosen")]
    NoLane,
    #[error("no time range")]
    NoTimes,
    #[error("a time range ends before it starts: {0}–{1}")]
    EmptyRange(NaiveTime, NaiveTime),
    #[error("time ranges overlap: {0}–{1}")]
    Overlap(NaiveTime, NaiveTime),
    #[error("the slot length must be 5 to 240 minutes")]
    Length,
    #[error("the capacity must be 1 to 1000")]
    Capacity,
    #[error("the plan makes no slot")]
    Nothing,
    #[error("the plan makes more than {MAX_SLOTS} slots")]
    TooMany,
}

impl SlotPlan {
    /// Every problem of the plan; empty if it can be created.
    pub fn problems(&self) -> Vec<PlanError> {
        let mut problems = Vec::new();
        if self.to < self.from {
            problems.push(PlanError::Backwards);
        } else if (self.to - self.from).num_days() >= MAX_DAYS {
            problems.push(PlanError::TooLong);
        }
        if self.weekdays.is_empty() {
            problems.push(PlanError::NoWeekday);
        }
        if self.lanes.is_empty() {
            problems.push(PlanError::NoLane);
        }
        if self.times.is_empty() {
            problems.push(PlanError::NoTimes);
        }
        let mut ranges = self.times.clone();
        ranges.sort();
        for (start, end) in &ranges {
            if end <= start {
                problems.push(PlanError::EmptyRange(*start, *end));
            }
        }
        for pair in ranges.windows(2) {
            if pair[1].0 < pair[0].1 {
                problems.push(PlanError::Overlap(pair[1].0, pair[0].1));
            }
        }
        if !(5..=240).contains(&self.length_minutes) {
            problems.push(PlanError::Length);
        }
        if !(1..=1000).contains(&self.capacity) {
            problems.push(PlanError::Capacity);
        }
        if problems.is_empty() {
            match self.count() {
                0 => problems.push(PlanError::Nothing),
                n if n > MAX_SLOTS => problems.push(PlanError::TooMany),
                _ => {}
            }
        }
        problems
    }

    /// The days the plan covers.
    pub fn days(&self) -> Vec<NaiveDate> {
        self.from
            .iter_days()
            .take_while(|d| *d <= self.to)
            .take(MAX_DAYS as usize)
            .filter(|d| self.weekdays.contains(&d.weekday()) && !self.excluded.contains(d))
            .collect()
    }

    /// The slot starts of one day's time ranges: whole slots only (a range
    /// that does not divide by the length leaves its rest unused).
    fn starts(&self) -> Vec<(NaiveTime, NaiveTime)> {
        let length = Duration::minutes(i64::from(self.length_minutes.max(1)));
        let mut starts = Vec::new();
        for (start, end) in &self.times {
            let mut at = *start;
            while at < *end {
                let (next, wrapped) = at.overflowing_add_signed(length);
                if wrapped != 0 || next > *end {
                    break;
                }
                starts.push((at, next));
                at = next;
            }
        }
        starts.sort();
        starts
    }

    fn count(&self) -> usize {
        self.days().len() * self.starts().len() * self.lanes.len()
    }

    /// The slots, in time then lane order.
    pub fn slots(&self) -> Vec<PlannedSlot> {
        let starts = self.starts();
        let mut out = Vec::with_capacity(self.count().min(MAX_SLOTS));
        for day in self.days() {
            for (start, end) in &starts {
                let (Some(starts_at), Some(ends_at)) = (tokyo(day, *start), tokyo(day, *end))
                else {
                    continue;
                };
                for lane in &self.lanes {
                    out.push(PlannedSlot {
                        starts_at,
                        lane: *lane,
                        ends_at,
                    });
                }
            }
        }
        out.sort();
        out
    }

    /// The planned slots that overlap an existing slot of the same lane.
    pub fn conflicts(&self, existing: &[Slot]) -> Vec<PlannedSlot> {
        self.slots()
            .into_iter()
            .filter(|p| {
                existing
                    .iter()
                    .any(|s| s.lane == p.lane && s.starts_at < p.ends_at && p.starts_at < s.ends_at)
            })
            .collect()
    }
}

fn tokyo(day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    TOKYO
        .from_local_datetime(&day.and_time(time))
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn plan() -> SlotPlan {
        SlotPlan {
            from: date("2026-12-07"),
            to: date("2026-12-13"),
            weekdays: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            excluded: [date("2026-12-09")].into_iter().collect(),
            times: vec![
                (time("13:00"), time("14:00")),
                (time("09:00"), time("10:10")),
            ],
            length_minutes: 30,
            lanes: vec![LaneId::new(1), LaneId::new(2)],
            capacity: 8,
            vaccine: VaccineId::new(1),
            dose: DoseNumber::FIRST,
        }
    }

    #[test]
    fn weekdays_minus_excluded_days_times_whole_slots_times_lanes() {
        let plan = plan();
        assert_eq!(plan.problems(), vec![]);
        // Mon–Fri except Wed 9th: 4 days; 09:00, 09:30 (10:00–10:10 is no
        // whole slot), 13:00, 13:30: 4 slots; 2 lanes.
        let slots = plan.slots();
        assert_eq!(slots.len(), 4 * 4 * 2);
        let first = slots[0];
        assert_eq!(
            first.starts_at,
            tokyo(date("2026-12-07"), time("09:00")).unwrap()
        );
        assert_eq!(first.ends_at - first.starts_at, Duration::minutes(30));
        assert_eq!(
            (slots[0].lane, slots[1].lane),
            (LaneId::new(1), LaneId::new(2))
        );
        assert!(slots.iter().all(|s| {
            let day = s.starts_at.with_timezone(&TOKYO).date_naive();
            day != date("2026-12-09") && day.weekday() != Weekday::Sat
        }));
        assert_eq!(
            slots[0].starts_at.to_rfc3339(),
            "2026-12-07T00:00:00+00:00",
            "09:00 Tokyo"
        );
    }

    #[test]
    fn a_wrong_plan_says_everything_that_is_wrong() {
        let wrong = SlotPlan {
            to: date("2026-12-01"),
            weekdays: vec![],
            times: vec![
                (time("09:00"), time("12:00")),
                (time("11:00"), time("13:00")),
                (time("15:00"), time("14:00")),
            ],
            length_minutes: 0,
            capacity: 0,
            lanes: vec![],
            ..plan()
        };
        let problems = wrong.problems();
        for expected in [
            PlanError::Backwards,
            PlanError::NoWeekday,
            PlanError::NoLane,
            PlanError::EmptyRange(time("15:00"), time("14:00")),
            PlanError::Overlap(time("11:00"), time("12:00")),
            PlanError::Length,
            PlanError::Capacity,
        ] {
            assert!(problems.contains(&expected), "{expected:?} in {problems:?}");
        }
        let only_saturday = SlotPlan {
            weekdays: vec![Weekday::Sat],
            from: date("2026-12-07"),
            to: date("2026-12-11"),
            ..plan()
        };
        assert_eq!(only_saturday.problems(), vec![PlanError::Nothing]);
        let year = SlotPlan {
            to: date("2028-01-01"),
            ..plan()
        };
        assert_eq!(year.problems(), vec![PlanError::TooLong]);
    }

    #[test]
    fn planned_slots_that_overlap_existing_ones_of_the_lane_are_named() {
        let plan = plan();
        let existing = Slot {
            id: crate::SlotId::new(9),
            venue: crate::VenueId::new(1),
            lane: LaneId::new(2),
            vaccine: VaccineId::new(1),
            dose: DoseNumber::FIRST,
            starts_at: tokyo(date("2026-12-08"), time("09:15")).unwrap(),
            ends_at: tokyo(date("2026-12-08"), time("09:45")).unwrap(),
            capacity: 8,
            booked: 0,
            opens_at: tokyo(date("2026-12-01"), time("00:00")).unwrap(),
            closed: false,
            eligibility: Default::default(),
            quotas: Default::default(),
        };
        let conflicts = plan.conflicts(&[existing]);
        assert_eq!(
            conflicts.len(),
            2,
            "09:00 and 09:30 of lane 2 on the 8th: {conflicts:?}"
        );
        assert!(conflicts.iter().all(|c| c.lane == LaneId::new(2)));
    }
}
