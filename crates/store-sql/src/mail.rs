//! The mail outbox. A claim takes due jobs that no live lease holds and
//! leases them to the worker: SQLite serialises claims against every other
//! writer (`BEGIN IMMEDIATE`); PostgreSQL locks the rows it takes with
//! `FOR UPDATE SKIP LOCKED`, so concurrent claimers (several office
//! processes) pass over each other's rows. Either way no two claimers take
//! the same job.

use crate::dialect::{Backend, Conn, Int, Row, SKIP_LOCKED, Time, at, int, time};
use crate::{audit, db, write_tx};
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::mail::day_bounds;
use sesshu_domain::{
    AuditEntry, DoseNumber, Language, MailJobId, MailKind, MailState, PersonId, SeriesId,
};
use sesshu_store::{
    MailBacklog, MailJob, MailQuery, MailSent, MailStore, NewMailJob, StoreError, StoreResult,
};
use sqlx::Row as _;

const JOB_COLUMNS: &str = "id, kind, series_id, person_id, dose, language, snapshot, state, \
                           attempts, next_attempt_at, last_error, created_at, sent_at, message_id";

#[async_trait::async_trait]
impl MailStore for Backend {
    async fn claim_mail(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<MailJob>> {
        let sql = format!(
            "UPDATE mail_jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM mail_jobs WHERE state = 'pending' \
               AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until <= $3) \
               ORDER BY next_attempt_at, id LIMIT $4{SKIP_LOCKED}) \
             RETURNING {JOB_COLUMNS}"
        );
        let rows = write_tx!(self, |tx| async {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(worker)
                .bind(at(lease_until))
                .bind(at(now))
                .bind(i64::from(limit))
                .fetch_all(&mut **tx)
                .await
                .map_err(db)
        })?;
        let mut jobs = rows.iter().map(job).collect::<StoreResult<Vec<_>>>()?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    async fn mail_sent(
        &self,
        id: MailJobId,
        worker: &str,
        sent: &MailSent,
        entry: &AuditEntry,
    ) -> StoreResult<bool> {
        write_tx!(self, |tx| async {
            let done = sqlx::query(
                "UPDATE mail_jobs SET state = 'sent', sent_at = $3, message_id = $4, \
                 smtp_reply = $5, last_error = NULL, lease_owner = NULL, lease_until = NULL \
                 WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
            )
            .bind(id.get())
            .bind(worker)
            .bind(at(sent.at))
            .bind(&sent.message_id)
            .bind(&sent.reply)
            .execute(&mut **tx)
            .await
            .map_err(db)?
            .rows_affected()
                == 1;
            if done {
                audit::append(tx, entry).await?;
            }
            Ok(done)
        })
    }

    async fn mail_failed(
        &self,
        id: MailJobId,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        let (state, next) = match retry_at {
            Some(t) => ("pending", Some(at(t))),
            None => ("failed", None),
        };
        let done = write_tx!(self, |tx| async {
            sqlx::query(
                "UPDATE mail_jobs SET state = $3, next_attempt_at = COALESCE($4, next_attempt_at), \
             last_error = $5, lease_owner = NULL, lease_until = NULL \
             WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
            )
            .bind(id.get())
            .bind(worker)
            .bind(state)
            .bind(next)
            .bind(error)
            .execute(&mut **tx)
            .await
            .map_err(db)
        })?;
        Ok(done.rows_affected() == 1)
    }

    async fn mail_skipped(&self, id: MailJobId, worker: &str, reason: &str) -> StoreResult<bool> {
        let done = write_tx!(self, |tx| async {
            sqlx::query(
                "UPDATE mail_jobs SET state = 'skipped', last_error = $3, lease_owner = NULL, \
             lease_until = NULL WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
            )
            .bind(id.get())
            .bind(worker)
            .bind(reason)
            .execute(&mut **tx)
            .await
            .map_err(db)
        })?;
        Ok(done.rows_affected() == 1)
    }

    /// Queues a reminder for each dose of an active series on `day`; the
    /// dedupe key (`sesshu_domain::mail::reminder_key`) makes it idempotent.
    async fn queue_reminders(&self, day: NaiveDate, now: DateTime<Utc>) -> StoreResult<u64> {
        let (from, to) = day_bounds(day);
        let done = write_tx!(self, |tx| async {
            sqlx::query(
                "INSERT INTO mail_jobs (kind, series_id, person_id, dose, language, dedupe_key, \
               next_attempt_at, created_at) \
             SELECT 'reminder', se.id, se.person_id, sd.dose, \
               COALESCE((SELECT m.language FROM mail_jobs m WHERE m.series_id = se.id \
                         ORDER BY m.id DESC LIMIT 1), 'ja'), \
               'reminder:' || se.id || ':' || sd.dose || ':' || CAST($3 AS TEXT), $4, $4 \
             FROM series se \
             JOIN series_doses sd ON sd.series_id = se.id \
             JOIN slots sl ON sl.id = sd.slot_id \
             WHERE se.state = 'booked' AND sl.starts_at >= $1 AND sl.starts_at < $2 \
             ORDER BY se.id, sd.dose \
             ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(at(from))
            .bind(at(to))
            .bind(day.format("%Y-%m-%d").to_string())
            .bind(at(now))
            .execute(&mut **tx)
            .await
            .map_err(db)
        })?;
        Ok(done.rows_affected())
    }

    async fn mail_jobs(&self, query: &MailQuery) -> StoreResult<Vec<MailJob>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM mail_jobs \
             WHERE (CAST($1 AS TEXT) IS NULL OR state = $1) \
               AND (CAST($2 AS BIGINT) IS NULL OR series_id = $2) \
             ORDER BY id DESC LIMIT $3"
        ));
        sqlx::query(sql)
            .bind(query.state.map(MailState::code))
            .bind(query.series.map(|s| s.get()))
            .bind(i64::from(query.limit.max(1)))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(job)
            .collect()
    }

    async fn mail_backlog(&self) -> StoreResult<MailBacklog> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM mail_jobs \
             WHERE state = 'pending'",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let pending: i64 = row.try_get("pending").map_err(db)?;
        let oldest: Option<Time> = row.try_get("oldest").map_err(db)?;
        Ok(MailBacklog {
            pending: u64::try_from(pending).unwrap_or_default(),
            oldest: oldest.map(time).transpose()?,
        })
    }

    async fn mail_job(&self, id: MailJobId) -> StoreResult<Option<MailJob>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {JOB_COLUMNS} FROM mail_jobs WHERE id = $1"));
        sqlx::query(sql)
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .as_ref()
            .map(job)
            .transpose()
    }

    async fn resend_mail(&self, id: MailJobId, entry: &AuditEntry) -> StoreResult<bool> {
        write_tx!(self, |tx| async {
            let done = sqlx::query(
                "UPDATE mail_jobs SET state = 'pending', attempts = 0, next_attempt_at = $2, \
                 lease_owner = NULL, lease_until = NULL \
                 WHERE id = $1 AND state IN ('failed', 'skipped')",
            )
            .bind(id.get())
            .bind(at(entry.at))
            .execute(&mut **tx)
            .await
            .map_err(db)?
            .rows_affected()
                == 1;
            if done {
                audit::append(tx, entry).await?;
            }
            Ok(done)
        })
    }

    /// Wakes on the store's change feed, and only when a job nobody has
    /// tried yet is waiting: the worker's own commits (and everyone's
    /// sessions) tick the feed too. Jobs waiting for a retry are the idle
    /// round's.
    async fn wait_for_mail(&self, timeout: std::time::Duration) {
        use sesshu_store::Store as _;
        /// Commits looked at together: one question for a burst of them.
        const SETTLE: std::time::Duration = std::time::Duration::from_millis(50);
        let deadline = tokio::time::Instant::now() + timeout;
        let mut feed = self.mail_feed.lock().await;
        let feed = feed.get_or_insert_with(|| self.changes());
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if !feed.next(left).await {
                return;
            }
            tokio::time::sleep(SETTLE.min(left)).await;
            let fresh = sqlx::query(
                "SELECT 1 FROM mail_jobs WHERE state = 'pending' AND attempts = 0 LIMIT 1",
            )
            .fetch_optional(&self.pool)
            .await;
            if !matches!(fresh, Ok(None)) {
                return;
            }
        }
    }
}

/// Queues `new` in the caller's transaction.
pub(crate) async fn insert(conn: &mut Conn, new: &NewMailJob) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO mail_jobs (kind, series_id, person_id, dose, language, snapshot, \
         dedupe_key, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(new.kind.code())
    .bind(new.series.get())
    .bind(new.person.get())
    .bind(new.dose.map(|d| int(u32::from(d.get()))))
    .bind(new.language.tag())
    .bind(new.snapshot.as_deref())
    .bind(new.dedupe_key.as_deref())
    .bind(at(new.now))
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

fn job(r: &Row) -> StoreResult<MailJob> {
    let kind: String = r.try_get("kind").map_err(db)?;
    let state: String = r.try_get("state").map_err(db)?;
    let language: String = r.try_get("language").map_err(db)?;
    let dose: Option<Int> = r.try_get("dose").map_err(db)?;
    let sent_at: Option<Time> = r.try_get("sent_at").map_err(db)?;
    let attempts: Int = r.try_get("attempts").map_err(db)?;
    Ok(MailJob {
        id: MailJobId::new(r.try_get("id").map_err(db)?),
        kind: MailKind::parse(&kind).ok_or_else(|| StoreError::corrupt("mail kind"))?,
        series: SeriesId::new(r.try_get("series_id").map_err(db)?),
        person: PersonId::new(r.try_get("person_id").map_err(db)?),
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
