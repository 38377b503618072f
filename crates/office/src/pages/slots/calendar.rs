//! A day's slots at a venue with their places taken, and the day's quotas
//! per institution (never below what its people hold that day).

use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::pages::{Frame, StaffPage, html};
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sesshu_domain::{Duty, InstitutionId, Scope, TOKYO, VenueId};
use sesshu_http::CsrfForm;
use sesshu_operations::slots::{SlotDay, set_day_quotas, slot_day};
use sesshu_store::SlotChanged;
use std::collections::BTreeMap;

/// A slot as the day's list shows it.
#[derive(Debug)]
pub struct SlotRow {
    pub id: i64,
    pub time: String,
    pub lane: String,
    pub dose: u8,
    pub booked: u32,
    pub capacity: u32,
    pub closed: bool,
}

#[derive(Template)]
#[template(path = "slot_day.html")]
struct DayPage {
    frame: Frame,
    t: &'static Texts,
    day: String,
    venues: Vec<(i64, String, bool)>,
    rows: Vec<SlotRow>,
    /// A slot of it was just deleted.
    deleted: bool,
    venue: Option<i64>,
    /// Each institution's quota that day: id, name, value (empty: none),
    /// places its people hold.
    quotas: Vec<(i64, String, String, u32)>,
    quotas_saved: bool,
    quota_problem: Option<String>,
}

#[derive(Deserialize)]
pub struct DayQuery {
    day: Option<String>,
    venue: Option<i64>,
    deleted: Option<u8>,
    quotas: Option<u8>,
    /// A quota refused: the institution, and what its people hold.
    below: Option<String>,
}

/// The slots of a day at a venue, with their places taken.
pub async fn day(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<DayQuery>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let day = query
        .day
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let SlotDay {
        catalog,
        day,
        venue,
        slots,
        quotas,
    } = slot_day(
        state.operations(),
        &staff.actor(),
        day,
        query.venue.map(VenueId::new),
    )
    .await?;
    let rows = slots
        .iter()
        .map(|s| SlotRow {
            id: s.id.get(),
            time: s
                .starts_at
                .with_timezone(&TOKYO)
                .format("%H:%M")
                .to_string(),
            lane: catalog
                .lane(s.lane)
                .map(|l| l.name(t.lang).to_owned())
                .unwrap_or_default(),
            dose: s.dose.get(),
            booked: s.booked,
            capacity: s.capacity,
            closed: s.closed,
        })
        .collect();
    let below = query.below.as_deref().and_then(|b| b.split_once(':'));
    let quota_problem = quotas.iter().find_map(|q| {
        let (id, held) = below?;
        (id == q.institution.id.get().to_string())
            .then(|| t.slot_quota_below(q.institution.name(t.lang), held))
    });
    let quotas = quotas
        .iter()
        .map(|q| {
            (
                q.institution.id.get(),
                q.institution.name(t.lang).to_owned(),
                q.places.map(|p| p.to_string()).unwrap_or_default(),
                q.held,
            )
        })
        .collect();
    html(DayPage {
        venue: venue.map(|v| v.get()),
        quotas,
        quotas_saved: query.quotas.is_some(),
        quota_problem,
        deleted: query.deleted.is_some(),
        venues: catalog
            .venues
            .iter()
            .map(|v| (v.id.get(), v.name(t.lang).to_owned(), Some(v.id) == venue))
            .collect(),
        day: day.format("%Y-%m-%d").to_string(),
        rows,
        frame,
        t,
    })
}

/// Sets the quotas of a day at a venue (never below what an institution's
/// people hold there that day), audited.
pub async fn day_quotas(
    State(state): State<OfficeState>,
    staff: crate::signed_in::Staff,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    // The role first: a refused role's form is not read.
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let venue: VenueId = value("venue")
        .parse()
        .map_err(|_| OfficeError::BadRequest)?;
    let day = NaiveDate::parse_from_str(&value("day"), "%Y-%m-%d")
        .map_err(|_| OfficeError::BadRequest)?;
    let mut quotas = BTreeMap::new();
    for (key, value) in &pairs {
        let Some(id) = key.strip_prefix("quota_") else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        let (Ok(id), Ok(places)) = (id.parse::<InstitutionId>(), value.trim().parse::<u32>())
        else {
            return Err(OfficeError::BadRequest);
        };
        quotas.insert(id, places);
    }
    let back = format!("/slots?day={day}&venue={venue}");
    match set_day_quotas(state.operations(), &staff.actor(), venue, day, &quotas).await? {
        SlotChanged::QuotaBelowHeld(institution, held) => {
            Ok(Redirect::to(&format!("{back}&below={institution}:{held}")).into_response())
        }
        _ => Ok(Redirect::to(&format!("{back}&quotas=1")).into_response()),
    }
}
