//! Emptying a slot: everyone holding it moves to another slot of the same
//! dose, one reservation at a time through the booking use cases (each
//! with its `reservation.move` audit entry and the person's usual mail).

use crate::reservations::{Reason, move_for};
use crate::{Actor, OperationError, Operations};
use sesshu_core::BookingError;
use sesshu_domain::{Duty, Rejection, ReservationNumber, Scope, Series, SlotId};

/// A reservation that stayed in the slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotMoved {
    pub number: ReservationNumber,
    /// The booking rule that refused it (`None`: the move failed otherwise,
    /// and the log says why).
    pub rejection: Option<Rejection>,
}

/// What moving a slot's people did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeopleMoved {
    /// How many reservations moved.
    pub moved: usize,
    pub not_moved: Vec<NotMoved>,
}

/// Moves every reservation holding `slot` to `target` (the office's rules:
/// no deadline), each audited as `reservation.move` with `reason`, and
/// says how many moved and which could not (then the slot can be closed).
/// Needs both managing slots and changing reservations;
/// [`OperationError::NotFound`] for an unknown slot.
pub async fn move_people(
    ops: &Operations,
    actor: &Actor,
    slot: SlotId,
    target: SlotId,
    reason: &Reason,
) -> Result<PeopleMoved, OperationError> {
    actor.may(Duty::ManageSlots, Scope::Any)?;
    actor.may(Duty::ChangeReservations, Scope::Any)?;
    let slot = ops
        .store()
        .slot(slot)
        .await?
        .ok_or(OperationError::NotFound)?;
    let holders: Vec<Series> = ops
        .store()
        .series_at(slot.venue, slot.starts_at, slot.ends_at)
        .await?
        .into_iter()
        .filter(|s| s.doses.iter().any(|d| d.slot == slot.id))
        .collect();
    let mut done = PeopleMoved::default();
    for series in holders {
        let Some(person) = ops.store().person(series.person).await? else {
            continue;
        };
        let Some(institution) = ops.store().institution(person.institution).await? else {
            continue;
        };
        let detail = format!("reason: slot {} emptied: {reason}", slot.id);
        match move_for(ops, actor, (&series, &person, &institution), target, detail).await? {
            Ok(()) => done.moved += 1,
            Err(BookingError::Rejected(r)) => done.not_moved.push(NotMoved {
                number: series.number,
                rejection: Some(r),
            }),
            Err(e) => {
                tracing::error!(error = %e, "moving a slot's people failed");
                done.not_moved.push(NotMoved {
                    number: series.number,
                    rejection: None,
                });
            }
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reservations::fixture::{self, actor};
    use sesshu_domain::{Denied, Role};
    use sesshu_store::NewSlot;

    /// A slot two hours after the fixture's, with `capacity` places.
    async fn later_slot(office: &fixture::Office, capacity: u32) -> SlotId {
        let slot = office.ops.store().slot(office.slot).await.unwrap().unwrap();
        office
            .ops
            .store()
            .insert_slots(&[NewSlot {
                venue: slot.venue,
                lane: slot.lane,
                vaccine: slot.vaccine,
                dose: slot.dose,
                starts_at: slot.starts_at + chrono::Duration::hours(2),
                ends_at: slot.ends_at + chrono::Duration::hours(2),
                capacity,
                opens_at: slot.opens_at,
                eligibility: slot.eligibility.clone(),
            }])
            .await
            .unwrap()[0]
    }

    fn reason() -> Reason {
        Reason::parse("venue closed").unwrap()
    }

    #[tokio::test]
    async fn an_institutions_staff_may_not_empty_a_slot_and_nothing_moves() {
        let office = fixture::office("slots-move-refused").await;
        office.booked_by_the_person().await;
        let target = later_slot(&office, 5).await;
        let staff = actor(Role::InstitutionStaff {
            institution: office.institution,
        });
        let refused = move_people(&office.ops, &staff, office.slot, target, &reason()).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
        let slot = office.ops.store().slot(office.slot).await.unwrap().unwrap();
        assert_eq!(slot.booked, 1);
    }

    #[tokio::test]
    async fn everyone_holding_the_slot_moves_with_an_audit_entry_each() {
        let office = fixture::office("slots-move").await;
        office.booked_by_the_person().await;
        let target = later_slot(&office, 5).await;
        let operator = actor(Role::Operator);
        let unknown =
            move_people(&office.ops, &operator, SlotId::new(999), target, &reason()).await;
        assert!(
            matches!(unknown, Err(OperationError::NotFound)),
            "{unknown:?}"
        );

        let done = move_people(&office.ops, &operator, office.slot, target, &reason())
            .await
            .unwrap();
        assert_eq!(
            done,
            PeopleMoved {
                moved: 1,
                not_moved: Vec::new()
            }
        );
        let emptied = office.ops.store().slot(office.slot).await.unwrap().unwrap();
        assert_eq!(emptied.booked, 0);
        assert_eq!(
            office.audit_trail().await,
            vec![(
                "reservation.move".to_owned(),
                format!("reason: slot {} emptied: venue closed", office.slot)
            )]
        );
    }

    #[tokio::test]
    async fn a_reservation_the_target_cannot_take_stays_and_is_named() {
        let office = fixture::office("slots-move-full").await;
        let number = office.booked_by_the_person().await;
        let full = later_slot(&office, 0).await;
        let done = move_people(
            &office.ops,
            &actor(Role::Operator),
            office.slot,
            full,
            &reason(),
        )
        .await
        .unwrap();
        assert_eq!(done.moved, 0);
        assert_eq!(done.not_moved.len(), 1);
        assert_eq!(done.not_moved[0].number, number);
        assert!(done.not_moved[0].rejection.is_some(), "{done:?}");
        let slot = office.ops.store().slot(office.slot).await.unwrap().unwrap();
        assert_eq!(slot.booked, 1);
    }
}
