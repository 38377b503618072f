//! The mail outbox as the office works with it: the queue (each mail's
//! state and reason), sending a failed or skipped mail again, the mails of
//! one reservation, and the audit entry of opening a mail of the outbox
//! folder (it holds an address).

use crate::reservations::{self, Reservation};
use crate::{Actor, OperationError, Operations};
use sesshu_domain::{
    AuditAction, AuditObject, Duty, MailJobId, MailState, ReservationNumber, Scope, Series,
};
use sesshu_store::{MailJob, MailQuery};

/// How many mails the queue shows.
const QUEUE: u32 = 200;
/// How many mails of one reservation are shown.
const OF_ONE_RESERVATION: u32 = 50;

/// A queued mail and the number of its reservation (`None` if the
/// reservation is gone).
#[derive(Clone, Debug)]
pub struct QueuedMail {
    pub job: MailJob,
    pub number: Option<ReservationNumber>,
}

/// How many mails wait to be sent and since when (the office's metrics:
/// counts and a time, nobody's mail).
pub async fn backlog(ops: &Operations) -> Result<sesshu_store::MailBacklog, OperationError> {
    Ok(ops.store().mail_backlog().await?)
}

/// The newest mails, all or those in `state`.
pub async fn queue(
    ops: &Operations,
    actor: &Actor,
    state: Option<MailState>,
) -> Result<Vec<QueuedMail>, OperationError> {
    actor.may(Duty::ManageMail, Scope::Any)?;
    let jobs = ops
        .store()
        .mail_jobs(&MailQuery {
            state,
            series: None,
            limit: QUEUE,
        })
        .await?;
    with_numbers(ops, jobs).await
}

/// A reservation and its mails, queued and sent.
#[derive(Clone, Debug)]
pub struct ReservationMails {
    pub series: Series,
    pub mails: Vec<QueuedMail>,
}

/// The mails of the reservation `number`, if the role may see its
/// person's reservations (else as if there were no such reservation).
pub async fn of_reservation(
    ops: &Operations,
    actor: &Actor,
    number: &ReservationNumber,
) -> Result<ReservationMails, OperationError> {
    let Reservation { series, .. } =
        reservations::find(ops, actor, Duty::ViewReservations, number).await?;
    let jobs = ops
        .store()
        .mail_jobs(&MailQuery {
            state: None,
            series: Some(series.id),
            limit: OF_ONE_RESERVATION,
        })
        .await?;
    let mails = with_numbers(ops, jobs).await?;
    Ok(ReservationMails { series, mails })
}

async fn with_numbers(
    ops: &Operations,
    jobs: Vec<MailJob>,
) -> Result<Vec<QueuedMail>, OperationError> {
    let mut mails = Vec::with_capacity(jobs.len());
    for job in jobs {
        let number = ops.store().series(job.series).await?.map(|s| s.number);
        mails.push(QueuedMail { job, number });
    }
    Ok(mails)
}

/// What became of a request to send a mail again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resend {
    /// Pending again, with a fresh set of tries.
    Resent,
    /// Pending or sent already: nothing changed, nothing audited.
    NotResendable,
}

/// Sends a failed (or skipped) mail again, with its `mail.resend` entry,
/// in one transaction.
pub async fn resend(
    ops: &Operations,
    actor: &Actor,
    job: MailJobId,
) -> Result<Resend, OperationError> {
    actor.may(Duty::ManageMail, Scope::Any)?;
    let job = ops
        .store()
        .mail_job(job)
        .await?
        .ok_or(OperationError::NotFound)?;
    let entry = actor.entry(
        ops.now(),
        AuditAction::MailResend,
        vec![AuditObject::Mail(job.id), AuditObject::Series(job.series)],
        format!("{} after {} tries", job.kind, job.attempts),
    );
    Ok(if ops.store().resend_mail(job.id, &entry).await? {
        Resend::Resent
    } else {
        Resend::NotResendable
    })
}

/// Records that `actor` opens the mail `name` of the outbox folder (it
/// holds an address): a `personal.view` entry, written before the mail is
/// handed out.
pub async fn open_outbox_mail(
    ops: &Operations,
    actor: &Actor,
    name: &str,
) -> Result<(), OperationError> {
    actor.may(Duty::ManageMail, Scope::Any)?;
    let entry = actor.entry(
        ops.now(),
        AuditAction::PersonalView,
        vec![AuditObject::Outbox(name.to_owned())],
        "outbox mail: to",
    );
    ops.store().audit(&entry).await?;
    Ok(())
}

/// What the mail of `kind` about `series` says now, in `language`, as the
/// person would receive it (a reminder for its first dose); nothing is
/// queued or sent. `series` comes from [`of_reservation`], which checked
/// the actor's scope.
pub async fn preview(
    ops: &Operations,
    series: sesshu_domain::Series,
    kind: sesshu_domain::MailKind,
    language: sesshu_domain::Language,
    site_url: &str,
) -> Result<sesshu_mail::gather::Gathered, OperationError> {
    let dose = (kind == sesshu_domain::MailKind::Reminder).then(|| {
        series
            .doses
            .iter()
            .map(|d| d.number)
            .next()
            .unwrap_or(sesshu_domain::DoseNumber::FIRST)
    });
    sesshu_mail::gather::gather_for(ops.store(), kind, language, series, None, dose, site_url)
        .await
        .map_err(|e| match e {
            sesshu_mail::gather::GatherError::Store(e) => OperationError::Store(e),
            _ => OperationError::NotFound,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::actor;
    use crate::testing::empty_office;
    use sesshu_domain::{Denied, InstitutionId, Role};

    #[tokio::test]
    async fn institution_staff_may_not_work_the_outbox_and_nothing_is_audited() {
        let ops = empty_office("refused").await;
        let staff = actor(Role::InstitutionStaff {
            institution: InstitutionId::new(1),
        });
        let queue = queue(&ops, &staff, None).await;
        assert!(
            matches!(queue, Err(OperationError::Denied(Denied::Forbidden))),
            "{queue:?}"
        );
        let resent = resend(&ops, &staff, MailJobId::new(1)).await;
        assert!(
            matches!(resent, Err(OperationError::Denied(Denied::Forbidden))),
            "{resent:?}"
        );
        let opened = open_outbox_mail(&ops, &staff, "1.eml").await;
        assert!(
            matches!(opened, Err(OperationError::Denied(Denied::Forbidden))),
            "{opened:?}"
        );
        assert_eq!(ops.store().audit_head().await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_mail_that_does_not_exist_is_not_resent_nor_audited() {
        let ops = empty_office("unknown").await;
        let resent = resend(&ops, &actor(Role::Operator), MailJobId::new(42)).await;
        assert!(
            matches!(resent, Err(OperationError::NotFound)),
            "{resent:?}"
        );
        assert_eq!(ops.store().audit_head().await.unwrap(), None);
    }

    #[tokio::test]
    async fn opening_an_outbox_mail_is_a_personal_data_view_naming_the_file() {
        let ops = empty_office("outbox").await;
        open_outbox_mail(&ops, &actor(Role::Operator), "1.eml")
            .await
            .unwrap();
        let trail = ops.store().audit_latest(None, 10).await.unwrap();
        assert_eq!(trail.len(), 1);
        let entry = &trail[0].entry;
        assert_eq!(entry.action, AuditAction::PersonalView);
        assert_eq!(entry.objects, [AuditObject::Outbox("1.eml".into())]);
        assert_eq!(entry.detail, "outbox mail: to");
    }
}
