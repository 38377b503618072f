//! Lots: a dose taken from its lot or given back, and a lot's row read.

use super::LOT_COLUMNS;
use crate::db;
use crate::dialect::{self, Conn, Day, Int, day, wide};
use chrono::NaiveDate;
use sesshu_domain::{DoseRefusal, Lot, LotId, LotNumber, VaccineId, VenueId};
use sesshu_store::{StoreError, StoreResult};
use sqlx::Row as _;

/// Takes one dose from a lot, or says why the lot gives none.
pub(super) async fn take_dose(
    conn: &mut Conn,
    lot: LotId,
    venue: VenueId,
    vaccine: VaccineId,
    on: NaiveDate,
) -> StoreResult<()> {
    let taken = sqlx::query(
        "UPDATE lots SET used = used + 1 WHERE id = $1 AND venue_id = $2 AND vaccine_id = $3 \
         AND expires_on >= $4 AND used < doses",
    )
    .bind(lot.get())
    .bind(venue.get())
    .bind(vaccine.get())
    .bind(day(on))
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    if taken.rows_affected() == 1 {
        return Ok(());
    }
    let found = lot_by_id(conn, lot).await?.ok_or(StoreError::NotFound)?;
    match found.gives(venue, vaccine, on) {
        Err(refusal) => Err(DoseRefusal::Lot(refusal).into()),
        Ok(()) => Err(StoreError::corrupt(format!("lot {lot} gives and did not"))),
    }
}

/// Gives a dose back to its lot (a vaccination corrected).
pub(super) async fn give_back(conn: &mut Conn, lot: LotId) -> StoreResult<()> {
    let back = sqlx::query("UPDATE lots SET used = used - 1 WHERE id = $1 AND used > 0")
        .bind(lot.get())
        .execute(conn)
        .await
        .map_err(db)?;
    if back.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::corrupt(format!(
            "lot {lot} has no dose to give back"
        )))
    }
}

pub(super) async fn lot_by_id(conn: &mut Conn, id: LotId) -> StoreResult<Option<Lot>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{LOT_COLUMNS} WHERE id = $1")))
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    row.as_ref().map(lot_of).transpose()
}

pub(super) fn lot_of(row: &dialect::Row) -> StoreResult<Lot> {
    let count = |name: &str| -> StoreResult<u32> {
        let n: Int = row.try_get(name).map_err(db)?;
        u32::try_from(wide(n)).map_err(|_| StoreError::corrupt("lot count out of range"))
    };
    Ok(Lot {
        id: LotId::new(row.try_get("id").map_err(db)?),
        venue: VenueId::new(row.try_get("venue_id").map_err(db)?),
        vaccine: VaccineId::new(row.try_get("vaccine_id").map_err(db)?),
        number: LotNumber::parse(&row.try_get::<String, _>("number").map_err(db)?)?,
        expires_on: dialect::day_of(row.try_get::<Day, _>("expires_on").map_err(db)?)?,
        doses: count("doses")?,
        used: count("used")?,
    })
}
