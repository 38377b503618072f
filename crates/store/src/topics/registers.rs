//! The records handed on after the vaccination: each dose decided in a
//! period with what the national Vaccination Record System (VRS) and a FHIR
//! consumer need, and which doses were handed to VRS already.

use crate::StoreResult;
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::{
    AuditEntry, Decision, DoseNumber, InstitutionId, LotNumber, PersonId, ReservationNumber,
    SeriesId, Vaccinated, VaccineId, VenueId,
};

/// A dose with a decision (given, or not given and why), as the registers
/// read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredDose {
    pub series: SeriesId,
    pub number: ReservationNumber,
    pub person: PersonId,
    pub institution: InstitutionId,
    pub dose: DoseNumber,
    /// The venue and vaccine of the dose's slot.
    pub venue: VenueId,
    pub vaccine: VaccineId,
    pub decision: Decision,
    pub decided_at: DateTime<Utc>,
    /// The vaccination given, with its lot's number and expiry day.
    pub given: Option<(Vaccinated, LotNumber, NaiveDate)>,
    /// Whether the desk collected the dose's voucher.
    pub voucher_collected: bool,
    /// When the dose was first handed to VRS, and how many times.
    pub vrs_exported: Option<(DateTime<Utc>, u32)>,
}

impl RegisteredDose {
    /// When it happened: the vaccination, or the decision not to give it.
    pub fn at(&self) -> DateTime<Utc> {
        self.given
            .as_ref()
            .map_or(self.decided_at, |(v, _, _)| v.at)
    }
}

#[async_trait::async_trait]
pub trait RegisterStore: Send + Sync {
    /// The doses given, or decided not to be given, in `[from, to)` (the
    /// vaccination's time, else the decision's), of one institution or all,
    /// in time order.
    async fn registered_doses(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        institution: Option<InstitutionId>,
    ) -> StoreResult<Vec<RegisteredDose>>;

    /// Marks `doses` as handed to VRS at `at` (a first time, or once more)
    /// and writes `audit`, in one transaction.
    async fn mark_vrs_exported(
        &self,
        doses: &[(SeriesId, DoseNumber)],
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
}
