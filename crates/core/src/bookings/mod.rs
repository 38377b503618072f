//! Booking, changing and cancelling a series; what a person can book.

use crate::availability::{Availability, Snapshot};
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::booking::Booker;
use sesshu_domain::{
    Catalog, Clock, Language, Person, Rejection, ReservationNumber, Series, SeriesId, Slot, SlotId,
    tokyo_day,
};
use sesshu_store::{DynStore, MailQuery, SlotQuery, StoreError};
use std::sync::Arc;

mod book;
mod candidates;
mod change;
mod offers;

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    /// A booking rule refused it; the person is told which.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// No such slot or reservation, or not this person's.
    #[error("not found")]
    NotFound,
    #[error("idempotency key reused for a different request")]
    IdempotencyKeyReused,
    /// The store failed; the person gets a generic error, the log the cause.
    #[error("storage failed")]
    Store(#[source] StoreError),
}

/// Counts a booking attempt in the metrics by action and outcome: `done`,
/// a rule's code (`slot_full` …) or what failed; never whose.
fn counted<T>(action: &'static str, done: &'static str, outcome: Result<T>) -> Result<T> {
    let label = match &outcome {
        Ok(_) => done,
        Err(BookingError::Rejected(r)) => r.code(),
        Err(BookingError::NotFound) => "not_found",
        Err(BookingError::IdempotencyKeyReused) => "idempotency_key_reused",
        Err(BookingError::Store(StoreError::Contention)) => "busy",
        Err(BookingError::Store(_)) => "error",
    };
    metrics::counter!("sesshu_bookings_total", "action" => action, "outcome" => label).increment(1);
    outcome
}

impl From<StoreError> for BookingError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Rejected(r) => BookingError::Rejected(r),
            StoreError::NotFound => BookingError::NotFound,
            StoreError::IdempotencyKeyReused => BookingError::IdempotencyKeyReused,
            other => BookingError::Store(other),
        }
    }
}

pub type Result<T, E = BookingError> = std::result::Result<T, E>;

/// A first-dose slot as offered to one person.
#[derive(Clone, Debug)]
pub struct SlotOffer {
    pub slot: Slot,
    /// The places this person may take there (fewer than the slot's when
    /// their institution's quota is nearly used).
    pub free: u32,
    /// Why the person cannot book it now, if they cannot.
    pub refusal: Option<Rejection>,
}

/// A day with first-dose slots for one person.
#[derive(Clone, Debug)]
pub struct DayOffer {
    pub day: NaiveDate,
    /// Free places the person could book that day.
    pub bookable: u32,
    /// When nothing is bookable, why (the deadline before full, full before
    /// not-yet-open).
    pub refusal: Option<Rejection>,
}

/// Which slot a booking may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneChoice {
    /// Exactly the slot asked for (the API: the client chose a slot).
    Exact,
    /// Any lane of the same venue at the same time, the emptiest first (the
    /// pages: a person chooses a time, not a lane).
    AnyLane,
}

/// How far ahead people can look.
const HORIZON_DAYS: u64 = crate::availability::DAYS_AHEAD;

/// Where a use case reads slots from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Read {
    /// What a person is shown: the view, with every change counted so far.
    Shown,
    /// Which places to try: the view as it is (the transaction decides).
    Booking,
    /// The rows themselves: when the view says no, the store is asked.
    Rows,
}

#[derive(Debug, Clone)]
pub struct Bookings {
    store: DynStore,
    clock: Arc<dyn Clock>,
    /// The public process reads slots from memory; the back office, whose
    /// edits must see the rows as they are, from the store.
    view: Option<Availability>,
}

impl Bookings {
    pub fn new(store: DynStore, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            view: None,
        }
    }

    /// Reads slots from `view` instead of the store (the places are still
    /// taken by the store's transaction, which refuses a full slot).
    pub fn with_view(mut self, view: Availability) -> Self {
        self.view = Some(view);
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) fn store(&self) -> &DynStore {
        &self.store
    }

    /// The view to read slots from: none in the back office; for what a
    /// person is shown, one with every change counted so far.
    async fn view(&self, read: Read) -> Result<Option<Arc<Snapshot>>> {
        match (&self.view, read) {
            (None, _) | (_, Read::Rows) => Ok(None),
            (Some(view), Read::Shown) => Ok(Some(view.fresh().await?)),
            (Some(view), Read::Booking) => Ok(Some(view.snapshot().await?)),
        }
    }

    /// The slots `query` asks for: from the view when it holds those days.
    async fn find_slots(&self, query: &SlotQuery, read: Read) -> Result<Vec<Slot>> {
        if let Some(snapshot) = self.view(read).await? {
            let (from, to) = (tokyo_day(query.from), tokyo_day(query.to));
            if snapshot.covers(from, to) {
                return Ok(snapshot
                    .slots(from, to)
                    .filter(|s| s.starts_at >= query.from && s.starts_at < query.to)
                    .filter(|s| query.dose.is_none_or(|d| s.dose == d))
                    .filter(|s| query.venue.is_none_or(|v| s.venue == v))
                    .filter(|s| query.vaccine.is_none_or(|v| s.vaccine == v))
                    .filter(|s| query.include_closed || !s.closed)
                    .cloned()
                    .collect());
            }
        }
        Ok(self.store.slots(query).await?)
    }

    async fn find_slot(&self, id: SlotId, read: Read) -> Result<Option<Slot>> {
        if let Some(snapshot) = self.view(read).await?
            && let Some(slot) = snapshot.slot(id)
        {
            return Ok(Some(slot.clone()));
        }
        Ok(self.store.slot(id).await?)
    }

    async fn catalog(&self) -> Result<Arc<Catalog>> {
        match self.view(Read::Booking).await? {
            Some(snapshot) => Ok(snapshot.catalog.clone()),
            None => Ok(Arc::new(self.store.catalog().await?)),
        }
    }

    /// The language of the series' latest mail (its person's), else
    /// Japanese: the office's changes are told in it.
    pub async fn last_language(&self, series: SeriesId) -> Result<Language> {
        Ok(self
            .store
            .mail_jobs(&MailQuery {
                state: None,
                series: Some(series),
                limit: 1,
            })
            .await?
            .first()
            .map_or(Language::Ja, |job| job.language))
    }

    /// The person's series, newest first.
    pub async fn series_of(&self, person: &Person) -> Result<Vec<Series>> {
        Ok(self.store.series_of(person.id).await?)
    }

    /// The person's active series, if any.
    pub async fn active_series(&self, person: &Person) -> Result<Option<Series>> {
        Ok(self
            .series_of(person)
            .await?
            .into_iter()
            .find(Series::is_active))
    }

    /// The person's own series with this number; another person's is "not
    /// found", so numbers cannot be probed.
    pub async fn own_series(&self, who: Booker<'_>, number: &ReservationNumber) -> Result<Series> {
        match self.store.series_by_number(number).await? {
            Some(series) if series.person == who.person.id => Ok(series),
            _ => Err(BookingError::NotFound),
        }
    }
}
