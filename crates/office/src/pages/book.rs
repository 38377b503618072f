//! Booking for a person (代理予約): a phone call to the office. The person
//! is found by their institution and login id — made from the roster if
//! their institution's roster is Sesshu's and they never signed in — and
//! booked by the office's rules (no deadline, no opening time), with the
//! audit entry in the booking's transaction and the usual mail.

use super::reservations::{TimeOption, time_rows};
use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sesshu_domain::{Duty, InstitutionId, Scope, SlotId, Subject};
use sesshu_http::CsrfForm;
use sesshu_operations::reference;
use sesshu_operations::reservations::{self, BookFor, Bookable, Booked, Reason};

#[derive(Template)]
#[template(path = "book.html")]
struct BookPage {
    frame: Frame,
    t: &'static Texts,
    institutions: Vec<(i64, String, bool)>,
    institution: i64,
    member: String,
    day: String,
    /// The person was found (or can be made from the roster).
    found: bool,
    /// Their active reservation, if they have one.
    existing: Option<String>,
    times: Vec<TimeOption>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct BookQuery {
    institution: Option<i64>,
    member: Option<String>,
    day: Option<String>,
    error: Option<String>,
}

/// The booking form: the member looked up by institution and login id,
/// and the day's first-dose times to book them.
pub async fn form(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<BookQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ChangeReservations, Scope::Any)?;
    let t = frame.t;
    let all = super::institutions_for(&state, &staff, Duty::ChangeReservations).await?;
    let chosen = query
        .institution
        .and_then(|id| all.iter().find(|i| i.id.get() == id));
    let day = query
        .day
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or_else(|| sesshu_domain::tokyo_day(state.operations().now()));
    let member = query.member.unwrap_or_default().trim().to_owned();
    let mut page = BookPage {
        institutions: all
            .iter()
            .map(|i| (i.id.get(), i.name(t.lang).to_owned(), Some(i) == chosen))
            .collect(),
        institution: chosen.map_or(0, |i| i.id.get()),
        day: day.format("%Y-%m-%d").to_string(),
        found: false,
        existing: None,
        times: Vec::new(),
        error: query.error.as_deref().map(|code| error_text(t, code)),
        member,
        frame,
        t,
    };
    let (Some(institution), Ok(login)) = (chosen, Subject::parse(&page.member)) else {
        return html(page);
    };
    let ops = state.operations();
    match reservations::booking_for(ops, &staff.actor(), institution.id, &login, day).await? {
        Bookable::NeverSignedIn => {
            page.error = Some(sesshu_core::fixes::never_signed_in(t.lang).to_owned());
        }
        Bookable::Holds(number) => page.existing = Some(number.to_string()),
        Bookable::Bookable(times) => {
            page.found = true;
            let catalog = reference::catalog(ops).await?;
            page.times = time_rows(t, &catalog, &times);
        }
    }
    html(page)
}

fn error_text(t: &Texts, code: &str) -> String {
    match code {
        "reason" => t.office_cancel_reason_needed.to_owned(),
        "slot" => t.office_move_choose.to_owned(),
        "member" => sesshu_core::fixes::never_signed_in(t.lang).to_owned(),
        other => sesshu_domain::Rejection::from_code(other)
            .map_or(t.office_move_refused, |r| r.message(t.lang))
            .to_owned(),
    }
}

#[derive(Deserialize)]
pub struct BookForm {
    institution: InstitutionId,
    member: String,
    day: String,
    slot: Option<SlotId>,
    reason: String,
}

/// Books for a member by phone; back to the form with what was wrong.
pub async fn book(
    State(state): State<OfficeState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<BookForm>,
) -> Result<Response, OfficeError> {
    let ops = state.operations();
    let actor = staff.actor();
    let institution = form.institution;
    let back = |error: &str| {
        let query = serde_urlencoded::to_string([
            ("institution", form.institution.to_string().as_str()),
            ("member", form.member.as_str()),
            ("day", form.day.as_str()),
            ("error", error),
        ])
        .unwrap_or_default();
        Ok(Redirect::to(&format!("/reservations/book?{query}")).into_response())
    };
    let reason = Reason::parse(&form.reason);
    let member = Subject::parse(form.member.trim());
    let (Some(reason), Some(slot), Ok(member)) = (reason.clone(), form.slot, member) else {
        // A role or an institution out of reach is refused, whatever the
        // form says.
        reservations::institution_to_book_for(ops, &actor, institution).await?;
        return back(match (reason, form.slot) {
            (None, _) => "reason",
            (Some(_), None) => "slot",
            (Some(_), Some(_)) => "member",
        });
    };
    let booking = BookFor {
        institution,
        member,
        slot,
        reason,
    };
    match reservations::book_for(ops, &actor, &booking).await? {
        Booked::Booked(number) => {
            Ok(Redirect::to(&format!("/reservations/{number}?done=booked")).into_response())
        }
        Booked::UnknownMember => back("member"),
        Booked::NoSuchSlot => back("slot"),
        Booked::Refused(r) => back(r.code()),
    }
}
