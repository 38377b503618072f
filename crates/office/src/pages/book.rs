//! Booking for a person (代理予約): a phone call to the office. The person
//! is found by their institution and login id — made from the roster if
//! their institution's roster is Sesshu's and they never signed in — and
//! booked by the office's rules (no deadline, no opening time), with the
//! audit entry in the booking's transaction and the usual mail.

use super::reservations::{TimeOption, time_rows};
use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
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

/// The booking form (an institution and a day may be preset by the
/// link); a member's login never comes in a URL: it is looked up by POST.
pub async fn form(
    State(state): State<OfficeState>,
    page: StaffPage,
    Query(query): Query<BookQuery>,
) -> Result<Response, OfficeError> {
    let query = BookQuery {
        member: None,
        error: None,
        ..query
    };
    render(&state, page, query).await
}

/// The member looked up by institution and login id (the form's POST), and
/// the day's first-dose times to book them.
pub async fn find(
    State(state): State<OfficeState>,
    page: StaffPage,
    CsrfForm(query): CsrfForm<BookQuery>,
) -> Result<Response, OfficeError> {
    render(
        &state,
        page,
        BookQuery {
            error: None,
            ..query
        },
    )
    .await
}

async fn render(
    state: &OfficeState,
    StaffPage { staff, frame }: StaffPage,
    query: BookQuery,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ChangeReservations, Scope::Any)?;
    let t = frame.t;
    let all = super::institutions_for(state, &staff, Duty::ChangeReservations).await?;
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
        Bookable::Vaccinated => {
            page.error = Some(
                sesshu_domain::Rejection::AlreadyVaccinated
                    .message(t.lang)
                    .to_owned(),
            );
        }
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

/// Books for a member by phone; the form again with what was wrong (shown
/// in place: the member's login stays out of the URL).
pub async fn book(
    State(state): State<OfficeState>,
    page: StaffPage,
    CsrfForm(form): CsrfForm<BookForm>,
) -> Result<Response, OfficeError> {
    let ops = state.operations();
    let actor = page.staff.actor();
    let institution = form.institution;
    let back = |error: &str| {
        let query = BookQuery {
            institution: Some(form.institution.get()),
            member: Some(form.member.clone()),
            day: Some(form.day.clone()),
            error: Some(error.to_owned()),
        };
        render(&state, page, query)
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
        })
        .await;
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
        Booked::UnknownMember => back("member").await,
        Booked::NoSuchSlot => back("slot").await,
        Booked::Refused(r) => back(r.code()).await,
    }
}
