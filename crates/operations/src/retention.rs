//! Retention (docs/retention.md): each institution's campaign end and the
//! months its consent text promises, and the purge of its people's
//! personal data once they are past.
//!
//! The purge runs per institution whose time is past (Asia/Tokyo days,
//! [`RetentionRule::is_due`]), each in one transaction with one
//! `retention.purge` audit entry holding the counts of each kind; an
//! institution with nothing left to purge is passed over (no entry). A dry
//! run counts the same rows and changes nothing. What stays is anonymous
//! and is what the vaccination rates count, so the rates read the same
//! after a purge.
//!
//! Who: system administrators ([`Duty::Retention`]): it cannot be undone.
//! `sesshu retention` and the office's daily job ([`run_daily`]) call the
//! same functions.

use crate::{Actor, OperationError, Operations};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use sesshu_domain::{
    AuditAction, AuditObject, Duty, InstitutionCode, InstitutionId, PurgeCounts, RetentionMonths,
    RetentionRule, Role, Scope, TOKYO, tokyo_day,
};

pub use sesshu_store::InstitutionRetention;

/// An institution's retention as it stands now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionStatus {
    pub institution: InstitutionId,
    pub code: InstitutionCode,
    pub rule: RetentionRule,
    /// The months that apply (its own, or the default).
    pub months: RetentionMonths,
    /// The last day its personal data is kept; `None` while its campaign
    /// has no end day.
    pub kept_until: Option<NaiveDate>,
    /// Whether its time is past today.
    pub due: bool,
    pub purged_at: Option<DateTime<Utc>>,
}

/// What a purge did (or a dry run would do) to one institution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purge {
    pub institution: InstitutionId,
    pub code: InstitutionCode,
    pub kept_until: NaiveDate,
    pub counts: PurgeCounts,
}

/// Every institution's retention, with `default` where it has none of its
/// own.
pub async fn statuses(
    ops: &Operations,
    actor: &Actor,
    default: RetentionMonths,
) -> Result<Vec<RetentionStatus>, OperationError> {
    actor.may(Duty::Retention, Scope::Any)?;
    let now = ops.now();
    Ok(ops
        .store()
        .retention_rules()
        .await?
        .into_iter()
        .map(|r| RetentionStatus {
            months: r.rule.months(default),
            kept_until: r.rule.kept_until(default),
            due: r.rule.is_due(default, now),
            institution: r.institution,
            code: r.code,
            rule: r.rule,
            purged_at: r.purged_at,
        })
        .collect())
}

/// Sets `institution`'s retention (its campaign's end day, its own months
/// or the default), audited.
pub async fn set(
    ops: &Operations,
    actor: &Actor,
    institution: InstitutionId,
    rule: RetentionRule,
) -> Result<(), OperationError> {
    actor.may(Duty::Retention, Scope::Institution(institution))?;
    let known = ops.store().retention_rules().await?;
    if !known.iter().any(|r| r.institution == institution) {
        return Err(OperationError::NotFound);
    }
    let detail = format!(
        "campaign_ended_on={} months={}",
        rule.campaign_ended_on
            .map_or_else(|| "none".to_owned(), |d| d.to_string()),
        rule.months
            .map_or_else(|| "default".to_owned(), |m| m.to_string()),
    );
    let entry = actor.entry(
        ops.now(),
        AuditAction::RetentionSet,
        vec![AuditObject::Institution(institution)],
        detail,
    );
    ops.store()
        .set_retention(institution, &rule, &entry)
        .await?;
    Ok(())
}

/// The institutions whose time is past (only `only`, if given), with what
/// the purge would delete or replace in each: changes nothing. Those with
/// nothing left are not listed.
pub async fn dry_run(
    ops: &Operations,
    actor: &Actor,
    default: RetentionMonths,
    only: Option<InstitutionId>,
) -> Result<Vec<Purge>, OperationError> {
    let mut out = Vec::new();
    for (status, kept_until) in due(ops, actor, default, only).await? {
        let counts = ops.store().personal_counts(status.institution).await?;
        if !counts.is_empty() {
            out.push(Purge {
                institution: status.institution,
                code: status.code,
                kept_until,
                counts,
            });
        }
    }
    Ok(out)
}

/// Purges the personal data of every institution whose time is past (only
/// `only`, if given): one transaction and one audit entry each. Stops at
/// the first failure: the institutions before it are purged, that one is
/// untouched.
pub async fn purge(
    ops: &Operations,
    actor: &Actor,
    default: RetentionMonths,
    only: Option<InstitutionId>,
) -> Result<Vec<Purge>, OperationError> {
    let mut out = Vec::new();
    for (status, kept_until) in due(ops, actor, default, only).await? {
        let store = ops.store();
        if store.personal_counts(status.institution).await?.is_empty() {
            continue;
        }
        let at = ops.now();
        let institution = status.institution;
        let entry = |counts: &PurgeCounts| {
            actor.entry(
                at,
                AuditAction::RetentionPurge,
                vec![AuditObject::Institution(institution)],
                format!("kept_until={kept_until} {}", counts.detail()),
            )
        };
        let counts = store.purge_personal(institution, at, &entry).await?;
        tracing::info!(
            institution = %status.code,
            %kept_until,
            rows = counts.total(),
            detail = %counts.detail(),
            "personal data purged after its retention"
        );
        out.push(Purge {
            institution,
            code: status.code,
            kept_until,
            counts,
        });
    }
    Ok(out)
}

/// The institutions due now (of `only`, if given), with their last day.
async fn due(
    ops: &Operations,
    actor: &Actor,
    default: RetentionMonths,
    only: Option<InstitutionId>,
) -> Result<Vec<(RetentionStatus, NaiveDate)>, OperationError> {
    let statuses = statuses(ops, actor, default).await?;
    if let Some(only) = only
        && !statuses.iter().any(|s| s.institution == only)
    {
        return Err(OperationError::NotFound);
    }
    Ok(statuses
        .into_iter()
        .filter(|s| only.is_none_or(|only| s.institution == only))
        .filter(|s| s.due)
        .filter_map(|s| s.kept_until.map(|until| (s, until)))
        .collect())
}

/// Who the office's daily job acts as in the audit trail.
pub fn scheduled_actor() -> Actor {
    Actor {
        name: "office:retention".into(),
        role: Role::SystemAdmin,
        origin: "local".into(),
    }
}

/// The next time of day `at` (Asia/Tokyo) after `now`.
pub fn next_run(now: DateTime<Utc>, at: NaiveTime) -> DateTime<Utc> {
    let today = tokyo_day(now);
    [Some(today), today.checked_add_days(Days::new(1))]
        .into_iter()
        .flatten()
        .filter_map(|day| TOKYO.from_local_datetime(&day.and_time(at)).single())
        .map(|t| t.with_timezone(&Utc))
        .find(|t| *t > now)
        .unwrap_or(now + chrono::Duration::days(1))
}

/// The office's daily purge: at `at` (Asia/Tokyo) each day, [`purge`] as
/// [`scheduled_actor`], until `stop` completes. A failure is logged and
/// tried again the next day; a purge under way when `stop` comes is
/// finished (its transaction is short and all or nothing anyway).
pub async fn run_daily(
    ops: Operations,
    default: RetentionMonths,
    at: NaiveTime,
    stop: impl Future<Output = ()> + Send,
) {
    let actor = scheduled_actor();
    tokio::pin!(stop);
    loop {
        let now = ops.now();
        let wait = (next_run(now, at) - now)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(60));
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(wait) => {}
        }
        match purge(&ops, &actor, default, None).await {
            Ok(done) => tracing::info!(institutions = done.len(), "daily retention purge"),
            Err(e) => tracing::warn!(error = %e, "daily retention purge failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokyo(date: &str, time: &str) -> DateTime<Utc> {
        let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let time = NaiveTime::parse_from_str(time, "%H:%M").unwrap();
        TOKYO
            .from_local_datetime(&day.and_time(time))
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_daily_job_runs_at_its_tokyo_hour_today_or_else_tomorrow() {
        let three = NaiveTime::from_hms_opt(3, 0, 0).unwrap();
        assert_eq!(
            next_run(tokyo("2028-04-01", "02:59"), three),
            tokyo("2028-04-01", "03:00")
        );
        assert_eq!(
            next_run(tokyo("2028-04-01", "03:00"), three),
            tokyo("2028-04-02", "03:00")
        );
        assert_eq!(
            next_run(tokyo("2028-04-01", "23:30"), three),
            tokyo("2028-04-02", "03:00")
        );
    }
}
