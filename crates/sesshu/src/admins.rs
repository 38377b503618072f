//! `sesshu admins`: the back office's administrator accounts from the
//! command line: the first system administrator, and accounts for scripts.

use anyhow::Context;
use sesshu_auth::PasswordPolicy;
use sesshu_domain::staff::ADMIN_PASSWORD_MIN_CHARS;
use sesshu_domain::{
    AdminAccount, AdminId, Clock, InstitutionCode, LoginMethod, Role, StaffDirectory, Subject,
    SystemClock, VenueId,
};
use sesshu_store::{DynStore, NewAdmin};

/// An account to add, as the command line gives it.
#[derive(Debug)]
pub struct AddAccount {
    pub login: String,
    pub role: String,
    /// Institution code, for institution staff.
    pub institution: Option<String>,
    pub venue: Option<i64>,
    /// `builtin`, or the code of an institution whose LDAP checks the password.
    pub directory: String,
    /// For built-in accounts; `None` generates one.
    pub password: Option<String>,
}

/// What [`add`] did.
#[derive(Debug)]
pub struct Added {
    pub id: AdminId,
    /// The password it generated, to show once.
    pub generated_password: Option<String>,
}

async fn institution_id(
    store: &DynStore,
    code: &str,
) -> anyhow::Result<sesshu_domain::Institution> {
    let code = InstitutionCode::parse(code)?;
    store
        .institution_by_code(&code)
        .await?
        .with_context(|| format!("no institution with code {code}"))
}

/// Checks the account whole, then creates it (audited).
pub async fn add(
    store: &DynStore,
    policy: &PasswordPolicy,
    account: AddAccount,
) -> anyhow::Result<Added> {
    // LDAP compares logins without case: keep them as its login does. A
    // GakuNin subject (ePPN, persistent id) is kept as the IdP sends it.
    let (directory, lowercase) = match account.directory.as_str() {
        "builtin" => (StaffDirectory::Builtin, false),
        code => {
            let institution = institution_id(store, code).await?;
            let lowercase = match institution.login {
                LoginMethod::Ldap(_) => true,
                LoginMethod::Saml(_) => false,
                LoginMethod::Builtin => anyhow::bail!(
                    "institution {code} logs in with the built-in directory: make a built-in \
                     account (--directory builtin) instead"
                ),
            };
            (
                StaffDirectory::Institution {
                    institution: institution.id,
                },
                lowercase,
            )
        }
    };
    let institution = match &account.institution {
        Some(code) => Some(institution_id(store, code).await?.id),
        None => None,
    };
    let venue = account.venue.map(VenueId::new);
    if let Some(venue) = venue {
        anyhow::ensure!(
            store.catalog().await?.venue(venue).is_some(),
            "no venue with id {venue}"
        );
    }
    let role = Role::from_parts(&account.role, institution, venue)?;
    let login = if lowercase {
        account.login.trim().to_lowercase()
    } else {
        account.login.trim().to_owned()
    };
    let login = Subject::parse(&login)?;
    let (password_hash, generated_password) = match (directory, account.password) {
        (StaffDirectory::Builtin, Some(password)) => {
            anyhow::ensure!(
                password.chars().count() >= ADMIN_PASSWORD_MIN_CHARS,
                "the password needs at least {ADMIN_PASSWORD_MIN_CHARS} characters"
            );
            (Some(hash(policy, &password)?), None)
        }
        (StaffDirectory::Builtin, None) => {
            let password = sesshu_pki::random_password();
            (Some(hash(policy, &password)?), Some(password))
        }
        (StaffDirectory::Institution { .. }, Some(_)) => {
            anyhow::bail!("accounts of an institution's directory have no password here")
        }
        (StaffDirectory::Institution { .. }, None) => (None, None),
    };
    let entry = crate::audit::command_entry(
        sesshu_domain::AuditAction::AdminCreate,
        Vec::new(),
        format!("role {}, directory {}", role.code(), directory.key()),
    );
    let id = store
        .insert_admin(
            &NewAdmin {
                directory,
                login,
                role,
                password_hash,
                at: SystemClock.now(),
            },
            &entry,
        )
        .await?;
    Ok(Added {
        id,
        generated_password,
    })
}

fn hash(policy: &PasswordPolicy, password: &str) -> anyhow::Result<String> {
    policy
        .hash(password)
        .map_err(|e| anyhow::anyhow!("hashing the password failed: {e}"))
}

/// Every account, for `sesshu admins list`.
pub async fn list(store: &DynStore) -> anyhow::Result<Vec<AdminAccount>> {
    Ok(store.admins().await?)
}
