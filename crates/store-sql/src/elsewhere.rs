//! Doses received elsewhere (`external_doses`) and the doses a person holds
//! here that they are weighed against.
//!
//! The public process's role (PostgreSQL) may insert, delete and update
//! `given_on, product, place, recorded_at` only: a person's declaration is
//! replaced by an `UPDATE` of those columns, limited to their own entry not
//! yet confirmed, and never by an upsert that would touch the others.

// `Int` is `i64` on SQLite: `i64::from` is then the identity.
#![allow(clippy::useless_conversion)]

use crate::dialect::{Backend, Conn, Day, Int, Time, at, day, day_of, int, time};
use crate::{audit, db, write_tx};
use chrono::{DateTime, Utc};
use sesshu_domain::elsewhere::{Declaration, ImportLine, Source};
use sesshu_domain::{
    AdminId, AuditEntry, DoseNumber, ElsewhereDose, InstitutionId, PersonId, ReservationNumber,
    SeriesId, Subject, VaccineId, VenueId,
};
use sesshu_store::{
    Declared, ElsewhereStore, GivenHere, StoreError, StoreResult, Waiting, columns,
};
use sqlx::Row as _;

/// The columns [`dose_of`] reads, prefixed by the table's alias `e`.
const DOSE_COLUMNS: &str = "e.dose, e.given_on, e.product, e.place, e.source, e.recorded_at, \
                            e.confirmed_at, e.confirmed_by";

fn dose_of(row: &crate::dialect::Row) -> StoreResult<ElsewhereDose> {
    let confirmed = match (
        row.try_get::<Option<Time>, _>("confirmed_at").map_err(db)?,
        row.try_get::<Option<i64>, _>("confirmed_by").map_err(db)?,
    ) {
        (Some(at), Some(by)) => Some((time(at)?, AdminId::new(by))),
        (None, None) => None,
        _ => return Err(StoreError::corrupt("half a confirmation")),
    };
    Ok(ElsewhereDose {
        dose: columns::dose(i64::from(row.try_get::<Int, _>("dose").map_err(db)?))?,
        given_on: day_of(row.try_get::<Day, _>("given_on").map_err(db)?)?,
        product: row.try_get("product").map_err(db)?,
        place: row.try_get("place").map_err(db)?,
        source: Source::parse(&row.try_get::<String, _>("source").map_err(db)?)?,
        recorded_at: time(row.try_get::<Time, _>("recorded_at").map_err(db)?)?,
        confirmed,
    })
}

fn dose_int(dose: DoseNumber) -> Int {
    int(u32::from(dose.get()))
}

/// Inserts or replaces the entry of `declaration` as the office's
/// (`source`: office or import), confirmed by `by` at `now`.
async fn upsert_for_office(
    conn: &mut Conn,
    institution: InstitutionId,
    member: &Subject,
    declaration: &Declaration,
    source: Source,
    by: AdminId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO external_doses (institution_id, subject, dose, given_on, product, place, \
         source, recorded_at, confirmed_at, confirmed_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) \
         ON CONFLICT (institution_id, subject, dose) DO UPDATE SET \
         given_on = excluded.given_on, product = excluded.product, place = excluded.place, \
         source = excluded.source, recorded_at = excluded.recorded_at, \
         confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by",
    )
    .bind(institution.get())
    .bind(member.as_str())
    .bind(dose_int(declaration.dose))
    .bind(day(declaration.given_on))
    .bind(&declaration.product)
    .bind(&declaration.place)
    .bind(source.as_str())
    .bind(at(now))
    .bind(by.get())
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// The doses held here: booked in an active series, or given in any, as
/// `(person id, dose)` rows; `filter` is a condition on `p` (persons).
fn held_here_sql(filter: &str) -> String {
    format!(
        "SELECT p.subject, d.dose FROM series_doses d \
         JOIN series s ON s.id = d.series_id JOIN persons p ON p.id = s.person_id \
         WHERE s.state = 'booked' AND {filter} \
         UNION \
         SELECT p.subject, r.dose FROM dose_records r \
         JOIN series s ON s.id = r.series_id JOIN persons p ON p.id = s.person_id \
         WHERE r.vaccinated_at IS NOT NULL AND {filter} \
         ORDER BY 1, 2"
    )
}

#[async_trait::async_trait]
impl ElsewhereStore for Backend {
    async fn elsewhere_doses(
        &self,
        institution: InstitutionId,
        member: &Subject,
    ) -> StoreResult<Vec<ElsewhereDose>> {
        let sql = format!(
            "SELECT {DOSE_COLUMNS} FROM external_doses e \
             WHERE e.institution_id = $1 AND e.subject = $2 ORDER BY e.dose"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(institution.get())
            .bind(member.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(dose_of)
            .collect()
    }

    async fn elsewhere_doses_of(&self, person: PersonId) -> StoreResult<Vec<ElsewhereDose>> {
        let sql = format!(
            "SELECT {DOSE_COLUMNS} FROM external_doses e \
             JOIN persons p ON p.institution_id = e.institution_id AND p.subject = e.subject \
             WHERE p.id = $1 ORDER BY e.dose"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(person.get())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(dose_of)
            .collect()
    }

    async fn declare_elsewhere(
        &self,
        institution: InstitutionId,
        member: &Subject,
        declaration: &Declaration,
        now: DateTime<Utc>,
    ) -> StoreResult<Declared> {
        write_tx!(self, |tx| async {
            // Twice at most: an insert that meets a declaration made in
            // between (the same form sent twice) replaces it the second time.
            for _ in 0..2 {
                let replaced = sqlx::query(
                    "UPDATE external_doses SET given_on = $4, product = $5, place = $6, \
                     recorded_at = $7 WHERE institution_id = $1 AND subject = $2 AND dose = $3 \
                     AND source = 'declared' AND confirmed_at IS NULL",
                )
                .bind(institution.get())
                .bind(member.as_str())
                .bind(dose_int(declaration.dose))
                .bind(day(declaration.given_on))
                .bind(&declaration.product)
                .bind(&declaration.place)
                .bind(at(now))
                .execute(&mut **tx)
                .await
                .map_err(db)?
                .rows_affected();
                if replaced > 0 {
                    return Ok(Declared::Recorded);
                }
                let office: Option<String> = sqlx::query_scalar(
                    "SELECT source FROM external_doses \
                     WHERE institution_id = $1 AND subject = $2 AND dose = $3",
                )
                .bind(institution.get())
                .bind(member.as_str())
                .bind(dose_int(declaration.dose))
                .fetch_optional(&mut **tx)
                .await
                .map_err(db)?;
                if office.is_some() {
                    return Ok(Declared::OfficeEntry);
                }
                let inserted = sqlx::query(
                    "INSERT INTO external_doses (institution_id, subject, dose, given_on, \
                     product, place, source, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'declared', $7) \
                     ON CONFLICT (institution_id, subject, dose) DO NOTHING",
                )
                .bind(institution.get())
                .bind(member.as_str())
                .bind(dose_int(declaration.dose))
                .bind(day(declaration.given_on))
                .bind(&declaration.product)
                .bind(&declaration.place)
                .bind(at(now))
                .execute(&mut **tx)
                .await
                .map_err(db)?
                .rows_affected();
                if inserted > 0 {
                    return Ok(Declared::Recorded);
                }
            }
            Err(StoreError::Contention)
        })
    }

    async fn withdraw_elsewhere(
        &self,
        institution: InstitutionId,
        member: &Subject,
        dose: DoseNumber,
    ) -> StoreResult<bool> {
        write_tx!(self, |tx| async {
            let deleted = sqlx::query(
                "DELETE FROM external_doses WHERE institution_id = $1 AND subject = $2 \
                 AND dose = $3 AND source = 'declared' AND confirmed_at IS NULL",
            )
            .bind(institution.get())
            .bind(member.as_str())
            .bind(dose_int(dose))
            .execute(&mut **tx)
            .await
            .map_err(db)?
            .rows_affected();
            Ok(deleted > 0)
        })
    }

    async fn record_elsewhere(
        &self,
        institution: InstitutionId,
        member: &Subject,
        declaration: &Declaration,
        by: AdminId,
        entry: &AuditEntry,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| async {
            upsert_for_office(
                tx,
                institution,
                member,
                declaration,
                Source::Office,
                by,
                entry.at,
            )
            .await?;
            audit::append(tx, entry).await?;
            Ok(())
        })
    }

    async fn confirm_elsewhere(
        &self,
        institution: InstitutionId,
        member: &Subject,
        dose: DoseNumber,
        by: AdminId,
        entry: &AuditEntry,
    ) -> StoreResult<bool> {
        write_tx!(self, |tx| async {
            let confirmed = sqlx::query(
                "UPDATE external_doses SET confirmed_at = $4, confirmed_by = $5 \
                 WHERE institution_id = $1 AND subject = $2 AND dose = $3 \
                 AND confirmed_at IS NULL",
            )
            .bind(institution.get())
            .bind(member.as_str())
            .bind(dose_int(dose))
            .bind(at(entry.at))
            .bind(by.get())
            .execute(&mut **tx)
            .await
            .map_err(db)?
            .rows_affected();
            if confirmed == 0 {
                return Ok(false);
            }
            audit::append(tx, entry).await?;
            Ok(true)
        })
    }

    async fn remove_elsewhere(
        &self,
        institution: InstitutionId,
        member: &Subject,
        dose: DoseNumber,
        entry: &AuditEntry,
    ) -> StoreResult<bool> {
        write_tx!(self, |tx| async {
            let removed = sqlx::query(
                "DELETE FROM external_doses WHERE institution_id = $1 AND subject = $2 \
                 AND dose = $3",
            )
            .bind(institution.get())
            .bind(member.as_str())
            .bind(dose_int(dose))
            .execute(&mut **tx)
            .await
            .map_err(db)?
            .rows_affected();
            if removed == 0 {
                return Ok(false);
            }
            audit::append(tx, entry).await?;
            Ok(true)
        })
    }

    async fn elsewhere_waiting(
        &self,
        institution: Option<InstitutionId>,
    ) -> StoreResult<Vec<Waiting>> {
        let sql = format!(
            "SELECT e.institution_id, e.subject, p.id AS person_id, \
             (SELECT s.number FROM series s WHERE s.person_id = p.id AND s.state = 'booked') \
             AS number, {DOSE_COLUMNS} \
             FROM external_doses e \
             LEFT JOIN persons p ON p.institution_id = e.institution_id AND p.subject = e.subject \
             WHERE e.confirmed_at IS NULL \
             AND (CAST($1 AS BIGINT) IS NULL OR e.institution_id = $1) \
             ORDER BY e.recorded_at, e.institution_id, e.subject, e.dose"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(institution.map(InstitutionId::get))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|row| {
                Ok(Waiting {
                    institution: InstitutionId::new(row.try_get("institution_id").map_err(db)?),
                    member: Subject::parse(&row.try_get::<String, _>("subject").map_err(db)?)?,
                    person: row
                        .try_get::<Option<i64>, _>("person_id")
                        .map_err(db)?
                        .map(PersonId::new),
                    reservation: row
                        .try_get::<Option<String>, _>("number")
                        .map_err(db)?
                        .map(|n| ReservationNumber::parse(&n))
                        .transpose()?,
                    dose: dose_of(row)?,
                })
            })
            .collect()
    }

    async fn elsewhere_of_institution(
        &self,
        institution: InstitutionId,
    ) -> StoreResult<Vec<(Subject, ElsewhereDose)>> {
        let sql = format!(
            "SELECT e.subject, {DOSE_COLUMNS} FROM external_doses e \
             WHERE e.institution_id = $1 ORDER BY e.subject, e.dose"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(institution.get())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|row| {
                Ok((
                    Subject::parse(&row.try_get::<String, _>("subject").map_err(db)?)?,
                    dose_of(row)?,
                ))
            })
            .collect()
    }

    async fn import_elsewhere(
        &self,
        lines: &[ImportLine],
        by: AdminId,
        entry: &AuditEntry,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| async {
            for line in lines {
                upsert_for_office(
                    tx,
                    line.institution,
                    &line.member,
                    &line.declaration,
                    Source::Import,
                    by,
                    entry.at,
                )
                .await?;
            }
            audit::append(tx, entry).await?;
            Ok(())
        })
    }

    async fn doses_held_here(&self, person: PersonId) -> StoreResult<Vec<DoseNumber>> {
        let rows: Vec<(String, Int)> =
            sqlx::query_as(sqlx::AssertSqlSafe(held_here_sql("p.id = $1")))
                .bind(person.get())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        rows.into_iter()
            .map(|(_, dose)| columns::dose(i64::from(dose)))
            .collect()
    }

    async fn doses_held_here_in(
        &self,
        institution: InstitutionId,
    ) -> StoreResult<Vec<(Subject, DoseNumber)>> {
        let rows: Vec<(String, Int)> =
            sqlx::query_as(sqlx::AssertSqlSafe(held_here_sql("p.institution_id = $1")))
                .bind(institution.get())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        rows.into_iter()
            .map(|(subject, dose)| Ok((Subject::parse(&subject)?, columns::dose(i64::from(dose))?)))
            .collect()
    }

    async fn given_here(&self, person: PersonId) -> StoreResult<Vec<GivenHere>> {
        // Only the columns of `dose_records` the public process's role may
        // read (PostgreSQL: series_id, dose, vaccinated_at).
        let rows: Vec<(i64, String, Int, Time, i64, i64)> = sqlx::query_as(
            "SELECT r.series_id, s.number, r.dose, r.vaccinated_at, s.vaccine_id, sl.venue_id \
             FROM dose_records r \
             JOIN series s ON s.id = r.series_id \
             JOIN series_doses d ON d.series_id = r.series_id AND d.dose = r.dose \
             JOIN slots sl ON sl.id = d.slot_id \
             WHERE s.person_id = $1 AND r.vaccinated_at IS NOT NULL \
             ORDER BY r.vaccinated_at, r.dose",
        )
        .bind(person.get())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|(series, number, dose, at, vaccine, venue)| {
                Ok(GivenHere {
                    series: SeriesId::new(series),
                    number: ReservationNumber::parse(&number)?,
                    dose: columns::dose(i64::from(dose))?,
                    at: time(at)?,
                    vaccine: VaccineId::new(vaccine),
                    venue: VenueId::new(venue),
                })
            })
            .collect()
    }
}
