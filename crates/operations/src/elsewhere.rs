//! Doses received elsewhere, as the office handles them: the declarations
//! waiting for confirmation, confirming, recording or correcting, removing
//! (each audited in the change's transaction), and the history import — a
//! CSV checked whole, previewed, then applied in one transaction with one
//! `elsewhere.import` entry.
//!
//! A dose elsewhere belongs to a member's login at their institution, so
//! every operation takes a [`Whose`]; the rules are
//! [`sesshu_domain::elsewhere`]'s, the same the person's own form meets
//! (but the office may change an entry the person may not: a confirmed one,
//! or while a reservation is held).

use crate::{Actor, OperationError, Operations};
use sesshu_domain::elsewhere::{self, Declaration, Entry, ImportLine, Problem, Whose as WhoseKey};
use sesshu_domain::upload::UploadError;
use sesshu_domain::{
    AdminId, AuditAction, AuditObject, DoseNumber, Duty, ElsewhereDose, InstitutionId, Language,
    Scope, Subject, tokyo_day,
};
use sesshu_store::Waiting;
use std::collections::HashMap;

/// Whose dose: an institution's member, by login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Whose {
    pub institution: InstitutionId,
    pub member: Subject,
}

/// The declarations not yet confirmed that `actor` may see: every
/// institution's (or `institution`'s) for the operator, their own for
/// institution staff.
pub async fn waiting(
    ops: &Operations,
    actor: &Actor,
    institution: Option<InstitutionId>,
) -> Result<Vec<Waiting>, OperationError> {
    actor.may(Duty::ViewReservations, Scope::Any)?;
    let institution = match (actor.role.institution(), institution) {
        (Some(own), _) => Some(own),
        (None, chosen) => chosen,
    };
    if let Some(id) = institution {
        actor.may(Duty::ViewReservations, Scope::Institution(id))?;
    }
    Ok(ops.store().elsewhere_waiting(institution).await?)
}

/// The audit objects of a change to `whose`'s doses: their person (once
/// they signed in) and institution; never their login.
async fn objects(ops: &Operations, whose: &Whose) -> Result<Vec<AuditObject>, OperationError> {
    let mut objects = Vec::new();
    if let Some(person) = ops
        .store()
        .person_by_subject(whose.institution, &whose.member)
        .await?
    {
        objects.push(AuditObject::Person(person.id));
    }
    objects.push(AuditObject::Institution(whose.institution));
    Ok(objects)
}

fn may_change(actor: &Actor, whose: &Whose) -> Result<(), OperationError> {
    actor.may(Duty::ChangeReservations, Scope::Any)?;
    actor.may(
        Duty::ChangeReservations,
        Scope::Institution(whose.institution),
    )?;
    Ok(())
}

/// Confirms `whose`'s dose as declared, by the account `by`, with its
/// `elsewhere.confirm` entry, if `actor` may change their institution's
/// reservations; `false` if there is no such dose or it was confirmed
/// already (nothing written).
pub async fn confirm(
    ops: &Operations,
    actor: &Actor,
    by: AdminId,
    whose: &Whose,
    dose: DoseNumber,
) -> Result<bool, OperationError> {
    may_change(actor, whose)?;
    let entry = actor.entry(
        ops.now(),
        AuditAction::ElsewhereConfirm,
        objects(ops, whose).await?,
        format!("dose {dose}"),
    );
    Ok(ops
        .store()
        .confirm_elsewhere(whose.institution, &whose.member, dose, by, &entry)
        .await?)
}

/// Records (or corrects) `whose`'s dose as the office says it was, by the
/// account `by` (the entry is then confirmed by it), with its
/// `elsewhere.record` entry, if `actor` may change their institution's
/// reservations and the entry passes the rules: otherwise every problem,
/// and nothing written.
pub async fn record(
    ops: &Operations,
    actor: &Actor,
    by: AdminId,
    whose: &Whose,
    entry: Entry<'_>,
) -> Result<Result<ElsewhereDose, Vec<Problem>>, OperationError> {
    may_change(actor, whose)?;
    let store = ops.store();
    let doses = store
        .elsewhere_doses(whose.institution, &whose.member)
        .await?;
    let here = match store
        .person_by_subject(whose.institution, &whose.member)
        .await?
    {
        Some(person) => store.doses_held_here(person.id).await?,
        None => Vec::new(),
    };
    let declaration =
        match Declaration::check(entry, tokyo_day(ops.now()), &elsewhere::days(&doses), &here) {
            Ok(declaration) => declaration,
            Err(problems) => return Ok(Err(problems)),
        };
    let before = doses.iter().find(|d| d.dose == entry.dose);
    let audit = actor.entry(
        ops.now(),
        AuditAction::ElsewhereRecord,
        objects(ops, whose).await?,
        match before {
            Some(d) => format!("dose {}, corrected (was {})", entry.dose, d.source.as_str()),
            None => format!("dose {}, recorded", entry.dose),
        },
    );
    store
        .record_elsewhere(whose.institution, &whose.member, &declaration, by, &audit)
        .await?;
    store
        .elsewhere_doses(whose.institution, &whose.member)
        .await?
        .into_iter()
        .find(|d| d.dose == entry.dose)
        .map(Ok)
        .ok_or(OperationError::NotFound)
}

/// Removes `whose`'s dose, with its `elsewhere.remove` entry, if `actor`
/// may change their institution's reservations; `false` if there is none.
pub async fn remove(
    ops: &Operations,
    actor: &Actor,
    whose: &Whose,
    dose: DoseNumber,
) -> Result<bool, OperationError> {
    may_change(actor, whose)?;
    let Some(removed) = ops
        .store()
        .elsewhere_doses(whose.institution, &whose.member)
        .await?
        .into_iter()
        .find(|d| d.dose == dose)
    else {
        return Ok(false);
    };
    let entry = actor.entry(
        ops.now(),
        AuditAction::ElsewhereRemove,
        objects(ops, whose).await?,
        format!("dose {dose}, {}", removed.source.as_str()),
    );
    Ok(ops
        .store()
        .remove_elsewhere(whose.institution, &whose.member, dose, &entry)
        .await?)
}

/// A line of an import, checked, and the entry it replaces (if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedLine {
    pub line: ImportLine,
    pub replaces: Option<ElsewhereDose>,
}

/// An import file, read and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportPlanned {
    /// Every line can be applied: what each writes.
    Plan(Vec<PlannedLine>),
    /// Lines that cannot (each with its line and column): nothing would be
    /// written.
    Problems(Vec<UploadError>),
}

/// Reads `text` (the file, decoded) and checks every line against the
/// records as they are, if `actor` manages the members of the
/// institutions it names (an institution out of reach reads as unknown);
/// the problems are told in `lang`. Nothing is written or audited.
pub async fn plan_import(
    ops: &Operations,
    actor: &Actor,
    text: &str,
    lang: Language,
) -> Result<ImportPlanned, OperationError> {
    actor.may(Duty::ManageMembers, Scope::Any)?;
    let institutions = crate::reference::institutions_for(ops, actor, Duty::ManageMembers).await?;
    let file = match elsewhere::parse_import(text.as_bytes(), &institutions, lang) {
        Ok(file) => file,
        Err(problems) => return Ok(ImportPlanned::Problems(problems)),
    };
    let mut named: Vec<InstitutionId> = file.rows.iter().map(|r| r.institution).collect();
    named.sort_unstable();
    named.dedup();
    let mut stored: HashMap<WhoseKey, Vec<ElsewhereDose>> = HashMap::new();
    let mut here: HashMap<WhoseKey, Vec<DoseNumber>> = HashMap::new();
    for institution in named {
        actor.may(Duty::ManageMembers, Scope::Institution(institution))?;
        for (member, dose) in ops.store().elsewhere_of_institution(institution).await? {
            stored
                .entry((institution, member.as_str().to_owned()))
                .or_default()
                .push(dose);
        }
        for (member, dose) in ops.store().doses_held_here_in(institution).await? {
            here.entry((institution, member.as_str().to_owned()))
                .or_default()
                .push(dose);
        }
    }
    match elsewhere::check_import(&file, tokyo_day(ops.now()), &stored, &here, lang) {
        Ok(lines) => Ok(ImportPlanned::Plan(
            lines
                .into_iter()
                .map(|line| {
                    let replaces = stored
                        .get(&(line.institution, line.member.as_str().to_owned()))
                        .and_then(|doses| doses.iter().find(|d| d.dose == line.declaration.dose))
                        .cloned();
                    PlannedLine { line, replaces }
                })
                .collect(),
        )),
        Err(problems) => Ok(ImportPlanned::Problems(problems)),
    }
}

/// What applying an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportApplied {
    /// Every line was written, in one transaction with one audit entry.
    Applied(Vec<PlannedLine>),
    /// Lines that cannot be applied, when checked again: nothing written.
    Problems(Vec<UploadError>),
}

/// Checks the confirmed `text` again (the records may have changed since
/// the preview) and writes every line in one transaction with one
/// `elsewhere.import` entry, by the account `by` (the entries are then
/// confirmed by it): all or nothing.
pub async fn apply_import(
    ops: &Operations,
    actor: &Actor,
    by: AdminId,
    text: &str,
    lang: Language,
) -> Result<ImportApplied, OperationError> {
    let planned = match plan_import(ops, actor, text, lang).await? {
        ImportPlanned::Plan(planned) => planned,
        ImportPlanned::Problems(problems) => return Ok(ImportApplied::Problems(problems)),
    };
    let mut institutions: Vec<InstitutionId> = planned.iter().map(|p| p.line.institution).collect();
    institutions.sort_unstable();
    institutions.dedup();
    let replaced = planned.iter().filter(|p| p.replaces.is_some()).count();
    let entry = actor.entry(
        ops.now(),
        AuditAction::ElsewhereImport,
        institutions
            .into_iter()
            .map(AuditObject::Institution)
            .collect(),
        format!("doses {}, replaced {replaced}", planned.len()),
    );
    let lines: Vec<ImportLine> = planned.iter().map(|p| p.line.clone()).collect();
    ops.store().import_elsewhere(&lines, by, &entry).await?;
    Ok(ImportApplied::Applied(planned))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reservations::fixture::{self, actor};
    use chrono::NaiveDate;
    use sesshu_domain::elsewhere::Source;
    use sesshu_domain::{Denied, Role};

    fn entry(dose: DoseNumber, given_on: &str) -> Entry<'static> {
        Entry {
            dose,
            given_on: NaiveDate::parse_from_str(given_on, "%Y-%m-%d").unwrap(),
            product: "Moderna",
            place: "Sendai",
        }
    }

    #[tokio::test]
    async fn the_office_records_confirmed_corrects_and_removes_with_an_entry_each() {
        let office = fixture::office("elsewhere-record").await;
        let staff = actor(Role::InstitutionStaff {
            institution: office.institution,
        });
        let whose = Whose {
            institution: office.institution,
            member: office.member.clone(),
        };
        let recorded = record(
            &office.ops,
            &staff,
            office.admin,
            &whose,
            entry(DoseNumber::FIRST, "2026-11-02"),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(recorded.source, Source::Office);
        assert_eq!(
            recorded.confirmed.map(|(_, by)| by),
            Some(office.admin),
            "the office's entry is its own confirmation"
        );
        assert!(
            !confirm(&office.ops, &staff, office.admin, &whose, DoseNumber::FIRST)
                .await
                .unwrap(),
            "confirmed already: nothing written"
        );
        let refused = record(
            &office.ops,
            &staff,
            office.admin,
            &whose,
            entry(DoseNumber::SECOND, "2026-11-01"),
        )
        .await
        .unwrap();
        assert_eq!(
            refused,
            Err(vec![Problem::BeforeFirstDose(
                NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()
            )])
        );
        assert!(
            remove(&office.ops, &staff, &whose, DoseNumber::FIRST)
                .await
                .unwrap()
        );
        assert!(
            !remove(&office.ops, &staff, &whose, DoseNumber::FIRST)
                .await
                .unwrap()
        );
        assert_eq!(
            office.audit_trail().await,
            vec![
                ("elsewhere.record".to_owned(), "dose 1, recorded".to_owned()),
                ("elsewhere.remove".to_owned(), "dose 1, office".to_owned()),
            ]
        );
    }

    #[tokio::test]
    async fn another_institutions_staff_change_nothing() {
        let office = fixture::office("elsewhere-other").await;
        let other = actor(Role::InstitutionStaff {
            institution: InstitutionId::new(office.institution.get() + 1),
        });
        let whose = Whose {
            institution: office.institution,
            member: office.member.clone(),
        };
        let refused = record(
            &office.ops,
            &other,
            office.admin,
            &whose,
            entry(DoseNumber::FIRST, "2026-11-02"),
        )
        .await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::NotFound))),
            "{refused:?}"
        );
        let venue = actor(Role::VenueStaff {
            venue: office.venue,
        });
        let refused = plan_import(&office.ops, &venue, "institution\n", Language::En).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
    }
}
