//! The back office: administrator accounts, the home page's counts,
//! check-ins. Every change is written with its audit entry in one
//! transaction.

use crate::{audit, constraint, db};
use chrono::{DateTime, Utc};
use sesshu_domain::{
    AdminAccount, AdminId, AuditEntry, DoseNumber, InstitutionId, PersonId, SeriesId,
    StaffDirectory, Subject,
};
use sesshu_store::{
    AdminChange, CheckedIn, NewAdmin, OfficeCounts, StoreError, StoreResult, columns,
};
use sqlx::postgres::{PgPool, PgRow};
use sqlx::{Postgres, Row, Transaction};

const ADMIN_COLUMNS: &str = "id, directory, login, password_hash, role, institution_id, \
                             venue_id, disabled, created_at, last_login_at";

fn admin(r: &PgRow) -> StoreResult<AdminAccount> {
    columns::admin(
        r.try_get("id").map_err(db)?,
        r.try_get("directory").map_err(db)?,
        r.try_get("login").map_err(db)?,
        r.try_get("role").map_err(db)?,
        r.try_get("institution_id").map_err(db)?,
        r.try_get("venue_id").map_err(db)?,
        r.try_get("disabled").map_err(db)?,
        r.try_get("created_at").map_err(db)?,
        r.try_get("last_login_at").map_err(db)?,
    )
}

pub(crate) async fn admins(pool: &PgPool) -> StoreResult<Vec<AdminAccount>> {
    let sql = format!("SELECT {ADMIN_COLUMNS} FROM admin_accounts ORDER BY id");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(admin)
        .collect()
}

pub(crate) async fn admin_by_id(pool: &PgPool, id: AdminId) -> StoreResult<Option<AdminAccount>> {
    let sql = format!("SELECT {ADMIN_COLUMNS} FROM admin_accounts WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(admin)
        .transpose()
}

pub(crate) async fn admin_by_login(
    pool: &PgPool,
    directory: StaffDirectory,
    login: &Subject,
) -> StoreResult<Option<(AdminAccount, Option<String>)>> {
    let sql =
        format!("SELECT {ADMIN_COLUMNS} FROM admin_accounts WHERE directory = $1 AND login = $2");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(directory.key())
        .bind(login.as_str())
        .fetch_optional(pool)
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

pub(crate) async fn insert_admin(
    tx: &mut Transaction<'static, Postgres>,
    new: &NewAdmin,
    entry: &AuditEntry,
) -> StoreResult<AdminId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO admin_accounts (directory, login, password_hash, role, institution_id, \
         venue_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(new.directory.key())
    .bind(new.login.as_str())
    .bind(&new.password_hash)
    .bind(new.role.code())
    .bind(new.role.institution().map(|i| i.0))
    .bind(new.role.venue().map(|v| v.0))
    .bind(new.at)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| match constraint(&e) {
        Some("admin_accounts_directory_login_key") => {
            StoreError::Conflict("an account with this login exists in this directory".into())
        }
        _ => db(e),
    })?;
    let mut entry = entry.clone();
    entry.objects.insert(0, format!("admin:{id}"));
    audit::append(tx, &entry).await?;
    Ok(AdminId(id))
}

pub(crate) async fn update_admin(
    tx: &mut Transaction<'static, Postgres>,
    id: AdminId,
    change: &AdminChange,
    entry: &AuditEntry,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE admin_accounts SET role = $2, institution_id = $3, venue_id = $4, disabled = $5, \
         password_hash = COALESCE($6, password_hash), updated_at = $7 WHERE id = $1",
    )
    .bind(id.0)
    .bind(change.role.code())
    .bind(change.role.institution().map(|i| i.0))
    .bind(change.role.venue().map(|v| v.0))
    .bind(change.disabled)
    .bind(&change.password_hash)
    .bind(change.at)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    audit::append(tx, entry).await?;
    Ok(true)
}

pub(crate) async fn signed_in(
    tx: &mut Transaction<'static, Postgres>,
    id: AdminId,
    entry: &AuditEntry,
) -> StoreResult<()> {
    sqlx::query("UPDATE admin_accounts SET last_login_at = $2 WHERE id = $1")
        .bind(id.0)
        .bind(entry.at)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    audit::append(tx, entry).await.map(drop)
}

pub(crate) async fn counts(
    pool: &PgPool,
    institution: Option<InstitutionId>,
    now: DateTime<Utc>,
) -> StoreResult<OfficeCounts> {
    let of = institution.map(|i| i.0);
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).bind(of).fetch_one(pool);
    let n = |v: i64| u64::try_from(v).map_err(StoreError::corrupt);
    let institutions =
        count("SELECT COUNT(*) FROM institutions WHERE $1::BIGINT IS NULL OR id = $1")
            .await
            .map_err(db)?;
    let members =
        count("SELECT COUNT(*) FROM members WHERE $1::BIGINT IS NULL OR institution_id = $1")
            .await
            .map_err(db)?;
    let persons =
        count("SELECT COUNT(*) FROM persons WHERE $1::BIGINT IS NULL OR institution_id = $1")
            .await
            .map_err(db)?;
    let (active, cancelled): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*) FILTER (WHERE s.state = 'booked'), \
         COUNT(*) FILTER (WHERE s.state = 'cancelled') \
         FROM series s JOIN persons p ON p.id = s.person_id \
         WHERE $1::BIGINT IS NULL OR p.institution_id = $1",
    )
    .bind(of)
    .fetch_one(pool)
    .await
    .map_err(db)?;
    let checked_in = count(
        "SELECT COUNT(*) FROM check_ins c JOIN series s ON s.id = c.series_id \
         JOIN persons p ON p.id = s.person_id WHERE $1::BIGINT IS NULL OR p.institution_id = $1",
    )
    .await
    .map_err(db)?;
    let (slots, free): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(capacity - booked), 0)::BIGINT FROM slots \
         WHERE starts_at >= $1 AND NOT closed",
    )
    .bind(now)
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

pub(crate) async fn person_subject(pool: &PgPool, id: PersonId) -> StoreResult<Option<Subject>> {
    let subject: Option<String> = sqlx::query_scalar("SELECT subject FROM persons WHERE id = $1")
        .bind(id.0)
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    Ok(subject.map(|s| Subject::parse(&s)).transpose()?)
}

pub(crate) async fn check_ins(
    pool: &PgPool,
    series: SeriesId,
) -> StoreResult<Vec<(DoseNumber, DateTime<Utc>)>> {
    let rows: Vec<(i32, DateTime<Utc>)> = sqlx::query_as(
        "SELECT dose, checked_in_at FROM check_ins WHERE series_id = $1 ORDER BY dose",
    )
    .bind(series.0)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    rows.into_iter()
        .map(|(dose, at)| Ok((columns::dose(i64::from(dose))?, at)))
        .collect()
}

pub(crate) async fn checked_in_between(
    pool: &PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<(SeriesId, DoseNumber, DateTime<Utc>)>> {
    let rows: Vec<(i64, i32, DateTime<Utc>)> = sqlx::query_as(
        "SELECT series_id, dose, checked_in_at FROM check_ins \
         WHERE checked_in_at >= $1 AND checked_in_at < $2 ORDER BY checked_in_at, series_id, dose",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    rows.into_iter()
        .map(|(series, dose, at)| Ok((SeriesId(series), columns::dose(i64::from(dose))?, at)))
        .collect()
}

pub(crate) async fn check_in(
    tx: &mut Transaction<'static, Postgres>,
    series: SeriesId,
    dose: DoseNumber,
    by: AdminId,
    entry: &AuditEntry,
) -> StoreResult<CheckedIn> {
    // Two desks checking the same dose in at once: one row wins.
    let inserted: Option<DateTime<Utc>> = sqlx::query_scalar(
        "INSERT INTO check_ins (series_id, dose, checked_in_at, admin_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (series_id, dose) DO NOTHING RETURNING checked_in_at",
    )
    .bind(series.0)
    .bind(i32::from(dose.get()))
    .bind(entry.at)
    .bind(by.0)
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?;
    if inserted.is_none() {
        let at: DateTime<Utc> = sqlx::query_scalar(
            "SELECT checked_in_at FROM check_ins WHERE series_id = $1 AND dose = $2",
        )
        .bind(series.0)
        .bind(i32::from(dose.get()))
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        return Ok(CheckedIn::Before(at));
    }
    audit::append(tx, entry).await?;
    Ok(CheckedIn::Now(entry.at))
}
