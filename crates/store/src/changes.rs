//! How a process learns that the data may have changed: its own commits at
//! once, another process's within a fraction of a second.
//!
//! The in-memory availability view of the public process and the mail
//! worker wait on a [`Changes`] feed instead of asking the database on every
//! request. Each backend owns one [`ChangeHub`]: every commit of its own
//! ticks the hub directly, and a watcher the backend spawns (PostgreSQL:
//! `LISTEN`; SQLite: `PRAGMA data_version` on a connection of its own)
//! ticks it for the commits of other processes.
//!
//! A tick says only "something may have changed": readers re-read what they
//! hold. Ticks are coalesced, never lost: a reader that was busy sees one
//! tick for many commits.

use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A reader's view of the hub: wakes when data may have changed since the
/// reader last woke (or subscribed).
#[derive(Debug, Clone)]
pub struct Changes(watch::Receiver<u64>);

impl Changes {
    /// How many ticks the hub has given: a commit of this process that has
    /// returned is counted here. A reader that holds data read after
    /// `seen()` reached `n` has every change counted up to `n`.
    pub fn seen(&self) -> u64 {
        *self.0.borrow()
    }

    /// Waits until data may have changed or `timeout` passes; `true` when
    /// it may have changed.
    pub async fn next(&mut self, timeout: Duration) -> bool {
        match tokio::time::timeout(timeout, self.0.changed()).await {
            Ok(Ok(())) => {
                self.0.mark_unchanged();
                true
            }
            // The hub is gone (its store was dropped): nothing more will
            // change through it; wait out the timeout as if idle.
            Ok(Err(_)) => {
                tokio::time::sleep(timeout).await;
                false
            }
            Err(_) => false,
        }
    }
}

/// The backend's side: ticks for its own commits, and the watcher task
/// that ticks for everyone else's.
#[derive(Debug)]
pub struct ChangeHub {
    ticks: watch::Sender<u64>,
    /// The backend's watcher of other processes' commits, started by the
    /// first subscriber (in that subscriber's runtime) and started again if
    /// it ended (its runtime was shut down: each test has its own).
    watcher: Mutex<Option<JoinHandle<()>>>,
}

impl Default for ChangeHub {
    fn default() -> Self {
        Self {
            ticks: watch::Sender::new(0),
            watcher: Mutex::new(None),
        }
    }
}

impl ChangeHub {
    /// A commit of this process: wakes every reader.
    pub fn tick(&self) {
        self.ticks.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A sender for the watcher task to tick with.
    pub fn sender(&self) -> watch::Sender<u64> {
        self.ticks.clone()
    }

    /// A new reader; `watch` starts the backend's watcher unless it runs.
    pub fn subscribe(&self, watch: impl FnOnce() -> JoinHandle<()>) -> Changes {
        let mut watcher = self
            .watcher
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if watcher.as_ref().is_none_or(JoinHandle::is_finished) {
            *watcher = Some(watch());
        }
        Changes(self.ticks.subscribe())
    }
}

impl Drop for ChangeHub {
    fn drop(&mut self) {
        if let Ok(Some(watcher)) = self.watcher.get_mut().map(Option::take) {
            watcher.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_commit_wakes_every_reader_once() {
        let hub = ChangeHub::default();
        let idle = || tokio::spawn(std::future::pending());
        let mut a = hub.subscribe(idle);
        let mut b = hub.subscribe(idle);
        hub.tick();
        hub.tick();
        assert!(a.next(Duration::from_secs(5)).await);
        assert!(b.next(Duration::from_secs(5)).await);
        // Two commits while the readers were away are one wake-up.
        assert!(!a.next(Duration::from_millis(20)).await);
    }

    #[tokio::test]
    async fn a_reader_sleeps_until_its_timeout_without_commits() {
        let hub = ChangeHub::default();
        let mut reader = hub.subscribe(|| tokio::spawn(std::future::pending()));
        assert!(!reader.next(Duration::from_millis(20)).await);
    }

    #[tokio::test]
    async fn the_watcher_starts_once_and_again_when_it_ended() {
        let hub = ChangeHub::default();
        let started = std::sync::atomic::AtomicUsize::new(0);
        let start = || {
            started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async {})
        };
        let _a = hub.subscribe(start);
        tokio::time::sleep(Duration::from_millis(20)).await;
        // The first watcher ended: the next reader starts another.
        let _b = hub.subscribe(start);
        assert_eq!(started.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
