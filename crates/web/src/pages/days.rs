//! `/days`: the days with free places; `/days/{date}`: the times of a day.

use super::{Frame, html};
use crate::error::{ApiError, PageError};
use crate::i18n::Texts;
use crate::lang::Lang;
use crate::signed_in::PageUser;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::NaiveDate;
use rand::RngCore;
use serde::Deserialize;
use sesshu_core::SlotOffer;
use sesshu_domain::{Rejection, ToBook, VenueId};
use std::collections::BTreeMap;

#[derive(Debug)]
struct DayRow {
    iso: String,
    label: String,
    free: String,
    full: bool,
    /// The day of the person's current first dose.
    mine: bool,
}

#[derive(Template)]
#[template(path = "days.html")]
struct DaysPage {
    t: &'static Texts,
    frame: Frame,
    days: Vec<DayRow>,
    reservation: Option<String>,
    /// Past the change deadline: nothing to choose here.
    locked: bool,
    /// Both doses were received elsewhere: nothing to book.
    vaccinated: bool,
    /// The first dose was received elsewhere: the second dose alone is
    /// booked, from these days (one per vaccine with a second dose).
    second_from: Option<String>,
}

pub async fn days(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let bookings = state.bookings();
    let offers = bookings.days(user.booker()).await.map_err(ApiError::from)?;
    let active = bookings
        .active_series(&user.person)
        .await
        .map_err(ApiError::from)?;
    let locked = active
        .as_ref()
        .is_some_and(|s| user.booker().check_changeable(s, bookings.now()).is_err());
    // The day of the series' first appointment here (a series of the
    // second dose alone has no first dose).
    let booked_day = active
        .as_ref()
        .and_then(|s| s.doses.first())
        .map(|d| d.day());
    let to_book = bookings
        .to_book(&user.person)
        .await
        .map_err(ApiError::from)?;
    let second_from = match to_book {
        ToBook::SecondDose { .. } => {
            let catalog = state.catalog().await?;
            let days: Vec<String> = catalog
                .vaccines
                .iter()
                .filter_map(|v| {
                    to_book
                        .second_dose_from(v)
                        .map(|d| format!("{} ({})", t.date(d), v.name(lang.0)))
                })
                .collect();
            Some(days.join(", "))
        }
        ToBook::BothDoses | ToBook::Nothing => None,
    };
    html(DaysPage {
        t,
        frame,
        days: offers
            .into_iter()
            .map(|d| DayRow {
                iso: d.day.format("%Y-%m-%d").to_string(),
                label: t.short_date(d.day),
                free: match d.refusal {
                    None => t.places_left(d.bookable),
                    Some(Rejection::DeadlinePassed) => t.time_closed_online.to_owned(),
                    Some(Rejection::NotOpenYet) => t.time_not_open.to_owned(),
                    Some(_) => t.day_full.to_owned(),
                },
                full: d.bookable == 0,
                mine: booked_day == Some(d.day),
            })
            .collect(),
        reservation: active.map(|s| s.number.to_string()),
        locked,
        vaccinated: to_book == ToBook::Nothing,
        second_from,
    })
}

#[derive(Debug)]
struct TimeRow {
    label: String,
    free: String,
    /// The slot to post; `None` when the time cannot be booked.
    slot: Option<i64>,
}

#[derive(Debug)]
struct VenueTimes {
    name: String,
    times: Vec<TimeRow>,
}

#[derive(Template)]
#[template(path = "day.html")]
struct DayPage {
    t: &'static Texts,
    frame: Frame,
    date: String,
    iso: String,
    venues: Vec<VenueTimes>,
    changing: bool,
    /// The first dose was received elsewhere: these are second-dose times.
    second_only: bool,
    /// A fresh idempotency key: a double-submitted form books once.
    idem: String,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct DayQuery {
    error: Option<String>,
}

/// One line per time: the lanes of a venue at one time are one choice.
fn time_row(t: &Texts, offers: &[&SlotOffer]) -> TimeRow {
    let first = offers[0];
    let label = format!(
        "{}–{}",
        t.time(first.slot.starts_at),
        t.time(first.slot.ends_at)
    );
    let bookable: Vec<&&SlotOffer> = offers.iter().filter(|o| o.refusal.is_none()).collect();
    let free: u32 = bookable.iter().map(|o| o.free).sum();
    if let Some(best) = bookable.iter().max_by_key(|o| o.free) {
        return TimeRow {
            label,
            free: t.places_left(free),
            slot: Some(best.slot.id.get()),
        };
    }
    let reason = offers
        .iter()
        .filter_map(|o| o.refusal)
        .min_by_key(|r| match r {
            Rejection::DeadlinePassed => 0,
            Rejection::NotOpenYet => 1,
            _ => 2,
        });
    let free = match reason {
        Some(Rejection::DeadlinePassed) => t.time_closed_online,
        Some(Rejection::NotOpenYet) => t.time_not_open,
        _ => t.time_full,
    };
    TimeRow {
        label,
        free: free.to_owned(),
        slot: None,
    }
}

pub async fn day(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    PageUser(user): PageUser,
    Path(date): Path<String>,
    Query(query): Query<DayQuery>,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let day = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| PageError::NotFound)?;
    let bookings = state.bookings();
    let offers = bookings
        .offers_on(user.booker(), day)
        .await
        .map_err(ApiError::from)?;
    let active = bookings
        .active_series(&user.person)
        .await
        .map_err(ApiError::from)?;
    if active
        .as_ref()
        .is_some_and(|s| user.booker().check_changeable(s, bookings.now()).is_err())
    {
        return Ok(axum::response::Redirect::to("/me").into_response());
    }
    let changing = active.is_some();
    let second_only = matches!(
        bookings
            .to_book(&user.person)
            .await
            .map_err(ApiError::from)?,
        ToBook::SecondDose { .. }
    );
    let catalog = state.catalog().await?;

    let mut by_venue: BTreeMap<VenueId, BTreeMap<_, Vec<&SlotOffer>>> = BTreeMap::new();
    for offer in &offers {
        by_venue
            .entry(offer.slot.venue)
            .or_default()
            .entry(offer.slot.starts_at)
            .or_default()
            .push(offer);
    }
    let venues = by_venue
        .into_iter()
        .map(|(venue, times)| VenueTimes {
            name: catalog
                .venue(venue)
                .map(|v| v.name(lang.0).to_owned())
                .unwrap_or_default(),
            times: times.values().map(|o| time_row(t, o)).collect(),
        })
        .collect();

    let mut key = [0u8; 16];
    rand::rng().fill_bytes(&mut key);
    html(DayPage {
        t,
        frame,
        date: t.date(day),
        iso: date,
        venues,
        changing,
        second_only,
        idem: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key),
        error: query
            .error
            .as_deref()
            .and_then(Rejection::from_code)
            .map(|r| r.message(lang.0)),
    })
}
