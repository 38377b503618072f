//! The audit trail: appends are ordered (SQLite: by its write lock;
//! PostgreSQL: by a lock on the head row, even with several processes), so
//! the chain is built one entry at a time.

use crate::db;
use crate::dialect::{self, Backend, Conn, FOR_UPDATE, Row, at, time};
use crate::write_tx;
use sesshu_domain::audit::{GENESIS, chain_hash};
use sesshu_domain::{AuditAction, AuditEntry, AuditObject, AuditRecord};
use sesshu_store::{AuditStore, StoreError, StoreResult};
use sqlx::Row as _;

#[async_trait::async_trait]
impl AuditStore for Backend {
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<AuditRecord> {
        write_tx!(self, |tx| append(tx, entry))
    }

    async fn audit_records(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let sql = sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE seq > $1 ORDER BY seq LIMIT $2"));
        sqlx::query(sql)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(record)
            .collect()
    }

    async fn audit_latest(&self, before: Option<i64>, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{COLUMNS} WHERE CAST($1 AS BIGINT) IS NULL OR seq < $1 ORDER BY seq DESC LIMIT $2"
        ));
        sqlx::query(sql)
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(record)
            .collect()
    }

    async fn audit_head(&self) -> StoreResult<Option<(i64, String)>> {
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        // PostgreSQL's first append may leave the genesis row (seq 0).
        Ok(head.filter(|(seq, _)| *seq > 0))
    }
}

/// Appends `entry` to the chain, in the caller's write transaction.
pub(crate) async fn append(conn: &mut Conn, entry: &AuditEntry) -> StoreResult<AuditRecord> {
    dialect::lock_audit_head(conn, GENESIS).await?;
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT seq, hash FROM audit_head WHERE id = 1{FOR_UPDATE}"
    ));
    let head: Option<(i64, String)> = sqlx::query_as(sql)
        .fetch_optional(&mut *conn)
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
    .bind(at(entry.at))
    .bind(&entry.actor)
    .bind(&entry.role)
    .bind(entry.action.code())
    .bind(objects)
    .bind(&entry.detail)
    .bind(&entry.origin)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    sqlx::query(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(seq)
    .bind(&hash)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(AuditRecord {
        seq,
        entry: entry.clone(),
        prev_hash,
        hash,
    })
}

/// Objects as a JSON array of their texts (ids and codes only).
fn serde_json_list(objects: &[AuditObject]) -> String {
    let texts: Vec<String> = objects.iter().map(ToString::to_string).collect();
    sesshu_store::columns::json(&texts).unwrap_or_else(|_| "[]".to_owned())
}

/// The objects of a stored entry; one that is not exactly how an object
/// renders means the record was altered outside Sesshu.
fn parse_objects(json: &str) -> StoreResult<Vec<AuditObject>> {
    sesshu_store::columns::string_list(json)
        .map_err(StoreError::corrupt)?
        .iter()
        .map(|text| {
            AuditObject::parse(text).ok_or_else(|| StoreError::corrupt("unknown audit object"))
        })
        .collect()
}

fn record(r: &Row) -> StoreResult<AuditRecord> {
    let objects: String = r.try_get("objects").map_err(db)?;
    let action: String = r.try_get("action").map_err(db)?;
    Ok(AuditRecord {
        seq: r.try_get("seq").map_err(db)?,
        entry: AuditEntry {
            // SQLite stores seconds: the chain hashes what is stored.
            at: time(r.try_get("at").map_err(db)?)?,
            actor: r.try_get("actor").map_err(db)?,
            role: r.try_get("role").map_err(db)?,
            action: AuditAction::parse(&action)
                .ok_or_else(|| StoreError::corrupt("unknown audit action"))?,
            objects: parse_objects(&objects)?,
            detail: r.try_get("detail").map_err(db)?,
            origin: r.try_get("origin").map_err(db)?,
        },
        prev_hash: r.try_get("prev_hash").map_err(db)?,
        hash: r.try_get("hash").map_err(db)?,
    })
}

const COLUMNS: &str =
    "SELECT seq, at, actor, role, action, objects, detail, origin, prev_hash, hash FROM audit_log";
