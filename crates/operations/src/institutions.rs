//! The institution master as the office edits it: the list, one
//! institution's record, and adding or changing one by the master file's
//! rules ([`master::check`]), saved with its audit entry in one
//! transaction. Only a role that manages logins changes login settings.

use crate::master::{self, Entry};
use crate::{Actor, OperationError, Operations, reference};
use sesshu_domain::{
    AuditAction, AuditObject, Duty, Institution, InstitutionCode, LoginMethod, Scope,
};

/// Every institution of the master.
pub async fn list(ops: &Operations, actor: &Actor) -> Result<Vec<Institution>, OperationError> {
    actor.may(Duty::ManageInstitutions, Scope::Any)?;
    reference::institutions(ops).await
}

/// The institution with this code; [`OperationError::NotFound`] if none.
pub async fn view(
    ops: &Operations,
    actor: &Actor,
    code: &InstitutionCode,
) -> Result<Institution, OperationError> {
    actor.may(Duty::ManageInstitutions, Scope::Any)?;
    ops.store()
        .institution_by_code(code)
        .await?
        .ok_or(OperationError::NotFound)
}

/// What became of a record the office saved.
#[derive(Debug, PartialEq, Eq)]
pub enum Saved {
    Saved(InstitutionCode),
    /// A new institution's code is taken.
    CodeTaken(InstitutionCode),
    /// The master file's rules refused it: (field, message) each.
    Refused(Vec<(&'static str, String)>),
}

/// Adds an institution (`institution.create`). Without the right to
/// manage logins, it starts on the built-in directory whatever `entry`
/// says.
pub async fn create(
    ops: &Operations,
    actor: &Actor,
    mut entry: Entry,
) -> Result<Saved, OperationError> {
    actor.may(Duty::ManageInstitutions, Scope::Any)?;
    if actor.may(Duty::ManageLogins, Scope::Any).is_err() {
        entry.login = LoginMethod::Builtin;
    }
    if ops
        .store()
        .institution_by_code(&entry.code)
        .await?
        .is_some()
    {
        return Ok(Saved::CodeTaken(entry.code));
    }
    save(ops, actor, AuditAction::InstitutionCreate, None, entry).await
}

/// Changes the institution `entry.code` names (`institution.change`, with
/// the parts that changed). Without the right to manage logins, its login
/// settings stay as they are whatever `entry` says.
pub async fn change(
    ops: &Operations,
    actor: &Actor,
    mut entry: Entry,
) -> Result<Saved, OperationError> {
    let current = view(ops, actor, &entry.code).await?;
    if actor.may(Duty::ManageLogins, Scope::Any).is_err() {
        entry.login = current.login.clone();
    }
    let before = master::entry(&current);
    save(
        ops,
        actor,
        AuditAction::InstitutionChange,
        Some(&before),
        entry,
    )
    .await
}

async fn save(
    ops: &Operations,
    actor: &Actor,
    action: AuditAction,
    before: Option<&Entry>,
    entry: Entry,
) -> Result<Saved, OperationError> {
    let changed = changed_parts(before, &entry);
    let new = match master::check(entry) {
        Ok(new) => new,
        Err(problems) => return Ok(Saved::Refused(problems)),
    };
    let code = new.code.clone();
    let audit = actor.entry(
        ops.now(),
        action,
        vec![AuditObject::InstitutionCode(code.clone())],
        changed.join(", "),
    );
    ops.store().save_institutions(&[new], &audit).await?;
    Ok(Saved::Saved(code))
}

/// The parts of the record that differ (`new` for a new one).
fn changed_parts(before: Option<&Entry>, after: &Entry) -> Vec<&'static str> {
    let toml_of = |e: &Entry| {
        (
            toml::to_string(&e.contact).unwrap_or_default(),
            toml::to_string(&e.mail).unwrap_or_default(),
            toml::to_string(&e.deadline).unwrap_or_default(),
            toml::to_string(&e.login).unwrap_or_default(),
            toml::to_string(&e.attributes).unwrap_or_default(),
            format!(
                "{:?}",
                e.consent
                    .as_ref()
                    .map(|c| (&c.version, &c.text_ja, &c.text_en))
            ),
            format!("{:?}", e.departments),
        )
    };
    let Some(before) = before else {
        return vec!["new"];
    };
    let (b, a) = (toml_of(before), toml_of(after));
    [
        (
            before.name_ja != after.name_ja || before.name_en != after.name_en,
            "names",
        ),
        (
            before.eligible_user_types != after.eligible_user_types,
            "eligible user types",
        ),
        (b.0 != a.0, "contact"),
        (b.1 != a.1, "mail notice"),
        (b.2 != a.2, "deadline"),
        (b.3 != a.3, "login settings"),
        (b.4 != a.4, "attribute mapping"),
        (b.5 != a.5, "consent"),
        (b.6 != a.6, "departments"),
    ]
    .into_iter()
    .filter(|(changed, _)| *changed)
    .map(|(_, part)| part)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::actor as acting;
    use crate::testing::empty_office;
    use sesshu_domain::{Denied, InstitutionId, Role, UserType};

    fn aoba() -> Entry {
        Entry {
            code: InstitutionCode::parse("aoba").unwrap(),
            name_ja: "青葉大学".into(),
            name_en: "Aoba University".into(),
            eligible_user_types: [UserType::Staff, UserType::Student].into_iter().collect(),
            contact: Default::default(),
            mail: Default::default(),
            deadline: Default::default(),
            login: LoginMethod::Builtin,
            attributes: Default::default(),
            consent: None,
            departments: Vec::new(),
        }
    }

    #[tokio::test]
    async fn an_institutions_staff_may_not_add_an_institution_and_nothing_is_audited() {
        let ops = empty_office("refused").await;
        let staff = acting(Role::InstitutionStaff {
            institution: InstitutionId::new(1),
        });
        let refused = create(&ops, &staff, aoba()).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert!(ops.store().institutions().await.unwrap().is_empty());
        assert_eq!(ops.store().audit_head().await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_change_is_audited_with_the_parts_that_changed() {
        let ops = empty_office("changed").await;
        let admin = acting(Role::SystemAdmin);
        let code = aoba().code;
        assert_eq!(
            create(&ops, &admin, aoba()).await.unwrap(),
            Saved::Saved(code.clone())
        );
        assert_eq!(
            create(&ops, &admin, aoba()).await.unwrap(),
            Saved::CodeTaken(code.clone()),
            "a code is added once"
        );
        let renamed = Entry {
            name_en: "Aoba National University".into(),
            ..aoba()
        };
        assert_eq!(
            change(&ops, &admin, renamed).await.unwrap(),
            Saved::Saved(code.clone())
        );
        let records = ops.store().audit_records(0, 10).await.unwrap();
        let said: Vec<(AuditAction, &str)> = records
            .iter()
            .map(|r| (r.entry.action, r.entry.detail.as_str()))
            .collect();
        assert_eq!(
            said,
            [
                (AuditAction::InstitutionCreate, "new"),
                (AuditAction::InstitutionChange, "names")
            ]
        );
        assert_eq!(
            view(&ops, &admin, &code).await.unwrap().name_en,
            "Aoba National University"
        );
    }

    #[tokio::test]
    async fn an_operator_adds_an_institution_on_the_builtin_directory_only() {
        let ops = empty_office("operator").await;
        let ldap: LoginMethod = toml::from_str(
            r#"
method = "ldap"
url = "ldaps://ldap.aoba.example.ac.jp"
base = "ou=people,dc=aoba,dc=example"
filter = "(&(objectClass=inetOrgPerson)(uid={login}))"
"#,
        )
        .unwrap();
        let asked = Entry {
            login: ldap,
            ..aoba()
        };
        let code = asked.code.clone();
        let operator = acting(Role::Operator);
        assert_eq!(
            create(&ops, &operator, asked).await.unwrap(),
            Saved::Saved(code.clone())
        );
        let saved = view(&ops, &operator, &code).await.unwrap();
        assert_eq!(saved.login, LoginMethod::Builtin);
    }

    #[tokio::test]
    async fn a_record_the_master_rules_refuse_is_not_saved() {
        let ops = empty_office("rules").await;
        let nobody_eligible = Entry {
            eligible_user_types: Default::default(),
            ..aoba()
        };
        let outcome = create(&ops, &acting(Role::SystemAdmin), nobody_eligible)
            .await
            .unwrap();
        assert!(
            matches!(&outcome, Saved::Refused(problems) if problems[0].0 == "eligible_user_types"),
            "{outcome:?}"
        );
        assert_eq!(ops.store().audit_head().await.unwrap(), None);
    }
}
