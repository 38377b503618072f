//! Back-office accounts and the numbers of its home page.

use crate::{AdminChange, NewAdmin, OfficeCounts, StoreResult};
use chrono::{DateTime, Utc};
use sesshu_domain::{AdminAccount, AdminId, AuditEntry, InstitutionId, StaffDirectory, Subject};

#[async_trait::async_trait]
pub trait StaffStore: Send + Sync {
    /// Every administrator account, by id.
    async fn admins(&self) -> StoreResult<Vec<AdminAccount>>;
    async fn admin(&self, id: AdminId) -> StoreResult<Option<AdminAccount>>;
    /// The account with this login in this directory, with its password
    /// hash if it is a built-in one.
    async fn admin_by_login(
        &self,
        directory: StaffDirectory,
        login: &Subject,
    ) -> StoreResult<Option<(AdminAccount, Option<String>)>>;
    /// Creates an account and audits it, in one transaction; a login taken
    /// in that directory is a conflict.
    async fn insert_admin(&self, new: &NewAdmin, audit: &AuditEntry) -> StoreResult<AdminId>;
    /// Changes an account and audits it, in one transaction.
    async fn update_admin(
        &self,
        id: AdminId,
        change: &AdminChange,
        audit: &AuditEntry,
    ) -> StoreResult<Option<AdminAccount>>;
    /// Records a sign-in (the account's last login, and the audit entry).
    async fn admin_signed_in(&self, id: AdminId, audit: &AuditEntry) -> StoreResult<()>;

    /// The home page's numbers, for one institution or all.
    async fn office_counts(
        &self,
        institution: Option<InstitutionId>,
        now: DateTime<Utc>,
    ) -> StoreResult<OfficeCounts>;
}
