//! Appointment slots (予約枠), their places and the quotas of institutions.

use crate::{NewSlot, SlotChange, SlotChanged, SlotDeleted, SlotQuery, StoreResult};
use chrono::NaiveDate;
use sesshu_domain::{AuditEntry, InstitutionId, Slot, SlotId, VenueId};

#[async_trait::async_trait]
pub trait SlotStore: Send + Sync {
    /// Slots starting in `[query.from, query.to)`, in start order.
    async fn slots(&self, query: &SlotQuery) -> StoreResult<Vec<Slot>>;
    async fn slot(&self, id: SlotId) -> StoreResult<Option<Slot>>;
    /// Inserts all slots in one transaction, or none.
    async fn insert_slots(&self, new: &[NewSlot]) -> StoreResult<Vec<SlotId>>;
    /// Changes a slot's capacity, closing and eligibility with its audit
    /// entry, unless the capacity would fall below the places booked or a
    /// slot with bookings would close (then nothing changes).
    async fn change_slot(
        &self,
        slot: SlotId,
        change: &SlotChange,
        audit: &AuditEntry,
    ) -> StoreResult<SlotChanged>;
    /// The quotas of a day at a venue: per institution, its places and how
    /// many its people hold there that day (any dose).
    async fn day_quotas(
        &self,
        venue: VenueId,
        day: NaiveDate,
    ) -> StoreResult<Vec<(InstitutionId, u32, u32)>>;
    /// Replaces a day's quotas at a venue with their audit entry, unless a
    /// quota would fall below what the institution's people hold (then
    /// nothing changes). Waits for bookings of that day in flight.
    async fn set_day_quotas(
        &self,
        venue: VenueId,
        day: NaiveDate,
        quotas: &std::collections::BTreeMap<InstitutionId, u32>,
        audit: &AuditEntry,
    ) -> StoreResult<SlotChanged>;
    /// Deletes a slot nobody holds or held a place in, with its audit entry,
    /// under the slot row's lock (a booking cannot slip in).
    async fn delete_slot(&self, slot: SlotId, audit: &AuditEntry) -> StoreResult<SlotDeleted>;
    /// Inserts slots and their audit entry in one transaction (the office's
    /// slot generator): all of them, or none.
    async fn create_slots(&self, new: &[NewSlot], audit: &AuditEntry) -> StoreResult<Vec<SlotId>>;
}
