//! The vaccination day at the venue: which doses were checked in, when.

use crate::dialect::{self, Backend, Int, Time, at, int, time, wide};
use crate::{audit, db, write_tx};
use chrono::{DateTime, Utc};
use sesshu_domain::{AdminId, AuditEntry, DoseNumber, SeriesId};
use sesshu_store::{CheckInStore, CheckedIn, StoreResult, columns};

#[async_trait::async_trait]
impl CheckInStore for Backend {
    async fn check_ins(&self, series: SeriesId) -> StoreResult<Vec<(DoseNumber, DateTime<Utc>)>> {
        let rows: Vec<(Int, Time)> = sqlx::query_as(
            "SELECT dose, checked_in_at FROM check_ins WHERE series_id = $1 ORDER BY dose",
        )
        .bind(series.get())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|(dose, t)| Ok((columns::dose(wide(dose))?, time(t)?)))
            .collect()
    }

    async fn checked_in_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(SeriesId, DoseNumber, DateTime<Utc>)>> {
        let rows: Vec<(i64, Int, Time)> = sqlx::query_as(
            "SELECT series_id, dose, checked_in_at FROM check_ins \
             WHERE checked_in_at >= $1 AND checked_in_at < $2 \
             ORDER BY checked_in_at, series_id, dose",
        )
        .bind(at(from))
        .bind(at(to))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|(series, dose, t)| {
                Ok((SeriesId::new(series), columns::dose(wide(dose))?, time(t)?))
            })
            .collect()
    }

    async fn check_in(
        &self,
        series: SeriesId,
        dose: DoseNumber,
        by: AdminId,
        entry: &AuditEntry,
    ) -> StoreResult<CheckedIn> {
        write_tx!(self, |tx| async {
            // The series' lock first, and it must still be active: the
            // no-show batch cancels under the same lock, so a check-in and
            // that batch are ordered, and the loser sees what the winner did
            // (a late check-in committed first is never cancelled; one after
            // the cancellation records nothing).
            if !dialect::lock_series(tx, series).await? {
                return Err(sesshu_store::StoreError::NotFound);
            }
            let state: Option<String> =
                sqlx::query_scalar("SELECT state FROM series WHERE id = $1")
                    .bind(series.get())
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(db)?;
            if state.as_deref() != Some("booked") {
                return Err(sesshu_domain::DoseRefusal::NotActive.into());
            }
            // Two desks checking the same dose in at once: one row wins, the
            // other reads the winner's time.
            let inserted: Option<Time> = sqlx::query_scalar(
                "INSERT INTO check_ins (series_id, dose, checked_in_at, admin_id) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (series_id, dose) DO NOTHING RETURNING checked_in_at",
            )
            .bind(series.get())
            .bind(int(u32::from(dose.get())))
            .bind(at(entry.at))
            .bind(by.get())
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
            if inserted.is_none() {
                let before: Time = sqlx::query_scalar(
                    "SELECT checked_in_at FROM check_ins WHERE series_id = $1 AND dose = $2",
                )
                .bind(series.get())
                .bind(int(u32::from(dose.get())))
                .fetch_one(&mut **tx)
                .await
                .map_err(db)?;
                return Ok(CheckedIn::Before(time(before)?));
            }
            audit::append(tx, entry).await?;
            Ok(CheckedIn::Now(entry.at))
        })
    }
}
