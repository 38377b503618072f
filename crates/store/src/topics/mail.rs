//! The mail outbox.

use crate::{MailBacklog, MailJob, MailQuery, MailSent, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::{AuditEntry, MailJobId};

#[async_trait::async_trait]
pub trait MailStore: Send + Sync {
    //
    // Event mails are queued by `book`, `reschedule` and `cancel` in their own
    // transaction. A worker claims due jobs with a lease (another worker skips
    // them until it runs out), sends, and records the outcome.

    /// Claims up to `limit` due pending jobs for `worker` until `lease_until`
    /// (counting a try each).
    async fn claim_mail(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<MailJob>>;
    /// Records a job as sent and audits it, in one transaction; `false` if
    /// `worker` no longer holds it.
    async fn mail_sent(
        &self,
        id: MailJobId,
        worker: &str,
        sent: &MailSent,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// Records a failed try: pending again from `retry_at`, or failed for
    /// good with `None`.
    async fn mail_failed(
        &self,
        id: MailJobId,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool>;
    /// Gives a job up without sending it (a reminder for a cancelled series).
    async fn mail_skipped(&self, id: MailJobId, worker: &str, reason: &str) -> StoreResult<bool>;
    /// Queues a reminder for every dose of an active series on `day` (Tokyo),
    /// once per dose and day however often it runs; returns how many were new.
    async fn queue_reminders(&self, day: NaiveDate, now: DateTime<Utc>) -> StoreResult<u64>;
    async fn mail_jobs(&self, query: &MailQuery) -> StoreResult<Vec<MailJob>>;
    /// The pending mails (for the office's metrics).
    async fn mail_backlog(&self) -> StoreResult<MailBacklog>;
    async fn mail_job(&self, id: MailJobId) -> StoreResult<Option<MailJob>>;
    /// Makes a failed or skipped job pending again (a fresh set of tries) and
    /// audits it; `false` if it is pending or sent.
    async fn resend_mail(&self, id: MailJobId, audit: &AuditEntry) -> StoreResult<bool>;
    /// Waits until a mail may have been queued, or `timeout`. PostgreSQL
    /// wakes the waiter with `LISTEN`; others just wait.
    async fn wait_for_mail(&self, timeout: std::time::Duration) {
        tokio::time::sleep(timeout).await;
    }
}
