//! Reservation series: reading them, and the booking transactions of
//! [`crate::flows`].

use crate::{BatchOp, Booked, NewSeries, Reschedule, SeriesSearch, StoreResult};
use chrono::{DateTime, Utc};
use sesshu_domain::{
    AuditEntry, CheckInToken, InstitutionId, Language, PersonId, ReservationNumber, Series,
    SeriesId, VenueId,
};

#[async_trait::async_trait]
pub trait BookingStore: Send + Sync {
    /// The person's series, newest first, cancelled ones included.
    async fn series_of(&self, person: PersonId) -> StoreResult<Vec<Series>>;
    async fn series(&self, id: SeriesId) -> StoreResult<Option<Series>>;
    async fn series_by_number(&self, number: &ReservationNumber) -> StoreResult<Option<Series>>;
    /// The active series whose confirmation carries `token` (a QR code
    /// scanned at the desk); none for an old token.
    async fn series_by_token(&self, token: &CheckInToken) -> StoreResult<Option<Series>>;
    /// The token of a series' confirmation; none once it is cancelled.
    async fn check_in_token(&self, series: SeriesId) -> StoreResult<Option<CheckInToken>>;
    /// The active series of an institution's people (its reservation list).
    async fn series_of_institution(&self, institution: InstitutionId) -> StoreResult<Vec<Series>>;
    /// Series matching every filter of `search`, newest first (the office's
    /// reservation search).
    async fn search_series(&self, search: &SeriesSearch) -> StoreResult<Vec<Series>>;
    /// Active series with a dose at `venue` starting in `[from, to)` (both
    /// doses each): a day's recipients.
    async fn series_at(
        &self,
        venue: VenueId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Series>>;

    /// Books a new series in one transaction: a place in the first slot, a
    /// place in the first of `second_candidates` that has one, the series,
    /// and the idempotency record; or nothing.
    ///
    /// Refuses with [`StoreError::Rejected`]: `SlotFull`, `SlotClosed`,
    /// `NoSecondDoseSlot`, `AlreadyBooked`. With an idempotency key already
    /// used by this person, returns [`Booked::Replayed`] with the series it
    /// made, or [`StoreError::IdempotencyKeyReused`] if the request differs.
    async fn book(&self, request: &NewSeries) -> StoreResult<Booked>;

    /// Moves doses of an active series to new slots in one transaction: the
    /// old places are released, each moved dose takes the first candidate
    /// with a free place; or nothing changes.
    async fn reschedule(&self, request: &Reschedule) -> StoreResult<Series>;

    /// Cancels an active series and releases its places, and queues the
    /// mail saying so (in `language`). Cancelling a cancelled series changes
    /// nothing and returns it.
    async fn cancel(
        &self,
        series: SeriesId,
        language: Language,
        now: DateTime<Utc>,
    ) -> StoreResult<Series>;
    /// Cancels as [`Store::cancel`] does, for the office (at any time), with
    /// its audit entry in the same transaction.
    async fn cancel_audited(
        &self,
        series: SeriesId,
        language: Language,
        audit: &AuditEntry,
    ) -> StoreResult<Series>;

    /// Makes every change of `batch`, then appends `audit`, in one
    /// transaction; the first change that fails undoes them all and comes
    /// back as [`StoreError::InBatch`] with its index.
    async fn apply_batch(&self, batch: &[BatchOp], audit: &AuditEntry) -> StoreResult<Vec<Series>>;
}
