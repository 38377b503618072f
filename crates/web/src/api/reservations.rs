//! `/api/v1/me/reservations`: the signed-in person's reservation series.

use super::ApiJson;
use super::model::SeriesJson;
use crate::error::{ApiError, ErrorBody};
use crate::lang::Lang;
use crate::signed_in::{ApiUser, SignedIn};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sesshu_core::LaneChoice;
use sesshu_domain::{Language, ReservationNumber, Series, SlotId};
use sesshu_store::{Booked, Idempotency};
use utoipa::ToSchema;

/// The slot to book, or to move to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SlotChoice {
    slot_id: i64,
}

async fn render(
    state: &AppState,
    user: &SignedIn,
    series: &[Series],
    lang: Language,
) -> Result<Vec<SeriesJson>, ApiError> {
    let catalog = state.catalog().await?;
    let now = state.clock().now();
    let mut rendered = Vec::with_capacity(series.len());
    for s in series {
        let vouchers = state.vouchers().states(s).await?;
        rendered.push(SeriesJson::new(
            s,
            &vouchers,
            &catalog,
            &user.institution,
            now,
            lang,
        ));
    }
    Ok(rendered)
}

async fn render_one(
    state: &AppState,
    user: &SignedIn,
    series: &Series,
    lang: Language,
) -> Result<SeriesJson, ApiError> {
    render(state, user, std::slice::from_ref(series), lang)
        .await?
        .pop()
        .ok_or(ApiError::Internal)
}

/// A booking's answer: a series made just now has no voucher yet, so its
/// vouchers are not asked for; a replayed one is rendered as it is now.
async fn render_booked(
    state: &AppState,
    user: &SignedIn,
    booked: &Booked,
    lang: Language,
) -> Result<SeriesJson, ApiError> {
    match booked {
        Booked::Created(series) => Ok(SeriesJson::new(
            series,
            &[],
            &*state.catalog().await?,
            &user.institution,
            state.clock().now(),
            lang,
        )),
        Booked::Replayed(series) => render_one(state, user, series, lang).await,
    }
}

fn number(id: &str) -> Result<ReservationNumber, ApiError> {
    ReservationNumber::parse(id).map_err(|_| ApiError::NotFound)
}

/// The `Idempotency-Key` header: 1 to 255 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| ApiError::BadRequest("invalid_idempotency_key"))?;
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::BadRequest("invalid_idempotency_key"));
    }
    Ok(Some(key.to_owned()))
}

/// The person's reservation series, newest first, cancelled ones included.
#[utoipa::path(
    get,
    path = "/api/v1/me/reservations",
    responses(
        (status = 200, description = "The person's reservations, newest first", body = [SeriesJson]),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
    ),
    tag = "reservations"
)]
pub async fn list(
    State(state): State<AppState>,
    Lang(lang): Lang,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<SeriesJson>>, ApiError> {
    let series = state.bookings().series_of(&user.person).await?;
    Ok(Json(render(&state, &user, &series, lang).await?))
}

/// Books a series starting in the first-dose slot `slot_id`. The second dose
/// is booked with it, atomically: the same venue and time after the
/// vaccine's interval, or the nearest free slot that day; if there is none,
/// nothing is booked (`no_second_dose_slot`).
///
/// A person whose first dose was received elsewhere (see
/// `/api/v1/me/doses-elsewhere`) books the second dose alone: `slot_id` is a
/// second-dose slot on or after the day the vaccine's interval allows
/// (`second_dose_only`, `interval_not_met` otherwise); with both doses
/// elsewhere nothing is booked (`already_vaccinated`).
///
/// With an `Idempotency-Key` header, repeating the request replays the first
/// answer (header `Idempotent-Replayed: true`) and never books twice.
#[utoipa::path(
    post,
    path = "/api/v1/me/reservations",
    request_body = SlotChoice,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to repeat: 1 to 255 visible ASCII characters", pattern = "^[!-~]{1,255}$", min_length = 1, max_length = 255)),
    responses(
        (status = 201, description = "Booked", body = SeriesJson),
        (status = 400, description = "`invalid_body`, `invalid_idempotency_key`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`not_eligible`, `cross_site_request`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such slot", body = ErrorBody),
        (status = 409, description = "`slot_full`, `already_booked`, `already_vaccinated`, `deadline_passed`, `no_second_dose_slot`, `not_open_yet`, `slot_closed`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`not_first_dose`, `second_dose_only`, `interval_not_met`, `other_vaccine`, `idempotency_key_reused`", body = ErrorBody),
        (status = 503, description = "`busy`: retry", body = ErrorBody),
    ),
    tag = "reservations"
)]
pub async fn create(
    State(state): State<AppState>,
    Lang(lang): Lang,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    ApiJson(choice): ApiJson<SlotChoice>,
) -> Result<Response, ApiError> {
    let idempotency = idempotency_key(&headers)?.map(|key| Idempotency {
        key,
        fingerprint: format!("book slot={}", choice.slot_id),
    });
    let booked = state
        .bookings()
        .book(
            user.booker(),
            SlotId::new(choice.slot_id),
            LaneChoice::Exact,
            idempotency,
            lang,
        )
        .await?;
    let body = Json(render_booked(&state, &user, &booked, lang).await?);
    let mut response = (StatusCode::CREATED, body).into_response();
    if let Booked::Replayed(_) = booked {
        response.headers_mut().insert(
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}

/// Moves a series to `slot_id`: a first-dose slot moves both doses (the
/// second follows the vaccine's interval); a second-dose slot moves only the
/// second dose. Only until the change deadline.
#[utoipa::path(
    patch,
    path = "/api/v1/me/reservations/{id}",
    params(("id" = String, Path, description = "Reservation number")),
    request_body = SlotChoice,
    responses(
        (status = 200, description = "Changed", body = SeriesJson),
        (status = 400, description = "`invalid_body`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`not_eligible`, `cross_site_request`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 409, description = "`deadline_passed`, `slot_full`, `no_second_dose_slot`, `not_active`", body = ErrorBody),
        (status = 422, description = "`interval_not_met`, `other_vaccine`, `second_dose_only`", body = ErrorBody),
        (status = 503, description = "`busy`: retry", body = ErrorBody),
    ),
    tag = "reservations"
)]
pub async fn change(
    State(state): State<AppState>,
    Lang(lang): Lang,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(choice): ApiJson<SlotChoice>,
) -> Result<Json<SeriesJson>, ApiError> {
    let number = number(&id)?;
    let series = state
        .bookings()
        .change(
            user.booker(),
            &number,
            SlotId::new(choice.slot_id),
            LaneChoice::Exact,
            lang,
        )
        .await?;
    Ok(Json(render_one(&state, &user, &series, lang).await?))
}

/// Cancels a series and frees its places. Only until the change deadline;
/// cancelling a cancelled series answers it again.
#[utoipa::path(
    delete,
    path = "/api/v1/me/reservations/{id}",
    params(("id" = String, Path, description = "Reservation number")),
    responses(
        (status = 200, description = "Cancelled", body = SeriesJson),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`cross_site_request`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`deadline_passed`", body = ErrorBody),
        (status = 503, description = "`busy`: retry", body = ErrorBody),
    ),
    tag = "reservations"
)]
pub async fn cancel(
    State(state): State<AppState>,
    Lang(lang): Lang,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<SeriesJson>, ApiError> {
    let number = number(&id)?;
    let series = state
        .bookings()
        .cancel(user.booker(), &number, lang)
        .await?;
    Ok(Json(render_one(&state, &user, &series, lang).await?))
}
