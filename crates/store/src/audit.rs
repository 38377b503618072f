//! Verifying the audit trail: follows the chain through the store.

use crate::{Store, StoreError};
use sesshu_domain::audit::{Broken, Verifier};

/// Why verification did not say "intact".
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Broken(#[from] Broken),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Follows the whole chain; the number of entries if it is intact.
pub async fn verify(store: &dyn Store) -> Result<u64, VerifyError> {
    let mut verifier = Verifier::default();
    let mut after = 0;
    loop {
        let batch = store.audit_records(after, 1000).await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = last.seq;
        for record in &batch {
            verifier.check(record)?;
        }
    }
    Ok(verifier.finish(store.audit_head().await?)?)
}
