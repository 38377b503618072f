//! What a login needs to remember: sessions (for tower-sessions) and the
//! SAML requests and assertions already seen.

use crate::{SessionRecord, StoreResult};
use chrono::{DateTime, Utc};
use sesshu_domain::InstitutionId;

#[async_trait::async_trait]
pub trait LoginStore: Send + Sync {
    /// Stores a new session; `false` if the id is taken.
    async fn session_create(&self, session: &SessionRecord) -> StoreResult<bool>;
    async fn session_save(&self, session: &SessionRecord) -> StoreResult<()>;
    /// An unexpired session.
    async fn session_load(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SessionRecord>>;
    async fn session_delete(&self, id_hash: &str) -> StoreResult<()>;
    /// Deletes expired sessions; returns how many.
    async fn sessions_purge(&self, now: DateTime<Utc>) -> StoreResult<u64>;

    /// Remembers an AuthnRequest sent for `institution` until `expires_at`
    /// (and forgets those expired at `now`).
    async fn saml_request_issued(
        &self,
        id: &str,
        institution: InstitutionId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Takes an unexpired request out (a request is answered once): the
    /// institution it was for, or `None`.
    async fn saml_request_answered(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<InstitutionId>>;

    /// Records an accepted assertion id until `expires_at`; `false` if it
    /// was accepted before (a replay).
    async fn saml_assertion_first_use(
        &self,
        id: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
}
