//! The rules of Sesshu, free of HTTP and SQL.
//!
//! Everything here is plain data and pure functions: which slots a person may
//! book, where the second dose goes, until when a series may be changed. The
//! clock is a parameter ([`Clock`]), so every rule is tested at the exact
//! minute that matters.
//!
//! Personal data does not live here: a [`Person`] is an opaque id with the
//! non-personal attributes that eligibility and statistics need.

pub mod audit;
pub mod booking;
pub mod catalog;
pub mod clock;
pub mod deadline;
pub mod elsewhere;
#[cfg(test)]
mod fuzz;
pub mod ids;
pub mod institution;
pub mod language;
pub mod login;
pub mod mail;
pub mod person;
pub mod retention;
pub mod series;
pub mod slot;
pub mod slot_csv;
pub mod slot_plan;
pub mod staff;
pub mod upload;
pub mod vaccination;
pub mod voucher;

pub use audit::{AuditAction, AuditEntry, AuditObject, AuditRecord};
pub use booking::{Rejection, ToBook};
pub use catalog::{Catalog, DoseInterval, Lane, Vaccine, VaccineCodes, Venue};
pub use clock::{Clock, ManualClock, SystemClock, TOKYO, day_start, tokyo_day};
pub use deadline::ChangeDeadline;
pub use elsewhere::ElsewhereDose;
pub use ids::{InstitutionId, LaneId, PersonId, SeriesId, SlotId, VaccineId, VenueId};
pub use institution::{
    Contact, Department, DepartmentCode, Institution, InstitutionCode, MailSettings, UserType,
};
pub use language::Language;
pub use login::{
    AttributeMapping, BindAccount, ConsentText, FilterTemplate, HostedDirectory, LdapSettings,
    LdapUrl, LoginMethod, MetadataSource, SamlSettings, SecretRef, SubjectAttribute,
};
pub use mail::{MailJobId, MailKind, MailState};
pub use person::{MailAddress, Person, Profile, Subject};
pub use retention::{PurgeCounts, PurgeKind, RetentionMonths, RetentionRule};
pub use series::{Dose, DoseNumber, ReservationNumber, Series, SeriesState};
pub use slot::{Quota, Slot, SlotEligibility};
pub use staff::{AdminAccount, AdminId, Denied, Duty, Role, Scope, StaffDirectory};
pub use vaccination::{
    CheckInToken, Concern, Decision, DoseRecord, DoseRefusal, Lot, LotId, LotNumber, LotRefusal,
    Questionnaire, Site, Step, Temperature, Vaccinated,
};
pub use voucher::{MunicipalityCode, Voucher, VoucherError};

/// A value that failed to parse into one of the domain's validated types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what}: {reason}")]
pub struct ParseError {
    /// Which kind of value (e.g. "institution code").
    pub what: &'static str,
    /// Why it was refused, in English, for logs and developers.
    pub reason: String,
}

impl ParseError {
    pub(crate) fn new(what: &'static str, reason: impl Into<String>) -> Self {
        Self {
            what,
            reason: reason.into(),
        }
    }
}
