//! Retention: each institution's campaign end and months
//! (`institution_retention`), and the purge of its personal data once
//! they are past.
//!
//! The purge keeps every row the vaccination rates count ([`crate::RateStore`]
//! reads the same before and after it): it deletes the sealed values and
//! what only served a live login, and replaces the logins that join a
//! person's rows (roster, persons, doses elsewhere) by one
//! [`Pseudonym`] per login. What happens to each table is
//! in `docs/retention.md`.

use crate::StoreResult;
use chrono::{DateTime, Utc};
use sesshu_domain::retention::Pseudonym;
use sesshu_domain::{AuditEntry, InstitutionCode, InstitutionId, PurgeCounts, RetentionRule};

/// An institution's retention as set, and its last purge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstitutionRetention {
    pub institution: InstitutionId,
    pub code: InstitutionCode,
    pub rule: RetentionRule,
    /// When its personal data was last purged.
    pub purged_at: Option<DateTime<Utc>>,
}

/// The audit entry of a purge, built from the counts the transaction found
/// (so that the entry says exactly what was deleted).
pub type PurgeAudit<'a> = &'a (dyn Fn(&PurgeCounts) -> AuditEntry + Send + Sync);

#[async_trait::async_trait]
pub trait RetentionStore: Send + Sync {
    /// Every institution with its retention (the defaults where none was
    /// set), in id order.
    async fn retention_rules(&self) -> StoreResult<Vec<InstitutionRetention>>;

    /// Sets an institution's retention and writes `audit`, in one
    /// transaction.
    async fn set_retention(
        &self,
        institution: InstitutionId,
        rule: &RetentionRule,
        audit: &AuditEntry,
    ) -> StoreResult<()>;

    /// What [`Self::purge_personal`] would delete or replace now, changing
    /// nothing.
    async fn personal_counts(&self, institution: InstitutionId) -> StoreResult<PurgeCounts>;

    /// Deletes the personal data of `institution`'s people and replaces
    /// their logins by fresh pseudonyms ([`fresh_pseudonym`]), records the
    /// purge at `at` and writes the entry `audit` makes of the counts: one
    /// transaction, nothing half-done.
    async fn purge_personal(
        &self,
        institution: InstitutionId,
        at: DateTime<Utc>,
        audit: PurgeAudit<'_>,
    ) -> StoreResult<PurgeCounts>;
}

/// A new pseudonym from the thread's cryptographic generator (the backends
/// have no generator of their own).
pub fn fresh_pseudonym() -> Pseudonym {
    Pseudonym::generate(&mut rand::rng())
}

/// The institution a stored session belongs to: the `institution` its
/// person signed in with (`sesshu-web` keeps it under that key), if any.
/// The back office's sessions have none.
pub fn session_institution(data: &str) -> Option<InstitutionId> {
    let value: serde_json::Value = serde_json::from_str(data).ok()?;
    value.get("institution")?.as_i64().map(InstitutionId::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_names_the_institution_its_person_signed_in_with() {
        let data = r#"{"person":12,"institution":3,"missing":[]}"#;
        assert_eq!(session_institution(data), Some(InstitutionId::new(3)));
        assert_eq!(session_institution(r#"{"staff":4}"#), None);
        assert_eq!(session_institution(r#"{"institution":"3"}"#), None);
        assert_eq!(session_institution("not json"), None);
    }
}
