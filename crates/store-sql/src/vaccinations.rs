//! The vaccination day after the check-in: lots, and the record of each
//! dose. A step is checked against the ones before it under the series'
//! lock, and a dose is taken from its lot by one conditional update
//! (`used < doses`, not expired), so two tables giving the last dose of a
//! lot cannot both take it.

// `Int` is `i64` on SQLite: `i64::from` is then the identity.
#![allow(clippy::useless_conversion)]

use crate::bookings::SqlTx;
use crate::dialect::{self, Backend, Conn, Day, Int, Time, at, day, int, int_checked, time, wide};
use crate::{audit, db, write_tx};
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::{
    Decision, DoseNumber, DoseRecord, DoseRefusal, Lot, LotId, LotNumber, SeriesId, Site,
    Vaccinated, VaccineId, VenueId,
};
use sesshu_store::flows::{self, WriteTx as _};
use sesshu_store::{
    DoseChange, DoseStep, DoseValue, Field, KeyId, NewLot, NewMailJob, Owner, Sealed, SheetLine,
    StoreError, StoreResult, VaccinationStore, columns,
};
use sqlx::Row as _;

const LOT_COLUMNS: &str =
    "SELECT id, venue_id, vaccine_id, number, expires_on, doses, used FROM lots";

const RECORD_COLUMNS: &str = "SELECT series_id, dose, questionnaire_at, decision, decided_at, \
     vaccinated_at, lot_id, given_by, site FROM dose_records";

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

/// The lines of a sheet, in the caller's transaction.
async fn apply_lines(
    tx: &mut dialect::Tx,
    by: sesshu_domain::AdminId,
    lines: &[SheetLine],
) -> StoreResult<()> {
    for (index, line) in lines.iter().enumerate() {
        apply_line(tx, by, line).await.map_err(|e| match e {
            StoreError::Contention => StoreError::Contention,
            e => StoreError::InBatch {
                index,
                source: Box::new(e),
            },
        })?;
    }
    Ok(())
}

async fn apply_line(
    tx: &mut dialect::Tx,
    by: sesshu_domain::AdminId,
    line: &SheetLine,
) -> StoreResult<()> {
    let at_ = line.audit.at;
    let dose = int(u32::from(line.dose.get()));
    if line.check_in {
        sqlx::query(
            "INSERT INTO check_ins (series_id, dose, checked_in_at, admin_id) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (series_id, dose) DO NOTHING",
        )
        .bind(line.series.get())
        .bind(dose)
        .bind(at(at_))
        .bind(by.get())
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    for step in &line.steps {
        let change = DoseChange {
            series: line.series,
            dose: line.dose,
            by,
            step: step.clone(),
            audit: line.audit.clone(),
        };
        record(tx, &change).await?;
    }
    if line.collect_voucher {
        sqlx::query(
            "INSERT INTO vouchers (series_id, dose, given_at, collected_at, collected_by) \
             VALUES ($1, $2, $3, $3, $4) ON CONFLICT (series_id, dose) DO UPDATE \
             SET collected_at = COALESCE(vouchers.collected_at, excluded.collected_at), \
             collected_by = COALESCE(vouchers.collected_by, excluded.collected_by)",
        )
        .bind(line.series.get())
        .bind(dose)
        .bind(at(at_))
        .bind(by.get())
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    audit::append(tx, &line.audit).await?;
    Ok(())
}

/// The step of `change`, checked against the record as it is under the
/// series' lock.
async fn record(tx: &mut dialect::Tx, change: &DoseChange) -> StoreResult<()> {
    let DoseChange {
        series, dose, by, ..
    } = change;
    let now = change.audit.at;
    if !dialect::lock_series(tx, *series).await? {
        return Err(StoreError::NotFound);
    }
    let (state, vaccine, venue): (String, i64, i64) = sqlx::query_as(
        "SELECT se.state, se.vaccine_id, sl.venue_id FROM series se \
         JOIN series_doses d ON d.series_id = se.id JOIN slots sl ON sl.id = d.slot_id \
         WHERE se.id = $1 AND d.dose = $2",
    )
    .bind(series.get())
    .bind(int(u32::from(dose.get())))
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound)?;
    let checked_in: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM check_ins WHERE series_id = $1 AND dose = $2)",
    )
    .bind(series.get())
    .bind(int(u32::from(dose.get())))
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    if !checked_in {
        return Err(DoseRefusal::NotCheckedIn.into());
    }
    let correcting = matches!(change.step, DoseStep::Correction { .. });
    if state != "booked" && !correcting {
        return Err(DoseRefusal::NotActive.into());
    }
    let (vaccine, venue) = (VaccineId::new(vaccine), VenueId::new(venue));
    sqlx::query(
        "INSERT INTO dose_records (series_id, dose, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (series_id, dose) DO NOTHING",
    )
    .bind(series.get())
    .bind(int(u32::from(dose.get())))
    .bind(at(now))
    .bind(by.get())
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    let before = records_of(tx, *series)
        .await?
        .into_iter()
        .find(|r| r.dose == *dose)
        .ok_or(StoreError::NotFound)?;

    match &change.step {
        DoseStep::Questionnaire(answers) => {
            sqlx::query(
                "UPDATE dose_records SET questionnaire_at = $3, updated_at = $3, updated_by = $4 \
                 WHERE series_id = $1 AND dose = $2",
            )
            .bind(series.get())
            .bind(int(u32::from(dose.get())))
            .bind(at(now))
            .bind(by.get())
            .execute(&mut **tx)
            .await
            .map_err(db)?;
            if let Some(answers) = answers {
                put_data(tx, *series, *dose, Field::Questionnaire, answers, now).await?;
            }
        }
        DoseStep::Decision {
            decision,
            reason,
            ending,
            mail,
        } => {
            if before.questionnaire_at.is_none() {
                return Err(DoseRefusal::NoQuestionnaire.into());
            }
            if before.decision.is_some() {
                return Err(DoseRefusal::AlreadyDecided.into());
            }
            set_decision(tx, change, Some(*decision)).await?;
            if let Some(reason) = reason {
                put_data(tx, *series, *dose, Field::DecisionReason, reason, now).await?;
            }
            let mut sql = SqlTx(tx);
            if let Some(ending) = ending {
                flows::end(&mut sql, *series, ending, now).await?;
            } else if let Some((kind, language)) = mail {
                let series = sql
                    .lock_series(*series)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                crate::mail::insert(sql.0, &NewMailJob::event(*kind, &series, *language, now))
                    .await?;
            }
        }
        DoseStep::Vaccination { given, day } => {
            match before.decision {
                Some((Decision::Vaccinate, _)) => {}
                Some(_) => return Err(DoseRefusal::NotToVaccinate.into()),
                None => return Err(DoseRefusal::NoQuestionnaire.into()),
            }
            if before.vaccinated.is_some() {
                return Err(DoseRefusal::AlreadyVaccinated.into());
            }
            take_dose(tx, given.lot, venue, vaccine, *day).await?;
            set_vaccinated(tx, change, Some(given)).await?;
        }
        DoseStep::Correction {
            decision,
            vaccinated,
        } => {
            if let Some(old) = &before.vaccinated {
                give_back(tx, old.lot).await?;
            }
            if let Some((given, day)) = vaccinated {
                take_dose(tx, given.lot, venue, vaccine, *day).await?;
            }
            // The vaccination is cleared first and written last: the row's
            // CHECK allows one only under a decision to vaccinate.
            set_vaccinated(tx, change, None).await?;
            if before.decision.map(|(d, _)| d) != *decision {
                set_decision(tx, change, *decision).await?;
            }
            if let Some((given, _)) = vaccinated {
                set_vaccinated(tx, change, Some(given)).await?;
            }
        }
    }
    Ok(())
}

async fn set_decision(
    conn: &mut Conn,
    change: &DoseChange,
    decision: Option<Decision>,
) -> StoreResult<()> {
    let now = change.audit.at;
    sqlx::query(
        "UPDATE dose_records SET decision = $3, decided_at = $4, updated_at = $5, \
         updated_by = $6 WHERE series_id = $1 AND dose = $2",
    )
    .bind(change.series.get())
    .bind(int(u32::from(change.dose.get())))
    .bind(decision.map(Decision::as_str))
    .bind(decision.map(|_| at(now)))
    .bind(at(now))
    .bind(change.by.get())
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

async fn set_vaccinated(
    conn: &mut Conn,
    change: &DoseChange,
    given: Option<&Vaccinated>,
) -> StoreResult<()> {
    let now = change.audit.at;
    sqlx::query(
        "UPDATE dose_records SET vaccinated_at = $3, lot_id = $4, given_by = $5, site = $6, \
         updated_at = $7, updated_by = $8 WHERE series_id = $1 AND dose = $2",
    )
    .bind(change.series.get())
    .bind(int(u32::from(change.dose.get())))
    .bind(given.map(|g| at(g.at)))
    .bind(given.map(|g| g.lot.get()))
    .bind(given.map(|g| g.given_by.as_str()))
    .bind(given.map(|g| g.site.as_str()))
    .bind(at(now))
    .bind(change.by.get())
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Takes one dose from a lot, or says why the lot gives none.
async fn take_dose(
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
async fn give_back(conn: &mut Conn, lot: LotId) -> StoreResult<()> {
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

async fn put_data(
    conn: &mut Conn,
    series: SeriesId,
    dose: DoseNumber,
    field: Field,
    sealed: &Sealed,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO dose_data (series_id, dose, field, key_id, sealed, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (series_id, dose, field) \
         DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed, \
         updated_at = excluded.updated_at",
    )
    .bind(series.get())
    .bind(int(u32::from(dose.get())))
    .bind(field.as_str())
    .bind(sealed.key_id.as_str())
    .bind(&sealed.blob)
    .bind(at(now))
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

async fn lot_by_id(conn: &mut Conn, id: LotId) -> StoreResult<Option<Lot>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{LOT_COLUMNS} WHERE id = $1")))
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    row.as_ref().map(lot_of).transpose()
}

async fn records_of(conn: &mut Conn, series: SeriesId) -> StoreResult<Vec<DoseRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{RECORD_COLUMNS} WHERE series_id = $1 ORDER BY dose"
    )))
    .bind(series.get())
    .fetch_all(conn)
    .await
    .map_err(db)?;
    rows.iter().map(record_of).collect()
}

fn lot_of(row: &dialect::Row) -> StoreResult<Lot> {
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
