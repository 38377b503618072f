//! The member roster (名簿) as the office's staff upload it for their
//! institution: the counts of members per department, the plan of an
//! upload (the directory's members opened to compare, audited first), and
//! writing it (audited once written, or as far as a hosted directory got).
//! The rules of a file are `sesshu_auth::roster`; the directories'
//! reading and writing is [`crate::roster`], which the CLI shares.

use crate::roster::{self, DepartmentCount, RosterFailure};
use crate::{Actor, OperationError, Operations, reference};
use sesshu_auth::PasswordPolicy;
use sesshu_auth::hosted::Partial;
use sesshu_auth::roster::{self as rules, MissingMembers, Plan, RosterError};
use sesshu_domain::{AuditAction, AuditObject, Duty, Institution, InstitutionId, Scope};
use sesshu_vault_open::Keyring;

/// The institution whose members `actor` manages; [`OperationError::NotFound`]
/// if there is none or it is outside the role's scope.
pub async fn institution(
    ops: &Operations,
    actor: &Actor,
    id: InstitutionId,
) -> Result<Institution, OperationError> {
    actor.may(Duty::ManageMembers, Scope::Institution(id))?;
    reference::institution(ops, id).await
}

/// The members of an institution per department, as far as its directory
/// could be read.
#[derive(Debug)]
pub enum Census {
    /// Enabled and eligible members per department, those without one last.
    Counted(Vec<DepartmentCount>),
    /// Sesshu holds no directory for it, or the directory failed.
    Unreadable(RosterFailure),
}

/// The enabled and eligible members of each department of `institution`
/// (no personal data is opened).
pub async fn census(
    ops: &Operations,
    actor: &Actor,
    institution: InstitutionId,
) -> Result<Census, OperationError> {
    let institution = self::institution(ops, actor, institution).await?;
    let directory = match roster::directory(&institution) {
        Ok(directory) => directory,
        Err(e) => return Ok(Census::Unreadable(e)),
    };
    Ok(
        match roster::census(ops.store(), institution.id, directory).await {
            Ok(members) => Census::Counted(roster::department_counts(&institution, &members)),
            Err(e) => Census::Unreadable(e),
        },
    )
}

/// An uploaded member file, as text, for one institution.
#[derive(Debug)]
pub struct MembersUpload {
    pub institution: InstitutionId,
    /// The file's text (UTF-8 whatever it was saved as).
    pub text: String,
    /// What becomes of members the file no longer lists.
    pub missing: MissingMembers,
}

/// What an upload would change.
#[derive(Debug)]
pub enum Preview {
    /// Every change, nothing written yet.
    Plan(Plan),
    /// What is wrong with the file, by line and column: nothing changes.
    Problems(Vec<RosterError>),
    /// Sesshu holds no directory for the institution, or it failed.
    Failed(RosterFailure),
}

/// Checks an upload whole and plans it against the directory: the
/// directory's members are opened to compare (`personal.view`, audited
/// before anything is opened). Writes nothing else.
pub async fn preview(
    ops: &Operations,
    actor: &Actor,
    keys: &Keyring,
    upload: &MembersUpload,
) -> Result<Preview, OperationError> {
    let institution = institution(ops, actor, upload.institution).await?;
    plan(ops, actor, keys, &institution, upload).await
}

async fn plan(
    ops: &Operations,
    actor: &Actor,
    keys: &Keyring,
    institution: &Institution,
    upload: &MembersUpload,
) -> Result<Preview, OperationError> {
    let directory = match roster::directory(institution) {
        Ok(directory) => directory,
        Err(e) => return Ok(Preview::Failed(e)),
    };
    let rows = match rules::parse(&upload.text) {
        Ok(rows) => rows,
        Err(problems) => return Ok(Preview::Problems(problems)),
    };
    let refused = roster::refused_rows(directory, &rows);
    if !refused.is_empty() {
        return Ok(Preview::Problems(refused));
    }
    let entry = actor.entry(
        ops.now(),
        AuditAction::PersonalView,
        vec![AuditObject::Institution(institution.id)],
        "member roster compared with an upload",
    );
    ops.store().audit(&entry).await?;
    let current = match roster::current(ops.store(), institution.id, directory, keys).await {
        Ok(current) => current,
        Err(e) => return Ok(Preview::Failed(e)),
    };
    Ok(match rules::plan(rows, current, upload.missing) {
        Ok(plan) => Preview::Plan(plan),
        Err(problems) => Preview::Problems(problems),
    })
}

/// What an upload changed.
#[derive(Debug)]
pub enum Applied {
    /// Every change of the plan is written.
    Written(Plan),
    /// The hosted directory failed part way: what it took before.
    Partial(Partial),
    /// What is wrong with the file: nothing changed.
    Problems(Vec<RosterError>),
    /// Sesshu holds no directory for the institution, or it could not be
    /// read to plan the upload: nothing changed.
    Unplanned(RosterFailure),
    /// Writing failed (the built-in directory: nothing changed).
    Failed(RosterFailure),
}

/// Plans the confirmed upload again (the directory may have changed since
/// its preview, which is audited again) and writes it: into the built-in
/// directory in one transaction (passwords hashed by `passwords`, personal
/// data sealed to the office's key), or into the hosted directory entry by
/// entry. Audited as `members.import` with the counts, or as
/// `members.import.partial` with what was written before a failure.
pub async fn apply(
    ops: &Operations,
    actor: &Actor,
    keys: &Keyring,
    passwords: &PasswordPolicy,
    upload: &MembersUpload,
) -> Result<Applied, OperationError> {
    let institution = institution(ops, actor, upload.institution).await?;
    let plan = match plan(ops, actor, keys, &institution, upload).await? {
        Preview::Plan(plan) => plan,
        Preview::Problems(problems) => return Ok(Applied::Problems(problems)),
        Preview::Failed(e) => return Ok(Applied::Unplanned(e)),
    };
    let directory = match roster::directory(&institution) {
        Ok(directory) => directory,
        Err(e) => return Ok(Applied::Unplanned(e)),
    };
    let summary = format!(
        "{} added, {} updated, {} disabled, {} removed",
        plan.add.len(),
        plan.update.len(),
        plan.disable.len(),
        plan.remove.len()
    );
    let objects = vec![AuditObject::InstitutionCode(institution.code.clone())];
    let written = roster::apply(
        ops.store(),
        institution.id,
        directory,
        roster::Secrets {
            policy: passwords,
            sealing: keys.sealing_key(),
        },
        &plan,
        ops.now(),
        &mut |_| {},
    )
    .await;
    match written {
        Ok(_) => {
            let entry = actor.entry(ops.now(), AuditAction::MembersImport, objects, summary);
            ops.store().audit(&entry).await?;
            Ok(Applied::Written(plan))
        }
        Err(RosterFailure::Partial(partial)) => {
            let entry = actor.entry(
                ops.now(),
                AuditAction::MembersImportPartial,
                objects,
                format!("{} changes written; failed at one", partial.done.len()),
            );
            ops.store().audit(&entry).await?;
            Ok(Applied::Partial(partial))
        }
        Err(e) => Ok(Applied::Failed(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::actor as acting;
    use chrono::{TimeZone, Utc};
    use sesshu_domain::{Denied, InstitutionCode, Role};
    use sesshu_store::NewInstitution;
    use sesshu_vault_open::OpeningKey;
    use std::sync::Arc;

    const TWO: &str = "login,user_type,name_kanji,name_roman,password\n\
                       hanako,student,青葉 花子,Hanako Aoba,initial-pass-1\n\
                       taro,staff,広瀬 太郎,Taro Hirose,initial-pass-2\n";

    /// An office with one institution on the built-in directory.
    async fn office(name: &str) -> (Operations, InstitutionId) {
        let path = std::env::temp_dir().join(format!(
            "sesshu-operations-members-{}-{name}.sqlite",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        let store = sesshu_store_sqlite::SqliteStore::connect(path.to_str().unwrap())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let ops = Operations::new(
            Arc::new(store),
            Arc::new(sesshu_domain::ManualClock::new(at)),
        );
        let code = InstitutionCode::parse("aoba").unwrap();
        let master = NewInstitution::builtin(code, "青葉大学", "Aoba University");
        let entry =
            acting(Role::SystemAdmin).entry(at, AuditAction::InstitutionCreate, Vec::new(), "new");
        ops.store()
            .save_institutions(&[master], &entry)
            .await
            .unwrap();
        let id = reference::institutions(&ops).await.unwrap()[0].id;
        (ops, id)
    }

    fn upload(institution: InstitutionId) -> MembersUpload {
        MembersUpload {
            institution,
            text: TWO.into(),
            missing: MissingMembers::Disable,
        }
    }

    async fn audited(ops: &Operations) -> Vec<(AuditAction, String)> {
        ops.store()
            .audit_records(0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.entry.action, r.entry.detail))
            .collect()
    }

    #[tokio::test]
    async fn another_institutions_staff_may_not_upload_and_nothing_is_written_or_audited() {
        let (ops, aoba) = office("refused").await;
        let before = audited(&ops).await;
        let other = acting(Role::InstitutionStaff {
            institution: InstitutionId::new(aoba.get() + 1),
        });
        let keys = Keyring::new([OpeningKey::generate()]);
        let passwords = PasswordPolicy::insecure_fast_for_tests();
        let refused = apply(&ops, &other, &keys, &passwords, &upload(aoba)).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::NotFound))),
            "{refused:?}"
        );
        let venue_staff = acting(Role::VenueStaff {
            venue: sesshu_domain::VenueId::new(1),
        });
        let refused = preview(&ops, &venue_staff, &keys, &upload(aoba)).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert!(ops.store().members(aoba).await.unwrap().is_empty());
        assert_eq!(audited(&ops).await, before);
    }

    #[tokio::test]
    async fn an_upload_is_previewed_then_written_and_counted() {
        let (ops, aoba) = office("written").await;
        let staff = acting(Role::InstitutionStaff { institution: aoba });
        let keys = Keyring::new([OpeningKey::generate()]);
        let passwords = PasswordPolicy::insecure_fast_for_tests();
        let Preview::Plan(plan) = preview(&ops, &staff, &keys, &upload(aoba)).await.unwrap() else {
            panic!("no plan");
        };
        assert_eq!(plan.add.len(), 2);
        assert!(ops.store().members(aoba).await.unwrap().is_empty());
        let applied = apply(&ops, &staff, &keys, &passwords, &upload(aoba))
            .await
            .unwrap();
        assert!(matches!(applied, Applied::Written(_)), "{applied:?}");
        let Census::Counted(counts) = census(&ops, &staff, aoba).await.unwrap() else {
            panic!("not counted");
        };
        assert_eq!(counts.iter().map(|c| c.members).sum::<usize>(), 2);
        let compared = (
            AuditAction::PersonalView,
            "member roster compared with an upload".to_owned(),
        );
        assert_eq!(
            audited(&ops).await[1..],
            [
                compared.clone(),
                compared,
                (
                    AuditAction::MembersImport,
                    "2 added, 0 updated, 0 disabled, 0 removed".to_owned()
                ),
            ]
        );
    }

    #[tokio::test]
    async fn a_file_with_problems_changes_nothing_and_opens_nothing() {
        let (ops, aoba) = office("problems").await;
        let before = audited(&ops).await;
        let staff = acting(Role::InstitutionStaff { institution: aoba });
        let bad = MembersUpload {
            text: "login,user_type\nhanako,teacher\n".into(),
            ..upload(aoba)
        };
        let keys = Keyring::new([OpeningKey::generate()]);
        let passwords = PasswordPolicy::insecure_fast_for_tests();
        let applied = apply(&ops, &staff, &keys, &passwords, &bad).await.unwrap();
        assert!(
            matches!(&applied, Applied::Problems(p) if p[0].line == 2),
            "{applied:?}"
        );
        assert_eq!(audited(&ops).await, before);
    }
}
