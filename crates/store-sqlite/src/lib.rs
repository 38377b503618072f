//! The SQLite store: Sesshu's embedded default.
//!
//! WAL journal, foreign keys on, a busy timeout, and every write transaction
//! opened with `BEGIN IMMEDIATE`: SQLite then serialises writers up front
//! instead of failing a deferred transaction that read and then tries to
//! write ("database is locked"). Times are stored as integer Unix seconds.

mod dialect;

// The topics whose statements are the same on both databases, written once
// (`crates/store-sql/src/topics.rs` lists them).
include!("../../store-sql/src/topics.rs");
#[path = "../../store-sql/src/migrations.rs"]
mod migrations;

use async_trait::async_trait;
use sesshu_store::{ChangeHub, Changes, Store, StoreError, StoreResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use migrations::{Step, shared};

/// The migrations of this backend, in order: the ones both databases share
/// from `crates/store-sql/migrations` (see `migrations.rs` there), the ones
/// of this database alone from `migrations/`.
const MIGRATIONS: &[Step] = &[
    Step::new(1, "booking core", shared::BOOKING_CORE),
    Step::new(2, "slot quotas", shared::SLOT_QUOTAS),
    Step::new(3, "vaccination day", shared::VACCINATION_DAY),
    Step::new(4, "records", shared::RECORDS),
    Step::new(5, "retention", shared::RETENTION),
];

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
    /// Ticks for every commit: this process's from [`Write::commit`], other
    /// processes' from a watcher of `PRAGMA data_version`.
    changes: Arc<ChangeHub>,
    /// How the pool connects, for the watcher's connection of its own.
    options: SqliteConnectOptions,
    /// In the mail worker's hands, across its waits (see [`Changes`]).
    mail_feed: Arc<tokio::sync::Mutex<Option<Changes>>>,
}

/// How often the watcher asks whether another process committed.
const WATCH_EVERY: Duration = Duration::from_millis(100);

/// A write transaction that holds the process's writer turn until it ends.
struct Write {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
    changes: Arc<ChangeHub>,
}

impl Write {
    async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await.map_err(db)?;
        self.changes.tick();
        Ok(())
    }
}

/// Ticks `ticks` whenever `PRAGMA data_version` moves: SQLite bumps it on a
/// connection when any other connection (this process's pool included)
/// commits to the file. A connection that fails is opened again.
async fn watch_data_version(options: SqliteConnectOptions, ticks: tokio::sync::watch::Sender<u64>) {
    use sqlx::{ConnectOptions, Connection};
    let mut seen: Option<i64> = None;
    loop {
        let mut conn = match options.connect().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "no connection to watch the database with");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            if ticks.is_closed() {
                let _ = conn.close().await;
                return;
            }
            match sqlx::query_scalar::<_, i64>("PRAGMA data_version")
                .fetch_one(&mut conn)
                .await
            {
                Ok(version) => {
                    if seen.is_some_and(|v| v != version) {
                        ticks.send_modify(|n| *n = n.wrapping_add(1));
                    }
                    seen = Some(version);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "PRAGMA data_version failed");
                    // A new connection counts afresh: tick once to be safe.
                    seen = None;
                    ticks.send_modify(|n| *n = n.wrapping_add(1));
                    break;
                }
            }
            tokio::time::sleep(WATCH_EVERY).await;
        }
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
            .connect_with(options.clone())
            .await
            .map_err(StoreError::database)?;
        Ok(Self {
            pool,
            writer: Arc::new(tokio::sync::Mutex::new(())),
            changes: Arc::default(),
            options,
            mail_feed: Arc::default(),
        })
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = migrations::migrator(MIGRATIONS, migrations::SQLITE)
            .await
            .map_err(StoreError::database)?;
        migrator.run(&self.pool).await.map_err(StoreError::database)
    }

    /// A write transaction that holds SQLite's write lock from its start.
    async fn write(&self) -> StoreResult<Write> {
        let turn = self.writer.clone().lock_owned().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        Ok(Write {
            tx,
            _turn: turn,
            changes: self.changes.clone(),
        })
    }
}

/// Maps an sqlx error to the store's error.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    StoreError::database(e)
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.answers().await
    }

    fn pool_use(&self) -> sesshu_store::PoolUse {
        self.connections()
    }

    fn changes(&self) -> Changes {
        let options = self.options.clone();
        let ticks = self.changes.sender();
        self.changes
            .subscribe(|| tokio::spawn(watch_data_version(options, ticks)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What databases migrated by earlier releases hold in `_sqlx_migrations`
    /// (see the PostgreSQL store's twin of this test).
    const APPLIED: [(i64, &str); 5] = [
        (
            1,
            "d9dff4ba590fee253678e85d747c26b66c54868bd7c50826c9017adbd024ed10a0644c5349eac99b6972e69086d57910",
        ),
        (
            2,
            "36bc8d7d9fdaf971a7db430990c3562a9b8d6da4519233e18185101ad512f656f8e8a36ad9dee809a54f945ebe711704",
        ),
        (
            3,
            "999174c388560c83bb89fa6438a68c778c74b1a411b12a6087c3855c4a6a12afba52ba30d75bfe1a60d0dd008a919838",
        ),
        (
            4,
            "f1eae64005e47b66184557e578caf8b4f3e89a6963cb602d44d660d708009f3572fa43e8bdc56b07bdd915e01f9d8013",
        ),
        (
            5,
            "e570ed6503cc694bbcda21dc132a89a8d1fcfb40a6926ffbc68027155f7db26f318b53a7294230e34e0c6ecf7ef0df0a",
        ),
    ];

    #[test]
    fn the_released_migrations_render_to_the_sql_they_were_applied_as() {
        migrations::assert_applied_as(MIGRATIONS, migrations::SQLITE, &APPLIED);
    }
}
