//! FHIR's `date` search parameter, read as a period of days.

use crate::lists::Period;
use chrono::NaiveDate;

/// Why a request's `date` search parameters do not name a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateProblem {
    /// No `date` at all.
    Missing,
    /// A value that is not a day (`YYYY-MM-DD`) after an optional prefix
    /// `eq`, `ge`, `le`, `gt` or `lt` (times and the other prefixes are
    /// not searched by).
    Malformed,
    /// A lower bound without an upper one, or the other way round.
    Open,
    /// The period ends before it starts.
    Empty,
}

/// The period FHIR's `date` search parameters name, at day precision
/// (Asia/Tokyo): one day (`2026-12-10`, `eq2026-12-10`), or both bounds
/// of a range (`ge2026-12-01` and `le2026-12-31`; `gt`/`lt` exclude their
/// day). Several values narrow each other, as FHIR's repeated parameters
/// do (AND).
pub fn period_of_dates<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Period, DateProblem> {
    let (mut from, mut to): (Option<NaiveDate>, Option<NaiveDate>) = (None, None);
    let mut any = false;
    for value in values {
        any = true;
        let value = value.trim();
        let (prefix, day) = match value.get(..2) {
            Some(p @ ("eq" | "ge" | "le" | "gt" | "lt")) => (p, &value[2..]),
            _ => ("eq", value),
        };
        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .ok()
            .filter(|_| day.len() == 10)
            .ok_or(DateProblem::Malformed)?;
        let next = || day.succ_opt().ok_or(DateProblem::Malformed);
        let previous = || day.pred_opt().ok_or(DateProblem::Malformed);
        let (low, high) = match prefix {
            "ge" => (Some(day), None),
            "gt" => (Some(next()?), None),
            "le" => (None, Some(day)),
            "lt" => (None, Some(previous()?)),
            _ => (Some(day), Some(day)),
        };
        from = from.max(low);
        to = match (to, high) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    if !any {
        return Err(DateProblem::Missing);
    }
    match (from, to) {
        (Some(from), Some(to)) => Period::new(from, to).ok_or(DateProblem::Empty),
        _ => Err(DateProblem::Open),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_date_search_names_one_day_or_a_bounded_range() {
        let period = |values: &[&str]| period_of_dates(values.iter().copied());
        let one = Period::new(day("2026-12-10"), day("2026-12-10")).unwrap();
        assert_eq!(period(&["2026-12-10"]), Ok(one));
        assert_eq!(period(&["eq2026-12-10"]), Ok(one));
        let december = Period::new(day("2026-12-01"), day("2026-12-31")).unwrap();
        assert_eq!(period(&["ge2026-12-01", "le2026-12-31"]), Ok(december));
        assert_eq!(period(&["le2026-12-31", "ge2026-12-01"]), Ok(december));
        assert_eq!(period(&["gt2026-11-30", "lt2027-01-01"]), Ok(december));
        assert_eq!(
            period(&["ge2026-12-01", "le2026-12-31", "ge2026-12-10"]),
            Ok(Period::new(day("2026-12-10"), day("2026-12-31")).unwrap()),
            "repeated parameters narrow"
        );
        assert_eq!(period(&[]), Err(DateProblem::Missing));
        assert_eq!(period(&["ge2026-12-01"]), Err(DateProblem::Open));
        assert_eq!(period(&["le2026-12-01"]), Err(DateProblem::Open));
        assert_eq!(
            period(&["ge2026-12-31", "le2026-12-01"]),
            Err(DateProblem::Empty)
        );
        for malformed in [
            "2026-12",
            "2026-12-10T10:00:00+09:00",
            "ne2026-12-10",
            "2026-13-01",
            "",
            "2026-1-5",
        ] {
            assert_eq!(
                period(&[malformed]),
                Err(DateProblem::Malformed),
                "{malformed:?}"
            );
        }
    }
}
