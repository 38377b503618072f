//! Check-in at the venue's desk: a reservation found by the token its
//! confirmation's QR code carries (scanned by the camera or a handheld
//! scanner) or by its number typed, with the dose of the visit, what is
//! wrong with it (another day, another venue, an earlier dose not given, a
//! dose given already), the person's name to confirm who is there (opened,
//! audited), and recording the dose as checked in (once, audited).
//!
//! Venue staff see a reservation found by its number only if it has a dose
//! at their venue; one found by its token (the person is at the desk with
//! it) they see anywhere, with the warning, but its names only where it is
//! due.

use crate::personal::{self, Opened};
use crate::reservations::{CheckedIn, Reservation};
use crate::{Actor, OperationError, Operations};
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::{
    AdminId, AuditAction, AuditObject, CheckInToken, Dose, DoseNumber, DoseRecord, Duty,
    ReservationNumber, Scope, Series, SeriesState, VenueId, tokyo_day,
};
use sesshu_vault::Field;
use sesshu_vault_open::Keyring;

/// How the desk finds a reservation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The token of a confirmation's QR code.
    Token(CheckInToken),
    /// The reservation number, typed.
    Number(ReservationNumber),
}

impl Lookup {
    /// What the desk's one field holds: a token (32 hex digits, as a
    /// scanner types it) or a reservation number.
    pub fn parse(text: &str) -> Option<Self> {
        CheckInToken::parse(text)
            .map(Lookup::Token)
            .or_else(|_| ReservationNumber::parse(text).map(Lookup::Number))
            .ok()
    }
}

/// What the desk must be warned of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// The reservation was cancelled.
    Cancelled,
    /// No dose today: the visit's dose is on that day.
    WrongDay(NaiveDate),
    /// The dose is at another venue.
    WrongVenue(VenueId),
    /// The second dose, and the first has no vaccination recorded here nor
    /// a dose received elsewhere.
    EarlierDoseNotGiven,
    /// The dose was given already, then.
    AlreadyGiven(DateTime<Utc>),
}

impl Warning {
    /// Whether the visit's dose may not be checked in here and now.
    pub fn blocks_check_in(&self) -> bool {
        !matches!(self, Warning::EarlierDoseNotGiven)
    }
}

/// When `dose` was checked in, if it was.
fn checked_in_at(dose: Option<&Dose>, checked_in: &CheckedIn) -> Option<DateTime<Utc>> {
    let dose = dose?;
    checked_in
        .iter()
        .find(|(n, _)| *n == dose.number)
        .map(|(_, at)| *at)
}

/// What the desk shows of a reservation.
#[derive(Debug)]
pub struct Desk {
    pub series: Series,
    /// The dose of this visit: today's, else the next one not given.
    pub dose: Option<Dose>,
    pub warnings: Vec<Warning>,
    pub checked_in: CheckedIn,
    /// What each dose went through (questionnaire, decision, vaccination).
    pub records: Vec<DoseRecord>,
    /// The person's names in kanji and kana, to ask who is there: opened
    /// when the dose is due today where `actor` works.
    pub opened: Option<Opened>,
}

impl Desk {
    /// When the visit's dose was checked in, if it was.
    pub fn checked_in_at(&self) -> Option<DateTime<Utc>> {
        checked_in_at(self.dose.as_ref(), &self.checked_in)
    }

    /// The visit's dose, if it can be checked in now: booked, due here
    /// today, not yet in, not given.
    pub fn to_check_in(&self) -> Option<&Dose> {
        self.dose.as_ref().filter(|_| {
            self.series.state == SeriesState::Booked
                && self.checked_in_at().is_none()
                && !self.warnings.iter().any(Warning::blocks_check_in)
        })
    }

    /// The record of the visit's dose (empty if nothing was recorded).
    pub fn record(&self) -> Option<DoseRecord> {
        let dose = self.dose.as_ref()?;
        Some(
            self.records
                .iter()
                .find(|r| r.dose == dose.number)
                .cloned()
                .unwrap_or_else(|| DoseRecord::empty(self.series.id, dose.number)),
        )
    }
}

/// The reservation `lookup` finds at the desk, with the visit's dose, its
/// warnings, its check-ins and records; the person's names are opened
/// after a `personal.view` entry (`check-in`) when the dose is due today
/// where `actor` works.
pub async fn desk(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    lookup: &Lookup,
) -> Result<Desk, OperationError> {
    let visit = visit(ops, actor, lookup).await?;
    let opened = if visit.due_here {
        Some(
            personal::open(
                ops,
                keys,
                actor,
                &visit.found.person,
                &visit.found.series,
                &[Field::NameKanji, Field::NameKana],
                "check-in",
            )
            .await?,
        )
    } else {
        None
    };
    Ok(Desk {
        series: visit.found.series,
        dose: visit.dose,
        warnings: visit.warnings,
        checked_in: visit.checked_in,
        records: visit.records,
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
    /// No booked dose due here today (cancelled, another day, another
    /// venue, given already): nothing changed.
    NotDue,
}

/// Records the visit's dose of the reservation `lookup` finds as checked
/// in by the account `by`, with its `checkin` entry in the same
/// transaction, if it is due today where `actor` checks people in.
pub async fn check_in(
    ops: &Operations,
    actor: &Actor,
    by: AdminId,
    lookup: &Lookup,
) -> Result<CheckIn, OperationError> {
    let visit = visit(ops, actor, lookup).await?;
    let blocked = visit.warnings.iter().any(Warning::blocks_check_in);
    let Some(dose) = visit.dose.clone().filter(|_| visit.due_here && !blocked) else {
        if let Some(at) = checked_in_at(visit.dose.as_ref(), &visit.checked_in) {
            return Ok(CheckIn::Before(at));
        }
        return Ok(CheckIn::NotDue);
    };
    let Reservation { series, person } = &visit.found;
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
            .await
        {
            Ok(sesshu_store::CheckedIn::Now(at)) => CheckIn::Now(at),
            Ok(sesshu_store::CheckedIn::Before(at)) => CheckIn::Before(at),
            // Cancelled since it was read (the no-show batch, the person):
            // nothing recorded.
            Err(sesshu_store::StoreError::DoseRefused(sesshu_domain::DoseRefusal::NotActive)) => {
                CheckIn::NotDue
            }
            Err(e) => return Err(e.into()),
        },
    )
}

/// Where the desk's lookup leads, before anything is opened or written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub number: ReservationNumber,
    /// Whether `actor` also finds it by its number: venue staff find a
    /// reservation with no dose at their venue by its token only, so its
    /// page is shown from the lookup itself.
    pub by_number: bool,
}

/// The reservation `lookup` finds at the desk (the page then shows it by
/// its number, so that no token stays in a URL).
pub async fn locate(
    ops: &Operations,
    actor: &Actor,
    lookup: &Lookup,
) -> Result<Located, OperationError> {
    let visit = visit(ops, actor, lookup).await?;
    let series = visit.found.series;
    let by_number = actor
        .role
        .venue()
        .is_none_or(|venue| series.doses.iter().any(|d| d.venue == venue));
    Ok(Located {
        number: series.number,
        by_number,
    })
}

/// A reservation at the desk, before anything is opened or written.
struct Visit {
    found: Reservation,
    dose: Option<Dose>,
    warnings: Vec<Warning>,
    checked_in: CheckedIn,
    records: Vec<DoseRecord>,
    /// The dose is today, at a venue where `actor` checks people in.
    due_here: bool,
}

/// The reservation `lookup` finds, if `actor` may see it at the desk, and
/// what is right and wrong with the visit.
async fn visit(ops: &Operations, actor: &Actor, lookup: &Lookup) -> Result<Visit, OperationError> {
    actor.may(Duty::CheckIn, Scope::Any)?;
    let series = match lookup {
        Lookup::Token(token) => ops.store().series_by_token(token).await?,
        Lookup::Number(number) => ops.store().series_by_number(number).await?,
    }
    .ok_or(OperationError::NotFound)?;
    let person = ops
        .store()
        .person(series.person)
        .await?
        .ok_or(OperationError::NotFound)?;
    let venue_of_actor = actor.role.venue();
    if let (Lookup::Number(_), Some(venue)) = (lookup, venue_of_actor)
        && !series.doses.iter().any(|d| d.venue == venue)
    {
        return Err(OperationError::NotFound);
    }
    let checked_in = ops.store().check_ins(series.id).await?;
    let records = ops.store().dose_records(series.id).await?;
    let given = |n: DoseNumber| {
        records
            .iter()
            .find(|r| r.dose == n)
            .and_then(|r| r.vaccinated.as_ref())
            .map(|v| v.at)
    };
    let today = tokyo_day(ops.now());
    let dose = series
        .doses
        .iter()
        .find(|d| tokyo_day(d.starts_at) == today)
        .or_else(|| series.doses.iter().find(|d| given(d.number).is_none()))
        .cloned();

    let mut warnings = Vec::new();
    if series.state == SeriesState::Cancelled {
        warnings.push(Warning::Cancelled);
    }
    let mut due_here = false;
    if let Some(d) = &dose {
        let day = tokyo_day(d.starts_at);
        if day != today {
            warnings.push(Warning::WrongDay(day));
        }
        let here = match venue_of_actor {
            Some(venue) => venue == d.venue,
            None => actor.may(Duty::CheckIn, Scope::Venue(d.venue)).is_ok(),
        };
        if !here {
            warnings.push(Warning::WrongVenue(d.venue));
        }
        // A first dose received elsewhere counts as given: a series of the
        // second dose alone has none here.
        if d.number != DoseNumber::FIRST
            && given(DoseNumber::FIRST).is_none()
            && !ops
                .store()
                .elsewhere_doses_of(person.id)
                .await?
                .iter()
                .any(|e| e.dose == DoseNumber::FIRST)
        {
            warnings.push(Warning::EarlierDoseNotGiven);
        }
        if let Some(at) = given(d.number) {
            warnings.push(Warning::AlreadyGiven(at));
        }
        due_here = day == today && here;
    }
    Ok(Visit {
        found: Reservation { series, person },
        dose,
        warnings,
        checked_in,
        records,
        due_here,
    })
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
        let refused = check_in(
            &office.ops,
            &staff,
            office.admin,
            &Lookup::Number(number.clone()),
        )
        .await;
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
        let refused = check_in(
            &office.ops,
            &elsewhere,
            office.admin,
            &Lookup::Number(number.clone()),
        )
        .await;
        assert!(
            matches!(refused, Err(OperationError::NotFound)),
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
        let first = check_in(
            &office.ops,
            &venue,
            office.admin,
            &Lookup::Number(number.clone()),
        )
        .await
        .unwrap();
        let CheckIn::Now(at) = first else {
            panic!("not checked in: {first:?}");
        };
        let again = check_in(
            &office.ops,
            &venue,
            office.admin,
            &Lookup::Number(number.clone()),
        )
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
        let outcome = check_in(
            &office.ops,
            &operator,
            office.admin,
            &Lookup::Number(number.clone()),
        )
        .await
        .unwrap();
        assert_eq!(outcome, CheckIn::NotDue);
        assert_eq!(office.audited().await, 1, "only the cancellation");
    }
}
