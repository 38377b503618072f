//! Vouchers: given, collected, missing, reminded.

// `Int` is `i64` on SQLite: `i64::from` is then the identity.
#![allow(clippy::useless_conversion)]

use crate::dialect::{Backend, Conn, Int, Time, at, int, time, wide};
use crate::{audit, db, write_tx};
use chrono::{DateTime, Duration, Utc};
use sesshu_domain::{AdminId, AuditEntry, DoseNumber, InstitutionId, Language, PersonId, SeriesId};
use sesshu_store::{
    BookingStore as _, Collected, MissingVoucher, NewMailJob, ReminderPlan, Sealed, StoreError,
    StoreResult, VoucherState, VoucherStore, columns,
};

/// Whether a dose's voucher was given (`Some`) and when it was collected.
async fn collected_at(
    conn: &mut Conn,
    series: SeriesId,
    dose: Int,
) -> StoreResult<Option<Option<Time>>> {
    sqlx::query_scalar("SELECT collected_at FROM vouchers WHERE series_id = $1 AND dose = $2")
        .bind(series.get())
        .bind(dose)
        .fetch_optional(conn)
        .await
        .map_err(db)
}

#[async_trait::async_trait]
impl VoucherStore for Backend {
    async fn give_voucher(
        &self,
        series: SeriesId,
        dose: DoseNumber,
        sealed: &Sealed,
        given_at: DateTime<Utc>,
        entry: Option<&AuditEntry>,
    ) -> StoreResult<bool> {
        let dose = int(u32::from(dose.get()));
        write_tx!(self, |tx| async {
            let collected = collected_at(tx, series, dose).await?;
            if matches!(collected, Some(Some(_))) {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO vouchers (series_id, dose, given_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (series_id, dose) DO UPDATE SET given_at = excluded.given_at",
            )
            .bind(series.get())
            .bind(dose)
            .bind(at(given_at))
            .execute(&mut **tx)
            .await
            .map_err(db)?;
            // The values are bound again, not read through `excluded`: the
            // public process's role may not read `sealed`, not even there.
            sqlx::query(
                "INSERT INTO dose_data (series_id, dose, field, key_id, sealed, updated_at) \
                 VALUES ($1, $2, 'voucher', $3, $4, $5) ON CONFLICT (series_id, dose, field) \
                 DO UPDATE SET key_id = $3, sealed = $4, updated_at = $5",
            )
            .bind(series.get())
            .bind(dose)
            .bind(sealed.key_id.as_str())
            .bind(&sealed.blob)
            .bind(at(given_at))
            .execute(&mut **tx)
            .await
            .map_err(db)?;
            if let Some(entry) = entry {
                audit::append(tx, entry).await?;
            }
            Ok(true)
        })
    }

    async fn vouchers(&self, series: SeriesId) -> StoreResult<Vec<VoucherState>> {
        let rows: Vec<(Int, Time, Option<Time>)> = sqlx::query_as(
            "SELECT dose, given_at, collected_at FROM vouchers WHERE series_id = $1 ORDER BY dose",
        )
        .bind(series.get())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|(dose, given, collected)| {
                Ok(VoucherState {
                    dose: columns::dose(wide(dose))?,
                    given_at: time(given)?,
                    collected_at: collected.map(time).transpose()?,
                })
            })
            .collect()
    }

    async fn collect_voucher(
        &self,
        series: SeriesId,
        dose: DoseNumber,
        by: AdminId,
        entry: &AuditEntry,
    ) -> StoreResult<Collected> {
        let dose = int(u32::from(dose.get()));
        write_tx!(self, |tx| async {
            let collected = collected_at(tx, series, dose).await?;
            match collected {
                None => return Ok(Collected::NotGiven),
                Some(Some(before)) => return Ok(Collected::Before(time(before)?)),
                Some(None) => {}
            }
            // Two desks at once: the second update finds it collected.
            let done = sqlx::query(
                "UPDATE vouchers SET collected_at = $3, collected_by = $4 \
                 WHERE series_id = $1 AND dose = $2 AND collected_at IS NULL",
            )
            .bind(series.get())
            .bind(dose)
            .bind(at(entry.at))
            .bind(by.get())
            .execute(&mut **tx)
            .await
            .map_err(db)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Contention);
            }
            audit::append(tx, entry).await?;
            Ok(Collected::Now(entry.at))
        })
    }

    async fn missing_vouchers(
        &self,
        institution: Option<InstitutionId>,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<MissingVoucher>> {
        let rows: Vec<(i64, i64, i64, Int, Time, bool, i64)> = sqlx::query_as(
            "SELECT r.series_id, se.person_id, p.institution_id, r.dose, r.vaccinated_at, \
                 v.series_id IS NOT NULL, \
                 (SELECT COUNT(*) FROM mail_jobs m WHERE m.series_id = r.series_id \
                  AND m.dose = r.dose AND m.kind = 'voucher_reminder') \
                 FROM dose_records r \
                 JOIN series se ON se.id = r.series_id \
                 JOIN persons p ON p.id = se.person_id \
                 LEFT JOIN vouchers v ON v.series_id = r.series_id AND v.dose = r.dose \
                 WHERE r.vaccinated_at IS NOT NULL AND r.vaccinated_at < $1 \
                 AND (v.collected_at IS NULL) \
                 AND (CAST($2 AS BIGINT) IS NULL OR p.institution_id = $2) \
                 ORDER BY r.vaccinated_at, r.series_id, r.dose",
        )
        .bind(at(before))
        .bind(institution.map(InstitutionId::get))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(
                |(series, person, institution, dose, vaccinated, given, reminders)| {
                    Ok(MissingVoucher {
                        series: SeriesId::new(series),
                        person: PersonId::new(person),
                        institution: InstitutionId::new(institution),
                        dose: columns::dose(wide(dose))?,
                        vaccinated_at: time(vaccinated)?,
                        given,
                        reminders: u32::try_from(reminders)
                            .map_err(|_| StoreError::corrupt("reminder count"))?,
                    })
                },
            )
            .collect()
    }

    async fn queue_voucher_reminders(
        &self,
        plan: ReminderPlan,
        fallback: Language,
        now: DateTime<Utc>,
    ) -> StoreResult<u32> {
        if plan.max == 0 {
            return Ok(0);
        }
        let first = Duration::days(i64::from(plan.first_after_days));
        let every = Duration::days(i64::from(plan.every_days.max(1)));
        let mut queued = 0;
        for missing in self.missing_vouchers(None, now - first).await? {
            if missing.reminders >= plan.max {
                continue;
            }
            let due = missing.vaccinated_at
                + first
                + every
                    * i32::try_from(missing.reminders)
                        .map_err(|_| StoreError::corrupt("reminder count"))?;
            if due > now {
                continue;
            }
            let Some(series) = self.series(missing.series).await? else {
                continue;
            };
            let language: Option<String> = sqlx::query_scalar(
                "SELECT language FROM mail_jobs WHERE series_id = $1 ORDER BY id DESC LIMIT 1",
            )
            .bind(series.id.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
            let language = language
                .as_deref()
                .and_then(Language::from_tag)
                .unwrap_or(fallback);
            let job = NewMailJob::voucher_reminder(
                &series,
                missing.dose,
                missing.reminders + 1,
                language,
                now,
            );
            let inserted = sqlx::query(
                "INSERT INTO mail_jobs (kind, series_id, person_id, dose, language, snapshot, \
                 dedupe_key, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(job.kind.code())
            .bind(job.series.get())
            .bind(job.person.get())
            .bind(job.dose.map(|d| int(u32::from(d.get()))))
            .bind(job.language.tag())
            .bind(job.snapshot.as_deref())
            .bind(job.dedupe_key.as_deref())
            .bind(at(job.now))
            .execute(&self.pool)
            .await
            .map_err(db)?;
            if inserted.rows_affected() == 1 {
                queued += 1;
            }
        }
        Ok(queued)
    }
}
