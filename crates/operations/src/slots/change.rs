//! Changing what exists: one slot's capacity, closing, eligibility and
//! quotas; a day's quotas at a venue; deleting a slot.

use super::minute;
use crate::{Actor, OperationError, Operations};
use chrono::NaiveDate;
use sesshu_domain::{AuditAction, AuditObject, Duty, InstitutionId, Scope, Slot, SlotId, VenueId};
use sesshu_store::{SlotChange, SlotChanged, SlotDeleted};
use std::collections::BTreeMap;

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

/// Sets the quotas of `day` at `venue` (places per institution; an
/// institution left out has none), audited as `slots.day_quotas`, in one
/// transaction. A quota below what an institution's people already hold
/// that day is refused ([`SlotChanged::QuotaBelowHeld`]) and nothing
/// changes.
pub async fn set_day_quotas(
    ops: &Operations,
    actor: &Actor,
    venue: VenueId,
    day: NaiveDate,
    quotas: &BTreeMap<InstitutionId, u32>,
) -> Result<SlotChanged, OperationError> {
    actor.may(Duty::ManageSlots, Scope::Any)?;
    let entry = actor.entry(
        ops.now(),
        AuditAction::SlotsDayQuotas,
        vec![AuditObject::Venue(venue)],
        format!(
            "{day}: {}",
            quotas
                .iter()
                .map(|(i, n)| format!("{i}:{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    );
    Ok(ops
        .store()
        .set_day_quotas(venue, day, quotas, &entry)
        .await?)
}

/// A slot the office asked to delete, and whether it went.
#[derive(Clone, Debug)]
pub struct DeletedSlot {
    /// The slot as it was.
    pub slot: Slot,
    /// Deleted, or why it stays.
    pub outcome: SlotDeleted,
}

/// Deletes a slot nobody holds or held a place in (checked under its row
/// lock), audited as `slot.delete`; a slot with bookings or history stays,
/// and the outcome says how many. [`OperationError::NotFound`] for an
/// unknown slot.
pub async fn delete_slot(
    ops: &Operations,
    actor: &Actor,
    slot: SlotId,
) -> Result<DeletedSlot, OperationError> {
    actor.may(Duty::ManageSlots, Scope::Any)?;
    let slot = ops
        .store()
        .slot(slot)
        .await?
        .ok_or(OperationError::NotFound)?;
    let entry = actor.entry(
        ops.now(),
        AuditAction::SlotDelete,
        vec![AuditObject::Slot(slot.id), AuditObject::Venue(slot.venue)],
        format!(
            "{}, dose {}, capacity {}",
            minute(slot.starts_at),
            slot.dose.get(),
            slot.capacity
        ),
    );
    let outcome = ops.store().delete_slot(slot.id, &entry).await?;
    Ok(DeletedSlot { slot, outcome })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reservations::fixture::{self, actor};
    use crate::testing::empty_office;
    use sesshu_domain::{Denied, Role, SlotEligibility};

    fn institution_staff() -> Role {
        Role::InstitutionStaff {
            institution: InstitutionId::new(1),
        }
    }

    #[tokio::test]
    async fn an_institutions_staff_may_not_change_a_slot_and_nothing_is_audited() {
        let ops = empty_office("refused").await;
        let actor = Actor {
            name: "admin:7".into(),
            role: institution_staff(),
            origin: "192.0.2.1".into(),
        };
        let change = SlotChange {
            quotas: Default::default(),
            capacity: 10,
            closed: false,
            eligibility: SlotEligibility::default(),
        };
        let refused = change_slot(&ops, &actor, SlotId::new(1), &change).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(ops.store().audit_head().await.unwrap(), None);
    }

    #[tokio::test]
    async fn an_institutions_staff_may_not_set_a_days_quotas_and_nothing_is_audited() {
        let office = fixture::office("slots-day-quotas-refused").await;
        let quotas = BTreeMap::from([(office.institution, 3)]);
        let refused = set_day_quotas(
            &office.ops,
            &actor(institution_staff()),
            office.venue,
            office.day(),
            &quotas,
        )
        .await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
    }

    #[tokio::test]
    async fn a_days_quota_is_set_with_its_audit_entry_but_never_below_what_people_hold() {
        let office = fixture::office("slots-day-quotas").await;
        office.booked_by_the_person().await;
        let operator = actor(Role::Operator);
        let none = BTreeMap::from([(office.institution, 0)]);
        let below = set_day_quotas(&office.ops, &operator, office.venue, office.day(), &none)
            .await
            .unwrap();
        assert_eq!(below, SlotChanged::QuotaBelowHeld(office.institution, 1));
        assert_eq!(
            office.audited().await,
            0,
            "nothing changed, nothing audited"
        );

        let three = BTreeMap::from([(office.institution, 3)]);
        let done = set_day_quotas(&office.ops, &operator, office.venue, office.day(), &three)
            .await
            .unwrap();
        assert_eq!(done, SlotChanged::Done);
        assert_eq!(
            office.audit_trail().await,
            vec![(
                "slots.day_quotas".to_owned(),
                format!("{}: {}:3", office.day(), office.institution)
            )]
        );
        let set = office
            .ops
            .store()
            .day_quotas(office.venue, office.day())
            .await
            .unwrap();
        assert_eq!(set, vec![(office.institution, 3, 1)]);
    }

    #[tokio::test]
    async fn a_slot_people_hold_is_not_deleted_and_nothing_is_audited() {
        let office = fixture::office("slots-delete-held").await;
        office.booked_by_the_person().await;
        let kept = delete_slot(&office.ops, &actor(Role::Operator), office.slot)
            .await
            .unwrap();
        assert_eq!(kept.outcome, SlotDeleted::HasBookings(1));
        assert!(
            office
                .ops
                .store()
                .slot(office.slot)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(office.audited().await, 0);
    }

    #[tokio::test]
    async fn an_empty_slot_is_deleted_with_its_audit_entry() {
        let office = fixture::office("slots-delete").await;
        let operator = actor(Role::Operator);
        let refused = delete_slot(&office.ops, &actor(institution_staff()), office.slot).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        let unknown = delete_slot(&office.ops, &operator, SlotId::new(999)).await;
        assert!(
            matches!(unknown, Err(OperationError::NotFound)),
            "{unknown:?}"
        );
        assert_eq!(office.audited().await, 0);

        let deleted = delete_slot(&office.ops, &operator, office.slot)
            .await
            .unwrap();
        assert_eq!(deleted.outcome, SlotDeleted::Deleted);
        assert!(
            office
                .ops
                .store()
                .slot(office.slot)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            office.audit_trail().await,
            vec![(
                "slot.delete".to_owned(),
                format!("2026-12-01 12:00, dose 1, capacity {}", fixture::CAPACITY)
            )]
        );
    }
}
