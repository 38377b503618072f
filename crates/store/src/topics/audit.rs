//! The audit trail: an append-only hash chain.

use crate::StoreResult;
use sesshu_domain::{AuditEntry, AuditRecord};

#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry to the chain.
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<AuditRecord>;

    /// Entries after `after` (a seq), in order, at most `limit`.
    async fn audit_records(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>>;

    /// The newest entries first, before `before` (a seq), at most `limit`.
    async fn audit_latest(&self, before: Option<i64>, limit: u32) -> StoreResult<Vec<AuditRecord>>;

    /// The last entry's seq and hash, as recorded apart from the log.
    async fn audit_head(&self) -> StoreResult<Option<(i64, String)>>;
}
