//! Booking, changing and cancelling a series; what a person can book.

use crate::availability::{Availability, Snapshot};
use chrono::{DateTime, Days, NaiveDate, Utc};
use sesshu_domain::booking::Booker;
use sesshu_domain::{
    AuditEntry, Catalog, Clock, DoseNumber, InstitutionId, Language, Person, Rejection,
    ReservationNumber, Series, SeriesId, Slot, SlotId, Subject, ToBook, day_start, tokyo_day,
};
use sesshu_store::{
    Booked, DoseMove, DynStore, Idempotency, MailQuery, NewSeries, Reschedule, SlotQuery,
    StoreError,
};
use std::collections::BTreeMap;
use std::sync::Arc;

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

    /// All open slots starting on the Tokyo days `from..=to`.
    pub async fn availability(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Slot>> {
        let end = to.checked_add_days(Days::new(1)).unwrap_or(to);
        self.find_slots(
            &SlotQuery::between(day_start(from), day_start(end)),
            Read::Shown,
        )
        .await
    }

    /// What the person may still book, from the doses they received
    /// elsewhere (a declaration counts at once).
    pub async fn to_book(&self, person: &Person) -> Result<ToBook> {
        Ok(ToBook::after(
            &self.store.elsewhere_doses_of(person.id).await?,
        ))
    }

    /// What `member` of `institution` may still book (by their login: the
    /// office books for people who may not have signed in yet).
    pub async fn to_book_of(&self, institution: InstitutionId, member: &Subject) -> Result<ToBook> {
        Ok(ToBook::after(
            &self.store.elsewhere_doses(institution, member).await?,
        ))
    }

    /// The slots of `from..=to` a series of this person may start in, as
    /// [`ToBook`] says: first-dose slots; or, with the first dose received
    /// elsewhere, second-dose slots on or after the day its vaccine's
    /// interval allows; or none. Only those that admit the person and have
    /// not started.
    async fn starting_slots(
        &self,
        who: Booker<'_>,
        to_book: ToBook,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Slot>> {
        let Some(dose) = to_book.starts_with() else {
            return Ok(Vec::new());
        };
        let now = self.now();
        let catalog = match to_book {
            ToBook::SecondDose { .. } => self.catalog().await?,
            _ => Arc::default(),
        };
        let allowed = |slot: &Slot| match to_book {
            ToBook::SecondDose { .. } => catalog
                .vaccine(slot.vaccine)
                .and_then(|v| to_book.second_dose_from(v))
                .is_some_and(|earliest| slot.day() >= earliest),
            _ => true,
        };
        Ok(self
            .slots_of_dose(dose, from, to)
            .await?
            .into_iter()
            .filter(|s| s.admits(who.person, who.institution) && s.starts_at > now && allowed(s))
            .collect())
    }

    /// The slots of `day` a series of this person may start in (first-dose
    /// slots; with the first dose received elsewhere, second-dose slots
    /// from the day allowed), with whether they can book each now.
    pub async fn offers_on(&self, who: Booker<'_>, day: NaiveDate) -> Result<Vec<SlotOffer>> {
        let now = self.now();
        let to_book = self.to_book(who.person).await?;
        let slots = self.starting_slots(who, to_book, day, day).await?;
        Ok(slots
            .into_iter()
            .map(|slot| {
                let refusal = who
                    .check_slot(&slot, now)
                    .and_then(|()| who.check_deadline(slot.starts_at, now))
                    .err();
                SlotOffer {
                    free: slot.free_for(who.person.institution),
                    slot,
                    refusal,
                }
            })
            .collect())
    }

    /// The days ahead with slots a series of this person may start in
    /// (see [`Bookings::offers_on`]), and how many places they could book
    /// on each; none when both doses were received elsewhere.
    pub async fn days(&self, who: Booker<'_>) -> Result<Vec<DayOffer>> {
        let now = self.now();
        let today = tokyo_day(now);
        let last = today
            .checked_add_days(Days::new(HORIZON_DAYS))
            .unwrap_or(today);
        let to_book = self.to_book(who.person).await?;
        let mut days: BTreeMap<NaiveDate, DayOffer> = BTreeMap::new();
        for slot in self.starting_slots(who, to_book, today, last).await? {
            let day = days.entry(slot.day()).or_insert(DayOffer {
                day: slot.day(),
                bookable: 0,
                refusal: None,
            });
            match who
                .check_slot(&slot, now)
                .and_then(|()| who.check_deadline(slot.starts_at, now))
            {
                Ok(()) => day.bookable += slot.free_for(who.person.institution),
                Err(refusal) => {
                    let rank = |r: Option<Rejection>| match r {
                        Some(Rejection::DeadlinePassed) => 0,
                        Some(Rejection::SlotFull) => 1,
                        Some(_) => 2,
                        None => 3,
                    };
                    if rank(Some(refusal)) < rank(day.refusal) {
                        day.refusal = Some(refusal);
                    }
                }
            }
        }
        for day in days.values_mut() {
            if day.bookable > 0 {
                day.refusal = None;
            }
        }
        Ok(days.into_values().collect())
    }

    async fn slots_of_dose(
        &self,
        dose: DoseNumber,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Slot>> {
        let end = to.checked_add_days(Days::new(1)).unwrap_or(to);
        let query = SlotQuery {
            dose: Some(dose),
            ..SlotQuery::between(day_start(from), day_start(end))
        };
        self.find_slots(&query, Read::Shown).await
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

    /// Books a series starting with the first-dose slot `slot`; the second
    /// dose is booked with it at the same venue and time `interval` days
    /// later, or the nearest free slot that day, or nothing is booked. A
    /// person whose first dose was received elsewhere books the second
    /// dose alone (`slot` a second-dose slot from the day allowed); one
    /// with both doses elsewhere books nothing (`AlreadyVaccinated`).
    pub async fn book(
        &self,
        who: Booker<'_>,
        slot: SlotId,
        lanes: LaneChoice,
        idempotency: Option<Idempotency>,
        language: Language,
    ) -> Result<Booked> {
        self.book_with(who, slot, lanes, idempotency, language, None)
            .await
    }

    /// Books for the person as the office (`who` is [`Booker::office`]),
    /// with the office's audit entry in the booking's transaction.
    pub async fn book_on_behalf(
        &self,
        who: Booker<'_>,
        slot: SlotId,
        language: Language,
        audit: AuditEntry,
    ) -> Result<Booked> {
        self.book_with(who, slot, LaneChoice::AnyLane, None, language, Some(audit))
            .await
    }

    async fn book_with(
        &self,
        who: Booker<'_>,
        slot: SlotId,
        lanes: LaneChoice,
        idempotency: Option<Idempotency>,
        language: Language,
        audit: Option<AuditEntry>,
    ) -> Result<Booked> {
        let active = self.active_series(who.person).await?;
        let to_book = self.to_book(who.person).await?;
        let request = self
            .prepare_book(
                who,
                slot,
                lanes,
                (active.as_ref(), to_book),
                idempotency,
                language,
                audit,
            )
            .await?;
        Ok(self.store.book(&request).await?)
    }

    /// Whether a decision made on the view is to be made again on the
    /// rows: a refusal, as the view may be a moment behind a place just
    /// freed or added.
    fn ask_the_rows<T>(&self, decided: &Result<T>) -> bool {
        self.view.is_some()
            && matches!(
                decided,
                Err(BookingError::Rejected(_) | BookingError::NotFound)
            )
    }

    /// What booking `slot` for the person takes, decided by the rules but
    /// not yet made; `held` is the series the person holds now and what
    /// the doses they received elsewhere leave them to book.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn prepare_book(
        &self,
        who: Booker<'_>,
        slot: SlotId,
        lanes: LaneChoice,
        held: (Option<&Series>, ToBook),
        idempotency: Option<Idempotency>,
        language: Language,
        audit: Option<AuditEntry>,
    ) -> Result<NewSeries> {
        let on = |read| {
            self.prepare_book_from(
                read,
                who,
                slot,
                lanes,
                held,
                idempotency.clone(),
                language,
                audit.clone(),
            )
        };
        let decided = on(Read::Booking).await;
        if self.ask_the_rows(&decided) {
            return on(Read::Rows).await;
        }
        decided
    }

    /// [`Bookings::prepare_book`] on the slots as `read` gives them.
    #[allow(clippy::too_many_arguments)]
    async fn prepare_book_from(
        &self,
        read: Read,
        who: Booker<'_>,
        slot: SlotId,
        lanes: LaneChoice,
        held: (Option<&Series>, ToBook),
        idempotency: Option<Idempotency>,
        language: Language,
        audit: Option<AuditEntry>,
    ) -> Result<NewSeries> {
        let (active, to_book) = held;
        let now = self.now();
        let slot = self
            .find_slot(slot, read)
            .await?
            .ok_or(BookingError::NotFound)?;
        let catalog = self.catalog().await?;
        let vaccine = catalog
            .vaccine(slot.vaccine)
            .ok_or(BookingError::NotFound)?;
        match who.check_new_series_after(&slot, vaccine, active, to_book, now) {
            Ok(()) => {}
            Err(Rejection::SlotFull) if lanes == LaneChoice::AnyLane => {}
            // With a key, this may be the same request again: the store
            // replays a known key before it refuses a second series.
            Err(Rejection::AlreadyBooked) if idempotency.is_some() => {}
            Err(refusal) => return Err(refusal.into()),
        }
        let chosen = self.lanes_for(read, who, &slot, lanes, now).await?;
        let (first, second) = match to_book {
            // The second dose alone: the person's choice is its slot.
            ToBook::SecondDose { .. } => (Vec::new(), Some(chosen)),
            _ => (
                chosen,
                self.second_dose_candidates(read, who, &slot, &[]).await?,
            ),
        };
        Ok(NewSeries {
            person: who.person.id,
            vaccine: slot.vaccine,
            first,
            second,
            idempotency,
            language,
            audit,
            now,
        })
    }

    /// The slots to try for a choice of `slot`, best first.
    async fn lanes_for(
        &self,
        read: Read,
        who: Booker<'_>,
        slot: &Slot,
        lanes: LaneChoice,
        now: DateTime<Utc>,
    ) -> Result<Vec<SlotId>> {
        if lanes == LaneChoice::Exact {
            return Ok(vec![slot.id]);
        }
        let query = SlotQuery {
            dose: Some(slot.dose),
            venue: Some(slot.venue),
            vaccine: Some(slot.vaccine),
            ..SlotQuery::between(
                slot.starts_at,
                slot.starts_at + chrono::Duration::seconds(1),
            )
        };
        let mut same_time: Vec<Slot> = self
            .find_slots(&query, read)
            .await?
            .into_iter()
            .filter(|s| s.starts_at == slot.starts_at)
            .filter(|s| match who.check_slot(s, now) {
                Ok(()) => true,
                // The office leaves the count of places to the transaction:
                // a bulk fix may free a place before it takes one.
                Err(Rejection::SlotFull) => who.on_behalf,
                Err(_) => false,
            })
            .collect();
        if same_time.is_empty() {
            return Err(Rejection::SlotFull.into());
        }
        let institution = who.person.institution;
        same_time.sort_by_key(|s| (std::cmp::Reverse(s.free_for(institution)), s.lane));
        Ok(same_time.into_iter().map(|s| s.id).collect())
    }

    /// `None` for a single-dose vaccine; else the second-dose slots to try.
    async fn second_dose_candidates(
        &self,
        read: Read,
        who: Booker<'_>,
        first: &Slot,
        own: &[SlotId],
    ) -> Result<Option<Vec<SlotId>>> {
        let catalog = self.catalog().await?;
        let vaccine = catalog
            .vaccine(first.vaccine)
            .ok_or(BookingError::NotFound)?;
        let Some(interval) = vaccine.second_dose_after else {
            return Ok(None);
        };
        let Some(due) = first.day().checked_add_days(interval.as_days()) else {
            return Ok(Some(Vec::new()));
        };
        let next = due.checked_add_days(Days::new(1)).unwrap_or(due);
        let query = SlotQuery {
            dose: Some(DoseNumber::SECOND),
            venue: Some(first.venue),
            vaccine: Some(first.vaccine),
            ..SlotQuery::between(day_start(due), day_start(next))
        };
        let day_slots = self.find_slots(&query, read).await?;
        Ok(Some(
            who.second_dose_candidates(first, vaccine, &day_slots, own),
        ))
    }

    /// The person's own series with this number; another person's is "not
    /// found", so numbers cannot be probed.
    pub async fn own_series(&self, who: Booker<'_>, number: &ReservationNumber) -> Result<Series> {
        match self.store.series_by_number(number).await? {
            Some(series) if series.person == who.person.id => Ok(series),
            _ => Err(BookingError::NotFound),
        }
    }

    /// Moves the series to `slot`: a first-dose slot moves the whole series
    /// (the second dose follows the vaccine's interval); a second-dose slot
    /// moves only the second dose.
    pub async fn change(
        &self,
        who: Booker<'_>,
        number: &ReservationNumber,
        slot: SlotId,
        lanes: LaneChoice,
        language: Language,
    ) -> Result<Series> {
        self.change_with(who, number, slot, lanes, language, None)
            .await
    }

    /// Moves the series as the office (`who` is [`Booker::office`]: after
    /// the deadline too), with the office's audit entry in the same
    /// transaction. The person gets the usual mail.
    pub async fn change_on_behalf(
        &self,
        who: Booker<'_>,
        number: &ReservationNumber,
        slot: SlotId,
        language: Language,
        audit: AuditEntry,
    ) -> Result<Series> {
        self.change_with(
            who,
            number,
            slot,
            LaneChoice::AnyLane,
            language,
            Some(audit),
        )
        .await
    }

    async fn change_with(
        &self,
        who: Booker<'_>,
        number: &ReservationNumber,
        slot: SlotId,
        lanes: LaneChoice,
        language: Language,
        audit: Option<AuditEntry>,
    ) -> Result<Series> {
        let series = self.own_series(who, number).await?;
        match self
            .prepare_change(who, &series, slot, lanes, language, audit)
            .await?
        {
            Some(request) => Ok(self.store.reschedule(&request).await?),
            None => Ok(series),
        }
    }

    /// What moving `series` to `slot` takes, decided by the rules but not
    /// yet made; `None` when it is there already.
    pub(crate) async fn prepare_change(
        &self,
        who: Booker<'_>,
        series: &Series,
        slot: SlotId,
        lanes: LaneChoice,
        language: Language,
        audit: Option<AuditEntry>,
    ) -> Result<Option<Reschedule>> {
        who.check_changeable(series, self.now())?;
        let on = |read| {
            self.prepare_change_from(read, who, series, slot, lanes, language, audit.clone())
        };
        let decided = on(Read::Booking).await;
        if self.ask_the_rows(&decided) {
            return on(Read::Rows).await;
        }
        decided
    }

    /// [`Bookings::prepare_change`] on the slots as `read` gives them.
    #[allow(clippy::too_many_arguments)]
    async fn prepare_change_from(
        &self,
        read: Read,
        who: Booker<'_>,
        series: &Series,
        slot: SlotId,
        lanes: LaneChoice,
        language: Language,
        audit: Option<AuditEntry>,
    ) -> Result<Option<Reschedule>> {
        let now = self.now();
        let target = self
            .find_slot(slot, read)
            .await?
            .ok_or(BookingError::NotFound)?;
        if let Some(held) = series.doses.iter().find(|d| d.number == target.dose) {
            let same_time = held.starts_at == target.starts_at && held.venue == target.venue;
            if held.slot == target.id || (lanes == LaneChoice::AnyLane && same_time) {
                return Ok(None);
            }
        }
        if target.vaccine != series.vaccine {
            return Err(Rejection::OtherVaccine.into());
        }
        let moves = if target.dose == DoseNumber::FIRST {
            // A series of the second dose alone has no first dose to move.
            if series.dose(DoseNumber::FIRST).is_none() {
                return Err(Rejection::SecondDoseOnly.into());
            }
            match who.check_slot(&target, now) {
                Err(Rejection::SlotFull) if lanes == LaneChoice::AnyLane => {}
                other => other?,
            }
            who.check_deadline(target.starts_at, now)?;
            let own: Vec<SlotId> = series.doses.iter().map(|d| d.slot).collect();
            let mut moves = vec![DoseMove {
                dose: DoseNumber::FIRST,
                candidates: self.lanes_for(read, who, &target, lanes, now).await?,
                when_full: Rejection::SlotFull,
            }];
            if let Some(candidates) = self
                .second_dose_candidates(read, who, &target, &own)
                .await?
            {
                moves.push(DoseMove {
                    dose: DoseNumber::SECOND,
                    candidates,
                    when_full: Rejection::NoSecondDoseSlot,
                });
            }
            moves
        } else {
            let catalog = self.catalog().await?;
            let vaccine = catalog
                .vaccine(series.vaccine)
                .ok_or(BookingError::NotFound)?;
            // The first dose's day: the series' own, or the day it was
            // received elsewhere for a series of the second dose alone.
            let first_day = match series.dose(DoseNumber::FIRST) {
                Some(first) => Some(first.day()),
                None => match ToBook::after(&self.store.elsewhere_doses_of(series.person).await?) {
                    ToBook::SecondDose { first_given_on } => Some(first_given_on),
                    ToBook::BothDoses | ToBook::Nothing => None,
                },
            };
            match who.check_second_dose_slot_after(series, vaccine, &target, first_day, now) {
                Err(Rejection::SlotFull) if lanes == LaneChoice::AnyLane => {}
                other => other?,
            }
            vec![DoseMove {
                dose: DoseNumber::SECOND,
                candidates: self.lanes_for(read, who, &target, lanes, now).await?,
                when_full: Rejection::SlotFull,
            }]
        };
        Ok(Some(Reschedule {
            series: series.id,
            moves,
            language,
            audit,
            now,
        }))
    }

    /// Cancels the person's series and frees its places. Cancelling again
    /// returns the cancelled series.
    pub async fn cancel(
        &self,
        who: Booker<'_>,
        number: &ReservationNumber,
        language: Language,
    ) -> Result<Series> {
        let now = self.now();
        let series = self.own_series(who, number).await?;
        if !series.is_active() {
            return Ok(series);
        }
        who.check_changeable(&series, now)?;
        Ok(self.store.cancel(series.id, language, now).await?)
    }
}
