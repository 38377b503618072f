//! One slot: its places taken, the form that changes its capacity, closing,
//! eligibility and quotas, where its people may move, and deleting it.

use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::pages::{Frame, StaffPage, html};
use crate::path::Id;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sesshu_domain::{Duty, InstitutionId, Scope, SlotEligibility, SlotId, TOKYO, UserType};
use sesshu_http::CsrfForm;
use sesshu_operations::slots::{DeletedSlot, SlotDetail, change_slot, delete_slot, slot_detail};
use sesshu_operations::{Actor, OperationError, reference};
use sesshu_store::{SlotChange, SlotChanged, SlotDeleted};
use std::collections::BTreeMap;

/// A time the slot's people may move to.
#[derive(Debug)]
pub struct MoveOption {
    pub slot: i64,
    /// "time venue".
    pub label: String,
    /// The places left at that time.
    pub free: u32,
}

#[derive(Template)]
#[template(path = "slot_edit.html")]
struct EditPage {
    frame: Frame,
    t: &'static Texts,
    id: i64,
    when: String,
    place: String,
    booked: u32,
    capacity: u32,
    closed: bool,
    institutions: Vec<(i64, String, bool)>,
    user_types: Vec<(&'static str, &'static str, bool)>,
    /// Each institution's quota field: id, name, value (empty: none).
    quotas: Vec<(i64, String, String)>,
    problem: Option<String>,
    done: bool,
    /// Back to the slot's day.
    day_link: String,
    /// Where its people may move (when it has any): the day shown, the times.
    move_day: String,
    times: Vec<MoveOption>,
    /// What moving them did.
    report: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct EditQuery {
    done: Option<String>,
    day: Option<String>,
    moved: Option<usize>,
    failed: Option<String>,
}

/// The slot's page, with `problem` said on it; 404 for an unknown slot.
pub(super) async fn edit_page(
    state: &OfficeState,
    frame: Frame,
    actor: &Actor,
    slot: SlotId,
    problem: Option<String>,
    query: &EditQuery,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let move_day = query
        .day
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let SlotDetail {
        slot,
        catalog,
        institutions,
        move_day,
        move_to,
    } = slot_detail(state.operations(), actor, slot, move_day).await?;
    let times = move_to
        .iter()
        .map(|to| MoveOption {
            slot: to.slot.get(),
            label: format!(
                "{} {}",
                t.time(to.starts_at),
                catalog
                    .venue(to.venue)
                    .map(|v| v.name(t.lang))
                    .unwrap_or_default()
            ),
            free: to.free,
        })
        .collect();
    let report = query.moved.map(|n| {
        let failed = query.failed.clone().unwrap_or_default();
        if failed.is_empty() {
            t.slot_moved(n)
        } else {
            format!(
                "{} {}{}{failed}",
                t.slot_moved(n),
                t.slot_not_moved,
                t.colon
            )
        }
    });
    let venue = catalog
        .venue(slot.venue)
        .map(|v| v.name(t.lang))
        .unwrap_or_default();
    let lane = catalog
        .lane(slot.lane)
        .map(|l| l.name(t.lang))
        .unwrap_or_default();
    html(EditPage {
        id: slot.id.get(),
        when: format!(
            "{} – {}",
            t.time(slot.starts_at),
            slot.ends_at.with_timezone(&TOKYO).format("%H:%M")
        ),
        place: format!("{venue} {lane}（{}{}）", t.dose, slot.dose.get()),
        booked: slot.booked,
        capacity: slot.capacity,
        closed: slot.closed,
        institutions: institutions
            .iter()
            .map(|i| {
                (
                    i.id.get(),
                    i.name(t.lang).to_owned(),
                    slot.eligibility.institutions.contains(&i.id),
                )
            })
            .collect(),
        user_types: UserType::ALL
            .iter()
            .map(|u| {
                (
                    u.as_str(),
                    t.user_type(Some(*u)),
                    slot.eligibility.user_types.contains(u),
                )
            })
            .collect(),
        quotas: institutions
            .iter()
            .map(|i| {
                (
                    i.id.get(),
                    i.name(t.lang).to_owned(),
                    slot.quotas
                        .get(&i.id)
                        .map(|q| q.places.to_string())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        problem,
        done: query.done.is_some(),
        move_day: move_day.format("%Y-%m-%d").to_string(),
        times,
        report,
        day_link: format!(
            "/slots?day={}&venue={}",
            sesshu_domain::tokyo_day(slot.starts_at).format("%Y-%m-%d"),
            slot.venue
        ),
        frame,
        t,
    })
}

/// One slot: its places taken, and the form that changes it.
pub async fn edit(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Id(slot): Id<SlotId>,
    Query(query): Query<EditQuery>,
) -> Result<Response, OfficeError> {
    edit_page(&state, frame, &staff.actor(), slot, None, &query).await
}

/// Deletes a slot nobody holds or held a place in (checked under its row
/// lock); otherwise says why, and the slot stays.
pub async fn delete(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Id(slot): Id<SlotId>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let actor = staff.actor();
    let DeletedSlot { slot, outcome } = delete_slot(state.operations(), &actor, slot).await?;
    let problem = match outcome {
        SlotDeleted::Deleted => {
            let day = sesshu_domain::tokyo_day(slot.starts_at);
            return Ok(
                Redirect::to(&format!("/slots?day={day}&venue={}&deleted=1", slot.venue))
                    .into_response(),
            );
        }
        SlotDeleted::HasBookings(n) => t.slot_delete_has_bookings(n),
        SlotDeleted::HasHistory(n) => t.slot_delete_has_history(n),
    };
    let query = EditQuery::default();
    edit_page(&state, frame, &actor, slot.id, Some(problem), &query).await
}

/// Changes capacity, closing and eligibility; never below the places
/// booked, never closing a slot with bookings (its people move first).
pub async fn update(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Id(slot): Id<SlotId>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    // The role first: a refused role's form is not read.
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let t = frame.t;
    let actor = staff.actor();
    let no_query = EditQuery::default();
    fn field<'a>(pairs: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
        pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    let field = |name: &'static str| field(&pairs, name);
    let Some(capacity) = field("capacity")
        .next()
        .and_then(|c| c.trim().parse::<u32>().ok())
        .filter(|c| *c <= 1000)
    else {
        let problem = format!("{}{}{}", t.slots_capacity, t.colon, t.slots_bad_number);
        return edit_page(&state, frame, &actor, slot, Some(problem), &no_query).await;
    };
    let mut quotas = BTreeMap::new();
    for (key, value) in &pairs {
        let Some(id) = key.strip_prefix("quota_") else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        match (id.parse::<InstitutionId>(), value.trim().parse::<u32>()) {
            (Ok(id), Ok(places)) if places <= 1000 => {
                quotas.insert(id, places);
            }
            _ => {
                let problem = format!("{}{}{}", t.slot_quotas, t.colon, t.slots_bad_number);
                return edit_page(&state, frame, &actor, slot, Some(problem), &no_query).await;
            }
        }
    }
    let change = SlotChange {
        quotas,
        capacity,
        closed: field("closed").next().is_some(),
        eligibility: SlotEligibility {
            institutions: field("institution")
                .filter_map(|i| i.parse().ok().map(InstitutionId::new))
                .collect(),
            user_types: field("user_type")
                .filter_map(|u| UserType::parse(u).ok())
                .collect(),
        },
    };
    let problem = match change_slot(state.operations(), &actor, slot, &change).await? {
        SlotChanged::Done => {
            return Ok(Redirect::to(&format!("/slots/{slot}?done=1")).into_response());
        }
        SlotChanged::BelowBooked(n) => t.slot_below_booked(n),
        SlotChanged::HasBookings(n) => t.slot_has_bookings(n),
        SlotChanged::QuotaBelowHeld(institution, n) => {
            let name = match reference::institution(state.operations(), institution).await {
                Ok(institution) => institution.name(t.lang).to_owned(),
                Err(OperationError::NotFound) => String::new(),
                Err(e) => return Err(e.into()),
            };
            t.slot_quota_below(&name, n)
        }
    };
    edit_page(&state, frame, &actor, slot, Some(problem), &no_query).await
}
