//! Reservation series: the doses a person books together, and the number
//! they quote to the office.

use crate::{LaneId, ParseError, PersonId, SeriesId, SlotId, TOKYO, VaccineId, VenueId};
use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use std::fmt;

/// Which dose of a series (1 or 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DoseNumber(u8);

impl DoseNumber {
    pub const FIRST: DoseNumber = DoseNumber(1);
    pub const SECOND: DoseNumber = DoseNumber(2);

    pub fn new(n: u8) -> Result<Self, ParseError> {
        match n {
            1 | 2 => Ok(DoseNumber(n)),
            _ => Err(ParseError::new("dose number", "expected 1 or 2")),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A dose number as a form or a path writes it: `1` or `2`.
impl std::str::FromStr for DoseNumber {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        s.parse::<u8>()
            .map_err(|_| ParseError::new("dose number", "expected 1 or 2"))
            .and_then(DoseNumber::new)
    }
}

impl fmt::Display for DoseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The number a person quotes to the office, e.g. `KX7M-4QP9`.
///
/// Eight characters from an alphabet without look-alikes (no 0/O, 1/I/L,
/// U): 40 bits, read out over the phone without ambiguity. Stored compact
/// (`KX7M4QP9`), shown with a hyphen; parsing accepts both, in any case.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReservationNumber([u8; 8]);

const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

impl ReservationNumber {
    pub fn generate(rng: &mut impl Rng) -> Self {
        let mut out = [0u8; 8];
        for c in &mut out {
            *c = ALPHABET[rng.random_range(0..ALPHABET.len())];
        }
        Self(out)
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let mut out = [0u8; 8];
        let mut n = 0;
        for b in s.trim().bytes().filter(|&b| b != b'-') {
            let b = b.to_ascii_uppercase();
            if n == 8 || !ALPHABET.contains(&b) {
                return Err(ParseError::new(
                    "reservation number",
                    "expected 8 letters and digits like KX7M-4QP9",
                ));
            }
            out[n] = b;
            n += 1;
        }
        if n != 8 {
            return Err(ParseError::new(
                "reservation number",
                "expected 8 letters and digits like KX7M-4QP9",
            ));
        }
        Ok(Self(out))
    }

    /// The compact form, as stored.
    pub fn compact(&self) -> &str {
        // The bytes come from ALPHABET, which is ASCII.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for ReservationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.compact();
        write!(f, "{}-{}", &s[..4], &s[4..])
    }
}

impl fmt::Debug for ReservationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReservationNumber({self})")
    }
}

/// The life of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeriesState {
    /// Places are held in every dose's slot.
    Booked,
    /// Cancelled by the person or the office; places released.
    Cancelled,
}

impl SeriesState {
    pub fn as_str(self) -> &'static str {
        match self {
            SeriesState::Booked => "booked",
            SeriesState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s {
            "booked" => Ok(SeriesState::Booked),
            "cancelled" => Ok(SeriesState::Cancelled),
            _ => Err(ParseError::new(
                "series state",
                format!("unknown state {s:?}"),
            )),
        }
    }
}

/// One dose of a series and the slot it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dose {
    pub number: DoseNumber,
    pub slot: SlotId,
    pub venue: VenueId,
    pub lane: LaneId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl Dose {
    pub fn day(&self) -> NaiveDate {
        self.starts_at.with_timezone(&TOKYO).date_naive()
    }
}

/// The doses a person booked together, under one reservation number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    pub id: SeriesId,
    pub number: ReservationNumber,
    pub person: PersonId,
    pub vaccine: VaccineId,
    pub state: SeriesState,
    /// In dose order; never empty.
    pub doses: Vec<Dose>,
    pub created_at: DateTime<Utc>,
}

impl Series {
    pub fn dose(&self, number: DoseNumber) -> Option<&Dose> {
        self.doses.iter().find(|d| d.number == number)
    }

    /// The start of the series' first appointment here, from which the
    /// deadline counts: its first dose's, or — for a series of the second
    /// dose alone, the first having been received elsewhere — the second's.
    pub fn first_appointment(&self) -> Option<DateTime<Utc>> {
        self.doses.iter().map(|d| d.starts_at).min()
    }

    pub fn is_active(&self) -> bool {
        self.state == SeriesState::Booked
    }
}

impl std::str::FromStr for ReservationNumber {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dose_number_is_read_only_from_1_or_2() {
        assert_eq!("1".parse::<DoseNumber>().unwrap(), DoseNumber::FIRST);
        assert_eq!("2".parse::<DoseNumber>().unwrap(), DoseNumber::SECOND);
        for bad in ["0", "3", "", " 1", "one", "-1", "256"] {
            assert!(bad.parse::<DoseNumber>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reservation_numbers_round_trip_in_both_forms() {
        let mut rng = rand::rng();
        for _ in 0..100 {
            let n = ReservationNumber::generate(&mut rng);
            assert_eq!(ReservationNumber::parse(&n.to_string()).unwrap(), n);
            assert_eq!(ReservationNumber::parse(n.compact()).unwrap(), n);
            assert_eq!(
                ReservationNumber::parse(&n.to_string().to_lowercase()).unwrap(),
                n
            );
        }
    }

    #[test]
    fn reservation_numbers_refuse_look_alikes_and_wrong_lengths() {
        for bad in [
            "KX7M-4QP",
            "KX7M-4QP99",
            "KX7M-4QPO",
            "KX7M-4QP1",
            "",
            "KX7M 4QP9",
        ] {
            assert!(ReservationNumber::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
