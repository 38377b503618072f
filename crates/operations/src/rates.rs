//! The vaccination rates (接種率) as the office watches them: per
//! institution and user type, per department, per day and per slot, the
//! campaign day by day, and the vouchers; each a typed table, and each
//! table as CSV for Excel ([`csv`]).
//!
//! Every number is an aggregate the store counts over the same records the
//! lists export (dose records, doses elsewhere, check-ins, vouchers,
//! reservations); the rules are in `sesshu_store::RateStore`'s statements
//! and `docs/rates.md`. No person is named, so nothing personal is opened
//! and nothing is audited as a view.
//!
//! Who: [`Duty::Rates`]. System administrators and operators see every
//! institution or one they choose; an institution's staff see theirs only
//! (another's is answered as absent).

use crate::export::{self, Encoding, Unmappable};
use crate::{Actor, OperationError, Operations, reference};
use chrono::{DateTime, Days, NaiveDate, Utc};
use sesshu_domain::{
    Catalog, Duty, Institution, InstitutionId, Language, Scope, TOKYO, UserType, tokyo_day,
};

pub use sesshu_store::{
    CampaignDay, DepartmentName, DepartmentRates, MemberRates, Population, SlotRates, VoucherRates,
};

/// A share of a whole, shown as a percentage with one decimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub part: u64,
    pub whole: u64,
}

impl Rate {
    pub fn of(part: u64, whole: u64) -> Self {
        Self { part, whole }
    }

    /// Tenths of a percent, rounded half up; `None` of nothing.
    pub fn tenths(self) -> Option<u64> {
        (self.whole > 0).then(|| {
            let part = u128::from(self.part) * 2000 + u128::from(self.whole);
            u64::try_from(part / (u128::from(self.whole) * 2)).unwrap_or(u64::MAX)
        })
    }

    /// `81.5` (no sign), or empty of nothing: what a CSV cell holds.
    pub fn percent(self) -> String {
        self.tenths()
            .map(|t| format!("{}.{}", t / 10, t % 10))
            .unwrap_or_default()
    }

    /// The share between 0 and 1 (a chart's bar); 0 of nothing.
    pub fn fraction(self) -> f64 {
        if self.whole == 0 {
            return 0.0;
        }
        // Counts of people fit f64's 53 bits exactly.
        (self.part as f64 / self.whole as f64).clamp(0.0, 1.0)
    }
}

/// What a row's rate is a share of.
pub trait Rated {
    fn rate(&self) -> Rate;
}

impl Rated for MemberRates {
    /// Fully vaccinated of the members.
    fn rate(&self) -> Rate {
        Rate::of(self.completed, self.members)
    }
}

impl Rated for DepartmentRates {
    /// Fully vaccinated (here or elsewhere) of the eligible members.
    fn rate(&self) -> Rate {
        Rate::of(self.here + self.elsewhere, self.eligible)
    }
}

impl Rated for VoucherRates {
    /// Collected of the doses given.
    fn rate(&self) -> Rate {
        Rate::of(self.collected, self.vaccinated)
    }
}

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

/// What the dashboards are limited to, and the names they show; only
/// [`scope`] makes one, after checking the actor's duty and scope.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RateScope {
    /// The institution the numbers are limited to; `None`: every one.
    pub institution: Option<Institution>,
    /// The institutions the actor may choose (and whose names rows show).
    pub institutions: Vec<Institution>,
    /// Venues and lanes, for the slots' names.
    pub catalog: Catalog,
    /// When the numbers were read.
    pub at: DateTime<Utc>,
}

impl RateScope {
    fn limit(&self) -> Option<InstitutionId> {
        self.institution.as_ref().map(|i| i.id)
    }

    /// An institution's name in `lang` (its id if it is not in scope).
    pub fn institution_name(&self, id: InstitutionId, lang: Language) -> String {
        self.institutions
            .iter()
            .find(|i| i.id == id)
            .map_or_else(|| id.to_string(), |i| i.name(lang).to_owned())
    }

    /// `venue / lane` of a slot in `lang`.
    pub fn venue_name(&self, slot: &SlotRates, lang: Language) -> (String, String) {
        (
            self.catalog
                .venue(slot.venue)
                .map_or_else(|| slot.venue.to_string(), |v| v.name(lang).to_owned()),
            self.catalog
                .lane(slot.lane)
                .map_or_else(|| slot.lane.to_string(), |l| l.name(lang).to_owned()),
        )
    }
}

/// The scope of the dashboards `actor` asked for: `asked` (operators and
/// system administrators: one institution, or `None` for all), or the
/// staff's own institution whatever they asked (another one: not found).
pub async fn scope(
    ops: &Operations,
    actor: &Actor,
    asked: Option<InstitutionId>,
) -> Result<RateScope, OperationError> {
    actor.may(Duty::Rates, Scope::Any)?;
    let limit = match asked {
        Some(id) => {
            actor.may(Duty::Rates, Scope::Institution(id))?;
            Some(id)
        }
        None => actor.role.institution(),
    };
    let institutions = reference::institutions_for(ops, actor, Duty::Rates).await?;
    let institution = match limit {
        Some(id) => Some(
            institutions
                .iter()
                .find(|i| i.id == id)
                .cloned()
                .ok_or(OperationError::NotFound)?,
        ),
        None => None,
    };
    Ok(RateScope {
        institution,
        institutions,
        catalog: reference::catalog(ops).await?,
        at: ops.now(),
    })
}

/// Every dashboard of a scope, read at the same moment (five statements,
/// not one transaction: a check-in between two shows in the later one).
#[derive(Clone, Debug)]
pub struct Dashboards {
    pub scope: RateScope,
    pub members: Vec<MemberRates>,
    pub departments: Vec<DepartmentRates>,
    /// Every slot of the campaign, in time order.
    pub slots: Vec<SlotRates>,
    /// Every day from the first booking or dose to the last, days without
    /// any as zeros.
    pub campaign: Vec<CampaignDay>,
    /// Every institution in scope, those with no dose given as zeros.
    pub vouchers: Vec<VoucherRates>,
}

/// The longest campaign whose days without bookings are filled in (a
/// stray old record would otherwise make a chart of years).
const MAX_FILLED_DAYS: u64 = 400;

impl Dashboards {
    /// The slots' days, each summed, in order.
    pub fn days(&self) -> Vec<DayRates> {
        let mut days: Vec<DayRates> = Vec::new();
        for slot in &self.slots {
            let day = slot_day(slot);
            let one = SlotTotals::of([slot]);
            match days.last_mut() {
                Some(last) if last.day == day => {
                    last.totals = last.totals.plus(one);
                }
                _ => days.push(DayRates { day, totals: one }),
            }
        }
        days
    }

    /// The slots of `day`.
    pub fn slots_of(&self, day: NaiveDate) -> Vec<&SlotRates> {
        self.slots.iter().filter(|s| slot_day(s) == day).collect()
    }

    /// The day whose slots to show when none is asked for: today if it
    /// has slots, else the next day that has, else the last one.
    pub fn default_day(&self) -> Option<NaiveDate> {
        let today = tokyo_day(self.scope.at);
        self.slots
            .iter()
            .map(slot_day)
            .find(|d| *d >= today)
            .or_else(|| self.slots.last().map(slot_day))
    }
}

impl SlotTotals {
    fn plus(self, other: Self) -> Self {
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

/// Reads every dashboard of `scope`.
pub async fn dashboards(ops: &Operations, scope: RateScope) -> Result<Dashboards, OperationError> {
    let store = ops.store();
    let limit = scope.limit();
    let (members, departments, slots, campaign, vouchers) = tokio::try_join!(
        store.member_rates(limit),
        store.department_rates(limit),
        store.slot_rates(limit, scope.at),
        store.campaign_days(limit),
        store.voucher_rates(limit),
    )?;
    let vouchers = scope
        .institutions
        .iter()
        .filter(|i| limit.is_none_or(|l| l == i.id))
        .map(|i| {
            vouchers
                .iter()
                .find(|v| v.institution == i.id)
                .cloned()
                .unwrap_or(VoucherRates {
                    institution: i.id,
                    vaccinated: 0,
                    collected: 0,
                    missing: 0,
                    missing_number_given: 0,
                })
        })
        .collect();
    Ok(Dashboards {
        campaign: filled(campaign),
        scope,
        members,
        departments,
        slots,
        vouchers,
    })
}

/// The campaign's days with the days between them as zeros.
fn filled(days: Vec<CampaignDay>) -> Vec<CampaignDay> {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return days;
    };
    let span = u64::try_from((last.day - first.day).num_days()).unwrap_or(u64::MAX);
    if span > MAX_FILLED_DAYS {
        return days;
    }
    let mut out = Vec::with_capacity(usize::try_from(span + 1).unwrap_or(0));
    let mut known = days.iter().peekable();
    let mut day = first.day;
    while day <= last.day {
        match known.peek() {
            Some(d) if d.day == day => out.extend(known.next().copied()),
            _ => out.push(CampaignDay {
                day,
                bookings: 0,
                vaccinations: 0,
            }),
        }
        let Some(next) = day.checked_add_days(Days::new(1)) else {
            break;
        };
        day = next;
    }
    out
}

/// A dashboard's table, as a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// Per institution and user type.
    Members,
    /// Per department of the institutions with a roster.
    Departments,
    /// Per day of slots.
    Days,
    /// Per slot (of one day, or all).
    Slots,
    /// Bookings made and doses given per day.
    Campaign,
    /// Vouchers collected and missing per institution.
    Vouchers,
}

impl Table {
    pub const ALL: [Table; 6] = [
        Table::Members,
        Table::Departments,
        Table::Days,
        Table::Slots,
        Table::Campaign,
        Table::Vouchers,
    ];

    /// The table's name in its file's name and URL.
    pub fn code(self) -> &'static str {
        match self {
            Table::Members => "institutions",
            Table::Departments => "departments",
            Table::Days => "days",
            Table::Slots => "slots",
            Table::Campaign => "campaign",
            Table::Vouchers => "vouchers",
        }
    }

    /// How many columns its file has (its header must have as many).
    pub fn columns(self) -> usize {
        match self {
            Table::Members | Table::Departments => 9,
            Table::Days => 8,
            Table::Slots => 11,
            Table::Campaign => 3,
            Table::Vouchers => 6,
        }
    }
}

fn n(v: impl ToString) -> String {
    v.to_string()
}

/// The cells of `table` in `lang` (names in that language; user types as
/// the domain names them; populations by code; rates as `81.5`); the
/// slots of `day` only, when given. The columns, in order:
///
/// - institutions: institution, user type, population (`roster` or
///   `logins`), members, reserved, first dose, second dose, fully
///   vaccinated, rate;
/// - departments: institution, department code, department name, members,
///   eligible, vaccinated here, vaccinated elsewhere, of which confirmed,
///   rate;
/// - days: day, slots, places, booked, free, checked in, no-shows, not
///   checked in;
/// - slots: day, time, venue, lane, dose, places, booked, free, checked
///   in, no-shows, not checked in;
/// - campaign: day, bookings made, doses given;
/// - vouchers: institution, doses given, collected, missing, of which the
///   number was given, rate collected.
pub fn cells(
    dashboards: &Dashboards,
    table: Table,
    day: Option<NaiveDate>,
    lang: Language,
) -> Vec<Vec<String>> {
    let scope = &dashboards.scope;
    let name = |id| scope.institution_name(id, lang);
    match table {
        Table::Members => dashboards
            .members
            .iter()
            .map(|r| {
                vec![
                    name(r.institution),
                    r.user_type
                        .map(|t| UserType::name(t, lang))
                        .unwrap_or("")
                        .to_owned(),
                    r.population.code().to_owned(),
                    n(r.members),
                    n(r.reserved),
                    n(r.first_dose),
                    n(r.second_dose),
                    n(r.completed),
                    r.rate().percent(),
                ]
            })
            .collect(),
        Table::Departments => dashboards
            .departments
            .iter()
            .map(|r| {
                vec![
                    name(r.institution),
                    r.department
                        .as_ref()
                        .map(|d| d.as_str().to_owned())
                        .unwrap_or_default(),
                    r.name
                        .as_ref()
                        .map(|d| lang.pick(&d.ja, &d.en).to_owned())
                        .unwrap_or_default(),
                    n(r.members),
                    n(r.eligible),
                    n(r.here),
                    n(r.elsewhere),
                    n(r.elsewhere_confirmed),
                    r.rate().percent(),
                ]
            })
            .collect(),
        Table::Days => dashboards
            .days()
            .iter()
            .map(|d| {
                let t = d.totals;
                vec![
                    d.day.format("%Y-%m-%d").to_string(),
                    n(t.slots),
                    n(t.places),
                    n(t.booked),
                    n(t.free),
                    n(t.checked_in),
                    n(t.no_shows),
                    n(t.not_checked_in),
                ]
            })
            .collect(),
        Table::Slots => dashboards
            .slots
            .iter()
            .filter(|s| day.is_none_or(|d| slot_day(s) == d))
            .map(|s| {
                let (venue, lane) = scope.venue_name(s, lang);
                let local = s.starts_at.with_timezone(&TOKYO);
                vec![
                    local.format("%Y-%m-%d").to_string(),
                    local.format("%H:%M").to_string(),
                    venue,
                    lane,
                    n(s.dose.get()),
                    n(s.places),
                    n(s.booked),
                    n(s.free),
                    n(s.checked_in),
                    n(s.no_shows),
                    n(s.not_checked_in),
                ]
            })
            .collect(),
        Table::Campaign => dashboards
            .campaign
            .iter()
            .map(|d| {
                vec![
                    d.day.format("%Y-%m-%d").to_string(),
                    n(d.bookings),
                    n(d.vaccinations),
                ]
            })
            .collect(),
        Table::Vouchers => dashboards
            .vouchers
            .iter()
            .map(|r| {
                vec![
                    name(r.institution),
                    n(r.vaccinated),
                    n(r.collected),
                    n(r.missing),
                    n(r.missing_number_given),
                    r.rate().percent(),
                ]
            })
            .collect(),
    }
}

/// `table` as CSV under `header` (the page's column titles, as many as
/// [`Table::columns`]): UTF-8 with a BOM or CP932, formula cells
/// neutralised; or the cells CP932 cannot hold.
pub fn csv(
    dashboards: &Dashboards,
    table: Table,
    day: Option<NaiveDate>,
    header: &[&str],
    lang: Language,
    encoding: Encoding,
) -> Result<Vec<u8>, Vec<Unmappable>> {
    debug_assert_eq!(header.len(), table.columns(), "{table:?}'s header");
    export::csv(header, &cells(dashboards, table, day, lang), encoding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{actor, empty_office};
    use sesshu_domain::{Denied, Role};

    #[test]
    fn a_rate_is_a_percentage_with_one_decimal_rounded_half_up() {
        assert_eq!(Rate::of(815, 1000).percent(), "81.5");
        assert_eq!(Rate::of(1, 3).percent(), "33.3");
        assert_eq!(Rate::of(2, 3).percent(), "66.7");
        assert_eq!(Rate::of(1, 8).percent(), "12.5");
        assert_eq!(Rate::of(1, 16).percent(), "6.3", "6.25 rounds up");
        assert_eq!(Rate::of(3, 3).percent(), "100.0");
        assert_eq!(Rate::of(0, 5).percent(), "0.0");
        assert_eq!(Rate::of(0, 0).percent(), "", "nothing to share");
        assert_eq!(Rate::of(0, 0).fraction(), 0.0);
        assert_eq!(Rate::of(1, 4).fraction(), 0.25);
    }

    #[test]
    fn the_campaign_has_every_day_between_its_first_and_last() {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let days = filled(vec![
            CampaignDay {
                day: day("2026-12-01"),
                bookings: 3,
                vaccinations: 0,
            },
            CampaignDay {
                day: day("2026-12-04"),
                bookings: 1,
                vaccinations: 2,
            },
        ]);
        let seen: Vec<(String, u64, u64)> = days
            .iter()
            .map(|d| (d.day.to_string(), d.bookings, d.vaccinations))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("2026-12-01".into(), 3, 0),
                ("2026-12-02".into(), 0, 0),
                ("2026-12-03".into(), 0, 0),
                ("2026-12-04".into(), 1, 2),
            ]
        );
        assert!(filled(Vec::new()).is_empty());
    }

    #[tokio::test]
    async fn institution_staff_see_their_institution_only_and_venue_staff_nothing() {
        let ops = empty_office("rates-scope").await;
        let mine = InstitutionId::new(1);
        let staff = actor(Role::InstitutionStaff { institution: mine });
        let other = scope(&ops, &staff, Some(InstitutionId::new(2))).await;
        assert!(
            matches!(other, Err(OperationError::Denied(Denied::NotFound))),
            "{other:?}"
        );
        let venue = actor(Role::VenueStaff {
            venue: sesshu_domain::VenueId::new(1),
        });
        let refused = scope(&ops, &venue, None).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        // An operator asking for an institution that does not exist.
        let missing = scope(&ops, &actor(Role::Operator), Some(InstitutionId::new(9))).await;
        assert!(
            matches!(missing, Err(OperationError::NotFound)),
            "{missing:?}"
        );
        let all = scope(&ops, &actor(Role::Operator), None).await.unwrap();
        assert!(all.institution.is_none());
        let read = dashboards(&ops, all).await.unwrap();
        assert!(read.members.is_empty() && read.slots.is_empty() && read.vouchers.is_empty());
        assert_eq!(read.default_day(), None);
    }
}
