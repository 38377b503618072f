//! The vaccination day after the check-in: the lot register of each venue,
//! and what each dose went through (questionnaire, decision, vaccination),
//! with the personal answers sealed per dose.

use crate::flows::Ending;
use crate::{Field, Sealed, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::{
    AdminId, AuditEntry, Decision, DoseNumber, DoseRecord, Lot, LotId, LotNumber, SeriesId,
    Vaccinated, VaccineId, VenueId,
};

/// A lot to register at a venue.
#[derive(Clone, Debug)]
pub struct NewLot {
    pub venue: VenueId,
    pub vaccine: VaccineId,
    pub number: LotNumber,
    pub expires_on: NaiveDate,
    pub doses: u32,
}

/// One step recorded for a dose at the venue.
#[derive(Clone, Debug)]
pub enum DoseStep {
    /// The questionnaire collected, with its sealed answers (none when only
    /// the paper was collected: a day worked offline).
    Questionnaire(Option<Sealed>),
    /// The doctor's decision (after the questionnaire), with its sealed
    /// reason; `ending` ends the series in the same transaction (a
    /// postponed first dose, a dose not given), `mail` tells the person
    /// otherwise (a postponed second dose: the office moves it).
    Decision {
        decision: Decision,
        reason: Option<Sealed>,
        ending: Option<Ending>,
        mail: Option<(sesshu_domain::MailKind, sesshu_domain::Language)>,
    },
    /// The vaccination given (after a decision to vaccinate), from a lot of
    /// the dose's venue that gives doses on `day` (its Tokyo date).
    Vaccination { given: Vaccinated, day: NaiveDate },
    /// A wrong record put right: the decision and vaccination become these
    /// (the lots' counts follow); the reason is in the audit entry.
    Correction {
        decision: Option<Decision>,
        vaccinated: Option<(Vaccinated, NaiveDate)>,
    },
}

/// A step, who recorded it and its audit entry (written in the same
/// transaction).
#[derive(Clone, Debug)]
pub struct DoseChange {
    pub series: SeriesId,
    pub dose: DoseNumber,
    pub by: AdminId,
    pub step: DoseStep,
    pub audit: AuditEntry,
}

/// A line of the day's sheet, uploaded after working offline: what it adds
/// to one dose, with its audit entry.
#[derive(Clone, Debug)]
pub struct SheetLine {
    pub series: SeriesId,
    pub dose: DoseNumber,
    /// Checked in (if it was not already).
    pub check_in: bool,
    /// The steps it adds, in order.
    pub steps: Vec<DoseStep>,
    /// The voucher collected (the sticker is on the paper questionnaire).
    pub collect_voucher: bool,
    pub audit: AuditEntry,
}

#[async_trait::async_trait]
pub trait VaccinationStore: Send + Sync {
    /// A venue's lots, newest first.
    async fn lots(&self, venue: VenueId) -> StoreResult<Vec<Lot>>;
    async fn lot(&self, id: LotId) -> StoreResult<Option<Lot>>;
    /// Registers a lot and audits it; a number already registered at the
    /// venue is refused ([`sesshu_domain::DoseRefusal::DuplicateLot`]).
    async fn register_lot(&self, lot: &NewLot, audit: &AuditEntry) -> StoreResult<LotId>;

    /// What the series' doses went through, in dose order (doses with
    /// nothing recorded are absent).
    async fn dose_records(&self, series: SeriesId) -> StoreResult<Vec<DoseRecord>>;
    /// The records of the doses given or decided in `[from, to)` at a venue
    /// (the day's sheet and counts).
    async fn dose_records_at(
        &self,
        venue: VenueId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<DoseRecord>>;
    /// A sealed value of a dose (one of [`Field::DOSE`]).
    async fn dose_data(
        &self,
        series: SeriesId,
        dose: DoseNumber,
        field: Field,
    ) -> StoreResult<Option<Sealed>>;

    /// Records a step in one transaction, checking under the series' lock
    /// that it follows the ones before (checked in, questionnaire, a
    /// decision to vaccinate, a lot that gives the dose); refuses with
    /// [`crate::StoreError::DoseRefused`].
    async fn record_dose(&self, change: &DoseChange) -> StoreResult<DoseRecord>;

    /// Applies the lines of a day's sheet in one transaction, each checked
    /// as [`VaccinationStore::record_dose`] checks a step, recorded by `by`,
    /// with each line's entry and then `audit`; the first line refused
    /// undoes them all ([`crate::StoreError::InBatch`] with its index).
    async fn apply_sheet(
        &self,
        by: AdminId,
        lines: &[SheetLine],
        audit: &AuditEntry,
    ) -> StoreResult<()>;

    /// The sealed values of doses after `after` (series, dose, field), in
    /// that order, each with the owner it is sealed for: a key rotation's
    /// batches.
    async fn dose_data_batch(
        &self,
        after: Option<(SeriesId, DoseNumber, Field)>,
        limit: u32,
    ) -> StoreResult<Vec<DoseValue>>;
    /// Replaces a dose's value sealed with `old` by `new`; `false` if it is
    /// no longer sealed with `old` (replaced meanwhile).
    async fn reseal_dose(
        &self,
        value: &DoseValue,
        old: &crate::KeyId,
        new: &Sealed,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
}

/// A dose's sealed value, with the owner it is sealed for.
#[derive(Clone, Debug)]
pub struct DoseValue {
    pub series: SeriesId,
    pub dose: DoseNumber,
    pub field: Field,
    pub owner: crate::Owner,
    pub sealed: Sealed,
}
