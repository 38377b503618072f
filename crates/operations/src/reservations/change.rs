//! Staff cancelling or moving a reservation for its person (after the
//! change deadline too), with a reason; the person gets the usual mail, in
//! the language of their last one.

use super::{
    CheckedIn, FreeTime, Reason, Reservation, booking_failed, find, free_times, read_failed,
};
use crate::{Actor, OperationError, Operations};
use chrono::NaiveDate;
use sesshu_core::BookingError;
use sesshu_domain::booking::Booker;
use sesshu_domain::{
    AuditAction, AuditObject, DoseNumber, Duty, Institution, Person, Rejection, ReservationNumber,
    Series, SlotId, tokyo_day,
};

/// How a cancellation by the office ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cancelled {
    /// Cancelled now, with its audit entry and the person's mail.
    Cancelled,
    /// It was cancelled already: nothing changed.
    NotActive,
}

/// Cancels the reservation numbered `number` for its person, at any time,
/// with `reason` in its `reservation.cancel` entry (in the cancellation's
/// transaction), if `actor` may change its institution's reservations.
pub async fn cancel(
    ops: &Operations,
    actor: &Actor,
    number: &ReservationNumber,
    reason: &Reason,
) -> Result<Cancelled, OperationError> {
    let Reservation { series, person } = find(ops, actor, Duty::ChangeReservations, number).await?;
    if !series.is_active() {
        return Ok(Cancelled::NotActive);
    }
    let bookings = ops.bookings();
    let language = bookings
        .last_language(series.id)
        .await
        .map_err(read_failed)?;
    let entry = actor.entry(
        ops.now(),
        AuditAction::ReservationCancel,
        vec![
            AuditObject::Series(series.id),
            AuditObject::Institution(person.institution),
        ],
        format!("reason: {reason}"),
    );
    ops.store()
        .cancel_audited(series.id, language, &entry)
        .await?;
    Ok(Cancelled::Cancelled)
}

/// Where a reservation may be moved: its doses now, and the first-dose
/// times of a day with free places (any venue, its vaccine).
#[derive(Clone, Debug)]
pub struct MoveChoices {
    pub series: Series,
    pub checked_in: CheckedIn,
    /// The day shown: the one asked for, else the reservation's first
    /// dose's, else today (Tokyo).
    pub day: NaiveDate,
    pub times: Vec<FreeTime>,
}

/// The times of `day` the reservation numbered `number` may be moved to
/// (the whole series: the second dose follows), if `actor` may change its
/// institution's reservations.
pub async fn move_choices(
    ops: &Operations,
    actor: &Actor,
    number: &ReservationNumber,
    day: Option<NaiveDate>,
) -> Result<MoveChoices, OperationError> {
    let Reservation { series, .. } = find(ops, actor, Duty::ChangeReservations, number).await?;
    let day = day
        .or_else(|| series.first_appointment().map(tokyo_day))
        .unwrap_or_else(|| tokyo_day(ops.now()));
    // A series of the second dose alone (the first received elsewhere)
    // moves within second-dose times.
    let dose = series
        .doses
        .first()
        .map_or(DoseNumber::FIRST, |first| first.number);
    let times = free_times(ops, series.vaccine, dose, day, None).await?;
    let checked_in = ops.store().check_ins(series.id).await?;
    Ok(MoveChoices {
        series,
        checked_in,
        day,
        times,
    })
}

/// How a move by the office ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moved {
    /// Moved, with its audit entry and the person's mail.
    Moved,
    /// A booking rule refused it (a full or closed slot, another vaccine…):
    /// nothing changed.
    Refused(Rejection),
}

/// Moves the reservation numbered `number` to `slot` (and its second dose
/// with it) for its person, after the deadline too, with `reason` in its
/// `reservation.move` entry, if `actor` may change its institution's
/// reservations. An unknown slot is [`OperationError::NotFound`].
pub async fn move_series(
    ops: &Operations,
    actor: &Actor,
    number: &ReservationNumber,
    slot: SlotId,
    reason: &Reason,
) -> Result<Moved, OperationError> {
    let Reservation { series, person } = find(ops, actor, Duty::ChangeReservations, number).await?;
    let institution = crate::reference::institution(ops, person.institution).await?;
    let moved = move_for(
        ops,
        actor,
        (&series, &person, &institution),
        slot,
        format!("reason: {reason}"),
    )
    .await?;
    match moved {
        Ok(()) => Ok(Moved::Moved),
        Err(BookingError::Rejected(r)) => Ok(Moved::Refused(r)),
        Err(BookingError::NotFound) => Err(OperationError::NotFound),
        Err(e) => Err(booking_failed("a move by the office", e)),
    }
}

/// Moves `series` to `target` for its person (the office's move: after
/// the deadline too), in the language its mails are in, with its
/// `reservation.move` entry saying `detail`. The booking rules' answer is
/// the inner result; a failed read is the outer error.
pub(crate) async fn move_for(
    ops: &Operations,
    actor: &Actor,
    (series, person, institution): (&Series, &Person, &Institution),
    target: SlotId,
    detail: String,
) -> Result<Result<(), BookingError>, OperationError> {
    let bookings = ops.bookings();
    let language = bookings
        .last_language(series.id)
        .await
        .map_err(read_failed)?;
    let entry = actor.entry(
        ops.now(),
        AuditAction::ReservationMove,
        vec![
            AuditObject::Series(series.id),
            AuditObject::Slot(target),
            AuditObject::Institution(person.institution),
        ],
        detail,
    );
    let who = Booker::office(person, institution);
    Ok(bookings
        .change_on_behalf(who, &series.number, target, language, entry)
        .await
        .map(|_| ()))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{self, actor};
    use super::*;
    use sesshu_domain::{Denied, InstitutionId, Role, SeriesState};

    fn reason() -> Reason {
        Reason::parse("phone call").unwrap()
    }

    #[tokio::test]
    async fn venue_staff_may_not_cancel_and_nothing_is_written() {
        let office = fixture::office("cancel-venue").await;
        let number = office.booked().await;
        let venue = actor(Role::VenueStaff {
            venue: office.venue,
        });
        let refused = cancel(&office.ops, &venue, &number, &reason()).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
        let series = office
            .ops
            .store()
            .series_by_number(&number)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(series.state, SeriesState::Booked);
    }

    #[tokio::test]
    async fn another_institutions_staff_cannot_move_it() {
        let office = fixture::office("move-other").await;
        let number = office.booked().await;
        let other = actor(Role::InstitutionStaff {
            institution: InstitutionId::new(office.institution.get() + 1),
        });
        let refused = move_series(&office.ops, &other, &number, office.slot, &reason()).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::NotFound))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
    }

    #[tokio::test]
    async fn staff_cancel_a_reservation_once_with_the_reason_audited() {
        let office = fixture::office("cancel-done").await;
        let number = office.booked().await;
        let staff = actor(Role::InstitutionStaff {
            institution: office.institution,
        });
        let done = cancel(&office.ops, &staff, &number, &reason())
            .await
            .unwrap();
        assert_eq!(done, Cancelled::Cancelled);
        assert_eq!(
            office.audit_trail().await,
            vec![(
                "reservation.cancel".to_owned(),
                "reason: phone call".to_owned()
            )]
        );
        let again = cancel(&office.ops, &staff, &number, &reason())
            .await
            .unwrap();
        assert_eq!(again, Cancelled::NotActive);
        assert_eq!(office.audited().await, 1, "nothing more is written");
    }

    #[tokio::test]
    async fn the_move_choices_show_the_day_of_the_first_dose() {
        let office = fixture::office("move-choices").await;
        let number = office.booked().await;
        let operator = actor(Role::Operator);
        let choices = move_choices(&office.ops, &operator, &number, None)
            .await
            .unwrap();
        assert_eq!(choices.day, office.day());
        assert_eq!(choices.times.len(), 1);
        assert!(choices.checked_in.is_empty());
    }
}
