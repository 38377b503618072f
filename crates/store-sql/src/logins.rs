//! What a login remembers: server-side sessions (the cookie holds only a
//! random id; we keep its hash) and the SAML requests and assertions already
//! seen (each answered once, each accepted once).

use crate::db;
use crate::dialect::{Backend, at, time};
use chrono::{DateTime, Utc};
use sesshu_domain::InstitutionId;
use sesshu_store::{LoginStore, SessionRecord, StoreResult};
use sqlx::Row;

#[async_trait::async_trait]
impl LoginStore for Backend {
    async fn session_create(&self, s: &SessionRecord) -> StoreResult<bool> {
        let result = sqlx::query(
            "INSERT INTO sessions (id_hash, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id_hash) DO NOTHING",
        )
        .bind(&s.id_hash)
        .bind(&s.data)
        .bind(at(s.expires_at))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(result.rows_affected() == 1)
    }

    async fn session_save(&self, s: &SessionRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, \
             expires_at = excluded.expires_at",
        )
        .bind(&s.id_hash)
        .bind(&s.data)
        .bind(at(s.expires_at))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn session_load(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT id_hash, data, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(at(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok(SessionRecord {
                id_hash: r.try_get("id_hash").map_err(db)?,
                data: r.try_get("data").map_err(db)?,
                expires_at: time(r.try_get("expires_at").map_err(db)?)?,
            })
        })
        .transpose()
    }

    async fn session_delete(&self, id_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn sessions_purge(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(at(now))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(result.rows_affected())
    }

    async fn saml_request_issued(
        &self,
        id: &str,
        institution: InstitutionId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM saml_requests WHERE expires_at <= $1")
            .bind(at(now))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO saml_requests (id, institution_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(institution.get())
        .bind(at(expires_at))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn saml_request_answered(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<InstitutionId>> {
        let institution: Option<Option<i64>> = sqlx::query_scalar(
            "DELETE FROM saml_requests WHERE id = $1 RETURNING \
             CASE WHEN expires_at > $2 THEN institution_id END",
        )
        .bind(id)
        .bind(at(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(institution.flatten().map(InstitutionId::new))
    }

    async fn saml_assertion_first_use(
        &self,
        id: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        sqlx::query("DELETE FROM saml_assertions WHERE expires_at <= $1")
            .bind(at(now))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        let result = sqlx::query(
            "INSERT INTO saml_assertions (id, expires_at) VALUES ($1, $2) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(at(expires_at))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(result.rows_affected() == 1)
    }
}
