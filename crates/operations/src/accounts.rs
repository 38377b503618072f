//! Administrator accounts: who may sign in to the back office, with which
//! role and over which institution or venue. System administrators only.
//! Every change is audited in the transaction that makes it, and no change
//! may leave the office without an enabled system administrator.

use crate::{Actor, OperationError, Operations, reference};
use sesshu_auth::PasswordPolicy;
use sesshu_domain::staff::{ADMIN_PASSWORD_MIN_CHARS, keeps_a_system_admin};
use sesshu_domain::{
    AdminAccount, AdminId, AuditAction, AuditObject, Duty, LoginMethod, Role, Scope,
    StaffDirectory, Subject,
};
use sesshu_store::{AdminChange, NewAdmin, StoreError};
use std::fmt;

/// Every account, by id.
pub async fn list(ops: &Operations, actor: &Actor) -> Result<Vec<AdminAccount>, OperationError> {
    actor.may(Duty::ManageAdmins, Scope::Any)?;
    Ok(ops.store().admins().await?)
}

/// One account; [`OperationError::NotFound`] if there is none.
pub async fn account(
    ops: &Operations,
    actor: &Actor,
    id: AdminId,
) -> Result<AdminAccount, OperationError> {
    actor.may(Duty::ManageAdmins, Scope::Any)?;
    ops.store().admin(id).await?.ok_or(OperationError::NotFound)
}

/// A login as a directory keeps it.
#[derive(Debug)]
pub enum DirectoryLogin {
    /// The login, as the directory compares it.
    Login(Subject),
    /// Empty, too long, or with control characters.
    Invalid,
    /// The directory is no institution that logs in with LDAP or GakuNin.
    NoSuchDirectory,
}

/// The login `typed` for an account of `directory`: LDAP compares logins
/// without case, so they are kept in lower case; a GakuNin subject is kept
/// as the IdP sends it.
pub async fn login_in(
    ops: &Operations,
    actor: &Actor,
    directory: StaffDirectory,
    typed: &str,
) -> Result<DirectoryLogin, OperationError> {
    actor.may(Duty::ManageAdmins, Scope::Any)?;
    directory_login(ops, directory, typed).await
}

async fn directory_login(
    ops: &Operations,
    directory: StaffDirectory,
    typed: &str,
) -> Result<DirectoryLogin, OperationError> {
    let ldap = match directory {
        StaffDirectory::Builtin => false,
        StaffDirectory::Institution { institution } => {
            match ops.store().institution(institution).await? {
                Some(i) if matches!(i.login, LoginMethod::Ldap(_)) => true,
                Some(i) if matches!(i.login, LoginMethod::Saml(_)) => false,
                _ => return Ok(DirectoryLogin::NoSuchDirectory),
            }
        }
    };
    let login = if ldap {
        typed.trim().to_lowercase()
    } else {
        typed.trim().to_owned()
    };
    Ok(match Subject::parse(&login) {
        Ok(login) => DirectoryLogin::Login(login),
        Err(_) => DirectoryLogin::Invalid,
    })
}

/// A new account, as the form asks for it.
pub struct AdminCreate {
    pub directory: StaffDirectory,
    pub login: Subject,
    pub role: Role,
    /// The built-in directory's password; empty for an institution's
    /// directory (which checks its own).
    pub password: String,
}

impl fmt::Debug for AdminCreate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminCreate")
            .field("directory", &self.directory)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// What became of a new account.
#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    Created(AdminId),
    /// The directory is no institution that logs in with LDAP or GakuNin.
    NoSuchDirectory,
    BadLogin,
    /// The role names an institution or venue that does not exist.
    UnknownScope,
    /// A built-in account needs a password of [`ADMIN_PASSWORD_MIN_CHARS`].
    PasswordTooShort,
    /// An account of an institution's directory has no password here.
    NoPasswordHere,
    /// The directory has an account with this login already.
    LoginTaken,
}

/// Creates an account with its audit entry (`admin.create`, the new
/// account first among its objects), in one transaction.
pub async fn create(
    ops: &Operations,
    actor: &Actor,
    passwords: &PasswordPolicy,
    new: &AdminCreate,
) -> Result<Created, OperationError> {
    actor.may(Duty::ManageAdmins, Scope::Any)?;
    let login = match directory_login(ops, new.directory, new.login.as_str()).await? {
        DirectoryLogin::Login(login) => login,
        DirectoryLogin::Invalid => return Ok(Created::BadLogin),
        DirectoryLogin::NoSuchDirectory => return Ok(Created::NoSuchDirectory),
    };
    if !scope_exists(ops, &new.role).await? {
        return Ok(Created::UnknownScope);
    }
    let password_hash = match new.directory {
        StaffDirectory::Builtin => match hashed(passwords, &new.password)? {
            Some(hash) => Some(hash),
            None => return Ok(Created::PasswordTooShort),
        },
        StaffDirectory::Institution { .. } if !new.password.is_empty() => {
            return Ok(Created::NoPasswordHere);
        }
        StaffDirectory::Institution { .. } => None,
    };
    let now = ops.now();
    let record = NewAdmin {
        directory: new.directory,
        login,
        role: new.role,
        password_hash,
        at: now,
    };
    // The store puts the new account's id first among the objects.
    let entry = actor.entry(
        now,
        AuditAction::AdminCreate,
        role_objects(&new.role),
        format!(
            "role {}, directory {}",
            new.role.code(),
            new.directory.key()
        ),
    );
    match ops.store().insert_admin(&record, &entry).await {
        Ok(id) => Ok(Created::Created(id)),
        Err(StoreError::Conflict(_)) => Ok(Created::LoginTaken),
        Err(e) => Err(e.into()),
    }
}

/// A change to an account, as the form asks for it.
pub struct AdminUpdate {
    pub role: Role,
    pub disabled: bool,
    /// A new password (built-in accounts only); `None` keeps it.
    pub password: Option<String>,
}

impl fmt::Debug for AdminUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminUpdate")
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .field("password", &self.password.as_ref().map(|_| ".."))
            .finish()
    }
}

/// What became of a change to an account.
#[derive(Debug, PartialEq, Eq)]
pub enum Updated {
    Saved,
    /// The role names an institution or venue that does not exist.
    UnknownScope,
    /// A built-in account needs a password of [`ADMIN_PASSWORD_MIN_CHARS`].
    PasswordTooShort,
    /// An account of an institution's directory has no password here.
    NoPasswordHere,
    /// No enabled system administrator would be left.
    LastSystemAdmin,
}

/// Changes an account's role, state or password, with its audit entry
/// (`admin.update`: the roles and states before and after, whether the
/// password was reset), in one transaction.
pub async fn update(
    ops: &Operations,
    actor: &Actor,
    passwords: &PasswordPolicy,
    id: AdminId,
    change: &AdminUpdate,
) -> Result<Updated, OperationError> {
    let account = account(ops, actor, id).await?;
    if !scope_exists(ops, &change.role).await? {
        return Ok(Updated::UnknownScope);
    }
    let password_hash = match (account.directory, &change.password) {
        (_, None) => None,
        (StaffDirectory::Builtin, Some(password)) => match hashed(passwords, password)? {
            Some(hash) => Some(hash),
            None => return Ok(Updated::PasswordTooShort),
        },
        (StaffDirectory::Institution { .. }, Some(_)) => return Ok(Updated::NoPasswordHere),
    };
    let accounts = ops.store().admins().await?;
    if !keeps_a_system_admin(&accounts, account.id, &change.role, change.disabled) {
        return Ok(Updated::LastSystemAdmin);
    }
    let now = ops.now();
    let mut objects = vec![AuditObject::Admin(account.id)];
    objects.extend(role_objects(&change.role));
    let detail = format!(
        "role {} -> {}, disabled {} -> {}{}",
        account.role.code(),
        change.role.code(),
        account.disabled,
        change.disabled,
        if password_hash.is_some() {
            ", password reset"
        } else {
            ""
        }
    );
    let record = AdminChange {
        role: change.role,
        disabled: change.disabled,
        password_hash,
        at: now,
    };
    let entry = actor.entry(now, AuditAction::AdminUpdate, objects, detail);
    ops.store()
        .update_admin(account.id, &record, &entry)
        .await?
        .ok_or(OperationError::NotFound)?;
    Ok(Updated::Saved)
}

/// Whether the institution or venue a role is tied to exists.
async fn scope_exists(ops: &Operations, role: &Role) -> Result<bool, OperationError> {
    Ok(match role {
        Role::InstitutionStaff { institution } => {
            ops.store().institution(*institution).await?.is_some()
        }
        Role::VenueStaff { venue } => reference::catalog(ops).await?.venue(*venue).is_some(),
        Role::SystemAdmin | Role::Operator => true,
    })
}

/// The hash of a built-in account's password, or `None` if it is too short.
fn hashed(passwords: &PasswordPolicy, password: &str) -> Result<Option<String>, OperationError> {
    if password.chars().count() < ADMIN_PASSWORD_MIN_CHARS {
        return Ok(None);
    }
    passwords.hash(password).map(Some).map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        // Answered as a failure on our side, as a store failure is.
        OperationError::Store(StoreError::database(std::io::Error::other(e.to_string())))
    })
}

/// The objects an account's role is tied to, for its audit entries.
fn role_objects(role: &Role) -> Vec<AuditObject> {
    match role {
        Role::InstitutionStaff { institution } => vec![AuditObject::Institution(*institution)],
        Role::VenueStaff { venue } => vec![AuditObject::Venue(*venue)],
        Role::SystemAdmin | Role::Operator => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::empty_office;
    use sesshu_domain::{Denied, InstitutionId};

    fn system_admin() -> Actor {
        crate::testing::actor(Role::SystemAdmin)
    }

    fn new_account(login: &str, role: Role, password: &str) -> AdminCreate {
        AdminCreate {
            directory: StaffDirectory::Builtin,
            login: Subject::parse(login).unwrap(),
            role,
            password: password.into(),
        }
    }

    async fn created(ops: &Operations, new: &AdminCreate) -> AdminId {
        let passwords = PasswordPolicy::insecure_fast_for_tests();
        match create(ops, &system_admin(), &passwords, new).await.unwrap() {
            Created::Created(id) => id,
            other => panic!("not created: {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_operator_may_not_create_an_account_and_nothing_is_audited() {
        let ops = empty_office("refused").await;
        let operator = Actor {
            role: Role::Operator,
            ..system_admin()
        };
        let passwords = PasswordPolicy::insecure_fast_for_tests();
        let new = new_account("root2", Role::SystemAdmin, "a long enough password");
        let refused = create(&ops, &operator, &passwords, &new).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert!(ops.store().admins().await.unwrap().is_empty());
        assert_eq!(ops.store().audit_head().await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_new_account_is_audited_with_its_id_and_scope() {
        let ops = empty_office("created").await;
        let code = sesshu_domain::InstitutionCode::parse("aoba").unwrap();
        let master = sesshu_store::NewInstitution::builtin(code, "青葉大学", "Aoba University");
        let saved = system_admin().entry(ops.now(), AuditAction::InstitutionCreate, vec![], "new");
        ops.store()
            .save_institutions(&[master], &saved)
            .await
            .unwrap();
        let institution = reference::institutions(&ops).await.unwrap()[0].id;
        let role = Role::InstitutionStaff { institution };
        let id = created(&ops, &new_account("desk", role, "a long enough password")).await;
        let records = ops.store().audit_records(0, 10).await.unwrap();
        let entry = &records.last().unwrap().entry;
        assert_eq!(entry.action, AuditAction::AdminCreate);
        assert_eq!(
            entry.objects,
            [
                AuditObject::Admin(id),
                AuditObject::Institution(institution)
            ]
        );
        assert_eq!(entry.detail, "role institution_staff, directory builtin");
    }

    #[tokio::test]
    async fn a_short_password_or_an_unknown_institution_creates_nothing() {
        let ops = empty_office("short").await;
        let passwords = PasswordPolicy::insecure_fast_for_tests();
        let short = new_account("desk", Role::Operator, "too short");
        assert_eq!(
            create(&ops, &system_admin(), &passwords, &short)
                .await
                .unwrap(),
            Created::PasswordTooShort
        );
        let nowhere = new_account(
            "desk",
            Role::InstitutionStaff {
                institution: InstitutionId::new(999),
            },
            "a long enough password",
        );
        assert_eq!(
            create(&ops, &system_admin(), &passwords, &nowhere)
                .await
                .unwrap(),
            Created::UnknownScope
        );
        assert!(ops.store().admins().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_last_system_admin_can_be_neither_demoted_nor_disabled() {
        let ops = empty_office("last").await;
        let passwords = PasswordPolicy::insecure_fast_for_tests();
        let root = created(
            &ops,
            &new_account("root", Role::SystemAdmin, "a long enough password"),
        )
        .await;
        let before = ops.store().audit_head().await.unwrap();
        for change in [
            AdminUpdate {
                role: Role::Operator,
                disabled: false,
                password: None,
            },
            AdminUpdate {
                role: Role::SystemAdmin,
                disabled: true,
                password: None,
            },
        ] {
            let outcome = update(&ops, &system_admin(), &passwords, root, &change)
                .await
                .unwrap();
            assert_eq!(outcome, Updated::LastSystemAdmin, "{change:?}");
        }
        assert_eq!(ops.store().audit_head().await.unwrap(), before);
        let second = created(
            &ops,
            &new_account("root2", Role::SystemAdmin, "another long password"),
        )
        .await;
        assert_ne!(second, root);
        let demoted = AdminUpdate {
            role: Role::Operator,
            disabled: false,
            password: Some("a fresh long password".into()),
        };
        assert_eq!(
            update(&ops, &system_admin(), &passwords, root, &demoted)
                .await
                .unwrap(),
            Updated::Saved,
            "another system administrator is left"
        );
        let records = ops.store().audit_records(0, 10).await.unwrap();
        let entry = &records.last().unwrap().entry;
        assert_eq!(entry.action, AuditAction::AdminUpdate);
        assert_eq!(
            entry.detail,
            "role system_admin -> operator, disabled false -> false, password reset"
        );
    }
}
