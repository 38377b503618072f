//! The slot generator (予約枠の一括登録): what a plan makes, which of its
//! slots overlap slots that exist, and creating all of them in one
//! transaction with the `slots.create` audit entry.

use crate::{Actor, OperationError, Operations};
use chrono::{DateTime, Utc};
use sesshu_domain::slot_plan::{PlannedSlot, SlotPlan};
use sesshu_domain::{AuditAction, AuditObject, Duty, Scope, SlotEligibility, VenueId};
use sesshu_store::{NewSlot, SlotQuery};

/// A plan as the office asks for it, with what every slot of it gets: its
/// venue (that of the plan's lanes), who may book it and from when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotGeneration {
    pub plan: SlotPlan,
    pub venue: VenueId,
    pub eligibility: SlotEligibility,
    pub opens_at: DateTime<Utc>,
}

/// The slots a plan makes, and those of them that overlap a slot that
/// exists on the same lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedSlots {
    /// In time, then lane order.
    pub slots: Vec<PlannedSlot>,
    pub conflicts: Vec<PlannedSlot>,
}

/// What creating a plan's slots did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotsCreated {
    /// All of them, this many.
    Created(usize),
    /// None: these overlap slots that exist (made meanwhile).
    Conflicts(Vec<PlannedSlot>),
}

/// What `generation` would make, and what of it overlaps the venue's
/// slots (the preview); nothing is written.
pub async fn plan_slots(
    ops: &Operations,
    actor: &Actor,
    generation: &SlotGeneration,
) -> Result<PlannedSlots, OperationError> {
    actor.may(Duty::ManageSlots, Scope::Any)?;
    let slots = generation.plan.slots();
    let (Some(first), Some(last)) = (slots.first(), slots.last()) else {
        return Ok(PlannedSlots {
            slots,
            conflicts: Vec::new(),
        });
    };
    let existing = ops
        .store()
        .slots(&SlotQuery {
            venue: Some(generation.venue),
            ..SlotQuery::between(first.starts_at, last.ends_at)
        })
        .await?;
    let conflicts = generation.plan.conflicts(&existing);
    Ok(PlannedSlots { slots, conflicts })
}

/// Creates the slots of `generation`, all or none, with its `slots.create`
/// audit entry in the same transaction; checked again against the slots
/// that exist, and nothing is created if any overlaps.
pub async fn create_slots(
    ops: &Operations,
    actor: &Actor,
    generation: &SlotGeneration,
) -> Result<SlotsCreated, OperationError> {
    let PlannedSlots { slots, conflicts } = plan_slots(ops, actor, generation).await?;
    if !conflicts.is_empty() {
        return Ok(SlotsCreated::Conflicts(conflicts));
    }
    let plan = &generation.plan;
    let new: Vec<NewSlot> = slots
        .iter()
        .map(|s| NewSlot {
            venue: generation.venue,
            lane: s.lane,
            vaccine: plan.vaccine,
            dose: plan.dose,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            capacity: plan.capacity,
            opens_at: generation.opens_at,
            eligibility: generation.eligibility.clone(),
        })
        .collect();
    let entry = actor.entry(
        ops.now(),
        AuditAction::SlotsCreate,
        vec![
            AuditObject::Venue(generation.venue),
            AuditObject::Vaccine(plan.vaccine),
        ],
        format!(
            "{} slots, dose {}, {}..{}, capacity {}",
            new.len(),
            plan.dose.get(),
            plan.from,
            plan.to,
            plan.capacity
        ),
    );
    let ids = ops.store().create_slots(&new, &entry).await?;
    Ok(SlotsCreated::Created(ids.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reservations::fixture::{self, actor};
    use chrono::{NaiveTime, Weekday};
    use sesshu_domain::{Denied, DoseNumber, InstitutionId, Role};

    fn time(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    /// 30-minute slots from `from` to `to` on the fixture's lane, on the
    /// fixture's day and the next.
    async fn generation(office: &fixture::Office, from: &str, to: &str) -> SlotGeneration {
        let slot = office.ops.store().slot(office.slot).await.unwrap().unwrap();
        let day = office.day();
        SlotGeneration {
            plan: SlotPlan {
                from: day,
                to: day.succ_opt().unwrap(),
                weekdays: vec![
                    Weekday::Mon,
                    Weekday::Tue,
                    Weekday::Wed,
                    Weekday::Thu,
                    Weekday::Fri,
                    Weekday::Sat,
                    Weekday::Sun,
                ],
                excluded: Default::default(),
                times: vec![(time(from), time(to))],
                length_minutes: 30,
                lanes: vec![slot.lane],
                capacity: 6,
                vaccine: office.vaccine,
                dose: DoseNumber::FIRST,
            },
            venue: office.venue,
            eligibility: SlotEligibility::default(),
            opens_at: office.ops.now(),
        }
    }

    #[tokio::test]
    async fn an_institutions_staff_may_not_create_slots_and_nothing_is_written() {
        let office = fixture::office("slots-generate-refused").await;
        let plan = generation(&office, "14:00", "15:00").await;
        let staff = actor(Role::InstitutionStaff {
            institution: InstitutionId::new(1),
        });
        let refused = create_slots(&office.ops, &staff, &plan).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
        let preview = plan_slots(&office.ops, &staff, &plan).await;
        assert!(matches!(preview, Err(OperationError::Denied(_))));
    }

    #[tokio::test]
    async fn a_plan_makes_all_its_slots_with_one_audit_entry() {
        let office = fixture::office("slots-generate").await;
        let plan = generation(&office, "14:00", "15:00").await;
        let operator = actor(Role::Operator);
        let preview = plan_slots(&office.ops, &operator, &plan).await.unwrap();
        assert_eq!((preview.slots.len(), preview.conflicts.len()), (4, 0));

        let created = create_slots(&office.ops, &operator, &plan).await.unwrap();
        assert_eq!(created, SlotsCreated::Created(4));
        let day = office.day();
        assert_eq!(
            office.audit_trail().await,
            vec![(
                "slots.create".to_owned(),
                format!(
                    "4 slots, dose 1, {day}..{}, capacity 6",
                    day.succ_opt().unwrap()
                )
            )]
        );
    }

    #[tokio::test]
    async fn a_plan_overlapping_a_slot_creates_nothing() {
        // The fixture's slot is at 12:00 on its day.
        let office = fixture::office("slots-generate-conflict").await;
        let plan = generation(&office, "11:30", "12:30").await;
        let operator = actor(Role::Operator);
        let created = create_slots(&office.ops, &operator, &plan).await.unwrap();
        let SlotsCreated::Conflicts(conflicts) = created else {
            panic!("created despite the overlap: {created:?}");
        };
        assert_eq!(conflicts.len(), 1);
        assert_eq!(office.audited().await, 0);
    }
}
