//! The office's changes to slots.

use crate::{Actor, OperationError, Operations};
use sesshu_domain::AuditObject;
use sesshu_domain::{AuditAction, Duty, Scope, SlotId};
use sesshu_store::{SlotChange, SlotChanged};

/// Changes a slot's capacity, closing, eligibility and quotas, with its
/// audit entry, in one transaction. The store refuses a capacity below the
/// places booked, closing a slot people hold, and a quota below what an
/// institution's people already hold: the outcome says which.
pub async fn change_slot(
    ops: &Operations,
    actor: &Actor,
    slot: SlotId,
    change: &SlotChange,
) -> Result<SlotChanged, OperationError> {
    actor.may(Duty::ManageSlots, Scope::Any)?;
    let quotas: Vec<String> = change
        .quotas
        .iter()
        .map(|(institution, places)| format!("{institution}:{places}"))
        .collect();
    let detail = format!(
        "capacity {}, {}, institutions {}, user types {}, quotas {}",
        change.capacity,
        if change.closed { "closed" } else { "open" },
        change.eligibility.institutions.len(),
        change.eligibility.user_types.len(),
        quotas.join(" ")
    );
    let entry = actor.entry(
        ops.now(),
        AuditAction::SlotChange,
        vec![AuditObject::Slot(slot)],
        detail,
    );
    Ok(ops.store().change_slot(slot, change, &entry).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use sesshu_domain::{Denied, InstitutionId, Role, SlotEligibility};
    use std::sync::Arc;

    async fn empty_office(name: &str) -> Operations {
        let path = std::env::temp_dir().join(format!(
            "sesshu-operations-{}-{name}.sqlite",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        let store = sesshu_store_sqlite::SqliteStore::connect(path.to_str().unwrap())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        Operations::new(
            Arc::new(store),
            Arc::new(sesshu_domain::ManualClock::new(at)),
        )
    }

    #[tokio::test]
    async fn an_institutions_staff_may_not_change_a_slot_and_nothing_is_audited() {
        let ops = empty_office("refused").await;
        let actor = Actor {
            name: "admin:7".into(),
            role: Role::InstitutionStaff {
                institution: InstitutionId(1),
            },
            origin: "192.0.2.1".into(),
        };
        let change = SlotChange {
            quotas: Default::default(),
            capacity: 10,
            closed: false,
            eligibility: SlotEligibility::default(),
        };
        let refused = change_slot(&ops, &actor, SlotId(1), &change).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(ops.store().audit_head().await.unwrap(), None);
    }
}
