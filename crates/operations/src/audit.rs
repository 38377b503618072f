//! Reading the audit trail: the latest entries a page at a time, each with
//! the login of the account that made it, and following the whole chain to
//! see that nothing was changed or removed.

use crate::{Actor, OperationError, Operations};
use sesshu_domain::audit::Broken;
use sesshu_domain::{AuditRecord, Duty, Scope};
use sesshu_store::audit::VerifyError;
use std::collections::HashMap;

/// How many entries a page of the trail holds.
pub const PAGE: u32 = 50;

/// An entry, and the login of the office account that made it (`None` for
/// a command, the worker, or an account since removed).
#[derive(Clone, Debug)]
pub struct TrailEntry {
    pub record: AuditRecord,
    pub login: Option<String>,
}

/// A page of the trail, newest first.
#[derive(Clone, Debug)]
pub struct TrailPage {
    pub entries: Vec<TrailEntry>,
    /// Where the next (older) page starts, if the page is full.
    pub older: Option<i64>,
}

/// The [`PAGE`] latest entries before the entry `before` (its `seq`), or
/// the latest of all.
pub async fn trail(
    ops: &Operations,
    actor: &Actor,
    before: Option<i64>,
) -> Result<TrailPage, OperationError> {
    actor.may(Duty::ReadAudit, Scope::Any)?;
    let records = ops.store().audit_latest(before, PAGE).await?;
    let older = (records.len() == PAGE as usize)
        .then(|| records.last().map(|r| r.seq))
        .flatten();
    // Accounts by how the trail names them, so a reader sees who.
    let logins: HashMap<String, String> = ops
        .store()
        .admins()
        .await?
        .into_iter()
        .map(|a| (a.actor(), a.login.as_str().to_owned()))
        .collect();
    let entries = records
        .into_iter()
        .map(|record| TrailEntry {
            login: logins.get(&record.entry.actor).cloned(),
            record,
        })
        .collect();
    Ok(TrailPage { entries, older })
}

/// What following the whole chain found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every entry links to the one before, up to the recorded head.
    Intact { entries: u64 },
    /// Where it breaks, and why (also logged).
    Broken(Broken),
}

/// Follows the whole chain from its first entry to its head.
pub async fn verify_chain(ops: &Operations, actor: &Actor) -> Result<ChainCheck, OperationError> {
    actor.may(Duty::ReadAudit, Scope::Any)?;
    match sesshu_store::audit::verify(ops.store().as_ref()).await {
        Ok(entries) => Ok(ChainCheck::Intact { entries }),
        Err(VerifyError::Broken(broken)) => {
            tracing::error!(
                seq = broken.seq,
                reason = broken.reason,
                "audit chain broken"
            );
            Ok(ChainCheck::Broken(broken))
        }
        Err(VerifyError::Store(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::empty_office;
    use sesshu_domain::{AuditAction, AuditObject, Denied, InstitutionId, Role};

    fn operator() -> Actor {
        Actor {
            name: "cli:root".into(),
            role: Role::Operator,
            origin: "local".into(),
        }
    }

    async fn write_entries(ops: &Operations, n: i64) {
        for i in 0..n {
            let entry = operator().entry(
                ops.now(),
                AuditAction::MailResend,
                vec![AuditObject::Institution(InstitutionId::new(i))],
                "test",
            );
            ops.store().audit(&entry).await.unwrap();
        }
    }

    #[tokio::test]
    async fn institution_staff_may_not_read_the_trail() {
        let ops = empty_office("refused").await;
        let staff = Actor {
            name: "admin:7".into(),
            role: Role::InstitutionStaff {
                institution: InstitutionId::new(1),
            },
            origin: "192.0.2.1".into(),
        };
        let read = trail(&ops, &staff, None).await;
        assert!(
            matches!(read, Err(OperationError::Denied(Denied::Forbidden))),
            "{read:?}"
        );
        let verified = verify_chain(&ops, &staff).await;
        assert!(
            matches!(verified, Err(OperationError::Denied(Denied::Forbidden))),
            "{verified:?}"
        );
    }

    #[tokio::test]
    async fn the_trail_pages_back_fifty_at_a_time_and_the_chain_is_intact() {
        let ops = empty_office("paging").await;
        write_entries(&ops, 60).await;
        let first = trail(&ops, &operator(), None).await.unwrap();
        assert_eq!(first.entries.len(), 50);
        assert_eq!(first.entries[0].record.seq, 60);
        assert_eq!(first.older, Some(11));
        assert_eq!(first.entries[0].login, None);
        let second = trail(&ops, &operator(), first.older).await.unwrap();
        assert_eq!(second.entries.len(), 10);
        assert_eq!(second.entries[0].record.seq, 10);
        assert_eq!(second.older, None);
        assert_eq!(
            verify_chain(&ops, &operator()).await.unwrap(),
            ChainCheck::Intact { entries: 60 }
        );
    }
}
