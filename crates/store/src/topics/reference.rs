//! Institutions, their departments, venues, lanes and vaccines: the
//! master data everything else refers to.

use crate::{NewInstitution, NewLane, NewVaccine, NewVenue, StoreError, StoreResult, Upserted};
use sesshu_domain::{AuditEntry, Catalog, Institution, InstitutionCode, InstitutionId};

#[async_trait::async_trait]
pub trait ReferenceStore: Send + Sync {
    async fn institutions(&self) -> StoreResult<Vec<Institution>>;
    async fn institution(&self, id: InstitutionId) -> StoreResult<Option<Institution>>;
    async fn institution_by_code(&self, code: &InstitutionCode)
    -> StoreResult<Option<Institution>>;
    async fn catalog(&self) -> StoreResult<Catalog>;

    /// Creates or updates institutions by code, with their departments, all
    /// in one transaction.
    async fn upsert_institutions(&self, all: &[NewInstitution]) -> StoreResult<Vec<Upserted>>;

    /// [`Store::upsert_institutions`] with its audit entry, in the same
    /// transaction (the master page, `sesshu institutions import`).
    async fn save_institutions(
        &self,
        all: &[NewInstitution],
        audit: &AuditEntry,
    ) -> StoreResult<Vec<Upserted>>;

    /// Creates one institution; a taken code is a conflict.
    async fn insert_institution(&self, new: &NewInstitution) -> StoreResult<InstitutionId> {
        if self.institution_by_code(&new.code).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "institution code {} exists",
                new.code
            )));
        }
        let done = self.upsert_institutions(std::slice::from_ref(new)).await?;
        done.first()
            .map(|u| u.id)
            .ok_or_else(|| StoreError::corrupt("upsert returned nothing"))
    }
    async fn insert_venue(&self, new: &NewVenue) -> StoreResult<sesshu_domain::VenueId>;
    async fn insert_lane(&self, new: &NewLane) -> StoreResult<sesshu_domain::LaneId>;
    async fn insert_vaccine(&self, new: &NewVaccine) -> StoreResult<sesshu_domain::VaccineId>;
}
