//! Logins waiting for the person's consent, held in memory only: declining
//! (or walking away) leaves no trace in the database.
//!
//! With several public processes behind a load balancer, the consent step
//! must reach the process that holds the login (sticky sessions); otherwise
//! the person is simply asked to log in again.

use crate::Authenticated;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a login may wait for consent.
const WAIT: Duration = Duration::minutes(10);
/// At most this many logins wait at once (older ones are dropped first).
const CAPACITY: usize = 10_000;

/// A login waiting for consent, as the consent page shows it.
#[derive(Clone, Debug)]
pub struct PendingLogin {
    pub authenticated: Authenticated,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub(crate) struct Pending {
    logins: Mutex<HashMap<String, PendingLogin>>,
}

impl Pending {
    /// Holds a login; returns the token that claims it.
    pub(crate) fn hold(&self, authenticated: Authenticated, now: DateTime<Utc>) -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mut logins = self.logins.lock().unwrap_or_else(|e| e.into_inner());
        logins.retain(|_, p| p.expires_at > now);
        if logins.len() >= CAPACITY
            && let Some(oldest) = logins
                .iter()
                .min_by_key(|(_, p)| p.expires_at)
                .map(|(k, _)| k.clone())
        {
            logins.remove(&oldest);
        }
        logins.insert(
            token.clone(),
            PendingLogin {
                authenticated,
                expires_at: now + WAIT,
            },
        );
        token
    }

    /// The login a token holds, if it has not expired.
    pub(crate) fn peek(&self, token: &str, now: DateTime<Utc>) -> Option<PendingLogin> {
        let logins = self.logins.lock().unwrap_or_else(|e| e.into_inner());
        logins.get(token).filter(|p| p.expires_at > now).cloned()
    }

    /// Takes the login out (to store it, or to forget it).
    pub(crate) fn take(&self, token: &str, now: DateTime<Utc>) -> Option<PendingLogin> {
        let mut logins = self.logins.lock().unwrap_or_else(|e| e.into_inner());
        logins.remove(token).filter(|p| p.expires_at > now)
    }
}
