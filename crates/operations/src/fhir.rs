//! FHIR R4 Immunization bundles: each dose given, or decided not to be
//! given, in a period becomes an `Immunization`; its person a `Patient`
//! that holds only an opaque id (and the names, only when asked for); all
//! of them one `Bundle` of type `collection`. `docs/fhir.md` says which
//! profile this follows, which codes it uses and what it leaves out.
//!
//! The types are the subset of FHIR R4 the export writes, serialised as
//! FHIR's JSON wants it: camelCase names, `resourceType` first, an element
//! without a value left out rather than written empty, instants in Tokyo
//! time with their offset.
//!
//! Ids are pseudonyms ([`Pseudonyms`]): keyed hashes of the person's and
//! the dose's ids with a secret derived from the office's vault key, so an
//! id says nothing to a reader without that key, and the same person has
//! the same id in every export (while the key is not rotated).

mod export;
mod mapping;
mod pseudonyms;
mod search;
mod types;

pub use export::{FhirExport, immunization_bundle};
pub use mapping::{immunization, names, site, status_reason};
pub use pseudonyms::Pseudonyms;
pub use search::{DateProblem, period_of_dates};
pub use types::{
    Bundle, BundleEntry, BundleType, CodeableConcept, Coding, Date, Extension, HumanName,
    Immunization, ImmunizationStatus, Instant, Issue, IssueSeverity, IssueType, NameUse,
    OperationOutcome, Patient, Performer, ProtocolApplied, Reference, Resource,
};

/// The media type of FHIR's JSON.
pub const MEDIA_TYPE: &str = "application/fhir+json";

/// HL7's vaccine codes (CVX).
pub const CVX: &str = "http://hl7.org/fhir/sid/cvx";
/// Sesshu's own code system for a vaccine product: the code is the
/// vaccine's id in this installation.
pub const LOCAL_VACCINE: &str = "urn:sesshu:vaccine";
/// Sesshu's own code system for the doctor's decision (`postpone`,
/// `contraindicated`, `refused`, `unwell`), kept beside FHIR's coarser
/// reason.
pub const LOCAL_DECISION: &str = "urn:sesshu:decision";
/// The codes of FHIR's immunization-status-reason value set.
pub const ACT_REASON: &str = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
/// Body sites: LA, RA.
pub const ACT_SITE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActSite";
/// A performer's function: AP, the administering provider.
pub const PERFORMER_FUNCTION: &str = "http://terminology.hl7.org/CodeSystem/v2-0443";
pub const SNOMED: &str = "http://snomed.info/sct";
/// SNOMED CT's COVID-19 (the disease caused by SARS-CoV-2).
pub const COVID_19: &str = "840539006";
/// How a name is written (JP Core's JP_HumanName): IDE (kanji), SYL
/// (kana), ABC (roman letters).
pub const NAME_REPRESENTATION: &str =
    "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation";
