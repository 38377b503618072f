//! Each table as a CSV file (`GET /rates/<table>.csv`), and the page for an unmappable name.

use super::super::{Frame, StaffPage, html};
use super::{Asked, RatesQuery, read};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sesshu_operations::export::{Encoding, Unmappable};
use sesshu_operations::rates::{self, Table};

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
