//! The export: a period's doses as one audited Immunization bundle, names only when asked for.

use super::mapping::{immunization, names};
use super::pseudonyms::{Pseudonyms, urn};
use super::types::{Bundle, BundleEntry, BundleType, Instant, Patient, Resource};
use crate::lists::Period;
use crate::{Actor, OperationError, Operations, personal};
use sesshu_domain::{AuditAction, AuditObject, Duty, InstitutionId, PersonId, Scope, day_start};
use sesshu_vault::Field;
use sesshu_vault_open::Keyring;
use std::collections::{BTreeMap, HashSet};

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
    use chrono::NaiveDate;
    use sesshu_domain::{Denied, Role, VenueId};
    use sesshu_vault_open::OpeningKey;

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
