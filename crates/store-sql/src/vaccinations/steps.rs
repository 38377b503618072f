//! A dose step checked against the record under the series' lock, and its writes.

use super::lots::{give_back, take_dose};
use super::records::records_of;
use crate::bookings::SqlTx;
use crate::db;
use crate::dialect::{self, Conn, at, int};
use chrono::{DateTime, Utc};
use sesshu_domain::{Decision, DoseNumber, DoseRefusal, SeriesId, Vaccinated, VaccineId, VenueId};
use sesshu_store::flows::{self, WriteTx as _};
use sesshu_store::{DoseChange, DoseStep, Field, NewMailJob, Sealed, StoreError, StoreResult};

/// The step of `change`, checked against the record as it is under the
/// series' lock.
pub(super) async fn record(tx: &mut dialect::Tx, change: &DoseChange) -> StoreResult<()> {
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
