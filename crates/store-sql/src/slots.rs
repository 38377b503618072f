//! Slots: listing for availability, inserting in bulk, the office's changes,
//! and the quotas of a slot and of a day.

// `Int` is `i64` on SQLite: `i64::from` is then the identity; `Day` is
// `Copy` on PostgreSQL only (SQLite's is a `String`, bound by reference).
#![allow(clippy::useless_conversion, clippy::needless_borrows_for_generic_args)]

use crate::dialect::{
    self, Backend, Conn, Day, FOR_UPDATE, Int, Tx, at, comma_list, int, int_checked, text, time,
    tokyo_day, wide,
};
use crate::{db, write_tx};
use chrono::NaiveDate;
use sesshu_domain::{
    AuditEntry, InstitutionId, LaneId, PersonId, Slot, SlotEligibility, SlotId, VaccineId, VenueId,
};
use sesshu_store::{
    NewSlot, SlotChange, SlotChanged, SlotDeleted, SlotQuery, SlotStore, StoreError, StoreResult,
    columns,
};
use sqlx::Row as _;
use std::collections::BTreeMap;

#[async_trait::async_trait]
impl SlotStore for Backend {
    async fn slots(&self, q: &SlotQuery) -> StoreResult<Vec<Slot>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{} WHERE s.starts_at >= $1 AND s.starts_at < $2 \
             AND (CAST($3 AS INTEGER) IS NULL OR s.dose = $3) \
             AND (CAST($4 AS BIGINT) IS NULL OR s.venue_id = $4) \
             AND (CAST($5 AS BIGINT) IS NULL OR s.vaccine_id = $5) AND ($6 OR NOT s.closed) \
             ORDER BY s.starts_at, s.lane_id, s.id",
            slot_columns()
        ));
        sqlx::query(sql)
            .bind(at(q.from))
            .bind(at(q.to))
            .bind(q.dose.map(|d| i32::from(d.get())))
            .bind(q.venue.map(|v| v.get()))
            .bind(q.vaccine.map(|v| v.get()))
            .bind(q.include_closed)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(slot)
            .collect()
    }

    async fn slot(&self, id: SlotId) -> StoreResult<Option<Slot>> {
        let sql = sqlx::AssertSqlSafe(format!("{} WHERE s.id = $1", slot_columns()));
        let row = sqlx::query(sql)
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(slot).transpose()
    }

    async fn insert_slots(&self, new: &[NewSlot]) -> StoreResult<Vec<SlotId>> {
        write_tx!(self, |tx| insert(tx, new))
    }

    async fn change_slot(
        &self,
        slot: SlotId,
        change: &SlotChange,
        audit: &AuditEntry,
    ) -> StoreResult<SlotChanged> {
        write_tx!(self, |tx| async {
            let changed = change_in(tx, slot, change).await?;
            if changed == SlotChanged::Done {
                crate::audit::append(tx, audit).await?;
            }
            Ok(changed)
        })
    }

    async fn day_quotas(
        &self,
        venue: VenueId,
        day: NaiveDate,
    ) -> StoreResult<Vec<(InstitutionId, u32, u32)>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let day = dialect::day(day);
        let rows: Vec<(i64, Int)> = sqlx::query_as(
            "SELECT institution_id, places FROM day_quotas WHERE venue_id = $1 AND day = $2 \
             ORDER BY institution_id",
        )
        .bind(venue.get())
        .bind(&day)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for (institution, places) in rows {
            let held = day_held(&mut conn, venue, &day, institution).await?;
            out.push((
                InstitutionId::new(institution),
                u32::try_from(places).unwrap_or(0),
                held,
            ));
        }
        Ok(out)
    }

    async fn set_day_quotas(
        &self,
        venue: VenueId,
        day: NaiveDate,
        quotas: &BTreeMap<InstitutionId, u32>,
        audit: &AuditEntry,
    ) -> StoreResult<SlotChanged> {
        write_tx!(self, |tx| async {
            let changed = set_day_quotas_in(tx, venue, day, quotas).await?;
            if changed == SlotChanged::Done {
                crate::audit::append(tx, audit).await?;
            }
            Ok(changed)
        })
    }

    async fn delete_slot(&self, slot: SlotId, audit: &AuditEntry) -> StoreResult<SlotDeleted> {
        write_tx!(self, |tx| async {
            let deleted = delete_in(tx, slot).await?;
            if deleted == SlotDeleted::Deleted {
                crate::audit::append(tx, audit).await?;
            }
            Ok(deleted)
        })
    }

    async fn create_slots(&self, new: &[NewSlot], audit: &AuditEntry) -> StoreResult<Vec<SlotId>> {
        write_tx!(self, |tx| async {
            let ids = insert(tx, new).await?;
            crate::audit::append(tx, audit).await?;
            Ok(ids)
        })
    }
}

/// The columns of a slot, with its institutions and its quotas (each
/// `institution:places:held`), as lists.
fn slot_columns() -> String {
    let held = "(SELECT COUNT(*) FROM series_doses d JOIN series se ON se.id = d.series_id \
         JOIN persons p ON p.id = se.person_id WHERE d.slot_id = q.slot_id \
         AND se.state = 'booked' AND p.institution_id = q.institution_id)";
    format!(
        "SELECT s.id, s.venue_id, s.lane_id, s.vaccine_id, s.dose, \
         s.starts_at, s.ends_at, s.capacity, s.booked, s.opens_at, s.closed, \
         s.eligible_user_types, \
         (SELECT {} FROM slot_institutions i WHERE i.slot_id = s.id) AS institutions, \
         (SELECT {} FROM slot_quotas q WHERE q.slot_id = s.id) AS quotas FROM slots s",
        comma_list(&text("institution_id")),
        comma_list(&format!(
            "{} || ':' || {} || ':' || {}",
            text("q.institution_id"),
            text("q.places"),
            text(held)
        )),
    )
}

fn slot(row: &dialect::Row) -> StoreResult<Slot> {
    let institutions = columns::institution_ids(row.try_get("institutions").map_err(db)?)?;
    let quotas = columns::quotas(row.try_get("quotas").map_err(db)?)?;
    Ok(Slot {
        id: SlotId::new(row.try_get("id").map_err(db)?),
        venue: VenueId::new(row.try_get("venue_id").map_err(db)?),
        lane: LaneId::new(row.try_get("lane_id").map_err(db)?),
        vaccine: VaccineId::new(row.try_get("vaccine_id").map_err(db)?),
        dose: columns::dose(wide(row.try_get::<Int, _>("dose").map_err(db)?))?,
        starts_at: time(row.try_get("starts_at").map_err(db)?)?,
        ends_at: time(row.try_get("ends_at").map_err(db)?)?,
        capacity: columns::count(wide(row.try_get::<Int, _>("capacity").map_err(db)?))?,
        booked: columns::count(wide(row.try_get::<Int, _>("booked").map_err(db)?))?,
        opens_at: time(row.try_get("opens_at").map_err(db)?)?,
        closed: row.try_get("closed").map_err(db)?,
        eligibility: SlotEligibility {
            institutions,
            user_types: columns::user_types(row.try_get("eligible_user_types").map_err(db)?)?,
        },
        quotas,
    })
}

async fn insert(tx: &mut Tx, new: &[NewSlot]) -> StoreResult<Vec<SlotId>> {
    let mut ids = Vec::with_capacity(new.len());
    for s in new {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO slots (venue_id, lane_id, vaccine_id, dose, starts_at, ends_at, \
             capacity, opens_at, eligible_user_types) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(s.venue.get())
        .bind(s.lane.get())
        .bind(s.vaccine.get())
        .bind(i32::from(s.dose.get()))
        .bind(at(s.starts_at))
        .bind(at(s.ends_at))
        .bind(int_checked(s.capacity)?)
        .bind(at(s.opens_at))
        .bind(columns::user_types_text(&s.eligibility.user_types))
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        for institution in &s.eligibility.institutions {
            sqlx::query("INSERT INTO slot_institutions (slot_id, institution_id) VALUES ($1, $2)")
                .bind(id)
                .bind(institution.get())
                .execute(&mut **tx)
                .await
                .map_err(db)?;
        }
        ids.push(SlotId::new(id));
    }
    Ok(ids)
}

/// Changes a slot in the caller's transaction; the row is locked (on
/// PostgreSQL) so that a booking waits, and the checks see its last count.
async fn change_in(tx: &mut Tx, slot: SlotId, change: &SlotChange) -> StoreResult<SlotChanged> {
    let booked: Option<Int> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT booked FROM slots WHERE id = $1{FOR_UPDATE}"
    )))
    .bind(slot.get())
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
        .bind(slot.get())
        .bind(institution.get())
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        let held = u32::try_from(held).unwrap_or(u32::MAX);
        if *places < held {
            return Ok(SlotChanged::QuotaBelowHeld(*institution, held));
        }
    }
    sqlx::query("DELETE FROM slot_quotas WHERE slot_id = $1")
        .bind(slot.get())
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    for (institution, places) in &change.quotas {
        sqlx::query(
            "INSERT INTO slot_quotas (slot_id, institution_id, places) VALUES ($1, $2, $3)",
        )
        .bind(slot.get())
        .bind(institution.get())
        .bind(i32::try_from(*places).unwrap_or(i32::MAX))
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    sqlx::query(
        "UPDATE slots SET capacity = $2, closed = $3, eligible_user_types = $4 WHERE id = $1",
    )
    .bind(slot.get())
    .bind(int(change.capacity))
    .bind(change.closed)
    .bind(columns::user_types_text(&change.eligibility.user_types))
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    sqlx::query("DELETE FROM slot_institutions WHERE slot_id = $1")
        .bind(slot.get())
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    for institution in &change.eligibility.institutions {
        sqlx::query("INSERT INTO slot_institutions (slot_id, institution_id) VALUES ($1, $2)")
            .bind(slot.get())
            .bind(institution.get())
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    Ok(SlotChanged::Done)
}

/// Deletes a slot in the caller's transaction, unless a place in it is
/// held or a reservation's dose still names it (the row is locked first).
async fn delete_in(tx: &mut Tx, slot: SlotId) -> StoreResult<SlotDeleted> {
    let booked: Option<Int> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT booked FROM slots WHERE id = $1{FOR_UPDATE}"
    )))
    .bind(slot.get())
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?;
    let booked = u32::try_from(booked.ok_or(StoreError::NotFound)?).unwrap_or(0);
    if booked > 0 {
        return Ok(SlotDeleted::HasBookings(booked));
    }
    let named: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM series_doses WHERE slot_id = $1")
        .bind(slot.get())
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
    if named > 0 {
        return Ok(SlotDeleted::HasHistory(
            u32::try_from(named).unwrap_or(u32::MAX),
        ));
    }
    sqlx::query("DELETE FROM slots WHERE id = $1")
        .bind(slot.get())
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(SlotDeleted::Deleted)
}

/// Whether a slot quota and a day quota apply to a person taking a place
/// in a slot (`$1` slot, `$2` person).
pub(crate) fn quotas_apply() -> String {
    format!(
        "SELECT \
         EXISTS (SELECT 1 FROM slot_quotas q JOIN persons p ON p.institution_id = q.institution_id \
         WHERE q.slot_id = $1 AND p.id = $2), \
         EXISTS (SELECT 1 FROM day_quotas q JOIN slots s ON s.venue_id = q.venue_id \
         AND q.day = {} \
         JOIN persons p ON p.institution_id = q.institution_id WHERE s.id = $1 AND p.id = $2)",
        tokyo_day("s.starts_at")
    )
}

/// Places the institution's people hold at a venue on a Tokyo day.
async fn day_held(
    conn: &mut Conn,
    venue: VenueId,
    day: &Day,
    institution: i64,
) -> StoreResult<u32> {
    let held: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM series_doses d JOIN series se ON se.id = d.series_id \
         JOIN persons p ON p.id = se.person_id JOIN slots s ON s.id = d.slot_id \
         WHERE se.state = 'booked' AND p.institution_id = $1 AND s.venue_id = $2 \
         AND {} = $3",
        tokyo_day("s.starts_at")
    )))
    .bind(institution)
    .bind(venue.get())
    .bind(day)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    Ok(u32::try_from(held).unwrap_or(u32::MAX))
}

/// The quota of the person's institution on the slot's day at its venue,
/// and the places its people hold there that day, counted in the
/// institution's turn for that day (on PostgreSQL, held until the
/// transaction ends).
pub(crate) async fn day_quota_for(
    conn: &mut Conn,
    slot: SlotId,
    person: PersonId,
) -> StoreResult<Option<(u32, u32)>> {
    let quota: Option<(Int, Day, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT q.places, q.day, q.venue_id, q.institution_id FROM day_quotas q \
         JOIN slots s ON s.venue_id = q.venue_id AND q.day = {} \
         JOIN persons p ON p.institution_id = q.institution_id \
         WHERE s.id = $1 AND p.id = $2",
        tokyo_day("s.starts_at")
    )))
    .bind(slot.get())
    .bind(person.get())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let Some((places, day, venue, institution)) = quota else {
        return Ok(None);
    };
    dialect::day_turn(conn, VenueId::new(venue), &day, institution).await?;
    let held = day_held(conn, VenueId::new(venue), &day, institution).await?;
    Ok(Some((u32::try_from(places).unwrap_or(0), held)))
}

/// Replaces a day's quotas in the caller's transaction, once no booking in
/// flight can change what it counts (`dialect::lock_day_quotas`).
async fn set_day_quotas_in(
    tx: &mut Tx,
    venue: VenueId,
    day: NaiveDate,
    quotas: &BTreeMap<InstitutionId, u32>,
) -> StoreResult<SlotChanged> {
    let day = dialect::day(day);
    let institutions: Vec<InstitutionId> = quotas.keys().copied().collect();
    dialect::lock_day_quotas(tx, venue, &day, &institutions).await?;
    for (institution, places) in quotas {
        let held = day_held(tx, venue, &day, institution.get()).await?;
        if *places < held {
            return Ok(SlotChanged::QuotaBelowHeld(*institution, held));
        }
    }
    sqlx::query("DELETE FROM day_quotas WHERE venue_id = $1 AND day = $2")
        .bind(venue.get())
        .bind(&day)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    for (institution, places) in quotas {
        sqlx::query(
            "INSERT INTO day_quotas (venue_id, day, institution_id, places) VALUES ($1, $2, $3, $4)",
        )
        .bind(venue.get())
        .bind(&day)
        .bind(institution.get())
        .bind(int(*places))
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(SlotChanged::Done)
}
