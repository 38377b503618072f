//! Server-side sessions (the cookie holds only a random id; we keep its hash).

use crate::db;
use chrono::{DateTime, Utc};
use sesshu_store::{SessionRecord, StoreResult};
use sqlx::Row;
use sqlx::postgres::PgPool;

pub(crate) async fn create(pool: &PgPool, s: &SessionRecord) -> StoreResult<bool> {
    let result = sqlx::query(
        "INSERT INTO sessions (id_hash, data, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id_hash) DO NOTHING",
    )
    .bind(&s.id_hash)
    .bind(&s.data)
    .bind(s.expires_at)
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(result.rows_affected() == 1)
}

pub(crate) async fn save(pool: &PgPool, s: &SessionRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, data, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
    )
    .bind(&s.id_hash)
    .bind(&s.data)
    .bind(s.expires_at)
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn load(
    pool: &PgPool,
    id_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<SessionRecord>> {
    let row = sqlx::query(
        "SELECT id_hash, data, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(id_hash)
    .bind(now)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    row.map(|r| {
        Ok(SessionRecord {
            id_hash: r.try_get("id_hash").map_err(db)?,
            data: r.try_get("data").map_err(db)?,
            expires_at: r.try_get("expires_at").map_err(db)?,
        })
    })
    .transpose()
}

pub(crate) async fn delete(pool: &PgPool, id_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(pool)
        .await
        .map_err(db)?;
    Ok(())
}

pub(crate) async fn purge(pool: &PgPool, now: DateTime<Utc>) -> StoreResult<u64> {
    let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await
        .map_err(db)?;
    Ok(result.rows_affected())
}

pub(crate) async fn saml_request_issued(
    pool: &PgPool,
    id: &str,
    institution: sesshu_domain::InstitutionId,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM saml_requests WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await
        .map_err(db)?;
    sqlx::query("INSERT INTO saml_requests (id, institution_id, expires_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(institution.0)
        .bind(expires_at)
        .execute(pool)
        .await
        .map_err(db)?;
    Ok(())
}

pub(crate) async fn saml_request_answered(
    pool: &PgPool,
    id: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<sesshu_domain::InstitutionId>> {
    let institution: Option<Option<i64>> = sqlx::query_scalar(
        "DELETE FROM saml_requests WHERE id = $1 RETURNING \
         CASE WHEN expires_at > $2 THEN institution_id END",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    let institution = institution.flatten();
    Ok(institution.map(sesshu_domain::InstitutionId))
}

pub(crate) async fn saml_assertion_first_use(
    pool: &PgPool,
    id: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    sqlx::query("DELETE FROM saml_assertions WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await
        .map_err(db)?;
    let result = sqlx::query(
        "INSERT INTO saml_assertions (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(expires_at)
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(result.rows_affected() == 1)
}
