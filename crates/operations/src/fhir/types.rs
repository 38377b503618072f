//! The subset of FHIR R4 the export writes, serialised as FHIR's JSON wants it.

use chrono::{NaiveDate, Utc};
use serde::{Serialize, Serializer};
use sesshu_domain::TOKYO;

/// An instant, written in Tokyo time with its offset
/// (`2026-12-10T10:05:00+09:00`): FHIR's `dateTime` and `instant`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instant(pub chrono::DateTime<Utc>);

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0.with_timezone(&TOKYO).format("%Y-%m-%dT%H:%M:%S%:z"))
    }
}

/// A day: FHIR's `date` (`2027-03-31`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0.format("%Y-%m-%d"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Coding {
    pub system: String,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Coding {
    pub(super) fn new(system: &str, code: &str, display: Option<&str>) -> Self {
        Self {
            system: system.to_owned(),
            code: code.to_owned(),
            display: display.map(str::to_owned),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CodeableConcept {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A reference to another resource of the bundle, or only a text naming
/// something that has no resource here (the venue, the performer).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Reference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImmunizationStatus {
    Completed,
    NotDone,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Performer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<CodeableConcept>,
    pub actor: Reference,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtocolApplied {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_disease: Vec<CodeableConcept>,
    pub dose_number_positive_int: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_doses_positive_int: Option<u8>,
}

/// One dose: given (`completed`), or decided not to be given (`not-done`,
/// with the reason).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Immunization {
    pub id: String,
    pub status: ImmunizationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<CodeableConcept>,
    pub vaccine_code: CodeableConcept,
    pub patient: Reference,
    pub occurrence_date_time: Instant,
    pub recorded: Instant,
    pub primary_source: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Performer>,
    pub protocol_applied: Vec<ProtocolApplied>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    pub value_code: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NameUse {
    Official,
}

/// A person's name as one way of writing it (JP Core: kanji, kana or
/// roman, told apart by the representation extension). Personal data:
/// `Debug` does not print it.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct HumanName {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(rename = "use")]
    pub use_: NameUse,
    pub text: String,
}

impl std::fmt::Debug for HumanName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HumanName")
            .field("extension", &self.extension)
            .finish_non_exhaustive()
    }
}

/// The person of the bundle's Immunizations: an opaque id, and the names
/// only when the export asked for them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Patient {
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
}

/// What a bundle's entry holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "resourceType")]
pub enum Resource {
    Immunization(Box<Immunization>),
    Patient(Patient),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BundleEntry {
    /// `urn:uuid:<the resource's id>`: what references within the bundle
    /// point to.
    #[serde(rename = "fullUrl")]
    pub full_url: String,
    pub resource: Resource,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BundleType {
    Collection,
}

/// The export: the Immunizations in time order, then their Patients.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bundle {
    #[serde(rename = "type")]
    pub kind: BundleType,
    /// When the bundle was made.
    pub timestamp: Instant,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry>,
}

impl Bundle {
    /// Its FHIR JSON.
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(&Document::Bundle(self))
    }

    pub fn immunizations(&self) -> impl Iterator<Item = &Immunization> {
        self.entry.iter().filter_map(|e| match &e.resource {
            Resource::Immunization(i) => Some(i.as_ref()),
            Resource::Patient(_) => None,
        })
    }

    pub fn patients(&self) -> impl Iterator<Item = &Patient> {
        self.entry.iter().filter_map(|e| match &e.resource {
            Resource::Patient(p) => Some(p),
            Resource::Immunization(_) => None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueSeverity {
    Error,
}

/// FHIR's issue types, those the office answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueType {
    /// A parameter that does not parse.
    Invalid,
    Forbidden,
    NotFound,
    /// The server failed (nothing more is said).
    Exception,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub severity: IssueSeverity,
    pub code: IssueType,
    /// What a person reads: the text, in the request's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<CodeableConcept>,
    /// The FHIRPath of the parameter at fault, e.g. `date`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expression: Vec<String>,
}

/// Why a FHIR request was not answered with a resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OperationOutcome {
    pub issue: Vec<Issue>,
}

impl OperationOutcome {
    /// One error of `code`, with the text a person reads and the parameter
    /// at fault, if any.
    pub fn error(code: IssueType, text: impl Into<String>, parameter: Option<&str>) -> Self {
        Self {
            issue: vec![Issue {
                severity: IssueSeverity::Error,
                code,
                details: Some(CodeableConcept {
                    coding: Vec::new(),
                    text: Some(text.into()),
                }),
                expression: parameter.map(str::to_owned).into_iter().collect(),
            }],
        }
    }

    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(&Document::OperationOutcome(self))
    }
}

/// A resource at the top of a document, with its `resourceType`.
#[derive(Serialize)]
#[serde(tag = "resourceType")]
enum Document<'a> {
    Bundle(&'a Bundle),
    OperationOutcome(&'a OperationOutcome),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_says_what_is_wrong_and_where() {
        let outcome =
            OperationOutcome::error(IssueType::Invalid, "expected YYYY-MM-DD", Some("date"));
        let j: serde_json::Value = serde_json::from_slice(&outcome.to_json().unwrap()).unwrap();
        assert_eq!(j["resourceType"], "OperationOutcome");
        assert_eq!(j["issue"][0]["severity"], "error");
        assert_eq!(j["issue"][0]["code"], "invalid");
        assert_eq!(j["issue"][0]["details"]["text"], "expected YYYY-MM-DD");
        assert_eq!(j["issue"][0]["expression"][0], "date");
    }
}
