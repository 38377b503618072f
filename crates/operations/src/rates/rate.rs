//! A rate (a share of a whole, as a percentage) and what each row's rate is a share of.

use sesshu_store::{DepartmentRates, MemberRates, VoucherRates};

/// A share of a whole, shown as a percentage with one decimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub part: u64,
    pub whole: u64,
}

impl Rate {
    pub fn of(part: u64, whole: u64) -> Self {
        Self { part, whole }
    }

    /// Tenths of a percent, rounded half up; `None` of nothing.
    pub fn tenths(self) -> Option<u64> {
        (self.whole > 0).then(|| {
            let part = u128::from(self.part) * 2000 + u128::from(self.whole);
            u64::try_from(part / (u128::from(self.whole) * 2)).unwrap_or(u64::MAX)
        })
    }

    /// `81.5` (no sign), or empty of nothing: what a CSV cell holds.
    pub fn percent(self) -> String {
        self.tenths()
            .map(|t| format!("{}.{}", t / 10, t % 10))
            .unwrap_or_default()
    }

    /// The share between 0 and 1 (a chart's bar); 0 of nothing.
    pub fn fraction(self) -> f64 {
        if self.whole == 0 {
            return 0.0;
        }
        // Counts of people fit f64's 53 bits exactly.
        (self.part as f64 / self.whole as f64).clamp(0.0, 1.0)
    }
}

/// What a row's rate is a share of.
pub trait Rated {
    fn rate(&self) -> Rate;
}

impl Rated for MemberRates {
    /// Fully vaccinated of the members.
    fn rate(&self) -> Rate {
        Rate::of(self.completed, self.members)
    }
}

impl Rated for DepartmentRates {
    /// Fully vaccinated (here or elsewhere) of the eligible members.
    fn rate(&self) -> Rate {
        Rate::of(self.here + self.elsewhere, self.eligible)
    }
}

impl Rated for VoucherRates {
    /// Collected of the doses given.
    fn rate(&self) -> Rate {
        Rate::of(self.collected, self.vaccinated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_a_percentage_with_one_decimal_rounded_half_up() {
        assert_eq!(Rate::of(815, 1000).percent(), "81.5");
        assert_eq!(Rate::of(1, 3).percent(), "33.3");
        assert_eq!(Rate::of(2, 3).percent(), "66.7");
        assert_eq!(Rate::of(1, 8).percent(), "12.5");
        assert_eq!(Rate::of(1, 16).percent(), "6.3", "6.25 rounds up");
        assert_eq!(Rate::of(3, 3).percent(), "100.0");
        assert_eq!(Rate::of(0, 5).percent(), "0.0");
        assert_eq!(Rate::of(0, 0).percent(), "", "nothing to share");
        assert_eq!(Rate::of(0, 0).fraction(), 0.0);
        assert_eq!(Rate::of(1, 4).fraction(), 0.25);
    }
}
