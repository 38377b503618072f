//! The storage of Sesshu, behind one trait.
//!
//! [`Store`] is implemented by `sesshu-store-sqlite` and
//! `sesshu-store-postgres`; the binary picks one at start-up and nothing else
//! asks which database it runs on. Each implementation owns its migrations.
//!
//! The trait's writes are the transactions the product's correctness rests
//! on: [`Store::book`] and [`Store::reschedule`] take places with a
//! conditional update (`booked < capacity`) and the database refuses a second
//! active series for a person, so no interleaving of requests can overbook a
//! slot or give a person two series.

pub mod audit;
mod error;
pub mod flows;
mod records;

pub use error::{StoreError, StoreResult};
pub use records::*;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::{
    AdminAccount, AdminId, AuditEntry, AuditRecord, Catalog, DoseNumber, Institution,
    InstitutionCode, InstitutionId, Language, MailJobId, Person, PersonId, ReservationNumber,
    Series, SeriesId, Slot, SlotId, StaffDirectory, Subject, VenueId,
};
pub use sesshu_vault::{Field, KeyId, Owner, Sealed};
use std::collections::BTreeSet;
use std::sync::Arc;

/// A shared handle to whichever store was chosen at start-up.
pub type DynStore = Arc<dyn Store>;

#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Whether the database answers (for `/readyz`).
    async fn ping(&self) -> StoreResult<()>;

    // --- reference data -------------------------------------------------

    async fn institutions(&self) -> StoreResult<Vec<Institution>>;
    async fn institution(&self, id: InstitutionId) -> StoreResult<Option<Institution>>;
    async fn institution_by_code(&self, code: &InstitutionCode)
    -> StoreResult<Option<Institution>>;
    async fn catalog(&self) -> StoreResult<Catalog>;

    /// Creates or updates institutions by code, with their departments, all
    /// in one transaction.
    async fn upsert_institutions(&self, all: &[NewInstitution]) -> StoreResult<Vec<Upserted>>;

    /// [`Store::upsert_institutions`] with its audit entry, in the same
    /// transaction (the master page, `sesshu institutions import`).
    async fn save_institutions(
        &self,
        all: &[NewInstitution],
        audit: &AuditEntry,
    ) -> StoreResult<Vec<Upserted>>;

    /// Creates one institution; a taken code is a conflict.
    async fn insert_institution(&self, new: &NewInstitution) -> StoreResult<InstitutionId> {
        if self.institution_by_code(&new.code).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "institution code {} exists",
                new.code
            )));
        }
        let done = self.upsert_institutions(std::slice::from_ref(new)).await?;
        done.first()
            .map(|u| u.id)
            .ok_or_else(|| StoreError::corrupt("upsert returned nothing"))
    }
    async fn insert_venue(&self, new: &NewVenue) -> StoreResult<sesshu_domain::VenueId>;
    async fn insert_lane(&self, new: &NewLane) -> StoreResult<sesshu_domain::LaneId>;
    async fn insert_vaccine(&self, new: &NewVaccine) -> StoreResult<sesshu_domain::VaccineId>;

    // --- slots ------------------------------------------------------------

    /// Slots starting in `[query.from, query.to)`, in start order.
    async fn slots(&self, query: &SlotQuery) -> StoreResult<Vec<Slot>>;
    async fn slot(&self, id: SlotId) -> StoreResult<Option<Slot>>;
    /// Inserts all slots in one transaction, or none.
    async fn insert_slots(&self, new: &[NewSlot]) -> StoreResult<Vec<SlotId>>;
    /// Changes a slot's capacity, closing and eligibility with its audit
    /// entry, unless the capacity would fall below the places booked or a
    /// slot with bookings would close (then nothing changes).
    async fn change_slot(
        &self,
        slot: SlotId,
        change: &SlotChange,
        audit: &AuditEntry,
    ) -> StoreResult<SlotChanged>;
    /// The quotas of a day at a venue: per institution, its places and how
    /// many its people hold there that day (any dose).
    async fn day_quotas(
        &self,
        venue: VenueId,
        day: NaiveDate,
    ) -> StoreResult<Vec<(InstitutionId, u32, u32)>>;
    /// Replaces a day's quotas at a venue with their audit entry, unless a
    /// quota would fall below what the institution's people hold (then
    /// nothing changes). Waits for bookings of that day in flight.
    async fn set_day_quotas(
        &self,
        venue: VenueId,
        day: NaiveDate,
        quotas: &std::collections::BTreeMap<InstitutionId, u32>,
        audit: &AuditEntry,
    ) -> StoreResult<SlotChanged>;
    /// Deletes a slot nobody holds or held a place in, with its audit entry,
    /// under the slot row's lock (a booking cannot slip in).
    async fn delete_slot(&self, slot: SlotId, audit: &AuditEntry) -> StoreResult<SlotDeleted>;
    /// Inserts slots and their audit entry in one transaction (the office's
    /// slot generator): all of them, or none.
    async fn create_slots(&self, new: &[NewSlot], audit: &AuditEntry) -> StoreResult<Vec<SlotId>>;

    // --- the built-in member directory -----------------------------------

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

    // --- persons ----------------------------------------------------------

    /// The person for an institution login, created on first sight; their
    /// attributes and profile are refreshed from the login each time, and a
    /// consent given with it is recorded, in one transaction.
    async fn person_for_login(&self, login: &PersonLogin) -> StoreResult<Person>;

    /// Whether the person with this login has agreed to `version`.
    async fn has_consented(
        &self,
        institution: InstitutionId,
        subject: &Subject,
        version: &str,
    ) -> StoreResult<bool>;

    // --- personal data (sealed; see `sesshu-vault`) ------------------------

    /// Which personal fields an owner has (readable by the public process).
    async fn personal_fields(&self, owner: &Owner) -> StoreResult<BTreeSet<Field>>;

    /// An owner's sealed personal data. On PostgreSQL only the back office's
    /// database role may read it.
    async fn personal_data(&self, owner: &Owner) -> StoreResult<Vec<(Field, Sealed)>>;

    /// Up to `limit` sealed values after `after` (in owner, field order),
    /// for re-sealing under a new key.
    async fn personal_data_batch(
        &self,
        after: Option<(Owner, Field)>,
        limit: u32,
    ) -> StoreResult<Vec<(Owner, Field, Sealed)>>;

    /// Replaces a value sealed with `old` by `new`; `false` if it changed
    /// meanwhile.
    async fn reseal(
        &self,
        owner: &Owner,
        field: Field,
        old: &KeyId,
        new: &Sealed,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn person(&self, id: PersonId) -> StoreResult<Option<Person>>;
    /// The person with this login at this institution, if they ever logged in.
    async fn person_by_subject(
        &self,
        institution: InstitutionId,
        subject: &Subject,
    ) -> StoreResult<Option<Person>>;

    // --- reservation series ------------------------------------------------

    /// The person's series, newest first, cancelled ones included.
    async fn series_of(&self, person: PersonId) -> StoreResult<Vec<Series>>;
    async fn series(&self, id: SeriesId) -> StoreResult<Option<Series>>;
    async fn series_by_number(&self, number: &ReservationNumber) -> StoreResult<Option<Series>>;
    /// The active series of an institution's people (its reservation list).
    async fn series_of_institution(&self, institution: InstitutionId) -> StoreResult<Vec<Series>>;
    /// Series matching every filter of `search`, newest first (the office's
    /// reservation search).
    async fn search_series(&self, search: &SeriesSearch) -> StoreResult<Vec<Series>>;
    /// Active series with a dose at `venue` starting in `[from, to)` (both
    /// doses each): a day's recipients.
    async fn series_at(
        &self,
        venue: VenueId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Series>>;

    /// Books a new series in one transaction: a place in the first slot, a
    /// place in the first of `second_candidates` that has one, the series,
    /// and the idempotency record; or nothing.
    ///
    /// Refuses with [`StoreError::Rejected`]: `SlotFull`, `SlotClosed`,
    /// `NoSecondDoseSlot`, `AlreadyBooked`. With an idempotency key already
    /// used by this person, returns [`Booked::Replayed`] with the series it
    /// made, or [`StoreError::IdempotencyKeyReused`] if the request differs.
    async fn book(&self, request: &NewSeries) -> StoreResult<Booked>;

    /// Moves doses of an active series to new slots in one transaction: the
    /// old places are released, each moved dose takes the first candidate
    /// with a free place; or nothing changes.
    async fn reschedule(&self, request: &Reschedule) -> StoreResult<Series>;

    /// Cancels an active series and releases its places, and queues the
    /// mail saying so (in `language`). Cancelling a cancelled series changes
    /// nothing and returns it.
    async fn cancel(
        &self,
        series: SeriesId,
        language: Language,
        now: DateTime<Utc>,
    ) -> StoreResult<Series>;
    /// Cancels as [`Store::cancel`] does, for the office (at any time), with
    /// its audit entry in the same transaction.
    async fn cancel_audited(
        &self,
        series: SeriesId,
        language: Language,
        audit: &AuditEntry,
    ) -> StoreResult<Series>;

    /// Makes every change of `batch`, then appends `audit`, in one
    /// transaction; the first change that fails undoes them all and comes
    /// back as [`StoreError::InBatch`] with its index.
    async fn apply_batch(&self, batch: &[BatchOp], audit: &AuditEntry) -> StoreResult<Vec<Series>>;

    // --- SAML ---------------------------------------------------------------

    /// Remembers an AuthnRequest sent for `institution` until `expires_at`
    /// (and forgets those expired at `now`).
    async fn saml_request_issued(
        &self,
        id: &str,
        institution: InstitutionId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Takes an unexpired request out (a request is answered once): the
    /// institution it was for, or `None`.
    async fn saml_request_answered(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<InstitutionId>>;

    /// Records an accepted assertion id until `expires_at`; `false` if it
    /// was accepted before (a replay).
    async fn saml_assertion_first_use(
        &self,
        id: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    // --- the audit trail ---------------------------------------------------

    /// Appends an entry to the chain.
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<AuditRecord>;

    /// Entries after `after` (a seq), in order, at most `limit`.
    async fn audit_records(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>>;

    /// The newest entries first, before `before` (a seq), at most `limit`.
    async fn audit_latest(&self, before: Option<i64>, limit: u32) -> StoreResult<Vec<AuditRecord>>;

    /// The last entry's seq and hash, as recorded apart from the log.
    async fn audit_head(&self) -> StoreResult<Option<(i64, String)>>;

    // --- the back office ------------------------------------------------------

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

    /// The login of a person (for their sealed data's owner).
    async fn person_subject(&self, id: PersonId) -> StoreResult<Option<Subject>>;

    /// The doses of a series checked in at a venue, and when.
    async fn check_ins(&self, series: SeriesId) -> StoreResult<Vec<(DoseNumber, DateTime<Utc>)>>;
    /// Every dose checked in during `[from, to)`, in time order: who was
    /// vaccinated (the prefecture's list).
    async fn checked_in_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(SeriesId, DoseNumber, DateTime<Utc>)>>;
    /// Checks a dose in (once; a second time says when it was) and audits
    /// it, in one transaction.
    async fn check_in(
        &self,
        series: SeriesId,
        dose: DoseNumber,
        by: AdminId,
        audit: &AuditEntry,
    ) -> StoreResult<CheckedIn>;

    // --- the mail outbox ------------------------------------------------------
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
    async fn mail_job(&self, id: MailJobId) -> StoreResult<Option<MailJob>>;
    /// Makes a failed or skipped job pending again (a fresh set of tries) and
    /// audits it; `false` if it is pending or sent.
    async fn resend_mail(&self, id: MailJobId, audit: &AuditEntry) -> StoreResult<bool>;
    /// Waits until a mail may have been queued, or `timeout`. PostgreSQL
    /// wakes the waiter with `LISTEN`; others just wait.
    async fn wait_for_mail(&self, timeout: std::time::Duration) {
        tokio::time::sleep(timeout).await;
    }

    // --- sessions (for tower-sessions) ---------------------------------------

    /// Stores a new session; `false` if the id is taken.
    async fn session_create(&self, session: &SessionRecord) -> StoreResult<bool>;
    async fn session_save(&self, session: &SessionRecord) -> StoreResult<()>;
    /// An unexpired session.
    async fn session_load(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SessionRecord>>;
    async fn session_delete(&self, id_hash: &str) -> StoreResult<()>;
    /// Deletes expired sessions; returns how many.
    async fn sessions_purge(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}
