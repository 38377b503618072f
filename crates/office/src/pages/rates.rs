//! The vaccination rates' dashboards (接種率): one page with every table
//! and its chart (`GET /rates`), the same tables as an HTML fragment for
//! the page's script to swap in every few seconds (`GET /rates/live`), each
//! table as CSV (`GET /rates/<table>.csv`, `encoding=cp932` for
//! Shift_JIS), and the script (`static/rates.js`). Without JavaScript the
//! page is the same, read when loaded.
//!
//! `institution=<id>` limits every table to one institution (institution
//! staff: always their own; another's is not found); `day=YYYY-MM-DD`
//! chooses the day whose slots are listed one by one (else today, or the
//! next day with slots). The numbers are `sesshu_operations::rates`';
//! nothing personal is shown, so nothing is opened or audited.

use super::{Frame, StaffPage, html};
use crate::charts::{Bar, BarChart, DayChart, Series};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sesshu_domain::{InstitutionId, TOKYO};
use sesshu_operations::export::{Encoding, Unmappable};
use sesshu_operations::rates::{
    self, Dashboards, DepartmentTotals, MemberTotals, Rate, Rated, SlotTotals, Table, VoucherTotals,
};

/// The office's policy with the page's own script allowed, and its
/// requests for the live fragment (`connect-src`).
const CSP_LIVE: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
                        style-src 'self'; img-src 'self'; form-action 'self'; \
                        frame-ancestors 'none'; base-uri 'none'";

/// The header that marks a response as the live fragment: the script
/// swaps in nothing else (a login page after the session ended, say).
const FRAGMENT_HEADER: &str = "x-sesshu-fragment";

#[derive(Clone, Debug, Default, Deserialize)]
pub struct RatesQuery {
    /// An institution's id; empty: all (operators), or the staff's own.
    institution: Option<String>,
    day: Option<String>,
    encoding: Option<String>,
}

/// What the query asks for.
#[derive(Clone, Copy, Debug)]
struct Asked {
    institution: Option<InstitutionId>,
    day: Option<NaiveDate>,
}

impl Asked {
    fn parse(query: &RatesQuery) -> Result<Self, OfficeError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(Asked {
            institution: given(&query.institution)
                .map(|id| id.parse::<InstitutionId>())
                .transpose()
                .map_err(|_| OfficeError::BadRequest)?,
            day: given(&query.day)
                .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d"))
                .transpose()
                .map_err(|_| OfficeError::BadRequest)?,
        })
    }

    /// `institution=…&day=…`, as asked (a day not asked stays the default).
    fn query(&self, day: Option<NaiveDate>) -> String {
        serde_urlencoded::to_string([
            (
                "institution",
                self.institution.map(|i| i.to_string()).unwrap_or_default(),
            ),
            (
                "day",
                day.map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            ),
        ])
        .unwrap_or_default()
    }
}

/// The dashboards the query asks for, as the staff may see them, and the
/// day whose slots are listed.
async fn read(
    state: &OfficeState,
    staff: &Staff,
    asked: Asked,
) -> Result<(Dashboards, Option<NaiveDate>), OfficeError> {
    let ops = state.operations();
    let scope = rates::scope(ops, &staff.actor(), asked.institution).await?;
    let dashboards = rates::dashboards(ops, scope).await?;
    let day = asked.day.or_else(|| dashboards.default_day());
    Ok((dashboards, day))
}

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
fn sections(
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

/// The tables and charts: the page's live part.
#[derive(Template)]
#[template(path = "rates_live.html")]
struct Live {
    t: &'static Texts,
    counted_at: String,
    /// The slots' day shown.
    day: String,
    sections: Vec<Section>,
}

fn live_part(
    t: &'static Texts,
    d: &Dashboards,
    asked: Asked,
    day: Option<NaiveDate>,
) -> Result<String, OfficeError> {
    Live {
        t,
        counted_at: t.precise_time(d.scope.at),
        day: day
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        sections: sections(t, d, asked, day),
    }
    .render()
    .map_err(|e| {
        tracing::error!(error = %e, "the rates' fragment did not render");
        OfficeError::Internal
    })
}

#[derive(Template)]
#[template(path = "rates.html")]
struct RatesPage {
    frame: Frame,
    t: &'static Texts,
    /// Every institution, or the one the numbers are limited to.
    scope: String,
    /// The institutions to choose from: id, name, chosen.
    institutions: Vec<(i64, String, bool)>,
    /// "All institutions" may be chosen (not institution staff).
    all: bool,
    day: String,
    /// Where the script reads the live part from.
    live_url: String,
    live: String,
}

/// The dashboards.
pub async fn page(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<RatesQuery>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let asked = Asked::parse(&query)?;
    let (dashboards, day) = read(&state, &staff, asked).await?;
    let scope = &dashboards.scope;
    let chosen = scope.institution.as_ref().map(|i| i.id);
    let page = RatesPage {
        scope: scope
            .institution
            .as_ref()
            .map_or(t.rates_all, |i| i.name(t.lang))
            .to_owned(),
        institutions: scope
            .institutions
            .iter()
            .map(|i| (i.id.get(), i.name(t.lang).to_owned(), Some(i.id) == chosen))
            .collect(),
        all: staff.account.role.institution().is_none(),
        day: day
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        live_url: format!("/rates/live?{}", asked.query(asked.day)),
        live: live_part(t, &dashboards, asked, day)?,
        frame,
        t,
    };
    let mut response = html(page)?;
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP_LIVE),
    );
    Ok(response)
}

/// The live part alone, for the page's script.
pub async fn live(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<RatesQuery>,
) -> Result<Response, OfficeError> {
    let asked = Asked::parse(&query)?;
    let (dashboards, day) = read(&state, &staff, asked).await?;
    let part = live_part(frame.t, &dashboards, asked, day)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (HeaderName::from_static(FRAGMENT_HEADER), "rates"),
        ],
        part,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "unmappable.html")]
struct UnmappablePage {
    frame: Frame,
    t: &'static Texts,
    cells: Vec<Unmappable>,
    utf8: String,
}

/// `table` as CSV: UTF-8 with a BOM, or `encoding=cp932`; when CP932
/// cannot hold a name, the page that says which cell (422). Aggregates
/// only: no export of personal data to audit.
async fn download(
    state: &OfficeState,
    staff: &Staff,
    frame: Frame,
    query: &RatesQuery,
    table: Table,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let asked = Asked::parse(query)?;
    let (dashboards, _) = read(state, staff, asked).await?;
    let encoding = Encoding::parse(query.encoding.as_deref());
    let header = t.rates_header(table);
    let bytes = match rates::csv(&dashboards, table, asked.day, &header, t.lang, encoding) {
        Ok(bytes) => bytes,
        Err(cells) => {
            let mut response = html(UnmappablePage {
                frame,
                t,
                cells,
                utf8: format!("/rates/{}.csv?{}", table.code(), asked.query(asked.day)),
            })?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let which = dashboards
        .scope
        .institution
        .as_ref()
        .map_or_else(|| "all".to_owned(), |i| i.code.as_str().to_owned());
    let on = match (table, asked.day) {
        (Table::Slots, Some(day)) => day,
        _ => sesshu_domain::tokyo_day(dashboards.scope.at),
    };
    let suffix = match encoding {
        Encoding::Utf8Bom => "",
        Encoding::Cp932 => "_sjis",
    };
    let charset = match encoding {
        Encoding::Utf8Bom => "utf-8",
        Encoding::Cp932 => "shift_jis",
    };
    Ok((
        [
            (header::CONTENT_TYPE, format!("text/csv; charset={charset}")),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"rates_{}_{which}_{}{suffix}.csv\"",
                    table.code(),
                    on.format("%Y-%m-%d")
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

macro_rules! csv_route {
    ($(#[$doc:meta])* $name:ident, $table:expr) => {
        $(#[$doc])*
        pub async fn $name(
            State(state): State<OfficeState>,
            StaffPage { staff, frame }: StaffPage,
            Query(query): Query<RatesQuery>,
        ) -> Result<Response, OfficeError> {
            download(&state, &staff, frame, &query, $table).await
        }
    };
}

csv_route!(
    /// `GET /rates/institutions.csv`
    institutions_csv,
    Table::Members
);
csv_route!(
    /// `GET /rates/departments.csv`
    departments_csv,
    Table::Departments
);
csv_route!(
    /// `GET /rates/days.csv`
    days_csv,
    Table::Days
);
csv_route!(
    /// `GET /rates/slots.csv` (`day=…`: that day's; else every slot)
    slots_csv,
    Table::Slots
);
csv_route!(
    /// `GET /rates/campaign.csv`
    campaign_csv,
    Table::Campaign
);
csv_route!(
    /// `GET /rates/vouchers.csv`
    vouchers_csv,
    Table::Vouchers
);

/// The page's live updates: `static/rates.js`.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        include_str!("../../static/rates.js"),
    )
}
