//! The PostgreSQL store, for production and for several processes on one
//! database.
//!
//! Transactions run at READ COMMITTED: a place is taken by a conditional
//! update that PostgreSQL re-checks on the newest row version, and the
//! uniqueness rules are indexes. A deadlock or serialization failure (rare:
//! two changes swapping the same slots) is retried a few times.

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
use reservations::PgTx;
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
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::collections::BTreeSet;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The migrations of this backend, applied by [`PgStore::migrate`].
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How often a transaction that lost a deadlock is tried again.
const ATTEMPTS: usize = 4;

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// `LISTEN sesshu_mail`, opened by the first mail worker that waits.
    mail_listener: Arc<tokio::sync::Mutex<Option<MailListener>>>,
}

/// A dedicated connection listening for queued mail.
struct MailListener(sqlx::postgres::PgListener);

impl std::fmt::Debug for MailListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MailListener")
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) with a pool of `max_connections`.
    pub async fn connect(url: &str, max_connections: u32) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url).map_err(StoreError::database)?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(StoreError::database)?;
        Ok(Self {
            pool,
            mail_listener: Arc::default(),
        })
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await.map_err(StoreError::database)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// Maps an sqlx error to the store's error; deadlocks and serialization
/// failures become [`StoreError::Contention`], which is retried.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    match e.as_database_error().and_then(|d| d.code()) {
        Some(code) if code == "40P01" || code == "40001" => StoreError::Contention,
        _ => StoreError::database(e),
    }
}

/// The name of the constraint a database error violated, if any.
pub(crate) fn constraint(e: &sqlx::Error) -> Option<&str> {
    e.as_database_error().and_then(|d| d.constraint())
}

/// Runs one write transaction, retrying it on contention.
macro_rules! write_tx {
    ($self:ident, |$tx:ident| $body:expr) => {{
        let mut attempt = 1;
        loop {
            let mut tx = $self.pool.begin().await.map_err(db)?;
            let result = {
                let $tx = &mut tx;
                $body.await
            };
            let result = match result {
                Ok(value) => tx.commit().await.map(|()| value).map_err(db),
                Err(e) => Err(e),
            };
            match result {
                Err(StoreError::Contention) if attempt < ATTEMPTS => {
                    tracing::debug!(attempt, "transaction contention, retrying");
                    attempt += 1;
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use write_tx;

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(db)
    }
}

#[async_trait]
impl ReferenceStore for PgStore {
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
        write_tx!(self, |tx| reference::upsert_institutions(tx, all))
    }

    async fn save_institutions(
        &self,
        all: &[NewInstitution],
        audit: &AuditEntry,
    ) -> StoreResult<Vec<Upserted>> {
        write_tx!(self, |tx| async {
            let done = reference::upsert_institutions(tx, all).await?;
            audit::append(tx, audit).await?;
            Ok(done)
        })
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
impl SlotStore for PgStore {
    async fn slots(&self, query: &SlotQuery) -> StoreResult<Vec<Slot>> {
        slots::list(&self.pool, query).await
    }

    async fn slot(&self, id: SlotId) -> StoreResult<Option<Slot>> {
        slots::one(&self.pool, id).await
    }

    async fn insert_slots(&self, new: &[NewSlot]) -> StoreResult<Vec<SlotId>> {
        write_tx!(self, |tx| slots::insert(tx, new))
    }

    async fn change_slot(
        &self,
        slot: SlotId,
        change: &SlotChange,
        audit: &AuditEntry,
    ) -> StoreResult<SlotChanged> {
        write_tx!(self, |tx| async {
            let changed = slots::change(tx, slot, change).await?;
            if changed == SlotChanged::Done {
                audit::append(tx, audit).await?;
            }
            Ok(changed)
        })
    }

    async fn day_quotas(
        &self,
        venue: VenueId,
        day: NaiveDate,
    ) -> StoreResult<Vec<(InstitutionId, u32, u32)>> {
        slots::day_quotas(&self.pool, venue, day).await
    }

    async fn set_day_quotas(
        &self,
        venue: VenueId,
        day: NaiveDate,
        quotas: &std::collections::BTreeMap<InstitutionId, u32>,
        audit: &AuditEntry,
    ) -> StoreResult<SlotChanged> {
        write_tx!(self, |tx| async {
            let changed = slots::set_day_quotas(tx, venue, day, quotas).await?;
            if changed == SlotChanged::Done {
                audit::append(tx, audit).await?;
            }
            Ok(changed)
        })
    }

    async fn delete_slot(&self, slot: SlotId, audit: &AuditEntry) -> StoreResult<SlotDeleted> {
        write_tx!(self, |tx| async {
            let deleted = slots::delete(tx, slot).await?;
            if deleted == SlotDeleted::Deleted {
                audit::append(tx, audit).await?;
            }
            Ok(deleted)
        })
    }

    async fn create_slots(&self, new: &[NewSlot], audit: &AuditEntry) -> StoreResult<Vec<SlotId>> {
        write_tx!(self, |tx| async {
            let ids = slots::insert(tx, new).await?;
            audit::append(tx, audit).await?;
            Ok(ids)
        })
    }
}

#[async_trait]
impl MemberStore for PgStore {
    async fn member(
        &self,
        institution: InstitutionId,
        login: &Subject,
    ) -> StoreResult<Option<Member>> {
        reference::member(&self.pool, institution, login).await
    }

    async fn upsert_members(&self, members: &[NewMember], now: DateTime<Utc>) -> StoreResult<u64> {
        write_tx!(self, |tx| reference::upsert_members(tx, members, now))
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
        write_tx!(self, |tx| reference::apply_members(
            tx,
            institution,
            upsert,
            disable,
            remove,
            now
        ))
    }
}

#[async_trait]
impl PersonStore for PgStore {
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
        write_tx!(self, |tx| reference::person_for_login(tx, login))
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
impl BookingStore for PgStore {
    async fn series_of(&self, person: PersonId) -> StoreResult<Vec<Series>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        reservations::series_where(&mut conn, reservations::By::Person(person)).await
    }

    async fn series(&self, id: SeriesId) -> StoreResult<Option<Series>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        Ok(
            reservations::series_where(&mut conn, reservations::By::Id(id))
                .await?
                .pop(),
        )
    }

    async fn series_by_number(&self, number: &ReservationNumber) -> StoreResult<Option<Series>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        Ok(
            reservations::series_where(&mut conn, reservations::By::Number(number))
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
        let mut conn = self.pool.acquire().await.map_err(db)?;
        reservations::series_where(&mut conn, reservations::By::AtVenue(venue, from, to)).await
    }

    async fn search_series(&self, search: &SeriesSearch) -> StoreResult<Vec<Series>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        reservations::series_where(&mut conn, reservations::By::Search(search)).await
    }

    async fn series_of_institution(&self, institution: InstitutionId) -> StoreResult<Vec<Series>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        reservations::series_where(&mut conn, reservations::By::OfInstitution(institution)).await
    }

    async fn book(&self, request: &NewSeries) -> StoreResult<Booked> {
        write_tx!(self, |tx| flows::book(&mut PgTx(tx), request))
    }

    async fn reschedule(&self, request: &Reschedule) -> StoreResult<Series> {
        write_tx!(self, |tx| flows::reschedule(&mut PgTx(tx), request))
    }

    async fn cancel(
        &self,
        series: SeriesId,
        language: Language,
        now: DateTime<Utc>,
    ) -> StoreResult<Series> {
        write_tx!(self, |tx| flows::cancel(
            &mut PgTx(tx),
            series,
            language,
            now
        ))
    }

    async fn cancel_audited(
        &self,
        series: SeriesId,
        language: Language,
        audit: &AuditEntry,
    ) -> StoreResult<Series> {
        write_tx!(self, |tx| async {
            let series = flows::cancel(&mut PgTx(tx), series, language, audit.at).await?;
            audit::append(tx, audit).await?;
            Ok(series)
        })
    }

    async fn apply_batch(&self, batch: &[BatchOp], audit: &AuditEntry) -> StoreResult<Vec<Series>> {
        write_tx!(self, |tx| flows::batch(&mut PgTx(tx), batch, audit))
    }
}

#[async_trait]
impl AuditStore for PgStore {
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<AuditRecord> {
        write_tx!(self, |tx| audit::append(tx, entry))
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
impl StaffStore for PgStore {
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
        write_tx!(self, |tx| staff::insert_admin(tx, new, audit))
    }

    async fn update_admin(
        &self,
        id: AdminId,
        change: &AdminChange,
        audit: &AuditEntry,
    ) -> StoreResult<Option<AdminAccount>> {
        if !write_tx!(self, |tx| staff::update_admin(tx, id, change, audit))? {
            return Ok(None);
        }
        staff::admin_by_id(&self.pool, id).await
    }

    async fn admin_signed_in(&self, id: AdminId, audit: &AuditEntry) -> StoreResult<()> {
        write_tx!(self, |tx| staff::signed_in(tx, id, audit))
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
impl CheckInStore for PgStore {
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
        write_tx!(self, |tx| staff::check_in(tx, series, dose, by, audit))
    }
}

#[async_trait]
impl MailStore for PgStore {
    async fn claim_mail(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<MailJob>> {
        write_tx!(self, |tx| mail::claim(tx, worker, now, lease_until, limit))
    }

    async fn mail_sent(
        &self,
        id: MailJobId,
        worker: &str,
        sent: &MailSent,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        write_tx!(self, |tx| mail::sent(tx, id, worker, sent, audit))
    }

    async fn mail_failed(
        &self,
        id: MailJobId,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        write_tx!(self, |tx| mail::failed(tx, id, worker, error, retry_at))
    }

    async fn mail_skipped(&self, id: MailJobId, worker: &str, reason: &str) -> StoreResult<bool> {
        write_tx!(self, |tx| mail::skipped(tx, id, worker, reason))
    }

    async fn queue_reminders(&self, day: NaiveDate, now: DateTime<Utc>) -> StoreResult<u64> {
        write_tx!(self, |tx| mail::queue_reminders(tx, day, now))
    }

    async fn mail_jobs(&self, query: &MailQuery) -> StoreResult<Vec<MailJob>> {
        mail::jobs(&self.pool, query).await
    }

    async fn mail_job(&self, id: MailJobId) -> StoreResult<Option<MailJob>> {
        mail::job_by_id(&self.pool, id).await
    }

    async fn resend_mail(&self, id: MailJobId, audit: &AuditEntry) -> StoreResult<bool> {
        write_tx!(self, |tx| mail::resend(tx, id, audit))
    }

    /// Waits for `NOTIFY sesshu_mail` (sent when a job is queued) or
    /// `timeout`. A listener that fails is dropped and opened again next
    /// time; meanwhile the worker just waits.
    async fn wait_for_mail(&self, timeout: Duration) {
        let mut slot = self.mail_listener.lock().await;
        if slot.is_none() {
            match sqlx::postgres::PgListener::connect_with(&self.pool).await {
                Ok(mut listener) => match listener.listen("sesshu_mail").await {
                    Ok(()) => *slot = Some(MailListener(listener)),
                    Err(e) => tracing::warn!(error = %e, "LISTEN sesshu_mail failed"),
                },
                Err(e) => tracing::warn!(error = %e, "no connection to LISTEN on"),
            }
        }
        let Some(MailListener(listener)) = slot.as_mut() else {
            drop(slot);
            tokio::time::sleep(timeout).await;
            return;
        };
        match tokio::time::timeout(timeout, listener.recv()).await {
            Ok(Ok(_)) | Err(_) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "LISTEN sesshu_mail lost");
                *slot = None;
            }
        }
    }
}
