//! Vouchers (接種券): given by the person (online, sealed) or entered at
//! the desk, collected at the desk, and the ones still missing after a
//! vaccination, for the follow-up list and the reminder mails.

use crate::{Sealed, StoreResult};
use chrono::{DateTime, Utc};
use sesshu_domain::{AdminId, AuditEntry, DoseNumber, InstitutionId, Language, PersonId, SeriesId};

/// Where a dose's voucher is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoucherState {
    pub dose: DoseNumber,
    /// When it was given (its number is sealed).
    pub given_at: DateTime<Utc>,
    /// When the desk collected it.
    pub collected_at: Option<DateTime<Utc>>,
}

/// How collecting a voucher ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collected {
    Now(DateTime<Utc>),
    /// Collected before, then: nothing changed.
    Before(DateTime<Utc>),
    /// No voucher was given for the dose: enter it first.
    NotGiven,
}

/// A vaccination whose voucher was not collected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingVoucher {
    pub series: SeriesId,
    pub person: PersonId,
    pub institution: InstitutionId,
    pub dose: DoseNumber,
    pub vaccinated_at: DateTime<Utc>,
    /// Whether the person gave it online (and only the paper is missing).
    pub given: bool,
    /// Reminder mails queued so far.
    pub reminders: u32,
}

/// The reminders' schedule: the first `first_after` days after the
/// vaccination, then every `every` days, at most `max` in all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReminderPlan {
    pub first_after_days: u32,
    pub every_days: u32,
    pub max: u32,
}

#[async_trait::async_trait]
pub trait VoucherStore: Send + Sync {
    /// Gives (or replaces, until it is collected) the voucher of a dose:
    /// its number sealed; `audit` when the desk enters it. A voucher
    /// collected already is not replaced (`false`).
    async fn give_voucher(
        &self,
        series: SeriesId,
        dose: DoseNumber,
        sealed: &Sealed,
        at: DateTime<Utc>,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<bool>;
    async fn vouchers(&self, series: SeriesId) -> StoreResult<Vec<VoucherState>>;
    /// Marks a given voucher as collected at the desk (once), audited.
    async fn collect_voucher(
        &self,
        series: SeriesId,
        dose: DoseNumber,
        by: AdminId,
        audit: &AuditEntry,
    ) -> StoreResult<Collected>;
    /// The doses vaccinated before `before` whose voucher was not
    /// collected, of one institution or all, oldest first.
    async fn missing_vouchers(
        &self,
        institution: Option<InstitutionId>,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<MissingVoucher>>;
    /// Queues the reminder mails due at `now` under `plan` (each once:
    /// `voucher:<series>:<dose>:<n>`), in the language of the person's last
    /// mail or `fallback`; how many were queued.
    async fn queue_voucher_reminders(
        &self,
        plan: ReminderPlan,
        fallback: Language,
        now: DateTime<Utc>,
    ) -> StoreResult<u32>;
}
