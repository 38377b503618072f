//! The mail outbox on SQLite. Claims run in a `BEGIN IMMEDIATE`
//! transaction: SQLite serialises them against every other writer, so two
//! claimers never see the same job free.

use crate::{Write, audit, db, secs, time};
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::mail::day_bounds;
use sesshu_domain::{AuditEntry, DoseNumber, Language, MailJobId, MailKind, MailState};
use sesshu_store::{MailJob, MailQuery, MailSent, NewMailJob, StoreError, StoreResult};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Row, SqliteConnection};

const JOB_COLUMNS: &str = "id, kind, series_id, person_id, dose, language, snapshot, state, \
                           attempts, next_attempt_at, last_error, created_at, sent_at, message_id";

fn job(r: &SqliteRow) -> StoreResult<MailJob> {
    let kind: String = r.try_get("kind").map_err(db)?;
    let state: String = r.try_get("state").map_err(db)?;
    let language: String = r.try_get("language").map_err(db)?;
    let dose: Option<i64> = r.try_get("dose").map_err(db)?;
    let sent_at: Option<i64> = r.try_get("sent_at").map_err(db)?;
    let attempts: i64 = r.try_get("attempts").map_err(db)?;
    Ok(MailJob {
        id: MailJobId(r.try_get("id").map_err(db)?),
        kind: MailKind::parse(&kind).ok_or_else(|| StoreError::corrupt("mail kind"))?,
        series: sesshu_domain::SeriesId(r.try_get("series_id").map_err(db)?),
        person: sesshu_domain::PersonId(r.try_get("person_id").map_err(db)?),
        dose: dose
            .map(|d| {
                u8::try_from(d)
                    .ok()
                    .and_then(|d| DoseNumber::new(d).ok())
                    .ok_or_else(|| StoreError::corrupt("mail dose"))
            })
            .transpose()?,
        language: Language::from_tag(&language)
            .ok_or_else(|| StoreError::corrupt("mail language"))?,
        snapshot: r.try_get("snapshot").map_err(db)?,
        state: MailState::parse(&state).ok_or_else(|| StoreError::corrupt("mail state"))?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        next_attempt_at: time(r.try_get("next_attempt_at").map_err(db)?)?,
        last_error: r.try_get("last_error").map_err(db)?,
        created_at: time(r.try_get("created_at").map_err(db)?)?,
        sent_at: sent_at.map(time).transpose()?,
        message_id: r.try_get("message_id").map_err(db)?,
    })
}

/// Queues `new` in the caller's transaction.
pub(crate) async fn insert(conn: &mut SqliteConnection, new: &NewMailJob) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO mail_jobs (kind, series_id, person_id, dose, language, snapshot, \
         dedupe_key, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(new.kind.code())
    .bind(new.series.0)
    .bind(new.person.0)
    .bind(new.dose.map(|d| i64::from(d.get())))
    .bind(new.language.tag())
    .bind(new.snapshot.as_deref())
    .bind(new.dedupe_key.as_deref())
    .bind(secs(new.now))
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn claim(
    write: &mut Write,
    worker: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<MailJob>> {
    let sql = format!(
        "UPDATE mail_jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM mail_jobs WHERE state = 'pending' \
           AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until <= $3) \
           ORDER BY next_attempt_at, id LIMIT $4) \
         RETURNING {JOB_COLUMNS}"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(worker)
        .bind(secs(lease_until))
        .bind(secs(now))
        .bind(i64::from(limit))
        .fetch_all(&mut *write.tx)
        .await
        .map_err(db)?;
    let mut jobs = rows.iter().map(job).collect::<StoreResult<Vec<_>>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

pub(crate) async fn sent(
    write: &mut Write,
    id: MailJobId,
    worker: &str,
    sent: &MailSent,
    entry: &AuditEntry,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE mail_jobs SET state = 'sent', sent_at = $3, message_id = $4, smtp_reply = $5, \
         last_error = NULL, lease_owner = NULL, lease_until = NULL \
         WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
    )
    .bind(id.0)
    .bind(worker)
    .bind(secs(sent.at))
    .bind(&sent.message_id)
    .bind(&sent.reply)
    .execute(&mut *write.tx)
    .await
    .map_err(db)?
    .rows_affected()
        == 1;
    if done {
        audit::append(&mut write.tx, entry).await?;
    }
    Ok(done)
}

pub(crate) async fn failed(
    write: &mut Write,
    id: MailJobId,
    worker: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> StoreResult<bool> {
    let (state, next) = match retry_at {
        Some(at) => ("pending", Some(secs(at))),
        None => ("failed", None),
    };
    let done = sqlx::query(
        "UPDATE mail_jobs SET state = $3, next_attempt_at = COALESCE($4, next_attempt_at), \
         last_error = $5, lease_owner = NULL, lease_until = NULL \
         WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
    )
    .bind(id.0)
    .bind(worker)
    .bind(state)
    .bind(next)
    .bind(error)
    .execute(&mut *write.tx)
    .await
    .map_err(db)?
    .rows_affected();
    Ok(done == 1)
}

pub(crate) async fn skipped(
    write: &mut Write,
    id: MailJobId,
    worker: &str,
    reason: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE mail_jobs SET state = 'skipped', last_error = $3, lease_owner = NULL, \
         lease_until = NULL WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
    )
    .bind(id.0)
    .bind(worker)
    .bind(reason)
    .execute(&mut *write.tx)
    .await
    .map_err(db)?
    .rows_affected();
    Ok(done == 1)
}

/// Queues a reminder for each dose of an active series on `day`; the
/// dedupe key (`sesshu_domain::mail::reminder_key`) makes it idempotent.
pub(crate) async fn queue_reminders(
    write: &mut Write,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let (from, to) = day_bounds(day);
    let inserted = sqlx::query(
        "INSERT INTO mail_jobs (kind, series_id, person_id, dose, language, dedupe_key, \
           next_attempt_at, created_at) \
         SELECT 'reminder', se.id, se.person_id, sd.dose, \
           COALESCE((SELECT m.language FROM mail_jobs m WHERE m.series_id = se.id \
                     ORDER BY m.id DESC LIMIT 1), 'ja'), \
           'reminder:' || se.id || ':' || sd.dose || ':' || $3, $4, $4 \
         FROM series se \
         JOIN series_doses sd ON sd.series_id = se.id \
         JOIN slots sl ON sl.id = sd.slot_id \
         WHERE se.state = 'booked' AND sl.starts_at >= $1 AND sl.starts_at < $2 \
         ORDER BY se.id, sd.dose \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(secs(from))
    .bind(secs(to))
    .bind(day.format("%Y-%m-%d").to_string())
    .bind(secs(now))
    .execute(&mut *write.tx)
    .await
    .map_err(db)?
    .rows_affected();
    Ok(inserted)
}

pub(crate) async fn jobs(pool: &SqlitePool, query: &MailQuery) -> StoreResult<Vec<MailJob>> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM mail_jobs \
         WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR series_id = $2) \
         ORDER BY id DESC LIMIT $3"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(query.state.map(MailState::code))
        .bind(query.series.map(|s| s.0))
        .bind(i64::from(query.limit.max(1)))
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(job)
        .collect()
}

pub(crate) async fn job_by_id(pool: &SqlitePool, id: MailJobId) -> StoreResult<Option<MailJob>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM mail_jobs WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(job)
        .transpose()
}

pub(crate) async fn resend(
    write: &mut Write,
    id: MailJobId,
    entry: &AuditEntry,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE mail_jobs SET state = 'pending', attempts = 0, next_attempt_at = $2, \
         lease_owner = NULL, lease_until = NULL \
         WHERE id = $1 AND state IN ('failed', 'skipped')",
    )
    .bind(id.0)
    .bind(secs(entry.at))
    .execute(&mut *write.tx)
    .await
    .map_err(db)?
    .rows_affected()
        == 1;
    if done {
        audit::append(&mut write.tx, entry).await?;
    }
    Ok(done)
}
