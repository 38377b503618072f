//! Why an operation did not happen.

use sesshu_domain::Denied;
use sesshu_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    /// The acting role may not do this, or not on this object.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// The object does not exist (or is outside the actor's scope).
    #[error("not found")]
    NotFound,
    /// Sealed personal data that the configured keys do not open (logged
    /// where it happened, by field and key, never by value).
    #[error("personal data does not open")]
    Unopenable,
    #[error(transparent)]
    Store(#[from] StoreError),
}
