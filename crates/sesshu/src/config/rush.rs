//! The public process under a rush: the login throttle, the door
//! (`[admission]`) and the API's request limits (`[request_limits]`).

use serde::Deserialize;

/// The public API's request limits (docs/deploy.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestLimits {
    #[serde(default = "defaults::per_address_per_second")]
    pub per_address_per_second: u32,
    #[serde(default = "defaults::per_address_burst")]
    pub per_address_burst: u32,
    #[serde(default = "defaults::per_session_per_second")]
    pub per_session_per_second: u32,
    #[serde(default = "defaults::per_session_burst")]
    pub per_session_burst: u32,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            per_address_per_second: defaults::per_address_per_second(),
            per_address_burst: defaults::per_address_burst(),
            per_session_per_second: defaults::per_session_per_second(),
            per_session_burst: defaults::per_session_burst(),
        }
    }
}

impl RequestLimits {
    pub fn settings(&self) -> sesshu_http::limits::RequestLimitSettings {
        use sesshu_http::limits::{Rate, RequestLimitSettings};
        RequestLimitSettings {
            per_address: Rate {
                per_second: self.per_address_per_second,
                burst: self.per_address_burst,
            },
            per_session: Rate {
                per_second: self.per_session_per_second,
                burst: self.per_session_burst,
            },
        }
    }
}

/// The public process's door under a rush (docs/deploy.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdmissionSettings {
    /// Expensive requests served at once.
    #[serde(default = "defaults::in_flight")]
    pub in_flight: usize,
    /// Requests waiting for a place at once; beyond, turned away at once.
    #[serde(default = "defaults::queue")]
    pub queue: usize,
    /// The longest a request waits for a place, in milliseconds.
    #[serde(default = "defaults::wait_ms")]
    pub wait_ms: u64,
    /// What `Retry-After` (and the busy page) tells those turned away.
    #[serde(default = "defaults::retry_after_seconds")]
    pub retry_after_seconds: u64,
    /// Password logins served at once (their own door: each waits on a
    /// password hash); default four per core.
    #[serde(default = "defaults::logins_in_flight")]
    pub logins_in_flight: usize,
    /// Password logins waiting at once; default 32 per core.
    #[serde(default = "defaults::logins_queue")]
    pub logins_queue: usize,
}

impl Default for AdmissionSettings {
    fn default() -> Self {
        Self {
            in_flight: defaults::in_flight(),
            queue: defaults::queue(),
            wait_ms: defaults::wait_ms(),
            retry_after_seconds: defaults::retry_after_seconds(),
            logins_in_flight: defaults::logins_in_flight(),
            logins_queue: defaults::logins_queue(),
        }
    }
}

impl AdmissionSettings {
    pub fn limits(&self) -> sesshu_http::admission::AdmissionLimits {
        sesshu_http::admission::AdmissionLimits {
            in_flight: self.in_flight.max(1),
            queue: self.queue,
            wait: std::time::Duration::from_millis(self.wait_ms),
            retry_after: std::time::Duration::from_secs(self.retry_after_seconds.max(1)),
        }
    }

    /// The door of password logins: the same waits, fewer places.
    pub fn login_limits(&self) -> sesshu_http::admission::AdmissionLimits {
        sesshu_http::admission::AdmissionLimits {
            in_flight: self.logins_in_flight.max(1),
            queue: self.logins_queue,
            ..self.limits()
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Throttle {
    #[serde(default = "defaults::per_account")]
    pub failures_per_account: usize,
    #[serde(default = "defaults::per_address")]
    pub failures_per_address: usize,
    #[serde(default = "defaults::window_minutes")]
    pub window_minutes: i64,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            failures_per_account: defaults::per_account(),
            failures_per_address: defaults::per_address(),
            window_minutes: defaults::window_minutes(),
        }
    }
}

impl Throttle {
    pub fn limits(&self) -> sesshu_auth::ThrottleLimits {
        sesshu_auth::ThrottleLimits {
            per_account: self.failures_per_account,
            per_address: self.failures_per_address,
            window: chrono::Duration::minutes(self.window_minutes),
        }
    }
}

mod defaults {
    pub fn in_flight() -> usize {
        sesshu_http::admission::AdmissionLimits::default().in_flight
    }

    pub fn queue() -> usize {
        sesshu_http::admission::AdmissionLimits::default().queue
    }

    fn limits() -> sesshu_http::limits::RequestLimitSettings {
        sesshu_http::limits::RequestLimitSettings::default()
    }

    pub fn per_address_per_second() -> u32 {
        limits().per_address.per_second
    }

    pub fn per_address_burst() -> u32 {
        limits().per_address.burst
    }

    pub fn per_session_per_second() -> u32 {
        limits().per_session.per_second
    }

    pub fn per_session_burst() -> u32 {
        limits().per_session.burst
    }

    pub fn logins_in_flight() -> usize {
        sesshu_http::admission::AdmissionLimits::logins().in_flight
    }

    pub fn logins_queue() -> usize {
        sesshu_http::admission::AdmissionLimits::logins().queue
    }

    pub fn wait_ms() -> u64 {
        let wait = sesshu_http::admission::AdmissionLimits::default().wait;
        u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)
    }

    pub fn retry_after_seconds() -> u64 {
        sesshu_http::admission::AdmissionLimits::default()
            .retry_after
            .as_secs()
    }

    pub fn per_account() -> usize {
        5
    }

    pub fn per_address() -> usize {
        50
    }

    pub fn window_minutes() -> i64 {
        15
    }
}
