//! The vaccination day at the venue: check-ins.

use crate::{CheckedIn, StoreResult};
use chrono::{DateTime, Utc};
use sesshu_domain::{AdminId, AuditEntry, DoseNumber, SeriesId};

#[async_trait::async_trait]
pub trait CheckInStore: Send + Sync {
    /// The doses of a series checked in at a venue, and when.
    async fn check_ins(&self, series: SeriesId) -> StoreResult<Vec<(DoseNumber, DateTime<Utc>)>>;
    /// Every dose checked in during `[from, to)`, in time order: who was
    /// vaccinated (the prefecture's list).
    async fn checked_in_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(SeriesId, DoseNumber, DateTime<Utc>)>>;
    /// Checks a dose in (once; a second time says when it was) and audits
    /// it, in one transaction, under the series' lock; a series no longer
    /// active (cancelled meanwhile, e.g. by the no-show batch) is refused
    /// with [`crate::StoreError::DoseRefused`]`(NotActive)`.
    async fn check_in(
        &self,
        series: SeriesId,
        dose: DoseNumber,
        by: AdminId,
        audit: &AuditEntry,
    ) -> StoreResult<CheckedIn>;
}
