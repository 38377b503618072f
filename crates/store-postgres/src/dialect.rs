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
