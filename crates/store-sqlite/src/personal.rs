//! Sealed personal data (`personal_data`): written by both processes, read
//! (the `sealed` column) only by the back office.

use crate::{db, secs};
use chrono::{DateTime, Utc};
use sesshu_store::{Field, KeyId, Owner, Sealed, StoreError, StoreResult};
use sqlx::sqlite::SqlitePool;
use sqlx::{Row, Sqlite, Transaction};
use std::collections::BTreeSet;

fn field(s: &str) -> StoreResult<Field> {
    Field::parse(s).ok_or_else(|| StoreError::corrupt(format!("unknown personal field {s:?}")))
}

/// Replaces every personal field of `owner` by `values`.
pub(crate) async fn replace(
    tx: &mut Transaction<'static, Sqlite>,
    owner: &Owner,
    values: &[(Field, Sealed)],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM personal_data WHERE owner = $1")
        .bind(owner.as_str())
        .execute(&mut **tx)
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
        .bind(secs(now))
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

pub(crate) async fn fields(pool: &SqlitePool, owner: &Owner) -> StoreResult<BTreeSet<Field>> {
    let names: Vec<String> = sqlx::query_scalar("SELECT field FROM personal_data WHERE owner = $1")
        .bind(owner.as_str())
        .fetch_all(pool)
        .await
        .map_err(db)?;
    names.iter().map(|n| field(n)).collect()
}

pub(crate) async fn data(pool: &SqlitePool, owner: &Owner) -> StoreResult<Vec<(Field, Sealed)>> {
    sqlx::query("SELECT field, key_id, sealed FROM personal_data WHERE owner = $1 ORDER BY field")
        .bind(owner.as_str())
        .fetch_all(pool)
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

pub(crate) async fn batch(
    pool: &SqlitePool,
    after: Option<(Owner, Field)>,
    limit: u32,
) -> StoreResult<Vec<(Owner, Field, Sealed)>> {
    let (owner, after_field) = match &after {
        Some((o, f)) => (Some(o.as_str()), Some(f.as_str())),
        None => (None, None),
    };
    sqlx::query(
        "SELECT owner, field, key_id, sealed FROM personal_data \
         WHERE $1 IS NULL OR owner > $1 OR (owner = $1 AND field > $2) \
         ORDER BY owner, field LIMIT $3",
    )
    .bind(owner)
    .bind(after_field)
    .bind(i64::from(limit))
    .fetch_all(pool)
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

pub(crate) async fn reseal(
    pool: &SqlitePool,
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
    .bind(secs(now))
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(result.rows_affected() == 1)
}
