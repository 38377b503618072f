//! Slots: listing for availability, inserting in bulk, the office's changes.

use crate::db;
use sesshu_domain::{LaneId, Slot, SlotEligibility, SlotId, VaccineId, VenueId};
use sesshu_store::{
    NewSlot, SlotChange, SlotChanged, SlotDeleted, SlotQuery, StoreError, StoreResult, columns,
};
use sqlx::postgres::{PgPool, PgRow};
use sqlx::{Postgres, Row, Transaction};

const SLOT_COLUMNS: &str = "SELECT s.id, s.venue_id, s.lane_id, s.vaccine_id, s.dose, \
     s.starts_at, s.ends_at, s.capacity, s.booked, s.opens_at, s.closed, s.eligible_user_types, \
     (SELECT string_agg(institution_id::text, ',') FROM slot_institutions i WHERE i.slot_id = s.id) \
     AS institutions, \
     (SELECT string_agg(institution_id::text || ':' || places::text, ',') FROM slot_quotas q WHERE q.slot_id = s.id) \
     AS quotas FROM slots s";

fn slot(row: &PgRow) -> StoreResult<Slot> {
    let institutions = columns::institution_ids(row.try_get("institutions").map_err(db)?)?;
    let quotas = columns::quotas(row.try_get("quotas").map_err(db)?)?;
    Ok(Slot {
        id: SlotId(row.try_get("id").map_err(db)?),
        venue: VenueId(row.try_get("venue_id").map_err(db)?),
        lane: LaneId(row.try_get("lane_id").map_err(db)?),
        vaccine: VaccineId(row.try_get("vaccine_id").map_err(db)?),
        dose: columns::dose(i64::from(row.try_get::<i32, _>("dose").map_err(db)?))?,
        starts_at: row.try_get("starts_at").map_err(db)?,
        ends_at: row.try_get("ends_at").map_err(db)?,
        capacity: columns::count(i64::from(row.try_get::<i32, _>("capacity").map_err(db)?))?,
        booked: columns::count(i64::from(row.try_get::<i32, _>("booked").map_err(db)?))?,
        opens_at: row.try_get("opens_at").map_err(db)?,
        closed: row.try_get("closed").map_err(db)?,
        eligibility: SlotEligibility {
            institutions,
            user_types: columns::user_types(row.try_get("eligible_user_types").map_err(db)?)?,
        },
        quotas,
    })
}

pub(crate) async fn list(pool: &PgPool, q: &SlotQuery) -> StoreResult<Vec<Slot>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SLOT_COLUMNS} WHERE s.starts_at >= $1 AND s.starts_at < $2 \
         AND ($3::INTEGER IS NULL OR s.dose = $3) AND ($4::BIGINT IS NULL OR s.venue_id = $4) \
         AND ($5::BIGINT IS NULL OR s.vaccine_id = $5) AND ($6 OR NOT s.closed) \
         ORDER BY s.starts_at, s.lane_id, s.id"
    ));
    sqlx::query(sql)
        .bind(q.from)
        .bind(q.to)
        .bind(q.dose.map(|d| i32::from(d.get())))
        .bind(q.venue.map(|v| v.0))
        .bind(q.vaccine.map(|v| v.0))
        .bind(q.include_closed)
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(slot)
        .collect()
}

pub(crate) async fn one(pool: &PgPool, id: SlotId) -> StoreResult<Option<Slot>> {
    let sql = sqlx::AssertSqlSafe(format!("{SLOT_COLUMNS} WHERE s.id = $1"));
    let row = sqlx::query(sql)
        .bind(id.0)
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    row.as_ref().map(slot).transpose()
}

pub(crate) async fn insert(
    tx: &mut Transaction<'static, Postgres>,
    new: &[NewSlot],
) -> StoreResult<Vec<SlotId>> {
    let mut ids = Vec::with_capacity(new.len());
    for s in new {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO slots (venue_id, lane_id, vaccine_id, dose, starts_at, ends_at, \
             capacity, opens_at, eligible_user_types) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(s.venue.0)
        .bind(s.lane.0)
        .bind(s.vaccine.0)
        .bind(i32::from(s.dose.get()))
        .bind(s.starts_at)
        .bind(s.ends_at)
        .bind(i32::try_from(s.capacity).map_err(sesshu_store::StoreError::corrupt)?)
        .bind(s.opens_at)
        .bind(columns::user_types_text(&s.eligibility.user_types))
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        for institution in &s.eligibility.institutions {
            sqlx::query("INSERT INTO slot_institutions (slot_id, institution_id) VALUES ($1, $2)")
                .bind(id)
                .bind(institution.0)
                .execute(&mut **tx)
                .await
                .map_err(db)?;
        }
        ids.push(SlotId(id));
    }
    Ok(ids)
}

/// Changes a slot in the caller's transaction; the row is locked (on
/// PostgreSQL) so that a booking waits, and the checks see its last count.
pub(crate) async fn change(
    tx: &mut Transaction<'static, Postgres>,
    slot: SlotId,
    change: &SlotChange,
) -> StoreResult<SlotChanged> {
    let booked: Option<i32> =
        sqlx::query_scalar("SELECT booked FROM slots WHERE id = $1 FOR UPDATE")
            .bind(slot.0)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
    let booked = u32::try_from(booked.ok_or(StoreError::NotFound)?).unwrap_or(0);
    if change.capacity < booked {
        return Ok(SlotChanged::BelowBooked(booked));
    }
    if change.closed && booked > 0 {
        return Ok(SlotChanged::HasBookings(booked));
    }
    for (institution, places) in &change.quotas {
        let held: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM series_doses d JOIN series se ON se.id = d.series_id \
             JOIN persons p ON p.id = se.person_id \
             WHERE d.slot_id = $1 AND se.state = 'booked' AND p.institution_id = $2",
        )
        .bind(slot.0)
        .bind(institution.0)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        let held = u32::try_from(held).unwrap_or(u32::MAX);
        if *places < held {
            return Ok(SlotChanged::QuotaBelowHeld(*institution, held));
        }
    }
    sqlx::query("DELETE FROM slot_quotas WHERE slot_id = $1")
        .bind(slot.0)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    for (institution, places) in &change.quotas {
        sqlx::query(
            "INSERT INTO slot_quotas (slot_id, institution_id, places) VALUES ($1, $2, $3)",
        )
        .bind(slot.0)
        .bind(institution.0)
        .bind(i32::try_from(*places).unwrap_or(i32::MAX))
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    sqlx::query(
        "UPDATE slots SET capacity = $2, closed = $3, eligible_user_types = $4 WHERE id = $1",
    )
    .bind(slot.0)
    .bind(i32::try_from(change.capacity).unwrap_or(i32::MAX))
    .bind(change.closed)
    .bind(columns::user_types_text(&change.eligibility.user_types))
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    sqlx::query("DELETE FROM slot_institutions WHERE slot_id = $1")
        .bind(slot.0)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    for institution in &change.eligibility.institutions {
        sqlx::query("INSERT INTO slot_institutions (slot_id, institution_id) VALUES ($1, $2)")
            .bind(slot.0)
            .bind(institution.0)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    Ok(SlotChanged::Done)
}

/// Deletes a slot in the caller's transaction, unless a place in it is
/// held or a reservation's dose still names it (the row is locked first).
pub(crate) async fn delete(
    tx: &mut Transaction<'static, Postgres>,
    slot: SlotId,
) -> StoreResult<SlotDeleted> {
    let booked: Option<i32> =
        sqlx::query_scalar("SELECT booked FROM slots WHERE id = $1 FOR UPDATE")
            .bind(slot.0)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
    let booked = u32::try_from(booked.ok_or(StoreError::NotFound)?).unwrap_or(0);
    if booked > 0 {
        return Ok(SlotDeleted::HasBookings(booked));
    }
    let named: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM series_doses WHERE slot_id = $1")
        .bind(slot.0)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
    if named > 0 {
        return Ok(SlotDeleted::HasHistory(
            u32::try_from(named).unwrap_or(u32::MAX),
        ));
    }
    sqlx::query("DELETE FROM slots WHERE id = $1")
        .bind(slot.0)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(SlotDeleted::Deleted)
}
