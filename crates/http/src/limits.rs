//! Request limits per client address and per session (GCRA, `governor`):
//! one script hammering the API is slowed to its share, answered `429` with
//! `Retry-After`, before it takes a place at the door.
//!
//! A university's people often share one address (a campus NAT), so the
//! per-address limit is generous and the per-session one is the tight one.
//! Sessions are keyed by a hash of their cookie, never the cookie itself.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A steady rate and the burst allowed above it; `per_second = 0` is no
/// limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub per_second: u32,
    pub burst: u32,
}

/// The limits of the public API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLimitSettings {
    pub per_address: Rate,
    pub per_session: Rate,
}

impl Default for RequestLimitSettings {
    fn default() -> Self {
        Self {
            per_address: Rate {
                per_second: 300,
                burst: 1500,
            },
            per_session: Rate {
                per_second: 5,
                burst: 30,
            },
        }
    }
}

/// Which limit a request ran into, and when it may come again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limited {
    Address { retry_after: Duration },
    Session { retry_after: Duration },
}

impl Limited {
    pub fn retry_after(self) -> Duration {
        match self {
            Limited::Address { retry_after } | Limited::Session { retry_after } => retry_after,
        }
    }

    /// The label of this limit in the metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Limited::Address { .. } => "address",
            Limited::Session { .. } => "session",
        }
    }
}

/// The limiters. Cheap to clone: clones share the counts.
#[derive(Clone, Debug)]
pub struct RequestLimits(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_session: Option<DefaultKeyedRateLimiter<[u8; 32]>>,
    clock: DefaultClock,
    checks: AtomicU64,
}

/// Every so many checks the keys that are back to a full burst are
/// forgotten, so the maps hold only recent clients.
const FORGET_EVERY: u64 = 4096;

impl RequestLimits {
    pub fn new(settings: RequestLimitSettings) -> Self {
        Self(Arc::new(Inner {
            per_address: limiter(settings.per_address),
            per_session: limiter(settings.per_session),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }))
    }

    /// Counts a request from `address` with the session cookie `session`.
    pub fn check(&self, address: IpAddr, session: Option<&str>) -> Result<(), Limited> {
        let inner = &self.0;
        if inner.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.forget_idle();
        }
        let now = inner.clock.now();
        if let Some(limiter) = &inner.per_address {
            limiter
                .check_key(&address)
                .map_err(|until| Limited::Address {
                    retry_after: until.wait_time_from(now),
                })?;
        }
        if let (Some(limiter), Some(session)) = (&inner.per_session, session) {
            let key: [u8; 32] = Sha256::digest(session.as_bytes()).into();
            limiter.check_key(&key).map_err(|until| Limited::Session {
                retry_after: until.wait_time_from(now),
            })?;
        }
        Ok(())
    }

    fn forget_idle(&self) {
        if let Some(l) = &self.0.per_address {
            l.retain_recent();
        }
        if let Some(l) = &self.0.per_session {
            l.retain_recent();
        }
    }
}

fn limiter<K: Clone + std::hash::Hash + Eq>(rate: Rate) -> Option<DefaultKeyedRateLimiter<K>> {
    let per_second = NonZeroU32::new(rate.per_second)?;
    let burst = NonZeroU32::new(rate.burst).unwrap_or(per_second);
    Some(DefaultKeyedRateLimiter::keyed(
        Quota::per_second(per_second).allow_burst(burst),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const ONE: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const TWO: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

    fn limits(address: (u32, u32), session: (u32, u32)) -> RequestLimits {
        RequestLimits::new(RequestLimitSettings {
            per_address: Rate {
                per_second: address.0,
                burst: address.1,
            },
            per_session: Rate {
                per_second: session.0,
                burst: session.1,
            },
        })
    }

    #[test]
    fn an_address_gets_its_burst_then_waits_and_others_are_not_slowed() {
        let limits = limits((1, 3), (0, 0));
        for _ in 0..3 {
            assert_eq!(limits.check(ONE, None), Ok(()));
        }
        let refused = limits.check(ONE, None).err();
        assert!(
            matches!(refused, Some(Limited::Address { retry_after }) if retry_after > Duration::ZERO && retry_after <= Duration::from_secs(1))
        );
        assert_eq!(limits.check(TWO, None), Ok(()));
    }

    #[test]
    fn a_session_is_limited_on_its_own_wherever_it_comes_from() {
        let limits = limits((0, 0), (1, 2));
        assert_eq!(limits.check(ONE, Some("cookie-a")), Ok(()));
        assert_eq!(limits.check(TWO, Some("cookie-a")), Ok(()));
        assert!(matches!(
            limits.check(ONE, Some("cookie-a")),
            Err(Limited::Session { .. })
        ));
        assert_eq!(limits.check(ONE, Some("cookie-b")), Ok(()));
        assert_eq!(
            limits.check(ONE, None),
            Ok(()),
            "no session, no session limit"
        );
    }

    #[test]
    fn a_zero_rate_is_no_limit() {
        let limits = limits((0, 0), (0, 0));
        for _ in 0..10_000 {
            assert_eq!(limits.check(ONE, Some("c")), Ok(()));
        }
    }
}
