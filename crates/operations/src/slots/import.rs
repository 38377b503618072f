//! Slots from a CSV (予約枠のCSV登録): the file checked whole against the
//! catalog, the institutions and the slots around its days (the rules are
//! [`sesshu_domain::slot_csv`]), then all its slots in one transaction with
//! the `slots.import` audit entry.

use crate::{Actor, OperationError, Operations, reference};
use sesshu_domain::slot_csv::{self, SlotRow};
use sesshu_domain::upload::UploadError;
use sesshu_domain::{AuditAction, Duty, Language, Scope, tokyo_day};
use sesshu_store::{NewSlot, SlotQuery};

/// What a slot file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotFile {
    /// Its slots, every one of them fit to create.
    Ready(Vec<SlotRow>),
    /// Everything wrong with it, each with its line and column, in the
    /// language asked for.
    Problems(Vec<UploadError>),
}

/// What importing a slot file did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotsImported {
    /// All its slots, this many.
    Created(usize),
    /// Nothing: this is what is wrong with it (now).
    Problems(Vec<UploadError>),
}

/// Checks the slot file `text` (the preview): every row against the
/// catalog and the institutions, and against each other and the slots that
/// exist around its days; problems are said in `lang`. Nothing is written.
pub async fn check_slot_file(
    ops: &Operations,
    actor: &Actor,
    text: &str,
    lang: Language,
) -> Result<SlotFile, OperationError> {
    actor.may(Duty::ManageSlots, Scope::Any)?;
    let catalog = reference::catalog(ops).await?;
    let institutions = reference::institutions(ops).await?;
    // Read once for the days, then with the slots of those days.
    let rows = match slot_csv::parse(text.as_bytes(), &catalog, &institutions, &[], lang) {
        Ok(rows) => rows,
        Err(problems) => return Ok(SlotFile::Problems(problems)),
    };
    let from = rows.iter().map(|r| r.starts_at).min();
    let to = rows.iter().map(|r| r.ends_at).max();
    let existing = match from.zip(to) {
        // A day earlier too: a long slot may reach into the first row's.
        Some((from, to)) => {
            ops.store()
                .slots(&SlotQuery::between(from - chrono::Duration::days(1), to))
                .await?
        }
        None => Vec::new(),
    };
    Ok(
        match slot_csv::parse(text.as_bytes(), &catalog, &institutions, &existing, lang) {
            Ok(rows) => SlotFile::Ready(rows),
            Err(problems) => SlotFile::Problems(problems),
        },
    )
}

/// Checks the confirmed slot file `text` again (slots may have been made
/// since its preview) and creates all its slots in one transaction with the
/// `slots.import` audit entry; a row without an opening time opens now.
/// Nothing is created if anything is wrong.
pub async fn import_slots(
    ops: &Operations,
    actor: &Actor,
    text: &str,
    lang: Language,
) -> Result<SlotsImported, OperationError> {
    let rows = match check_slot_file(ops, actor, text, lang).await? {
        SlotFile::Ready(rows) => rows,
        SlotFile::Problems(problems) => return Ok(SlotsImported::Problems(problems)),
    };
    let now = ops.now();
    let new: Vec<NewSlot> = rows
        .iter()
        .map(|r| NewSlot {
            venue: r.venue,
            lane: r.lane,
            vaccine: r.vaccine,
            dose: r.dose,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            capacity: r.capacity,
            opens_at: r.opens_at.unwrap_or(now),
            eligibility: r.eligibility.clone(),
        })
        .collect();
    let (first, last) = (
        rows.iter().map(|r| r.starts_at).min(),
        rows.iter().map(|r| r.starts_at).max(),
    );
    let entry = actor.entry(
        now,
        AuditAction::SlotsImport,
        Vec::new(),
        format!(
            "{} slots from a CSV, {}..{}",
            new.len(),
            first.map(tokyo_day).unwrap_or_default(),
            last.map(tokyo_day).unwrap_or_default()
        ),
    );
    let ids = ops.store().create_slots(&new, &entry).await?;
    Ok(SlotsImported::Created(ids.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reservations::fixture::{self, actor};
    use sesshu_domain::{Denied, InstitutionId, Role};

    const HEADER: &str = "date,start,end,venue,lane,capacity,vaccine,dose\n";

    #[tokio::test]
    async fn an_institutions_staff_may_not_import_slots_and_nothing_is_written() {
        let office = fixture::office("slots-import-refused").await;
        let text = format!("{HEADER}2026-12-02,09:00,09:30,Venue,A,5,Vaccine,1\n");
        let staff = actor(Role::InstitutionStaff {
            institution: InstitutionId::new(1),
        });
        let refused = import_slots(&office.ops, &staff, &text, Language::En).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
    }

    #[tokio::test]
    async fn a_file_is_imported_whole_with_one_audit_entry() {
        let office = fixture::office("slots-import").await;
        let text = format!(
            "{HEADER}2026-12-02,09:00,09:30,Venue,A,5,Vaccine,1\n\
             2026-12-03,09:00,09:30,Venue,A,5,Vaccine,1\n"
        );
        let operator = actor(Role::Operator);
        let checked = check_slot_file(&office.ops, &operator, &text, Language::En)
            .await
            .unwrap();
        assert!(
            matches!(&checked, SlotFile::Ready(rows) if rows.len() == 2),
            "{checked:?}"
        );
        let imported = import_slots(&office.ops, &operator, &text, Language::En)
            .await
            .unwrap();
        assert_eq!(imported, SlotsImported::Created(2));
        assert_eq!(
            office.audit_trail().await,
            vec![(
                "slots.import".to_owned(),
                "2 slots from a CSV, 2026-12-02..2026-12-03".to_owned()
            )]
        );
    }

    #[tokio::test]
    async fn a_row_overlapping_a_slot_that_exists_stops_the_whole_file() {
        // The fixture's slot is at 12:00 on 2026-12-01, on lane A.
        let office = fixture::office("slots-import-overlap").await;
        let text = format!(
            "{HEADER}2026-12-02,09:00,09:30,Venue,A,5,Vaccine,1\n\
             2026-12-01,12:15,12:45,Venue,A,5,Vaccine,1\n"
        );
        let imported = import_slots(&office.ops, &actor(Role::Operator), &text, Language::En)
            .await
            .unwrap();
        let SlotsImported::Problems(problems) = imported else {
            panic!("imported despite the overlap: {imported:?}");
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(office.audited().await, 0);
    }
}
