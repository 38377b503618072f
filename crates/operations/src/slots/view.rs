//! What the slot pages show: a day's slots at a venue with the day's
//! quotas, and one slot with where its people may move.

use crate::reservations::{FreeTime, free_times};
use crate::{Actor, OperationError, Operations, reference};
use chrono::NaiveDate;
use sesshu_domain::{
    Catalog, Duty, Institution, Scope, Slot, SlotId, VenueId, day_start, tokyo_day,
};
use sesshu_store::SlotQuery;

/// An institution's quota of a day at a venue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayQuota {
    pub institution: Institution,
    /// The places its people may hold that day (`None`: no quota).
    pub places: Option<u32>,
    /// The places its people hold that day.
    pub held: u32,
}

/// A day at a venue, as the office manages its slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotDay {
    /// The venues, lanes and vaccines, to name them.
    pub catalog: Catalog,
    pub day: NaiveDate,
    /// The venue shown (`None`: the catalog has none).
    pub venue: Option<VenueId>,
    /// Its slots that day, closed ones too, in time order.
    pub slots: Vec<Slot>,
    /// Every institution's quota that day (empty without a venue).
    pub quotas: Vec<DayQuota>,
}

/// The slots of `day` (today in Tokyo if `None`) at `venue` (the first
/// venue if `None`) with their places taken, and every institution's quota
/// that day with the places its people hold.
pub async fn slot_day(
    ops: &Operations,
    actor: &Actor,
    day: Option<NaiveDate>,
    venue: Option<VenueId>,
) -> Result<SlotDay, OperationError> {
    actor.may(Duty::ManageSlots, Scope::Any)?;
    let catalog = reference::catalog(ops).await?;
    let day = day.unwrap_or_else(|| tokyo_day(ops.now()));
    let venue = venue.or_else(|| catalog.venues.first().map(|v| v.id));
    let (mut slots, mut quotas) = (Vec::new(), Vec::new());
    if let Some(venue) = venue {
        let next = day.succ_opt().unwrap_or(day);
        slots = ops
            .store()
            .slots(&SlotQuery {
                venue: Some(venue),
                include_closed: true,
                ..SlotQuery::between(day_start(day), day_start(next))
            })
            .await?;
        let set = ops.store().day_quotas(venue, day).await?;
        for institution in reference::institutions(ops).await? {
            let current = set.iter().find(|(i, ..)| *i == institution.id);
            quotas.push(DayQuota {
                places: current.map(|(_, places, _)| *places),
                held: current.map_or(0, |(.., held)| *held),
                institution,
            });
        }
    }
    Ok(SlotDay {
        catalog,
        day,
        venue,
        slots,
        quotas,
    })
}

/// One slot as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotDetail {
    pub slot: Slot,
    /// The venues, lanes and vaccines, to name them.
    pub catalog: Catalog,
    /// Every institution (for eligibility and quotas).
    pub institutions: Vec<Institution>,
    /// The day whose times its people may move to.
    pub move_day: NaiveDate,
    /// Those times, the same vaccine and dose (empty if nobody holds it).
    pub move_to: Vec<FreeTime>,
}

/// The slot `id` with its places taken, its eligibility and quotas, and,
/// when people hold it, the times of `move_day` (the slot's own day if
/// `None`) they may move to. [`OperationError::NotFound`] for an unknown
/// slot.
pub async fn slot_detail(
    ops: &Operations,
    actor: &Actor,
    id: SlotId,
    move_day: Option<NaiveDate>,
) -> Result<SlotDetail, OperationError> {
    actor.may(Duty::ManageSlots, Scope::Any)?;
    let slot = ops
        .store()
        .slot(id)
        .await?
        .ok_or(OperationError::NotFound)?;
    let catalog = reference::catalog(ops).await?;
    let move_day = move_day.unwrap_or_else(|| tokyo_day(slot.starts_at));
    let move_to = if slot.booked > 0 {
        free_times(ops, slot.vaccine, slot.dose, move_day, Some(slot.id)).await?
    } else {
        Vec::new()
    };
    let institutions = reference::institutions(ops).await?;
    Ok(SlotDetail {
        slot,
        catalog,
        institutions,
        move_day,
        move_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reservations::fixture::{self, actor};
    use sesshu_domain::{Denied, InstitutionId, Role};

    #[tokio::test]
    async fn an_institutions_staff_may_not_see_the_slots() {
        let office = fixture::office("slots-view-refused").await;
        let staff = actor(Role::InstitutionStaff {
            institution: InstitutionId::new(1),
        });
        let day = slot_day(&office.ops, &staff, None, None).await;
        assert!(
            matches!(day, Err(OperationError::Denied(Denied::Forbidden))),
            "{day:?}"
        );
        let one = slot_detail(&office.ops, &staff, office.slot, None).await;
        assert!(matches!(one, Err(OperationError::Denied(_))), "{one:?}");
    }

    #[tokio::test]
    async fn todays_slots_at_the_first_venue_show_the_places_taken_and_quotas() {
        let office = fixture::office("slots-view-day").await;
        office.booked_by_the_person().await;
        let day = slot_day(&office.ops, &actor(Role::Operator), None, None)
            .await
            .unwrap();
        assert_eq!((day.day, day.venue), (office.day(), Some(office.venue)));
        let taken: Vec<(SlotId, u32)> = day.slots.iter().map(|s| (s.id, s.booked)).collect();
        assert_eq!(taken, vec![(office.slot, 1)]);
        let quotas: Vec<_> = day
            .quotas
            .iter()
            .map(|q| (q.institution.id, q.places, q.held))
            .collect();
        assert_eq!(quotas, vec![(office.institution, None, 0)]);
    }

    #[tokio::test]
    async fn a_slot_people_hold_shows_where_they_may_move() {
        let office = fixture::office("slots-view-detail").await;
        let operator = actor(Role::Operator);
        let unknown = slot_detail(&office.ops, &operator, SlotId::new(999), None).await;
        assert!(
            matches!(unknown, Err(OperationError::NotFound)),
            "{unknown:?}"
        );

        let empty = slot_detail(&office.ops, &operator, office.slot, None)
            .await
            .unwrap();
        assert!(empty.move_to.is_empty(), "nobody to move");
        office.booked_by_the_person().await;
        let other = office
            .ops
            .store()
            .insert_slots(&[sesshu_store::NewSlot {
                starts_at: empty.slot.starts_at + chrono::Duration::hours(2),
                ends_at: empty.slot.ends_at + chrono::Duration::hours(2),
                ..new_slot_like(&empty.slot)
            }])
            .await
            .unwrap()[0];
        let held = slot_detail(&office.ops, &operator, office.slot, None)
            .await
            .unwrap();
        assert_eq!(held.move_day, office.day());
        let targets: Vec<SlotId> = held.move_to.iter().map(|t| t.slot).collect();
        assert_eq!(targets, vec![other], "never the slot itself");
    }

    fn new_slot_like(slot: &Slot) -> sesshu_store::NewSlot {
        sesshu_store::NewSlot {
            venue: slot.venue,
            lane: slot.lane,
            vaccine: slot.vaccine,
            dose: slot.dose,
            starts_at: slot.starts_at,
            ends_at: slot.ends_at,
            capacity: slot.capacity,
            opens_at: slot.opens_at,
            eligibility: slot.eligibility.clone(),
        }
    }
}
