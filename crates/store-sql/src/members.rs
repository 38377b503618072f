//! The built-in member directory (the rosters Sesshu holds for institutions
//! without a directory of their own).

use crate::dialect::{Backend, Conn, Row, comma_list};
use crate::persons::replace_personal;
use crate::{db, write_tx};
use chrono::{DateTime, Utc};
use sesshu_domain::{InstitutionId, Subject, UserType};
#[allow(unused_imports)] // named by PostgreSQL's `write_tx!`
use sesshu_store::StoreError;
use sesshu_store::{Field, Member, MemberStore, NewMember, Owner, StoreResult, columns};
use sqlx::Row as _;

#[async_trait::async_trait]
impl MemberStore for Backend {
    async fn member(
        &self,
        institution: InstitutionId,
        login: &Subject,
    ) -> StoreResult<Option<Member>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{} WHERE institution_id = $1 AND login = $2",
            member_columns()
        ));
        let row = sqlx::query(sql)
            .bind(institution.get())
            .bind(login.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(member_row).transpose()
    }

    async fn upsert_members(&self, members: &[NewMember], now: DateTime<Utc>) -> StoreResult<u64> {
        write_tx!(self, |tx| upsert_members(tx, members, now))
    }

    async fn members(&self, institution: InstitutionId) -> StoreResult<Vec<Member>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{} WHERE institution_id = $1 ORDER BY login",
            member_columns()
        ));
        sqlx::query(sql)
            .bind(institution.get())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(member_row)
            .collect()
    }

    async fn apply_members(
        &self,
        institution: InstitutionId,
        upsert: &[NewMember],
        disable: &[Subject],
        remove: &[Subject],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| apply_members(
            tx,
            institution,
            upsert,
            disable,
            remove,
            now
        ))
    }
}

/// The members' columns, with the names of the personal fields each has.
fn member_columns() -> String {
    format!(
        "SELECT institution_id, login, password_hash, user_type, department_code, disabled, \
         (SELECT {} FROM personal_data p \
         WHERE p.owner = CAST(m.institution_id AS TEXT) || '/' || m.login) AS fields \
         FROM members m",
        comma_list("field")
    )
}

fn member_row(r: &Row) -> StoreResult<Member> {
    let institution = InstitutionId::new(r.try_get("institution_id").map_err(db)?);
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

async fn upsert_members(
    conn: &mut Conn,
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
        .bind(m.institution.get())
        .bind(m.login.as_str())
        .bind(&m.password_hash)
        .bind(m.user_type.as_str())
        .bind(m.department.as_ref().map(|d| d.as_str()))
        .bind(m.disabled)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
        let owner = Owner::login(m.institution.get(), m.login.as_str());
        replace_personal(conn, &owner, &m.personal, now).await?;
    }
    Ok(n)
}

async fn apply_members(
    conn: &mut Conn,
    institution: InstitutionId,
    upsert: &[NewMember],
    disable: &[Subject],
    remove: &[Subject],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    upsert_members(conn, upsert, now).await?;
    for login in disable {
        sqlx::query("UPDATE members SET disabled = TRUE WHERE institution_id = $1 AND login = $2")
            .bind(institution.get())
            .bind(login.as_str())
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    for login in remove {
        sqlx::query("DELETE FROM members WHERE institution_id = $1 AND login = $2")
            .bind(institution.get())
            .bind(login.as_str())
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        // A removed member's personal data goes with them, unless they
        // logged in (then it is the person's, kept with their history).
        let owner = Owner::login(institution.get(), login.as_str());
        let person: Option<i64> =
            sqlx::query_scalar("SELECT id FROM persons WHERE institution_id = $1 AND subject = $2")
                .bind(institution.get())
                .bind(login.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?;
        if person.is_none() {
            replace_personal(conn, &owner, &[], now).await?;
        }
    }
    Ok(())
}
