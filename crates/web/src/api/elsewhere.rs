//! `/api/v1/me/doses-elsewhere`: the doses the signed-in person received
//! elsewhere, which they declare, change and withdraw themselves.
//!
//! A declared first dose lets the person book only a second dose (a
//! second-dose slot from the day the vaccine's interval allows); two doses,
//! nothing more. A declaration counts at once; the office confirms or
//! corrects it.

use super::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::signed_in::ApiUser;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use sesshu_domain::elsewhere::{Entry, parse_day};
use sesshu_domain::{DoseNumber, ElsewhereDose, TOKYO};
use utoipa::ToSchema;

/// A dose received elsewhere.
#[derive(Debug, Serialize, ToSchema)]
pub struct ElsewhereDoseJson {
    /// 1 or 2.
    pub dose: u8,
    /// The day it was given, `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date, example = "2026-11-02")]
    pub given_on: NaiveDate,
    /// The vaccine given, as named.
    #[schema(example = "Moderna")]
    pub product: String,
    /// Where (may be empty).
    pub place: String,
    /// `declared` (by the person), `office` (entered by the office) or
    /// `import` (the office's history import).
    pub source: String,
    /// When the office confirmed it; until then the person may change or
    /// withdraw their declaration.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub confirmed_at: Option<DateTime<FixedOffset>>,
}

impl ElsewhereDoseJson {
    pub fn new(dose: &ElsewhereDose) -> Self {
        Self {
            dose: dose.dose.get(),
            given_on: dose.given_on,
            product: dose.product.clone(),
            place: dose.place.clone(),
            source: dose.source.as_str().to_owned(),
            confirmed_at: dose
                .confirmed
                .map(|(at, _)| at.with_timezone(&TOKYO).fixed_offset()),
        }
    }
}

/// A declaration of a dose received elsewhere.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ElsewhereBody {
    /// The day it was given, `YYYY-MM-DD`; not in the future, and a second
    /// dose not before the first.
    #[schema(format = Date, example = "2026-11-02")]
    given_on: String,
    /// The vaccine given (at most 100 characters).
    #[schema(example = "Moderna")]
    product: String,
    /// Where (at most 200 characters).
    #[serde(default)]
    place: String,
}

fn dose(text: &str) -> Result<DoseNumber, ApiError> {
    text.parse().map_err(|_| ApiError::NotFound)
}

/// The doses the person received elsewhere, in dose order.
#[utoipa::path(
    get,
    path = "/api/v1/me/doses-elsewhere",
    responses(
        (status = 200, description = "The doses received elsewhere, in dose order", body = [ElsewhereDoseJson]),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
    ),
    tag = "history"
)]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<ElsewhereDoseJson>>, ApiError> {
    let history = state.bookings().history(&user.person).await?;
    Ok(Json(
        history
            .elsewhere
            .iter()
            .map(ElsewhereDoseJson::new)
            .collect(),
    ))
}

/// One dose received elsewhere.
#[utoipa::path(
    get,
    path = "/api/v1/me/doses-elsewhere/{dose}",
    params(("dose" = u8, Path, description = "1 or 2")),
    responses(
        (status = 200, description = "The dose", body = ElsewhereDoseJson),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`not_found`: none declared or recorded", body = ErrorBody),
    ),
    tag = "history"
)]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(number): Path<String>,
) -> Result<Json<ElsewhereDoseJson>, ApiError> {
    let dose = dose(&number)?;
    let history = state.bookings().history(&user.person).await?;
    history
        .elsewhere(dose)
        .map(|d| Json(ElsewhereDoseJson::new(d)))
        .ok_or(ApiError::NotFound)
}

/// Declares dose `dose` (1 or 2) as received elsewhere, or replaces the
/// person's own declaration of it. It counts for booking at once: with the
/// first dose declared, a new reservation is the second dose alone; with
/// both, there is nothing to book. Only while the person holds no
/// reservation, and not for a dose the office recorded or confirmed.
#[utoipa::path(
    put,
    path = "/api/v1/me/doses-elsewhere/{dose}",
    params(("dose" = u8, Path, description = "1 or 2")),
    request_body = ElsewhereBody,
    responses(
        (status = 200, description = "Recorded", body = ElsewhereDoseJson),
        (status = 400, description = "`invalid_body`, `invalid_date`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`cross_site_request`", body = ErrorBody),
        (status = 404, description = "`not_found`: not a dose number", body = ErrorBody),
        (status = 409, description = "`confirmed_by_office`, `reservation_held`, `dose_held_here`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`date_in_future`, `before_first_dose`, `after_second_dose`, `no_product`, `product_invalid`, `place_invalid`", body = ErrorBody),
        (status = 503, description = "`busy`: retry", body = ErrorBody),
    ),
    tag = "history"
)]
pub async fn declare(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ElsewhereBody>,
) -> Result<Json<ElsewhereDoseJson>, ApiError> {
    let dose = dose(&number)?;
    let given_on = parse_day(&body.given_on).ok_or(ApiError::BadRequest("invalid_date"))?;
    let recorded = state
        .bookings()
        .declare_elsewhere(
            &user.person,
            Entry {
                dose,
                given_on,
                product: &body.product,
                place: &body.place,
            },
        )
        .await?;
    Ok(Json(ElsewhereDoseJson::new(&recorded)))
}

/// Withdraws the person's own declaration of dose `dose`: only while they
/// hold no reservation, and not once the office recorded or confirmed it.
#[utoipa::path(
    delete,
    path = "/api/v1/me/doses-elsewhere/{dose}",
    params(("dose" = u8, Path, description = "1 or 2")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`cross_site_request`", body = ErrorBody),
        (status = 404, description = "`not_found`: none declared", body = ErrorBody),
        (status = 409, description = "`confirmed_by_office`, `reservation_held`", body = ErrorBody),
        (status = 503, description = "`busy`: retry", body = ErrorBody),
    ),
    tag = "history"
)]
pub async fn withdraw(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(number): Path<String>,
) -> Result<StatusCode, ApiError> {
    let dose = dose(&number)?;
    state
        .bookings()
        .withdraw_elsewhere(&user.person, dose)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
