//! The store's one error type.
//!
//! Business refusals that only the transaction can detect (a slot filled up,
//! a second active series) come back as [`StoreError::Rejected`] with the
//! domain's [`Rejection`], so callers handle them like any other refusal.
//! Everything else is infrastructure: logged by the caller, shown to nobody.

use sesshu_domain::{DoseRefusal, Rejection};

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The transaction refused the change for a business reason.
    #[error("rejected: {0}")]
    Rejected(Rejection),

    /// The transaction refused a step of a dose's record at the venue.
    #[error("refused: {0}")]
    DoseRefused(DoseRefusal),

    /// The idempotency key was used before by this person for another request.
    #[error("idempotency key reused for a different request")]
    IdempotencyKeyReused,

    /// The object to change does not exist.
    #[error("not found")]
    NotFound,

    /// A uniqueness rule of reference data (e.g. a duplicate institution code).
    #[error("conflict: {0}")]
    Conflict(String),

    /// The transaction lost a race the database could not order (a deadlock
    /// or serialization failure); the backend retries it a few times before
    /// giving up with this.
    #[error("transaction contention")]
    Contention,

    /// The change at `index` of a batch failed, so none of the batch was
    /// made.
    #[error("change {index} of the batch: {source}")]
    InBatch {
        index: usize,
        #[source]
        source: Box<StoreError>,
    },

    /// A stored value does not parse into its domain type.
    #[error("corrupt row: {0}")]
    Corrupt(String),

    /// The database failed or could not be reached.
    #[error("database error")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    pub fn database(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Database(Box::new(e))
    }

    pub fn corrupt(e: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

impl From<Rejection> for StoreError {
    fn from(r: Rejection) -> Self {
        StoreError::Rejected(r)
    }
}

impl From<DoseRefusal> for StoreError {
    fn from(r: DoseRefusal) -> Self {
        StoreError::DoseRefused(r)
    }
}

impl From<sesshu_domain::ParseError> for StoreError {
    fn from(e: sesshu_domain::ParseError) -> Self {
        StoreError::corrupt(e)
    }
}
