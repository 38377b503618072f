//! What a person can book: the open slots, the days and slots a series may start in.

use super::{Bookings, DayOffer, HORIZON_DAYS, Read, Result, SlotOffer};
use chrono::{Days, NaiveDate};
use sesshu_domain::booking::Booker;
use sesshu_domain::{
    DoseNumber, InstitutionId, Person, Rejection, Slot, Subject, ToBook, day_start, tokyo_day,
};
use sesshu_store::SlotQuery;
use std::collections::BTreeMap;
use std::sync::Arc;

impl Bookings {
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
}
