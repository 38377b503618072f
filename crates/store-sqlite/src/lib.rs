//! The SQLite store: Sesshu's embedded default.
//!
//! WAL journal, foreign keys on, a busy timeout, and every write transaction
//! opened with `BEGIN IMMEDIATE`: SQLite then serialises writers up front
//! instead of failing a deferred transaction that read and then tries to
//! write ("database is locked"). Times are stored as integer Unix seconds.

mod audit;
mod dialect;
mod mail;
mod personal;
mod reference;
mod reservations;
mod slots;
mod staff;

// The topics whose statements are the same on both databases, written once.
#[path = "../../store-sql/src/logins.rs"]
mod logins;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use reservations::SqliteTx;
use sesshu_domain::{
    AdminAccount, AdminId, AuditEntry, AuditRecord, Catalog, DoseNumber, Institution,
    InstitutionCode, InstitutionId, LaneId, Language, MailJobId, Person, PersonId,
    ReservationNumber, Series, SeriesId, Slot, SlotId, StaffDirectory, Subject, VaccineId, VenueId,
};
use sesshu_store::flows;
use sesshu_store::{
    AdminChange, AuditStore, BatchOp, Booked, BookingStore, CheckInStore, CheckedIn,
    MailJob, MailQuery, MailSent, MailStore, Member, MemberStore, NewAdmin, NewInstitution,
    NewLane, NewMember, NewSeries, NewSlot, NewVaccine, NewVenue, OfficeCounts, PersonLogin,
    PersonStore, ReferenceStore, Reschedule, SeriesSearch, SlotQuery, SlotStore,
    StaffStore, Store, StoreError, StoreResult, Upserted,
};
use sesshu_store::{Field, KeyId, Owner, Sealed, SlotChange, SlotChanged, SlotDeleted};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::collections::BTreeSet;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The migrations of this backend, applied by [`SqliteStore::migrate`].
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Writers queue here, in the process, before `BEGIN IMMEDIATE`: SQLite
    /// allows one writer, and a writer that finds the lock taken sleeps in
    /// SQLite's busy handler with growing back-off, which under a crowd turns
    /// into second-long stalls. Queued fairly here, each begins as soon as
    /// the previous one commits. (Other processes on the same file still
    /// meet the busy timeout.)
    writer: Arc<tokio::sync::Mutex<()>>,
}

/// A write transaction that holds the process's writer turn until it ends.
struct Write {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl Write {
    async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await.map_err(db)
    }
}

/// Runs one write transaction in the process's writer turn: the body gets
/// the open transaction; `Ok` commits, `Err` rolls back. (The same macro as
/// PostgreSQL's, which also retries on contention.)
macro_rules! write_tx {
    ($self:ident, |$tx:ident| $body:expr) => {{
        let mut write = $self.write().await?;
        let result = {
            let $tx = &mut write.tx;
            $body.await
        };
        match result {
            Ok(value) => write.commit().await.map(|()| value),
            Err(e) => Err(e),
        }
    }};
}
pub(crate) use write_tx;

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path` or
    /// a plain path).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url).map_err(StoreError::database)?
        } else {
            SqliteConnectOptions::new().filename(Path::new(url))
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(StoreError::database)?;
        Ok(Self {
            pool,
            writer: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await.map_err(StoreError::database)
    }

    async fn read(&self) -> StoreResult<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        self.pool.acquire().await.map_err(db)
    }

    /// A write transaction that holds SQLite's write lock from its start.
    async fn write(&self) -> StoreResult<Write> {
        let turn = self.writer.clone().lock_owned().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        Ok(Write { tx, _turn: turn })
    }
}

/// Maps an sqlx error to the store's error.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    StoreError::database(e)
}

pub(crate) fn secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn time(secs: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| StoreError::corrupt("timestamp out of range"))
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(db)
    }
}

#[async_trait]
impl ReferenceStore for SqliteStore {
    async fn institutions(&self) -> StoreResult<Vec<Institution>> {
        reference::institutions(&self.pool).await
    }

    async fn institution(&self, id: InstitutionId) -> StoreResult<Option<Institution>> {
        reference::institution_where(&self.pool, reference::By::Id(id)).await
    }

    async fn institution_by_code(
        &self,
        code: &InstitutionCode,
    ) -> StoreResult<Option<Institution>> {
        reference::institution_where(&self.pool, reference::By::Code(code)).await
    }

    async fn catalog(&self) -> StoreResult<Catalog> {
        reference::catalog(&self.pool).await
    }

    async fn upsert_institutions(&self, all: &[NewInstitution]) -> StoreResult<Vec<Upserted>> {
        let mut tx = self.write().await?;
        let done = reference::upsert_institutions(&mut tx.tx, all).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn save_institutions(
        &self,
        all: &[NewInstitution],
        audit: &AuditEntry,
    ) -> StoreResult<Vec<Upserted>> {
        let mut tx = self.write().await?;
        let done = reference::upsert_institutions(&mut tx.tx, all).await?;
        audit::append(&mut tx.tx, audit).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn insert_venue(&self, new: &NewVenue) -> StoreResult<VenueId> {
        reference::insert_venue(&self.pool, new).await
    }

    async fn insert_lane(&self, new: &NewLane) -> StoreResult<LaneId> {
        reference::insert_lane(&self.pool, new).await
    }

    async fn insert_vaccine(&self, new: &NewVaccine) -> StoreResult<VaccineId> {
        reference::insert_vaccine(&self.pool, new).await
    }
}

#[async_trait]
impl SlotStore for SqliteStore {
    async fn slots(&self, query: &SlotQuery) -> StoreResult<Vec<Slot>> {
        slots::list(&self.pool, query).await
    }

    async fn slot(&self, id: SlotId) -> StoreResult<Option<Slot>> {
        slots::one(&self.pool, id).await
    }

    async fn insert_slots(&self, new: &[NewSlot]) -> StoreResult<Vec<SlotId>> {
        let mut tx = self.write().await?;
        let ids = slots::insert(&mut tx.tx, new).await?;
        tx.commit().await?;
        Ok(ids)
    }

    async fn change_slot(
        &self,
        slot: SlotId,
        change: &SlotChange,
        audit: &AuditEntry,
    ) -> StoreResult<SlotChanged> {
        let mut tx = self.write().await?;
        let changed = slots::change(&mut tx.tx, slot, change).await?;
        if changed == SlotChanged::Done {
            audit::append(&mut tx.tx, audit).await?;
            tx.commit().await?;
        }
        Ok(changed)
    }

    async fn day_quotas(
        &self,
        venue: VenueId,
        day: NaiveDate,
    ) -> StoreResult<Vec<(InstitutionId, u32, u32)>> {
        slots::day_quotas(&mut *self.read().await?, venue, day).await
    }

    async fn set_day_quotas(
        &self,
        venue: VenueId,
        day: NaiveDate,
        quotas: &std::collections::BTreeMap<InstitutionId, u32>,
        audit: &AuditEntry,
    ) -> StoreResult<SlotChanged> {
        let mut tx = self.write().await?;
        let changed = slots::set_day_quotas(&mut tx.tx, venue, day, quotas).await?;
        if changed == SlotChanged::Done {
            audit::append(&mut tx.tx, audit).await?;
            tx.commit().await?;
        }
        Ok(changed)
    }

    async fn delete_slot(&self, slot: SlotId, audit: &AuditEntry) -> StoreResult<SlotDeleted> {
        let mut tx = self.write().await?;
        let deleted = slots::delete(&mut tx.tx, slot).await?;
        if deleted == SlotDeleted::Deleted {
            audit::append(&mut tx.tx, audit).await?;
            tx.commit().await?;
        }
        Ok(deleted)
    }

    async fn create_slots(&self, new: &[NewSlot], audit: &AuditEntry) -> StoreResult<Vec<SlotId>> {
        let mut tx = self.write().await?;
        let ids = slots::insert(&mut tx.tx, new).await?;
        audit::append(&mut tx.tx, audit).await?;
        tx.commit().await?;
        Ok(ids)
    }
}

#[async_trait]
impl MemberStore for SqliteStore {
    async fn member(
        &self,
        institution: InstitutionId,
        login: &Subject,
    ) -> StoreResult<Option<Member>> {
        reference::member(&self.pool, institution, login).await
    }

    async fn upsert_members(&self, members: &[NewMember], now: DateTime<Utc>) -> StoreResult<u64> {
        let mut tx = self.write().await?;
        let n = reference::upsert_members(&mut tx.tx, members, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn members(&self, institution: InstitutionId) -> StoreResult<Vec<Member>> {
        reference::members(&self.pool, institution).await
    }

    async fn apply_members(
        &self,
        institution: InstitutionId,
        upsert: &[NewMember],
        disable: &[Subject],
        remove: &[Subject],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        reference::apply_members(&mut tx.tx, institution, upsert, disable, remove, now).await?;
        tx.commit().await
    }
}

#[async_trait]
impl PersonStore for SqliteStore {
    async fn has_consented(
        &self,
        institution: InstitutionId,
        subject: &Subject,
        version: &str,
    ) -> StoreResult<bool> {
        reference::has_consented(&self.pool, institution, subject, version).await
    }

    async fn personal_fields(&self, owner: &Owner) -> StoreResult<BTreeSet<Field>> {
        personal::fields(&self.pool, owner).await
    }

    async fn personal_data(&self, owner: &Owner) -> StoreResult<Vec<(Field, Sealed)>> {
        personal::data(&self.pool, owner).await
    }

    async fn personal_data_batch(
        &self,
        after: Option<(Owner, Field)>,
        limit: u32,
    ) -> StoreResult<Vec<(Owner, Field, Sealed)>> {
        personal::batch(&self.pool, after, limit).await
    }

    async fn reseal(
        &self,
        owner: &Owner,
        field: Field,
        old: &KeyId,
        new: &Sealed,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        personal::reseal(&self.pool, owner, field, old, new, now).await
    }

    async fn person_for_login(&self, login: &PersonLogin) -> StoreResult<Person> {
        let mut tx = self.write().await?;
        let person = reference::person_for_login(&mut tx.tx, login).await?;
        tx.commit().await?;
        Ok(person)
    }

    async fn person(&self, id: PersonId) -> StoreResult<Option<Person>> {
        reference::person(&self.pool, id).await
    }

    async fn person_by_subject(
        &self,
        institution: InstitutionId,
        subject: &Subject,
    ) -> StoreResult<Option<Person>> {
        reference::person_by_subject(&self.pool, institution, subject).await
    }

    async fn person_subject(&self, id: PersonId) -> StoreResult<Option<Subject>> {
        staff::person_subject(&self.pool, id).await
    }
}

#[async_trait]
impl BookingStore for SqliteStore {
    async fn series_of(&self, person: PersonId) -> StoreResult<Vec<Series>> {
        reservations::series_where(&mut *self.read().await?, reservations::By::Person(person)).await
    }

    async fn series(&self, id: SeriesId) -> StoreResult<Option<Series>> {
        Ok(
            reservations::series_where(&mut *self.read().await?, reservations::By::Id(id))
                .await?
                .pop(),
        )
    }

    async fn series_by_number(&self, number: &ReservationNumber) -> StoreResult<Option<Series>> {
        Ok(
            reservations::series_where(&mut *self.read().await?, reservations::By::Number(number))
                .await?
                .pop(),
        )
    }

    async fn series_at(
        &self,
        venue: VenueId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Series>> {
        reservations::series_where(
            &mut *self.read().await?,
            reservations::By::AtVenue(venue, from, to),
        )
        .await
    }

    async fn search_series(&self, search: &SeriesSearch) -> StoreResult<Vec<Series>> {
        reservations::series_where(&mut *self.read().await?, reservations::By::Search(search)).await
    }

    async fn series_of_institution(&self, institution: InstitutionId) -> StoreResult<Vec<Series>> {
        reservations::series_where(
            &mut *self.read().await?,
            reservations::By::OfInstitution(institution),
        )
        .await
    }

    async fn book(&self, request: &NewSeries) -> StoreResult<Booked> {
        let mut tx = self.write().await?;
        let booked = flows::book(&mut SqliteTx(&mut tx.tx), request).await?;
        tx.commit().await?;
        Ok(booked)
    }

    async fn reschedule(&self, request: &Reschedule) -> StoreResult<Series> {
        let mut tx = self.write().await?;
        let series = flows::reschedule(&mut SqliteTx(&mut tx.tx), request).await?;
        tx.commit().await?;
        Ok(series)
    }

    async fn cancel(
        &self,
        series: SeriesId,
        language: Language,
        now: DateTime<Utc>,
    ) -> StoreResult<Series> {
        let mut tx = self.write().await?;
        let series = flows::cancel(&mut SqliteTx(&mut tx.tx), series, language, now).await?;
        tx.commit().await?;
        Ok(series)
    }

    async fn cancel_audited(
        &self,
        series: SeriesId,
        language: Language,
        audit: &AuditEntry,
    ) -> StoreResult<Series> {
        let mut tx = self.write().await?;
        let series = flows::cancel(&mut SqliteTx(&mut tx.tx), series, language, audit.at).await?;
        audit::append(&mut tx.tx, audit).await?;
        tx.commit().await?;
        Ok(series)
    }

    async fn apply_batch(&self, batch: &[BatchOp], audit: &AuditEntry) -> StoreResult<Vec<Series>> {
        let mut tx = self.write().await?;
        let done = flows::batch(&mut SqliteTx(&mut tx.tx), batch, audit).await?;
        tx.commit().await?;
        Ok(done)
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<AuditRecord> {
        let mut tx = self.write().await?;
        let record = audit::append(&mut tx.tx, entry).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn audit_records(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        audit::after(&self.pool, after, limit).await
    }

    async fn audit_latest(&self, before: Option<i64>, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        audit::latest(&self.pool, before, limit).await
    }

    async fn audit_head(&self) -> StoreResult<Option<(i64, String)>> {
        audit::head(&self.pool).await
    }
}

#[async_trait]
impl StaffStore for SqliteStore {
    async fn admins(&self) -> StoreResult<Vec<AdminAccount>> {
        staff::admins(&self.pool).await
    }

    async fn admin(&self, id: AdminId) -> StoreResult<Option<AdminAccount>> {
        staff::admin_by_id(&self.pool, id).await
    }

    async fn admin_by_login(
        &self,
        directory: StaffDirectory,
        login: &Subject,
    ) -> StoreResult<Option<(AdminAccount, Option<String>)>> {
        staff::admin_by_login(&self.pool, directory, login).await
    }

    async fn insert_admin(&self, new: &NewAdmin, audit: &AuditEntry) -> StoreResult<AdminId> {
        let mut write = self.write().await?;
        let id = staff::insert_admin(&mut write, new, audit).await?;
        write.commit().await?;
        Ok(id)
    }

    async fn update_admin(
        &self,
        id: AdminId,
        change: &AdminChange,
        audit: &AuditEntry,
    ) -> StoreResult<Option<AdminAccount>> {
        let mut write = self.write().await?;
        if !staff::update_admin(&mut write, id, change, audit).await? {
            return Ok(None);
        }
        write.commit().await?;
        staff::admin_by_id(&self.pool, id).await
    }

    async fn admin_signed_in(&self, id: AdminId, audit: &AuditEntry) -> StoreResult<()> {
        let mut write = self.write().await?;
        staff::signed_in(&mut write, id, audit).await?;
        write.commit().await
    }

    async fn office_counts(
        &self,
        institution: Option<InstitutionId>,
        now: DateTime<Utc>,
    ) -> StoreResult<OfficeCounts> {
        staff::counts(&self.pool, institution, now).await
    }
}

#[async_trait]
impl CheckInStore for SqliteStore {
    async fn check_ins(&self, series: SeriesId) -> StoreResult<Vec<(DoseNumber, DateTime<Utc>)>> {
        staff::check_ins(&self.pool, series).await
    }

    async fn checked_in_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(SeriesId, DoseNumber, DateTime<Utc>)>> {
        staff::checked_in_between(&self.pool, from, to).await
    }

    async fn check_in(
        &self,
        series: SeriesId,
        dose: DoseNumber,
        by: AdminId,
        audit: &AuditEntry,
    ) -> StoreResult<CheckedIn> {
        let mut write = self.write().await?;
        let done = staff::check_in(&mut write.tx, series, dose, by, audit).await?;
        write.commit().await?;
        Ok(done)
    }
}

#[async_trait]
impl MailStore for SqliteStore {
    async fn claim_mail(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<MailJob>> {
        let mut write = self.write().await?;
        let jobs = mail::claim(&mut write, worker, now, lease_until, limit).await?;
        write.commit().await?;
        Ok(jobs)
    }

    async fn mail_sent(
        &self,
        id: MailJobId,
        worker: &str,
        sent: &MailSent,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut write = self.write().await?;
        let done = mail::sent(&mut write, id, worker, sent, audit).await?;
        write.commit().await?;
        Ok(done)
    }

    async fn mail_failed(
        &self,
        id: MailJobId,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        let mut write = self.write().await?;
        let done = mail::failed(&mut write, id, worker, error, retry_at).await?;
        write.commit().await?;
        Ok(done)
    }

    async fn mail_skipped(&self, id: MailJobId, worker: &str, reason: &str) -> StoreResult<bool> {
        let mut write = self.write().await?;
        let done = mail::skipped(&mut write, id, worker, reason).await?;
        write.commit().await?;
        Ok(done)
    }

    async fn queue_reminders(&self, day: NaiveDate, now: DateTime<Utc>) -> StoreResult<u64> {
        let mut write = self.write().await?;
        let queued = mail::queue_reminders(&mut write, day, now).await?;
        write.commit().await?;
        Ok(queued)
    }

    async fn mail_jobs(&self, query: &MailQuery) -> StoreResult<Vec<MailJob>> {
        mail::jobs(&self.pool, query).await
    }

    async fn mail_job(&self, id: MailJobId) -> StoreResult<Option<MailJob>> {
        mail::job_by_id(&self.pool, id).await
    }

    async fn resend_mail(&self, id: MailJobId, audit: &AuditEntry) -> StoreResult<bool> {
        let mut write = self.write().await?;
        let done = mail::resend(&mut write, id, audit).await?;
        write.commit().await?;
        Ok(done)
    }
}
