//! Signing staff in to the back office, once their directory has said who
//! they are (the built-in directory or LDAP through
//! `sesshu_auth::StaffLogins`, GakuNin through the office's SAML service
//! provider): the account, its last login and the `office.login` entry;
//! and the account of a session, read again on every request.

use crate::{Actor, OperationError, Operations};
use sesshu_domain::{
    AdminAccount, AdminId, AuditAction, AuditObject, Institution, InstitutionCode, InstitutionId,
    LoginMethod, StaffDirectory, Subject,
};

/// The account a session names, if it exists and is enabled: a disabled
/// account or a changed role takes effect at the next request.
pub async fn current_account(
    ops: &Operations,
    id: AdminId,
) -> Result<Option<AdminAccount>, OperationError> {
    Ok(ops
        .store()
        .admin(id)
        .await?
        .filter(|account| !account.disabled))
}

/// Records that `account`, whose password its directory has just checked,
/// signed in from `origin`: its last login, audited as `office.login`.
pub async fn password_signed_in(
    ops: &Operations,
    account: &AdminAccount,
    origin: &str,
    directory: StaffDirectory,
) -> Result<(), OperationError> {
    signed_in(
        ops,
        account,
        origin,
        format!("directory {}", directory.key()),
    )
    .await
}

/// The institution whose GakuNin IdP an administrator logs in at;
/// [`OperationError::NotFound`] unless it logs in with GakuNin.
pub async fn gakunin_institution(
    ops: &Operations,
    code: &InstitutionCode,
) -> Result<Institution, OperationError> {
    match ops.store().institution_by_code(code).await? {
        Some(institution) if matches!(institution.login, LoginMethod::Saml(_)) => Ok(institution),
        _ => Err(OperationError::NotFound),
    }
}

/// Signs in the enabled account of `institution`'s directory that the
/// GakuNin login `subject` names, from `origin` (its last login, audited
/// as `office.login`); `None`, with nothing written, if there is none.
pub async fn gakunin_signed_in(
    ops: &Operations,
    origin: &str,
    institution: InstitutionId,
    subject: &Subject,
) -> Result<Option<AdminAccount>, OperationError> {
    let directory = StaffDirectory::Institution { institution };
    let account = match ops.store().admin_by_login(directory, subject).await? {
        Some((account, _)) if !account.disabled => account,
        _ => return Ok(None),
    };
    signed_in(
        ops,
        &account,
        origin,
        format!("directory {} (GakuNin)", directory.key()),
    )
    .await?;
    Ok(Some(account))
}

async fn signed_in(
    ops: &Operations,
    account: &AdminAccount,
    origin: &str,
    detail: String,
) -> Result<(), OperationError> {
    let actor = Actor {
        name: account.actor(),
        role: account.role,
        origin: origin.to_owned(),
    };
    let entry = actor.entry(
        ops.now(),
        AuditAction::OfficeLogin,
        vec![AuditObject::Admin(account.id)],
        detail,
    );
    Ok(ops.store().admin_signed_in(account.id, &entry).await?)
}

/// GakuNin for staff: the AuthnRequest for `institution`'s IdP, remembered
/// in the store so that only its answer is accepted. SAML's times are
/// wall-clock times (the IdP's, and samael's checks), not the office clock.
#[cfg(feature = "saml")]
pub async fn gakunin_request(
    ops: &Operations,
    sp: &sesshu_saml::SamlSp,
    institution: &Institution,
) -> Result<String, sesshu_saml::SamlError> {
    let now = sesshu_domain::Clock::now(&sesshu_domain::SystemClock);
    sesshu_saml::exchange::start(sp, ops.store().as_ref(), institution, now).await
}

/// GakuNin for staff: the IdP's answer checked (signature, audience, times,
/// and that it answers a request we made and have not used yet).
#[cfg(feature = "saml")]
pub async fn gakunin_response(
    ops: &Operations,
    sp: &sesshu_saml::SamlSp,
    body: &[u8],
) -> Result<(Institution, sesshu_auth::Authenticated), sesshu_saml::SamlError> {
    let now = sesshu_domain::Clock::now(&sesshu_domain::SystemClock);
    sesshu_saml::exchange::consume(sp, ops.store().as_ref(), body, now).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::empty_office;
    use sesshu_domain::Role;
    use sesshu_store::{AdminChange, NewAdmin, NewInstitution};

    fn command() -> Actor {
        Actor {
            name: "cli:root".into(),
            role: Role::SystemAdmin,
            origin: "local".into(),
        }
    }

    async fn account(ops: &Operations, directory: StaffDirectory, login: &str) -> AdminId {
        let new = NewAdmin {
            directory,
            login: Subject::parse(login).unwrap(),
            role: Role::Operator,
            // A built-in account has a hash (never checked here).
            password_hash: (directory == StaffDirectory::Builtin).then(|| "$argon2id$".into()),
            at: ops.now(),
        };
        let entry = command().entry(ops.now(), AuditAction::AdminCreate, Vec::new(), "");
        ops.store().insert_admin(&new, &entry).await.unwrap()
    }

    #[tokio::test]
    async fn a_password_sign_in_is_audited_as_the_account_from_its_address() {
        let ops = empty_office("password").await;
        let id = account(&ops, StaffDirectory::Builtin, "desk").await;
        let desk = current_account(&ops, id).await.unwrap().unwrap();
        password_signed_in(&ops, &desk, "192.0.2.7", StaffDirectory::Builtin)
            .await
            .unwrap();
        let records = ops.store().audit_records(0, 10).await.unwrap();
        let entry = &records.last().unwrap().entry;
        assert_eq!(entry.action, AuditAction::OfficeLogin);
        assert_eq!(entry.actor, format!("admin:{id}"));
        assert_eq!(entry.origin, "192.0.2.7");
        assert_eq!(entry.objects, [AuditObject::Admin(id)]);
        assert_eq!(entry.detail, "directory builtin");
        let signed = current_account(&ops, id).await.unwrap().unwrap();
        assert_eq!(signed.last_login_at, Some(ops.now()));
    }

    #[tokio::test]
    async fn a_disabled_account_is_no_longer_anyones_session_nor_signs_in() {
        let ops = empty_office("disabled").await;
        let code = InstitutionCode::parse("aoba").unwrap();
        let master = NewInstitution::builtin(code, "青葉大学", "Aoba University");
        let entry = command().entry(ops.now(), AuditAction::InstitutionCreate, Vec::new(), "new");
        ops.store()
            .save_institutions(&[master], &entry)
            .await
            .unwrap();
        let aoba = crate::reference::institutions(&ops).await.unwrap()[0].id;
        let directory = StaffDirectory::Institution { institution: aoba };
        let id = account(&ops, directory, "hanako").await;
        let disable = AdminChange {
            role: Role::Operator,
            disabled: true,
            password_hash: None,
            at: ops.now(),
        };
        let entry = command().entry(ops.now(), AuditAction::AdminUpdate, Vec::new(), "");
        ops.store()
            .update_admin(id, &disable, &entry)
            .await
            .unwrap();
        let head = ops.store().audit_head().await.unwrap();
        assert_eq!(current_account(&ops, id).await.unwrap(), None);
        let hanako = Subject::parse("hanako").unwrap();
        assert_eq!(
            gakunin_signed_in(&ops, "192.0.2.7", aoba, &hanako)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            ops.store().audit_head().await.unwrap(),
            head,
            "nothing audited"
        );
        assert!(
            matches!(
                gakunin_institution(&ops, &InstitutionCode::parse("aoba").unwrap()).await,
                Err(OperationError::NotFound)
            ),
            "a built-in institution has no GakuNin login"
        );
    }
}
