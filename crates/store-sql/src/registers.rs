//! The registers' reading of the dose records (VRS, FHIR), and the marks of
//! what was handed to VRS.

// `Int` is `i64` on SQLite: `i64::from` is then the identity.
#![allow(clippy::useless_conversion)]

use crate::dialect::{Backend, Day, Time, at, day_of, int, time};
use crate::vaccinations::record_of;
use crate::{audit, db, write_tx};
use chrono::{DateTime, Utc};
use sesshu_domain::{
    AuditEntry, DoseNumber, InstitutionId, LotNumber, PersonId, ReservationNumber, SeriesId,
    VaccineId, VenueId,
};
use sesshu_store::{RegisterStore, RegisteredDose, StoreError, StoreResult};
use sqlx::Row as _;

#[async_trait::async_trait]
impl RegisterStore for Backend {
    async fn registered_doses(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        institution: Option<InstitutionId>,
    ) -> StoreResult<Vec<RegisteredDose>> {
        let rows = sqlx::query(
            "SELECT r.series_id, r.dose, r.questionnaire_at, r.decision, r.decided_at, \
                 r.vaccinated_at, r.lot_id, r.given_by, r.site, \
                 se.number, se.person_id, se.vaccine_id, p.institution_id, sl.venue_id, \
                 l.number AS lot_number, l.expires_on, \
                 v.collected_at IS NOT NULL AS voucher_collected, \
                 x.first_exported_at, x.exports \
             FROM dose_records r \
             JOIN series se ON se.id = r.series_id \
             JOIN persons p ON p.id = se.person_id \
             JOIN series_doses d ON d.series_id = r.series_id AND d.dose = r.dose \
             JOIN slots sl ON sl.id = d.slot_id \
             LEFT JOIN lots l ON l.id = r.lot_id \
             LEFT JOIN vouchers v ON v.series_id = r.series_id AND v.dose = r.dose \
             LEFT JOIN vrs_exports x ON x.series_id = r.series_id AND x.dose = r.dose \
             WHERE r.decided_at IS NOT NULL \
             AND COALESCE(r.vaccinated_at, r.decided_at) >= $1 \
             AND COALESCE(r.vaccinated_at, r.decided_at) < $2 \
             AND (CAST($3 AS BIGINT) IS NULL OR p.institution_id = $3) \
             ORDER BY COALESCE(r.vaccinated_at, r.decided_at), r.series_id, r.dose",
        )
        .bind(at(from))
        .bind(at(to))
        .bind(institution.map(InstitutionId::get))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                let record = record_of(row)?;
                let (decision, decided_at) = record
                    .decision
                    .ok_or_else(|| StoreError::corrupt("dose without a decision"))?;
                let given = match record.vaccinated {
                    Some(given) => Some((
                        given,
                        LotNumber::parse(&row.try_get::<String, _>("lot_number").map_err(db)?)?,
                        day_of(row.try_get::<Day, _>("expires_on").map_err(db)?)?,
                    )),
                    None => None,
                };
                let exported = match (
                    row.try_get::<Option<Time>, _>("first_exported_at")
                        .map_err(db)?,
                    row.try_get::<Option<i32>, _>("exports").map_err(db)?,
                ) {
                    (Some(first), Some(times)) => Some((
                        time(first)?,
                        u32::try_from(times).map_err(|_| StoreError::corrupt("export count"))?,
                    )),
                    _ => None,
                };
                Ok(RegisteredDose {
                    series: record.series,
                    number: ReservationNumber::parse(
                        &row.try_get::<String, _>("number").map_err(db)?,
                    )?,
                    person: PersonId::new(row.try_get("person_id").map_err(db)?),
                    institution: InstitutionId::new(row.try_get("institution_id").map_err(db)?),
                    dose: record.dose,
                    venue: VenueId::new(row.try_get("venue_id").map_err(db)?),
                    vaccine: VaccineId::new(row.try_get("vaccine_id").map_err(db)?),
                    decision,
                    decided_at,
                    given,
                    voucher_collected: row.try_get("voucher_collected").map_err(db)?,
                    vrs_exported: exported,
                })
            })
            .collect()
    }

    async fn mark_vrs_exported(
        &self,
        doses: &[(SeriesId, DoseNumber)],
        when: DateTime<Utc>,
        entry: &AuditEntry,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| async {
            for (series, dose) in doses {
                sqlx::query(
                    "INSERT INTO vrs_exports (series_id, dose, first_exported_at, \
                     last_exported_at) VALUES ($1, $2, $3, $3) \
                     ON CONFLICT (series_id, dose) DO UPDATE \
                     SET last_exported_at = excluded.last_exported_at, \
                     exports = vrs_exports.exports + 1",
                )
                .bind(series.get())
                .bind(int(u32::from(dose.get())))
                .bind(at(when))
                .execute(&mut **tx)
                .await
                .map_err(db)?;
            }
            audit::append(tx, entry).await?;
            Ok(())
        })
    }
}
