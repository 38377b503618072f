//! The vaccination day after the check-in: lots, and the record of each
//! dose. A step is checked against the ones before it under the series'
//! lock, and a dose is taken from its lot by one conditional update
//! (`used < doses`, not expired), so two tables giving the last dose of a
//! lot cannot both take it.

// `Int` is `i64` on SQLite: `i64::from` is then the identity.
#![allow(clippy::useless_conversion)]

use crate::dialect::{Backend, Int, at, day, int, int_checked, wide};
use crate::{audit, db, write_tx};
use chrono::{DateTime, Utc};
use sesshu_domain::{DoseNumber, DoseRecord, DoseRefusal, Lot, LotId, SeriesId, VenueId};
use sesshu_store::{
    DoseChange, DoseValue, Field, KeyId, NewLot, Owner, Sealed, SheetLine, StoreError,
    StoreResult, VaccinationStore, columns,
};
use sqlx::Row as _;

const LOT_COLUMNS: &str =
    "SELECT id, venue_id, vaccine_id, number, expires_on, doses, used FROM lots";

const RECORD_COLUMNS: &str = "SELECT series_id, dose, questionnaire_at, decision, decided_at, \
     vaccinated_at, lot_id, given_by, site FROM dose_records";

mod lots;
mod records;
mod sheet;
mod steps;

use lots::{lot_by_id, lot_of};
pub(crate) use records::record_of;
use records::records_of;
use sheet::apply_lines;
use steps::record;

#[async_trait::async_trait]
impl VaccinationStore for Backend {
    async fn lots(&self, venue: VenueId) -> StoreResult<Vec<Lot>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{LOT_COLUMNS} WHERE venue_id = $1 ORDER BY expires_on DESC, id DESC"
        )))
        .bind(venue.get())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(lot_of).collect()
    }

    async fn lot(&self, id: LotId) -> StoreResult<Option<Lot>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        lot_by_id(&mut conn, id).await
    }

    async fn register_lot(
        &self,
        lot: &NewLot,
        entry: &sesshu_domain::AuditEntry,
    ) -> StoreResult<LotId> {
        let doses = int_checked(lot.doses)?;
        write_tx!(self, |tx| async {
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO lots (venue_id, vaccine_id, number, expires_on, doses, registered_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (venue_id, number) DO NOTHING RETURNING id",
            )
            .bind(lot.venue.get())
            .bind(lot.vaccine.get())
            .bind(lot.number.as_str())
            .bind(day(lot.expires_on))
            .bind(doses)
            .bind(at(entry.at))
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
            let id = id.ok_or(DoseRefusal::DuplicateLot)?;
            audit::append(tx, entry).await?;
            Ok(LotId::new(id))
        })
    }

    async fn dose_records(&self, series: SeriesId) -> StoreResult<Vec<DoseRecord>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        records_of(&mut conn, series).await
    }

    async fn dose_records_at(
        &self,
        venue: VenueId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<DoseRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{RECORD_COLUMNS} r WHERE EXISTS (SELECT 1 FROM series_doses d \
             JOIN slots sl ON sl.id = d.slot_id \
             WHERE d.series_id = r.series_id AND d.dose = r.dose \
             AND sl.venue_id = $1 AND sl.starts_at >= $2 AND sl.starts_at < $3) \
             ORDER BY r.series_id, r.dose"
        )))
        .bind(venue.get())
        .bind(at(from))
        .bind(at(to))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(record_of).collect()
    }

    async fn dose_data(
        &self,
        series: SeriesId,
        dose: DoseNumber,
        field: Field,
    ) -> StoreResult<Option<Sealed>> {
        let row: Option<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT key_id, sealed FROM dose_data WHERE series_id = $1 AND dose = $2 AND field = $3",
        )
        .bind(series.get())
        .bind(int(u32::from(dose.get())))
        .bind(field.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(|(key, blob)| Sealed {
            key_id: KeyId::parse(&key),
            blob,
        }))
    }

    async fn record_dose(&self, change: &DoseChange) -> StoreResult<DoseRecord> {
        write_tx!(self, |tx| async {
            record(tx, change).await?;
            audit::append(tx, &change.audit).await?;
            records_of(tx, change.series)
                .await?
                .into_iter()
                .find(|r| r.dose == change.dose)
                .ok_or(StoreError::NotFound)
        })
    }

    async fn dose_data_batch(
        &self,
        after: Option<(SeriesId, DoseNumber, Field)>,
        limit: u32,
    ) -> StoreResult<Vec<DoseValue>> {
        let (series, dose, field) = match after {
            Some((s, d, f)) => (
                Some(s.get()),
                Some(int(u32::from(d.get()))),
                Some(f.as_str()),
            ),
            None => (None, None, None),
        };
        let rows = sqlx::query(
            "SELECT v.series_id, v.dose, v.field, v.key_id, v.sealed, se.number, \
             p.institution_id, p.subject FROM dose_data v \
             JOIN series se ON se.id = v.series_id JOIN persons p ON p.id = se.person_id \
             WHERE CAST($1 AS BIGINT) IS NULL OR v.series_id > $1 \
             OR (v.series_id = $1 AND (v.dose > $2 OR (v.dose = $2 AND v.field > $3))) \
             ORDER BY v.series_id, v.dose, v.field LIMIT $4",
        )
        .bind(series)
        .bind(dose)
        .bind(field)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let dose = columns::dose(wide(r.try_get::<Int, _>("dose").map_err(db)?))?;
                let field: String = r.try_get("field").map_err(db)?;
                let field = Field::DOSE
                    .into_iter()
                    .find(|f| f.as_str() == field)
                    .ok_or_else(|| StoreError::corrupt("dose field"))?;
                let number: String = r.try_get("number").map_err(db)?;
                let subject: String = r.try_get("subject").map_err(db)?;
                Ok(DoseValue {
                    series: SeriesId::new(r.try_get("series_id").map_err(db)?),
                    dose,
                    field,
                    owner: Owner::login(r.try_get("institution_id").map_err(db)?, &subject)
                        .dose(&number, dose.get()),
                    sealed: Sealed {
                        key_id: KeyId::parse(r.try_get("key_id").map_err(db)?),
                        blob: r.try_get("sealed").map_err(db)?,
                    },
                })
            })
            .collect()
    }

    async fn reseal_dose(
        &self,
        value: &DoseValue,
        old: &KeyId,
        new: &Sealed,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE dose_data SET key_id = $5, sealed = $6, updated_at = $7 \
             WHERE series_id = $1 AND dose = $2 AND field = $3 AND key_id = $4",
        )
        .bind(value.series.get())
        .bind(int(u32::from(value.dose.get())))
        .bind(value.field.as_str())
        .bind(old.as_str())
        .bind(new.key_id.as_str())
        .bind(&new.blob)
        .bind(at(now))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn apply_sheet(
        &self,
        by: sesshu_domain::AdminId,
        lines: &[SheetLine],
        entry: &sesshu_domain::AuditEntry,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| async {
            apply_lines(tx, by, lines).await?;
            audit::append(tx, entry).await?;
            Ok(())
        })
    }
}
