//! Institutions, venues, lanes, vaccines, the member directory and persons.

use crate::{db, secs};
use sesshu_domain::{
    Catalog, Contact, Institution, InstitutionCode, InstitutionId, Lane, LaneId, Person, PersonId,
    Subject, UserType, Vaccine, VaccineId, Venue, VenueId,
};
use sesshu_store::{
    Member, NewInstitution, NewLane, NewMember, NewVaccine, NewVenue, PersonLogin, StoreError,
    StoreResult, columns,
};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Row, Sqlite, Transaction};

pub(crate) enum By<'a> {
    Id(InstitutionId),
    Code(&'a InstitutionCode),
}

const INSTITUTION_COLUMNS: &str = "SELECT id, code, name_ja, name_en, contact_office_ja, \
     contact_office_en, contact_mail, contact_phone, contact_url, eligible_user_types, \
     deadline_days_before, deadline_minutes FROM institutions";

fn institution(row: &SqliteRow) -> StoreResult<Institution> {
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
        eligible_user_types: columns::user_types(row.try_get("eligible_user_types").map_err(db)?)?,
        deadline: columns::deadline(
            row.try_get("deadline_days_before").map_err(db)?,
            row.try_get("deadline_minutes").map_err(db)?,
        )?,
    })
}

pub(crate) async fn institutions(pool: &SqlitePool) -> StoreResult<Vec<Institution>> {
    let sql = sqlx::AssertSqlSafe(format!("{INSTITUTION_COLUMNS} ORDER BY id"));
    sqlx::query(sql)
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(institution)
        .collect()
}

pub(crate) async fn institution_where(
    pool: &SqlitePool,
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
    row.as_ref().map(institution).transpose()
}

pub(crate) async fn catalog(pool: &SqlitePool) -> StoreResult<Catalog> {
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
            second_dose_after: columns::interval(r.try_get("second_dose_after_days").map_err(db)?)?,
        })
    })
    .collect::<StoreResult<_>>()?;
    Ok(Catalog {
        venues,
        lanes,
        vaccines,
    })
}

pub(crate) async fn insert_institution(
    pool: &SqlitePool,
    new: &NewInstitution,
) -> StoreResult<InstitutionId> {
    let result = sqlx::query(
        "INSERT INTO institutions (code, name_ja, name_en, contact_office_ja, contact_office_en, \
         contact_mail, contact_phone, contact_url, eligible_user_types, deadline_days_before, \
         deadline_minutes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (code) DO NOTHING",
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
    .bind(i64::from(new.deadline.days_before))
    .bind(columns::deadline_minutes(&new.deadline))
    .execute(pool)
    .await
    .map_err(db)?;
    if result.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!(
            "institution code {} exists",
            new.code
        )));
    }
    Ok(InstitutionId(result.last_insert_rowid()))
}

pub(crate) async fn insert_venue(pool: &SqlitePool, new: &NewVenue) -> StoreResult<VenueId> {
    let result = sqlx::query("INSERT INTO venues (name_ja, name_en) VALUES ($1, $2)")
        .bind(&new.name_ja)
        .bind(&new.name_en)
        .execute(pool)
        .await
        .map_err(db)?;
    Ok(VenueId(result.last_insert_rowid()))
}

pub(crate) async fn insert_lane(pool: &SqlitePool, new: &NewLane) -> StoreResult<LaneId> {
    let result = sqlx::query("INSERT INTO lanes (venue_id, name_ja, name_en) VALUES ($1, $2, $3)")
        .bind(new.venue.0)
        .bind(&new.name_ja)
        .bind(&new.name_en)
        .execute(pool)
        .await
        .map_err(db)?;
    Ok(LaneId(result.last_insert_rowid()))
}

pub(crate) async fn insert_vaccine(pool: &SqlitePool, new: &NewVaccine) -> StoreResult<VaccineId> {
    let result = sqlx::query(
        "INSERT INTO vaccines (name_ja, name_en, second_dose_after_days) VALUES ($1, $2, $3)",
    )
    .bind(&new.name_ja)
    .bind(&new.name_en)
    .bind(new.second_dose_after.map(|i| i64::from(i.days)))
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(VaccineId(result.last_insert_rowid()))
}

pub(crate) async fn member(
    pool: &SqlitePool,
    institution: InstitutionId,
    login: &Subject,
) -> StoreResult<Option<Member>> {
    let row = sqlx::query(
        "SELECT password_hash, user_type, department_code, disabled FROM members \
         WHERE institution_id = $1 AND login = $2",
    )
    .bind(institution.0)
    .bind(login.as_str())
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    row.map(|r| {
        Ok(Member {
            institution,
            login: login.clone(),
            password_hash: r.try_get("password_hash").map_err(db)?,
            user_type: UserType::parse(r.try_get("user_type").map_err(db)?)?,
            department: columns::department(r.try_get("department_code").map_err(db)?)?,
            disabled: r.try_get::<i64, _>("disabled").map_err(db)? != 0,
        })
    })
    .transpose()
}

pub(crate) async fn upsert_members(
    tx: &mut Transaction<'static, Sqlite>,
    members: &[NewMember],
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
        .bind(i64::from(m.disabled))
        .execute(&mut **tx)
        .await
        .map_err(db)?
        .rows_affected();
    }
    Ok(n)
}

fn person_row(row: &SqliteRow) -> StoreResult<Person> {
    Ok(Person {
        id: PersonId(row.try_get("id").map_err(db)?),
        institution: InstitutionId(row.try_get("institution_id").map_err(db)?),
        user_type: UserType::parse(row.try_get("user_type").map_err(db)?)?,
        department: columns::department(row.try_get("department_code").map_err(db)?)?,
    })
}

pub(crate) async fn person_for_login(
    tx: &mut Transaction<'static, Sqlite>,
    login: &PersonLogin,
) -> StoreResult<Person> {
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
    .bind(login.user_type.as_str())
    .bind(login.department.as_ref().map(|d| d.as_str()))
    .bind(secs(login.at))
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    person_row(&row)
}

pub(crate) async fn person(pool: &SqlitePool, id: PersonId) -> StoreResult<Option<Person>> {
    let row = sqlx::query(
        "SELECT id, institution_id, user_type, department_code FROM persons WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    row.as_ref().map(person_row).transpose()
}
