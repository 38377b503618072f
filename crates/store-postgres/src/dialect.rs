//! What the statements written once in `crates/store-sql` need to know of
//! PostgreSQL: its types, how it stores a time, and the few fragments of SQL
//! in which it differs from SQLite. `crates/store-sqlite/src/dialect.rs` has
//! the same items.

use chrono::{DateTime, Utc};
use sesshu_store::StoreResult;

/// The store the shared topic modules implement their traits for.
pub(crate) type Backend = crate::PgStore;
pub(crate) type Db = sqlx::Postgres;
pub(crate) type Conn = sqlx::PgConnection;
/// An open write transaction (`write_tx!` hands one to its body).
pub(crate) type Tx = sqlx::Transaction<'static, Db>;
pub(crate) type Row = sqlx::postgres::PgRow;

/// A time as this backend stores it: `timestamptz`.
pub(crate) type Time = DateTime<Utc>;

/// A time to bind.
pub(crate) fn at(t: DateTime<Utc>) -> Time {
    t
}

/// A time read back.
#[allow(clippy::unnecessary_wraps)] // the same signature as SQLite's
pub(crate) fn time(t: Time) -> StoreResult<DateTime<Utc>> {
    Ok(t)
}

// --- slots and bookings ---

/// A small integer column (capacity, booked, dose, places) as read and
/// bound here: `INTEGER`.
pub(crate) type Int = i32;

/// A count to bind into a small integer column (saturating).
pub(crate) fn int(n: u32) -> Int {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A new slot's capacity to bind (an error if it does not fit).
pub(crate) fn int_checked(n: u32) -> StoreResult<Int> {
    i32::try_from(n).map_err(sesshu_store::StoreError::corrupt)
}

/// A day as `day_quotas.day` stores it: `DATE`.
pub(crate) type Day = chrono::NaiveDate;

/// A day to bind.
pub(crate) fn day(d: chrono::NaiveDate) -> Day {
    d
}

/// A day read back.
#[allow(clippy::unnecessary_wraps)] // the same signature as SQLite's
pub(crate) fn day_of(d: Day) -> StoreResult<chrono::NaiveDate> {
    Ok(d)
}

/// The Asia/Tokyo date of the time column `t`, as `day_quotas.day` stores it.
pub(crate) fn tokyo_day(t: &str) -> String {
    format!("({t} AT TIME ZONE 'Asia/Tokyo')::date")
}

/// `expr` as text, to concatenate with `||`.
pub(crate) fn text(expr: &str) -> String {
    format!("{expr}::text")
}

/// The comma-separated list of the text `expr` over a group.
pub(crate) fn comma_list(expr: &str) -> String {
    format!("string_agg({expr}, ',')")
}

/// Appended to a `SELECT` that reads rows it is about to change: locks them.
pub(crate) const FOR_UPDATE: &str = " FOR UPDATE";

/// Locks the slots' rows, in the one global order: first-dose slots, then
/// second-dose slots, each by id.
pub(crate) async fn lock_slots(
    conn: &mut Conn,
    slots: &[sesshu_domain::SlotId],
) -> StoreResult<()> {
    if slots.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = slots.iter().map(|s| s.get()).collect();
    sqlx::query("SELECT id FROM slots WHERE id = ANY($1) ORDER BY dose, id FOR UPDATE")
        .bind(&ids)
        .fetch_all(conn)
        .await
        .map_err(crate::db)?;
    Ok(())
}

/// Locks the series row (`FOR UPDATE`); whether it exists.
pub(crate) async fn lock_series(
    conn: &mut Conn,
    series: sesshu_domain::SeriesId,
) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM series WHERE id = $1 FOR UPDATE")
        .bind(series.get())
        .fetch_optional(conn)
        .await
        .map_err(crate::db)?;
    Ok(found.is_some())
}

/// Waits for, then holds until the transaction ends, the turn of an
/// institution's bookings on a day at a venue (a transaction-scoped
/// advisory lock: no table privilege needed).
pub(crate) async fn day_turn(
    conn: &mut Conn,
    venue: sesshu_domain::VenueId,
    day: &Day,
    institution: i64,
) -> StoreResult<()> {
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended(format('day_quota:%s:%s:%s', $1::BIGINT, \
         $2::DATE, $3::BIGINT), 0))",
    )
    .bind(venue.get())
    .bind(day)
    .bind(institution)
    .execute(&mut *conn)
    .await
    .map_err(crate::db)?;
    Ok(())
}

/// Before a day's quotas are replaced: locks every slot of that day at the
/// venue (in the bookings' order: first-dose slots, then second-dose ones,
/// by id), so that bookings in flight finish before it counts and later
/// ones see the new quotas; then the turn of each institution with a new
/// or a current quota that day, by id.
pub(crate) async fn lock_day_quotas(
    conn: &mut Conn,
    venue: sesshu_domain::VenueId,
    day: &Day,
    institutions: &[sesshu_domain::InstitutionId],
) -> StoreResult<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT s.id FROM slots s WHERE s.venue_id = $1 AND {} = $2 \
         ORDER BY s.dose, s.id FOR UPDATE",
        tokyo_day("s.starts_at")
    )))
    .bind(venue.get())
    .bind(day)
    .fetch_all(&mut *conn)
    .await
    .map_err(crate::db)?;
    let current: Vec<i64> = sqlx::query_scalar(
        "SELECT institution_id FROM day_quotas WHERE venue_id = $1 AND day = $2",
    )
    .bind(venue.get())
    .bind(day)
    .fetch_all(&mut *conn)
    .await
    .map_err(crate::db)?;
    let mut turns: Vec<i64> = institutions
        .iter()
        .map(|i| i.get())
        .chain(current)
        .collect();
    turns.sort_unstable();
    turns.dedup();
    for institution in turns {
        day_turn(conn, venue, day, institution).await?;
    }
    Ok(())
}

/// The error of inserting a series: the index that allows one active series
/// per person is the rejection "already booked".
pub(crate) fn insert_series_error(e: sqlx::Error) -> sesshu_store::StoreError {
    match crate::constraint(&e) {
        Some("series_one_active_per_person") => sesshu_domain::Rejection::AlreadyBooked.into(),
        _ => crate::db(e),
    }
}

/// The SQL type of a time, for `CAST($n AS …) IS NULL` filters.
pub(crate) const TIME_TYPE: &str = "TIMESTAMPTZ";

// --- audit ---

/// Before reading the audit head (`FOR UPDATE`) to append: makes sure the
/// head row exists, so that its lock orders concurrent appends (several
/// processes).
pub(crate) async fn lock_audit_head(conn: &mut Conn, genesis: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, $1) ON CONFLICT (id) DO NOTHING",
    )
    .bind(genesis)
    .execute(&mut *conn)
    .await
    .map_err(crate::db)?;
    Ok(())
}

// --- mail ---

/// Appended to the claim's inner `SELECT`: concurrent claimers pass over
/// each other's rows instead of waiting for them.
pub(crate) const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

/// A small integer column read back, widened.
pub(crate) fn wide(n: Int) -> i64 {
    i64::from(n)
}
