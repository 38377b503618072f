//! The PostgreSQL store, for production and for several processes on one
//! database.
//!
//! Transactions run at READ COMMITTED: a place is taken by a conditional
//! update that PostgreSQL re-checks on the newest row version, and the
//! uniqueness rules are indexes. A deadlock or serialization failure (rare:
//! two changes swapping the same slots) is retried a few times.

mod dialect;

// The topics whose statements are the same on both databases, written once.
#[path = "../../store-sql/src/audit.rs"]
mod audit;
#[path = "../../store-sql/src/bookings.rs"]
mod bookings;
#[path = "../../store-sql/src/check_ins.rs"]
mod check_ins;
#[path = "../../store-sql/src/elsewhere.rs"]
mod elsewhere;
#[path = "../../store-sql/src/logins.rs"]
mod logins;
#[path = "../../store-sql/src/mail.rs"]
mod mail;
#[path = "../../store-sql/src/members.rs"]
mod members;
#[path = "../../store-sql/src/no_shows.rs"]
mod no_shows;
#[path = "../../store-sql/src/persons.rs"]
mod persons;
#[path = "../../store-sql/src/rates.rs"]
mod rates;
#[path = "../../store-sql/src/reference.rs"]
mod reference;
#[path = "../../store-sql/src/registers.rs"]
mod registers;
#[path = "../../store-sql/src/retention.rs"]
mod retention;
#[path = "../../store-sql/src/slots.rs"]
mod slots;
#[path = "../../store-sql/src/staff.rs"]
mod staff;
#[path = "../../store-sql/src/vaccinations.rs"]
mod vaccinations;
#[path = "../../store-sql/src/vouchers.rs"]
mod vouchers;

use async_trait::async_trait;
use sesshu_store::{Store, StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
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
            let mut tx = $self.pool.begin().await.map_err($crate::db)?;
            let result = {
                let $tx = &mut tx;
                $body.await
            };
            let result = match result {
                Ok(value) => tx.commit().await.map(|()| value).map_err($crate::db),
                Err(e) => Err(e),
            };
            match result {
                Err(sesshu_store::StoreError::Contention) if attempt < $crate::ATTEMPTS => {
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
