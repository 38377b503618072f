//! Opening a person's personal data: the one place the office does it, and
//! always with its audit entry written first (no entry, nothing shown).
//! The caller passes the private keys, so that each call site shows that it
//! opens personal data.

use crate::{Actor, OperationError, Operations};
use sesshu_domain::{AuditAction, AuditObject, Person, Series, Subject};
use sesshu_vault::{Field, Owner};
use sesshu_vault_open::Keyring;
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

/// Opens `wanted` fields of `person` for `actor`, after auditing it as
/// `personal.view` with `purpose` (e.g. `reservation`, `check-in`).
pub async fn open(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    person: &Person,
    series: &Series,
    wanted: &[Field],
    purpose: &str,
) -> Result<Opened, OperationError> {
    let login = ops
        .store()
        .person_subject(person.id)
        .await?
        .ok_or(OperationError::NotFound)?;
    let owner = Owner::login(person.institution.get(), login.as_str());
    let sealed = ops.store().personal_data(&owner).await?;
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
    let entry = actor.entry(
        ops.now(),
        AuditAction::PersonalView,
        vec![
            AuditObject::Person(person.id),
            AuditObject::Series(series.id),
            AuditObject::Institution(person.institution),
        ],
        format!("{purpose}: login,{fields_named}"),
    );
    ops.store().audit(&entry).await?;
    let mut fields = BTreeMap::new();
    for (field, value) in sealed.iter().filter(|(f, _)| present.contains(f)) {
        match keys.open(&owner, *field, value) {
            Ok(plain) => {
                fields.insert(*field, plain);
            }
            Err(e) => {
                // Which field and key, never the owner or the value.
                tracing::error!(field = field.as_str(), key = %value.key_id, error = %e, "personal data does not open");
                return Err(OperationError::Unopenable);
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
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    people: &[&Person],
    wanted: &[Field],
    purpose: &str,
    objects: Vec<AuditObject>,
) -> Result<Vec<BTreeMap<Field, String>>, OperationError> {
    let fields_named = wanted
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let entry = actor.entry(
        ops.now(),
        AuditAction::PersonalView,
        objects,
        format!("{purpose}: {} people: {fields_named}", people.len()),
    );
    ops.store().audit(&entry).await?;
    let mut all = Vec::with_capacity(people.len());
    for person in people {
        let mut fields = BTreeMap::new();
        if let Some(login) = ops.store().person_subject(person.id).await? {
            let owner = Owner::login(person.institution.get(), login.as_str());
            for (field, value) in ops.store().personal_data(&owner).await? {
                if !wanted.contains(&field) {
                    continue;
                }
                match keys.open(&owner, field, &value) {
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
