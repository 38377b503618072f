//! Cancelling or moving a reservation for its person, after the deadline
//! too, with a reason; the person gets the usual mail.

use super::{DoseRow, TimeOption, dose_rows, number, time_rows};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::pages::{Frame, StaffPage, html};
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::{Duty, SlotId};
use sesshu_http::CsrfForm;
use sesshu_operations::reference;
use sesshu_operations::reservations::{self, Cancelled, MoveChoices, Moved, Reason};

#[derive(Deserialize)]
pub struct CancelForm {
    reason: String,
}

/// Cancels a reservation for its person, at any time (after the deadline
/// too), with a reason; the person gets the usual mail, in the language of
/// their last one.
pub async fn cancel(
    State(state): State<OfficeState>,
    staff: Staff,
    Path(number): Path<String>,
    CsrfForm(form): CsrfForm<CancelForm>,
) -> Result<Response, OfficeError> {
    let number = self::number(&staff, Duty::ChangeReservations, &number)?;
    let ops = state.operations();
    let actor = staff.actor();
    let Some(reason) = Reason::parse(&form.reason) else {
        // Out of scope is not found, whatever the form says.
        reservations::find(ops, &actor, Duty::ChangeReservations, &number).await?;
        return Ok(Redirect::to(&format!("/reservations/{number}?error=reason")).into_response());
    };
    Ok(
        match reservations::cancel(ops, &actor, &number, &reason).await? {
            Cancelled::Cancelled => Redirect::to(&format!("/reservations/{number}?done=cancelled")),
            Cancelled::NotActive => Redirect::to(&format!("/reservations/{number}")),
        }
        .into_response(),
    )
}

#[derive(Template)]
#[template(path = "move.html")]
struct MovePage {
    frame: Frame,
    t: &'static Texts,
    number: String,
    day: String,
    doses: Vec<DoseRow>,
    times: Vec<TimeOption>,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct MoveQuery {
    day: Option<String>,
    error: Option<String>,
}

/// The first-dose times of a day with free places (any venue, the series'
/// vaccine), to move the whole series to; the second dose follows.
pub async fn move_form(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Path(number): Path<String>,
    Query(query): Query<MoveQuery>,
) -> Result<Response, OfficeError> {
    let number = self::number(&staff, Duty::ChangeReservations, &number)?;
    let t = frame.t;
    let day = query
        .day
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let MoveChoices {
        series,
        checked_in,
        day,
        times,
    } = reservations::move_choices(state.operations(), &staff.actor(), &number, day).await?;
    let catalog = reference::catalog(state.operations()).await?;
    html(MovePage {
        number: series.number.to_string(),
        day: day.format("%Y-%m-%d").to_string(),
        doses: dose_rows(t, &catalog, &series, &checked_in),
        times: time_rows(t, &catalog, &times),
        error: query.error.as_deref().map(|code| match code {
            "reason" => t.office_cancel_reason_needed,
            "slot" => t.office_move_choose,
            _ => t.office_move_refused,
        }),
        frame,
        t,
    })
}

#[derive(Deserialize)]
pub struct MoveForm {
    slot: Option<SlotId>,
    reason: String,
}

/// Moves the series for its person, after the deadline too, with a reason;
/// the person gets the usual mail.
pub async fn move_series(
    State(state): State<OfficeState>,
    staff: Staff,
    Path(number): Path<String>,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> Result<Response, OfficeError> {
    let number = self::number(&staff, Duty::ChangeReservations, &number)?;
    let ops = state.operations();
    let actor = staff.actor();
    let back = |error: &str| {
        Ok(Redirect::to(&format!("/reservations/{number}/move?error={error}")).into_response())
    };
    let (Some(reason), Some(slot)) = (Reason::parse(&form.reason), form.slot) else {
        // Out of scope is not found, whatever the form says.
        reservations::find(ops, &actor, Duty::ChangeReservations, &number).await?;
        let missing = if Reason::parse(&form.reason).is_none() {
            "reason"
        } else {
            "slot"
        };
        return back(missing);
    };
    match reservations::move_series(ops, &actor, &number, slot, &reason).await? {
        Moved::Moved => {
            Ok(Redirect::to(&format!("/reservations/{number}?done=moved")).into_response())
        }
        Moved::Refused(r) => back(r.code()),
    }
}
