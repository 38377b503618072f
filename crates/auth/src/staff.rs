//! How administrators sign in to the back office: a password checked by
//! Sesshu (built-in accounts) or by an institution's LDAP server, and then
//! an account in the office's own list, which gives the role. A person who
//! can log in to the institution's directory but has no account is refused.

use crate::builtin::Directory;
use crate::{LoginError, LoginThrottle};
use chrono::{DateTime, Utc};
use sesshu_domain::{AdminAccount, LoginMethod, StaffDirectory, Subject};
use sesshu_store::DynStore;
use std::net::IpAddr;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct StaffLogins {
    store: DynStore,
    /// For its hash checks (cost policy, concurrency limit).
    hashes: Directory,
    throttle: Arc<LoginThrottle>,
}

impl StaffLogins {
    pub fn new(store: DynStore, hashes: Directory, throttle: Arc<LoginThrottle>) -> Self {
        Self {
            store,
            hashes,
            throttle,
        }
    }

    /// Checks a login and password in `directory` and returns the enabled
    /// account it belongs to. The caller is told only "refused" or
    /// "throttled"; the log says why.
    pub async fn password(
        &self,
        directory: StaffDirectory,
        login: &str,
        password: &str,
        from: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<AdminAccount, LoginError> {
        let key = format!("office/{}/{}", directory.key(), login.trim());
        if let Some(retry_after) = self.throttle.check(&key, from, now) {
            tracing::info!("office login throttled");
            return Err(LoginError::Throttled { retry_after });
        }
        match self.check(directory, login, password).await? {
            Ok(account) => {
                self.throttle.succeeded(&key, from);
                Ok(account)
            }
            Err(reason) => {
                tracing::info!(directory = %directory.key(), reason, "office login refused");
                self.throttle.failed(&key, from, now);
                Err(LoginError::Refused)
            }
        }
    }

    async fn check(
        &self,
        directory: StaffDirectory,
        login: &str,
        password: &str,
    ) -> Result<Result<AdminAccount, &'static str>, LoginError> {
        if password.is_empty() {
            return Ok(Err("empty password"));
        }
        let account =
            match directory {
                StaffDirectory::Builtin => {
                    let Ok(login) = Subject::parse(login) else {
                        return Ok(Err("malformed login"));
                    };
                    let found = self.store.admin_by_login(directory, &login).await?;
                    let hash = found.as_ref().and_then(|(_, hash)| hash.clone());
                    if !self.hashes.verify(password, hash).await {
                        return Ok(Err("unknown login or wrong password"));
                    }
                    found.map(|(account, _)| account)
                }
                StaffDirectory::Institution { institution } => {
                    let Some(institution) = self.store.institution(institution).await? else {
                        return Ok(Err("unknown directory"));
                    };
                    let LoginMethod::Ldap(settings) = &institution.login else {
                        return Ok(Err("the institution has no LDAP directory"));
                    };
                    let subject =
                        match crate::ldap::authenticate(&institution, settings, login, password)
                            .await
                        {
                            Ok(Ok(authenticated)) => authenticated.subject,
                            Ok(Err(reason)) => return Ok(Err(reason)),
                            Err(failure) => {
                                tracing::warn!(
                                    institution = %institution.code,
                                    failure = %failure.summary(),
                                    "LDAP office login failed on the server side"
                                );
                                return Err(LoginError::Refused);
                            }
                        };
                    self.store
                        .admin_by_login(directory, &subject)
                        .await?
                        .map(|(account, _)| account)
                }
            };
        Ok(match account {
            None => Err("no office account for this login"),
            Some(account) if account.disabled => Err("disabled account"),
            Some(account) => Ok(account),
        })
    }
}
