//! The audit trail from the command line: recording what a command changed,
//! and `sesshu audit verify`.

use sesshu_domain::audit::{Broken, Verifier};
use sesshu_domain::{AuditEntry, Clock, SystemClock};
use sesshu_store::DynStore;

/// Why verification did not say "intact".
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Broken(#[from] Broken),
    #[error(transparent)]
    Store(#[from] sesshu_store::StoreError),
}

/// Follows the whole chain; the number of entries if it is intact.
pub async fn verify(store: &DynStore) -> Result<u64, VerifyError> {
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

/// Records a change made by a command, as the operating-system user who
/// ran it (commands are run by system administrators on the server).
pub async fn record_command(
    store: &DynStore,
    action: &str,
    objects: Vec<String>,
    detail: String,
) -> anyhow::Result<()> {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
    store
        .audit(&AuditEntry {
            at: SystemClock.now(),
            actor: format!("cli:{user}"),
            role: "system-administrator".into(),
            action: action.into(),
            objects,
            detail,
            origin: "local".into(),
        })
        .await?;
    Ok(())
}
