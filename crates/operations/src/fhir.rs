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

use crate::lists::Period;
use crate::{Actor, OperationError, Operations, personal};
use chrono::{NaiveDate, Utc};
use serde::{Serialize, Serializer};
use sesshu_domain::{
    AuditAction, AuditObject, Catalog, Decision, DoseNumber, Duty, InstitutionId, PersonId, Scope,
    SeriesId, Site, TOKYO, day_start,
};
use sesshu_store::RegisteredDose;
use sesshu_vault::Field;
use sesshu_vault_open::Keyring;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};

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

// ---------------------------------------------------------------------
// The FHIR R4 subset.
// ---------------------------------------------------------------------

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
    fn new(system: &str, code: &str, display: Option<&str>) -> Self {
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

// ---------------------------------------------------------------------
// Opaque, stable ids.
// ---------------------------------------------------------------------

/// What the pseudonyms' secret is derived for (a new text gives every
/// person a new pseudonym).
const PSEUDONYM_PURPOSE: &str = "fhir pseudonyms v1";

/// The resources' ids: HMAC-SHA256 of what they stand for (a person's id,
/// a dose) keyed with a secret derived from the office's current vault
/// key, shaped as a UUID (version 8, RFC 9562). Without the key an id says
/// nothing, not even how many people came before; with the same key the
/// same person has the same id in every export, so a consumer links their
/// doses. Rotating the vault key gives everyone new ids.
pub struct Pseudonyms {
    key: [u8; 32],
}

/// Never prints the key.
impl std::fmt::Debug for Pseudonyms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonyms")
    }
}

impl Pseudonyms {
    /// The pseudonyms of the office's current key; none without a key.
    pub fn of(keys: &Keyring) -> Result<Self, OperationError> {
        match keys.derive_secret(PSEUDONYM_PURPOSE) {
            Some(Ok(key)) => Ok(Self { key }),
            Some(Err(e)) => {
                tracing::error!(error = %e, "no secret for the FHIR pseudonyms");
                Err(OperationError::Unopenable)
            }
            None => {
                tracing::error!("no vault key: the FHIR pseudonyms need one");
                Err(OperationError::Unopenable)
            }
        }
    }

    pub fn patient(&self, person: PersonId) -> String {
        self.uuid(&format!("patient/{}", person.get()))
    }

    pub fn immunization(&self, series: SeriesId, dose: DoseNumber) -> String {
        self.uuid(&format!("immunization/{}/{}", series.get(), dose.get()))
    }

    fn uuid(&self, what: &str) -> String {
        let mac = hmac_sha256(&self.key, what.as_bytes());
        let mut b = [0u8; 16];
        b.copy_from_slice(&mac[..16]);
        b[6] = (b[6] & 0x0f) | 0x80; // version 8: custom
        b[8] = (b[8] & 0x3f) | 0x80; // the RFC 9562 variant
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }
}

/// HMAC-SHA256 (RFC 2104) over the `sha2` the workspace already has.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn urn(id: &str) -> String {
    format!("urn:uuid:{id}")
}

// ---------------------------------------------------------------------
// The mapping rules.
// ---------------------------------------------------------------------

/// Why a dose was not given, as FHIR's immunization-status-reason value
/// set says it (v3-ActReason), with Sesshu's own decision as a second
/// coding: a refusal is the patient's objection (PATOBJ); a postponement,
/// a contraindication and being unwell on the day are medical precautions
/// (MEDPREC). `None` for a dose given.
pub fn status_reason(decision: Decision) -> Option<CodeableConcept> {
    let (code, display) = match decision {
        Decision::Vaccinate => return None,
        Decision::Refused => ("PATOBJ", "patient objection"),
        Decision::Postpone | Decision::Contraindicated | Decision::Unwell => {
            ("MEDPREC", "medical precaution")
        }
    };
    Some(CodeableConcept {
        coding: vec![
            Coding::new(ACT_REASON, code, Some(display)),
            Coding::new(LOCAL_DECISION, decision.as_str(), None),
        ],
        text: None,
    })
}

/// The arm, in v3-ActSite.
pub fn site(site: Site) -> CodeableConcept {
    let (code, display) = match site {
        Site::LeftArm => ("LA", "left arm"),
        Site::RightArm => ("RA", "right arm"),
    };
    CodeableConcept {
        coding: vec![Coding::new(ACT_SITE, code, Some(display))],
        text: None,
    }
}

/// The Immunization of `dose`, for the Patient `patient` (its id), or
/// `None` for a dose the doctor approved that no vaccination was recorded
/// for: nothing happened that an Immunization could state.
pub fn immunization(
    dose: &RegisteredDose,
    catalog: &Catalog,
    ids: &Pseudonyms,
    patient: &str,
) -> Option<Immunization> {
    let (status, status_reason) = match (&dose.given, dose.decision) {
        (Some(_), _) => (ImmunizationStatus::Completed, None),
        (None, Decision::Vaccinate) => return None,
        (None, decision) => (ImmunizationStatus::NotDone, status_reason(decision)),
    };
    let vaccine = catalog.vaccine(dose.vaccine);
    let name = vaccine.map(|v| v.name_ja.clone());
    let cvx = vaccine
        .map(|v| v.codes.cvx.trim())
        .filter(|code| !code.is_empty())
        .map(|code| Coding::new(CVX, code, None));
    let local = Coding::new(
        LOCAL_VACCINE,
        &dose.vaccine.get().to_string(),
        name.as_deref(),
    );
    let given = dose.given.as_ref();
    let performer = given
        .map(|(v, _, _)| v.given_by.trim())
        .filter(|by| !by.is_empty())
        .map(|by| Performer {
            function: Some(CodeableConcept {
                coding: vec![Coding::new(
                    PERFORMER_FUNCTION,
                    "AP",
                    Some("Administering Provider"),
                )],
                text: None,
            }),
            actor: Reference {
                reference: None,
                display: Some(by.to_owned()),
            },
        });
    Some(Immunization {
        id: ids.immunization(dose.series, dose.dose),
        status,
        status_reason,
        vaccine_code: CodeableConcept {
            coding: cvx.into_iter().chain([local]).collect(),
            text: name,
        },
        patient: Reference {
            reference: Some(urn(patient)),
            display: None,
        },
        occurrence_date_time: Instant(dose.at()),
        // The table records the vaccination as it gives it; a decision
        // not to give is recorded when it is made.
        recorded: Instant(dose.at()),
        primary_source: true,
        location: catalog.venue(dose.venue).map(|v| Reference {
            reference: None,
            display: Some(v.name_ja.clone()),
        }),
        lot_number: given.map(|(_, lot, _)| lot.to_string()),
        expiration_date: given.map(|(_, _, expires)| Date(*expires)),
        site: given.map(|(v, _, _)| site(v.site)),
        performer: performer.into_iter().collect(),
        protocol_applied: vec![ProtocolApplied {
            target_disease: vec![CodeableConcept {
                coding: vec![Coding::new(
                    SNOMED,
                    COVID_19,
                    Some("Disease caused by severe acute respiratory syndrome coronavirus 2"),
                )],
                text: Some("COVID-19".to_owned()),
            }],
            dose_number_positive_int: dose.dose.get(),
            series_doses_positive_int: vaccine
                .map(|v| if v.second_dose_after.is_some() { 2 } else { 1 }),
        }],
    })
}

/// A person's names as JP Core writes them: one HumanName per way of
/// writing (kanji, kana, roman), each `official` with its representation.
pub fn names(fields: &BTreeMap<Field, String>) -> Vec<HumanName> {
    [
        (Field::NameKanji, "IDE"),
        (Field::NameKana, "SYL"),
        (Field::NameRoman, "ABC"),
    ]
    .into_iter()
    .filter_map(|(field, representation)| {
        let text = fields.get(&field)?.trim();
        (!text.is_empty()).then(|| HumanName {
            extension: vec![Extension {
                url: NAME_REPRESENTATION.to_owned(),
                value_code: representation.to_owned(),
            }],
            use_: NameUse::Official,
            text: text.to_owned(),
        })
    })
    .collect()
}

// ---------------------------------------------------------------------
// The `date` search parameter.
// ---------------------------------------------------------------------

/// Why a request's `date` search parameters do not name a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateProblem {
    /// No `date` at all.
    Missing,
    /// A value that is not a day (`YYYY-MM-DD`) after an optional prefix
    /// `eq`, `ge`, `le`, `gt` or `lt` (times and the other prefixes are
    /// not searched by).
    Malformed,
    /// A lower bound without an upper one, or the other way round.
    Open,
    /// The period ends before it starts.
    Empty,
}

/// The period FHIR's `date` search parameters name, at day precision
/// (Asia/Tokyo): one day (`2026-12-10`, `eq2026-12-10`), or both bounds
/// of a range (`ge2026-12-01` and `le2026-12-31`; `gt`/`lt` exclude their
/// day). Several values narrow each other, as FHIR's repeated parameters
/// do (AND).
pub fn period_of_dates<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Period, DateProblem> {
    let (mut from, mut to): (Option<NaiveDate>, Option<NaiveDate>) = (None, None);
    let mut any = false;
    for value in values {
        any = true;
        let value = value.trim();
        let (prefix, day) = match value.get(..2) {
            Some(p @ ("eq" | "ge" | "le" | "gt" | "lt")) => (p, &value[2..]),
            _ => ("eq", value),
        };
        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .ok()
            .filter(|_| day.len() == 10)
            .ok_or(DateProblem::Malformed)?;
        let next = || day.succ_opt().ok_or(DateProblem::Malformed);
        let previous = || day.pred_opt().ok_or(DateProblem::Malformed);
        let (low, high) = match prefix {
            "ge" => (Some(day), None),
            "gt" => (Some(next()?), None),
            "le" => (None, Some(day)),
            "lt" => (None, Some(previous()?)),
            _ => (Some(day), Some(day)),
        };
        from = from.max(low);
        to = match (to, high) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    if !any {
        return Err(DateProblem::Missing);
    }
    match (from, to) {
        (Some(from), Some(to)) => Period::new(from, to).ok_or(DateProblem::Empty),
        _ => Err(DateProblem::Open),
    }
}

// ---------------------------------------------------------------------
// The export.
// ---------------------------------------------------------------------

/// What to export: the doses of a period (both days included, Asia/Tokyo),
/// of one institution's people or of all, with the names or without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FhirExport {
    pub period: Period,
    pub institution: Option<InstitutionId>,
    pub names: bool,
}

/// Whose doses `actor` may export, as for the lists: institution staff
/// their own institution's people (the default for them), operators and
/// system administrators everyone's or one institution's.
fn scope(
    actor: &Actor,
    institution: Option<InstitutionId>,
) -> Result<Option<InstitutionId>, OperationError> {
    let institution = institution.or(actor.role.institution());
    actor.may(
        Duty::ViewReservations,
        institution.map_or(Scope::Any, Scope::Institution),
    )?;
    Ok(institution)
}

/// The bundle of `export`'s doses. With names, they are opened for the
/// whole bundle after one `personal.view` entry; the export is audited as
/// `export.fhir` once the bundle is built, before it is handed out.
pub async fn immunization_bundle(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    export: &FhirExport,
) -> Result<Bundle, OperationError> {
    let institution = scope(actor, export.institution)?;
    let ids = Pseudonyms::of(keys)?;
    let (from, to) = (export.period.from(), export.period.to());
    let doses = ops
        .store()
        .registered_doses(
            day_start(from),
            day_start(to.succ_opt().unwrap_or(to)),
            institution,
        )
        .await?;
    let catalog = crate::reference::catalog(ops).await?;

    let mut objects = vec![AuditObject::Period(from, to)];
    objects.extend(institution.map(AuditObject::Institution));

    // The people in the order of their first dose, each once.
    let mut people: Vec<PersonId> = Vec::new();
    let mut seen: HashSet<PersonId> = HashSet::new();
    let mut entries = Vec::new();
    for dose in &doses {
        let patient = ids.patient(dose.person);
        if let Some(immunization) = immunization(dose, &catalog, &ids, &patient) {
            if seen.insert(dose.person) {
                people.push(dose.person);
            }
            entries.push(BundleEntry {
                full_url: urn(&immunization.id),
                resource: Resource::Immunization(Box::new(immunization)),
            });
        }
    }
    let opened = if export.names {
        open_names(ops, keys, actor, &people, objects.clone()).await?
    } else {
        vec![BTreeMap::new(); people.len()]
    };
    let immunizations = entries.len();
    for (person, fields) in people.iter().zip(opened) {
        let id = ids.patient(*person);
        entries.push(BundleEntry {
            full_url: urn(&id),
            resource: Resource::Patient(Patient {
                id,
                name: names(&fields),
            }),
        });
    }

    let now = ops.now();
    let entry = actor.entry(
        now,
        AuditAction::ExportFhir,
        objects,
        format!(
            "{} resources: {immunizations} Immunization, {} Patient{}",
            entries.len(),
            people.len(),
            if export.names { ", names" } else { "" }
        ),
    );
    ops.store().audit(&entry).await?;
    Ok(Bundle {
        kind: BundleType::Collection,
        timestamp: Instant(now),
        entry: entries,
    })
}

/// The names of `people`, in their order, opened for the bundle after one
/// `personal.view` entry naming `objects` (the period, the institution).
async fn open_names(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    people: &[PersonId],
    objects: Vec<AuditObject>,
) -> Result<Vec<BTreeMap<Field, String>>, OperationError> {
    let mut found = Vec::with_capacity(people.len());
    for id in people {
        found.push(
            ops.store()
                .person(*id)
                .await?
                .ok_or(OperationError::NotFound)?,
        );
    }
    personal::open_list(
        ops,
        keys,
        actor,
        &found.iter().collect::<Vec<_>>(),
        &[Field::NameKanji, Field::NameKana, Field::NameRoman],
        "fhir export",
        objects,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{actor, empty_office};
    use chrono::TimeZone;
    use sesshu_domain::{
        Denied, DoseInterval, LotId, LotNumber, ReservationNumber, Role, Vaccinated, Vaccine,
        VaccineCodes, VaccineId, Venue, VenueId,
    };
    use sesshu_vault_open::OpeningKey;

    fn ids() -> Pseudonyms {
        Pseudonyms { key: [7; 32] }
    }

    fn catalog(cvx: &str) -> Catalog {
        Catalog {
            venues: vec![Venue {
                id: VenueId::new(3),
                name_ja: "駅前会場".into(),
                name_en: "Station Venue".into(),
            }],
            lanes: Vec::new(),
            vaccines: vec![Vaccine {
                id: VaccineId::new(5),
                name_ja: "モデルナ".into(),
                name_en: "Moderna".into(),
                second_dose_after: Some(DoseInterval { days: 28 }),
                codes: VaccineCodes {
                    cvx: cvx.into(),
                    maker: String::new(),
                },
            }],
        }
    }

    /// 10:05 in Tokyo on 10 December 2026.
    fn five_past_ten() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 10, 1, 5, 0).unwrap()
    }

    fn dose(decision: Decision, given: bool) -> RegisteredDose {
        RegisteredDose {
            series: SeriesId::new(11),
            number: ReservationNumber::parse("K7M3-PQ2X").unwrap(),
            person: PersonId::new(42),
            institution: InstitutionId::new(1),
            dose: DoseNumber::new(2).unwrap(),
            venue: VenueId::new(3),
            vaccine: VaccineId::new(5),
            decision,
            decided_at: five_past_ten() - chrono::Duration::minutes(3),
            given: given.then(|| {
                (
                    Vaccinated {
                        at: five_past_ten(),
                        lot: LotId::new(8),
                        given_by: " Dr Sato ".into(),
                        site: Site::RightArm,
                    },
                    LotNumber::parse("AB-1234").unwrap(),
                    NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
                )
            }),
            voucher_collected: true,
            vrs_exported: None,
        }
    }

    fn json(immunization: &Immunization) -> serde_json::Value {
        serde_json::to_value(Resource::Immunization(Box::new(immunization.clone()))).unwrap()
    }

    #[test]
    fn a_dose_given_is_completed_with_its_lot_site_performer_and_dose_number() {
        let ids = ids();
        let found = immunization(
            &dose(Decision::Vaccinate, true),
            &catalog("207"),
            &ids,
            "p-1",
        )
        .unwrap();
        let j = json(&found);
        assert_eq!(j["resourceType"], "Immunization");
        assert_eq!(j["status"], "completed");
        assert!(j.get("statusReason").is_none());
        assert_eq!(j["lotNumber"], "AB-1234");
        assert_eq!(j["expirationDate"], "2027-03-31");
        assert_eq!(j["occurrenceDateTime"], "2026-12-10T10:05:00+09:00");
        assert_eq!(j["recorded"], "2026-12-10T10:05:00+09:00");
        assert_eq!(j["primarySource"], true);
        assert_eq!(j["patient"]["reference"], "urn:uuid:p-1");
        assert_eq!(j["location"]["display"], "駅前会場");
        assert_eq!(j["site"]["coding"][0]["system"], ACT_SITE);
        assert_eq!(j["site"]["coding"][0]["code"], "RA");
        assert_eq!(j["performer"][0]["function"]["coding"][0]["code"], "AP");
        assert_eq!(j["performer"][0]["actor"]["display"], "Dr Sato");
        assert!(j["performer"][0]["actor"].get("reference").is_none());
        let protocol = &j["protocolApplied"][0];
        assert_eq!(protocol["doseNumberPositiveInt"], 2);
        assert_eq!(protocol["seriesDosesPositiveInt"], 2);
        assert_eq!(protocol["targetDisease"][0]["coding"][0]["system"], SNOMED);
        assert_eq!(
            protocol["targetDisease"][0]["coding"][0]["code"],
            "840539006"
        );
        assert_eq!(
            found.id,
            ids.immunization(SeriesId::new(11), DoseNumber::new(2).unwrap())
        );
    }

    #[test]
    fn the_vaccine_is_coded_in_cvx_and_locally_and_cvx_is_left_out_when_unset() {
        let coded = immunization(
            &dose(Decision::Vaccinate, true),
            &catalog("207"),
            &ids(),
            "p",
        );
        let coding = &json(&coded.unwrap())["vaccineCode"]["coding"];
        assert_eq!(coding[0]["system"], CVX);
        assert_eq!(coding[0]["code"], "207");
        assert_eq!(coding[1]["system"], LOCAL_VACCINE);
        assert_eq!(coding[1]["code"], "5");
        assert_eq!(coding[1]["display"], "モデルナ");

        let uncoded = immunization(&dose(Decision::Vaccinate, true), &catalog(" "), &ids(), "p");
        let coding = &json(&uncoded.unwrap())["vaccineCode"]["coding"];
        assert_eq!(coding.as_array().unwrap().len(), 1, "{coding}");
        assert_eq!(coding[0]["system"], LOCAL_VACCINE);
    }

    #[test]
    fn a_dose_not_given_is_not_done_with_the_reason_and_nothing_of_a_vaccination() {
        let expected = [
            (Decision::Refused, "PATOBJ"),
            (Decision::Postpone, "MEDPREC"),
            (Decision::Contraindicated, "MEDPREC"),
            (Decision::Unwell, "MEDPREC"),
        ];
        for (decision, code) in expected {
            let found = immunization(&dose(decision, false), &catalog("207"), &ids(), "p").unwrap();
            let j = json(&found);
            assert_eq!(j["status"], "not-done", "{decision:?}");
            let reason = &j["statusReason"]["coding"];
            assert_eq!(reason[0]["system"], ACT_REASON);
            assert_eq!(reason[0]["code"], code, "{decision:?}");
            assert_eq!(reason[1]["system"], LOCAL_DECISION);
            assert_eq!(reason[1]["code"], decision.as_str());
            assert_eq!(
                j["occurrenceDateTime"], "2026-12-10T10:02:00+09:00",
                "the decision's time"
            );
            for absent in ["lotNumber", "expirationDate", "site", "performer"] {
                assert!(j.get(absent).is_none(), "{absent} for {decision:?}");
            }
        }
    }

    #[test]
    fn an_approved_dose_without_a_recorded_vaccination_is_no_immunization() {
        assert_eq!(
            immunization(
                &dose(Decision::Vaccinate, false),
                &catalog("207"),
                &ids(),
                "p"
            ),
            None
        );
    }

    #[test]
    fn an_empty_performer_is_left_out() {
        let mut unnamed = dose(Decision::Vaccinate, true);
        if let Some((v, _, _)) = unnamed.given.as_mut() {
            v.given_by = "  ".into();
        }
        let found = immunization(&unnamed, &catalog("207"), &ids(), "p").unwrap();
        assert!(found.performer.is_empty());
    }

    #[test]
    fn names_are_written_as_jp_core_does_kanji_kana_roman_and_never_debug_printed() {
        let fields = BTreeMap::from([
            (Field::NameKanji, "山田 太郎".to_owned()),
            (Field::NameKana, "ヤマダ タロウ".to_owned()),
            (Field::NameRoman, "  ".to_owned()),
        ]);
        let written = names(&fields);
        let j = serde_json::to_value(&written).unwrap();
        assert_eq!(
            j.as_array().unwrap().len(),
            2,
            "an empty roman name is left out"
        );
        assert_eq!(j[0]["use"], "official");
        assert_eq!(j[0]["text"], "山田 太郎");
        assert_eq!(j[0]["extension"][0]["url"], NAME_REPRESENTATION);
        assert_eq!(j[0]["extension"][0]["valueCode"], "IDE");
        assert_eq!(j[1]["extension"][0]["valueCode"], "SYL");
        assert!(!format!("{written:?}").contains("山田"));
    }

    #[test]
    fn hmac_is_rfc_4231s() {
        // RFC 4231, test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn pseudonyms_are_stable_uuids_that_depend_on_the_key() {
        let key = OpeningKey::generate();
        let ring = Keyring::new([key.clone()]);
        let a = Pseudonyms::of(&ring).unwrap().patient(PersonId::new(42));
        let again = Pseudonyms::of(&Keyring::new([key])).unwrap();
        assert_eq!(
            again.patient(PersonId::new(42)),
            a,
            "the same in every export"
        );
        assert_ne!(again.patient(PersonId::new(43)), a);
        let other = Pseudonyms::of(&Keyring::new([OpeningKey::generate()])).unwrap();
        assert_ne!(
            other.patient(PersonId::new(42)),
            a,
            "another key, another id"
        );
        let parts: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12], "{a}");
        assert_eq!(&a[14..15], "8", "version 8: {a}");
        assert!("89ab".contains(&a[19..20]), "the variant: {a}");
        assert!(Pseudonyms::of(&Keyring::default()).is_err());
        assert_eq!(
            format!("{:?}", Pseudonyms::of(&ring).unwrap()),
            "Pseudonyms"
        );
    }

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

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_date_search_names_one_day_or_a_bounded_range() {
        let period = |values: &[&str]| period_of_dates(values.iter().copied());
        let one = Period::new(day("2026-12-10"), day("2026-12-10")).unwrap();
        assert_eq!(period(&["2026-12-10"]), Ok(one));
        assert_eq!(period(&["eq2026-12-10"]), Ok(one));
        let december = Period::new(day("2026-12-01"), day("2026-12-31")).unwrap();
        assert_eq!(period(&["ge2026-12-01", "le2026-12-31"]), Ok(december));
        assert_eq!(period(&["le2026-12-31", "ge2026-12-01"]), Ok(december));
        assert_eq!(period(&["gt2026-11-30", "lt2027-01-01"]), Ok(december));
        assert_eq!(
            period(&["ge2026-12-01", "le2026-12-31", "ge2026-12-10"]),
            Ok(Period::new(day("2026-12-10"), day("2026-12-31")).unwrap()),
            "repeated parameters narrow"
        );
        assert_eq!(period(&[]), Err(DateProblem::Missing));
        assert_eq!(period(&["ge2026-12-01"]), Err(DateProblem::Open));
        assert_eq!(period(&["le2026-12-01"]), Err(DateProblem::Open));
        assert_eq!(
            period(&["ge2026-12-31", "le2026-12-01"]),
            Err(DateProblem::Empty)
        );
        for malformed in [
            "2026-12",
            "2026-12-10T10:00:00+09:00",
            "ne2026-12-10",
            "2026-13-01",
            "",
            "2026-1-5",
        ] {
            assert_eq!(
                period(&[malformed]),
                Err(DateProblem::Malformed),
                "{malformed:?}"
            );
        }
    }

    fn december() -> Period {
        Period::new(
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn an_empty_period_is_a_bundle_without_entries_and_is_audited() {
        let ops = empty_office("fhir-empty").await;
        let keys = Keyring::new([OpeningKey::generate()]);
        let export = FhirExport {
            period: december(),
            institution: None,
            names: false,
        };
        let bundle = immunization_bundle(&ops, &keys, &actor(Role::Operator), &export)
            .await
            .unwrap();
        let j: serde_json::Value = serde_json::from_slice(&bundle.to_json().unwrap()).unwrap();
        assert_eq!(j["resourceType"], "Bundle");
        assert_eq!(j["type"], "collection");
        assert_eq!(j["timestamp"], "2026-12-01T09:00:00+09:00");
        assert!(j.get("entry").is_none(), "no empty array: {j}");
        let trail = ops.store().audit_latest(None, 10).await.unwrap();
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0].entry.action, AuditAction::ExportFhir);
        assert_eq!(
            trail[0].entry.detail,
            "0 resources: 0 Immunization, 0 Patient"
        );
        assert_eq!(
            trail[0].entry.objects,
            vec![AuditObject::Period(december().from(), december().to())]
        );
    }

    #[tokio::test]
    async fn institution_staff_export_their_own_and_venue_staff_nothing() {
        let ops = empty_office("fhir-scope").await;
        let keys = Keyring::new([OpeningKey::generate()]);
        let mine = InstitutionId::new(1);
        let staff = actor(Role::InstitutionStaff { institution: mine });
        let others = FhirExport {
            period: december(),
            institution: Some(InstitutionId::new(2)),
            names: false,
        };
        let refused = immunization_bundle(&ops, &keys, &staff, &others).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::NotFound))),
            "{refused:?}"
        );
        let venue = actor(Role::VenueStaff {
            venue: VenueId::new(3),
        });
        let all = FhirExport {
            institution: None,
            ..others
        };
        let refused = immunization_bundle(&ops, &keys, &venue, &all).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert!(
            ops.store().audit_latest(None, 10).await.unwrap().is_empty(),
            "nothing audited"
        );

        immunization_bundle(&ops, &keys, &staff, &all)
            .await
            .unwrap();
        let trail = ops.store().audit_latest(None, 10).await.unwrap();
        assert!(
            trail[0]
                .entry
                .objects
                .contains(&AuditObject::Institution(mine)),
            "their own institution, without asking: {:?}",
            trail[0].entry.objects
        );
    }
}
