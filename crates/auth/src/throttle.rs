//! Login throttling: too many failed logins for one account, or from one
//! address, and further attempts are refused for a while.
//!
//! Only failures count, so a crowd logging in correctly from one campus NAT
//! (or the load tool from one machine) is never slowed down, while guessing
//! a password is. The counters live in the process; with several processes
//! each keeps its own, which multiplies the limits by the process count.

use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

#[derive(Clone, Copy, Debug)]
pub struct ThrottleLimits {
    /// Failures allowed per account within `window`.
    pub per_account: usize,
    /// Failures allowed per client address within `window`.
    pub per_address: usize,
    pub window: Duration,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 50,
            window: Duration::minutes(15),
        }
    }
}

/// Failure counters in sliding windows.
#[derive(Debug)]
pub struct LoginThrottle {
    limits: ThrottleLimits,
    accounts: Mutex<Failures<String>>,
    addresses: Mutex<Failures<IpAddr>>,
}

impl LoginThrottle {
    pub fn new(limits: ThrottleLimits) -> Self {
        Self {
            limits,
            accounts: Mutex::new(Failures::default()),
            addresses: Mutex::new(Failures::default()),
        }
    }

    /// `None` if an attempt may go ahead; otherwise when it may.
    pub fn check(&self, account: &str, from: IpAddr, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let window = self.limits.window;
        let by_account =
            lock(&self.accounts).blocked_until(account, self.limits.per_account, window, now);
        let by_address =
            lock(&self.addresses).blocked_until(&from, self.limits.per_address, window, now);
        by_account.max(by_address)
    }

    pub fn failed(&self, account: &str, from: IpAddr, now: DateTime<Utc>) {
        let window = self.limits.window;
        lock(&self.accounts).record(account.to_owned(), window, now);
        lock(&self.addresses).record(from, window, now);
    }

    /// A successful login clears the account's failures (not the address's).
    pub fn succeeded(&self, account: &str) {
        lock(&self.accounts).clear(account);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug)]
struct Failures<K> {
    by_key: HashMap<K, VecDeque<DateTime<Utc>>>,
}

impl<K> Default for Failures<K> {
    fn default() -> Self {
        Self {
            by_key: HashMap::new(),
        }
    }
}

/// Past this many keys, expired ones are swept on the next write.
const SWEEP_AT: usize = 10_000;

impl<K: Eq + Hash> Failures<K> {
    fn blocked_until<Q>(
        &mut self,
        key: &Q,
        limit: usize,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let times = self.by_key.get_mut(key)?;
        while times.front().is_some_and(|&t| t + window <= now) {
            times.pop_front();
        }
        if times.len() < limit {
            return None;
        }
        // Blocked until enough failures age out to fall below the limit.
        times.get(times.len() - limit).map(|&t| t + window)
    }

    fn record(&mut self, key: K, window: Duration, now: DateTime<Utc>) {
        if self.by_key.len() >= SWEEP_AT {
            self.by_key
                .retain(|_, times| times.back().is_some_and(|&t| t + window > now));
        }
        self.by_key.entry(key).or_default().push_back(now);
    }

    fn clear<Q>(&mut self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.by_key.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + Duration::minutes(min)
    }

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    fn limits() -> ThrottleLimits {
        ThrottleLimits {
            per_account: 3,
            per_address: 5,
            window: Duration::minutes(15),
        }
    }

    #[test]
    fn an_account_is_blocked_after_its_failures_and_freed_when_they_age_out() {
        let t = LoginThrottle::new(limits());
        for m in 0..3 {
            assert_eq!(t.check("demo/alice", HOME, at(m)), None);
            t.failed("demo/alice", HOME, at(m));
        }
        assert_eq!(t.check("demo/alice", OTHER, at(3)), Some(at(15)));
        assert_eq!(t.check("demo/bob", OTHER, at(3)), None);
        assert_eq!(t.check("demo/alice", OTHER, at(15)), None);
    }

    #[test]
    fn an_address_is_blocked_after_failures_on_many_accounts() {
        let t = LoginThrottle::new(limits());
        for m in 0..5 {
            t.failed(&format!("demo/user{m}"), HOME, at(m));
        }
        assert!(t.check("demo/someone-else", HOME, at(6)).is_some());
        assert_eq!(t.check("demo/someone-else", OTHER, at(6)), None);
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() {
        let t = LoginThrottle::new(limits());
        for m in 0..2 {
            t.failed("demo/alice", HOME, at(m));
        }
        t.succeeded("demo/alice");
        t.failed("demo/alice", HOME, at(3));
        t.failed("demo/alice", HOME, at(4));
        assert_eq!(t.check("demo/alice", HOME, at(5)), None);
        t.failed("demo/alice", HOME, at(5));
        assert!(t.check("demo/alice", HOME, at(6)).is_some());
    }
}
