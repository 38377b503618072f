//! What every office handler can reach.

use sesshu_auth::{PasswordPolicy, StaffLogins};
use sesshu_domain::Clock;
use sesshu_store::DynStore;
use sesshu_vault_open::Keyring;
use std::sync::Arc;

/// Settings of the back-office listener.
#[derive(Clone, Debug)]
pub struct OfficeConfig {
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
}

impl Default for OfficeConfig {
    fn default() -> Self {
        Self {
            session_idle_minutes: 30,
        }
    }
}

#[derive(Clone, Debug)]
pub struct OfficeState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    store: DynStore,
    clock: Arc<dyn Clock>,
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
            store,
            clock,
            keys,
            logins,
            passwords,
            config,
        }))
    }

    pub fn store(&self) -> &DynStore {
        &self.0.store
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
