//! The PostgreSQL store, for production and for several processes on one
//! database.
//!
//! Transactions run at READ COMMITTED: a place is taken by a conditional
//! update that PostgreSQL re-checks on the newest row version, and the
//! uniqueness rules are indexes. A deadlock or serialization failure (rare:
//! two changes swapping the same slots) is retried a few times.

mod dialect;

// The topics whose statements are the same on both databases, written once
// (`crates/store-sql/src/topics.rs` lists them).
include!("../../store-sql/src/topics.rs");
#[path = "../../store-sql/src/migrations.rs"]
mod migrations;

use async_trait::async_trait;
use sesshu_store::{ChangeHub, Changes, Store, StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use migrations::{Step, shared};

/// The migrations of this backend, in order: the ones both databases share
/// from `crates/store-sql/migrations` (see `migrations.rs` there), the ones
/// of this database alone from `migrations/`.
const MIGRATIONS: &[Step] = &[
    Step::new(1, "booking core", shared::BOOKING_CORE),
    Step::new(2, "roles", include_str!("../migrations/0002_roles.sql")),
    Step::new(3, "slot quotas", shared::SLOT_QUOTAS),
    Step::new(4, "vaccination day", shared::VACCINATION_DAY),
    Step::new(5, "records", shared::RECORDS),
    Step::new(6, "history", include_str!("../migrations/0006_history.sql")),
    Step::new(7, "retention", shared::RETENTION),
    Step::new(
        8,
        "change feed",
        include_str!("../migrations/0008_change_feed.sql"),
    ),
];

/// How often a transaction that lost a deadlock is tried again.
const ATTEMPTS: usize = 4;

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Ticks for every commit: this process's from [`write_tx`], other
    /// processes' from `LISTEN sesshu_changes`.
    changes: Arc<ChangeHub>,
    /// Tells other processes of this one's commits, a few at a time.
    announcer: Arc<Announcer>,
    /// In the mail worker's hands, across its waits (see [`Changes`]).
    mail_feed: Arc<tokio::sync::Mutex<Option<Changes>>>,
}

/// The channel every process announces its commits on.
const CHANNEL: &str = "sesshu_changes";

/// Commits announced together: one `NOTIFY` for all those of this long.
const ANNOUNCE_EVERY: Duration = Duration::from_millis(20);

/// Sends `NOTIFY sesshu_changes` after this process's commits, outside
/// their transactions and coalesced. (A `NOTIFY` inside a transaction makes
/// PostgreSQL serialise the commits of all notifying transactions, WAL flush
/// included: with the notification in each booking, a durable cluster took
/// a fifth of the bookings it takes without; see docs/benchmarks.md.)
#[derive(Debug, Default)]
struct Announcer {
    pending: Arc<tokio::sync::Notify>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Announcer {
    /// A commit to announce; starts the announcing task (in the caller's
    /// runtime) unless it runs.
    fn commit(&self, pool: &PgPool) {
        self.pending.notify_one();
        let mut task = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if task
            .as_ref()
            .is_none_or(tokio::task::JoinHandle::is_finished)
        {
            *task = Some(tokio::spawn(announce(pool.clone(), self.pending.clone())));
        }
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        if let Ok(Some(task)) = self.task.get_mut().map(Option::take) {
            task.abort();
        }
    }
}

/// The announcing task: after a commit, waits [`ANNOUNCE_EVERY`] for more,
/// then sends one `NOTIFY` for them all. A failed `NOTIFY` is logged; the
/// other processes' next tick (or their periodic look) covers it.
async fn announce(pool: PgPool, pending: Arc<tokio::sync::Notify>) {
    loop {
        pending.notified().await;
        tokio::time::sleep(ANNOUNCE_EVERY).await;
        if let Err(e) = sqlx::query("SELECT pg_notify($1, '')")
            .bind(CHANNEL)
            .execute(&pool)
            .await
        {
            tracing::warn!(error = %e, "NOTIFY {CHANNEL} failed");
        }
    }
}

/// Ticks `ticks` for each `NOTIFY sesshu_changes` (from any process, this
/// one's included). A lost connection is opened again, with one tick for
/// whatever was missed meanwhile.
async fn listen(pool: PgPool, ticks: tokio::sync::watch::Sender<u64>) {
    let tick = || ticks.send_modify(|n| *n = n.wrapping_add(1));
    while !ticks.is_closed() {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, "no connection to LISTEN on");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "LISTEN {CHANNEL} failed");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        tick();
        // Until the connection drops (then another is opened).
        while let Ok(Some(_)) = listener.try_recv().await {
            tick();
        }
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
            changes: Arc::default(),
            announcer: Arc::default(),
            mail_feed: Arc::default(),
        })
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = migrations::migrator(MIGRATIONS, migrations::POSTGRES)
            .await
            .map_err(StoreError::database)?;
        migrator.run(&self.pool).await.map_err(StoreError::database)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// After each commit of this process: wakes its readers at once and
    /// announces it to the other processes.
    fn committed(&self) {
        self.changes.tick();
        self.announcer.commit(&self.pool);
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
            if result.is_ok() {
                $self.committed();
            }
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
        self.answers().await
    }

    fn pool_use(&self) -> sesshu_store::PoolUse {
        self.connections()
    }

    fn changes(&self) -> Changes {
        let pool = self.pool.clone();
        let ticks = self.changes.sender();
        self.changes.subscribe(|| tokio::spawn(listen(pool, ticks)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What databases migrated by earlier releases hold in `_sqlx_migrations`
    /// (the SHA-384 of each file as it was applied): a change here stops
    /// their start-up, so a migration once released is never edited.
    const APPLIED: [(i64, &str); 8] = [
        (
            1,
            "3ffd194f4be00249bcd7ee45a329c7bc7af7a4d10e923e310dc1f2a09bae4afd0c93feb10c585a2642644838127f95f4",
        ),
        (
            2,
            "16b699f3cf4600eb96baab534001dc925ae1f2c9889c5cf8005e44b05237669fe8df30bec699dc7440c120ac5b1f57db",
        ),
        (
            3,
            "9ea53ff8b7ef8d91569c4921f2c357d26960b15ce957d3eb5fd6a66865f56db204c8d6ba64fec20492061dc88f09c45b",
        ),
        (
            4,
            "56c4d7bd39cdab48766bdb62fe684f125f45a8e3ab1f2b9472c5a692da81c6c2ed4b0c5b6d3fa9c128cdcc0d85aba4a8",
        ),
        (
            5,
            "d55f233ccc762e9dd352b745b8099c9682eee40cae54fc4b07300c389d7150f1f4afc6916d24fab146b7c626bbc33b4d",
        ),
        (
            6,
            "8aa8b7ea55122e7b4496696247377c521dc01b1e101f980df7864a476c5f3a17d35f2b4da5b95300971bf356217b6f7a",
        ),
        (
            7,
            "cb0ee6bd04192385c8b44f4f7974e3367ad1834aa3f8d28d7d6801af92d1d1f7c3e9cd79ecd6216c757c124f53ec1080",
        ),
        (
            8,
            "08d10bfe1fe8b7f2c48315315d03da4350ac22ed27a3de2022394ccefa4daa8b2c2d769263ecf22dd9f910e4aa4d437f",
        ),
    ];

    #[test]
    fn the_released_migrations_render_to_the_sql_they_were_applied_as() {
        migrations::assert_applied_as(MIGRATIONS, migrations::POSTGRES, &APPLIED);
    }
}
