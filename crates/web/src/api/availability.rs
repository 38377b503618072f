//! `GET /api/v1/availability`: open slots and their free places (public).

use super::model::SlotJson;
use crate::error::{ApiError, ErrorBody};
use crate::lang::Lang;
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::{Datelike, Days, NaiveDate};
use serde::Deserialize;
use sesshu_domain::tokyo_day;
use utoipa::IntoParams;

/// The longest range one request may ask for.
const MAX_DAYS: u64 = 92;
/// The range when none is given.
const DEFAULT_DAYS: u64 = 56;

/// The query parameters, as documented. The handler reads the raw query so
/// that repeated or unknown parameters never fail before our own checks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AvailabilityQuery {
    /// First day (Asia/Tokyo), `YYYY-MM-DD`; default today.
    #[param(format = Date)]
    from: Option<String>,
    /// Last day, inclusive; default 8 weeks after `from`. At most 92 days.
    #[param(format = Date)]
    to: Option<String>,
}

/// A `YYYY-MM-DD` day between the years 2000 and 2100: anything else is a
/// mistake, and far-off years overflow what databases store.
fn day(s: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    s.map(|s| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=2100).contains(&d.year()))
            .ok_or(ApiError::BadRequest("invalid_date"))
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
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<SlotJson>>, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default())
            .map_err(|_| ApiError::BadRequest("invalid_query"))?;
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let bookings = state.bookings();
    let from = day(param("from"))?.unwrap_or_else(|| tokyo_day(bookings.now()));
    let to = match day(param("to"))? {
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
