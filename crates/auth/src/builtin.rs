//! The built-in member directory: logins and Argon2id hashes in the store,
//! for institutions without GakuNin or LDAP (and the demo).

use crate::{Authenticated, Missing, PasswordPolicy};
use sesshu_domain::{Institution, Subject};
use sesshu_store::{DynStore, StoreError};
use sesshu_vault::Field;
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Why a password was refused, for the log (never for the person).
pub type Refusal = &'static str;

#[derive(Debug, Clone)]
pub struct Directory {
    store: DynStore,
    policy: PasswordPolicy,
    /// Argon2 is deliberately expensive: at most this many hash checks run
    /// at once, so a login flood cannot starve booking of CPU.
    verifying: Arc<Semaphore>,
}

impl Directory {
    pub fn new(store: DynStore, policy: PasswordPolicy) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            store,
            policy,
            verifying: Arc::new(Semaphore::new(cores)),
        }
    }

    pub fn policy(&self) -> &PasswordPolicy {
        &self.policy
    }

    /// Checks a login and password against `institution`'s directory.
    pub async fn authenticate(
        &self,
        institution: &Institution,
        login: &str,
        password: &str,
    ) -> Result<Result<Authenticated, Refusal>, StoreError> {
        let Ok(subject) = Subject::parse(login) else {
            return Ok(Err("malformed login"));
        };
        if password.is_empty() {
            return Ok(Err("empty password"));
        }
        let member = self.store.member(institution.id, &subject).await?;
        let matches = self
            .verify(password, member.as_ref().map(|m| m.password_hash.clone()))
            .await;
        let member = match member {
            None => return Ok(Err("unknown login")),
            Some(_) if !matches => return Ok(Err("wrong password")),
            Some(m) if m.disabled => return Ok(Err("disabled member")),
            Some(m) => m,
        };
        let mut missing = Vec::new();
        let has = |f| member.personal_fields.contains(&f);
        if member.department.is_none() {
            missing.push(Missing::Department);
        }
        if !has(Field::NameRoman) && !has(Field::NameKanji) {
            missing.push(Missing::DisplayName);
        }
        if !has(Field::Mail) {
            missing.push(Missing::Mail);
        }
        Ok(Ok(Authenticated {
            institution: institution.id,
            subject: member.login,
            reassignable: false,
            user_type: Some(member.user_type),
            department: member.department,
            // Already in the directory, sealed, under the same owner.
            profile: None,
            missing,
        }))
    }

    /// Whether `password` matches `hash`. An unknown account (`None`) costs a
    /// hash check too, so timing does not tell whether a login exists.
    pub(crate) async fn verify(&self, password: &str, hash: Option<String>) -> bool {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| dummy_hash(&self.policy).to_owned());
        let Ok(_permit) = self.verifying.acquire().await else {
            return false;
        };
        let policy = self.policy.clone();
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || policy.verify(&password, &hash))
            .await
            .unwrap_or(false);
        known && matches
    }
}

/// A hash of nothing in particular, with the current policy's cost.
fn dummy_hash(policy: &PasswordPolicy) -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| policy.hash("sesshu: no such member").unwrap_or_default())
}
