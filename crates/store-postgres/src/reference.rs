//! Institutions, venues, lanes, vaccines, the member directory and persons.

use crate::{db, personal};
use chrono::{DateTime, Utc};
use sesshu_domain::{
    Catalog, Contact, Department, DepartmentCode, Institution, InstitutionCode, InstitutionId,
    Lane, LaneId, MailSettings, Person, PersonId, Subject, UserType, Vaccine, VaccineId, Venue,
    VenueId,
};
use sesshu_store::{
    EPPN_REUSE_AFTER_DAYS, Member, NewInstitution, NewLane, NewMember, NewVaccine, NewVenue,
    PersonLogin, StoreError, StoreResult, Upserted, columns,
};
use sesshu_store::{Field, Owner};
use sqlx::postgres::{PgPool, PgRow};
use sqlx::{Postgres, Row, Transaction};
use std::collections::BTreeMap;

pub(crate) enum By<'a> {
    Id(InstitutionId),
    Code(&'a InstitutionCode),
}

const INSTITUTION_COLUMNS: &str = "SELECT id, code, name_ja, name_en, contact_office_ja, \
     contact_office_en, contact_mail, contact_phone, contact_url, eligible_user_types, \
     deadline_days_before, deadline_minutes, login, attributes, consent_version, \
     consent_text_ja, consent_text_en, mail_from, notice_ja, notice_en FROM institutions";

fn institution(row: &PgRow, departments: Vec<Department>) -> StoreResult<Institution> {
    Ok(Institution {
        id: InstitutionId(row.try_get("id").map_err(db)?),
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
            i64::from(row.try_get::<i32, _>("deadline_days_before").map_err(db)?),
            i64::from(row.try_get::<i32, _>("deadline_minutes").map_err(db)?),
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
    pool: &PgPool,
    only: Option<InstitutionId>,
) -> StoreResult<BTreeMap<i64, Vec<Department>>> {
    let rows = sqlx::query(
        "SELECT institution_id, code, name_ja, name_en FROM departments \
         WHERE $1::BIGINT IS NULL OR institution_id = $1 ORDER BY institution_id, code",
    )
    .bind(only.map(|i| i.0))
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

pub(crate) async fn institutions(pool: &PgPool) -> StoreResult<Vec<Institution>> {
    let sql = sqlx::AssertSqlSafe(format!("{INSTITUTION_COLUMNS} ORDER BY id"));
    let mut departments = departments(pool, None).await?;
    sqlx::query(sql)
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            let id: i64 = row.try_get("id").map_err(db)?;
            institution(row, departments.remove(&id).unwrap_or_default())
        })
        .collect()
}

pub(crate) async fn institution_where(
    pool: &PgPool,
    by: By<'_>,
) -> StoreResult<Option<Institution>> {
    let row = match by {
        By::Id(id) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{INSTITUTION_COLUMNS} WHERE id = $1"
            )))
            .bind(id.0)
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
    let id = InstitutionId(row.try_get("id").map_err(db)?);
    let departments = departments(pool, Some(id))
        .await?
        .remove(&id.0)
        .unwrap_or_default();
    institution(&row, departments).map(Some)
}

pub(crate) async fn catalog(pool: &PgPool) -> StoreResult<Catalog> {
    let venues = sqlx::query("SELECT id, name_ja, name_en FROM venues ORDER BY id")
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(Venue {
                id: VenueId(r.try_get("id").map_err(db)?),
                name_ja: r.try_get("name_ja").map_err(db)?,
                name_en: r.try_get("name_en").map_err(db)?,
            })
        })
        .collect::<StoreResult<_>>()?;
    let lanes = sqlx::query("SELECT id, venue_id, name_ja, name_en FROM lanes ORDER BY id")
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(Lane {
                id: LaneId(r.try_get("id").map_err(db)?),
                venue: VenueId(r.try_get("venue_id").map_err(db)?),
                name_ja: r.try_get("name_ja").map_err(db)?,
                name_en: r.try_get("name_en").map_err(db)?,
            })
        })
        .collect::<StoreResult<_>>()?;
    let vaccines = sqlx::query(
        "SELECT id, name_ja, name_en, second_dose_after_days FROM vaccines ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(|r| {
        Ok(Vaccine {
            id: VaccineId(r.try_get("id").map_err(db)?),
            name_ja: r.try_get("name_ja").map_err(db)?,
            name_en: r.try_get("name_en").map_err(db)?,
            second_dose_after: columns::interval(
                r.try_get::<Option<i32>, _>("second_dose_after_days")
                    .map_err(db)?
                    .map(i64::from),
            )?,
        })
    })
    .collect::<StoreResult<_>>()?;
    Ok(Catalog {
        venues,
        lanes,
        vaccines,
    })
}

pub(crate) async fn upsert_institutions(
    tx: &mut Transaction<'static, Postgres>,
    all: &[NewInstitution],
) -> StoreResult<Vec<Upserted>> {
    let mut done = Vec::with_capacity(all.len());
    for new in all {
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM institutions WHERE code = $1")
                .bind(new.code.as_str())
                .fetch_optional(&mut **tx)
                .await
                .map_err(db)?;
        let consent = new.consent.as_ref();
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
        .bind(i32::try_from(new.deadline.days_before).map_err(StoreError::corrupt)?)
        .bind(i32::try_from(columns::deadline_minutes(&new.deadline)).map_err(StoreError::corrupt)?)
        .bind(columns::json(&new.login)?)
        .bind(columns::json(&new.attributes)?)
        .bind(consent.map(|c| c.version.as_str()))
        .bind(consent.map(|c| c.text_ja.as_str()))
        .bind(consent.map(|c| c.text_en.as_str()))
        .bind(new.mail.from.as_ref().map(|m| m.as_str()))
        .bind(&new.mail.notice_ja)
        .bind(&new.mail.notice_en)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        sqlx::query("DELETE FROM departments WHERE institution_id = $1")
            .bind(id)
            .execute(&mut **tx)
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
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        }
        done.push(Upserted {
            id: InstitutionId(id),
            code: new.code.clone(),
            created: existing.is_none(),
        });
    }
    Ok(done)
}

pub(crate) async fn insert_venue(pool: &PgPool, new: &NewVenue) -> StoreResult<VenueId> {
    let id: i64 =
        sqlx::query_scalar("INSERT INTO venues (name_ja, name_en) VALUES ($1, $2) RETURNING id")
            .bind(&new.name_ja)
            .bind(&new.name_en)
            .fetch_one(pool)
            .await
            .map_err(db)?;
    Ok(VenueId(id))
}

pub(crate) async fn insert_lane(pool: &PgPool, new: &NewLane) -> StoreResult<LaneId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO lanes (venue_id, name_ja, name_en) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(new.venue.0)
    .bind(&new.name_ja)
    .bind(&new.name_en)
    .fetch_one(pool)
    .await
    .map_err(db)?;
    Ok(LaneId(id))
}

pub(crate) async fn insert_vaccine(pool: &PgPool, new: &NewVaccine) -> StoreResult<VaccineId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO vaccines (name_ja, name_en, second_dose_after_days) VALUES ($1, $2, $3) \
         RETURNING id",
    )
    .bind(&new.name_ja)
    .bind(&new.name_en)
    .bind(
        new.second_dose_after
            .map(|i| i32::try_from(i.days))
            .transpose()
            .map_err(StoreError::corrupt)?,
    )
    .fetch_one(pool)
    .await
    .map_err(db)?;
    Ok(VaccineId(id))
}

const MEMBER_COLUMNS: &str = "SELECT institution_id, login, password_hash, user_type, \
     department_code, disabled, (SELECT string_agg(field, ',') FROM personal_data p \
     WHERE p.owner = m.institution_id::TEXT || '/' || m.login) AS fields FROM members m";

fn member_row(r: &PgRow) -> StoreResult<Member> {
    let institution = InstitutionId(r.try_get("institution_id").map_err(db)?);
    let fields: Option<String> = r.try_get("fields").map_err(db)?;
    Ok(Member {
        institution,
        login: Subject::parse(r.try_get("login").map_err(db)?)?,
        password_hash: r.try_get("password_hash").map_err(db)?,
        user_type: UserType::parse(r.try_get("user_type").map_err(db)?)?,
        department: columns::department(r.try_get("department_code").map_err(db)?)?,
        personal_fields: fields
            .unwrap_or_default()
            .split(',')
            .filter_map(Field::parse)
            .collect(),
        disabled: r.try_get("disabled").map_err(db)?,
    })
}

pub(crate) async fn member(
    pool: &PgPool,
    institution: InstitutionId,
    login: &Subject,
) -> StoreResult<Option<Member>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{MEMBER_COLUMNS} WHERE institution_id = $1 AND login = $2"
    ));
    let row = sqlx::query(sql)
        .bind(institution.0)
        .bind(login.as_str())
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    row.as_ref().map(member_row).transpose()
}

pub(crate) async fn members(pool: &PgPool, institution: InstitutionId) -> StoreResult<Vec<Member>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{MEMBER_COLUMNS} WHERE institution_id = $1 ORDER BY login"
    ));
    sqlx::query(sql)
        .bind(institution.0)
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(member_row)
        .collect()
}

pub(crate) async fn upsert_members(
    tx: &mut Transaction<'static, Postgres>,
    members: &[NewMember],
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut n = 0;
    for m in members {
        n += sqlx::query(
            "INSERT INTO members (institution_id, login, password_hash, user_type, \
             department_code, disabled) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (institution_id, login) DO UPDATE SET \
             password_hash = excluded.password_hash, user_type = excluded.user_type, \
             department_code = excluded.department_code, disabled = excluded.disabled",
        )
        .bind(m.institution.0)
        .bind(m.login.as_str())
        .bind(&m.password_hash)
        .bind(m.user_type.as_str())
        .bind(m.department.as_ref().map(|d| d.as_str()))
        .bind(m.disabled)
        .execute(&mut **tx)
        .await
        .map_err(db)?
        .rows_affected();
        let owner = Owner::login(m.institution.0, m.login.as_str());
        personal::replace(tx, &owner, &m.personal, now).await?;
    }
    Ok(n)
}

pub(crate) async fn apply_members(
    tx: &mut Transaction<'static, Postgres>,
    institution: InstitutionId,
    upsert: &[NewMember],
    disable: &[Subject],
    remove: &[Subject],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    upsert_members(tx, upsert, now).await?;
    for login in disable {
        sqlx::query("UPDATE members SET disabled = TRUE WHERE institution_id = $1 AND login = $2")
            .bind(institution.0)
            .bind(login.as_str())
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    for login in remove {
        sqlx::query("DELETE FROM members WHERE institution_id = $1 AND login = $2")
            .bind(institution.0)
            .bind(login.as_str())
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        // A removed member's personal data goes with them, unless they
        // logged in (then it is the person's, kept with their history).
        let owner = Owner::login(institution.0, login.as_str());
        let person: Option<i64> =
            sqlx::query_scalar("SELECT id FROM persons WHERE institution_id = $1 AND subject = $2")
                .bind(institution.0)
                .bind(login.as_str())
                .fetch_optional(&mut **tx)
                .await
                .map_err(db)?;
        if person.is_none() {
            personal::replace(tx, &owner, &[], now).await?;
        }
    }
    Ok(())
}

fn person_row(row: &PgRow) -> StoreResult<Person> {
    Ok(Person {
        id: PersonId(row.try_get("id").map_err(db)?),
        institution: InstitutionId(row.try_get("institution_id").map_err(db)?),
        user_type: columns::user_type(row.try_get("user_type").map_err(db)?)?,
        department: columns::department(row.try_get("department_code").map_err(db)?)?,
    })
}

pub(crate) async fn person_for_login(
    tx: &mut Transaction<'static, Postgres>,
    login: &PersonLogin,
) -> StoreResult<Person> {
    if login.reassignable {
        // An ePPN unused for the reuse period may now be someone else's:
        // the old person keeps their history under a retired subject.
        let cutoff = login.at - chrono::Duration::days(EPPN_REUSE_AFTER_DAYS);
        sqlx::query(
            "UPDATE persons SET subject = subject || '#retired-' || id::TEXT \
             WHERE institution_id = $1 AND subject = $2 AND last_seen_at < $3",
        )
        .bind(login.institution.0)
        .bind(login.subject.as_str())
        .bind(cutoff)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    let row = sqlx::query(
        "INSERT INTO persons (institution_id, subject, user_type, department_code, \
         first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (institution_id, subject) DO UPDATE SET \
         user_type = excluded.user_type, department_code = excluded.department_code, \
         last_seen_at = excluded.last_seen_at \
         RETURNING id, institution_id, user_type, department_code",
    )
    .bind(login.institution.0)
    .bind(login.subject.as_str())
    .bind(login.user_type.map(|t| t.as_str()))
    .bind(login.department.as_ref().map(|d| d.as_str()))
    .bind(login.at)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    let person = person_row(&row)?;
    if let Some(personal) = &login.personal {
        let owner = Owner::login(login.institution.0, login.subject.as_str());
        personal::replace(tx, &owner, personal, login.at).await?;
    }
    if let Some(version) = &login.consented {
        sqlx::query(
            "INSERT INTO consents (person_id, version, consented_at) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id, version) DO NOTHING",
        )
        .bind(person.id.0)
        .bind(version)
        .bind(login.at)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(person)
}

pub(crate) async fn has_consented(
    pool: &PgPool,
    institution: InstitutionId,
    subject: &Subject,
    version: &str,
) -> StoreResult<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM consents c JOIN persons p ON p.id = c.person_id \
         WHERE p.institution_id = $1 AND p.subject = $2 AND c.version = $3)",
    )
    .bind(institution.0)
    .bind(subject.as_str())
    .bind(version)
    .fetch_one(pool)
    .await
    .map_err(db)
}

pub(crate) async fn person_by_subject(
    pool: &PgPool,
    institution: InstitutionId,
    subject: &Subject,
) -> StoreResult<Option<Person>> {
    let row = sqlx::query(
        "SELECT id, institution_id, user_type, department_code FROM persons \
         WHERE institution_id = $1 AND subject = $2",
    )
    .bind(institution.0)
    .bind(subject.as_str())
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    row.as_ref().map(person_row).transpose()
}

pub(crate) async fn person(pool: &PgPool, id: PersonId) -> StoreResult<Option<Person>> {
    let row = sqlx::query(
        "SELECT id, institution_id, user_type, department_code FROM persons WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    row.as_ref().map(person_row).transpose()
}
