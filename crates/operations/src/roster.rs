//! Member uploads (名簿) into the directory Sesshu holds for an institution:
//! what it has now (the built-in directory's sealed data opened, or the
//! hosted LDAP directory read), writing a plan into it, and the counts of
//! eligible members per department. The office's upload page and
//! `sesshu members import` both go through here; the rules of a file are
//! `sesshu_auth::roster`.

use sesshu_auth::roster::{Current, Password, Plan, RosterError, RosterRow};
use sesshu_auth::{PasswordPolicy, hosted};
use sesshu_domain::{
    DepartmentCode, Institution, InstitutionId, LdapSettings, LoginMethod, MailAddress, Profile,
    UserType,
};
use sesshu_store::{DynStore, Field, NewMember, Owner, StoreError};
use sesshu_vault::SealingKey;
use sesshu_vault_open::Keyring;
use std::collections::{BTreeMap, HashMap};

/// Where an institution's members live, when Sesshu holds them.
#[derive(Clone, Copy, Debug)]
pub enum Directory<'a> {
    /// Sesshu's built-in directory (one transaction).
    Builtin,
    /// The LDAP directory the operator hosts for the institution (entry by
    /// entry).
    Hosted(&'a LdapSettings),
}

/// Why members cannot be uploaded, read or written.
#[derive(Debug, thiserror::Error)]
pub enum RosterFailure {
    #[error("{0} logs in against its own LDAP server: its members are not uploaded here")]
    OwnLdap(String),
    #[error("{0} logs in with GakuNin (SAML): its members are not uploaded here")]
    Saml(String),
    #[error("a new member without a password: {0}")]
    NoPassword(String),
    #[error("the directory: {0}")]
    Directory(String),
    #[error("personal data: {0}")]
    Vault(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The hosted directory failed part way: what was written before.
    #[error("the directory failed part way ({}) at {}", .0.error, .0.failed)]
    Partial(hosted::Partial),
}

/// The directory Sesshu holds for `institution`, if it holds one.
pub fn directory(institution: &Institution) -> Result<Directory<'_>, RosterFailure> {
    match &institution.login {
        LoginMethod::Builtin => Ok(Directory::Builtin),
        LoginMethod::Ldap(ldap) if ldap.hosted.is_some() => Ok(Directory::Hosted(ldap)),
        LoginMethod::Ldap(_) => Err(RosterFailure::OwnLdap(institution.code.to_string())),
        LoginMethod::Saml(_) => Err(RosterFailure::Saml(institution.code.to_string())),
    }
}

/// Rows a directory cannot take: an LDAP directory takes initial
/// passwords, not hashes (the server hashes them its own way).
pub fn refused_rows(directory: Directory<'_>, rows: &[RosterRow]) -> Vec<RosterError> {
    match directory {
        Directory::Builtin => Vec::new(),
        Directory::Hosted(_) => rows
            .iter()
            .filter(|r| matches!(r.password, Some(Password::Hash(_))))
            .map(|r| RosterError {
                line: r.line,
                column: None,
                message: "an LDAP directory takes initial passwords, not hashes".into(),
            })
            .collect(),
    }
}

/// The members as the directory has them, personal data opened: what an
/// upload is compared with. The caller audits the opening first.
pub async fn current(
    store: &DynStore,
    institution: InstitutionId,
    directory: Directory<'_>,
    keys: &Keyring,
) -> Result<Vec<Current>, RosterFailure> {
    match directory {
        Directory::Hosted(ldap) => hosted::ldap_current(ldap)
            .await
            .map_err(|e| RosterFailure::Directory(e.summary())),
        Directory::Builtin => {
            let mut current = Vec::new();
            for m in store.members(institution).await? {
                let owner = Owner::login(institution.get(), m.login.as_str());
                let mut profile = Profile::default();
                for (field, sealed) in store.personal_data(&owner).await? {
                    let value = keys
                        .open(&owner, field, &sealed)
                        .map_err(|e| RosterFailure::Vault(e.to_string()))?;
                    match field {
                        Field::NameRoman => profile.display_name = Some(value),
                        Field::NameKanji => profile.display_name_ja = Some(value),
                        Field::NameKana => profile.name_kana = Some(value),
                        Field::Mail => profile.mail = MailAddress::parse(&value).ok(),
                        // A dose's values live in dose_data, never here.
                        Field::Questionnaire | Field::DecisionReason | Field::Voucher => {}
                    }
                }
                current.push(Current {
                    login: m.login,
                    user_type: Some(m.user_type),
                    department: m.department,
                    profile,
                    disabled: m.disabled,
                });
            }
            Ok(current)
        }
    }
}

/// How the built-in directory keeps what a member upload gives: passwords
/// hashed by `policy`, personal data sealed to `sealing` (needed for the
/// built-in directory only).
#[derive(Clone, Copy, Debug)]
pub struct Secrets<'a> {
    pub policy: &'a PasswordPolicy,
    pub sealing: Option<&'a SealingKey>,
}

/// Writes a plan: into the built-in directory in one transaction (plain
/// passwords hashed with Argon2id, personal data sealed), or into the
/// hosted LDAP directory entry by entry (a failure part way says what was
/// written). `progress` is told of each member written. Returns how many
/// changes were made.
pub async fn apply(
    store: &DynStore,
    institution: InstitutionId,
    directory: Directory<'_>,
    secrets: Secrets<'_>,
    plan: &Plan,
    now: chrono::DateTime<chrono::Utc>,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<usize, RosterFailure> {
    if let Directory::Hosted(ldap) = directory {
        return hosted::ldap_apply(ldap, plan, progress)
            .await
            .map(|done| done.len())
            .map_err(RosterFailure::Partial);
    }
    let policy = secrets.policy;
    let sealing = secrets.sealing.ok_or_else(|| {
        RosterFailure::Vault("the built-in directory seals personal data: no key".into())
    })?;
    let existing: HashMap<String, String> = store
        .members(institution)
        .await?
        .into_iter()
        .map(|m| (m.login.as_str().to_owned(), m.password_hash))
        .collect();
    let mut upsert = Vec::new();
    for row in plan
        .add
        .iter()
        .chain(plan.update.iter().map(|(row, _)| row))
    {
        let password_hash = match &row.password {
            Some(Password::Hash(hash)) => hash.clone(),
            Some(Password::Plain(plain)) => {
                let (policy, plain) = (policy.clone(), plain.clone());
                tokio::task::spawn_blocking(move || policy.hash(&plain))
                    .await
                    .map_err(|e| RosterFailure::Vault(e.to_string()))?
                    .map_err(|e| RosterFailure::Vault(format!("hashing a password: {e}")))?
            }
            None => existing
                .get(row.login.as_str())
                .cloned()
                .ok_or_else(|| RosterFailure::NoPassword(row.login.as_str().to_owned()))?,
        };
        let owner = Owner::login(institution.get(), row.login.as_str());
        upsert.push(NewMember {
            institution,
            login: row.login.clone(),
            password_hash,
            user_type: row.user_type,
            department: row.department.clone(),
            personal: sesshu_auth::seal_profile(sealing, &owner, &row.profile)
                .map_err(|e| RosterFailure::Vault(e.to_string()))?,
            disabled: false,
        });
        progress(row.login.as_str());
    }
    store
        .apply_members(institution, &upsert, &plan.disable, &plan.remove, now)
        .await?;
    Ok(upsert.len() + plan.disable.len() + plan.remove.len())
}

/// Members of one department (or of none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentCount {
    pub department: Option<DepartmentCode>,
    /// Members who may book: enabled, of a user type the institution admits.
    pub eligible: usize,
    /// Every enabled member.
    pub members: usize,
}

/// The members of each department, eligible and all (enabled members only),
/// in department order, those without a department last: the denominators
/// of the vaccination rate.
pub fn department_counts(institution: &Institution, members: &[Current]) -> Vec<DepartmentCount> {
    let mut counts: BTreeMap<(bool, Option<&DepartmentCode>), (usize, usize)> = BTreeMap::new();
    for m in members.iter().filter(|m| !m.disabled) {
        let entry = counts
            .entry((m.department.is_none(), m.department.as_ref()))
            .or_default();
        entry.1 += 1;
        if m.user_type
            .is_some_and(|t: UserType| institution.eligible_user_types.contains(&t))
        {
            entry.0 += 1;
        }
    }
    counts
        .into_iter()
        .map(|((_, department), (eligible, members))| DepartmentCount {
            department: department.cloned(),
            eligible,
            members,
        })
        .collect()
}

/// The members as the directory has them, without personal data: enough
/// for [`department_counts`].
pub async fn census(
    store: &DynStore,
    institution: InstitutionId,
    directory: Directory<'_>,
) -> Result<Vec<Current>, RosterFailure> {
    match directory {
        Directory::Hosted(ldap) => hosted::ldap_current(ldap)
            .await
            .map(|members| {
                members
                    .into_iter()
                    .map(|m| Current {
                        profile: Profile::default(),
                        ..m
                    })
                    .collect()
            })
            .map_err(|e| RosterFailure::Directory(e.summary())),
        Directory::Builtin => Ok(store
            .members(institution)
            .await?
            .into_iter()
            .map(|m| Current {
                login: m.login,
                user_type: Some(m.user_type),
                department: m.department,
                profile: Profile::default(),
                disabled: m.disabled,
            })
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesshu_domain::Subject;

    fn member(login: &str, kind: UserType, department: Option<&str>, disabled: bool) -> Current {
        Current {
            login: Subject::parse(login).unwrap(),
            user_type: Some(kind),
            department: department.map(|d| DepartmentCode::parse(d).unwrap()),
            profile: Profile::default(),
            disabled,
        }
    }

    #[test]
    fn departments_count_their_enabled_and_eligible_members() {
        let institution = Institution {
            id: InstitutionId::new(1),
            code: sesshu_domain::InstitutionCode::parse("demo").unwrap(),
            name_ja: "デモ大学".into(),
            name_en: "Demo University".into(),
            contact: Default::default(),
            mail: Default::default(),
            eligible_user_types: [UserType::Staff].into_iter().collect(),
            deadline: Default::default(),
            login: LoginMethod::Builtin,
            attributes: Default::default(),
            consent: None,
            departments: Vec::new(),
        };
        let members = [
            member("a", UserType::Staff, Some("law"), false),
            member("b", UserType::Student, Some("law"), false),
            member("c", UserType::Staff, Some("law"), true),
            member("d", UserType::Staff, Some("eng"), false),
            member("e", UserType::Student, None, false),
        ];
        let counts = department_counts(&institution, &members);
        let said: Vec<(Option<&str>, usize, usize)> = counts
            .iter()
            .map(|c| {
                (
                    c.department.as_ref().map(|d| d.as_str()),
                    c.eligible,
                    c.members,
                )
            })
            .collect();
        assert_eq!(
            said,
            [(Some("eng"), 1, 1), (Some("law"), 1, 2), (None, 0, 1)],
            "the disabled member is not counted; students are not eligible here"
        );
    }
}
