//! Check-in at the venue: today's dose of a reservation, the name to
//! confirm who is at the desk (audited), and the button that records it.

use super::reservations::{DoseRow, dose_rows, number};
use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::{Duty, ReservationNumber, Scope, SeriesState};
use sesshu_http::CsrfForm;
use sesshu_operations::checkin::{self, CheckIn};
use sesshu_operations::reference;
use sesshu_vault::Field;

#[derive(Template)]
#[template(path = "checkin_form.html")]
struct FormPage {
    frame: Frame,
    t: &'static Texts,
    number: String,
    not_found: bool,
}

#[derive(Deserialize)]
pub struct NumberQuery {
    number: Option<String>,
}

/// The desk's form: a reservation number to look up.
pub async fn form(
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<NumberQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let number = query.number.unwrap_or_default();
    if let Ok(parsed) = ReservationNumber::parse(number.trim()) {
        return Ok(Redirect::to(&format!("/checkin/{parsed}")).into_response());
    }
    let t = frame.t;
    html(FormPage {
        frame,
        t,
        not_found: !number.trim().is_empty(),
        number,
    })
}

#[derive(Template)]
#[template(path = "checkin.html")]
struct CheckInPage {
    frame: Frame,
    t: &'static Texts,
    number: String,
    doses: Vec<DoseRow>,
    /// Today's dose, if it can be checked in now.
    today: Option<u8>,
    /// A notice: whether it is good news, and what.
    message: Option<(bool, String)>,
    name_kanji: Option<String>,
    name_kana: Option<String>,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// A reservation at the desk: its doses, today's to check in, and the
/// person's names (opened, audited) to ask who is there.
pub async fn show(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Path(number): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, OfficeError> {
    let number = self::number(&staff, Duty::CheckIn, &number)?;
    let t = frame.t;
    let ops = state.operations();
    let catalog = reference::catalog(ops).await?;
    let desk = checkin::desk(ops, state.keys(), &staff.actor(), &number).await?;
    let already = desk.checked_in_today();
    let message = if desk.series.state == SeriesState::Cancelled {
        Some((false, t.checkin_cancelled.to_owned()))
    } else if desk.today.is_none() {
        Some((false, t.checkin_no_dose_today.to_owned()))
    } else if let Some(at) = already {
        Some(match done.done.as_deref() {
            Some("now") => (true, t.checkin_done.to_owned()),
            _ => (true, format!("{}{}", t.checkin_before, t.time(at))),
        })
    } else {
        None
    };
    html(CheckInPage {
        number: desk.series.number.to_string(),
        doses: dose_rows(t, &catalog, &desk.series, &desk.checked_in),
        today: desk.to_check_in().map(|d| d.number.get()),
        message,
        name_kanji: desk.opened.get(Field::NameKanji).map(str::to_owned),
        name_kana: desk.opened.get(Field::NameKana).map(str::to_owned),
        frame,
        t,
    })
}

#[derive(Deserialize)]
pub struct CheckInForm {}

/// Checks today's dose in (once), then back to the desk's page.
pub async fn check_in(
    State(state): State<OfficeState>,
    StaffPage { staff, .. }: StaffPage,
    Path(number): Path<String>,
    CsrfForm(CheckInForm {}): CsrfForm<CheckInForm>,
) -> Result<Response, OfficeError> {
    let number = self::number(&staff, Duty::CheckIn, &number)?;
    let back = format!("/checkin/{number}");
    let done = checkin::check_in(
        state.operations(),
        &staff.actor(),
        staff.account.id,
        &number,
    )
    .await?;
    Ok(match done {
        CheckIn::Now(_) => Redirect::to(&format!("{back}?done=now")),
        CheckIn::Before(_) | CheckIn::NotDue => Redirect::to(&back),
    }
    .into_response())
}
