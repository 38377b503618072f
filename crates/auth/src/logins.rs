//! Completing a login: throttling password attempts, asking for consent
//! where the institution requires it, and storing the person.

use crate::builtin::{Directory, Refusal};
use crate::pending::{Pending, PendingLogin};
use crate::{Authenticated, LoginThrottle};
use chrono::{DateTime, Utc};
use sesshu_domain::{Institution, LoginMethod, Person};
use sesshu_store::{DynStore, PersonLogin, StoreError};
use sesshu_vault::{Owner, SealingKey};
use std::net::IpAddr;
use std::sync::Arc;

/// Why a login did not succeed. The person is told only "refused" or
/// "throttled", never which of login or password was wrong.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("login refused")]
    Refused,
    #[error("too many failed logins; retry after {retry_after}")]
    Throttled { retry_after: DateTime<Utc> },
    /// This institution does not log in with a password here.
    #[error("the institution does not use password login")]
    WrongMethod,
    /// The consent step was not found (expired, or another process).
    #[error("no login is waiting for consent")]
    ConsentExpired,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("sealing personal data failed")]
    Sealing,
}

/// The end of a login.
#[derive(Debug)]
pub enum Completed {
    /// Stored; the person may book.
    SignedIn(Person, Box<Authenticated>),
    /// The institution requires consent first: show the consent page for
    /// this token. Nothing is stored yet.
    NeedsConsent(String),
}

#[derive(Debug, Clone)]
pub struct Logins {
    store: DynStore,
    directory: Directory,
    throttle: Arc<LoginThrottle>,
    pending: Arc<Pending>,
    /// The back office's public key: what a login gives is sealed to it.
    sealing: SealingKey,
}

impl Logins {
    pub fn new(
        store: DynStore,
        directory: Directory,
        throttle: Arc<LoginThrottle>,
        sealing: SealingKey,
    ) -> Self {
        Self {
            store,
            directory,
            throttle,
            pending: Arc::new(Pending::default()),
            sealing,
        }
    }

    /// The back office's public key, which what a person gives later (a
    /// voucher) is sealed to as well.
    pub fn sealing_key(&self) -> &SealingKey {
        &self.sealing
    }

    /// A login and password for an institution whose people type them into
    /// Sesshu (its built-in directory, or its LDAP server).
    pub async fn password(
        &self,
        institution: &Institution,
        login: &str,
        password: &str,
        from: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<Authenticated, LoginError> {
        let account = format!("{}/{}", institution.code, login.trim());
        if let Some(retry_after) = self.throttle.check(&account, from, now) {
            tracing::info!(institution = %institution.code, "login throttled");
            count_failure("throttled");
            return Err(LoginError::Throttled { retry_after });
        }
        let outcome: Result<Authenticated, Refusal> = match &institution.login {
            LoginMethod::Builtin => {
                self.directory
                    .authenticate(institution, login, password)
                    .await?
            }
            LoginMethod::Ldap(settings) => {
                match crate::ldap::authenticate(institution, settings, login, password).await {
                    Ok(outcome) => outcome,
                    Err(failure) => {
                        // The person hears what a wrong password hears; the
                        // log says the server failed. Not counted against
                        // the account: it was not their mistake.
                        tracing::warn!(
                            institution = %institution.code,
                            failure = %failure.summary(),
                            "LDAP login failed on the server side"
                        );
                        count_failure("directory_unavailable");
                        return Err(LoginError::Refused);
                    }
                }
            }
            LoginMethod::Saml(_) => {
                count_failure("wrong_method");
                return Err(LoginError::WrongMethod);
            }
        };
        match outcome {
            Ok(authenticated) => {
                self.throttle.succeeded(&account, from);
                Ok(authenticated)
            }
            Err(reason) => {
                // The log says which; the person is not told.
                tracing::info!(institution = %institution.code, reason, "login refused");
                self.throttle.failed(&account, from, now);
                count_failure("refused");
                Err(LoginError::Refused)
            }
        }
    }

    /// Stores the login, or holds it for consent.
    pub async fn complete(
        &self,
        institution: &Institution,
        authenticated: Authenticated,
        now: DateTime<Utc>,
    ) -> Result<Completed, LoginError> {
        if let Some(consent) = &institution.consent {
            let agreed = self
                .store
                .has_consented(institution.id, &authenticated.subject, &consent.version)
                .await?;
            if !agreed {
                tracing::info!(institution = %institution.code, "login waits for consent");
                return Ok(Completed::NeedsConsent(
                    self.pending.hold(authenticated, now),
                ));
            }
        }
        let person = self.store_login(&authenticated, None, now).await?;
        tracing::info!(institution = %institution.code, person = %person.id, "login");
        Ok(Completed::SignedIn(person, Box::new(authenticated)))
    }

    /// The login waiting under `token`.
    pub fn pending(&self, token: &str, now: DateTime<Utc>) -> Option<PendingLogin> {
        self.pending.peek(token, now)
    }

    /// The person agreed to `institution`'s current consent text: store
    /// the login with the consent.
    pub async fn consent(
        &self,
        institution: &Institution,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<(Person, Authenticated), LoginError> {
        let waiting = self
            .pending
            .take(token, now)
            .filter(|p| p.authenticated.institution == institution.id)
            .ok_or_else(|| {
                count_failure("consent_expired");
                LoginError::ConsentExpired
            })?;
        let version = institution.consent.as_ref().map(|c| c.version.clone());
        let person = self
            .store_login(&waiting.authenticated, version, now)
            .await?;
        tracing::info!(institution = %institution.code, person = %person.id, "consent given; login");
        Ok((person, waiting.authenticated))
    }

    /// The person declined: forget the login.
    pub fn decline(&self, token: &str, now: DateTime<Utc>) {
        if self.pending.take(token, now).is_some() {
            tracing::info!("consent declined; nothing stored");
        }
    }

    async fn store_login(
        &self,
        a: &Authenticated,
        consented: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Person, LoginError> {
        let owner = Owner::login(a.institution.get(), a.subject.as_str());
        let personal = a
            .profile
            .as_ref()
            .map(|p| crate::seal_profile(&self.sealing, &owner, p))
            .transpose()
            .map_err(|_| LoginError::Sealing)?;
        Ok(self
            .store
            .person_for_login(&PersonLogin {
                institution: a.institution,
                subject: a.subject.clone(),
                user_type: a.user_type,
                department: a.department.clone(),
                at: now,
                personal,
                consented,
                reassignable: a.reassignable,
            })
            .await?)
    }
}

/// A refused login in the metrics, by kind (never whose).
fn count_failure(kind: &'static str) {
    metrics::counter!("sesshu_login_failures_total", "kind" => kind).increment(1);
}
