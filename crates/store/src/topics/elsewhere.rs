//! Doses received elsewhere (`external_doses`), keyed by a person's login at
//! their institution, and the doses a person holds here that the rules of
//! [`sesshu_domain::elsewhere`] weigh them against.

use crate::StoreResult;
use chrono::{DateTime, Utc};
use sesshu_domain::elsewhere::{Declaration, ImportLine};
use sesshu_domain::{
    AdminId, AuditEntry, DoseNumber, ElsewhereDose, InstitutionId, PersonId, ReservationNumber,
    SeriesId, Subject, VaccineId, VenueId,
};

/// A declaration that waits for the office's confirmation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub institution: InstitutionId,
    pub member: Subject,
    /// The person, once they signed in (a declaration is always theirs).
    pub person: Option<PersonId>,
    /// Their active reservation, if they hold one.
    pub reservation: Option<ReservationNumber>,
    pub dose: ElsewhereDose,
}

/// A dose given here: a vaccination recorded at a venue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GivenHere {
    pub series: SeriesId,
    pub number: ReservationNumber,
    pub dose: DoseNumber,
    pub at: DateTime<Utc>,
    pub vaccine: VaccineId,
    pub venue: VenueId,
}

/// How a person's own declaration went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Declared {
    /// Recorded (new, or replacing their own unconfirmed one).
    Recorded,
    /// The office recorded or confirmed this dose: nothing changed.
    OfficeEntry,
}

#[async_trait::async_trait]
pub trait ElsewhereStore: Send + Sync {
    /// The doses `member` of `institution` received elsewhere, in dose order.
    async fn elsewhere_doses(
        &self,
        institution: InstitutionId,
        member: &Subject,
    ) -> StoreResult<Vec<ElsewhereDose>>;

    /// The doses a person received elsewhere (by their login), in dose
    /// order: what the booking rules read.
    async fn elsewhere_doses_of(&self, person: PersonId) -> StoreResult<Vec<ElsewhereDose>>;

    /// The person's own declaration, recorded at `at`: a new entry, or one
    /// replacing their own declaration not yet confirmed; an entry of the
    /// office (recorded, imported or confirmed) is left as it is.
    async fn declare_elsewhere(
        &self,
        institution: InstitutionId,
        member: &Subject,
        declaration: &Declaration,
        at: DateTime<Utc>,
    ) -> StoreResult<Declared>;

    /// Withdraws the person's own declaration not yet confirmed; `false` if
    /// there is none (an office's entry stays).
    async fn withdraw_elsewhere(
        &self,
        institution: InstitutionId,
        member: &Subject,
        dose: DoseNumber,
    ) -> StoreResult<bool>;

    /// The office records or corrects a dose (source `office`, confirmed by
    /// `by` at the entry's time), with `audit`, in one transaction.
    async fn record_elsewhere(
        &self,
        institution: InstitutionId,
        member: &Subject,
        declaration: &Declaration,
        by: AdminId,
        audit: &AuditEntry,
    ) -> StoreResult<()>;

    /// The office confirms a dose as it is, with `audit`, in one
    /// transaction; `false` (and nothing written) if there is no such dose
    /// or it was confirmed already.
    async fn confirm_elsewhere(
        &self,
        institution: InstitutionId,
        member: &Subject,
        dose: DoseNumber,
        by: AdminId,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;

    /// The office removes a dose, with `audit`, in one transaction; `false`
    /// (and nothing written) if there is none.
    async fn remove_elsewhere(
        &self,
        institution: InstitutionId,
        member: &Subject,
        dose: DoseNumber,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;

    /// The declarations not yet confirmed, of one institution or all, the
    /// oldest first.
    async fn elsewhere_waiting(
        &self,
        institution: Option<InstitutionId>,
    ) -> StoreResult<Vec<Waiting>>;

    /// Every dose received elsewhere of an institution's people, by login.
    async fn elsewhere_of_institution(
        &self,
        institution: InstitutionId,
    ) -> StoreResult<Vec<(Subject, ElsewhereDose)>>;

    /// Writes every line of an import (each replacing the entry of its
    /// person's dose; source `import`, confirmed by `by` at the entry's
    /// time) and `audit`, in one transaction: all or nothing.
    async fn import_elsewhere(
        &self,
        lines: &[ImportLine],
        by: AdminId,
        audit: &AuditEntry,
    ) -> StoreResult<()>;

    /// The doses a person holds here: booked in their active reservation,
    /// or given in any of theirs.
    async fn doses_held_here(&self, person: PersonId) -> StoreResult<Vec<DoseNumber>>;

    /// The doses held here of an institution's people, by login (see
    /// [`ElsewhereStore::doses_held_here`]).
    async fn doses_held_here_in(
        &self,
        institution: InstitutionId,
    ) -> StoreResult<Vec<(Subject, DoseNumber)>>;

    /// The vaccinations given to a person here, in time order.
    async fn given_here(&self, person: PersonId) -> StoreResult<Vec<GivenHere>>;
}
