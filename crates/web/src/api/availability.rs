//! `GET /api/v1/availability`: open slots and their free places (public).

use super::model::SlotJson;
use crate::error::{ApiError, ErrorBody};
use crate::lang::Lang;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use sesshu_domain::tokyo_day;
use utoipa::IntoParams;

/// The longest range one request may ask for.
const MAX_DAYS: u64 = 92;
/// The range when none is given.
const DEFAULT_DAYS: u64 = 56;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// First day (Asia/Tokyo), `YYYY-MM-DD`; default today.
    from: Option<String>,
    /// Last day, inclusive; default 8 weeks after `from`. At most 92 days.
    to: Option<String>,
}

fn day(s: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    s.map(|s| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ApiError::BadRequest("invalid_date"))
    })
    .transpose()
}

/// Open slots starting on the days `from..=to`, with their free places.
#[utoipa::path(
    get,
    path = "/api/v1/availability",
    params(AvailabilityQuery),
    responses(
        (status = 200, description = "Slots in start order", body = [SlotJson]),
        (status = 400, description = "`invalid_date` or `invalid_range`", body = ErrorBody),
    ),
    tag = "availability"
)]
pub async fn availability(
    State(state): State<AppState>,
    Lang(lang): Lang,
    Query(query): Query<AvailabilityQuery>,
) -> Result<Json<Vec<SlotJson>>, ApiError> {
    let bookings = state.bookings();
    let from = day(query.from.as_deref())?.unwrap_or_else(|| tokyo_day(bookings.now()));
    let to = match day(query.to.as_deref())? {
        Some(to) => to,
        None => from
            .checked_add_days(Days::new(DEFAULT_DAYS))
            .ok_or(ApiError::BadRequest("invalid_range"))?,
    };
    let span = (to - from).num_days();
    if span < 0 || span >= MAX_DAYS as i64 {
        return Err(ApiError::BadRequest("invalid_range"));
    }
    let slots = bookings.availability(from, to).await?;
    let catalog = state.store().catalog().await?;
    Ok(Json(
        slots
            .iter()
            .map(|s| SlotJson::new(s, &catalog, lang))
            .collect(),
    ))
}
