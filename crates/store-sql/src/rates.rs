//! The vaccination rates: each dashboard one aggregate statement over the
//! records the lists read (dose records, doses elsewhere, check-ins,
//! vouchers, reservations), counted by the database.
//!
//! The rules, once (`docs/rates.md` explains them for people):
//! - a person is `(institution, subject)`: a roster member is `members
//!   (institution_id, login)`, a person seen by a login `persons
//!   (institution_id, subject)`, a dose elsewhere `external_doses
//!   (institution_id, subject)`;
//! - an institution's population is its roster (members not disabled)
//!   when it has one, else the people seen by a login;
//! - a dose counts once per person and dose number, whether given here
//!   (`dose_records.vaccinated_at` set) or recorded elsewhere (declared,
//!   entered or imported; confirmed or not), in any of their reservations;
//! - fully vaccinated: a second dose, or the one dose of a vaccine without a
//!   second;
//! - a no-show: a dose not checked in, of a reservation the no-show batch
//!   cancelled (its `no_show` mail, queued in the batch's transaction), in
//!   a slot that had started before that cancellation.

use crate::db;
use crate::dialect::{Backend, Day, Int, Time, at, day_of, time, tokyo_day, wide};
use chrono::{DateTime, Utc};
use sesshu_domain::{InstitutionId, LaneId, SlotId, VenueId};
use sesshu_store::{
    CampaignDay, DepartmentName, DepartmentRates, MemberRates, Population, RateStore, SlotRates,
    StoreError, StoreResult, VoucherRates, columns,
};
use sqlx::Row as _;

/// Each person's doses given here (one row per person with any): `d2` a
/// second dose, `done` fully vaccinated. `$1`: the institution, or NULL.
const HERE: &str = "here AS (\
     SELECT p.institution_id, p.subject, \
         MAX(CASE WHEN r.dose = 2 THEN 1 ELSE 0 END) AS d2, \
         MAX(CASE WHEN r.dose = 2 OR v.second_dose_after_days IS NULL THEN 1 ELSE 0 END) AS done \
     FROM dose_records r \
     JOIN series se ON se.id = r.series_id \
     JOIN persons p ON p.id = se.person_id \
     JOIN vaccines v ON v.id = se.vaccine_id \
     WHERE r.vaccinated_at IS NOT NULL \
     AND (CAST($1 AS BIGINT) IS NULL OR p.institution_id = $1) \
     GROUP BY p.institution_id, p.subject)";

/// Each person's doses recorded elsewhere (one row per person with any):
/// `d2` a second dose, `d2_confirmed` one the office confirmed.
const AWAY: &str = "away AS (\
     SELECT institution_id, subject, \
         MAX(CASE WHEN dose = 2 THEN 1 ELSE 0 END) AS d2, \
         MAX(CASE WHEN dose = 2 AND confirmed_at IS NOT NULL THEN 1 ELSE 0 END) AS d2_confirmed \
     FROM external_doses \
     WHERE CAST($1 AS BIGINT) IS NULL OR institution_id = $1 \
     GROUP BY institution_id, subject)";

fn count(row: &crate::dialect::Row, column: &str) -> StoreResult<u64> {
    let n: i64 = row.try_get(column).map_err(db)?;
    u64::try_from(n).map_err(|_| StoreError::corrupt(format!("negative {column}")))
}

fn places(n: i64, what: &str) -> StoreResult<u32> {
    u32::try_from(n).map_err(|_| StoreError::corrupt(format!("{what} out of range")))
}

#[async_trait::async_trait]
impl RateStore for Backend {
    async fn member_rates(
        &self,
        institution: Option<InstitutionId>,
    ) -> StoreResult<Vec<MemberRates>> {
        let sql = format!(
            "WITH {HERE}, {AWAY}, \
             active AS (\
                 SELECT DISTINCT p.institution_id, p.subject FROM series se \
                 JOIN persons p ON p.id = se.person_id \
                 WHERE se.state = 'booked' \
                 AND (CAST($1 AS BIGINT) IS NULL OR p.institution_id = $1)), \
             pop AS (\
                 SELECT m.institution_id, m.login AS subject, m.user_type, \
                     'roster' AS population \
                 FROM members m \
                 WHERE NOT m.disabled \
                 AND (CAST($1 AS BIGINT) IS NULL OR m.institution_id = $1) \
                 UNION ALL \
                 SELECT p.institution_id, p.subject, p.user_type, 'logins' \
                 FROM persons p \
                 WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.institution_id = p.institution_id) \
                 AND (CAST($1 AS BIGINT) IS NULL OR p.institution_id = $1)) \
             SELECT pop.institution_id, pop.user_type, pop.population, \
                 COUNT(*) AS members, \
                 SUM(CASE WHEN a.subject IS NULL THEN 0 ELSE 1 END) AS reserved, \
                 SUM(CASE WHEN h.subject IS NOT NULL OR w.subject IS NOT NULL THEN 1 ELSE 0 END) \
                     AS first_dose, \
                 SUM(CASE WHEN COALESCE(h.d2, 0) = 1 OR COALESCE(w.d2, 0) = 1 THEN 1 ELSE 0 END) \
                     AS second_dose, \
                 SUM(CASE WHEN COALESCE(h.done, 0) = 1 OR COALESCE(w.d2, 0) = 1 THEN 1 ELSE 0 END) \
                     AS completed \
             FROM pop \
             LEFT JOIN active a ON a.institution_id = pop.institution_id AND a.subject = pop.subject \
             LEFT JOIN here h ON h.institution_id = pop.institution_id AND h.subject = pop.subject \
             LEFT JOIN away w ON w.institution_id = pop.institution_id AND w.subject = pop.subject \
             GROUP BY pop.institution_id, pop.user_type, pop.population \
             ORDER BY pop.institution_id, pop.user_type IS NULL, pop.user_type"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(institution.map(InstitutionId::get))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let population: String = row.try_get("population").map_err(db)?;
                Ok(MemberRates {
                    institution: InstitutionId::new(row.try_get("institution_id").map_err(db)?),
                    user_type: columns::user_type(row.try_get("user_type").map_err(db)?)?,
                    population: match population.as_str() {
                        "roster" => Population::Roster,
                        _ => Population::Logins,
                    },
                    members: count(row, "members")?,
                    reserved: count(row, "reserved")?,
                    first_dose: count(row, "first_dose")?,
                    second_dose: count(row, "second_dose")?,
                    completed: count(row, "completed")?,
                })
            })
            .collect()
    }

    async fn department_rates(
        &self,
        institution: Option<InstitutionId>,
    ) -> StoreResult<Vec<DepartmentRates>> {
        // A member is eligible when the institution admits their user type
        // (`eligible_user_types` is a comma-separated set of codes).
        let sql = format!(
            "WITH {HERE}, {AWAY}, \
             roster AS (\
                 SELECT m.institution_id, m.login AS subject, m.department_code, \
                     CASE WHEN (',' || i.eligible_user_types || ',') LIKE ('%,' || m.user_type || ',%') \
                     THEN 1 ELSE 0 END AS eligible \
                 FROM members m JOIN institutions i ON i.id = m.institution_id \
                 WHERE NOT m.disabled \
                 AND (CAST($1 AS BIGINT) IS NULL OR m.institution_id = $1)) \
             SELECT r.institution_id, r.department_code, d.name_ja, d.name_en, \
                 COUNT(*) AS members, \
                 SUM(r.eligible) AS eligible, \
                 SUM(CASE WHEN r.eligible = 1 AND COALESCE(h.done, 0) = 1 THEN 1 ELSE 0 END) \
                     AS here, \
                 SUM(CASE WHEN r.eligible = 1 AND COALESCE(h.done, 0) = 0 \
                     AND COALESCE(w.d2, 0) = 1 THEN 1 ELSE 0 END) AS elsewhere, \
                 SUM(CASE WHEN r.eligible = 1 AND COALESCE(h.done, 0) = 0 \
                     AND COALESCE(w.d2_confirmed, 0) = 1 THEN 1 ELSE 0 END) AS elsewhere_confirmed \
             FROM roster r \
             LEFT JOIN departments d \
                 ON d.institution_id = r.institution_id AND d.code = r.department_code \
             LEFT JOIN here h ON h.institution_id = r.institution_id AND h.subject = r.subject \
             LEFT JOIN away w ON w.institution_id = r.institution_id AND w.subject = r.subject \
             GROUP BY r.institution_id, r.department_code, d.name_ja, d.name_en \
             ORDER BY r.institution_id, r.department_code IS NULL, r.department_code"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(institution.map(InstitutionId::get))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let ja: Option<String> = row.try_get("name_ja").map_err(db)?;
                let en: Option<String> = row.try_get("name_en").map_err(db)?;
                Ok(DepartmentRates {
                    institution: InstitutionId::new(row.try_get("institution_id").map_err(db)?),
                    department: columns::department(row.try_get("department_code").map_err(db)?)?,
                    name: ja.zip(en).map(|(ja, en)| DepartmentName { ja, en }),
                    members: count(row, "members")?,
                    eligible: count(row, "eligible")?,
                    here: count(row, "here")?,
                    elsewhere: count(row, "elsewhere")?,
                    elsewhere_confirmed: count(row, "elsewhere_confirmed")?,
                })
            })
            .collect()
    }

    async fn slot_rates(
        &self,
        institution: Option<InstitutionId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<SlotRates>> {
        // Per slot, what became of the doses booked in it (of the
        // institution's people when `$1` is set). Held by the institution:
        // its active reservations, and the doses given here of
        // reservations that ended later (their places stay used).
        let rows = sqlx::query(
            "SELECT s.id, s.venue_id, s.lane_id, s.dose, s.starts_at, s.closed, s.capacity, \
                 CASE WHEN CAST($1 AS BIGINT) IS NULL THEN CAST(s.booked AS BIGINT) \
                     ELSE COALESCE(x.held, 0) END AS held, \
                 CASE WHEN s.closed THEN CAST(0 AS BIGINT) \
                     ELSE CAST(s.capacity - s.booked AS BIGINT) END AS free, \
                 COALESCE(x.checked_in, 0) AS checked_in, \
                 COALESCE(x.no_shows, 0) AS no_shows, \
                 COALESCE(x.not_checked_in, 0) AS not_checked_in \
             FROM slots s \
             LEFT JOIN (\
                 SELECT d.slot_id, \
                     SUM(CASE WHEN se.state = 'booked' OR r.series_id IS NOT NULL \
                         THEN 1 ELSE 0 END) AS held, \
                     SUM(CASE WHEN c.series_id IS NOT NULL THEN 1 ELSE 0 END) AS checked_in, \
                     SUM(CASE WHEN c.series_id IS NULL AND se.state = 'cancelled' \
                         AND ds.starts_at < se.cancelled_at \
                         AND EXISTS (SELECT 1 FROM mail_jobs m \
                             WHERE m.series_id = se.id AND m.kind = 'no_show') \
                         THEN 1 ELSE 0 END) AS no_shows, \
                     SUM(CASE WHEN c.series_id IS NULL AND se.state = 'booked' \
                         AND ds.starts_at <= $2 THEN 1 ELSE 0 END) AS not_checked_in \
                 FROM series_doses d \
                 JOIN slots ds ON ds.id = d.slot_id \
                 JOIN series se ON se.id = d.series_id \
                 JOIN persons p ON p.id = se.person_id \
                 LEFT JOIN check_ins c ON c.series_id = d.series_id AND c.dose = d.dose \
                 LEFT JOIN dose_records r ON r.series_id = d.series_id AND r.dose = d.dose \
                     AND r.vaccinated_at IS NOT NULL \
                 WHERE CAST($1 AS BIGINT) IS NULL OR p.institution_id = $1 \
                 GROUP BY d.slot_id) x ON x.slot_id = s.id \
             WHERE CAST($1 AS BIGINT) IS NULL \
             OR x.slot_id IS NOT NULL \
             OR NOT EXISTS (SELECT 1 FROM slot_institutions si WHERE si.slot_id = s.id) \
             OR EXISTS (SELECT 1 FROM slot_institutions si \
                 WHERE si.slot_id = s.id AND si.institution_id = $1) \
             ORDER BY s.starts_at, s.venue_id, s.lane_id, s.id",
        )
        .bind(institution.map(InstitutionId::get))
        .bind(at(now))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                let capacity: Int = row.try_get("capacity").map_err(db)?;
                Ok(SlotRates {
                    slot: SlotId::new(row.try_get("id").map_err(db)?),
                    venue: VenueId::new(row.try_get("venue_id").map_err(db)?),
                    lane: LaneId::new(row.try_get("lane_id").map_err(db)?),
                    dose: columns::dose(wide(row.try_get::<Int, _>("dose").map_err(db)?))?,
                    starts_at: time(row.try_get::<Time, _>("starts_at").map_err(db)?)?,
                    closed: row.try_get("closed").map_err(db)?,
                    places: places(wide(capacity), "capacity")?,
                    booked: places(row.try_get("held").map_err(db)?, "booked")?,
                    free: places(row.try_get("free").map_err(db)?, "free places")?,
                    checked_in: count(row, "checked_in")?,
                    no_shows: count(row, "no_shows")?,
                    not_checked_in: count(row, "not_checked_in")?,
                })
            })
            .collect()
    }

    async fn campaign_days(
        &self,
        institution: Option<InstitutionId>,
    ) -> StoreResult<Vec<CampaignDay>> {
        let sql = format!(
            "SELECT x.day, SUM(x.bookings) AS bookings, SUM(x.vaccinations) AS vaccinations \
             FROM (\
                 SELECT {booked} AS day, 1 AS bookings, 0 AS vaccinations \
                 FROM series se JOIN persons p ON p.id = se.person_id \
                 WHERE CAST($1 AS BIGINT) IS NULL OR p.institution_id = $1 \
                 UNION ALL \
                 SELECT {given} AS day, 0 AS bookings, 1 AS vaccinations \
                 FROM dose_records r \
                 JOIN series se ON se.id = r.series_id \
                 JOIN persons p ON p.id = se.person_id \
                 WHERE r.vaccinated_at IS NOT NULL \
                 AND (CAST($1 AS BIGINT) IS NULL OR p.institution_id = $1)) x \
             GROUP BY x.day ORDER BY x.day",
            booked = tokyo_day("se.created_at"),
            given = tokyo_day("r.vaccinated_at"),
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(institution.map(InstitutionId::get))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(CampaignDay {
                    day: day_of(row.try_get::<Day, _>("day").map_err(db)?)?,
                    bookings: count(row, "bookings")?,
                    vaccinations: count(row, "vaccinations")?,
                })
            })
            .collect()
    }

    async fn voucher_rates(
        &self,
        institution: Option<InstitutionId>,
    ) -> StoreResult<Vec<VoucherRates>> {
        // The same doses as `missing_vouchers`: given here, voucher not
        // collected (given: a voucher row exists).
        let rows = sqlx::query(
            "SELECT p.institution_id, COUNT(*) AS vaccinated, \
                 SUM(CASE WHEN v.collected_at IS NOT NULL THEN 1 ELSE 0 END) AS collected, \
                 SUM(CASE WHEN v.collected_at IS NULL THEN 1 ELSE 0 END) AS missing, \
                 SUM(CASE WHEN v.collected_at IS NULL AND v.series_id IS NOT NULL \
                     THEN 1 ELSE 0 END) AS missing_given \
             FROM dose_records r \
             JOIN series se ON se.id = r.series_id \
             JOIN persons p ON p.id = se.person_id \
             LEFT JOIN vouchers v ON v.series_id = r.series_id AND v.dose = r.dose \
             WHERE r.vaccinated_at IS NOT NULL \
             AND (CAST($1 AS BIGINT) IS NULL OR p.institution_id = $1) \
             GROUP BY p.institution_id ORDER BY p.institution_id",
        )
        .bind(institution.map(InstitutionId::get))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(VoucherRates {
                    institution: InstitutionId::new(row.try_get("institution_id").map_err(db)?),
                    vaccinated: count(row, "vaccinated")?,
                    collected: count(row, "collected")?,
                    missing: count(row, "missing")?,
                    missing_number_given: count(row, "missing_given")?,
                })
            })
            .collect()
    }
}
