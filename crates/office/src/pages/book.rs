//! Booking for a person (代理予約): a phone call to the office. The person
//! is found by their institution and login id — made from the roster if
//! their institution's roster is Sesshu's and they never signed in — and
//! booked by the office's rules (no deadline, no opening time), with the
//! audit entry in the booking's transaction and the usual mail.

use super::reservations::{TimeOption, reason, time_options};
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
use sesshu_core::BookingError;
use sesshu_domain::AuditObject;
use sesshu_domain::booking::Booker;
use sesshu_domain::{DoseNumber, Duty, InstitutionId, Language, Person, Scope, SlotId, Subject};
use sesshu_http::CsrfForm;

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
        .and_then(|id| all.iter().find(|i| i.id.0 == id));
    let day = query
        .day
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or_else(|| sesshu_domain::tokyo_day(state.clock().now()));
    let member = query.member.unwrap_or_default().trim().to_owned();
    let mut page = BookPage {
        institutions: all
            .iter()
            .map(|i| (i.id.0, i.name(t.lang).to_owned(), Some(i) == chosen))
            .collect(),
        institution: chosen.map_or(0, |i| i.id.0),
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
    let Some((person, _)) = state.bookings().member_person(institution, &login).await? else {
        page.error = Some(sesshu_core::fixes::never_signed_in(t.lang).to_owned());
        return html(page);
    };
    if person.id.0 != 0
        && let Some(active) = state.bookings().active_series(&person).await?
    {
        page.existing = Some(active.number.to_string());
        return html(page);
    }
    page.found = true;
    let catalog = state.store().catalog().await?;
    for vaccine in &catalog.vaccines {
        page.times.extend(
            time_options(
                &state,
                t,
                &catalog,
                vaccine.id,
                DoseNumber::FIRST,
                day,
                None,
            )
            .await?,
        );
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
    institution: i64,
    member: String,
    day: String,
    slot: Option<i64>,
    reason: String,
}

pub async fn book(
    State(state): State<OfficeState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<BookForm>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ChangeReservations, Scope::Any)?;
    let institution_id = InstitutionId(form.institution);
    staff.may(Duty::ChangeReservations, Scope::Institution(institution_id))?;
    let institution = state
        .store()
        .institution(institution_id)
        .await?
        .ok_or(OfficeError::NotFound)?;
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
    let Some(reason) = reason(&form.reason) else {
        return back("reason");
    };
    let Some(slot) = form.slot else {
        return back("slot");
    };
    let Ok(login) = Subject::parse(form.member.trim()) else {
        return back("member");
    };
    let bookings = state.bookings();
    let Some((person, new)) = bookings.member_person(&institution, &login).await? else {
        return back("member");
    };
    let person: Person = match new {
        Some(login) => state.store().person_for_login(&login).await?,
        None => person,
    };
    let language = match bookings.series_of(&person).await?.first() {
        Some(latest) => bookings.last_language(latest.id).await?,
        None => Language::Ja,
    };
    let entry = staff.audit(
        state.clock().now(),
        sesshu_domain::AuditAction::ReservationBook,
        vec![
            AuditObject::Person(person.id),
            AuditObject::Slot(SlotId(slot)),
            AuditObject::Institution(institution.id),
        ],
        format!("reason: {reason}"),
    );
    let who = Booker::office(&person, &institution);
    match bookings
        .book_on_behalf(who, SlotId(slot), language, entry)
        .await
    {
        Ok(booked) => Ok(Redirect::to(&format!(
            "/reservations/{}?done=booked",
            booked.series().number
        ))
        .into_response()),
        Err(BookingError::Rejected(r)) => back(r.code()),
        Err(BookingError::NotFound) => back("slot"),
        Err(e) => {
            tracing::error!(error = %e, "a booking by the office failed");
            Err(OfficeError::Internal)
        }
    }
}
