//! Availability from memory: the slots of the weeks people book in, held by
//! the public process and kept fresh by the store's change feed, so that a
//! crowd refreshing the days of the opening asks the database nothing while
//! nothing changes, and one question per change however many are looking.
//!
//! What a person is shown ([`Availability::fresh`]) includes every commit
//! the store's feed has counted when the request began: this process's own
//! (a booking answered, an office edit made here) always, another
//! process's within a fraction of a second (the feed's notification). A
//! person who booked never sees their place free again. Readers that find
//! the view behind wait for one reload together.
//!
//! The booking path may use a view a moment old ([`Availability::snapshot`]):
//! it only chooses which places to try, the store's transaction takes them
//! (and refuses a full one), and a refusal the view suggests is asked of the
//! store again (see `Bookings`).

use crate::bookings::Result;
use chrono::{DateTime, Days, NaiveDate, Utc};
use sesshu_domain::{Catalog, Clock, Slot, SlotId, day_start, tokyo_day};
use sesshu_store::{Changes, DynStore, SlotQuery};
use std::collections::{BTreeMap, HashMap};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

/// Days before today kept in the view (a person looking back at a day).
const DAYS_BEFORE: u64 = 7;
/// Days after today kept in the view: as far as people may look ahead.
pub const DAYS_AHEAD: u64 = 120;
/// The least time between two reloads of the refresher (the readers'
/// reloads are theirs): the booking path's view is at most this old.
const RELOAD_GAP: Duration = Duration::from_secs(1);
/// A reload at least this often without any change: the window follows
/// the calendar, and a lost notification cannot leave the view stale.
const RELOAD_ANYWAY: Duration = Duration::from_secs(30);

/// One day of slots as the view holds it.
#[derive(Debug)]
pub struct Day {
    /// Tells this day's contents from any other's: a new number whenever
    /// the day's slots change, kept across reloads that change nothing.
    /// Caches of what is derived from a day (an API answer, its `ETag`)
    /// are keyed by it.
    pub version: u64,
    /// In start order (lane, then id, as the store orders them), closed
    /// slots included.
    pub slots: Vec<Slot>,
}

/// The view at one moment; cheap to hold while answering.
#[derive(Debug)]
pub struct Snapshot {
    pub catalog: Arc<Catalog>,
    days: BTreeMap<NaiveDate, Arc<Day>>,
    /// Where each slot is: its day and its index there.
    index: HashMap<SlotId, (NaiveDate, usize)>,
    /// The days held; outside them the store is asked.
    window: RangeInclusive<NaiveDate>,
    /// The feed's count when the reload began: every change counted up to
    /// here is in.
    ticks: u64,
}

impl Snapshot {
    /// Whether the view holds the days `from..=to`.
    pub fn covers(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.window.contains(&from) && self.window.contains(&to)
    }

    /// The days `from..=to` that have slots, in order.
    pub fn days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = (&NaiveDate, &Arc<Day>)> {
        self.days.range(from..=to)
    }

    /// Every slot of `from..=to`, closed ones included, in start order.
    pub fn slots(&self, from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = &Slot> {
        self.days(from, to).flat_map(|(_, d)| d.slots.iter())
    }

    pub fn slot(&self, id: SlotId) -> Option<&Slot> {
        let (day, i) = self.index.get(&id)?;
        self.days.get(day)?.slots.get(*i)
    }
}

/// The process's availability view; clones share it.
#[derive(Debug, Clone)]
pub struct Availability(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    store: DynStore,
    clock: Arc<dyn Clock>,
    current: RwLock<Option<Arc<Snapshot>>>,
    /// One reload at a time; readers that need one queue here and the
    /// first reloads for all.
    loading: tokio::sync::Mutex<()>,
    /// The store's count of changes (read, never waited on).
    feed: Changes,
    /// Numbers the days' versions.
    versions: AtomicU64,
    refresher: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Availability {
    pub fn new(store: DynStore, clock: Arc<dyn Clock>) -> Self {
        let feed = store.changes();
        Self(Arc::new(Inner {
            store,
            clock,
            current: RwLock::new(None),
            loading: tokio::sync::Mutex::new(()),
            feed,
            versions: AtomicU64::new(0),
            refresher: Mutex::new(None),
        }))
    }

    /// The view with every change counted when this call began (see the
    /// module's comment): what a person is shown.
    pub async fn fresh(&self) -> Result<Arc<Snapshot>> {
        self.at_least(self.0.feed.seen()).await
    }

    /// The view as it is, loading it first if this is the first look: for
    /// the booking path, which the store's transaction keeps right.
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>> {
        self.at_least(0).await
    }

    /// A view that has every change up to the feed's count `ticks`,
    /// reloading unless one has (or another reader just did).
    async fn at_least(&self, ticks: u64) -> Result<Arc<Snapshot>> {
        self.keep_fresh();
        if let Some(current) = self.current().filter(|c| c.ticks >= ticks) {
            return Ok(current);
        }
        let _loading = self.0.loading.lock().await;
        if let Some(current) = self.current().filter(|c| c.ticks >= ticks) {
            return Ok(current);
        }
        self.reload().await
    }

    fn current(&self) -> Option<Arc<Snapshot>> {
        self.0
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Reads the window's slots and the catalog from the store and installs
    /// them.
    async fn reload(&self) -> Result<Arc<Snapshot>> {
        let ticks = self.0.feed.seen();
        let window = window(self.0.clock.now());
        let end = window
            .end()
            .checked_add_days(Days::new(1))
            .unwrap_or(*window.end());
        let query = SlotQuery {
            include_closed: true,
            ..SlotQuery::between(day_start(*window.start()), day_start(end))
        };
        let slots = self.0.store.slots(&query).await?;
        let catalog = self.0.store.catalog().await?;
        Ok(self.install(window, slots, catalog, ticks))
    }

    /// Puts a reload's rows in place. A day whose rows did not change keeps
    /// its version (and what was derived from it). A reload that began
    /// before the one in place is dropped.
    fn install(
        &self,
        window: RangeInclusive<NaiveDate>,
        slots: Vec<Slot>,
        catalog: Catalog,
        ticks: u64,
    ) -> Arc<Snapshot> {
        let mut current = self
            .0
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let old = current.as_ref();
        if let Some(old) = old.filter(|o| o.ticks > ticks) {
            return old.clone();
        }
        let mut by_day: BTreeMap<NaiveDate, Vec<Slot>> = BTreeMap::new();
        for slot in slots {
            by_day.entry(slot.day()).or_default().push(slot);
        }
        let mut days = BTreeMap::new();
        let mut index = HashMap::new();
        for (date, slots) in by_day {
            let day = match old.and_then(|o| o.days.get(&date)) {
                Some(before) if before.slots == slots => before.clone(),
                _ => {
                    record_free_places(date, &slots);
                    Arc::new(Day {
                        version: self.next_version(),
                        slots,
                    })
                }
            };
            for (i, slot) in day.slots.iter().enumerate() {
                index.insert(slot.id, (date, i));
            }
            days.insert(date, day);
        }
        let catalog = match old {
            Some(o) if *o.catalog == catalog => o.catalog.clone(),
            _ => Arc::new(catalog),
        };
        let snapshot = Arc::new(Snapshot {
            catalog,
            days,
            index,
            window,
            ticks,
        });
        *current = Some(snapshot.clone());
        snapshot
    }

    fn next_version(&self) -> u64 {
        self.0.versions.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Starts the refresher unless it runs: it reloads after each tick of
    /// the store's change feed, at most every [`RELOAD_GAP`], and at least
    /// every [`RELOAD_ANYWAY`].
    fn keep_fresh(&self) {
        let mut refresher = self
            .0
            .refresher
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if refresher.as_ref().is_some_and(|r| !r.is_finished()) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let view = Arc::downgrade(&self.0);
        let mut feed = self.0.store.changes();
        *refresher = Some(runtime.spawn(async move {
            loop {
                let changed = feed.next(RELOAD_ANYWAY).await;
                let Some(inner) = view.upgrade() else {
                    return;
                };
                let view = Availability(inner);
                let reloaded = if changed {
                    view.fresh().await.map(drop)
                } else {
                    // Nothing changed: the calendar moved on, perhaps.
                    let _loading = view.0.loading.lock().await;
                    view.reload().await.map(drop)
                };
                if let Err(e) = reloaded {
                    tracing::warn!(error = %e, "availability reload failed");
                }
                drop(view);
                tokio::time::sleep(RELOAD_GAP).await;
            }
        }));
    }
}

/// The days the view holds around `now`.
/// The gauge an operator watches at opening: a day's free places in open
/// slots, set when the view takes in a changed day.
fn record_free_places(date: NaiveDate, slots: &[Slot]) {
    let free: u32 = slots.iter().filter(|s| !s.closed).map(Slot::free).sum();
    metrics::gauge!("sesshu_free_places", "day" => date.to_string()).set(f64::from(free));
}

fn window(now: DateTime<Utc>) -> RangeInclusive<NaiveDate> {
    let today = tokyo_day(now);
    let first = today
        .checked_sub_days(Days::new(DAYS_BEFORE))
        .unwrap_or(today);
    let last = today
        .checked_add_days(Days::new(DAYS_AHEAD))
        .unwrap_or(today);
    first..=last
}
