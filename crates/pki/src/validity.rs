use crate::PkiError;
use time::{Duration, OffsetDateTime};

/// How early a certificate starts before `now`: a machine whose clock is a
/// little behind the operator's still accepts it.
pub(crate) const CLOCK_SKEW: Duration = Duration::hours(1);

/// When a certificate is valid: `not_before` to `not_after`, in whole
/// seconds (X.509 has no fractions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

impl Validity {
    /// Exactly these times (a test's expired certificate, say).
    pub fn new(not_before: OffsetDateTime, not_after: OffsetDateTime) -> Result<Self, PkiError> {
        let not_before = whole_seconds(not_before);
        let not_after = whole_seconds(not_after);
        if not_after <= not_before {
            return Err(PkiError::BadValidity {
                not_before,
                not_after,
            });
        }
        Ok(Validity {
            not_before,
            not_after,
        })
    }

    /// From `now` (less an hour, for clocks that are behind) for `days` days.
    pub fn days(now: OffsetDateTime, days: u32) -> Self {
        Validity {
            not_before: whole_seconds(now - CLOCK_SKEW),
            not_after: whole_seconds(now + Duration::days(i64::from(days))),
        }
    }

    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }
}

pub(crate) fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    let utc = t.to_offset(time::UtcOffset::UTC);
    utc.replace_nanosecond(0).unwrap_or(utc)
}
