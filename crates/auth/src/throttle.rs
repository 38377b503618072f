//! Login throttling: guessing a password is slowed, a person who knows
//! their password is not locked out by someone else's failures.
//!
//! Only failures count, so a crowd logging in correctly from one campus NAT
//! (or the load tool from one machine) is never slowed down. Three counters,
//! each in a sliding window:
//!
//! - **An account from one address**: `per_account` failures, and that
//!   address may not try that account again until they age out. This is
//!   the guesser's own lock; it touches nobody else.
//! - **An account from anywhere**: past `per_account` failures, each further
//!   attempt waits a delay that doubles with every failure (1 s, 2 s, 4 s …,
//!   at most [`MAX_ACCOUNT_DELAY`]). Knowing a login id lets nobody lock its
//!   person out for long: they wait at most that delay, while a guesser
//!   spread over many addresses gets about one guess per delay.
//! - **An address over all accounts**: past `per_address` failures, the
//!   address may still try an account with no failures of its own (the
//!   right password of a colleague behind the same NAT or proxy still
//!   signs in), but no account that has failed before: a sprayer gets one
//!   guess per account, then meets the two locks above.
//!
//! The counters live in the process; with several processes each keeps its
//! own, which multiplies the limits by the process count.

use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

/// The longest an account's own failures make anyone wait.
pub const MAX_ACCOUNT_DELAY: Duration = Duration::minutes(2);

#[derive(Clone, Copy, Debug)]
pub struct ThrottleLimits {
    /// Failures allowed per account within `window`, before its delays
    /// start (and before one address is refused that account).
    pub per_account: usize,
    /// Failures allowed per client address within `window`, before it may
    /// try only accounts with no failures of their own.
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
    pairs: Mutex<Failures<(String, IpAddr)>>,
    addresses: Mutex<Failures<IpAddr>>,
}

impl LoginThrottle {
    pub fn new(limits: ThrottleLimits) -> Self {
        Self {
            limits,
            accounts: Mutex::new(Failures::default()),
            pairs: Mutex::new(Failures::default()),
            addresses: Mutex::new(Failures::default()),
        }
    }

    /// `None` if an attempt may go ahead; otherwise when it may.
    pub fn check(&self, account: &str, from: IpAddr, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let ThrottleLimits {
            per_account,
            per_address,
            window,
        } = self.limits;
        let pair = (account.to_owned(), from);
        let by_pair = lock(&self.pairs).blocked_until(&pair, per_account, window, now);
        let mut accounts = lock(&self.accounts);
        let own_failures = accounts.count(account, window, now);
        let by_account = accounts.delayed_until(account, per_account, now);
        drop(accounts);
        let by_address = if own_failures > 0 {
            lock(&self.addresses).blocked_until(&from, per_address, window, now)
        } else {
            None
        };
        [by_pair, by_account, by_address]
            .into_iter()
            .flatten()
            .max()
    }

    pub fn failed(&self, account: &str, from: IpAddr, now: DateTime<Utc>) {
        let window = self.limits.window;
        lock(&self.accounts).record(account.to_owned(), window, now);
        lock(&self.pairs).record((account.to_owned(), from), window, now);
        lock(&self.addresses).record(from, window, now);
    }

    /// A successful login clears the account's failures (not the address's:
    /// a guesser who also knows one password gains nothing by using it).
    pub fn succeeded(&self, account: &str, from: IpAddr) {
        lock(&self.accounts).clear(account);
        lock(&self.pairs).clear(&(account.to_owned(), from));
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
    /// The failures of `key` still in the window (older ones dropped).
    fn recent<Q>(
        &mut self,
        key: &Q,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Option<&VecDeque<DateTime<Utc>>>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let times = self.by_key.get_mut(key)?;
        while times.front().is_some_and(|&t| t + window <= now) {
            times.pop_front();
        }
        Some(times)
    }

    fn count<Q>(&mut self, key: &Q, window: Duration, now: DateTime<Utc>) -> usize
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.recent(key, window, now).map_or(0, VecDeque::len)
    }

    /// With `limit` failures in the window, blocked until enough of them
    /// age out to fall below it.
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
        let times = self.recent(key, window, now)?;
        if times.len() < limit {
            return None;
        }
        times.get(times.len() - limit).map(|&t| t + window)
    }

    /// Past `free` failures (already aged by a `count` call), the next
    /// attempt waits after the last failure a delay that doubles with each
    /// failure beyond `free`, up to [`MAX_ACCOUNT_DELAY`].
    fn delayed_until<Q>(&self, key: &Q, free: usize, now: DateTime<Utc>) -> Option<DateTime<Utc>>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let times = self.by_key.get(key)?;
        let beyond = times.len().checked_sub(free)?;
        let last = *times.back()?;
        let doubling = u32::try_from(beyond).unwrap_or(u32::MAX).min(16);
        let delay = Duration::seconds(1_i64 << doubling).min(MAX_ACCOUNT_DELAY);
        let until = last + delay;
        (until > now).then_some(until)
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
    fn the_guessing_address_is_refused_the_account_until_its_failures_age_out() {
        let t = LoginThrottle::new(limits());
        for m in 0..3 {
            assert_eq!(t.check("demo/alice", HOME, at(m)), None);
            t.failed("demo/alice", HOME, at(m));
        }
        assert_eq!(t.check("demo/alice", HOME, at(5)), Some(at(15)));
        assert_eq!(t.check("demo/bob", HOME, at(5)), None);
        assert_eq!(t.check("demo/alice", HOME, at(15)), None);
    }

    #[test]
    fn someone_who_knows_a_login_id_delays_its_person_for_seconds_not_minutes() {
        let t = LoginThrottle::new(limits());
        let start = at(0);
        for _ in 0..3 {
            t.failed("demo/alice", OTHER, start);
        }
        // Alice, from her own address, right after: one second.
        assert_eq!(
            t.check("demo/alice", HOME, start),
            Some(start + Duration::seconds(1))
        );
        assert_eq!(
            t.check("demo/alice", HOME, start + Duration::seconds(1)),
            None
        );
        // The delay doubles with each failure, and stops at the cap.
        for _ in 0..20 {
            t.failed("demo/alice", OTHER, start);
        }
        assert_eq!(
            t.check("demo/alice", HOME, start),
            Some(start + MAX_ACCOUNT_DELAY)
        );
        assert_eq!(t.check("demo/alice", HOME, start + MAX_ACCOUNT_DELAY), None);
    }

    #[test]
    fn behind_one_address_a_colleague_with_no_failures_still_signs_in() {
        let t = LoginThrottle::new(limits());
        for m in 0..60 {
            t.failed(&format!("demo/user{m}"), HOME, at(0));
        }
        assert_eq!(
            t.check("demo/student1", HOME, at(1)),
            None,
            "no failures of its own: the password decides"
        );
        assert!(
            t.check("demo/user7", HOME, at(1)).is_some(),
            "an account that failed from there waits for the address's failures to age out"
        );
        assert_eq!(t.check("demo/user7", OTHER, at(1)), None);
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() {
        let t = LoginThrottle::new(limits());
        for m in 0..2 {
            t.failed("demo/alice", HOME, at(m));
        }
        t.succeeded("demo/alice", HOME);
        t.failed("demo/alice", HOME, at(3));
        t.failed("demo/alice", HOME, at(4));
        assert_eq!(t.check("demo/alice", HOME, at(5)), None);
        t.failed("demo/alice", HOME, at(5));
        assert!(t.check("demo/alice", HOME, at(6)).is_some());
        for m in 0..5 {
            t.failed(&format!("demo/u{m}"), HOME, at(7));
        }
        t.succeeded("demo/u0", HOME);
        assert_eq!(t.check("demo/u0", HOME, at(8)), None);
        t.failed("demo/u0", HOME, at(8));
        assert!(
            t.check("demo/u0", HOME, at(8)).is_some(),
            "the address's failures stay"
        );
    }
}
