//! No-shows (未接種者): the doses of a day that nobody checked in, and
//! cancelling their reservations in one transaction ([`crate::flows::cancel_no_shows`]).

use crate::StoreResult;
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::{
    AuditEntry, DoseNumber, InstitutionId, Language, Series, SeriesId, SlotId, VenueId,
};

/// Which no-shows to read: those of a Tokyo day, optionally at one venue
/// and of one institution's people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoShowQuery {
    pub day: NaiveDate,
    pub venue: Option<VenueId>,
    pub institution: Option<InstitutionId>,
}

/// An active series with a dose whose slot started that day and that was
/// not checked in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoShow {
    /// The whole series (both doses), as it was read.
    pub series: Series,
    /// The dose missed.
    pub dose: DoseNumber,
    /// The institution of the series' person (for grouping and scope).
    pub institution: InstitutionId,
}

impl NoShow {
    /// The slot of the missed dose.
    pub fn slot(&self) -> Option<SlotId> {
        self.series.dose(self.dose).map(|d| d.slot)
    }

    /// The venue of the missed dose.
    pub fn venue(&self) -> Option<VenueId> {
        self.series.dose(self.dose).map(|d| d.venue)
    }

    /// When the missed dose was due.
    pub fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.series.dose(self.dose).map(|d| d.starts_at)
    }
}

/// A no-show to cancel: the series, the dose missed and the slot it was
/// missed in (as listed), and the language of the person's mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoShowCancel {
    pub series: SeriesId,
    pub dose: DoseNumber,
    pub slot: SlotId,
    pub language: Language,
}

/// Why a listed no-show was not cancelled: what the transaction found
/// under the series' lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoShowSkip {
    /// The dose was checked in after the list was read (a late arrival at
    /// the desk): the check-in wins.
    CheckedIn,
    /// The series ended meanwhile (cancelled by the person or the office).
    NotActive,
    /// The dose is no longer in that slot (moved meanwhile).
    Moved,
    /// The series does not exist.
    Missing,
}

/// What happened to one listed no-show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoShowOutcome {
    /// Cancelled: the places of the doses not attended released, the
    /// `no_show` mail queued.
    Cancelled(Series),
    Skipped(SeriesId, NoShowSkip),
}

/// Makes the batch's one audit entry from what was done (the count in its
/// detail), in the transaction that did it.
pub type NoShowAudit<'a> = dyn Fn(&[NoShowOutcome]) -> AuditEntry + Send + Sync + 'a;

#[async_trait::async_trait]
pub trait NoShowStore: Send + Sync {
    /// The no-shows of a day, in series order.
    async fn no_shows(&self, query: &NoShowQuery) -> StoreResult<Vec<NoShow>>;

    /// Cancels the listed no-shows in one transaction, each checked again
    /// under its series' lock (still active, the dose still in that slot
    /// and still not checked in; otherwise skipped), and appends the entry
    /// `audit` makes of the outcomes; `now` dates the cancellations. The
    /// outcomes are in series order.
    async fn cancel_no_shows(
        &self,
        noshows: &[NoShowCancel],
        now: DateTime<Utc>,
        audit: &NoShowAudit<'_>,
    ) -> StoreResult<Vec<NoShowOutcome>>;
}
