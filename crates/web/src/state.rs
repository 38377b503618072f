//! What every handler can reach.

use crate::admission::Doors;
use crate::api::availability::Answers;
use sesshu_auth::Logins;
use sesshu_core::{Availability, Bookings, Vouchers};
use sesshu_domain::Clock;
use sesshu_http::admission::{Admission, AdmissionLimits};
use sesshu_http::limits::{RequestLimitSettings, RequestLimits};
use sesshu_store::DynStore;
use std::sync::Arc;

/// Settings of the public web process.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Mark cookies `Secure` and send HSTS. Off only for the plain-HTTP demo
    /// on loopback.
    pub secure_cookies: bool,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// The origin people reach the site at (`https://vaccine.example.ac.jp`),
    /// accepted in `Origin` headers besides the request's own host.
    pub public_origin: Option<String>,
    /// The reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How many expensive requests are served at once (see
    /// [`crate::admission`]).
    pub admission: AdmissionLimits,
    /// How many password logins are served at once.
    pub login_admission: AdmissionLimits,
    /// Requests per client address and per session on the API (see
    /// [`crate::limits`]).
    pub request_limits: RequestLimitSettings,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: true,
            session_idle_minutes: 60,
            public_origin: None,
            trusted_proxies: Vec::new(),
            admission: AdmissionLimits::default(),
            login_admission: AdmissionLimits::logins(),
            request_limits: RequestLimitSettings::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Clone, Debug)]
struct Inner {
    #[cfg(feature = "saml")]
    saml: Option<Arc<sesshu_saml::SamlSp>>,
    store: DynStore,
    clock: Arc<dyn Clock>,
    availability: Availability,
    answers: Arc<Answers>,
    bookings: Bookings,
    vouchers: Vouchers,
    logins: Logins,
    doors: Doors,
    request_limits: RequestLimits,
    config: WebConfig,
}

impl AppState {
    pub fn new(store: DynStore, clock: Arc<dyn Clock>, logins: Logins, config: WebConfig) -> Self {
        let availability = Availability::new(store.clone(), clock.clone());
        let bookings = Bookings::new(store.clone(), clock.clone()).with_view(availability.clone());
        let vouchers = Vouchers::new(store.clone(), clock.clone(), logins.sealing_key().clone());
        Self(Arc::new(Inner {
            #[cfg(feature = "saml")]
            saml: None,
            store,
            clock,
            availability,
            answers: Arc::default(),
            bookings,
            vouchers,
            logins,
            doors: Doors {
                logins: Admission::new(config.login_admission),
                requests: Admission::new(config.admission),
            },
            request_limits: RequestLimits::new(config.request_limits),
            config,
        }))
    }

    #[cfg(feature = "saml")]
    pub fn saml(&self) -> Option<&sesshu_saml::SamlSp> {
        self.0.saml.as_deref()
    }

    pub fn store(&self) -> DynStore {
        self.0.store.clone()
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.0.clock.clone()
    }

    /// The slots from memory (see [`Availability`]).
    pub fn availability(&self) -> &Availability {
        &self.0.availability
    }

    /// The venues, lanes and vaccines, from the availability view (as
    /// fresh as the booking path's: names change rarely, and a moment late).
    pub async fn catalog(&self) -> Result<Arc<sesshu_domain::Catalog>, crate::error::ApiError> {
        Ok(self.0.availability.snapshot().await?.catalog.clone())
    }

    pub(crate) fn answers(&self) -> &Answers {
        &self.0.answers
    }

    pub fn bookings(&self) -> &Bookings {
        &self.0.bookings
    }

    pub fn vouchers(&self) -> &Vouchers {
        &self.0.vouchers
    }

    pub fn logins(&self) -> &Logins {
        &self.0.logins
    }

    /// The doors of the expensive routes.
    pub(crate) fn doors(&self) -> &Doors {
        &self.0.doors
    }

    /// The API's request limits per address and per session.
    pub fn request_limits(&self) -> &RequestLimits {
        &self.0.request_limits
    }

    pub fn config(&self) -> &WebConfig {
        &self.0.config
    }
}

/// GakuNin login through the listener's own service provider (its entity ID and ACS are on the public origin).
#[cfg(feature = "saml")]
impl sesshu_http::WithSaml for AppState {
    fn sp_mut(&mut self) -> &mut Option<Arc<sesshu_saml::SamlSp>> {
        &mut Arc::make_mut(&mut self.0).saml
    }
}
