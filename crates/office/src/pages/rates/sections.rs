//! The dashboards as the page's sections: each table's cells, its totals row and its chart.

use super::Asked;
use crate::charts::{Bar, BarChart, DayChart, Series};
use crate::i18n::Texts;
use chrono::NaiveDate;
use sesshu_domain::TOKYO;
use sesshu_operations::rates::{
    self, Dashboards, DepartmentTotals, MemberTotals, Rate, Rated, SlotTotals, Table, VoucherTotals,
};

/// One table of the page with its chart.
#[derive(Debug)]
pub struct Section {
    /// The table's code (`institutions`, …): the section's id and its file.
    pub code: &'static str,
    pub title: &'static str,
    pub rule: &'static str,
    pub header: Vec<&'static str>,
    /// The columns from this one on hold numbers (right-aligned).
    pub numbers_from: usize,
    pub rows: Vec<Vec<String>>,
    pub total: Option<Vec<String>>,
    /// Said when there are no rows.
    pub empty: &'static str,
    /// The chart's SVG (escaped where it was drawn), if it has one.
    pub chart: Option<String>,
    /// The CSV's query string.
    pub csv_query: String,
    /// A link to the list behind the numbers.
    pub link: Option<(&'static str, String)>,
}

fn n(v: u64) -> String {
    v.to_string()
}

/// A rate cell: `81.5`, or `-` of nothing.
fn percent(rate: Rate) -> String {
    match rate.tenths() {
        Some(_) => rate.percent(),
        None => "-".to_owned(),
    }
}

fn ticks() -> Vec<(f64, String)> {
    [0, 25, 50, 75, 100]
        .into_iter()
        .map(|p| (f64::from(p) / 100.0, format!("{p}%")))
        .collect()
}

fn bar_chart(code: &str, title: &str, bars: Vec<Bar>) -> Option<String> {
    (!bars.is_empty()).then(|| {
        BarChart {
            id: format!("rates-chart-{code}"),
            title: title.to_owned(),
            bars,
            ticks: ticks(),
        }
        .svg()
    })
}

/// Every section of the dashboards, in `t`'s language.
pub(super) fn sections(
    t: &'static Texts,
    d: &Dashboards,
    asked: Asked,
    day: Option<NaiveDate>,
) -> Vec<Section> {
    let lang = t.lang;
    let scope = &d.scope;
    let query = asked.query(asked.day);
    let cells = |table| rates::cells(d, table, day, lang);

    // Per institution and user type.
    let mut members = cells(Table::Members);
    for (cells, row) in members.iter_mut().zip(&d.members) {
        if row.user_type.is_none() {
            cells[1] = t.rates_unknown_type.to_owned();
        }
        cells[2] = t.rates_population(row.population).to_owned();
        cells[8] = percent(row.rate());
    }
    let totals = MemberTotals::of(&d.members);
    let member_bars = members
        .iter()
        .zip(&d.members)
        .map(|(cells, row)| Bar {
            label: format!("{} {}", cells[0], cells[1]),
            share: row.rate().fraction(),
            text: t.rates_percent(row.rate()),
        })
        .collect();

    // Per department.
    let mut departments = cells(Table::Departments);
    for (cells, row) in departments.iter_mut().zip(&d.departments) {
        if row.department.is_none() {
            cells[2] = t.rates_no_department.to_owned();
        } else if row.name.is_none() {
            cells[2] = cells[1].clone();
        }
        cells[8] = percent(row.rate());
    }
    let department_totals = DepartmentTotals::of(&d.departments);
    let department_bars = departments
        .iter()
        .zip(&d.departments)
        .map(|(cells, row)| Bar {
            label: format!("{} {}", cells[0], cells[2]),
            share: row.rate().fraction(),
            text: t.rates_percent(row.rate()),
        })
        .collect();

    // Per day, and the chosen day's slots.
    let days = d.days();
    let day_totals = SlotTotals::of(&d.slots);
    let day_bars = days
        .iter()
        .map(|day| Bar {
            label: day.day.format("%Y-%m-%d").to_string(),
            share: day.totals.rate().fraction(),
            text: t.rates_of(day.totals.booked, day.totals.places),
        })
        .collect();
    let of_day: Vec<_> = day.map(|day| d.slots_of(day)).unwrap_or_default();
    let mut slots = cells(Table::Slots);
    if day.is_none() {
        slots.clear();
    }
    for (cells, slot) in slots.iter_mut().zip(&of_day) {
        if slot.closed {
            cells[1] = format!("{} ({})", cells[1], t.rates_closed);
        }
    }
    let slot_totals = SlotTotals::of(of_day.iter().copied());
    let slot_bars = of_day
        .iter()
        .map(|slot| {
            let (venue, lane) = scope.venue_name(slot, lang);
            Bar {
                label: format!(
                    "{} {venue} {lane} {}",
                    slot.starts_at.with_timezone(&TOKYO).format("%H:%M"),
                    t.rates_dose(slot.dose.get())
                ),
                share: Rate::of(u64::from(slot.booked), u64::from(slot.places)).fraction(),
                text: t.rates_of(u64::from(slot.booked), u64::from(slot.places)),
            }
        })
        .collect();
    let slot_total_row = |label: String, totals: SlotTotals, blanks: usize| {
        let mut row = vec![label];
        row.extend(std::iter::repeat_n(String::new(), blanks));
        if blanks == 0 {
            row.push(n(totals.slots));
        }
        row.extend([
            n(totals.places),
            n(totals.booked),
            n(totals.free),
            n(totals.checked_in),
            n(totals.no_shows),
            n(totals.not_checked_in),
        ]);
        row
    };

    // The campaign.
    let campaign_chart = (!d.campaign.is_empty()).then(|| {
        DayChart {
            id: "rates-chart-campaign".into(),
            title: t.rates_campaign_chart.into(),
            days: d
                .campaign
                .iter()
                .map(|c| c.day.format("%Y-%m-%d").to_string())
                .collect(),
            columns: Series {
                name: t.rates_col_bookings.into(),
                values: d.campaign.iter().map(|c| c.bookings).collect(),
            },
            line: Series {
                name: t.rates_col_given.into(),
                values: d.campaign.iter().map(|c| c.vaccinations).collect(),
            },
        }
        .svg()
    });

    // Vouchers.
    let mut vouchers = cells(Table::Vouchers);
    for (cells, row) in vouchers.iter_mut().zip(&d.vouchers) {
        cells[5] = percent(row.rate());
    }
    let voucher_totals = VoucherTotals::of(&d.vouchers);
    let voucher_bars = vouchers
        .iter()
        .zip(&d.vouchers)
        .map(|(cells, row)| Bar {
            label: cells[0].clone(),
            share: row.rate().fraction(),
            text: t.rates_of(row.collected, row.vaccinated),
        })
        .collect();

    vec![
        Section {
            code: Table::Members.code(),
            title: t.rates_members_title,
            rule: t.rates_members_rule,
            header: t.rates_header(Table::Members),
            numbers_from: 3,
            total: (!members.is_empty()).then(|| {
                vec![
                    t.rates_total.to_owned(),
                    String::new(),
                    String::new(),
                    n(totals.members),
                    n(totals.reserved),
                    n(totals.first_dose),
                    n(totals.second_dose),
                    n(totals.completed),
                    percent(totals.rate()),
                ]
            }),
            chart: bar_chart("institutions", t.rates_members_chart, member_bars),
            rows: members,
            empty: t.rates_none,
            csv_query: query.clone(),
            link: None,
        },
        Section {
            code: Table::Departments.code(),
            title: t.rates_departments_title,
            rule: t.rates_departments_rule,
            header: t.rates_header(Table::Departments),
            numbers_from: 3,
            total: (!departments.is_empty()).then(|| {
                vec![
                    t.rates_total.to_owned(),
                    String::new(),
                    String::new(),
                    n(department_totals.members),
                    n(department_totals.eligible),
                    n(department_totals.here),
                    n(department_totals.elsewhere),
                    n(department_totals.elsewhere_confirmed),
                    percent(department_totals.rate()),
                ]
            }),
            chart: bar_chart("departments", t.rates_departments_chart, department_bars),
            rows: departments,
            empty: t.rates_none,
            csv_query: query.clone(),
            link: None,
        },
        Section {
            code: Table::Days.code(),
            title: t.rates_days_title,
            rule: t.rates_days_rule,
            header: t.rates_header(Table::Days),
            numbers_from: 1,
            total: (!days.is_empty())
                .then(|| slot_total_row(t.rates_total.to_owned(), day_totals, 0)),
            chart: bar_chart("days", t.rates_days_chart, day_bars),
            rows: cells(Table::Days),
            empty: t.rates_none,
            csv_query: query.clone(),
            link: None,
        },
        Section {
            code: Table::Slots.code(),
            title: t.rates_slots_title,
            rule: "",
            header: t.rates_header(Table::Slots),
            numbers_from: 4,
            total: (!slots.is_empty())
                .then(|| slot_total_row(t.rates_total.to_owned(), slot_totals, 4)),
            chart: bar_chart("slots", t.rates_slots_chart, slot_bars),
            rows: slots,
            empty: t.rates_no_slots,
            // The file of the day shown.
            csv_query: asked.query(day),
            link: None,
        },
        Section {
            code: Table::Campaign.code(),
            title: t.rates_campaign_title,
            rule: t.rates_campaign_rule,
            header: t.rates_header(Table::Campaign),
            numbers_from: 1,
            total: (!d.campaign.is_empty()).then(|| {
                vec![
                    t.rates_total.to_owned(),
                    n(d.campaign.iter().map(|c| c.bookings).sum()),
                    n(d.campaign.iter().map(|c| c.vaccinations).sum()),
                ]
            }),
            chart: campaign_chart,
            rows: cells(Table::Campaign),
            empty: t.rates_none,
            csv_query: query.clone(),
            link: None,
        },
        Section {
            code: Table::Vouchers.code(),
            title: t.rates_vouchers_title,
            rule: t.rates_vouchers_rule,
            header: t.rates_header(Table::Vouchers),
            numbers_from: 1,
            total: (!vouchers.is_empty()).then(|| {
                vec![
                    t.rates_total.to_owned(),
                    n(voucher_totals.vaccinated),
                    n(voucher_totals.collected),
                    n(voucher_totals.missing),
                    n(voucher_totals.missing_number_given),
                    percent(voucher_totals.rate()),
                ]
            }),
            chart: bar_chart("vouchers", t.rates_vouchers_chart, voucher_bars),
            rows: vouchers,
            empty: t.rates_none,
            csv_query: query,
            link: Some((
                t.rates_missing_link,
                format!(
                    "/vouchers/missing?institution={}&days=0",
                    asked.institution.map(|i| i.to_string()).unwrap_or_default()
                ),
            )),
        },
    ]
}
