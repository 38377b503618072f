//! The audit trail: appended under SQLite's write lock, so the chain is
//! built one entry at a time.

use crate::{db, secs, time};
use sesshu_domain::audit::{GENESIS, chain_hash};
use sesshu_domain::{AuditEntry, AuditRecord};
use sesshu_store::{StoreError, StoreResult};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Row, Sqlite, Transaction};

pub(crate) async fn append(
    tx: &mut Transaction<'static, Sqlite>,
    entry: &AuditEntry,
) -> StoreResult<AuditRecord> {
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
    let (last, prev_hash) = head.unwrap_or((0, GENESIS.to_owned()));
    let seq = last + 1;
    let entry = &sesshu_store::columns::audit_entry(entry);
    let hash = chain_hash(&prev_hash, seq, entry);
    let objects = serde_json_list(&entry.objects);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, role, action, objects, detail, origin, prev_hash, \
         hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(secs(entry.at))
    .bind(&entry.actor)
    .bind(&entry.role)
    .bind(&entry.action)
    .bind(objects)
    .bind(&entry.detail)
    .bind(&entry.origin)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    sqlx::query(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(seq)
    .bind(&hash)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(AuditRecord {
        seq,
        entry: entry.clone(),
        prev_hash,
        hash,
    })
}

/// Objects as a JSON array of strings (ids and codes only).
fn serde_json_list(objects: &[String]) -> String {
    sesshu_store::columns::json(&objects).unwrap_or_else(|_| "[]".to_owned())
}

fn record(r: &SqliteRow) -> StoreResult<AuditRecord> {
    let objects: String = r.try_get("objects").map_err(db)?;
    Ok(AuditRecord {
        seq: r.try_get("seq").map_err(db)?,
        entry: AuditEntry {
            // Stored in seconds: the chain hashes what is stored.
            at: time(r.try_get("at").map_err(db)?)?,
            actor: r.try_get("actor").map_err(db)?,
            role: r.try_get("role").map_err(db)?,
            action: r.try_get("action").map_err(db)?,
            objects: sesshu_store::columns::string_list(&objects).map_err(StoreError::corrupt)?,
            detail: r.try_get("detail").map_err(db)?,
            origin: r.try_get("origin").map_err(db)?,
        },
        prev_hash: r.try_get("prev_hash").map_err(db)?,
        hash: r.try_get("hash").map_err(db)?,
    })
}

const COLUMNS: &str =
    "SELECT seq, at, actor, role, action, objects, detail, origin, prev_hash, hash FROM audit_log";

pub(crate) async fn after(
    pool: &SqlitePool,
    after: i64,
    limit: u32,
) -> StoreResult<Vec<AuditRecord>> {
    let sql = sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE seq > $1 ORDER BY seq LIMIT $2"));
    sqlx::query(sql)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(record)
        .collect()
}

pub(crate) async fn latest(
    pool: &SqlitePool,
    before: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<AuditRecord>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE $1 IS NULL OR seq < $1 ORDER BY seq DESC LIMIT $2"
    ));
    sqlx::query(sql)
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(record)
        .collect()
}

pub(crate) async fn head(pool: &SqlitePool) -> StoreResult<Option<(i64, String)>> {
    sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(pool)
        .await
        .map_err(db)
}
