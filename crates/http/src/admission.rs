//! Admission control: at most so many expensive requests in flight, a short
//! fair queue behind them, and at once a "busy" for everyone beyond.
//!
//! Under a rush the database and the password hashes have a rate they can
//! serve; letting more requests in only makes every one of them slower until
//! all time out. The gate keeps those it admits fast and tells the others
//! quickly that they may retry (the listener answers `503` with
//! `Retry-After`). Tokio's semaphore hands out places in arrival order, so
//! the queue is fair.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many requests the gate lets through, and how long it lets others wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdmissionLimits {
    /// Requests served at once.
    pub in_flight: usize,
    /// Requests waiting for a place at once; beyond, a request is turned
    /// away without waiting.
    pub queue: usize,
    /// The longest a request waits for a place before it is turned away.
    pub wait: Duration,
    /// What `Retry-After` tells those turned away.
    pub retry_after: Duration,
}

impl Default for AdmissionLimits {
    fn default() -> Self {
        Self {
            in_flight: 64,
            queue: 256,
            wait: Duration::from_millis(50),
            retry_after: Duration::from_secs(5),
        }
    }
}

impl AdmissionLimits {
    /// The door of password logins: each holds a password hash, and
    /// `sesshu_auth` hashes at most as many at once as there are cores; more
    /// in flight than a few per core would only wait there, slower than the
    /// door's queue turns them away.
    pub fn logins() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            in_flight: 4 * cores,
            queue: 32 * cores,
            ..Self::default()
        }
    }
}

/// The gate. Cheap to clone: clones share the places.
#[derive(Clone, Debug)]
pub struct Admission(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    places: Arc<Semaphore>,
    waiting: AtomicUsize,
    limits: AdmissionLimits,
}

/// A place in flight; the next waiting request gets it when this drops.
#[derive(Debug)]
pub struct Admitted(#[allow(dead_code)] OwnedSemaphorePermit);

/// Why a request was turned away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shed {
    /// The queue was full: turned away without waiting.
    QueueFull,
    /// It waited the longest it may, and no place freed.
    Waited,
}

impl Shed {
    /// The label of this reason in the metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Shed::QueueFull => "queue_full",
            Shed::Waited => "waited",
        }
    }
}

impl Admission {
    pub fn new(limits: AdmissionLimits) -> Self {
        Self(Arc::new(Inner {
            places: Arc::new(Semaphore::new(limits.in_flight.max(1))),
            waiting: AtomicUsize::new(0),
            limits,
        }))
    }

    pub fn limits(&self) -> AdmissionLimits {
        self.0.limits
    }

    /// A place, at once or after a short wait in the queue; or why not.
    pub async fn enter(&self) -> Result<Admitted, Shed> {
        let inner = &self.0;
        if let Ok(permit) = inner.places.clone().try_acquire_owned() {
            return Ok(Admitted(permit));
        }
        let _in_queue = Queued::join(&inner.waiting, inner.limits.queue).ok_or(Shed::QueueFull)?;
        tokio::time::timeout(inner.limits.wait, inner.places.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .map(Admitted)
            .ok_or(Shed::Waited)
    }

    /// Requests waiting for a place now.
    pub fn waiting(&self) -> usize {
        self.0.waiting.load(Ordering::Relaxed)
    }

    /// Requests holding a place now.
    pub fn in_flight(&self) -> usize {
        self.0
            .limits
            .in_flight
            .max(1)
            .saturating_sub(self.0.places.available_permits())
    }
}

/// One place in the queue, given back on drop (also when the waiting
/// request is dropped because its client went away). The queue's length is
/// the gauge `sesshu_admission_waiting`.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn join(waiting: &'a AtomicUsize, queue: usize) -> Option<Self> {
        waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < queue).then_some(n + 1)
            })
            .ok()
            .map(|before| {
                metrics::gauge!("sesshu_admission_waiting").set((before + 1) as f64);
                Queued(waiting)
            })
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        let before = self.0.fetch_sub(1, Ordering::AcqRel);
        metrics::gauge!("sesshu_admission_waiting").set(before.saturating_sub(1) as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(in_flight: usize, queue: usize, wait_ms: u64) -> Admission {
        Admission::new(AdmissionLimits {
            in_flight,
            queue,
            wait: Duration::from_millis(wait_ms),
            retry_after: Duration::from_secs(1),
        })
    }

    #[tokio::test]
    async fn requests_within_the_limit_are_admitted_at_once() {
        let gate = gate(2, 0, 0);
        let first = gate.enter().await;
        let second = gate.enter().await;
        assert!(first.is_ok() && second.is_ok());
        assert_eq!(gate.in_flight(), 2);
    }

    #[tokio::test]
    async fn with_no_queue_the_next_request_is_turned_away_without_waiting() {
        let gate = gate(1, 0, 10_000);
        let _held = gate.enter().await;
        assert_eq!(gate.enter().await.err(), Some(Shed::QueueFull));
    }

    #[tokio::test(start_paused = true)]
    async fn a_queued_request_gets_the_place_freed_while_it_waits() {
        let gate = gate(1, 1, 1_000);
        let held = gate.enter().await;
        let waiter = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter().await.is_ok() }
        });
        tokio::task::yield_now().await;
        assert_eq!(gate.waiting(), 1);
        drop(held);
        assert!(waiter.await.unwrap_or(false));
        assert_eq!(gate.waiting(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_queued_request_is_turned_away_after_the_longest_wait() {
        let gate = gate(1, 4, 50);
        let _held = gate.enter().await;
        assert_eq!(gate.enter().await.err(), Some(Shed::Waited));
        assert_eq!(gate.waiting(), 0, "the queue place is given back");
    }

    #[tokio::test(start_paused = true)]
    async fn beyond_the_queue_requests_are_turned_away_while_the_queue_waits() {
        let gate = gate(1, 1, 1_000);
        let _held = gate.enter().await;
        let queued = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter().await.err() }
        });
        tokio::task::yield_now().await;
        assert_eq!(gate.enter().await.err(), Some(Shed::QueueFull));
        assert_eq!(queued.await.ok().flatten(), Some(Shed::Waited));
    }
}
