//! Where and with what: venues, lanes, vaccines.

use crate::{LaneId, Language, VaccineId, VenueId};
use chrono::Days;

/// A vaccination venue (会場).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Venue {
    pub id: VenueId,
    pub name_ja: String,
    pub name_en: String,
}

impl Venue {
    pub fn name(&self, lang: Language) -> &str {
        lang.pick(&self.name_ja, &self.name_en)
    }
}

/// A lane (レーン) of a venue: one line of people, one set of staff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lane {
    pub id: LaneId,
    pub venue: VenueId,
    pub name_ja: String,
    pub name_en: String,
}

impl Lane {
    pub fn name(&self, lang: Language) -> &str {
        lang.pick(&self.name_ja, &self.name_en)
    }
}

/// The days between the first and second dose of a vaccine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DoseInterval {
    pub days: u32,
}

impl DoseInterval {
    pub fn as_days(self) -> Days {
        Days::new(u64::from(self.days))
    }
}

/// A vaccine product. The interval belongs to the vaccine: Moderna's second
/// dose comes 28 days after the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vaccine {
    pub id: VaccineId,
    pub name_ja: String,
    pub name_en: String,
    /// `None` for a single-dose vaccine.
    pub second_dose_after: Option<DoseInterval>,
    /// What the records (VRS, FHIR) call it.
    pub codes: VaccineCodes,
}

/// How the registers name a vaccine: HL7's CVX code (207 is Moderna's
/// COVID-19 vaccine, 208 Pfizer's) for FHIR, and the maker (製造販売業者)
/// for VRS. Empty until set: the exports then leave the field out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VaccineCodes {
    pub cvx: String,
    pub maker: String,
}

impl Vaccine {
    pub fn name(&self, lang: Language) -> &str {
        lang.pick(&self.name_ja, &self.name_en)
    }
}

/// The reference data slots point to, loaded together (a few rows each).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    pub venues: Vec<Venue>,
    pub lanes: Vec<Lane>,
    pub vaccines: Vec<Vaccine>,
}

impl Catalog {
    pub fn venue(&self, id: VenueId) -> Option<&Venue> {
        self.venues.iter().find(|v| v.id == id)
    }

    pub fn lane(&self, id: LaneId) -> Option<&Lane> {
        self.lanes.iter().find(|l| l.id == id)
    }

    pub fn vaccine(&self, id: VaccineId) -> Option<&Vaccine> {
        self.vaccines.iter().find(|v| v.id == id)
    }
}
