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
