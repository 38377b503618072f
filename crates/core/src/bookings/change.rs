//! Changing and cancelling a series, for the person or on their behalf.

use super::{BookingError, Bookings, LaneChoice, Read, Result, counted};
use sesshu_domain::booking::Booker;
use sesshu_domain::{
    AuditEntry, DoseNumber, Language, Rejection, ReservationNumber, Series, SlotId, ToBook,
};
use sesshu_store::{DoseMove, Reschedule};

impl Bookings {
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
        let outcome = async {
            let series = self.own_series(who, number).await?;
            match self
                .prepare_change(who, &series, slot, lanes, language, audit)
                .await?
            {
                Some(request) => Ok(self.store.reschedule(&request).await?),
                None => Ok(series),
            }
        }
        .await;
        counted("change", "changed", outcome)
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
        let outcome = async {
            let now = self.now();
            let series = self.own_series(who, number).await?;
            if !series.is_active() {
                return Ok(series);
            }
            who.check_changeable(&series, now)?;
            Ok(self.store.cancel(series.id, language, now).await?)
        }
        .await;
        counted("cancel", "cancelled", outcome)
    }
}
