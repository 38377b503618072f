//! The recipient list (接種者リスト) of a day at a venue, optionally one
//! lane: in time order with reservation number, names (kanji and kana),
//! institution, user type and dose. On screen (printable on A4, the paper
//! fallback when the network is down) and as CSV or XLSX for Excel.

use super::{CsvExport, attachment, csv_download};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::pages::{Frame, StaffPage, html};
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use sesshu_domain::{Catalog, Duty, Institution, LaneId, Scope, VenueId, tokyo_day};
use sesshu_operations::export::{self, Encoding};
use sesshu_operations::lists::{self, FileFormat, ListUse, Listing, Recipient, RecipientList};
use sesshu_operations::reference;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    day: Option<String>,
    venue: Option<VenueId>,
    lane: Option<String>,
    encoding: Option<String>,
}

/// One line of the list.
#[derive(Debug)]
pub struct RecipientRow {
    pub time: String,
    pub number: String,
    pub name_kanji: String,
    pub name_kana: String,
    pub institution: String,
    pub user_type: &'static str,
    pub dose: u8,
    pub lane: String,
    pub checked_in: bool,
}

/// `day=…&venue=…&lane=…`, for links to the same list.
fn link_query(list: &RecipientList) -> String {
    serde_urlencoded::to_string([
        ("day", list.day.format("%Y-%m-%d").to_string()),
        ("venue", list.venue.to_string()),
        ("lane", list.lane.map(|l| l.to_string()).unwrap_or_default()),
    ])
    .unwrap_or_default()
}

/// `recipients_2026-12-10_venue1[_lane2]`.
fn file_stem(list: &RecipientList) -> String {
    format!(
        "recipients_{}_venue{}{}",
        list.day.format("%Y-%m-%d"),
        list.venue,
        list.lane.map(|l| format!("_lane{l}")).unwrap_or_default(),
    )
}

/// The list asked for, checked: `None` until a day and a venue are given.
fn scoped(staff: &Staff, query: &ListQuery) -> Result<Option<RecipientList>, OfficeError> {
    let (Some(day), Some(venue)) = (query.day.as_deref(), query.venue) else {
        return Ok(None);
    };
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| OfficeError::BadRequest)?;
    // Another venue's list is refused before its lane is read.
    staff.may(Duty::CheckIn, Scope::Venue(venue))?;
    let lane = match query.lane.as_deref() {
        None | Some("") => None,
        Some(lane) => Some(
            lane.parse::<LaneId>()
                .map_err(|_| OfficeError::BadRequest)?,
        ),
    };
    Ok(Some(RecipientList { day, venue, lane }))
}

/// The list's rows as shown, names opened (audited once).
async fn rows(
    state: &OfficeState,
    staff: &Staff,
    t: &'static Texts,
    catalog: &Catalog,
    list: &RecipientList,
    purpose: ListUse,
) -> Result<Vec<RecipientRow>, OfficeError> {
    let ops = state.operations();
    let recipients = lists::recipients(ops, state.keys(), &staff.actor(), list, purpose).await?;
    let institutions = reference::institutions(ops).await?;
    Ok(recipients
        .into_iter()
        .map(|r| row(t, catalog, &institutions, r))
        .collect())
}

fn row(
    t: &'static Texts,
    catalog: &Catalog,
    institutions: &[Institution],
    r: Recipient,
) -> RecipientRow {
    RecipientRow {
        time: r
            .starts_at
            .with_timezone(&sesshu_domain::TOKYO)
            .format("%H:%M")
            .to_string(),
        number: r.number.to_string(),
        name_kanji: r.names.kanji,
        name_kana: r.names.kana,
        institution: institutions
            .iter()
            .find(|i| i.id == r.institution)
            .map(|i| i.name(t.lang).to_owned())
            .unwrap_or_default(),
        user_type: t.user_type(r.user_type),
        dose: r.dose.get(),
        lane: catalog
            .lane(r.lane)
            .map(|l| l.name(t.lang).to_owned())
            .unwrap_or_default(),
        checked_in: r.checked_in,
    }
}

#[derive(Template)]
#[template(path = "recipients.html")]
struct ListPage {
    frame: Frame,
    t: &'static Texts,
    day: String,
    venues: Vec<(i64, String, bool)>,
    lanes: Vec<(i64, String, bool)>,
    venue_name: String,
    lane_name: String,
    /// The query string of this list, for the download links.
    query: String,
    rows: Option<Vec<RecipientRow>>,
}

/// The form, and the list once a day and a venue are chosen.
pub async fn page(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<ListQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let t = frame.t;
    let scope = scoped(&staff, &query)?;
    let catalog = reference::catalog(state.operations()).await?;
    let own_venue = staff.account.role.venue();
    let venue = scope.as_ref().map(|s| s.venue).or(own_venue);
    let venues = catalog
        .venues
        .iter()
        .filter(|v| own_venue.is_none_or(|own| own == v.id))
        .map(|v| (v.id.get(), v.name(t.lang).to_owned(), Some(v.id) == venue))
        .collect();
    let lane = scope.as_ref().and_then(|s| s.lane);
    let lanes = catalog
        .lanes
        .iter()
        .filter(|l| venue.is_none_or(|v| v == l.venue))
        .map(|l| (l.id.get(), l.name(t.lang).to_owned(), Some(l.id) == lane))
        .collect();
    let day = scope
        .as_ref()
        .map_or_else(|| tokyo_day(state.clock().now()), |s| s.day);
    let rows = match &scope {
        Some(scope) => Some(rows(&state, &staff, t, &catalog, scope, ListUse::Screen).await?),
        None => None,
    };
    let venue_name = venue
        .and_then(|v| catalog.venue(v))
        .map(|v| v.name(t.lang).to_owned())
        .unwrap_or_default();
    let lane_name = lane
        .and_then(|l| catalog.lane(l))
        .map(|l| l.name(t.lang).to_owned())
        .unwrap_or_default();
    let query = serde_urlencoded::to_string([
        ("day", day.format("%Y-%m-%d").to_string()),
        ("venue", venue.map(|v| v.to_string()).unwrap_or_default()),
        ("lane", lane.map(|l| l.to_string()).unwrap_or_default()),
    ])
    .unwrap_or_default();
    html(ListPage {
        frame,
        t,
        day: day.format("%Y-%m-%d").to_string(),
        venues,
        lanes,
        venue_name,
        lane_name,
        query,
        rows,
    })
}

/// The list's columns and cells, as both file formats write them.
fn recipient_table(
    t: &'static Texts,
    rows: &[RecipientRow],
) -> ([&'static str; 9], Vec<Vec<String>>) {
    let header = [
        t.list_time,
        t.reservation_number,
        t.name_kanji,
        t.name_kana,
        t.institution_label,
        t.user_type,
        t.dose,
        t.lane,
        t.checked_in,
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.time.clone(),
                r.number.clone(),
                r.name_kanji.clone(),
                r.name_kana.clone(),
                r.institution.clone(),
                r.user_type.to_owned(),
                r.dose.to_string(),
                r.lane.clone(),
                if r.checked_in { "✓" } else { "" }.to_owned(),
            ]
        })
        .collect();
    (header, cells)
}

/// The rows of the list asked for, read to be handed out as a file.
async fn for_export(
    state: &OfficeState,
    staff: &Staff,
    t: &'static Texts,
    query: &ListQuery,
) -> Result<(RecipientList, Vec<RecipientRow>), OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let list = scoped(staff, query)?.ok_or(OfficeError::BadRequest)?;
    let catalog = reference::catalog(state.operations()).await?;
    let rows = rows(state, staff, t, &catalog, &list, ListUse::Export).await?;
    Ok((list, rows))
}

/// The list as an Excel workbook, audited as an export.
pub async fn xlsx(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<ListQuery>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let (list, rows) = for_export(&state, &staff, t, &query).await?;
    let (header, cells) = recipient_table(t, &rows);
    let sheet = list.day.format("%Y-%m-%d").to_string();
    let bytes = export::xlsx(&sheet, &header, &cells).map_err(|e| {
        tracing::error!(error = %e, "the workbook could not be written");
        OfficeError::Internal
    })?;
    lists::record_export(
        state.operations(),
        &staff.actor(),
        &Listing::Recipients(list),
        rows.len(),
        FileFormat::Xlsx,
    )
    .await?;
    Ok(attachment(
        &format!("{}.xlsx", file_stem(&list)),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

/// The list as CSV (`encoding=cp932` for Shift_JIS), audited as an export.
pub async fn csv(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<ListQuery>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let (list, rows) = for_export(&state, &staff, t, &query).await?;
    let encoding = Encoding::parse(query.encoding.as_deref());
    let (header, cells) = recipient_table(t, &rows);
    let export = CsvExport {
        listing: Listing::Recipients(list),
        stem: file_stem(&list),
        utf8: format!("/lists/recipients.csv?{}", link_query(&list)),
    };
    csv_download(&state, &staff, frame, &header, &cells, encoding, export).await
}
