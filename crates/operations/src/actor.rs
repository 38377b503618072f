//! Who performs an operation, as its audit entry records them: an office
//! account from its connection, or a command run on the server.

use chrono::{DateTime, Utc};
use sesshu_domain::AuditObject;
use sesshu_domain::{AuditAction, AuditEntry, Denied, Duty, Role, Scope};

/// The acting account's role, and who and where it is for the audit trail.
#[derive(Clone, Debug)]
pub struct Actor {
    /// `admin:3`, or `cli:<user>` for a command.
    pub name: String,
    pub role: Role,
    /// The address the request came from, or `local`.
    pub origin: String,
}

impl Actor {
    /// Whether this role does `duty` on an object in `scope`.
    pub fn may(&self, duty: Duty, scope: Scope) -> Result<(), Denied> {
        self.role.may(duty, scope)
    }

    /// The entry of `action` on `objects` at `at`; `detail` holds counts and
    /// codes, never personal data.
    pub fn entry(
        &self,
        at: DateTime<Utc>,
        action: AuditAction,
        objects: Vec<AuditObject>,
        detail: impl Into<String>,
    ) -> AuditEntry {
        AuditEntry {
            at,
            actor: self.name.clone(),
            role: self.role.code().to_owned(),
            action,
            objects,
            detail: detail.into(),
            origin: self.origin.clone(),
        }
    }
}
