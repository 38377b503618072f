//! Booking a series, for the person or on their behalf: the request the rules decide.

use super::{BookingError, Bookings, LaneChoice, Read, Result, counted};
use sesshu_domain::booking::Booker;
use sesshu_domain::{AuditEntry, Language, Rejection, Series, SlotId, ToBook};
use sesshu_store::{Booked, Idempotency, NewSeries};

impl Bookings {
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
        let outcome = async {
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
        .await;
        counted("book", "booked", outcome)
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
}
