//! Reservations as the office finds, reads and changes them for their
//! people: a reservation by its number, its page (with the person's
//! personal data, audited), the search, cancelling and moving by staff,
//! and booking by phone for a person.
//!
//! Every reservation is reached through [`find`], which answers an unknown
//! number and one outside the role's scope alike (not found). Changes go
//! through the booking use cases ([`sesshu_core::Bookings`]): the office's
//! rules (no deadline, no opening time), its audit entry in the change's
//! transaction, and the person's usual mail.

mod book;
mod change;
#[cfg(test)]
pub(crate) mod fixture;
mod search;

pub use book::{BookFor, Bookable, Booked, book_for, booking_for, institution_to_book_for};
pub(crate) use change::move_for;
pub use change::{Cancelled, MoveChoices, Moved, cancel, move_choices, move_series};
pub use search::{Found, FoundReservation, SEARCH_LIMIT, SearchFilter, search};

use crate::personal::{self, Opened};
use crate::{Actor, OperationError, Operations};
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_core::BookingError;
use sesshu_domain::{
    DoseNumber, Duty, Institution, Person, ReservationNumber, Scope, Series, SlotId, VaccineId,
    VenueId, day_start,
};
use sesshu_store::{SlotQuery, StoreError};
use sesshu_vault::Field;
use sesshu_vault_open::Keyring;

/// A reservation (its series of doses) and the person who holds it.
#[derive(Clone, Debug)]
pub struct Reservation {
    pub series: Series,
    pub person: Person,
}

/// The reservation numbered `number`, if `actor` may do `duty` to its
/// person's institution. An unknown number ([`OperationError::NotFound`])
/// and one outside the role's scope (`Denied::NotFound`) both answer 404,
/// so that staff cannot learn another institution's numbers.
pub async fn find(
    ops: &Operations,
    actor: &Actor,
    duty: Duty,
    number: &ReservationNumber,
) -> Result<Reservation, OperationError> {
    actor.may(duty, Scope::Any)?;
    let found = lookup(ops, number).await?;
    actor.may(duty, Scope::Institution(found.person.institution))?;
    Ok(found)
}

/// The reservation and its person, with no check of the role (the caller
/// checks the scope it needs, e.g. the venue of today's dose).
pub(crate) async fn lookup(
    ops: &Operations,
    number: &ReservationNumber,
) -> Result<Reservation, OperationError> {
    let series = ops
        .store()
        .series_by_number(number)
        .await?
        .ok_or(OperationError::NotFound)?;
    let person = ops
        .store()
        .person(series.person)
        .await?
        .ok_or(OperationError::NotFound)?;
    Ok(Reservation { series, person })
}

/// Why the office changes a reservation, as the audit trail keeps it:
/// trimmed, at most 300 characters, never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    /// The longest reason kept (longer ones are cut).
    pub const MAX: usize = sesshu_core::fixes::REASON_MAX;

    /// The reason typed, or `None` if there is none.
    pub fn parse(text: &str) -> Option<Self> {
        let reason: String = text.trim().chars().take(Self::MAX).collect();
        (!reason.is_empty()).then_some(Self(reason))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Reason> for String {
    fn from(reason: Reason) -> Self {
        reason.0
    }
}

/// The doses of a series checked in at a venue, and when.
pub type CheckedIn = Vec<(DoseNumber, DateTime<Utc>)>;

/// What the office shows of one reservation: its doses and check-ins, its
/// person's institution, and the person's personal data (opened, audited).
#[derive(Debug)]
pub struct ReservationView {
    pub series: Series,
    pub person: Person,
    pub institution: Institution,
    pub checked_in: CheckedIn,
    pub opened: Opened,
    /// The reservation is active and `actor` may cancel or move it.
    pub can_change: bool,
}

/// The reservation numbered `number` with everything its page shows, if
/// `actor` may view its institution's reservations; every field of the
/// person's personal data is opened after a `personal.view` entry
/// (`reservation`).
pub async fn detail(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    number: &ReservationNumber,
) -> Result<ReservationView, OperationError> {
    let Reservation { series, person } = find(ops, actor, Duty::ViewReservations, number).await?;
    let institution = crate::reference::institution(ops, person.institution).await?;
    let checked_in = ops.store().check_ins(series.id).await?;
    let opened = personal::open(
        ops,
        keys,
        actor,
        &person,
        &series,
        &Field::ALL,
        "reservation",
    )
    .await?;
    let can_change = series.is_active()
        && actor
            .may(
                Duty::ChangeReservations,
                Scope::Institution(person.institution),
            )
            .is_ok();
    Ok(ReservationView {
        series,
        person,
        institution,
        checked_in,
        opened,
        can_change,
    })
}

/// A time the office may book or move a reservation to: a venue's lanes
/// at one time, through the emptiest of them (the store tries the others
/// at that time too), with the places left in all of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreeTime {
    pub slot: SlotId,
    pub starts_at: DateTime<Utc>,
    pub venue: VenueId,
    pub free: u32,
}

/// The times of `day` still to come with free places for `dose` of
/// `vaccine` (any venue, open slots), one per venue and time, in time
/// order, leaving out `except` (a slot being emptied). Nothing personal:
/// the caller has checked the role of the page.
pub async fn free_times(
    ops: &Operations,
    vaccine: VaccineId,
    dose: DoseNumber,
    day: NaiveDate,
    except: Option<SlotId>,
) -> Result<Vec<FreeTime>, OperationError> {
    let next = day.succ_opt().unwrap_or(day);
    let slots = ops
        .store()
        .slots(&SlotQuery {
            dose: Some(dose),
            vaccine: Some(vaccine),
            ..SlotQuery::between(day_start(day), day_start(next))
        })
        .await?;
    let now = ops.now();
    // Each venue and time: its emptiest lane, and the places of all lanes.
    let mut times: Vec<(&sesshu_domain::Slot, u32)> = Vec::new();
    for slot in slots
        .iter()
        .filter(|s| !s.closed && s.starts_at > now && Some(s.id) != except)
    {
        match times
            .iter_mut()
            .find(|(shown, _)| shown.starts_at == slot.starts_at && shown.venue == slot.venue)
        {
            Some((shown, free)) => {
                *free += slot.free();
                if slot.free() > shown.free() {
                    *shown = slot;
                }
            }
            None => times.push((slot, slot.free())),
        }
    }
    times.sort_by_key(|(slot, _)| (slot.starts_at, slot.venue));
    Ok(times
        .into_iter()
        .filter(|(_, free)| *free > 0)
        .map(|(slot, free)| FreeTime {
            slot: slot.id,
            starts_at: slot.starts_at,
            venue: slot.venue,
            free,
        })
        .collect())
}

/// A booking use case failed where no refusal was expected: logged here
/// with `what` was being done, answered as the store's failure.
pub(crate) fn booking_failed(what: &'static str, e: BookingError) -> OperationError {
    tracing::error!(error = %e, "{what} failed");
    match e {
        BookingError::Store(e) => OperationError::Store(e),
        BookingError::NotFound => OperationError::NotFound,
        BookingError::Rejected(r) => OperationError::Store(StoreError::Rejected(r)),
        BookingError::IdempotencyKeyReused => {
            OperationError::Store(StoreError::IdempotencyKeyReused)
        }
    }
}

/// A booking use case's read failed (the store): as the store's failure.
pub(crate) fn read_failed(e: BookingError) -> OperationError {
    match e {
        BookingError::Store(e) => OperationError::Store(e),
        BookingError::NotFound => OperationError::NotFound,
        other => booking_failed("a read of the booking use cases", other),
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{self, actor};
    use super::*;
    use sesshu_domain::{Denied, InstitutionId, Role};

    #[tokio::test]
    async fn a_reservation_of_another_institution_is_not_found() {
        let office = fixture::office("find-other").await;
        let number = office.booked().await;
        let other = actor(Role::InstitutionStaff {
            institution: InstitutionId::new(office.institution.get() + 1),
        });
        let found = find(&office.ops, &other, Duty::ViewReservations, &number).await;
        assert!(
            matches!(found, Err(OperationError::Denied(Denied::NotFound))),
            "{found:?}"
        );
    }

    #[tokio::test]
    async fn venue_staff_may_not_look_reservations_up() {
        let office = fixture::office("find-venue").await;
        let number = office.booked().await;
        let venue = actor(Role::VenueStaff {
            venue: office.venue,
        });
        let found = find(&office.ops, &venue, Duty::ViewReservations, &number).await;
        assert!(
            matches!(found, Err(OperationError::Denied(Denied::Forbidden))),
            "{found:?}"
        );
    }

    #[tokio::test]
    async fn the_free_times_of_a_day_show_the_places_left() {
        let office = fixture::office("free-times").await;
        office.booked().await;
        let times = free_times(
            &office.ops,
            office.vaccine,
            DoseNumber::FIRST,
            office.day(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(times.len(), 1);
        assert_eq!(times[0].slot, office.slot);
        assert_eq!(times[0].free, fixture::CAPACITY - 1);
        let without = free_times(
            &office.ops,
            office.vaccine,
            DoseNumber::FIRST,
            office.day(),
            Some(office.slot),
        )
        .await
        .unwrap();
        assert!(without.is_empty());
    }

    #[test]
    fn a_reason_is_trimmed_cut_and_never_empty() {
        assert_eq!(Reason::parse("  \n "), None);
        assert_eq!(
            Reason::parse(" phone call ").map(String::from).as_deref(),
            Some("phone call")
        );
        let long = "あ".repeat(400);
        let cut = Reason::parse(&long).unwrap();
        assert_eq!(cut.as_str().chars().count(), Reason::MAX);
    }
}
