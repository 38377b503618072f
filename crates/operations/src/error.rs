//! Why an operation did not happen.

use sesshu_domain::Denied;
use sesshu_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    /// The acting role may not do this, or not on this object.
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}
