//! A person gives the voucher (接種券) of a dose online: the 18-digit OCR
//! line (typed, or read from the voucher's QR code) or the municipality code
//! and the voucher number typed apart. `sesshu_domain::voucher` checks it;
//! here it is sealed to the back office's key for the person's dose and
//! stored, replacing one given before, until the desk has collected the
//! paper (then nothing is replaced).
//!
//! The number is personal data: sealed before it is stored, never logged,
//! never shown again (the public process cannot open it).

use chrono::{DateTime, Utc};
use sesshu_domain::{
    Clock, DoseNumber, MunicipalityCode, Person, ReservationNumber, Series, Voucher, VoucherError,
};
use sesshu_store::{DynStore, Field, Owner, StoreError, VoucherState};
use sesshu_vault::SealingKey;
use std::fmt;
use std::sync::Arc;

/// What a person typed for a voucher.
#[derive(Clone, Copy)]
pub enum Typed<'a> {
    /// The 18-digit OCR line, or what its QR code holds.
    Line(&'a str),
    /// The municipality code and the voucher number, apart.
    Parts {
        municipality: &'a str,
        number: &'a str,
    },
}

/// Which field of the form a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Line,
    Municipality,
    Number,
}

impl Typed<'_> {
    /// The voucher typed, for `dose`; or what is wrong, and where.
    pub fn read(self, dose: DoseNumber) -> Result<Voucher, (Part, VoucherError)> {
        match self {
            Typed::Line(line) => Voucher::from_ocr_line(line, dose).map_err(|e| (Part::Line, e)),
            Typed::Parts {
                municipality,
                number,
            } => {
                MunicipalityCode::parse(municipality).map_err(|e| (Part::Municipality, e))?;
                Voucher::from_parts(municipality, number, dose).map_err(|e| (Part::Number, e))
            }
        }
    }
}

/// Says which way it was typed, never what.
impl fmt::Debug for Typed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Typed::Line(_) => "Typed::Line(..)",
            Typed::Parts { .. } => "Typed::Parts(..)",
        })
    }
}

/// Why a voucher was not taken.
#[derive(Debug, thiserror::Error)]
pub enum GiveError {
    /// Not a voucher for this dose: what to say, at which field. The
    /// error's text never holds the digits given.
    #[error("not a voucher for this dose: {1}")]
    Invalid(Part, VoucherError),
    /// The desk has collected this dose's voucher: nothing was replaced.
    #[error("the voucher was collected at the venue already")]
    Collected,
    /// No such reservation of this person, or no such dose in it.
    #[error("not found")]
    NotFound,
    /// The reservation was cancelled.
    #[error("the reservation is not active")]
    NotActive,
    #[error("sealing the voucher failed")]
    Sealing,
    #[error("storage failed")]
    Store(#[source] StoreError),
}

impl From<StoreError> for GiveError {
    fn from(e: StoreError) -> Self {
        GiveError::Store(e)
    }
}

/// The vouchers of people's doses, as the public process handles them.
#[derive(Clone, Debug)]
pub struct Vouchers {
    store: DynStore,
    clock: Arc<dyn Clock>,
    /// The back office's public key: a voucher is sealed to it.
    sealing: SealingKey,
}

impl Vouchers {
    pub fn new(store: DynStore, clock: Arc<dyn Clock>, sealing: SealingKey) -> Self {
        Self {
            store,
            clock,
            sealing,
        }
    }

    /// Gives the voucher of `dose` of the person's reservation `number`.
    pub async fn give(
        &self,
        person: &Person,
        number: &ReservationNumber,
        dose: DoseNumber,
        typed: Typed<'_>,
    ) -> Result<DateTime<Utc>, GiveError> {
        match self.store.series_by_number(number).await? {
            Some(series) if series.person == person.id => {
                self.give_for(person, &series, dose, typed).await
            }
            // Another person's number is not found: numbers cannot be probed.
            _ => Err(GiveError::NotFound),
        }
    }

    /// Gives the voucher of `dose` of `series`, the person's; when it was
    /// taken.
    pub async fn give_for(
        &self,
        person: &Person,
        series: &Series,
        dose: DoseNumber,
        typed: Typed<'_>,
    ) -> Result<DateTime<Utc>, GiveError> {
        if series.person != person.id || series.dose(dose).is_none() {
            return Err(GiveError::NotFound);
        }
        if !series.is_active() {
            return Err(GiveError::NotActive);
        }
        let voucher = typed
            .read(dose)
            .map_err(|(part, e)| GiveError::Invalid(part, e))?;
        let subject = self
            .store
            .person_subject(person.id)
            .await?
            .ok_or(GiveError::NotFound)?;
        // The owner the office opens it with: the person's login, this
        // reservation and this dose.
        let owner = Owner::login(person.institution.get(), subject.as_str())
            .dose(series.number.compact(), dose.get());
        let sealed = self
            .sealing
            .seal(&owner, Field::Voucher, &voucher.to_text())
            .map_err(|_| GiveError::Sealing)?;
        let now = self.clock.now();
        if self
            .store
            .give_voucher(series.id, dose, &sealed, now, None)
            .await?
        {
            Ok(now)
        } else {
            Err(GiveError::Collected)
        }
    }

    /// Where the vouchers of `series` are, by dose (a dose without one is
    /// absent).
    pub async fn states(&self, series: &Series) -> Result<Vec<VoucherState>, StoreError> {
        self.store.vouchers(series.id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_is_placed_at_the_field_it_is_in() {
        let first = DoseNumber::FIRST;
        assert!(Typed::Line("110410091234567890").read(first).is_ok());
        assert_eq!(
            Typed::Line("110410081234567890").read(first).err(),
            Some((Part::Line, VoucherError::CheckDigit))
        );
        let parts = |municipality, number| Typed::Parts {
            municipality,
            number,
        };
        assert!(parts("131016", "1234567890").read(first).is_ok());
        assert_eq!(
            parts("131017", "1234567890").read(first).err(),
            Some((Part::Municipality, VoucherError::CheckDigit))
        );
        assert_eq!(
            parts("13101", "1234567890").read(first).err(),
            Some((
                Part::Municipality,
                VoucherError::Length {
                    expected: 6,
                    found: 5
                }
            ))
        );
        assert_eq!(
            parts("131016", "12345x7890").read(first).err(),
            Some((Part::Number, VoucherError::NotDigits))
        );
    }

    #[test]
    fn what_was_typed_never_shows_in_debug() {
        let line = format!("{:?}", Typed::Line("110410091234567890"));
        let parts = format!(
            "{:?}",
            Typed::Parts {
                municipality: "131016",
                number: "1234567890"
            }
        );
        for shown in [line, parts] {
            assert!(
                !shown.contains("1234567890") && !shown.contains("131016"),
                "{shown}"
            );
        }
    }
}
