//! The audit trail from the command line: recording what a command changed,
//! and `sesshu audit verify`.

use sesshu_domain::AuditObject;
use sesshu_domain::{AuditAction, AuditEntry, Clock, Role, SystemClock};
use sesshu_store::DynStore;
pub use sesshu_store::audit::VerifyError;

/// Follows the whole chain; the number of entries if it is intact.
pub async fn verify(store: &DynStore) -> Result<u64, VerifyError> {
    sesshu_store::audit::verify(store.as_ref()).await
}

/// The audit entry of a change made by a command, as the operating-system
/// user who ran it (commands are run by system administrators on the
/// server).
pub fn command_entry(action: AuditAction, objects: Vec<AuditObject>, detail: String) -> AuditEntry {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
    AuditEntry {
        at: SystemClock.now(),
        actor: format!("cli:{user}"),
        role: Role::SystemAdmin.code().into(),
        action,
        objects,
        detail,
        origin: "local".into(),
    }
}

/// The actor of an operation run by a command, as [`command_entry`] names
/// it: the operating-system user, a system administrator, on this machine.
pub fn command_actor() -> sesshu_operations::Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
    sesshu_operations::Actor {
        name: format!("cli:{user}"),
        role: Role::SystemAdmin,
        origin: "local".into(),
    }
}

/// Records a change made by a command.
pub async fn record_command(
    store: &DynStore,
    action: AuditAction,
    objects: Vec<AuditObject>,
    detail: String,
) -> anyhow::Result<()> {
    store.audit(&command_entry(action, objects, detail)).await?;
    Ok(())
}
