//! Bulk reservation fixes from a CSV (システム管理者による予約修正): a file
//! is read and planned whole — every problem with its line and column, or
//! every change it would make — and, once confirmed, planned again and
//! applied in one transaction (every change with its audit entry, then one
//! `reservations.apply` entry for the file). The rules are
//! [`sesshu_core::fixes`].

use crate::reservations::booking_failed;
use crate::{Actor, OperationError, Operations};
use chrono::{DateTime, Utc};
use sesshu_core::fixes::{self, FixAuditor, FixError, FixPlan};
use sesshu_domain::upload::UploadError;
use sesshu_domain::{AuditAction, AuditEntry, AuditObject, Duty, Language, Scope, Series};

/// A file, read and planned.
#[derive(Clone, Debug)]
pub enum Planned {
    /// Every line can be done: what each would change.
    Plan(FixPlan),
    /// Lines that cannot be done (with their line and column): nothing
    /// would be changed.
    Problems(Vec<UploadError>),
}

/// Reads `text` (the file, decoded) and plans every line against the
/// reservations as they are, if `actor` does bulk fixes; the problems are
/// told in `lang`. Nothing is changed or audited.
pub async fn plan(
    ops: &Operations,
    actor: &Actor,
    text: &str,
    lang: Language,
) -> Result<Planned, OperationError> {
    actor.may(Duty::BulkFixes, Scope::Any)?;
    let file = match fixes::parse(text.as_bytes(), lang) {
        Ok(file) => file,
        Err(problems) => return Ok(Planned::Problems(problems)),
    };
    match ops.bookings().plan_fixes(&file, lang, &|_| {}).await {
        Ok(plan) => Ok(Planned::Plan(plan)),
        Err(FixError::Invalid(problems)) => Ok(Planned::Problems(problems)),
        Err(FixError::Failed(e)) => Err(booking_failed("planning bulk fixes", e)),
    }
}

/// What applying a file did.
#[derive(Clone, Debug)]
pub enum Applied {
    /// Every change was made: the plan, and the series made or changed
    /// (in the order of the lines that changed something).
    Applied { plan: FixPlan, done: Vec<Series> },
    /// Lines that cannot be done, when planned again or by the transaction
    /// (a slot filled up meanwhile): nothing was changed.
    Problems(Vec<UploadError>),
}

/// Plans the confirmed `text` again (things may have changed since the
/// preview) and applies it in one transaction, if `actor` does bulk fixes.
pub async fn apply(
    ops: &Operations,
    actor: &Actor,
    text: &str,
    lang: Language,
) -> Result<Applied, OperationError> {
    let plan = match plan(ops, actor, text, lang).await? {
        Planned::Plan(plan) => plan,
        Planned::Problems(problems) => return Ok(Applied::Problems(problems)),
    };
    let auditor = ActorAuditor {
        actor,
        at: ops.now(),
    };
    match ops.bookings().apply_fixes(&plan, lang, &auditor).await {
        Ok(done) => Ok(Applied::Applied { plan, done }),
        Err(FixError::Invalid(problems)) => Ok(Applied::Problems(problems)),
        Err(FixError::Failed(e)) => Err(booking_failed("applying bulk fixes", e)),
    }
}

/// The acting account, for the audit entries of each change.
struct ActorAuditor<'a> {
    actor: &'a Actor,
    at: DateTime<Utc>,
}

impl FixAuditor for ActorAuditor<'_> {
    fn entry(&self, action: AuditAction, objects: Vec<AuditObject>, detail: String) -> AuditEntry {
        self.actor.entry(self.at, action, objects, detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reservations::fixture::{self, actor};
    use sesshu_domain::{Denied, Role, SeriesState};

    #[tokio::test]
    async fn an_operator_may_not_apply_fixes_and_nothing_is_written() {
        let office = fixture::office("fixes-refused").await;
        let number = office.booked().await;
        let file = format!("action,reservation,reason\ncancel,{number},moved away\n");
        let refused = apply(&office.ops, &actor(Role::Operator), &file, Language::En).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
        let series = office.ops.store().series_by_number(&number).await;
        assert_eq!(series.unwrap().unwrap().state, SeriesState::Booked);
    }

    #[tokio::test]
    async fn a_line_that_cannot_be_done_changes_nothing() {
        let office = fixture::office("fixes-problem").await;
        let number = office.booked().await;
        let file = format!(
            "action,reservation,reason\ncancel,{number},moved away\ncancel,{number},twice\n"
        );
        let outcome = apply(&office.ops, &actor(Role::SystemAdmin), &file, Language::En)
            .await
            .unwrap();
        let Applied::Problems(problems) = outcome else {
            panic!("applied: {outcome:?}");
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3);
        assert_eq!(office.audited().await, 0);
    }

    #[tokio::test]
    async fn a_system_administrator_cancels_from_a_file_with_each_line_audited() {
        let office = fixture::office("fixes-applied").await;
        let number = office.booked().await;
        let file = format!("action,reservation,reason\ncancel,{number},moved away\n");
        let admin = actor(Role::SystemAdmin);
        let planned = plan(&office.ops, &admin, &file, Language::En)
            .await
            .unwrap();
        assert!(
            matches!(&planned, Planned::Plan(plan) if plan.counts() == (0, 1, 0)),
            "{planned:?}"
        );
        assert_eq!(office.audited().await, 0, "a preview writes nothing");

        let outcome = apply(&office.ops, &admin, &file, Language::En)
            .await
            .unwrap();
        let Applied::Applied { plan, done } = outcome else {
            panic!("not applied: {outcome:?}");
        };
        assert_eq!(plan.counts(), (0, 1, 0));
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].state, SeriesState::Cancelled);
        assert_eq!(
            office.audit_trail().await,
            vec![
                (
                    "reservation.cancel".to_owned(),
                    "reason: moved away; bulk fix line 2".to_owned()
                ),
                (
                    "reservations.apply".to_owned(),
                    "moved 0, cancelled 1, booked 0".to_owned()
                ),
            ]
        );
    }
}
