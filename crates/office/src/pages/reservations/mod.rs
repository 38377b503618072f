//! Reservations: the search (`search.rs`), one reservation with its
//! person's personal data (scoped to the administrator's institution,
//! audited: `show`), and cancelling or moving it for its person
//! (`change.rs`), with the person's vaccination history (here and
//! elsewhere, whose forms are `pages/elsewhere.rs`). The work is done by
//! `sesshu_operations::reservations`; these pages parse, call and render.

mod change;
mod search;

pub use change::{cancel, move_form, move_series};
pub use search::{search, search_posted};

use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sesshu_domain::{Catalog, DoseNumber, Duty, ReservationNumber, Scope, Series};
use sesshu_operations::reference;
use sesshu_operations::reservations::{self, FreeTime, ReservationView};
use sesshu_vault::Field;

/// The reservation number of a page's path, once the role may do `duty`
/// at all (a role that never does it is refused before anything is read);
/// a number that does not parse is not found.
pub(super) fn number(
    staff: &Staff,
    duty: Duty,
    text: &str,
) -> Result<ReservationNumber, OfficeError> {
    staff.may(duty, Scope::Any)?;
    ReservationNumber::parse(text).map_err(|_| OfficeError::NotFound)
}

/// A dose as shown.
#[derive(Debug)]
pub struct DoseRow {
    pub number: u8,
    pub at: String,
    pub venue: String,
    pub lane: String,
    pub checked_in: Option<String>,
}

/// The doses of `series` as shown, with when each was checked in.
pub fn dose_rows(
    t: &Texts,
    catalog: &Catalog,
    series: &Series,
    checked_in: &[(DoseNumber, DateTime<Utc>)],
) -> Vec<DoseRow> {
    series
        .doses
        .iter()
        .map(|d| DoseRow {
            number: d.number.get(),
            at: t.time(d.starts_at),
            venue: catalog
                .venue(d.venue)
                .map_or_else(String::new, |v| v.name(t.lang).to_owned()),
            lane: catalog
                .lane(d.lane)
                .map_or_else(String::new, |l| l.name(t.lang).to_owned()),
            checked_in: checked_in
                .iter()
                .find(|(n, _)| *n == d.number)
                .map(|(_, at)| t.time(*at)),
        })
        .collect()
}

/// A time the office may move a reservation to: all lanes of a venue at
/// that time, with the places left.
#[derive(Debug)]
pub struct TimeOption {
    pub slot: i64,
    pub label: String,
    pub free: u32,
}

/// The free times as the forms offer them: time and venue, places left.
pub(super) fn time_rows(t: &Texts, catalog: &Catalog, times: &[FreeTime]) -> Vec<TimeOption> {
    times
        .iter()
        .map(|time| TimeOption {
            slot: time.slot.get(),
            label: format!(
                "{} {}",
                t.time(time.starts_at),
                catalog
                    .venue(time.venue)
                    .map(|v| v.name(t.lang))
                    .unwrap_or_default()
            ),
            free: time.free,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "reservation.html")]
struct ReservationPage {
    frame: Frame,
    t: &'static Texts,
    number: String,
    state: &'static str,
    doses: Vec<DoseRow>,
    institution: String,
    user_type: &'static str,
    department: String,
    login: String,
    name_kanji: Option<String>,
    name_kana: Option<String>,
    name_roman: Option<String>,
    mail: Option<String>,
    /// The office may cancel it (active, and the role may).
    can_cancel: bool,
    /// The person's doses, here and elsewhere.
    history: super::elsewhere::HistoryBlock,
    done: Option<&'static str>,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
    error: Option<String>,
}

/// One reservation with its person's personal data (opened, audited).
pub async fn show(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Path(number): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, OfficeError> {
    let number = self::number(&staff, Duty::ViewReservations, &number)?;
    let t = frame.t;
    let catalog = reference::catalog(state.operations()).await?;
    let ReservationView {
        series,
        person,
        institution,
        checked_in,
        opened,
        can_change,
    } = reservations::detail(state.operations(), state.keys(), &staff.actor(), &number).await?;
    let history =
        sesshu_operations::history::of_person(state.operations(), &staff.actor(), &person).await?;
    let may_change_history = staff
        .may(
            Duty::ChangeReservations,
            Scope::Institution(person.institution),
        )
        .is_ok();
    let history = super::elsewhere::history_block(
        t,
        &catalog,
        &history,
        (person.institution, &opened.login),
        &series.number,
        may_change_history,
    );
    let name = |field| opened.get(field).map(str::to_owned);
    html(ReservationPage {
        number: series.number.to_string(),
        state: t.state(series.state),
        doses: dose_rows(t, &catalog, &series, &checked_in),
        institution: institution.name(t.lang).to_owned(),
        user_type: t.user_type(person.user_type),
        department: person
            .department
            .as_ref()
            .map_or_else(|| "-".to_owned(), |d| d.as_str().to_owned()),
        login: opened.login.as_str().to_owned(),
        name_kanji: name(Field::NameKanji),
        name_kana: name(Field::NameKana),
        name_roman: name(Field::NameRoman),
        mail: name(Field::Mail),
        can_cancel: can_change,
        history,
        done: match query.done.as_deref() {
            Some("cancelled") => Some(t.office_cancelled),
            Some("moved") => Some(t.office_moved),
            Some("booked") => Some(t.book_booked),
            Some(other) => super::elsewhere::done_text(t, other),
            None => None,
        },
        error: match query.error.as_deref() {
            Some("reason") => Some(t.office_cancel_reason_needed),
            Some(other) => super::elsewhere::error_text(t, other),
            None => None,
        },
        frame,
        t,
    })
}
