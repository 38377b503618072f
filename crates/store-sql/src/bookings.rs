//! Reservation series: reading them, and the statements of the booking
//! transactions (the flows themselves, and their order, are in
//! `sesshu_store::flows`).
//!
//! On SQLite a write transaction is `BEGIN IMMEDIATE`: SQLite has already
//! serialised it against every other writer, so no statement needs a row
//! lock. On PostgreSQL it is READ COMMITTED: places are taken by
//! conditional updates, which PostgreSQL re-evaluates on the latest row
//! version after waiting for a concurrent writer; slot rows are locked in
//! one global order (`dialect::lock_slots`) and the series row is locked
//! (`dialect::lock_series`) before it is changed.

// `Int` is `i64` on SQLite: `i64::from` is then the identity.
#![allow(clippy::useless_conversion)]

use crate::dialect::{self, Backend, Conn, Int, Tx, at, time};
use crate::{db, write_tx};
use chrono::{DateTime, Utc};
use sesshu_domain::{
    AuditEntry, CheckInToken, DoseNumber, InstitutionId, Language, PersonId, ReservationNumber,
    Series, SeriesId, SeriesState, SlotId, VaccineId, VenueId,
};
use sesshu_store::flows::{self, WriteTx};
use sesshu_store::{
    BatchOp, Booked, BookingStore, Idempotency, NewMailJob, NewSeries, Reschedule, SeriesDoseRow,
    SeriesSearch, StoreError, StoreResult, group_series,
};
use sqlx::Row as _;

#[async_trait::async_trait]
impl BookingStore for Backend {
    async fn series_of(&self, person: PersonId) -> StoreResult<Vec<Series>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        series_where(&mut conn, By::Person(person)).await
    }

    async fn series(&self, id: SeriesId) -> StoreResult<Option<Series>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        Ok(series_where(&mut conn, By::Id(id)).await?.pop())
    }

    async fn series_by_number(&self, number: &ReservationNumber) -> StoreResult<Option<Series>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        Ok(series_where(&mut conn, By::Number(number)).await?.pop())
    }

    async fn series_by_token(&self, token: &CheckInToken) -> StoreResult<Option<Series>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        Ok(series_where(&mut conn, By::Token(token)).await?.pop())
    }

    async fn check_in_token(&self, series: SeriesId) -> StoreResult<Option<CheckInToken>> {
        let token: Option<Option<String>> =
            sqlx::query_scalar("SELECT check_in_token FROM series WHERE id = $1")
                .bind(series.get())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        token
            .flatten()
            .map(|t| CheckInToken::parse(&t).map_err(|_| StoreError::corrupt("check-in token")))
            .transpose()
    }

    async fn series_at(
        &self,
        venue: VenueId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Series>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        series_where(&mut conn, By::AtVenue(venue, from, to)).await
    }

    async fn search_series(&self, search: &SeriesSearch) -> StoreResult<Vec<Series>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        series_where(&mut conn, By::Search(search)).await
    }

    async fn series_of_institution(&self, institution: InstitutionId) -> StoreResult<Vec<Series>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        series_where(&mut conn, By::OfInstitution(institution)).await
    }

    async fn book(&self, request: &NewSeries) -> StoreResult<Booked> {
        write_tx!(self, |tx| flows::book(&mut SqlTx(tx), request))
    }

    async fn reschedule(&self, request: &Reschedule) -> StoreResult<Series> {
        write_tx!(self, |tx| flows::reschedule(&mut SqlTx(tx), request))
    }

    async fn cancel(
        &self,
        series: SeriesId,
        language: Language,
        now: DateTime<Utc>,
    ) -> StoreResult<Series> {
        write_tx!(self, |tx| flows::cancel(
            &mut SqlTx(tx),
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
            let series = flows::cancel(&mut SqlTx(tx), series, language, audit.at).await?;
            crate::audit::append(tx, audit).await?;
            Ok(series)
        })
    }

    async fn apply_batch(&self, batch: &[BatchOp], audit: &AuditEntry) -> StoreResult<Vec<Series>> {
        write_tx!(self, |tx| flows::batch(&mut SqlTx(tx), batch, audit))
    }
}

enum By<'a> {
    Person(PersonId),
    Id(SeriesId),
    Number(&'a ReservationNumber),
    /// The active series whose confirmation carries the token.
    Token(&'a CheckInToken),
    /// Active series with a dose at `venue` in `[from, to)`.
    AtVenue(VenueId, DateTime<Utc>, DateTime<Utc>),
    /// Active series of an institution's people.
    OfInstitution(InstitutionId),
    Search(&'a SeriesSearch),
}

const SERIES_COLUMNS: &str = "SELECT se.id, se.number, se.person_id, se.vaccine_id, se.state, \
     se.created_at, d.dose, d.slot_id, sl.venue_id, sl.lane_id, sl.starts_at, sl.ends_at \
     FROM series se JOIN series_doses d ON d.series_id = se.id JOIN slots sl ON sl.id = d.slot_id";

fn row(r: &dialect::Row) -> StoreResult<SeriesDoseRow> {
    Ok(SeriesDoseRow {
        series: r.try_get("id").map_err(db)?,
        number: r.try_get("number").map_err(db)?,
        person: r.try_get("person_id").map_err(db)?,
        vaccine: r.try_get("vaccine_id").map_err(db)?,
        state: r.try_get("state").map_err(db)?,
        created_at: time(r.try_get("created_at").map_err(db)?)?,
        dose: i64::from(r.try_get::<Int, _>("dose").map_err(db)?),
        slot: r.try_get("slot_id").map_err(db)?,
        venue: r.try_get("venue_id").map_err(db)?,
        lane: r.try_get("lane_id").map_err(db)?,
        starts_at: time(r.try_get("starts_at").map_err(db)?)?,
        ends_at: time(r.try_get("ends_at").map_err(db)?)?,
    })
}

async fn series_where(conn: &mut Conn, by: By<'_>) -> StoreResult<Vec<Series>> {
    let order = "ORDER BY se.created_at DESC, se.id DESC, d.dose";
    let rows = match by {
        By::Person(p) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SERIES_COLUMNS} WHERE se.person_id = $1 {order}"
            )))
            .bind(p.get())
            .fetch_all(&mut *conn)
            .await
        }
        By::Id(id) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SERIES_COLUMNS} WHERE se.id = $1 {order}"
            )))
            .bind(id.get())
            .fetch_all(&mut *conn)
            .await
        }
        By::Token(t) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SERIES_COLUMNS} WHERE se.check_in_token = $1 AND se.state = 'booked' {order}"
            )))
            .bind(t.as_str())
            .fetch_all(&mut *conn)
            .await
        }
        By::Number(n) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SERIES_COLUMNS} WHERE se.number = $1 {order}"
            )))
            .bind(n.compact())
            .fetch_all(&mut *conn)
            .await
        }
        By::AtVenue(venue, from, to) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SERIES_COLUMNS} WHERE se.state = 'booked' AND se.id IN (SELECT d2.series_id \
                 FROM series_doses d2 JOIN slots s2 ON s2.id = d2.slot_id \
                 WHERE s2.venue_id = $1 AND s2.starts_at >= $2 AND s2.starts_at < $3) {order}"
            )))
            .bind(venue.get())
            .bind(at(from))
            .bind(at(to))
            .fetch_all(&mut *conn)
            .await
        }
        By::OfInstitution(institution) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SERIES_COLUMNS} WHERE se.state = 'booked' AND se.person_id IN \
                 (SELECT id FROM persons WHERE institution_id = $1) {order}"
            )))
            .bind(institution.get())
            .fetch_all(&mut *conn)
            .await
        }
        By::Search(q) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SERIES_COLUMNS} WHERE se.id IN (SELECT s2.id FROM series s2 \
                 JOIN persons p ON p.id = s2.person_id \
                 WHERE (CAST($1 AS BIGINT) IS NULL OR p.institution_id = $1) \
                 AND (CAST($2 AS TEXT) IS NULL OR s2.state = $2) \
                 AND (CAST($3 AS BIGINT) IS NULL OR s2.id IN \
                 (SELECT series_id FROM series_doses WHERE slot_id = $3)) \
                 AND (CAST($4 AS {}) IS NULL OR s2.id IN (SELECT d3.series_id \
                 FROM series_doses d3 JOIN slots s3 ON s3.id = d3.slot_id \
                 WHERE s3.starts_at >= $4 AND s3.starts_at < $5)) \
                 ORDER BY s2.created_at DESC, s2.id DESC LIMIT $6) {order}",
                dialect::TIME_TYPE
            )))
            .bind(q.institution.map(|i| i.get()))
            .bind(q.state.map(SeriesState::as_str))
            .bind(q.slot.map(|s| s.get()))
            .bind(q.between.map(|(from, _)| at(from)))
            .bind(q.between.map(|(_, to)| at(to)))
            .bind(i64::from(q.limit))
            .fetch_all(&mut *conn)
            .await
        }
    }
    .map_err(db)?;
    group_series(rows.iter().map(row).collect::<StoreResult<Vec<_>>>()?)
}

/// A quota of the person's institution in the slot, and the places its
/// people hold there now (active series).
const QUOTA_HELD: &str = "SELECT q.places, (SELECT COUNT(*) FROM series_doses d \
     JOIN series se ON se.id = d.series_id JOIN persons p ON p.id = se.person_id \
     WHERE d.slot_id = q.slot_id AND se.state = 'booked' AND p.institution_id = q.institution_id) \
     FROM slot_quotas q JOIN persons pp ON pp.institution_id = q.institution_id \
     WHERE q.slot_id = $1 AND pp.id = $2";

/// An open write transaction, as the booking flows see it.
pub(crate) struct SqlTx<'t>(pub(crate) &'t mut Tx);

impl SqlTx<'_> {
    fn conn(&mut self) -> &mut Conn {
        self.0
    }
}

impl WriteTx for SqlTx<'_> {
    async fn claim_key(
        &mut self,
        person: PersonId,
        key: &Idempotency,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "INSERT INTO idempotency_keys (person_id, key, fingerprint, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (person_id, key) DO NOTHING",
        )
        .bind(person.get())
        .bind(&key.key)
        .bind(&key.fingerprint)
        .bind(at(now))
        .execute(self.conn())
        .await
        .map_err(db)?;
        Ok(result.rows_affected() == 1)
    }

    async fn key_record(
        &mut self,
        person: PersonId,
        key: &str,
    ) -> StoreResult<Option<(String, Option<SeriesId>)>> {
        let row = sqlx::query(
            "SELECT fingerprint, series_id FROM idempotency_keys WHERE person_id = $1 AND key = $2",
        )
        .bind(person.get())
        .bind(key)
        .fetch_optional(self.conn())
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok((
                r.try_get("fingerprint").map_err(db)?,
                r.try_get::<Option<i64>, _>("series_id")
                    .map_err(db)?
                    .map(SeriesId::new),
            ))
        })
        .transpose()
    }

    async fn set_key_series(
        &mut self,
        person: PersonId,
        key: &str,
        series: SeriesId,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE idempotency_keys SET series_id = $3 WHERE person_id = $1 AND key = $2")
            .bind(person.get())
            .bind(key)
            .bind(series.get())
            .execute(self.conn())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn has_active_series(&mut self, person: PersonId) -> StoreResult<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM series WHERE person_id = $1 AND state = 'booked')",
        )
        .bind(person.get())
        .fetch_one(self.conn())
        .await
        .map_err(db)
    }

    async fn insert_series(
        &mut self,
        number: &ReservationNumber,
        token: &CheckInToken,
        person: PersonId,
        vaccine: VaccineId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SeriesId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO series \
             (number, person_id, vaccine_id, state, created_at, updated_at, check_in_token) \
             VALUES ($1, $2, $3, 'booked', $4, $4, $5) ON CONFLICT (number) DO NOTHING RETURNING id",
        )
        .bind(number.compact())
        .bind(person.get())
        .bind(vaccine.get())
        .bind(at(now))
        .bind(token.as_str())
        .fetch_optional(self.conn())
        .await
        .map_err(dialect::insert_series_error)?;
        Ok(id.map(SeriesId::new))
    }

    async fn insert_dose(
        &mut self,
        series: SeriesId,
        dose: DoseNumber,
        slot: SlotId,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO series_doses (series_id, dose, slot_id) VALUES ($1, $2, $3)")
            .bind(series.get())
            .bind(i32::from(dose.get()))
            .bind(slot.get())
            .execute(self.conn())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn set_dose_slot(
        &mut self,
        series: SeriesId,
        dose: DoseNumber,
        slot: SlotId,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE series_doses SET slot_id = $3 WHERE series_id = $1 AND dose = $2")
            .bind(series.get())
            .bind(i32::from(dose.get()))
            .bind(slot.get())
            .execute(self.conn())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn lock_slots(&mut self, slots: &[SlotId]) -> StoreResult<()> {
        dialect::lock_slots(self.conn(), slots).await
    }

    async fn take_place(
        &mut self,
        slot: SlotId,
        person: PersonId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // Most places have no quota: one question first, the counting only
        // where one applies. Under the slot's row lock (taken by the flow;
        // on SQLite, the only writer's turn): every change of a place in
        // this slot waits for it, so the count cannot move.
        let (slot_quota, day_quota): (bool, bool) =
            sqlx::query_as(sqlx::AssertSqlSafe(crate::slots::quotas_apply()))
                .bind(slot.get())
                .bind(person.get())
                .fetch_one(self.conn())
                .await
                .map_err(db)?;
        if slot_quota {
            let quota: Option<(Int, i64)> = sqlx::query_as(QUOTA_HELD)
                .bind(slot.get())
                .bind(person.get())
                .fetch_optional(self.conn())
                .await
                .map_err(db)?;
            if quota.is_some_and(|(places, held)| held >= i64::from(places)) {
                return Ok(false);
            }
        }
        if day_quota {
            let day = crate::slots::day_quota_for(self.conn(), slot, person).await?;
            if day.is_some_and(|(places, held)| held >= places) {
                return Ok(false);
            }
        }
        let result = sqlx::query(
            "UPDATE slots SET booked = booked + 1 \
             WHERE id = $1 AND booked < capacity AND NOT closed AND starts_at > $2",
        )
        .bind(slot.get())
        .bind(at(now))
        .execute(self.conn())
        .await
        .map_err(db)?;
        Ok(result.rows_affected() == 1)
    }

    async fn release_place(&mut self, slot: SlotId) -> StoreResult<()> {
        let result =
            sqlx::query("UPDATE slots SET booked = booked - 1 WHERE id = $1 AND booked > 0")
                .bind(slot.get())
                .execute(self.conn())
                .await
                .map_err(db)?;
        if result.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::corrupt(format!(
                "slot {slot} has no place to release"
            )))
        }
    }

    async fn slot_closed(&mut self, slot: SlotId, now: DateTime<Utc>) -> StoreResult<Option<bool>> {
        sqlx::query_scalar("SELECT closed OR starts_at <= $2 FROM slots WHERE id = $1")
            .bind(slot.get())
            .bind(at(now))
            .fetch_optional(self.conn())
            .await
            .map_err(db)
    }

    async fn read_series(&mut self, series: SeriesId) -> StoreResult<Option<Series>> {
        Ok(series_where(self.conn(), By::Id(series)).await?.pop())
    }

    async fn lock_series(&mut self, series: SeriesId) -> StoreResult<Option<Series>> {
        if !dialect::lock_series(self.conn(), series).await? {
            return Ok(None);
        }
        Ok(series_where(self.conn(), By::Id(series)).await?.pop())
    }

    async fn set_state(
        &mut self,
        series: SeriesId,
        state: SeriesState,
        token: Option<&CheckInToken>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let cancelled_at = (state == SeriesState::Cancelled).then(|| at(now));
        sqlx::query(
            "UPDATE series SET state = $2, updated_at = $3, \
             cancelled_at = COALESCE($4, cancelled_at), check_in_token = $5 WHERE id = $1",
        )
        .bind(series.get())
        .bind(state.as_str())
        .bind(at(now))
        .bind(cancelled_at)
        .bind(token.map(CheckInToken::as_str))
        .execute(self.conn())
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn insert_mail_job(&mut self, job: &NewMailJob) -> StoreResult<()> {
        crate::mail::insert(self.conn(), job).await
    }

    async fn append_audit(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        crate::audit::append(self.0, entry).await.map(drop)
    }
}
