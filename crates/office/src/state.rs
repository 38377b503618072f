//! What every office handler can reach.

use sesshu_auth::{PasswordPolicy, StaffLogins};
use sesshu_domain::Clock;
use sesshu_http::DbSessionStore;
use sesshu_operations::Operations;
use sesshu_store::DynStore;
use sesshu_vault_open::Keyring;
use std::sync::Arc;

/// Settings of the back-office listener.
#[derive(Clone, Debug)]
pub struct OfficeConfig {
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// Mail, if the office sends it: previews and the outbox folder.
    pub mail: Option<OfficeMail>,
    /// The columns of the prefecture's list.
    pub prefecture: sesshu_operations::prefecture::PrefectureColumns,
    /// The layout (columns and encoding) of the VRS file.
    pub vrs: sesshu_operations::vrs::VrsColumns,
}

/// What the office's mail pages need to know.
#[derive(Clone, Debug)]
pub struct OfficeMail {
    /// The public site, as the mails link to it.
    pub site_url: String,
    /// The outbox folder, when mail goes to files instead of a server.
    pub outbox: Option<std::path::PathBuf>,
}

impl Default for OfficeConfig {
    fn default() -> Self {
        Self {
            session_idle_minutes: 30,
            mail: None,
            prefecture: sesshu_operations::prefecture::PrefectureColumns::standard(),
            vrs: sesshu_operations::vrs::VrsColumns::standard(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct OfficeState(Arc<Inner>);

#[derive(Clone, Debug)]
struct Inner {
    #[cfg(feature = "saml")]
    saml: Option<Arc<sesshu_saml::SamlSp>>,
    clock: Arc<dyn Clock>,
    operations: Operations,
    /// Sessions live in the store; handlers reach it only through
    /// `operations`.
    sessions: DbSessionStore,
    /// The private keys: the only place personal data is opened.
    keys: Keyring,
    logins: StaffLogins,
    passwords: PasswordPolicy,
    config: OfficeConfig,
}

impl OfficeState {
    pub fn new(
        store: DynStore,
        clock: Arc<dyn Clock>,
        keys: Keyring,
        logins: StaffLogins,
        passwords: PasswordPolicy,
        config: OfficeConfig,
    ) -> Self {
        Self(Arc::new(Inner {
            #[cfg(feature = "saml")]
            saml: None,
            operations: Operations::new(store.clone(), clock.clone()),
            sessions: DbSessionStore::new(store),
            clock,
            keys,
            logins,
            passwords,
            config,
        }))
    }

    #[cfg(feature = "saml")]
    pub fn saml(&self) -> Option<&sesshu_saml::SamlSp> {
        self.0.saml.as_deref()
    }

    /// The session store of the office's cookie sessions.
    pub fn sessions(&self) -> DbSessionStore {
        self.0.sessions.clone()
    }

    /// The back office's use cases: how handlers read and change anything.
    pub fn operations(&self) -> &Operations {
        &self.0.operations
    }

    pub fn clock(&self) -> &dyn Clock {
        self.0.clock.as_ref()
    }

    pub fn keys(&self) -> &Keyring {
        &self.0.keys
    }

    pub fn logins(&self) -> &StaffLogins {
        &self.0.logins
    }

    pub fn passwords(&self) -> &PasswordPolicy {
        &self.0.passwords
    }

    pub fn config(&self) -> &OfficeConfig {
        &self.0.config
    }
}

/// GakuNin login through the listener's own service provider (its entity ID and ACS are on the office's origin).
#[cfg(feature = "saml")]
impl sesshu_http::WithSaml for OfficeState {
    fn sp_mut(&mut self) -> &mut Option<Arc<sesshu_saml::SamlSp>> {
        &mut Arc::make_mut(&mut self.0).saml
    }
}
