//! Check-in at the venue: today's dose of a reservation, the name to
//! confirm who is at the desk (audited), and the button that records it.

use super::reservations::{DoseRow, dose_rows, find};
use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::AuditObject;
use sesshu_domain::{Dose, Duty, Person, ReservationNumber, Scope, Series, SeriesState, tokyo_day};
use sesshu_http::CsrfForm;
use sesshu_operations::personal;
use sesshu_store::CheckedIn;
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

/// The reservation, its person, and the dose due today, if the role may
/// check people in there. Venue staff see nothing of a reservation that
/// has no dose at their venue today.
async fn due_today(
    state: &OfficeState,
    staff: &Staff,
    number: &str,
) -> Result<(Series, Person, Option<Dose>), OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let (series, person) = find(state, number).await?;
    let today = tokyo_day(state.clock().now());
    let dose = series
        .doses
        .iter()
        .find(|d| tokyo_day(d.starts_at) == today)
        .cloned();
    match &dose {
        Some(d) => staff.may(Duty::CheckIn, Scope::Venue(d.venue))?,
        None if staff.account.role.venue().is_some() => return Err(OfficeError::NotFound),
        None => {}
    }
    Ok((series, person, dose))
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn show(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Path(number): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, OfficeError> {
    let (series, person, dose) = due_today(&state, &staff, &number).await?;
    let t = frame.t;
    let catalog = state.store().catalog().await?;
    let doses = dose_rows(&state, t, &catalog, &series).await?;
    let checked = state.store().check_ins(series.id).await?;
    let already = dose
        .as_ref()
        .and_then(|d| checked.iter().find(|(n, _)| *n == d.number))
        .map(|(_, at)| *at);
    let message = if series.state == SeriesState::Cancelled {
        Some((false, t.checkin_cancelled.to_owned()))
    } else if dose.is_none() {
        Some((false, t.checkin_no_dose_today.to_owned()))
    } else if let Some(at) = already {
        Some(match done.done.as_deref() {
            Some("now") => (true, t.checkin_done.to_owned()),
            _ => (true, format!("{}{}", t.checkin_before, t.time(at))),
        })
    } else {
        None
    };
    let today = dose
        .filter(|_| series.state == SeriesState::Booked && already.is_none())
        .map(|d| d.number.get());
    let opened = personal::open(
        state.operations(),
        state.keys(),
        &staff.actor(),
        &person,
        &series,
        &[Field::NameKanji, Field::NameKana],
        "check-in",
    )
    .await?;
    html(CheckInPage {
        number: series.number.to_string(),
        doses,
        today,
        message,
        name_kanji: opened.get(Field::NameKanji).map(str::to_owned),
        name_kana: opened.get(Field::NameKana).map(str::to_owned),
        frame,
        t,
    })
}

#[derive(Deserialize)]
pub struct CheckInForm {}

pub async fn check_in(
    State(state): State<OfficeState>,
    StaffPage { staff, .. }: StaffPage,
    Path(number): Path<String>,
    CsrfForm(CheckInForm {}): CsrfForm<CheckInForm>,
) -> Result<Response, OfficeError> {
    let (series, person, dose) = due_today(&state, &staff, &number).await?;
    let back = format!("/checkin/{}", series.number);
    let Some(dose) = dose.filter(|_| series.state == SeriesState::Booked) else {
        return Ok(Redirect::to(&back).into_response());
    };
    let entry = staff.audit(
        state.clock().now(),
        sesshu_domain::AuditAction::CheckIn,
        vec![
            AuditObject::Series(series.id),
            AuditObject::Person(person.id),
            AuditObject::Venue(dose.venue),
        ],
        format!("dose {}", dose.number.get()),
    );
    let done = state
        .store()
        .check_in(series.id, dose.number, staff.account.id, &entry)
        .await?;
    Ok(match done {
        CheckedIn::Now(_) => Redirect::to(&format!("{back}?done=now")),
        CheckedIn::Before(_) => Redirect::to(&back),
    }
    .into_response())
}
