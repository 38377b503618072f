//! The sums of the dashboards' rows: per institution, department, voucher, slot and day.

use super::rate::{Rate, Rated};
use chrono::NaiveDate;
use sesshu_domain::tokyo_day;
use sesshu_store::{DepartmentRates, MemberRates, SlotRates, VoucherRates};

/// The sums of [`MemberRates`] rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemberTotals {
    pub members: u64,
    pub reserved: u64,
    pub first_dose: u64,
    pub second_dose: u64,
    pub completed: u64,
}

impl MemberTotals {
    pub fn of(rows: &[MemberRates]) -> Self {
        rows.iter().fold(Self::default(), |t, r| Self {
            members: t.members + r.members,
            reserved: t.reserved + r.reserved,
            first_dose: t.first_dose + r.first_dose,
            second_dose: t.second_dose + r.second_dose,
            completed: t.completed + r.completed,
        })
    }
}

impl Rated for MemberTotals {
    fn rate(&self) -> Rate {
        Rate::of(self.completed, self.members)
    }
}

/// The sums of [`DepartmentRates`] rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DepartmentTotals {
    pub members: u64,
    pub eligible: u64,
    pub here: u64,
    pub elsewhere: u64,
    pub elsewhere_confirmed: u64,
}

impl DepartmentTotals {
    pub fn of(rows: &[DepartmentRates]) -> Self {
        rows.iter().fold(Self::default(), |t, r| Self {
            members: t.members + r.members,
            eligible: t.eligible + r.eligible,
            here: t.here + r.here,
            elsewhere: t.elsewhere + r.elsewhere,
            elsewhere_confirmed: t.elsewhere_confirmed + r.elsewhere_confirmed,
        })
    }
}

impl Rated for DepartmentTotals {
    fn rate(&self) -> Rate {
        Rate::of(self.here + self.elsewhere, self.eligible)
    }
}

/// The sums of [`VoucherRates`] rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VoucherTotals {
    pub vaccinated: u64,
    pub collected: u64,
    pub missing: u64,
    pub missing_number_given: u64,
}

impl VoucherTotals {
    pub fn of(rows: &[VoucherRates]) -> Self {
        rows.iter().fold(Self::default(), |t, r| Self {
            vaccinated: t.vaccinated + r.vaccinated,
            collected: t.collected + r.collected,
            missing: t.missing + r.missing,
            missing_number_given: t.missing_number_given + r.missing_number_given,
        })
    }
}

impl Rated for VoucherTotals {
    fn rate(&self) -> Rate {
        Rate::of(self.collected, self.vaccinated)
    }
}

/// The sums of slots' rows: a day's, or the whole campaign's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlotTotals {
    pub slots: u64,
    pub places: u64,
    pub booked: u64,
    pub free: u64,
    pub checked_in: u64,
    pub no_shows: u64,
    pub not_checked_in: u64,
}

impl SlotTotals {
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a SlotRates>) -> Self {
        rows.into_iter().fold(Self::default(), |t, r| Self {
            slots: t.slots + 1,
            places: t.places + u64::from(r.places),
            booked: t.booked + u64::from(r.booked),
            free: t.free + u64::from(r.free),
            checked_in: t.checked_in + r.checked_in,
            no_shows: t.no_shows + r.no_shows,
            not_checked_in: t.not_checked_in + r.not_checked_in,
        })
    }
}

impl Rated for SlotTotals {
    /// Booked of the places.
    fn rate(&self) -> Rate {
        Rate::of(self.booked, self.places)
    }
}

/// One day's slots (Asia/Tokyo), summed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayRates {
    pub day: NaiveDate,
    pub totals: SlotTotals,
}

/// The slot's day in Tokyo.
pub fn slot_day(slot: &SlotRates) -> NaiveDate {
    tokyo_day(slot.starts_at)
}

impl SlotTotals {
    pub(super) fn plus(self, other: Self) -> Self {
        Self {
            slots: self.slots + other.slots,
            places: self.places + other.places,
            booked: self.booked + other.booked,
            free: self.free + other.free,
            checked_in: self.checked_in + other.checked_in,
            no_shows: self.no_shows + other.no_shows,
            not_checked_in: self.not_checked_in + other.not_checked_in,
        }
    }
}
