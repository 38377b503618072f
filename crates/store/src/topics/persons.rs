//! Persons (recipients), their consent and their sealed personal data.

use crate::{Field, KeyId, Owner, PersonLogin, Sealed, StoreResult};
use chrono::{DateTime, Utc};
use sesshu_domain::{InstitutionId, Person, PersonId, Subject};
use std::collections::BTreeSet;

#[async_trait::async_trait]
pub trait PersonStore: Send + Sync {
    /// The person for an institution login, created on first sight; their
    /// attributes and profile are refreshed from the login each time, and a
    /// consent given with it is recorded, in one transaction.
    async fn person_for_login(&self, login: &PersonLogin) -> StoreResult<Person>;

    /// Whether the person with this login has agreed to `version`.
    async fn has_consented(
        &self,
        institution: InstitutionId,
        subject: &Subject,
        version: &str,
    ) -> StoreResult<bool>;

    /// Which personal fields an owner has (readable by the public process).
    async fn personal_fields(&self, owner: &Owner) -> StoreResult<BTreeSet<Field>>;

    /// An owner's sealed personal data. On PostgreSQL only the back office's
    /// database role may read it.
    async fn personal_data(&self, owner: &Owner) -> StoreResult<Vec<(Field, Sealed)>>;

    /// Up to `limit` sealed values after `after` (in owner, field order),
    /// for re-sealing under a new key.
    async fn personal_data_batch(
        &self,
        after: Option<(Owner, Field)>,
        limit: u32,
    ) -> StoreResult<Vec<(Owner, Field, Sealed)>>;

    /// Replaces a value sealed with `old` by `new`; `false` if it changed
    /// meanwhile.
    async fn reseal(
        &self,
        owner: &Owner,
        field: Field,
        old: &KeyId,
        new: &Sealed,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn person(&self, id: PersonId) -> StoreResult<Option<Person>>;
    /// The person with this login at this institution, if they ever logged in.
    async fn person_by_subject(
        &self,
        institution: InstitutionId,
        subject: &Subject,
    ) -> StoreResult<Option<Person>>;

    /// The login of a person (for their sealed data's owner).
    async fn person_subject(&self, id: PersonId) -> StoreResult<Option<Subject>>;
}
