//! No-shows: the doses of a day nobody checked in, and the batch that
//! cancels their reservations (its order is `sesshu_store::flows::cancel_no_shows`).

use crate::bookings::SqlTx;
use crate::dialect::{Backend, Int, Time, at, time, wide};
use crate::{db, write_tx};
use chrono::{DateTime, Days, Utc};
use sesshu_domain::{DoseNumber, InstitutionId, SeriesId, day_start};
use sesshu_store::flows::{self, NoShowTx};
use sesshu_store::{
    NoShow, NoShowAudit, NoShowCancel, NoShowOutcome, NoShowQuery, NoShowStore, SeriesDoseRow,
    StoreResult, columns, group_series,
};
use std::collections::BTreeMap;

/// Every dose of the series that have a dose starting in `[$1, $2)` (at
/// venue `$3`, of institution `$4`'s people, when given) that is not
/// checked in; with the missed dose and the person's institution.
const NO_SHOWS: &str = "SELECT se.id, se.number, se.person_id, se.vaccine_id, se.state, \
     se.created_at, d.dose, d.slot_id, sl.venue_id, sl.lane_id, sl.starts_at, sl.ends_at, \
     m.dose AS missed, p.institution_id \
     FROM series_doses m \
     JOIN slots ms ON ms.id = m.slot_id \
     JOIN series se ON se.id = m.series_id \
     JOIN persons p ON p.id = se.person_id \
     JOIN series_doses d ON d.series_id = se.id \
     JOIN slots sl ON sl.id = d.slot_id \
     WHERE se.state = 'booked' AND ms.starts_at >= $1 AND ms.starts_at < $2 \
     AND (CAST($3 AS BIGINT) IS NULL OR ms.venue_id = $3) \
     AND (CAST($4 AS BIGINT) IS NULL OR p.institution_id = $4) \
     AND NOT EXISTS (SELECT 1 FROM check_ins c WHERE c.series_id = m.series_id AND c.dose = m.dose) \
     ORDER BY se.id, d.dose";

#[async_trait::async_trait]
impl NoShowStore for Backend {
    async fn no_shows(&self, query: &NoShowQuery) -> StoreResult<Vec<NoShow>> {
        let from = day_start(query.day);
        let to = day_start(
            query
                .day
                .checked_add_days(Days::new(1))
                .unwrap_or(query.day),
        );
        let rows: Vec<(
            i64,
            String,
            i64,
            i64,
            String,
            Time,
            Int,
            i64,
            i64,
            i64,
            Time,
            Time,
            Int,
            i64,
        )> = sqlx::query_as(NO_SHOWS)
            .bind(at(from))
            .bind(at(to))
            .bind(query.venue.map(|v| v.get()))
            .bind(query.institution.map(|i| i.get()))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let mut missed: BTreeMap<i64, (DoseNumber, InstitutionId)> = BTreeMap::new();
        let mut doses = Vec::with_capacity(rows.len());
        for row in rows {
            let (series, number, person, vaccine, state, created_at, dose, slot) =
                (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7);
            let (venue, lane, starts_at, ends_at, dose_missed, institution) =
                (row.8, row.9, row.10, row.11, row.12, row.13);
            missed.insert(
                series,
                (
                    columns::dose(wide(dose_missed))?,
                    InstitutionId::new(institution),
                ),
            );
            doses.push(SeriesDoseRow {
                series,
                number,
                person,
                vaccine,
                state,
                created_at: time(created_at)?,
                dose: wide(dose),
                slot,
                venue,
                lane,
                starts_at: time(starts_at)?,
                ends_at: time(ends_at)?,
            });
        }
        group_series(doses)?
            .into_iter()
            .map(|series| {
                let (dose, institution) = missed
                    .get(&series.id.get())
                    .copied()
                    .ok_or_else(|| sesshu_store::StoreError::corrupt("no-show without its dose"))?;
                Ok(NoShow {
                    series,
                    dose,
                    institution,
                })
            })
            .collect()
    }

    async fn cancel_no_shows(
        &self,
        noshows: &[NoShowCancel],
        now: DateTime<Utc>,
        audit: &NoShowAudit<'_>,
    ) -> StoreResult<Vec<NoShowOutcome>> {
        write_tx!(self, |tx| flows::cancel_no_shows(
            &mut SqlTx(tx),
            noshows,
            now,
            audit
        ))
    }
}

impl NoShowTx for SqlTx<'_> {
    async fn checked_in(&mut self, series: SeriesId) -> StoreResult<Vec<DoseNumber>> {
        let doses: Vec<Int> =
            sqlx::query_scalar("SELECT dose FROM check_ins WHERE series_id = $1 ORDER BY dose")
                .bind(series.get())
                .fetch_all(&mut **self.0)
                .await
                .map_err(db)?;
        doses.into_iter().map(|d| columns::dose(wide(d))).collect()
    }
}
