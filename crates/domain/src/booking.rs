//! The booking rules: who may book which slot, when, and where the second
//! dose goes.
//!
//! These functions decide; they never write. The store then applies a
//! decision in one transaction that re-checks capacity atomically, so a
//! decision made on a slightly old snapshot can fail (`slot_full`) but can
//! never overbook.

use crate::elsewhere::ElsewhereDose;
use crate::{
    DoseNumber, Institution, Language, Person, Series, SeriesState, Slot, SlotId, Vaccine,
};
use chrono::{DateTime, NaiveDate, Utc};

/// Why a booking, change or cancellation is refused. Each has a stable
/// machine code (the API's `code`) and a message in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the slot has no free place")]
    SlotFull,
    #[error("the person already has an active reservation")]
    AlreadyBooked,
    #[error("the change deadline has passed")]
    DeadlinePassed,
    #[error("the person may not book this slot")]
    NotEligible,
    #[error("booking for this slot has not opened yet")]
    NotOpenYet,
    #[error("the slot is closed")]
    SlotClosed,
    #[error("a series starts with a first-dose slot")]
    NotFirstDose,
    #[error("no second-dose slot is free on the due day")]
    NoSecondDoseSlot,
    #[error("the second dose would come before the vaccine's interval")]
    IntervalNotMet,
    #[error("the slot is for another vaccine")]
    OtherVaccine,
    #[error("the series is not active")]
    NotActive,
    #[error("both doses were received elsewhere")]
    AlreadyVaccinated,
    #[error("the first dose was received elsewhere: a series starts with a second-dose slot")]
    SecondDoseOnly,
}

impl Rejection {
    /// The stable machine code of the API.
    pub fn code(self) -> &'static str {
        match self {
            Rejection::SlotFull => "slot_full",
            Rejection::AlreadyBooked => "already_booked",
            Rejection::DeadlinePassed => "deadline_passed",
            Rejection::NotEligible => "not_eligible",
            Rejection::NotOpenYet => "not_open_yet",
            Rejection::SlotClosed => "slot_closed",
            Rejection::NotFirstDose => "not_first_dose",
            Rejection::NoSecondDoseSlot => "no_second_dose_slot",
            Rejection::IntervalNotMet => "interval_not_met",
            Rejection::OtherVaccine => "other_vaccine",
            Rejection::NotActive => "not_active",
            Rejection::AlreadyVaccinated => "already_vaccinated",
            Rejection::SecondDoseOnly => "second_dose_only",
        }
    }

    /// Every rejection, for tests and for parsing codes back.
    pub const ALL: [Rejection; 13] = [
        Rejection::SlotFull,
        Rejection::AlreadyBooked,
        Rejection::DeadlinePassed,
        Rejection::NotEligible,
        Rejection::NotOpenYet,
        Rejection::SlotClosed,
        Rejection::NotFirstDose,
        Rejection::NoSecondDoseSlot,
        Rejection::IntervalNotMet,
        Rejection::OtherVaccine,
        Rejection::NotActive,
        Rejection::AlreadyVaccinated,
        Rejection::SecondDoseOnly,
    ];

    /// The rejection with this machine code.
    pub fn from_code(code: &str) -> Option<Rejection> {
        Rejection::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What the person reads.
    pub fn message(self, lang: Language) -> &'static str {
        use Language::{En, Ja};
        match (self, lang) {
            (Rejection::SlotFull, Ja) => "この時間枠は満員になりました。別の時間を選んでください。",
            (Rejection::SlotFull, En) => {
                "This time has just filled up. Please choose another time."
            }
            (Rejection::AlreadyBooked, Ja) => {
                "すでに予約があります。変更する場合は「予約の確認」から変更してください。"
            }
            (Rejection::AlreadyBooked, En) => {
                "You already have a reservation. To change it, go to \"My reservation\"."
            }
            (Rejection::DeadlinePassed, Ja) => {
                "変更・取消の締切を過ぎています。変更は事務局にお問い合わせください。"
            }
            (Rejection::DeadlinePassed, En) => {
                "The deadline for changes has passed. Please contact the office to change it."
            }
            (Rejection::NotEligible, Ja) => "この時間枠は予約の対象外です。",
            (Rejection::NotEligible, En) => "You are not eligible for this time.",
            (Rejection::NotOpenYet, Ja) => "この時間枠の予約受付はまだ始まっていません。",
            (Rejection::NotOpenYet, En) => "Booking for this time has not opened yet.",
            (Rejection::SlotClosed, Ja) => "この時間枠は受付を終了しました。",
            (Rejection::SlotClosed, En) => "This time is closed for booking.",
            (Rejection::NotFirstDose, Ja) => "1回目の接種枠を選んでください。",
            (Rejection::NotFirstDose, En) => "Please choose a time for the first dose.",
            (Rejection::NoSecondDoseSlot, Ja) => {
                "2回目の接種日に空きがないため、予約できませんでした。別の日を選んでください。"
            }
            (Rejection::NoSecondDoseSlot, En) => {
                "There is no free place for the second dose on its due day, so nothing was booked. Please choose another day."
            }
            (Rejection::IntervalNotMet, Ja) => {
                "2回目は1回目から規定の間隔をあけた日以降を選んでください。"
            }
            (Rejection::IntervalNotMet, En) => {
                "The second dose must be on or after the day the vaccine's interval allows."
            }
            (Rejection::OtherVaccine, Ja) => "この時間枠は別のワクチンの枠です。",
            (Rejection::OtherVaccine, En) => "This time is for another vaccine.",
            (Rejection::NotActive, Ja) => "この予約は取り消されています。",
            (Rejection::NotActive, En) => "This reservation has been cancelled.",
            (Rejection::AlreadyVaccinated, Ja) => {
                "2回とも他所で接種済みのため、予約するものはありません。"
            }
            (Rejection::AlreadyVaccinated, En) => {
                "Both doses were received elsewhere: there is nothing left to book."
            }
            (Rejection::SecondDoseOnly, Ja) => {
                "1回目は他所で接種済みです。2回目の接種枠を選んでください。"
            }
            (Rejection::SecondDoseOnly, En) => {
                "Your first dose was received elsewhere. Please choose a time for the second dose."
            }
        }
    }
}

/// What a person may still book here, from the doses they received
/// elsewhere. A declared dose counts at once, before the office confirms
/// it (the office may correct it; see `docs/elsewhere.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToBook {
    /// Nothing received elsewhere: a series of both doses, starting with a
    /// first-dose slot.
    BothDoses,
    /// The first dose was given elsewhere on `first_given_on`: a series of
    /// the second dose alone, in a second-dose slot on or after that day
    /// plus the vaccine's interval.
    SecondDose { first_given_on: NaiveDate },
    /// Both doses were given elsewhere (or the second, which ends a
    /// series): nothing more.
    Nothing,
}

impl ToBook {
    /// What the doses received elsewhere leave to book.
    pub fn after(elsewhere: &[ElsewhereDose]) -> Self {
        let given = |n: DoseNumber| elsewhere.iter().find(|d| d.dose == n);
        match (given(DoseNumber::FIRST), given(DoseNumber::SECOND)) {
            (_, Some(_)) => ToBook::Nothing,
            (Some(first), None) => ToBook::SecondDose {
                first_given_on: first.given_on,
            },
            (None, None) => ToBook::BothDoses,
        }
    }

    /// The dose a new series starts with; `None` when there is nothing to
    /// book.
    pub fn starts_with(self) -> Option<DoseNumber> {
        match self {
            ToBook::BothDoses => Some(DoseNumber::FIRST),
            ToBook::SecondDose { .. } => Some(DoseNumber::SECOND),
            ToBook::Nothing => None,
        }
    }

    /// The first day a second dose of `vaccine` may be on, when the first
    /// was given elsewhere; `None` otherwise, or for a single-dose vaccine.
    pub fn second_dose_from(self, vaccine: &Vaccine) -> Option<NaiveDate> {
        match self {
            ToBook::SecondDose { first_given_on } => {
                first_given_on.checked_add_days(vaccine.second_dose_after?.as_days())
            }
            ToBook::BothDoses | ToBook::Nothing => None,
        }
    }
}

/// Who is asking, with the rules of their institution.
#[derive(Clone, Copy, Debug)]
pub struct Booker<'a> {
    pub person: &'a Person,
    pub institution: &'a Institution,
    /// The office acts for the person (a phone call): the change deadline
    /// and the slot's opening time do not hold it back. Eligibility, closed
    /// slots and free places still do.
    pub on_behalf: bool,
}

impl<'a> Booker<'a> {
    /// The person themselves.
    pub fn person(person: &'a Person, institution: &'a Institution) -> Self {
        Self {
            person,
            institution,
            on_behalf: false,
        }
    }

    /// The office, for the person.
    pub fn office(person: &'a Person, institution: &'a Institution) -> Self {
        Self {
            person,
            institution,
            on_behalf: true,
        }
    }
}

impl Booker<'_> {
    /// May this person take a place in `slot` at `now`? This checks the slot
    /// itself: eligibility, closure, opening time, and (as an early answer)
    /// free places. The deadline is a property of the series, see
    /// [`Booker::check_deadline`].
    pub fn check_slot(&self, slot: &Slot, now: DateTime<Utc>) -> Result<(), Rejection> {
        if !slot.admits(self.person, self.institution) {
            return Err(Rejection::NotEligible);
        }
        if slot.closed || slot.starts_at <= now {
            return Err(Rejection::SlotClosed);
        }
        if now < slot.opens_at && !self.on_behalf {
            return Err(Rejection::NotOpenYet);
        }
        if slot.free_for(self.person.institution) == 0 {
            return Err(Rejection::SlotFull);
        }
        Ok(())
    }

    /// Is a series whose first appointment is at `first` still the person's
    /// to book, change or cancel at `now`?
    pub fn check_deadline(
        &self,
        first: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), Rejection> {
        if self.on_behalf || self.institution.deadline.allows_change(first, now) {
            Ok(())
        } else {
            Err(Rejection::DeadlinePassed)
        }
    }

    /// May the person start a new series with `slot`? `active` is their
    /// current active series, if any.
    pub fn check_new_series(
        &self,
        slot: &Slot,
        active: Option<&Series>,
        now: DateTime<Utc>,
    ) -> Result<(), Rejection> {
        if active.is_some() {
            return Err(Rejection::AlreadyBooked);
        }
        if slot.dose != DoseNumber::FIRST {
            return Err(Rejection::NotFirstDose);
        }
        self.check_slot(slot, now)?;
        self.check_deadline(slot.starts_at, now)
    }

    /// May the person start a new series with `slot` (of `vaccine`), given
    /// what the doses they received elsewhere leave them to book? With the
    /// first dose elsewhere the series is the second dose alone, in a
    /// second-dose slot on or after the day the vaccine's interval allows;
    /// with both, nothing is booked.
    pub fn check_new_series_after(
        &self,
        slot: &Slot,
        vaccine: &Vaccine,
        active: Option<&Series>,
        to_book: ToBook,
        now: DateTime<Utc>,
    ) -> Result<(), Rejection> {
        match to_book {
            ToBook::BothDoses => self.check_new_series(slot, active, now),
            _ if active.is_some() => Err(Rejection::AlreadyBooked),
            ToBook::Nothing => Err(Rejection::AlreadyVaccinated),
            ToBook::SecondDose { .. } => {
                if slot.dose != DoseNumber::SECOND {
                    return Err(Rejection::SecondDoseOnly);
                }
                if slot.vaccine != vaccine.id {
                    return Err(Rejection::OtherVaccine);
                }
                match to_book.second_dose_from(vaccine) {
                    Some(earliest) if slot.day() >= earliest => {}
                    _ => return Err(Rejection::IntervalNotMet),
                }
                self.check_slot(slot, now)?;
                self.check_deadline(slot.starts_at, now)
            }
        }
    }

    /// May the person still change or cancel `series` themselves?
    pub fn check_changeable(&self, series: &Series, now: DateTime<Utc>) -> Result<(), Rejection> {
        if series.state != SeriesState::Booked {
            return Err(Rejection::NotActive);
        }
        match series.first_appointment() {
            Some(first) => self.check_deadline(first, now),
            None => Err(Rejection::NotActive),
        }
    }

    /// The second-dose slots to try, best first, for a series whose first
    /// dose is `first`.
    ///
    /// The second dose is due `interval` days after the first, at the same
    /// venue. The best slot starts at the same time; if that is full, the
    /// nearest free slot on the due day (the earlier one on a tie). An empty
    /// list means no slot can take it; for a single-dose vaccine callers do
    /// not ask (see [`Vaccine::second_dose_after`]).
    ///
    /// `day_slots` are the second-dose slots of the due day as last read;
    /// `own` are slots where this person already holds a place that the
    /// booking will release (when changing), counted as free. For the
    /// office every slot counts as free: its bulk fixes may free places
    /// before they take them, and the transaction has the last word.
    pub fn second_dose_candidates(
        &self,
        first: &Slot,
        vaccine: &Vaccine,
        day_slots: &[Slot],
        own: &[SlotId],
    ) -> Vec<SlotId> {
        let Some(interval) = vaccine.second_dose_after else {
            return Vec::new();
        };
        let Some(target) = first.starts_at.checked_add_days(interval.as_days()) else {
            return Vec::new();
        };
        let due_day = match first.day().checked_add_days(interval.as_days()) {
            Some(d) => d,
            None => return Vec::new(),
        };
        let mut candidates: Vec<&Slot> = day_slots
            .iter()
            .filter(|s| {
                s.dose == DoseNumber::SECOND
                    && s.vaccine == first.vaccine
                    && s.venue == first.venue
                    && s.day() == due_day
                    && !s.closed
                    && s.admits(self.person, self.institution)
                    && (s.free() > 0 || own.contains(&s.id) || self.on_behalf)
            })
            .collect();
        candidates.sort_by_key(|s| {
            let distance = (s.starts_at - target).num_seconds().unsigned_abs();
            (distance, s.starts_at, s.lane)
        });
        candidates.into_iter().map(|s| s.id).collect()
    }

    /// May `slot` (a second-dose slot) hold the second dose of `series`? It
    /// must be of the same vaccine, on or after the day the interval allows.
    pub fn check_second_dose_slot(
        &self,
        series: &Series,
        vaccine: &Vaccine,
        slot: &Slot,
        now: DateTime<Utc>,
    ) -> Result<(), Rejection> {
        let first = series.dose(DoseNumber::FIRST).map(crate::Dose::day);
        self.check_second_dose_slot_after(series, vaccine, slot, first, now)
    }

    /// As [`Booker::check_second_dose_slot`], with the day of the first
    /// dose given: the series' own, or — for a series of the second dose
    /// alone — the day it was received elsewhere (`None`: unknown, and no
    /// slot is allowed).
    pub fn check_second_dose_slot_after(
        &self,
        series: &Series,
        vaccine: &Vaccine,
        slot: &Slot,
        first_day: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> Result<(), Rejection> {
        if slot.vaccine != series.vaccine {
            return Err(Rejection::OtherVaccine);
        }
        let (Some(first), Some(interval)) = (first_day, vaccine.second_dose_after) else {
            return Err(Rejection::IntervalNotMet);
        };
        let earliest = first.checked_add_days(interval.as_days());
        if earliest.is_none_or(|day| slot.day() < day) {
            return Err(Rejection::IntervalNotMet);
        }
        if !slot.admits(self.person, self.institution) {
            return Err(Rejection::NotEligible);
        }
        if slot.closed || slot.starts_at <= now {
            return Err(Rejection::SlotClosed);
        }
        if slot.free() == 0 {
            return Err(Rejection::SlotFull);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
