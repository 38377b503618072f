//! The built-in member directory (the rosters Sesshu holds for institutions
//! without a directory of their own).

use crate::{Member, NewMember, StoreResult};
use chrono::{DateTime, Utc};
use sesshu_domain::{InstitutionId, Subject};

#[async_trait::async_trait]
pub trait MemberStore: Send + Sync {
    async fn member(
        &self,
        institution: InstitutionId,
        login: &Subject,
    ) -> StoreResult<Option<Member>>;
    /// Adds or updates members (by institution and login), in one transaction.
    async fn upsert_members(&self, members: &[NewMember], now: DateTime<Utc>) -> StoreResult<u64>;

    /// Every member of an institution's built-in directory, by login.
    async fn members(&self, institution: InstitutionId) -> StoreResult<Vec<Member>>;

    /// Applies a member upload in one transaction: adds or updates
    /// `upsert`, disables `disable`, deletes `remove`.
    async fn apply_members(
        &self,
        institution: InstitutionId,
        upsert: &[NewMember],
        disable: &[Subject],
        remove: &[Subject],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}
