//! Dose records read: a series' records, and the row mapping the registers share.

use super::RECORD_COLUMNS;
use crate::db;
use crate::dialect::{self, Conn, Int, Time, time, wide};
use chrono::{DateTime, Utc};
use sesshu_domain::{Decision, DoseRecord, LotId, SeriesId, Site, Vaccinated};
use sesshu_store::{StoreError, StoreResult, columns};
use sqlx::Row as _;

pub(super) async fn records_of(conn: &mut Conn, series: SeriesId) -> StoreResult<Vec<DoseRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{RECORD_COLUMNS} WHERE series_id = $1 ORDER BY dose"
    )))
    .bind(series.get())
    .fetch_all(conn)
    .await
    .map_err(db)?;
    rows.iter().map(record_of).collect()
}

pub(crate) fn record_of(row: &dialect::Row) -> StoreResult<DoseRecord> {
    let when = |name: &str| -> StoreResult<Option<DateTime<Utc>>> {
        row.try_get::<Option<Time>, _>(name)
            .map_err(db)?
            .map(time)
            .transpose()
    };
    let decision = match (
        row.try_get::<Option<String>, _>("decision").map_err(db)?,
        when("decided_at")?,
    ) {
        (Some(d), Some(at)) => Some((
            Decision::parse(&d).ok_or_else(|| StoreError::corrupt("decision"))?,
            at,
        )),
        _ => None,
    };
    let vaccinated = match (
        when("vaccinated_at")?,
        row.try_get::<Option<i64>, _>("lot_id").map_err(db)?,
        row.try_get::<Option<String>, _>("given_by").map_err(db)?,
        row.try_get::<Option<String>, _>("site").map_err(db)?,
    ) {
        (Some(at), Some(lot), Some(given_by), Some(site)) => Some(Vaccinated {
            at,
            lot: LotId::new(lot),
            given_by,
            site: Site::parse(&site).ok_or_else(|| StoreError::corrupt("site"))?,
        }),
        _ => None,
    };
    Ok(DoseRecord {
        series: SeriesId::new(row.try_get("series_id").map_err(db)?),
        dose: columns::dose(wide(row.try_get::<Int, _>("dose").map_err(db)?))?,
        questionnaire_at: when("questionnaire_at")?,
        decision,
        vaccinated,
    })
}
