//! The slots a booking or a change tries: the lanes at the chosen time, the second dose's.

use super::{BookingError, Bookings, LaneChoice, Read, Result};
use chrono::{DateTime, Days, Utc};
use sesshu_domain::booking::Booker;
use sesshu_domain::{DoseNumber, Rejection, Slot, SlotId, day_start};
use sesshu_store::SlotQuery;

impl Bookings {
    /// Whether a decision made on the view is to be made again on the
    /// rows: a refusal, as the view may be a moment behind a place just
    /// freed or added.
    pub(super) fn ask_the_rows<T>(&self, decided: &Result<T>) -> bool {
        self.view.is_some()
            && matches!(
                decided,
                Err(BookingError::Rejected(_) | BookingError::NotFound)
            )
    }

    /// The slots to try for a choice of `slot`, best first.
    pub(super) async fn lanes_for(
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
    pub(super) async fn second_dose_candidates(
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
}
