//! The booking forms: book a time (`POST /reservations`), move the
//! reservation to another time (`POST /me/change`).

use crate::error::{ApiError, PageError};
use crate::lang::Lang;
use crate::signed_in::PageUser;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sesshu_core::{BookingError, LaneChoice};
use sesshu_domain::{Rejection, SlotId};
use sesshu_http::CsrfForm;
use sesshu_store::Idempotency;

#[derive(Deserialize)]
pub struct TimeForm {
    slot: i64,
    /// The day page to go back to with an error.
    day: String,
    /// The page's idempotency key.
    idem: String,
}

fn day_page(day: &str, refusal: Rejection) -> Response {
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    if day.is_empty() {
        return Redirect::to(&format!("/days?error={}", refusal.code())).into_response();
    }
    Redirect::to(&format!("/days/{day}?error={}", refusal.code())).into_response()
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 64 && key.bytes().all(|b| b.is_ascii_graphic())
}

pub async fn book(
    State(state): State<AppState>,
    Lang(lang): Lang,
    PageUser(user): PageUser,
    CsrfForm(form): CsrfForm<TimeForm>,
) -> Result<Response, PageError> {
    let idempotency = valid_key(&form.idem).then(|| Idempotency {
        key: form.idem.clone(),
        fingerprint: format!("page book slot={}", form.slot),
    });
    let result = state
        .bookings()
        .book(
            user.booker(),
            SlotId::new(form.slot),
            LaneChoice::AnyLane,
            idempotency,
            lang,
        )
        .await;
    match result {
        Ok(_) => Ok(Redirect::to("/me?done=booked").into_response()),
        Err(BookingError::Rejected(Rejection::AlreadyBooked)) => {
            Ok(Redirect::to("/me?error=already_booked").into_response())
        }
        Err(BookingError::Rejected(r)) => Ok(day_page(&form.day, r)),
        // The same page posted twice with different slots: show what exists.
        Err(BookingError::IdempotencyKeyReused) => Ok(Redirect::to("/me").into_response()),
        Err(e) => Err(ApiError::from(e).into()),
    }
}

pub async fn change(
    State(state): State<AppState>,
    Lang(lang): Lang,
    PageUser(user): PageUser,
    CsrfForm(form): CsrfForm<TimeForm>,
) -> Result<Response, PageError> {
    let bookings = state.bookings();
    let Some(series) = bookings
        .active_series(&user.person)
        .await
        .map_err(ApiError::from)?
    else {
        return Ok(Redirect::to("/me").into_response());
    };
    let result = bookings
        .change(
            user.booker(),
            &series.number,
            SlotId::new(form.slot),
            LaneChoice::AnyLane,
            lang,
        )
        .await;
    match result {
        Ok(_) => Ok(Redirect::to("/me?done=changed").into_response()),
        Err(BookingError::Rejected(Rejection::DeadlinePassed))
            if !user.institution.deadline.allows_change(
                series.first_appointment().unwrap_or_default(),
                bookings.now(),
            ) =>
        {
            Ok(Redirect::to("/me?error=deadline_passed").into_response())
        }
        Err(BookingError::Rejected(r)) => Ok(day_page(&form.day, r)),
        Err(e) => Err(ApiError::from(e).into()),
    }
}
