//! The office home: counts for the administrator's scope.

use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use sesshu_domain::Role;
use sesshu_operations::reference;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    frame: Frame,
    t: &'static Texts,
    scope: String,
    counts: Vec<(&'static str, u64)>,
}

pub async fn home(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
) -> Result<Response, OfficeError> {
    // Venue staff have one page.
    if matches!(staff.account.role, Role::VenueStaff { .. }) {
        return Ok(Redirect::to("/checkin").into_response());
    }
    let t = frame.t;
    let (institution, c) = reference::overview(state.operations(), &staff.actor()).await?;
    let scope = match &institution {
        None => t.scope_all.to_owned(),
        Some(institution) => institution.name(t.lang).to_owned(),
    };
    let mut counts = vec![
        (t.count_members, c.members),
        (t.count_persons, c.persons),
        (t.count_active, c.active_series),
        (t.count_cancelled, c.cancelled_series),
        (t.count_checked_in, c.checked_in),
        (t.count_upcoming_slots, c.upcoming_slots),
        (t.count_free_places, c.upcoming_free_places),
    ];
    if institution.is_none() {
        counts.insert(0, (t.count_institutions, c.institutions));
    }
    html(HomePage {
        frame,
        t,
        scope,
        counts,
    })
}
