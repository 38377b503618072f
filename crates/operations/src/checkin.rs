//! Check-in at the venue's desk: a reservation by its number with today's
//! dose, the person's name to confirm who is there (opened, audited), and
//! recording the dose as checked in (once, audited).
//!
//! Venue staff see only reservations with a dose at their venue today;
//! anything else is answered as not found.

use crate::personal::{self, Opened};
use crate::reservations::{CheckedIn, Reservation, lookup};
use crate::{Actor, OperationError, Operations};
use chrono::{DateTime, Utc};
use sesshu_domain::{
    AdminId, AuditAction, AuditObject, Dose, Duty, ReservationNumber, Scope, Series, SeriesState,
    tokyo_day,
};
use sesshu_vault::Field;
use sesshu_vault_open::Keyring;

/// What the desk shows of a reservation.
#[derive(Debug)]
pub struct Desk {
    pub series: Series,
    /// Its dose today (Tokyo), if it has one.
    pub today: Option<Dose>,
    pub checked_in: CheckedIn,
    /// The person's names in kanji and kana, to ask who is there.
    pub opened: Opened,
}

impl Desk {
    /// When today's dose was checked in, if it was.
    pub fn checked_in_today(&self) -> Option<DateTime<Utc>> {
        let dose = self.today.as_ref()?;
        self.checked_in
            .iter()
            .find(|(n, _)| *n == dose.number)
            .map(|(_, at)| *at)
    }

    /// Today's dose, if it can be checked in now (booked, not yet in).
    pub fn to_check_in(&self) -> Option<&Dose> {
        self.today
            .as_ref()
            .filter(|_| self.series.state == SeriesState::Booked)
            .filter(|_| self.checked_in_today().is_none())
    }
}

/// The reservation numbered `number` at the desk, with today's dose and
/// its check-ins, if `actor` checks people in there; the person's names
/// are opened after a `personal.view` entry (`check-in`).
pub async fn desk(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    number: &ReservationNumber,
) -> Result<Desk, OperationError> {
    let (Reservation { series, person }, today) = due_today(ops, actor, number).await?;
    let checked_in = ops.store().check_ins(series.id).await?;
    let opened = personal::open(
        ops,
        keys,
        actor,
        &person,
        &series,
        &[Field::NameKanji, Field::NameKana],
        "check-in",
    )
    .await?;
    Ok(Desk {
        series,
        today,
        checked_in,
        opened,
    })
}

/// How a check-in ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckIn {
    /// Checked in now, with its audit entry.
    Now(DateTime<Utc>),
    /// It had been checked in before, at that time: nothing changed.
    Before(DateTime<Utc>),
    /// No booked dose today (cancelled, or another day): nothing changed.
    NotDue,
}

/// Records today's dose of the reservation numbered `number` as checked in
/// by the account `by`, with its `checkin` entry in the same transaction,
/// if `actor` checks people in at the dose's venue.
pub async fn check_in(
    ops: &Operations,
    actor: &Actor,
    by: AdminId,
    number: &ReservationNumber,
) -> Result<CheckIn, OperationError> {
    let (Reservation { series, person }, today) = due_today(ops, actor, number).await?;
    let Some(dose) = today.filter(|_| series.state == SeriesState::Booked) else {
        return Ok(CheckIn::NotDue);
    };
    let entry = actor.entry(
        ops.now(),
        AuditAction::CheckIn,
        vec![
            AuditObject::Series(series.id),
            AuditObject::Person(person.id),
            AuditObject::Venue(dose.venue),
        ],
        format!("dose {}", dose.number.get()),
    );
    Ok(
        match ops
            .store()
            .check_in(series.id, dose.number, by, &entry)
            .await?
        {
            sesshu_store::CheckedIn::Now(at) => CheckIn::Now(at),
            sesshu_store::CheckedIn::Before(at) => CheckIn::Before(at),
        },
    )
}

/// The reservation and its dose due today, if `actor` may check people in
/// there. Venue staff see nothing of a reservation that has no dose at
/// their venue today.
async fn due_today(
    ops: &Operations,
    actor: &Actor,
    number: &ReservationNumber,
) -> Result<(Reservation, Option<Dose>), OperationError> {
    actor.may(Duty::CheckIn, Scope::Any)?;
    let found = lookup(ops, number).await?;
    let today = tokyo_day(ops.now());
    let dose = found
        .series
        .doses
        .iter()
        .find(|d| tokyo_day(d.starts_at) == today)
        .cloned();
    match &dose {
        Some(d) => actor.may(Duty::CheckIn, Scope::Venue(d.venue))?,
        None if actor.role.venue().is_some() => return Err(OperationError::NotFound),
        None => {}
    }
    Ok((found, dose))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reservations::fixture::{self, actor};
    use sesshu_domain::{Denied, Role, VenueId};

    #[tokio::test]
    async fn institution_staff_may_not_check_in_and_nothing_is_written() {
        let office = fixture::office("checkin-refused").await;
        let number = office.booked().await;
        let staff = actor(Role::InstitutionStaff {
            institution: office.institution,
        });
        let refused = check_in(&office.ops, &staff, office.admin, &number).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
    }

    #[tokio::test]
    async fn staff_of_another_venue_find_no_reservation() {
        let office = fixture::office("checkin-elsewhere").await;
        let number = office.booked().await;
        let elsewhere = actor(Role::VenueStaff {
            venue: VenueId::new(office.venue.get() + 1),
        });
        let refused = check_in(&office.ops, &elsewhere, office.admin, &number).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::NotFound))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
    }

    #[tokio::test]
    async fn the_venues_staff_check_todays_dose_in_once() {
        let office = fixture::office("checkin-done").await;
        let number = office.booked().await;
        let venue = actor(Role::VenueStaff {
            venue: office.venue,
        });
        let first = check_in(&office.ops, &venue, office.admin, &number)
            .await
            .unwrap();
        let CheckIn::Now(at) = first else {
            panic!("not checked in: {first:?}");
        };
        let again = check_in(&office.ops, &venue, office.admin, &number)
            .await
            .unwrap();
        assert_eq!(again, CheckIn::Before(at));
        assert_eq!(
            office.audit_trail().await,
            vec![("checkin".to_owned(), "dose 1".to_owned())]
        );
    }

    #[tokio::test]
    async fn a_cancelled_reservation_is_not_checked_in() {
        let office = fixture::office("checkin-cancelled").await;
        let number = office.booked().await;
        let operator = actor(Role::Operator);
        let reason = crate::reservations::Reason::parse("no show").unwrap();
        crate::reservations::cancel(&office.ops, &operator, &number, &reason)
            .await
            .unwrap();
        let outcome = check_in(&office.ops, &operator, office.admin, &number)
            .await
            .unwrap();
        assert_eq!(outcome, CheckIn::NotDue);
        assert_eq!(office.audited().await, 1, "only the cancellation");
    }
}
