//! What the statements written once in `crates/store-sql` need to know of
//! SQLite: its types, how it stores a time, and the few fragments of SQL in
//! which it differs from PostgreSQL. `crates/store-postgres/src/dialect.rs`
//! has the same items.

use chrono::{DateTime, Utc};
use sesshu_store::{StoreError, StoreResult};

/// The store the shared topic modules implement their traits for.
pub(crate) type Backend = crate::SqliteStore;
pub(crate) type Db = sqlx::Sqlite;
pub(crate) type Conn = sqlx::SqliteConnection;
/// An open write transaction (`write_tx!` hands one to its body).
pub(crate) type Tx = sqlx::Transaction<'static, Db>;
pub(crate) type Row = sqlx::sqlite::SqliteRow;

/// A time as this backend stores it: integer Unix seconds.
pub(crate) type Time = i64;

/// A time to bind.
pub(crate) fn at(t: DateTime<Utc>) -> Time {
    t.timestamp()
}

/// A time read back.
pub(crate) fn time(secs: Time) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| StoreError::corrupt("timestamp out of range"))
}

// --- slots and bookings ---

/// A small integer column (capacity, booked, dose, places) as read and
/// bound here: SQLite's 64-bit integer.
pub(crate) type Int = i64;

/// A count to bind into a small integer column (SQLite: lossless).
pub(crate) fn int(n: u32) -> Int {
    i64::from(n)
}

/// A new slot's capacity to bind (SQLite: lossless, never fails).
#[allow(clippy::unnecessary_wraps)] // the same signature as PostgreSQL's
pub(crate) fn int_checked(n: u32) -> StoreResult<Int> {
    Ok(i64::from(n))
}

/// A day as `day_quotas.day` stores it: `YYYY-MM-DD` text.
pub(crate) type Day = String;

/// A day to bind.
pub(crate) fn day(d: chrono::NaiveDate) -> Day {
    d.format("%Y-%m-%d").to_string()
}

/// A day read back.
pub(crate) fn day_of(d: Day) -> StoreResult<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| StoreError::corrupt("day"))
}

/// The Asia/Tokyo date of the time column `t`, as `day_quotas.day` stores
/// it (Tokyo has no daylight saving time: UTC+9 all year).
pub(crate) fn tokyo_day(t: &str) -> String {
    format!("date({t} + 32400, 'unixepoch')")
}

/// `expr` as text, to concatenate with `||` (SQLite converts by itself).
pub(crate) fn text(expr: &str) -> String {
    expr.to_owned()
}

/// The comma-separated list of the text `expr` over a group.
pub(crate) fn comma_list(expr: &str) -> String {
    format!("group_concat({expr})")
}

/// Appended to a `SELECT` that reads rows it is about to change: nothing,
/// as `BEGIN IMMEDIATE` already holds the database's only write lock.
pub(crate) const FOR_UPDATE: &str = "";

/// Locks the slots (nothing to do: `BEGIN IMMEDIATE` already holds the
/// database's only write lock).
#[allow(clippy::unused_async)] // the same signature as PostgreSQL's
pub(crate) async fn lock_slots(_: &mut Conn, _: &[sesshu_domain::SlotId]) -> StoreResult<()> {
    Ok(())
}

/// Locks the series row; whether it exists (SQLite: nothing to lock, the
/// caller reads it next).
#[allow(clippy::unused_async)] // the same signature as PostgreSQL's
pub(crate) async fn lock_series(_: &mut Conn, _: sesshu_domain::SeriesId) -> StoreResult<bool> {
    Ok(true)
}

/// The turn of an institution's bookings on a day at a venue (nothing to
/// do: SQLite's writers are serialised).
#[allow(clippy::unused_async)] // the same signature as PostgreSQL's
pub(crate) async fn day_turn(
    _: &mut Conn,
    _: sesshu_domain::VenueId,
    _: &Day,
    _: i64,
) -> StoreResult<()> {
    Ok(())
}

/// Before a day's quotas are replaced: nothing to wait for, SQLite's
/// writers are serialised.
#[allow(clippy::unused_async)] // the same signature as PostgreSQL's
pub(crate) async fn lock_day_quotas(
    _: &mut Conn,
    _: sesshu_domain::VenueId,
    _: &Day,
    _: &[sesshu_domain::InstitutionId],
) -> StoreResult<()> {
    Ok(())
}

/// The error of inserting a series (SQLite: as any other).
pub(crate) fn insert_series_error(e: sqlx::Error) -> sesshu_store::StoreError {
    crate::db(e)
}

/// The SQL type of a time, for `CAST($n AS …) IS NULL` filters.
pub(crate) const TIME_TYPE: &str = "BIGINT";

// --- audit ---

/// Before reading the audit head to append: nothing to lock, `BEGIN
/// IMMEDIATE` already holds the database's only write lock.
#[allow(clippy::unused_async)] // the same signature as PostgreSQL's
pub(crate) async fn lock_audit_head(_: &mut Conn, _genesis: &str) -> StoreResult<()> {
    Ok(())
}

// --- mail ---

/// Appended to the claim's inner `SELECT`: nothing, as `BEGIN IMMEDIATE`
/// already serialises claimers.
pub(crate) const SKIP_LOCKED: &str = "";

/// A small integer column read back, widened (SQLite: already 64-bit).
pub(crate) fn wide(n: Int) -> i64 {
    n
}
