//! The dashboards' tables as cells and as CSV files.

use super::dashboards::Dashboards;
use super::rate::Rated;
use super::totals::slot_day;
use crate::export::{self, Encoding, Unmappable};
use chrono::NaiveDate;
use sesshu_domain::{Language, TOKYO, UserType};

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
