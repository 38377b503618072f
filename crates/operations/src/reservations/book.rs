//! Booking for a person (代理予約): a phone call to the office. The person
//! is found by their institution and login id — made from the roster if
//! their institution's roster is Sesshu's and they never signed in — and
//! booked by the office's rules (no deadline, no opening time), with the
//! audit entry in the booking's transaction and the usual mail.

use super::{FreeTime, Reason, booking_failed, free_times, read_failed};
use crate::{Actor, OperationError, Operations};
use chrono::NaiveDate;
use sesshu_core::BookingError;
use sesshu_domain::booking::Booker;
use sesshu_domain::{
    AuditAction, AuditObject, Duty, Institution, InstitutionId, Language, Person, Rejection,
    ReservationNumber, Scope, SlotId, Subject, ToBook,
};

/// Whether the office may book for a member, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bookable {
    /// Sesshu has never seen this member (not signed in, not on a roster
    /// Sesshu holds).
    NeverSignedIn,
    /// They hold this active reservation already.
    Holds(ReservationNumber),
    /// They may be booked: the first-dose times of the day with free
    /// places, every vaccine (in the catalog's order), then time — or,
    /// their first dose received elsewhere, the second-dose times from the
    /// day its vaccine's interval allows.
    Bookable(Vec<FreeTime>),
    /// Both doses were received elsewhere: nothing is left to book.
    Vaccinated,
}

/// Whether `member` of `institution` can be booked by phone, and the times
/// of `day` to offer them, if `actor` may change that institution's
/// reservations.
pub async fn booking_for(
    ops: &Operations,
    actor: &Actor,
    institution: InstitutionId,
    member: &Subject,
    day: NaiveDate,
) -> Result<Bookable, OperationError> {
    let institution = institution_to_book_for(ops, actor, institution).await?;
    let bookings = ops.bookings();
    let Some((person, _)) = bookings
        .member_person(&institution, member)
        .await
        .map_err(read_failed)?
    else {
        return Ok(Bookable::NeverSignedIn);
    };
    if person.id.get() != 0
        && let Some(active) = bookings.active_series(&person).await.map_err(read_failed)?
    {
        return Ok(Bookable::Holds(active.number));
    }
    let to_book = bookings
        .to_book_of(institution.id, member)
        .await
        .map_err(read_failed)?;
    let Some(dose) = to_book.starts_with() else {
        return Ok(Bookable::Vaccinated);
    };
    let catalog = crate::reference::catalog(ops).await?;
    let mut times = Vec::new();
    for vaccine in &catalog.vaccines {
        let allowed = match to_book {
            ToBook::SecondDose { .. } => to_book
                .second_dose_from(vaccine)
                .is_some_and(|earliest| day >= earliest),
            ToBook::BothDoses | ToBook::Nothing => true,
        };
        if allowed {
            times.extend(free_times(ops, vaccine.id, dose, day, None).await?);
        }
    }
    Ok(Bookable::Bookable(times))
}

/// A booking the office makes for a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookFor {
    pub institution: InstitutionId,
    pub member: Subject,
    /// The first-dose slot (another lane at its time if it is full).
    pub slot: SlotId,
    pub reason: Reason,
}

/// How a booking by phone ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Booked {
    /// Booked, with its audit entry and the person's mail.
    Booked(ReservationNumber),
    /// Sesshu has never seen this member: nothing was made.
    UnknownMember,
    /// No slot has this id.
    NoSuchSlot,
    /// A booking rule refused it (full, closed, not eligible, already
    /// booked…): nothing changed.
    Refused(Rejection),
}

/// Books `booking.slot` for the member, by the office's rules, with the
/// `reservation.book` entry in the booking's transaction, if `actor` may
/// change the institution's reservations. A member of the built-in
/// directory who never signed in is made from the roster first.
pub async fn book_for(
    ops: &Operations,
    actor: &Actor,
    booking: &BookFor,
) -> Result<Booked, OperationError> {
    let institution = institution_to_book_for(ops, actor, booking.institution).await?;
    let bookings = ops.bookings();
    let Some((person, new)) = bookings
        .member_person(&institution, &booking.member)
        .await
        .map_err(read_failed)?
    else {
        return Ok(Booked::UnknownMember);
    };
    let person: Person = match new {
        Some(login) => ops.store().person_for_login(&login).await?,
        None => person,
    };
    let language = match bookings
        .series_of(&person)
        .await
        .map_err(read_failed)?
        .first()
    {
        Some(latest) => bookings
            .last_language(latest.id)
            .await
            .map_err(read_failed)?,
        None => Language::Ja,
    };
    let entry = actor.entry(
        ops.now(),
        AuditAction::ReservationBook,
        vec![
            AuditObject::Person(person.id),
            AuditObject::Slot(booking.slot),
            AuditObject::Institution(institution.id),
        ],
        format!("reason: {}", booking.reason),
    );
    let who = Booker::office(&person, &institution);
    match bookings
        .book_on_behalf(who, booking.slot, language, entry)
        .await
    {
        Ok(booked) => Ok(Booked::Booked(booked.series().number.clone())),
        Err(BookingError::Rejected(r)) => Ok(Booked::Refused(r)),
        Err(BookingError::NotFound) => Ok(Booked::NoSuchSlot),
        Err(e) => Err(booking_failed("a booking by the office", e)),
    }
}

/// The institution whose member the office books for, if `actor` may
/// change its reservations; checked before a booking's form is read, so
/// that a page refuses first.
pub async fn institution_to_book_for(
    ops: &Operations,
    actor: &Actor,
    institution: InstitutionId,
) -> Result<Institution, OperationError> {
    actor.may(Duty::ChangeReservations, Scope::Any)?;
    actor.may(Duty::ChangeReservations, Scope::Institution(institution))?;
    ops.store()
        .institution(institution)
        .await?
        .ok_or(OperationError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{self, actor};
    use super::*;
    use sesshu_domain::{Denied, Role};

    fn booking(office: &fixture::Office) -> BookFor {
        BookFor {
            institution: office.institution,
            member: office.member.clone(),
            slot: office.slot,
            reason: Reason::parse("phone call").unwrap(),
        }
    }

    #[tokio::test]
    async fn venue_staff_may_not_book_and_nothing_is_written() {
        let office = fixture::office("book-venue").await;
        let venue = actor(Role::VenueStaff {
            venue: office.venue,
        });
        let refused = book_for(&office.ops, &venue, &booking(&office)).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
        let series = office.ops.store().series_of(office.person.id).await;
        assert!(series.unwrap().is_empty());
    }

    #[tokio::test]
    async fn staff_book_by_phone_once_with_the_reason_audited() {
        let office = fixture::office("book-done").await;
        let staff = actor(Role::InstitutionStaff {
            institution: office.institution,
        });
        let offered = booking_for(
            &office.ops,
            &staff,
            office.institution,
            &office.member,
            office.day(),
        )
        .await
        .unwrap();
        assert!(
            matches!(&offered, Bookable::Bookable(times) if times.len() == 1),
            "{offered:?}"
        );

        let Booked::Booked(number) = book_for(&office.ops, &staff, &booking(&office))
            .await
            .unwrap()
        else {
            panic!("not booked");
        };
        assert_eq!(
            office.audit_trail().await,
            vec![(
                "reservation.book".to_owned(),
                "reason: phone call".to_owned()
            )]
        );
        let now = booking_for(
            &office.ops,
            &staff,
            office.institution,
            &office.member,
            office.day(),
        )
        .await
        .unwrap();
        assert_eq!(now, Bookable::Holds(number));
        let again = book_for(&office.ops, &staff, &booking(&office))
            .await
            .unwrap();
        assert_eq!(again, Booked::Refused(Rejection::AlreadyBooked));
    }

    #[tokio::test]
    async fn a_member_sesshu_never_saw_cannot_be_booked() {
        let office = fixture::office("book-unknown").await;
        let operator = actor(Role::Operator);
        let stranger = BookFor {
            member: Subject::parse("hanako").unwrap(),
            ..booking(&office)
        };
        let outcome = book_for(&office.ops, &operator, &stranger).await.unwrap();
        assert_eq!(outcome, Booked::UnknownMember);
        assert_eq!(office.audited().await, 0);
    }
}
