//! Slots: listing for availability, inserting in bulk, the office's changes.

use crate::{db, secs, time};
use sesshu_domain::{LaneId, Slot, SlotEligibility, SlotId, VaccineId, VenueId};
use sesshu_store::{
    NewSlot, SlotChange, SlotChanged, SlotDeleted, SlotQuery, StoreError, StoreResult, columns,
};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Row, Sqlite, Transaction};

const SLOT_COLUMNS: &str = "SELECT s.id, s.venue_id, s.lane_id, s.vaccine_id, s.dose, \
     s.starts_at, s.ends_at, s.capacity, s.booked, s.opens_at, s.closed, s.eligible_user_types, \
     (SELECT group_concat(institution_id) FROM slot_institutions i WHERE i.slot_id = s.id) \
     AS institutions, \
     (SELECT group_concat(q.institution_id || ':' || q.places || ':' || \
     (SELECT COUNT(*) FROM series_doses d JOIN series se ON se.id = d.series_id JOIN persons p ON p.id = se.person_id WHERE d.slot_id = q.slot_id AND se.state = 'booked' AND p.institution_id = q.institution_id)) \
     FROM slot_quotas q WHERE q.slot_id = s.id) \
     AS quotas FROM slots s";

fn slot(row: &SqliteRow) -> StoreResult<Slot> {
    let institutions = columns::institution_ids(row.try_get("institutions").map_err(db)?)?;
    let quotas = columns::quotas(row.try_get("quotas").map_err(db)?)?;
    Ok(Slot {
        id: SlotId(row.try_get("id").map_err(db)?),
        venue: VenueId(row.try_get("venue_id").map_err(db)?),
        lane: LaneId(row.try_get("lane_id").map_err(db)?),
        vaccine: VaccineId(row.try_get("vaccine_id").map_err(db)?),
        dose: columns::dose(row.try_get("dose").map_err(db)?)?,
        starts_at: time(row.try_get("starts_at").map_err(db)?)?,
        ends_at: time(row.try_get("ends_at").map_err(db)?)?,
        capacity: columns::count(row.try_get("capacity").map_err(db)?)?,
        booked: columns::count(row.try_get("booked").map_err(db)?)?,
        opens_at: time(row.try_get("opens_at").map_err(db)?)?,
        closed: row.try_get::<i64, _>("closed").map_err(db)? != 0,
        eligibility: SlotEligibility {
            institutions,
            user_types: columns::user_types(row.try_get("eligible_user_types").map_err(db)?)?,
        },
        quotas,
    })
}

pub(crate) async fn list(pool: &SqlitePool, q: &SlotQuery) -> StoreResult<Vec<Slot>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SLOT_COLUMNS} WHERE s.starts_at >= $1 AND s.starts_at < $2 \
         AND ($3 IS NULL OR s.dose = $3) AND ($4 IS NULL OR s.venue_id = $4) \
         AND ($5 IS NULL OR s.vaccine_id = $5) AND ($6 OR s.closed = 0) \
         ORDER BY s.starts_at, s.lane_id, s.id"
    ));
    sqlx::query(sql)
        .bind(secs(q.from))
        .bind(secs(q.to))
        .bind(q.dose.map(|d| i64::from(d.get())))
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

pub(crate) async fn one(pool: &SqlitePool, id: SlotId) -> StoreResult<Option<Slot>> {
    let sql = sqlx::AssertSqlSafe(format!("{SLOT_COLUMNS} WHERE s.id = $1"));
    let row = sqlx::query(sql)
        .bind(id.0)
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    row.as_ref().map(slot).transpose()
}

pub(crate) async fn insert(
    tx: &mut Transaction<'static, Sqlite>,
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
        .bind(i64::from(s.dose.get()))
        .bind(secs(s.starts_at))
        .bind(secs(s.ends_at))
        .bind(i64::from(s.capacity))
        .bind(secs(s.opens_at))
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
    tx: &mut Transaction<'static, Sqlite>,
    slot: SlotId,
    change: &SlotChange,
) -> StoreResult<SlotChanged> {
    let booked: Option<i64> = sqlx::query_scalar("SELECT booked FROM slots WHERE id = $1")
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
    .bind(i64::from(change.capacity))
    .bind(i64::from(change.closed))
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
    tx: &mut Transaction<'static, Sqlite>,
    slot: SlotId,
) -> StoreResult<SlotDeleted> {
    let booked: Option<i64> = sqlx::query_scalar("SELECT booked FROM slots WHERE id = $1")
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

/// The Asia/Tokyo date of a slot's start, as `day_quotas.day` stores it
/// (Tokyo has no daylight saving time: UTC+9 all year).
const TOKYO_DAY: &str = "date(s.starts_at + 32400, 'unixepoch')";

/// Whether a slot quota and a day quota apply to a person taking a place
/// in a slot (`$1` slot, `$2` person).
pub(crate) const QUOTAS_APPLY: &str = "SELECT \
     EXISTS (SELECT 1 FROM slot_quotas q JOIN persons p ON p.institution_id = q.institution_id \
     WHERE q.slot_id = $1 AND p.id = $2), \
     EXISTS (SELECT 1 FROM day_quotas q JOIN slots s ON s.venue_id = q.venue_id \
     AND q.day = date(s.starts_at + 32400, 'unixepoch') \
     JOIN persons p ON p.institution_id = q.institution_id WHERE s.id = $1 AND p.id = $2)";

/// Places the institution's people hold at a venue on a Tokyo day.
pub(crate) async fn day_held(
    conn: &mut sqlx::SqliteConnection,
    venue: VenueId,
    day: &str,
    institution: i64,
) -> StoreResult<u32> {
    let held: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM series_doses d JOIN series se ON se.id = d.series_id \
         JOIN persons p ON p.id = se.person_id JOIN slots s ON s.id = d.slot_id \
         WHERE se.state = 'booked' AND p.institution_id = $1 AND s.venue_id = $2 \
         AND {TOKYO_DAY} = $3"
    )))
    .bind(institution)
    .bind(venue.0)
    .bind(day)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    Ok(u32::try_from(held).unwrap_or(u32::MAX))
}

/// The quota of the person's institution on the slot's day at its venue,
/// and the places its people hold there that day.
pub(crate) async fn day_quota_for(
    conn: &mut sqlx::SqliteConnection,
    slot: SlotId,
    person: sesshu_domain::PersonId,
) -> StoreResult<Option<(u32, u32)>> {
    let quota: Option<(i64, String, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT q.places, q.day, q.venue_id, q.institution_id FROM day_quotas q \
         JOIN slots s ON s.venue_id = q.venue_id AND q.day = {TOKYO_DAY} \
         JOIN persons p ON p.institution_id = q.institution_id \
         WHERE s.id = $1 AND p.id = $2"
    )))
    .bind(slot.0)
    .bind(person.0)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let Some((places, day, venue, institution)) = quota else {
        return Ok(None);
    };
    let held = day_held(conn, VenueId(venue), &day, institution).await?;
    Ok(Some((u32::try_from(places).unwrap_or(0), held)))
}

pub(crate) async fn day_quotas(
    conn: &mut sqlx::SqliteConnection,
    venue: VenueId,
    day: chrono::NaiveDate,
) -> StoreResult<Vec<(sesshu_domain::InstitutionId, u32, u32)>> {
    let day = day.format("%Y-%m-%d").to_string();
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT institution_id, places FROM day_quotas WHERE venue_id = $1 AND day = $2 \
         ORDER BY institution_id",
    )
    .bind(venue.0)
    .bind(&day)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let mut out = Vec::with_capacity(rows.len());
    for (institution, places) in rows {
        let held = day_held(conn, venue, &day, institution).await?;
        out.push((
            sesshu_domain::InstitutionId(institution),
            u32::try_from(places).unwrap_or(0),
            held,
        ));
    }
    Ok(out)
}

/// Replaces a day's quotas in the caller's (serialised) transaction.
pub(crate) async fn set_day_quotas(
    tx: &mut Transaction<'static, Sqlite>,
    venue: VenueId,
    day: chrono::NaiveDate,
    quotas: &std::collections::BTreeMap<sesshu_domain::InstitutionId, u32>,
) -> StoreResult<SlotChanged> {
    let text = day.format("%Y-%m-%d").to_string();
    for (institution, places) in quotas {
        let held = day_held(&mut *tx, venue, &text, institution.0).await?;
        if *places < held {
            return Ok(SlotChanged::QuotaBelowHeld(*institution, held));
        }
    }
    sqlx::query("DELETE FROM day_quotas WHERE venue_id = $1 AND day = $2")
        .bind(venue.0)
        .bind(&text)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    for (institution, places) in quotas {
        sqlx::query(
            "INSERT INTO day_quotas (venue_id, day, institution_id, places) VALUES ($1, $2, $3, $4)",
        )
        .bind(venue.0)
        .bind(&text)
        .bind(institution.0)
        .bind(i64::from(*places))
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(SlotChanged::Done)
}
