//! Opening a person's personal data: the one place the office does it, and
//! always with its audit entry written first (no entry, nothing shown).

use crate::error::OfficeError;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use sesshu_domain::AuditObject;
use sesshu_domain::{Person, Series, Subject};
use sesshu_vault::{Field, Owner};
use std::collections::BTreeMap;

/// What the office shows of a person. Never logged, never in a URL.
pub struct Opened {
    pub login: Subject,
    pub fields: BTreeMap<Field, String>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Opened {
    pub fn get(&self, field: Field) -> Option<&str> {
        self.fields.get(&field).map(String::as_str)
    }
}

/// Opens `wanted` fields of `person` for `staff`, after auditing it as
/// `personal.view` with `purpose` (e.g. `reservation`, `check-in`).
pub async fn open(
    state: &OfficeState,
    staff: &Staff,
    person: &Person,
    series: &Series,
    wanted: &[Field],
    purpose: &str,
) -> Result<Opened, OfficeError> {
    let login = state
        .store()
        .person_subject(person.id)
        .await?
        .ok_or(OfficeError::NotFound)?;
    let owner = Owner::login(person.institution.0, login.as_str());
    let sealed = state.store().personal_data(&owner).await?;
    let present: Vec<Field> = sealed
        .iter()
        .map(|(field, _)| *field)
        .filter(|f| wanted.contains(f))
        .collect();
    let fields_named = present
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let entry = staff.audit(
        state.clock().now(),
        sesshu_domain::AuditAction::PersonalView,
        vec![
            AuditObject::Person(person.id),
            AuditObject::Series(series.id),
            AuditObject::Institution(person.institution),
        ],
        format!("{purpose}: login,{fields_named}"),
    );
    state.store().audit(&entry).await?;
    let mut fields = BTreeMap::new();
    for (field, value) in sealed.iter().filter(|(f, _)| present.contains(f)) {
        match state.keys().open(&owner, *field, value) {
            Ok(plain) => {
                fields.insert(*field, plain);
            }
            Err(e) => {
                // Which field and key, never the owner or the value.
                tracing::error!(field = field.as_str(), key = %value.key_id, error = %e, "personal data does not open");
                return Err(OfficeError::Internal);
            }
        }
    }
    Ok(Opened { login, fields })
}

/// Opens `wanted` fields of each of `people` for a list (a venue's
/// recipients): one audit entry for the whole list, naming its scope
/// (`objects`) and how many people it shows, written before anything is
/// opened. A person whose data does not open is listed without it.
pub async fn open_list(
    state: &OfficeState,
    staff: &Staff,
    people: &[&Person],
    wanted: &[Field],
    purpose: &str,
    objects: Vec<AuditObject>,
) -> Result<Vec<BTreeMap<Field, String>>, OfficeError> {
    let fields_named = wanted
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let entry = staff.audit(
        state.clock().now(),
        sesshu_domain::AuditAction::PersonalView,
        objects,
        format!("{purpose}: {} people: {fields_named}", people.len()),
    );
    state.store().audit(&entry).await?;
    let mut all = Vec::with_capacity(people.len());
    for person in people {
        let mut fields = BTreeMap::new();
        if let Some(login) = state.store().person_subject(person.id).await? {
            let owner = Owner::login(person.institution.0, login.as_str());
            for (field, value) in state.store().personal_data(&owner).await? {
                if !wanted.contains(&field) {
                    continue;
                }
                match state.keys().open(&owner, field, &value) {
                    Ok(plain) => {
                        fields.insert(field, plain);
                    }
                    Err(e) => {
                        tracing::error!(field = field.as_str(), key = %value.key_id, error = %e, "personal data does not open");
                    }
                }
            }
        }
        all.push(fields);
    }
    Ok(all)
}
