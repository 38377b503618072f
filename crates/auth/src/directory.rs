//! The built-in member directory: login and password checked against
//! Argon2id hashes in the store.

use crate::{LoginThrottle, PasswordPolicy};
use chrono::{DateTime, Utc};
use sesshu_domain::{Institution, Person, Subject};
use sesshu_store::{DynStore, PersonLogin, StoreError};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Why a login did not succeed. The person is told only "refused" or
/// "throttled", never which of login or password was wrong.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("login refused")]
    Refused,
    #[error("too many failed logins; retry after {retry_after}")]
    Throttled { retry_after: DateTime<Utc> },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password check failed to run")]
    Internal,
}

#[derive(Debug, Clone)]
pub struct Directory {
    store: DynStore,
    policy: PasswordPolicy,
    throttle: Arc<LoginThrottle>,
    /// Argon2 is deliberately expensive: at most this many hash checks run
    /// at once, so a login flood cannot starve booking of CPU.
    verifying: Arc<Semaphore>,
}

impl Directory {
    pub fn new(store: DynStore, policy: PasswordPolicy, throttle: Arc<LoginThrottle>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            store,
            policy,
            throttle,
            verifying: Arc::new(Semaphore::new(cores)),
        }
    }

    pub fn policy(&self) -> &PasswordPolicy {
        &self.policy
    }

    /// Checks a login and password of `institution`'s directory and returns
    /// the person, created on first login.
    pub async fn login(
        &self,
        institution: &Institution,
        login: &str,
        password: &str,
        from: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<Person, LoginError> {
        let account = format!("{}/{}", institution.code, login.trim());
        if let Some(retry_after) = self.throttle.check(&account, from, now) {
            tracing::info!(institution = %institution.code, "login throttled");
            return Err(LoginError::Throttled { retry_after });
        }

        let outcome = self.check(institution, login, password).await?;
        let member = match outcome {
            Ok(member) => member,
            Err(reason) => {
                // The log says which; the person is not told.
                tracing::info!(institution = %institution.code, reason, "login refused");
                self.throttle.failed(&account, from, now);
                return Err(LoginError::Refused);
            }
        };
        self.throttle.succeeded(&account);

        let person = self
            .store
            .person_for_login(&PersonLogin {
                institution: institution.id,
                subject: member.login,
                user_type: member.user_type,
                department: member.department,
                at: now,
            })
            .await?;
        tracing::info!(institution = %institution.code, person = %person.id, "login");
        Ok(person)
    }

    /// `Ok(Err(reason))` for a refusal, with the reason for the log.
    async fn check(
        &self,
        institution: &Institution,
        login: &str,
        password: &str,
    ) -> Result<Result<sesshu_store::Member, &'static str>, LoginError> {
        let Ok(subject) = Subject::parse(login) else {
            return Ok(Err("malformed login"));
        };
        if password.is_empty() {
            return Ok(Err("empty password"));
        }
        let member = self.store.member(institution.id, &subject).await?;
        // Unknown logins cost a hash check too, so timing does not tell
        // whether a login exists.
        let hash = match &member {
            Some(m) => m.password_hash.clone(),
            None => dummy_hash(&self.policy).to_owned(),
        };
        let matches = self.verify(password, hash).await?;
        Ok(match member {
            None => Err("unknown login"),
            Some(_) if !matches => Err("wrong password"),
            Some(m) if m.disabled => Err("disabled member"),
            Some(m) => Ok(m),
        })
    }

    async fn verify(&self, password: &str, hash: String) -> Result<bool, LoginError> {
        let _permit = self
            .verifying
            .acquire()
            .await
            .map_err(|_| LoginError::Internal)?;
        let policy = self.policy.clone();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || policy.verify(&password, &hash))
            .await
            .map_err(|_| LoginError::Internal)
    }
}

/// A hash of nothing in particular, with the current policy's cost.
fn dummy_hash(policy: &PasswordPolicy) -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| policy.hash("sesshu: no such member").unwrap_or_default())
}
