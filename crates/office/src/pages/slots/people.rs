//! Emptying a slot: moving everyone who holds it to another slot.

use super::detail::{EditQuery, edit_page};
use crate::error::OfficeError;
use crate::pages::StaffPage;
use crate::path::Id;
use crate::state::OfficeState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::{Duty, Scope, SlotId};
use sesshu_http::CsrfForm;
use sesshu_operations::reservations::Reason;
use sesshu_operations::slots::{PeopleMoved, move_people as move_all};

#[derive(Deserialize)]
pub struct MovePeopleForm {
    target: Option<i64>,
    reason: String,
}

/// Moves everyone holding this slot to `target` (the same dose), one
/// reservation at a time, each with its audit entry and the usual mail;
/// says how many moved and which could not (the slot can then be closed).
pub async fn move_people(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Id(slot): Id<SlotId>,
    CsrfForm(form): CsrfForm<MovePeopleForm>,
) -> Result<Response, OfficeError> {
    // The roles first: a refused role's form is not read.
    staff.may(Duty::ManageSlots, Scope::Any)?;
    staff.may(Duty::ChangeReservations, Scope::Any)?;
    let t = frame.t;
    let actor = staff.actor();
    let no_query = EditQuery::default();
    let Some(target) = form.target.map(SlotId::new) else {
        let problem = t.office_move_choose.to_owned();
        return edit_page(&state, frame, &actor, slot, Some(problem), &no_query).await;
    };
    let Some(reason) = Reason::parse(&form.reason) else {
        let problem = t.office_cancel_reason_needed.to_owned();
        return edit_page(&state, frame, &actor, slot, Some(problem), &no_query).await;
    };
    let PeopleMoved { moved, not_moved } =
        move_all(state.operations(), &actor, slot, target, &reason).await?;
    let failed: Vec<String> = not_moved
        .iter()
        .map(|n| match n.rejection {
            Some(r) => format!("{} ({})", n.number, r.message(t.lang)),
            None => n.number.to_string(),
        })
        .collect();
    let query =
        serde_urlencoded::to_string([("moved", moved.to_string()), ("failed", failed.join(", "))])
            .unwrap_or_default();
    Ok(Redirect::to(&format!("/slots/{slot}?{query}")).into_response())
}
