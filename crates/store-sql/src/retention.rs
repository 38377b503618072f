//! Retention: the settings per institution, and the purge of its personal
//! data, written once for both databases.
//!
//! The dry run counts with the same conditions the purge changes rows
//! with ([`Kind`]'s statements), so `--dry-run` says exactly what the purge
//! will do. The purge is one write transaction: every kind, the record of
//! the purge and its audit entry commit together or not at all.
//!
//! A login is replaced in the three tables that join a person's rows by it
//! (`members.login`, `persons.subject`, `external_doses.subject`) by one
//! pseudonym per login, so the rates' joins by `(institution, subject)` pair
//! the same rows after the purge as before; nothing else the rates read
//! (`series`, `series_doses`, `check_ins`, `dose_records`' times and doses,
//! `vouchers`, `mail_jobs.kind`, user types, departments) is touched.

use crate::dialect::{Backend, Conn, Day, Int, Time, at, day, day_of, time, wide};
use crate::{audit, db, write_tx};
use chrono::{DateTime, Utc};
use sesshu_domain::{
    AuditEntry, InstitutionCode, InstitutionId, PurgeCounts, RetentionMonths, RetentionRule,
};
use sesshu_store::{
    InstitutionRetention, PurgeAudit, RetentionStore, StoreError, StoreResult, fresh_pseudonym,
    session_institution,
};

/// The series of the institution `$1`'s people.
const SERIES: &str =
    "SELECT se.id FROM series se JOIN persons p ON p.id = se.person_id WHERE p.institution_id = $1";

/// The institution `$1`'s people.
const PERSONS: &str = "SELECT id FROM persons WHERE institution_id = $1";

/// A login not replaced yet (`Pseudonym`'s shape: `~` and 32 hex digits).
fn a_login(column: &str) -> String {
    format!("NOT ({column} LIKE '~%' AND length({column}) = 33)")
}

/// The kinds the purge deletes or clears with one statement each, bound
/// to the institution's id: `(what it counts, what it does)`. The
/// pseudonyms, sealed personal data (by owner) and sessions (by their
/// data) are done apart.
struct Kind {
    count: String,
    purge: String,
}

/// Where a kind's count goes.
type Field = fn(&mut PurgeCounts) -> &mut u64;

fn kinds() -> [(Field, Kind); 6] {
    [
        (
            |c| &mut c.dose_data,
            Kind {
                count: format!("SELECT COUNT(*) FROM dose_data WHERE series_id IN ({SERIES})"),
                purge: format!("DELETE FROM dose_data WHERE series_id IN ({SERIES})"),
            },
        ),
        (
            |c| &mut c.consents,
            Kind {
                count: format!("SELECT COUNT(*) FROM consents WHERE person_id IN ({PERSONS})"),
                purge: format!("DELETE FROM consents WHERE person_id IN ({PERSONS})"),
            },
        ),
        (
            |c| &mut c.idempotency_keys,
            Kind {
                count: format!(
                    "SELECT COUNT(*) FROM idempotency_keys WHERE person_id IN ({PERSONS})"
                ),
                purge: format!("DELETE FROM idempotency_keys WHERE person_id IN ({PERSONS})"),
            },
        ),
        (
            // What a mail job holds besides ids: the appointments as they
            // were, the last error and the SMTP reply (either may quote the
            // address), the lease. A job still pending is given up: its
            // address is about to be deleted.
            |c| &mut c.mails,
            Kind {
                count: format!(
                    "SELECT COUNT(*) FROM mail_jobs WHERE person_id IN ({PERSONS}) \
                     AND (snapshot IS NOT NULL OR last_error IS NOT NULL \
                     OR smtp_reply IS NOT NULL OR lease_owner IS NOT NULL OR state = 'pending')"
                ),
                purge: format!(
                    "UPDATE mail_jobs SET snapshot = NULL, last_error = NULL, smtp_reply = NULL, \
                     lease_owner = NULL, lease_until = NULL, \
                     state = CASE WHEN state = 'pending' THEN 'skipped' ELSE state END \
                     WHERE person_id IN ({PERSONS}) \
                     AND (snapshot IS NOT NULL OR last_error IS NOT NULL \
                     OR smtp_reply IS NOT NULL OR lease_owner IS NOT NULL OR state = 'pending')"
                ),
            },
        ),
        (
            |c| &mut c.check_in_tokens,
            Kind {
                count: format!(
                    "SELECT COUNT(*) FROM series WHERE id IN ({SERIES}) \
                     AND check_in_token IS NOT NULL"
                ),
                purge: format!(
                    "UPDATE series SET check_in_token = NULL WHERE id IN ({SERIES}) \
                     AND check_in_token IS NOT NULL"
                ),
            },
        ),
        (
            // The vaccinator's name: a person's name too, and the record
            // no longer needs it once nobody can be told who was given
            // the dose. (Empty, not NULL: the record's CHECK ties NULL to
            // "not vaccinated".)
            |c| &mut c.given_by,
            Kind {
                count: format!(
                    "SELECT COUNT(*) FROM dose_records WHERE series_id IN ({SERIES}) \
                     AND given_by IS NOT NULL AND given_by <> ''"
                ),
                purge: format!(
                    "UPDATE dose_records SET given_by = '' WHERE series_id IN ({SERIES}) \
                     AND given_by IS NOT NULL AND given_by <> ''"
                ),
            },
        ),
    ]
}

/// The owners of the institution's sealed personal data: `<id>/<login>`.
fn owners(institution: InstitutionId) -> String {
    format!("{}/%", institution.get())
}

/// The logins of the institution not replaced yet, each once, in the three
/// tables that hold them.
fn logins_sql() -> String {
    format!(
        "SELECT login AS subject FROM members WHERE institution_id = $1 AND {m} \
         UNION SELECT subject FROM persons WHERE institution_id = $1 AND {p} \
         UNION SELECT subject FROM external_doses WHERE institution_id = $1 AND {p}",
        m = a_login("login"),
        p = a_login("subject"),
    )
}

fn count_of(n: i64) -> StoreResult<u64> {
    u64::try_from(n).map_err(|_| StoreError::corrupt("negative count"))
}

async fn count(conn: &mut Conn, sql: &str, institution: InstitutionId) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(institution.get())
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    count_of(n)
}

/// The live sessions of the institution's people, by id hash.
async fn sessions_of(conn: &mut Conn, institution: InstitutionId) -> StoreResult<Vec<String>> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id_hash, data FROM sessions")
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    Ok(rows
        .into_iter()
        .filter(|(_, data)| session_institution(data) == Some(institution))
        .map(|(id_hash, _)| id_hash)
        .collect())
}

/// Everything [`purge`] would change, counted.
async fn counts(conn: &mut Conn, institution: InstitutionId) -> StoreResult<PurgeCounts> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM personal_data WHERE owner LIKE $1")
        .bind(owners(institution))
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let mut counts = PurgeCounts {
        personal_data: count_of(n)?,
        ..PurgeCounts::default()
    };
    counts.members = count(
        conn,
        &format!(
            "SELECT COUNT(*) FROM members WHERE institution_id = $1 AND {}",
            a_login("login")
        ),
        institution,
    )
    .await?;
    counts.persons = count(
        conn,
        &format!(
            "SELECT COUNT(*) FROM persons WHERE institution_id = $1 AND {}",
            a_login("subject")
        ),
        institution,
    )
    .await?;
    counts.external_doses = count(
        conn,
        &format!(
            "SELECT COUNT(*) FROM external_doses WHERE institution_id = $1 AND {}",
            a_login("subject")
        ),
        institution,
    )
    .await?;
    counts.sessions = sessions_of(conn, institution).await?.len() as u64;
    for (field, kind) in kinds() {
        *field(&mut counts) = count(conn, &kind.count, institution).await?;
    }
    Ok(counts)
}

/// Deletes and replaces, in the caller's transaction; what it changed.
async fn purge(conn: &mut Conn, institution: InstitutionId) -> StoreResult<PurgeCounts> {
    let mut counts = PurgeCounts {
        personal_data: sqlx::query("DELETE FROM personal_data WHERE owner LIKE $1")
            .bind(owners(institution))
            .execute(&mut *conn)
            .await
            .map_err(db)?
            .rows_affected(),
        ..PurgeCounts::default()
    };

    let logins: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(logins_sql()))
        .bind(institution.get())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    for login in &logins {
        let new = fresh_pseudonym();
        // The password goes too: `!` is no PHC string, so it never
        // verifies (and nobody knows the pseudonym to try it with).
        counts.members += sqlx::query(
            "UPDATE members SET login = $3, password_hash = '!' \
             WHERE institution_id = $1 AND login = $2",
        )
        .bind(institution.get())
        .bind(login)
        .bind(new.as_str())
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
        counts.persons += sqlx::query(
            "UPDATE persons SET subject = $3 WHERE institution_id = $1 AND subject = $2",
        )
        .bind(institution.get())
        .bind(login)
        .bind(new.as_str())
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
        // The place is what the person typed: it may say anything.
        counts.external_doses += sqlx::query(
            "UPDATE external_doses SET subject = $3, place = '' \
             WHERE institution_id = $1 AND subject = $2",
        )
        .bind(institution.get())
        .bind(login)
        .bind(new.as_str())
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
    }

    for id_hash in sessions_of(conn, institution).await? {
        counts.sessions += sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(&id_hash)
            .execute(&mut *conn)
            .await
            .map_err(db)?
            .rows_affected();
    }
    for (field, kind) in kinds() {
        *field(&mut counts) = sqlx::query(sqlx::AssertSqlSafe(kind.purge))
            .bind(institution.get())
            .execute(&mut *conn)
            .await
            .map_err(db)?
            .rows_affected();
    }
    Ok(counts)
}

#[async_trait::async_trait]
impl RetentionStore for Backend {
    async fn retention_rules(&self) -> StoreResult<Vec<InstitutionRetention>> {
        let rows: Vec<(i64, String, Option<Day>, Option<Int>, Option<Time>)> = sqlx::query_as(
            "SELECT i.id, i.code, r.campaign_ended_on, r.months, r.purged_at \
             FROM institutions i LEFT JOIN institution_retention r ON r.institution_id = i.id \
             ORDER BY i.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|(id, code, ended, months, purged_at)| {
                let months = months
                    .map(|m| {
                        u16::try_from(wide(m))
                            .ok()
                            .and_then(|m| RetentionMonths::new(m).ok())
                            .ok_or_else(|| StoreError::corrupt("retention months"))
                    })
                    .transpose()?;
                Ok(InstitutionRetention {
                    institution: InstitutionId::new(id),
                    code: InstitutionCode::parse(&code)
                        .map_err(|_| StoreError::corrupt("institution code"))?,
                    rule: RetentionRule {
                        campaign_ended_on: ended.map(day_of).transpose()?,
                        months,
                    },
                    purged_at: purged_at.map(time).transpose()?,
                })
            })
            .collect()
    }

    async fn set_retention(
        &self,
        institution: InstitutionId,
        rule: &RetentionRule,
        entry: &AuditEntry,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| async {
            sqlx::query(
                "INSERT INTO institution_retention (institution_id, campaign_ended_on, months) \
                 VALUES ($1, $2, $3) ON CONFLICT (institution_id) DO UPDATE \
                 SET campaign_ended_on = excluded.campaign_ended_on, months = excluded.months",
            )
            .bind(institution.get())
            .bind(rule.campaign_ended_on.map(day))
            .bind(rule.months.map(|m| Int::from(m.get())))
            .execute(&mut **tx)
            .await
            .map_err(db)?;
            audit::append(tx, entry).await?;
            Ok(())
        })
    }

    async fn personal_counts(&self, institution: InstitutionId) -> StoreResult<PurgeCounts> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        counts(&mut conn, institution).await
    }

    async fn purge_personal(
        &self,
        institution: InstitutionId,
        when: DateTime<Utc>,
        audit: PurgeAudit<'_>,
    ) -> StoreResult<PurgeCounts> {
        write_tx!(self, |tx| async {
            let counts = purge(tx, institution).await?;
            sqlx::query(
                "INSERT INTO institution_retention (institution_id, purged_at) VALUES ($1, $2) \
                 ON CONFLICT (institution_id) DO UPDATE SET purged_at = excluded.purged_at",
            )
            .bind(institution.get())
            .bind(at(when))
            .execute(&mut **tx)
            .await
            .map_err(db)?;
            audit::append(tx, &audit(&counts)).await?;
            Ok(counts)
        })
    }
}
