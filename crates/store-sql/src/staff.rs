//! The back office's accounts and its home page's counts. Every change is
//! written with its audit entry in one transaction.

use crate::dialect::{Backend, Row, Time, at, time};
use crate::{audit, db, write_tx};
use chrono::{DateTime, Utc};
use sesshu_domain::AuditObject;
use sesshu_domain::{AdminAccount, AdminId, AuditEntry, InstitutionId, StaffDirectory, Subject};
use sesshu_store::{
    AdminChange, NewAdmin, OfficeCounts, StaffStore, StoreError, StoreResult, columns,
};
use sqlx::Row as _;

const ADMIN: &str = "SELECT id, directory, login, password_hash, role, institution_id, venue_id, \
                     disabled, created_at, last_login_at FROM admin_accounts";

#[async_trait::async_trait]
impl StaffStore for Backend {
    async fn admins(&self) -> StoreResult<Vec<AdminAccount>> {
        sqlx::query(sqlx::AssertSqlSafe(format!("{ADMIN} ORDER BY id")))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(admin)
            .collect()
    }

    async fn admin(&self, id: AdminId) -> StoreResult<Option<AdminAccount>> {
        sqlx::query(sqlx::AssertSqlSafe(format!("{ADMIN} WHERE id = $1")))
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .as_ref()
            .map(admin)
            .transpose()
    }

    async fn admin_by_login(
        &self,
        directory: StaffDirectory,
        login: &Subject,
    ) -> StoreResult<Option<(AdminAccount, Option<String>)>> {
        let sql = format!("{ADMIN} WHERE directory = $1 AND login = $2");
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(directory.key())
            .bind(login.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        Ok(Some((
            admin(&row)?,
            row.try_get("password_hash").map_err(db)?,
        )))
    }

    async fn insert_admin(&self, new: &NewAdmin, entry: &AuditEntry) -> StoreResult<AdminId> {
        write_tx!(self, |tx| async {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO admin_accounts (directory, login, password_hash, role, \
                 institution_id, venue_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(new.directory.key())
            .bind(new.login.as_str())
            .bind(&new.password_hash)
            .bind(new.role.code())
            .bind(new.role.institution().map(|i| i.get()))
            .bind(new.role.venue().map(|v| v.get()))
            .bind(at(new.at))
            .fetch_one(&mut **tx)
            .await
            .map_err(|e| {
                // The only unique rule of the table: (directory, login).
                if e.as_database_error()
                    .is_some_and(|d| d.is_unique_violation())
                {
                    StoreError::Conflict(
                        "an account with this login exists in this directory".into(),
                    )
                } else {
                    db(e)
                }
            })?;
            let mut entry = entry.clone();
            entry
                .objects
                .insert(0, AuditObject::Admin(AdminId::new(id)));
            audit::append(tx, &entry).await?;
            Ok(AdminId::new(id))
        })
    }

    async fn update_admin(
        &self,
        id: AdminId,
        change: &AdminChange,
        entry: &AuditEntry,
    ) -> StoreResult<Option<AdminAccount>> {
        let updated = write_tx!(self, |tx| async {
            let done = sqlx::query(
                "UPDATE admin_accounts SET role = $2, institution_id = $3, venue_id = $4, \
                 disabled = $5, password_hash = COALESCE($6, password_hash), updated_at = $7 \
                 WHERE id = $1",
            )
            .bind(id.get())
            .bind(change.role.code())
            .bind(change.role.institution().map(|i| i.get()))
            .bind(change.role.venue().map(|v| v.get()))
            .bind(change.disabled)
            .bind(&change.password_hash)
            .bind(at(change.at))
            .execute(&mut **tx)
            .await
            .map_err(db)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            audit::append(tx, entry).await?;
            Ok(true)
        })?;
        if updated {
            self.admin(id).await
        } else {
            Ok(None)
        }
    }

    async fn admin_signed_in(&self, id: AdminId, entry: &AuditEntry) -> StoreResult<()> {
        write_tx!(self, |tx| async {
            sqlx::query("UPDATE admin_accounts SET last_login_at = $2 WHERE id = $1")
                .bind(id.get())
                .bind(at(entry.at))
                .execute(&mut **tx)
                .await
                .map_err(db)?;
            audit::append(tx, entry).await.map(drop)
        })
    }

    async fn office_counts(
        &self,
        institution: Option<InstitutionId>,
        now: DateTime<Utc>,
    ) -> StoreResult<OfficeCounts> {
        let of = institution.map(|i| i.get());
        let pool = &self.pool;
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).bind(of).fetch_one(pool);
        let n = |v: i64| u64::try_from(v).map_err(StoreError::corrupt);
        let institutions =
            count("SELECT COUNT(*) FROM institutions WHERE CAST($1 AS BIGINT) IS NULL OR id = $1")
                .await
                .map_err(db)?;
        let members = count(
            "SELECT COUNT(*) FROM members WHERE CAST($1 AS BIGINT) IS NULL OR institution_id = $1",
        )
        .await
        .map_err(db)?;
        let persons = count(
            "SELECT COUNT(*) FROM persons WHERE CAST($1 AS BIGINT) IS NULL OR institution_id = $1",
        )
        .await
        .map_err(db)?;
        let (active, cancelled): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN s.state = 'booked' THEN 1 ELSE 0 END), 0) \
             AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN s.state = 'cancelled' THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM series s JOIN persons p ON p.id = s.person_id \
             WHERE CAST($1 AS BIGINT) IS NULL OR p.institution_id = $1",
        )
        .bind(of)
        .fetch_one(pool)
        .await
        .map_err(db)?;
        let checked_in = count(
            "SELECT COUNT(*) FROM check_ins c JOIN series s ON s.id = c.series_id \
             JOIN persons p ON p.id = s.person_id \
             WHERE CAST($1 AS BIGINT) IS NULL OR p.institution_id = $1",
        )
        .await
        .map_err(db)?;
        let (slots, free): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(capacity - booked), 0) AS BIGINT) FROM slots \
             WHERE starts_at >= $1 AND NOT closed",
        )
        .bind(at(now))
        .fetch_one(pool)
        .await
        .map_err(db)?;
        Ok(OfficeCounts {
            institutions: n(institutions)?,
            members: n(members)?,
            persons: n(persons)?,
            active_series: n(active)?,
            cancelled_series: n(cancelled)?,
            checked_in: n(checked_in)?,
            upcoming_slots: n(slots)?,
            upcoming_free_places: n(free)?,
        })
    }
}

fn admin(r: &Row) -> StoreResult<AdminAccount> {
    let last_login_at: Option<Time> = r.try_get("last_login_at").map_err(db)?;
    columns::admin(
        r.try_get("id").map_err(db)?,
        r.try_get("directory").map_err(db)?,
        r.try_get("login").map_err(db)?,
        r.try_get("role").map_err(db)?,
        r.try_get("institution_id").map_err(db)?,
        r.try_get("venue_id").map_err(db)?,
        r.try_get("disabled").map_err(db)?,
        time(r.try_get("created_at").map_err(db)?)?,
        last_login_at.map(time).transpose()?,
    )
}
