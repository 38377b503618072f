//! The objects an audit entry names, typed. Each renders to the text the
//! chain stores and hashes (`slot:12`, `institution:aoba`), and parses back
//! only from exactly that text, so that a stored chain still verifies.

use crate::{AdminId, InstitutionCode, InstitutionId, LaneId, MailJobId, PersonId, SeriesId};
use crate::{LotId, SlotId, VaccineId, VenueId};
use chrono::NaiveDate;

/// One object of an audit entry: an internal id or a code, never personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditObject {
    Admin(AdminId),
    Institution(InstitutionId),
    /// An institution named by its code (imports and masters, where the id
    /// may not exist yet).
    InstitutionCode(InstitutionCode),
    Venue(VenueId),
    Lane(LaneId),
    Vaccine(VaccineId),
    Slot(SlotId),
    Person(PersonId),
    Series(SeriesId),
    /// A vaccine lot of a venue's register.
    Lot(LotId),
    Mail(MailJobId),
    /// A mail in the local outbox, by its file name.
    Outbox(String),
    /// A sealing key, by its id.
    Key(String),
    /// A day of the calendar (Asia/Tokyo).
    Day(NaiveDate),
    /// The days `from..to` of an export.
    Period(NaiveDate, NaiveDate),
    /// A search of the reservations by name (what was searched is not kept).
    ReservationSearch,
}

impl AuditObject {
    /// The object named by `text`, if it is exactly how one renders.
    pub fn parse(text: &str) -> Option<Self> {
        let (kind, value) = text.split_once(':')?;
        let id = || value.parse::<i64>().ok();
        let day = |v: &str| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok();
        let object = match kind {
            "admin" => Self::Admin(AdminId::new(id()?)),
            "institution" => match id() {
                Some(id) => Self::Institution(InstitutionId::new(id)),
                None => Self::InstitutionCode(InstitutionCode::parse(value).ok()?),
            },
            "venue" => Self::Venue(VenueId::new(id()?)),
            "lane" => Self::Lane(LaneId::new(id()?)),
            "vaccine" => Self::Vaccine(VaccineId::new(id()?)),
            "slot" => Self::Slot(SlotId::new(id()?)),
            "person" => Self::Person(PersonId::new(id()?)),
            "series" => Self::Series(SeriesId::new(id()?)),
            "lot" => Self::Lot(LotId::new(id()?)),
            "mail" => Self::Mail(MailJobId::new(id()?)),
            "outbox" => Self::Outbox(value.to_owned()),
            "key" => Self::Key(value.to_owned()),
            "day" => Self::Day(day(value)?),
            "period" => {
                let (from, to) = value.split_once("..")?;
                Self::Period(day(from)?, day(to)?)
            }
            "reservations" if value == "search" => Self::ReservationSearch,
            _ => return None,
        };
        // `slot:007` would render as `slot:7` and change the entry's hash.
        (object.to_string() == text).then_some(object)
    }
}

impl std::fmt::Display for AuditObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Admin(id) => write!(f, "admin:{id}"),
            Self::Institution(id) => write!(f, "institution:{id}"),
            Self::InstitutionCode(code) => write!(f, "institution:{code}"),
            Self::Venue(id) => write!(f, "venue:{id}"),
            Self::Lane(id) => write!(f, "lane:{id}"),
            Self::Vaccine(id) => write!(f, "vaccine:{id}"),
            Self::Slot(id) => write!(f, "slot:{id}"),
            Self::Person(id) => write!(f, "person:{id}"),
            Self::Series(id) => write!(f, "series:{id}"),
            Self::Lot(id) => write!(f, "lot:{id}"),
            Self::Mail(id) => write!(f, "mail:{id}"),
            Self::Outbox(name) => write!(f, "outbox:{name}"),
            Self::Key(id) => write!(f, "key:{id}"),
            Self::Day(day) => write!(f, "day:{}", day.format("%Y-%m-%d")),
            Self::Period(from, to) => write!(
                f,
                "period:{}..{}",
                from.format("%Y-%m-%d"),
                to.format("%Y-%m-%d")
            ),
            Self::ReservationSearch => f.write_str("reservations:search"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_the_text_it_is_stored_as() {
        for text in [
            "admin:3",
            "institution:12",
            "institution:aoba",
            "venue:1",
            "lane:2",
            "vaccine:1",
            "slot:40",
            "person:9",
            "series:77",
            "lot:4",
            "mail:5",
            "outbox:20261201-0001.eml",
            "key:3f2a",
            "day:2026-12-01",
            "period:2026-12-01..2026-12-31",
            "reservations:search",
        ] {
            let object = AuditObject::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(object.to_string(), text);
        }
    }

    #[test]
    fn a_text_that_would_not_render_the_same_is_not_an_object() {
        for text in [
            "slot:007",
            "slot:",
            "slot",
            "seat:1",
            "reservations:all",
            "day:2026-1-1",
            "period:2026-12-01",
        ] {
            assert_eq!(AuditObject::parse(text), None, "{text}");
        }
    }
}
