//! The vaccination rates (接種率): aggregates over the records the lists
//! read, each counted by the database (`GROUP BY`), never by walking
//! people here. No row names anyone: counts per institution, user type,
//! department, slot and day.
//!
//! The counting rules (who is a member, when a dose counts, what a no-show
//! is) are written once, in the statements of `crates/store-sql/src/rates.rs`,
//! and explained in `docs/rates.md`.

use crate::StoreResult;
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::{DepartmentCode, DoseNumber, InstitutionId, LaneId, SlotId, UserType, VenueId};

/// Whom an institution's rows count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Population {
    /// Its roster: the members of its built-in directory that are not
    /// disabled (the institution has a roster).
    Roster,
    /// The people seen by a login (the institution has no roster here: its
    /// own LDAP server, GakuNin, or a hosted directory).
    Logins,
}

impl Population {
    /// The stored and exported code.
    pub fn code(self) -> &'static str {
        match self {
            Population::Roster => "roster",
            Population::Logins => "logins",
        }
    }
}

/// One institution's people of one user type (`None`: the login did not
/// say), each person counted once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRates {
    pub institution: InstitutionId,
    pub user_type: Option<UserType>,
    pub population: Population,
    pub members: u64,
    /// With an active (booked) reservation.
    pub reserved: u64,
    /// Given at least one dose, here or elsewhere (a second dose implies
    /// the first).
    pub first_dose: u64,
    /// Given a second dose, here or elsewhere.
    pub second_dose: u64,
    /// Fully vaccinated: a second dose, or the one dose of a vaccine that
    /// has no second.
    pub completed: u64,
}

/// A department's name as the institution master has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentName {
    pub ja: String,
    pub en: String,
}

/// The roster members of one department of an institution with a roster
/// (`department: None`: members without one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentRates {
    pub institution: InstitutionId,
    pub department: Option<DepartmentCode>,
    /// `None` when the master has no department of that code.
    pub name: Option<DepartmentName>,
    /// Members not disabled.
    pub members: u64,
    /// Of those, of a user type the institution admits: the denominator.
    pub eligible: u64,
    /// Eligible members fully vaccinated whose last dose was given here.
    pub here: u64,
    /// Eligible members fully vaccinated by a dose recorded elsewhere
    /// (declared, entered or imported), not here.
    pub elsewhere: u64,
    /// Of `elsewhere`, those whose dose elsewhere the office confirmed.
    pub elsewhere_confirmed: u64,
}

/// One slot's places and what became of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRates {
    pub slot: SlotId,
    pub venue: VenueId,
    pub lane: LaneId,
    pub dose: DoseNumber,
    pub starts_at: DateTime<Utc>,
    pub closed: bool,
    /// The slot's capacity.
    pub places: u32,
    /// Places held: the slot's count; limited to an institution, those its
    /// people hold (active reservations, and doses they were checked in
    /// for).
    pub booked: u32,
    /// The slot's free places (shared by every institution it admits); a
    /// closed slot has none.
    pub free: u32,
    /// Doses checked in.
    pub checked_in: u64,
    /// Doses missed whose reservation the no-show batch cancelled.
    pub no_shows: u64,
    /// Doses of active reservations whose slot has started and that are
    /// not checked in (yet): the no-shows to come unless the desk checks
    /// them in.
    pub not_checked_in: u64,
}

/// A day of the campaign (Asia/Tokyo).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CampaignDay {
    pub day: NaiveDate,
    /// Reservations made that day (cancelled later or not).
    pub bookings: u64,
    /// Doses given here that day.
    pub vaccinations: u64,
}

/// One institution's doses given here and their vouchers (接種券).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoucherRates {
    pub institution: InstitutionId,
    /// Doses given here.
    pub vaccinated: u64,
    /// Of those, whose voucher the desk collected.
    pub collected: u64,
    /// Of those, whose voucher is not collected: the missing-vouchers
    /// list's lines.
    pub missing: u64,
    /// Of `missing`, whose number was given (online or at the desk).
    pub missing_number_given: u64,
}

#[async_trait::async_trait]
pub trait RateStore: Send + Sync {
    /// Every institution's (or one's) people per user type, in institution
    /// then user type order.
    async fn member_rates(
        &self,
        institution: Option<InstitutionId>,
    ) -> StoreResult<Vec<MemberRates>>;

    /// The departments of every institution with a roster (or of one), in
    /// institution then department code order, members without a
    /// department last.
    async fn department_rates(
        &self,
        institution: Option<InstitutionId>,
    ) -> StoreResult<Vec<DepartmentRates>>;

    /// Every slot, in time order (then venue, lane); limited to an
    /// institution, the slots open to its people, with their counts. `now`
    /// decides which slots have started.
    async fn slot_rates(
        &self,
        institution: Option<InstitutionId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<SlotRates>>;

    /// The days on which reservations were made or doses given, in order.
    async fn campaign_days(
        &self,
        institution: Option<InstitutionId>,
    ) -> StoreResult<Vec<CampaignDay>>;

    /// The vouchers of the doses given here, per institution.
    async fn voucher_rates(
        &self,
        institution: Option<InstitutionId>,
    ) -> StoreResult<Vec<VoucherRates>>;
}
