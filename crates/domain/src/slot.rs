//! Appointment slots (予約枠) and who may book them.

use crate::{
    DoseNumber, Institution, InstitutionId, LaneId, Person, SlotId, TOKYO, UserType, VaccineId,
    VenueId,
};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// Which people a slot is for. An empty set means "no restriction".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotEligibility {
    pub institutions: BTreeSet<InstitutionId>,
    pub user_types: BTreeSet<UserType>,
}

impl SlotEligibility {
    pub fn admits(&self, person: &Person) -> bool {
        (self.institutions.is_empty() || self.institutions.contains(&person.institution))
            && (self.user_types.is_empty()
                || person
                    .user_type
                    .is_some_and(|t| self.user_types.contains(&t)))
    }
}

/// A slot: a time on one lane for one dose of one vaccine, with a capacity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub id: SlotId,
    pub venue: VenueId,
    pub lane: LaneId,
    pub vaccine: VaccineId,
    pub dose: DoseNumber,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: u32,
    /// Active reservations holding a place; never above `capacity`.
    pub booked: u32,
    /// People may book from this instant on.
    pub opens_at: DateTime<Utc>,
    /// Closed by the office: nobody books it.
    pub closed: bool,
    pub eligibility: SlotEligibility,
    /// Places an institution's people may hold at most (an allocation as
    /// the supply arrives); institutions without a quota are capped only by
    /// the capacity. The booking transaction enforces it.
    pub quotas: BTreeMap<InstitutionId, Quota>,
}

/// An institution's quota in a slot, and the places its people hold there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quota {
    pub places: u32,
    pub held: u32,
}

impl Slot {
    pub fn free(&self) -> u32 {
        self.capacity.saturating_sub(self.booked)
    }

    /// The free places a person of `institution` may take: the slot's, or
    /// fewer when the institution's quota there is nearly used.
    pub fn free_for(&self, institution: InstitutionId) -> u32 {
        match self.quotas.get(&institution) {
            Some(q) => self.free().min(q.places.saturating_sub(q.held)),
            None => self.free(),
        }
    }

    /// The Asia/Tokyo date of the slot.
    pub fn day(&self) -> NaiveDate {
        self.starts_at.with_timezone(&TOKYO).date_naive()
    }

    /// Whether this person may book this slot at all: their institution must
    /// admit their user type, and the slot must admit them.
    pub fn admits(&self, person: &Person, institution: &Institution) -> bool {
        person.institution == institution.id
            && person
                .user_type
                .is_some_and(|t| institution.eligible_user_types.contains(&t))
            && self.eligibility.admits(person)
    }
}
