//! A person's vaccination history (doses given here and received
//! elsewhere), and their own declarations of doses received elsewhere.
//!
//! A declaration counts for booking at once ([`sesshu_domain::ToBook`]); the
//! office confirms or corrects it later (`sesshu_operations::elsewhere`).
//! The person may declare, change or withdraw only while they hold no
//! reservation here, and only their own entries not yet confirmed
//! ([`elsewhere::check_own`]).

use crate::bookings::{BookingError, Bookings};
use sesshu_domain::elsewhere::{self, Declaration, Entry, Problem};
use sesshu_domain::{DoseNumber, ElsewhereDose, Person, Series, Subject, tokyo_day};
use sesshu_store::{Declared, GivenHere, StoreError};

/// A person's doses: given here, and received elsewhere.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    /// The vaccinations recorded at a venue here, in time order.
    pub here: Vec<GivenHere>,
    /// The doses received elsewhere, in dose order.
    pub elsewhere: Vec<ElsewhereDose>,
}

impl History {
    /// The dose received elsewhere of this number, if any.
    pub fn elsewhere(&self, dose: DoseNumber) -> Option<&ElsewhereDose> {
        self.elsewhere.iter().find(|d| d.dose == dose)
    }
}

/// Why a person's declaration was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum DeclareError {
    /// The rules refused it (every problem, each with its field).
    #[error("refused: {0:?}")]
    Refused(Vec<Problem>),
    /// Nothing to withdraw, or the person is unknown.
    #[error("not found")]
    NotFound,
    #[error("storage failed")]
    Store(#[from] StoreError),
}

impl From<BookingError> for DeclareError {
    fn from(e: BookingError) -> Self {
        match e {
            BookingError::Store(e) => DeclareError::Store(e),
            _ => DeclareError::NotFound,
        }
    }
}

impl Bookings {
    /// The person's history: what was given here and what they received
    /// elsewhere.
    pub async fn history(&self, person: &Person) -> Result<History, BookingError> {
        Ok(History {
            here: self.store().given_here(person.id).await?,
            elsewhere: self.store().elsewhere_doses_of(person.id).await?,
        })
    }

    async fn subject(&self, person: &Person) -> Result<Subject, DeclareError> {
        self.store()
            .person_subject(person.id)
            .await?
            .ok_or(DeclareError::NotFound)
    }

    /// Whether the person may change their history now: no reservation
    /// held, and the dose's entry (if any) theirs and not yet confirmed.
    async fn check_own(
        &self,
        person: &Person,
        dose: DoseNumber,
        doses: &[ElsewhereDose],
    ) -> Result<(), DeclareError> {
        let reserved = self
            .store()
            .series_of(person.id)
            .await?
            .iter()
            .any(Series::is_active);
        let existing = doses.iter().find(|d| d.dose == dose);
        elsewhere::check_own(reserved, existing).map_err(|p| DeclareError::Refused(vec![p]))
    }

    /// Records the person's declaration of a dose received elsewhere (new,
    /// or replacing their own unconfirmed one), after the rules of
    /// [`Declaration::check`] and [`elsewhere::check_own`]; returns it as
    /// stored.
    pub async fn declare_elsewhere(
        &self,
        person: &Person,
        entry: Entry<'_>,
    ) -> Result<ElsewhereDose, DeclareError> {
        let member = self.subject(person).await?;
        let store = self.store();
        let doses = store.elsewhere_doses(person.institution, &member).await?;
        self.check_own(person, entry.dose, &doses).await?;
        let here = store.doses_held_here(person.id).await?;
        let now = self.now();
        let declaration =
            Declaration::check(entry, tokyo_day(now), &elsewhere::days(&doses), &here)
                .map_err(DeclareError::Refused)?;
        match store
            .declare_elsewhere(person.institution, &member, &declaration, now)
            .await?
        {
            Declared::Recorded => {}
            Declared::OfficeEntry => return Err(DeclareError::Refused(vec![Problem::OfficeEntry])),
        }
        store
            .elsewhere_doses(person.institution, &member)
            .await?
            .into_iter()
            .find(|d| d.dose == entry.dose)
            .ok_or(DeclareError::NotFound)
    }

    /// Withdraws the person's own declaration of `dose` (not yet
    /// confirmed, and no reservation held).
    pub async fn withdraw_elsewhere(
        &self,
        person: &Person,
        dose: DoseNumber,
    ) -> Result<(), DeclareError> {
        let member = self.subject(person).await?;
        let store = self.store();
        let doses = store.elsewhere_doses(person.institution, &member).await?;
        if !doses.iter().any(|d| d.dose == dose) {
            return Err(DeclareError::NotFound);
        }
        self.check_own(person, dose, &doses).await?;
        if store
            .withdraw_elsewhere(person.institution, &member, dose)
            .await?
        {
            Ok(())
        } else {
            // Confirmed by the office in between.
            Err(DeclareError::Refused(vec![Problem::OfficeEntry]))
        }
    }
}
