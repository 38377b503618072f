//! Institutions (with their departments), venues, lanes and vaccines: the
//! master data everything else refers to.

// `Int` is `i64` on SQLite: `i64::from` is then the identity.
#![allow(clippy::useless_conversion)]

use crate::dialect::{Backend, Conn, Int, Row, int_checked, wide};
use crate::{db, write_tx};
use sesshu_domain::{
    AuditEntry, Catalog, Contact, Department, DepartmentCode, Institution, InstitutionCode,
    InstitutionId, Lane, LaneId, MailSettings, Vaccine, VaccineCodes, VaccineId, Venue, VenueId,
};
use sesshu_store::{
    NewInstitution, NewLane, NewVaccine, NewVenue, ReferenceStore, StoreError, StoreResult,
    Upserted, columns,
};
use sqlx::Row as _;
use std::collections::BTreeMap;

#[async_trait::async_trait]
impl ReferenceStore for Backend {
    async fn institutions(&self) -> StoreResult<Vec<Institution>> {
        let sql = sqlx::AssertSqlSafe(format!("{INSTITUTION_COLUMNS} ORDER BY id"));
        let mut departments = departments(&self.pool, None).await?;
        sqlx::query(sql)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|row| {
                let id: i64 = row.try_get("id").map_err(db)?;
                institution(row, departments.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    async fn institution(&self, id: InstitutionId) -> StoreResult<Option<Institution>> {
        institution_where(self, By::Id(id)).await
    }

    async fn institution_by_code(
        &self,
        code: &InstitutionCode,
    ) -> StoreResult<Option<Institution>> {
        institution_where(self, By::Code(code)).await
    }

    async fn catalog(&self) -> StoreResult<Catalog> {
        let venues = sqlx::query("SELECT id, name_ja, name_en FROM venues ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(Venue {
                    id: VenueId::new(r.try_get("id").map_err(db)?),
                    name_ja: r.try_get("name_ja").map_err(db)?,
                    name_en: r.try_get("name_en").map_err(db)?,
                })
            })
            .collect::<StoreResult<_>>()?;
        let lanes = sqlx::query("SELECT id, venue_id, name_ja, name_en FROM lanes ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(Lane {
                    id: LaneId::new(r.try_get("id").map_err(db)?),
                    venue: VenueId::new(r.try_get("venue_id").map_err(db)?),
                    name_ja: r.try_get("name_ja").map_err(db)?,
                    name_en: r.try_get("name_en").map_err(db)?,
                })
            })
            .collect::<StoreResult<_>>()?;
        let vaccines = sqlx::query(
            "SELECT id, name_ja, name_en, second_dose_after_days, cvx_code, maker FROM vaccines \
             ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(Vaccine {
                id: VaccineId::new(r.try_get("id").map_err(db)?),
                name_ja: r.try_get("name_ja").map_err(db)?,
                name_en: r.try_get("name_en").map_err(db)?,
                second_dose_after: columns::interval(
                    r.try_get::<Option<Int>, _>("second_dose_after_days")
                        .map_err(db)?
                        .map(i64::from),
                )?,
                codes: VaccineCodes {
                    cvx: r.try_get("cvx_code").map_err(db)?,
                    maker: r.try_get("maker").map_err(db)?,
                },
            })
        })
        .collect::<StoreResult<_>>()?;
        Ok(Catalog {
            venues,
            lanes,
            vaccines,
        })
    }

    async fn upsert_institutions(&self, all: &[NewInstitution]) -> StoreResult<Vec<Upserted>> {
        write_tx!(self, |tx| upsert_institutions(tx, all))
    }

    async fn save_institutions(
        &self,
        all: &[NewInstitution],
        audit: &AuditEntry,
    ) -> StoreResult<Vec<Upserted>> {
        write_tx!(self, |tx| async {
            let done = upsert_institutions(tx, all).await?;
            crate::audit::append(tx, audit).await?;
            Ok(done)
        })
    }

    async fn insert_venue(&self, new: &NewVenue) -> StoreResult<VenueId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO venues (name_ja, name_en) VALUES ($1, $2) RETURNING id",
        )
        .bind(&new.name_ja)
        .bind(&new.name_en)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(VenueId::new(id))
    }

    async fn insert_lane(&self, new: &NewLane) -> StoreResult<LaneId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO lanes (venue_id, name_ja, name_en) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(new.venue.get())
        .bind(&new.name_ja)
        .bind(&new.name_en)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(LaneId::new(id))
    }

    async fn insert_vaccine(&self, new: &NewVaccine) -> StoreResult<VaccineId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO vaccines (name_ja, name_en, second_dose_after_days, cvx_code, maker) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&new.name_ja)
        .bind(&new.name_en)
        .bind(
            new.second_dose_after
                .map(|i| int_checked(i.days))
                .transpose()?,
        )
        .bind(&new.codes.cvx)
        .bind(&new.codes.maker)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(VaccineId::new(id))
    }
}

enum By<'a> {
    Id(InstitutionId),
    Code(&'a InstitutionCode),
}

const INSTITUTION_COLUMNS: &str = "SELECT id, code, name_ja, name_en, contact_office_ja, \
     contact_office_en, contact_mail, contact_phone, contact_url, eligible_user_types, \
     deadline_days_before, deadline_minutes, login, attributes, consent_version, \
     consent_text_ja, consent_text_en, mail_from, notice_ja, notice_en FROM institutions";

fn institution(row: &Row, departments: Vec<Department>) -> StoreResult<Institution> {
    Ok(Institution {
        id: InstitutionId::new(row.try_get("id").map_err(db)?),
        code: InstitutionCode::parse(row.try_get("code").map_err(db)?)?,
        name_ja: row.try_get("name_ja").map_err(db)?,
        name_en: row.try_get("name_en").map_err(db)?,
        contact: Contact {
            office_ja: row.try_get("contact_office_ja").map_err(db)?,
            office_en: row.try_get("contact_office_en").map_err(db)?,
            mail: row.try_get("contact_mail").map_err(db)?,
            phone: row.try_get("contact_phone").map_err(db)?,
            url: row.try_get("contact_url").map_err(db)?,
        },
        mail: MailSettings {
            from: columns::mail(row.try_get("mail_from").map_err(db)?)?,
            notice_ja: row.try_get("notice_ja").map_err(db)?,
            notice_en: row.try_get("notice_en").map_err(db)?,
        },
        eligible_user_types: columns::user_types(row.try_get("eligible_user_types").map_err(db)?)?,
        deadline: columns::deadline(
            wide(row.try_get::<Int, _>("deadline_days_before").map_err(db)?),
            wide(row.try_get::<Int, _>("deadline_minutes").map_err(db)?),
        )?,
        login: columns::login(row.try_get("login").map_err(db)?)?,
        attributes: columns::attributes(row.try_get("attributes").map_err(db)?)?,
        consent: columns::consent(
            row.try_get("consent_version").map_err(db)?,
            row.try_get("consent_text_ja").map_err(db)?,
            row.try_get("consent_text_en").map_err(db)?,
        ),
        departments,
    })
}

/// The departments of every institution (or one), by institution.
async fn departments(
    pool: &sqlx::Pool<crate::dialect::Db>,
    only: Option<InstitutionId>,
) -> StoreResult<BTreeMap<i64, Vec<Department>>> {
    let rows = sqlx::query(
        "SELECT institution_id, code, name_ja, name_en FROM departments \
         WHERE CAST($1 AS BIGINT) IS NULL OR institution_id = $1 ORDER BY institution_id, code",
    )
    .bind(only.map(|i| i.get()))
    .fetch_all(pool)
    .await
    .map_err(db)?;
    let mut out: BTreeMap<i64, Vec<Department>> = BTreeMap::new();
    for r in rows {
        out.entry(r.try_get("institution_id").map_err(db)?)
            .or_default()
            .push(Department {
                code: DepartmentCode::parse(r.try_get("code").map_err(db)?)?,
                name_ja: r.try_get("name_ja").map_err(db)?,
                name_en: r.try_get("name_en").map_err(db)?,
            });
    }
    Ok(out)
}

async fn institution_where(store: &Backend, by: By<'_>) -> StoreResult<Option<Institution>> {
    let pool = &store.pool;
    let row = match by {
        By::Id(id) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{INSTITUTION_COLUMNS} WHERE id = $1"
            )))
            .bind(id.get())
            .fetch_optional(pool)
            .await
        }
        By::Code(code) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{INSTITUTION_COLUMNS} WHERE code = $1"
            )))
            .bind(code.as_str())
            .fetch_optional(pool)
            .await
        }
    }
    .map_err(db)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id = InstitutionId::new(row.try_get("id").map_err(db)?);
    let departments = departments(pool, Some(id))
        .await?
        .remove(&id.get())
        .unwrap_or_default();
    institution(&row, departments).map(Some)
}

async fn upsert_institutions(
    conn: &mut Conn,
    all: &[NewInstitution],
) -> StoreResult<Vec<Upserted>> {
    let mut done = Vec::with_capacity(all.len());
    for new in all {
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM institutions WHERE code = $1")
                .bind(new.code.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?;
        let consent = new.consent.as_ref();
        // Minutes from midnight: below 1440, always a `u32`.
        let minutes =
            u32::try_from(columns::deadline_minutes(&new.deadline)).map_err(StoreError::corrupt)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO institutions (code, name_ja, name_en, contact_office_ja, contact_office_en, \
             contact_mail, contact_phone, contact_url, eligible_user_types, deadline_days_before, \
             deadline_minutes, login, attributes, consent_version, consent_text_ja, consent_text_en, \
             mail_from, notice_ja, notice_en) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19) \
             ON CONFLICT (code) DO UPDATE SET name_ja = excluded.name_ja, \
             name_en = excluded.name_en, contact_office_ja = excluded.contact_office_ja, \
             contact_office_en = excluded.contact_office_en, contact_mail = excluded.contact_mail, \
             contact_phone = excluded.contact_phone, contact_url = excluded.contact_url, \
             eligible_user_types = excluded.eligible_user_types, \
             deadline_days_before = excluded.deadline_days_before, \
             deadline_minutes = excluded.deadline_minutes, login = excluded.login, \
             attributes = excluded.attributes, consent_version = excluded.consent_version, \
             consent_text_ja = excluded.consent_text_ja, consent_text_en = excluded.consent_text_en, \
             mail_from = excluded.mail_from, notice_ja = excluded.notice_ja, \
             notice_en = excluded.notice_en \
             RETURNING id",
        )
        .bind(new.code.as_str())
        .bind(&new.name_ja)
        .bind(&new.name_en)
        .bind(&new.contact.office_ja)
        .bind(&new.contact.office_en)
        .bind(&new.contact.mail)
        .bind(&new.contact.phone)
        .bind(&new.contact.url)
        .bind(columns::user_types_text(&new.eligible_user_types))
        .bind(int_checked(new.deadline.days_before)?)
        .bind(int_checked(minutes)?)
        .bind(columns::json(&new.login)?)
        .bind(columns::json(&new.attributes)?)
        .bind(consent.map(|c| c.version.as_str()))
        .bind(consent.map(|c| c.text_ja.as_str()))
        .bind(consent.map(|c| c.text_en.as_str()))
        .bind(new.mail.from.as_ref().map(|m| m.as_str()))
        .bind(&new.mail.notice_ja)
        .bind(&new.mail.notice_en)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        sqlx::query("DELETE FROM departments WHERE institution_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        for d in &new.departments {
            sqlx::query(
                "INSERT INTO departments (institution_id, code, name_ja, name_en) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(d.code.as_str())
            .bind(&d.name_ja)
            .bind(&d.name_en)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        }
        done.push(Upserted {
            id: InstitutionId::new(id),
            code: new.code.clone(),
            created: existing.is_none(),
        });
    }
    Ok(done)
}
