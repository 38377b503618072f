//! Persons (recipients), their consent and their sealed personal data
//! (`personal_data`: written by both processes, read (the `sealed` column)
//! only by the back office).

use crate::dialect::{Backend, Conn, Row, at};
use crate::{db, write_tx};
use chrono::{DateTime, Utc};
use sesshu_domain::{InstitutionId, Person, PersonId, Subject};
use sesshu_store::{
    EPPN_REUSE_AFTER_DAYS, Field, KeyId, Owner, PersonLogin, PersonStore, Sealed, StoreError,
    StoreResult, columns,
};
use sqlx::Row as _;
use std::collections::BTreeSet;

#[async_trait::async_trait]
impl PersonStore for Backend {
    async fn person_for_login(&self, login: &PersonLogin) -> StoreResult<Person> {
        write_tx!(self, |tx| person_for_login(tx, login))
    }

    async fn has_consented(
        &self,
        institution: InstitutionId,
        subject: &Subject,
        version: &str,
    ) -> StoreResult<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM consents c JOIN persons p ON p.id = c.person_id \
             WHERE p.institution_id = $1 AND p.subject = $2 AND c.version = $3)",
        )
        .bind(institution.get())
        .bind(subject.as_str())
        .bind(version)
        .fetch_one(&self.pool)
        .await
        .map_err(db)
    }

    async fn personal_fields(&self, owner: &Owner) -> StoreResult<BTreeSet<Field>> {
        let names: Vec<String> =
            sqlx::query_scalar("SELECT field FROM personal_data WHERE owner = $1")
                .bind(owner.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        names.iter().map(|n| field(n)).collect()
    }

    async fn personal_data(&self, owner: &Owner) -> StoreResult<Vec<(Field, Sealed)>> {
        sqlx::query(
            "SELECT field, key_id, sealed FROM personal_data WHERE owner = $1 ORDER BY field",
        )
        .bind(owner.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                field(r.try_get("field").map_err(db)?)?,
                Sealed {
                    key_id: KeyId::parse(r.try_get("key_id").map_err(db)?),
                    blob: r.try_get("sealed").map_err(db)?,
                },
            ))
        })
        .collect()
    }

    async fn personal_data_batch(
        &self,
        after: Option<(Owner, Field)>,
        limit: u32,
    ) -> StoreResult<Vec<(Owner, Field, Sealed)>> {
        let (owner, after_field) = match &after {
            Some((o, f)) => (Some(o.as_str()), Some(f.as_str())),
            None => (None, None),
        };
        sqlx::query(
            "SELECT owner, field, key_id, sealed FROM personal_data \
             WHERE CAST($1 AS TEXT) IS NULL OR owner > $1 OR (owner = $1 AND field > $2) \
             ORDER BY owner, field LIMIT $3",
        )
        .bind(owner)
        .bind(after_field)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                Owner::from_stored(r.try_get("owner").map_err(db)?),
                field(r.try_get("field").map_err(db)?)?,
                Sealed {
                    key_id: KeyId::parse(r.try_get("key_id").map_err(db)?),
                    blob: r.try_get("sealed").map_err(db)?,
                },
            ))
        })
        .collect()
    }

    async fn reseal(
        &self,
        owner: &Owner,
        field: Field,
        old: &KeyId,
        new: &Sealed,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE personal_data SET key_id = $4, sealed = $5, updated_at = $6 \
             WHERE owner = $1 AND field = $2 AND key_id = $3",
        )
        .bind(owner.as_str())
        .bind(field.as_str())
        .bind(old.as_str())
        .bind(new.key_id.as_str())
        .bind(&new.blob)
        .bind(at(now))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(result.rows_affected() == 1)
    }

    async fn person(&self, id: PersonId) -> StoreResult<Option<Person>> {
        let row = sqlx::query(
            "SELECT id, institution_id, user_type, department_code FROM persons WHERE id = $1",
        )
        .bind(id.get())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(person_row).transpose()
    }

    async fn person_by_subject(
        &self,
        institution: InstitutionId,
        subject: &Subject,
    ) -> StoreResult<Option<Person>> {
        let row = sqlx::query(
            "SELECT id, institution_id, user_type, department_code FROM persons \
             WHERE institution_id = $1 AND subject = $2",
        )
        .bind(institution.get())
        .bind(subject.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(person_row).transpose()
    }

    async fn person_subject(&self, id: PersonId) -> StoreResult<Option<Subject>> {
        let subject: Option<String> =
            sqlx::query_scalar("SELECT subject FROM persons WHERE id = $1")
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(subject.map(|s| Subject::parse(&s)).transpose()?)
    }
}

fn field(s: &str) -> StoreResult<Field> {
    Field::parse(s).ok_or_else(|| StoreError::corrupt(format!("unknown personal field {s:?}")))
}

/// Replaces every personal field of `owner` by `values` (also used by the
/// member directory).
pub(crate) async fn replace_personal(
    conn: &mut Conn,
    owner: &Owner,
    values: &[(Field, Sealed)],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM personal_data WHERE owner = $1")
        .bind(owner.as_str())
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    for (field, sealed) in values {
        sqlx::query(
            "INSERT INTO personal_data (owner, field, key_id, sealed, updated_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(owner.as_str())
        .bind(field.as_str())
        .bind(sealed.key_id.as_str())
        .bind(&sealed.blob)
        .bind(at(now))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}

fn person_row(row: &Row) -> StoreResult<Person> {
    Ok(Person {
        id: PersonId::new(row.try_get("id").map_err(db)?),
        institution: InstitutionId::new(row.try_get("institution_id").map_err(db)?),
        user_type: columns::user_type(row.try_get("user_type").map_err(db)?)?,
        department: columns::department(row.try_get("department_code").map_err(db)?)?,
    })
}

async fn person_for_login(conn: &mut Conn, login: &PersonLogin) -> StoreResult<Person> {
    if login.reassignable {
        // An ePPN unused for the reuse period may now be someone else's:
        // the old person keeps their history under a retired subject.
        let cutoff = login.at - chrono::Duration::days(EPPN_REUSE_AFTER_DAYS);
        sqlx::query(
            "UPDATE persons SET subject = subject || '#retired-' || CAST(id AS TEXT) \
             WHERE institution_id = $1 AND subject = $2 AND last_seen_at < $3",
        )
        .bind(login.institution.get())
        .bind(login.subject.as_str())
        .bind(at(cutoff))
        .execute(&mut *conn)
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
    .bind(login.institution.get())
    .bind(login.subject.as_str())
    .bind(login.user_type.map(|t| t.as_str()))
    .bind(login.department.as_ref().map(|d| d.as_str()))
    .bind(at(login.at))
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    let person = person_row(&row)?;
    if let Some(personal) = &login.personal {
        let owner = Owner::login(login.institution.get(), login.subject.as_str());
        replace_personal(conn, &owner, personal, login.at).await?;
    }
    if let Some(version) = &login.consented {
        sqlx::query(
            "INSERT INTO consents (person_id, version, consented_at) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id, version) DO NOTHING",
        )
        .bind(person.id.get())
        .bind(version)
        .bind(at(login.at))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(person)
}
