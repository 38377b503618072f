//! A reservation at the desk: who it is (names opened, audited, when the
//! dose is due here today), the visit's dose and its time, every warning
//! in a loud block (cancelled, another day, another venue, the first dose
//! not given, given already), the check-in button when it can be checked
//! in, and once it is, the way to the dose's questionnaire and vaccination.

use super::super::reservations::{self, DoseRow, dose_rows};
use super::super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::{Catalog, Duty, Step};
use sesshu_http::CsrfForm;
use sesshu_operations::checkin::{self, CheckIn, Lookup, Warning};
use sesshu_operations::reference;
use sesshu_vault::Field;

/// The visit's dose as the desk shows it.
#[derive(Debug)]
pub struct Visit {
    pub dose: u8,
    pub at: String,
    pub venue: String,
    pub lane: String,
}

#[derive(Template)]
#[template(path = "checkin.html")]
struct DeskPage {
    frame: Frame,
    t: &'static Texts,
    number: String,
    warnings: Vec<String>,
    /// A notice: whether it is good news, and what.
    message: Option<(bool, String)>,
    /// The names, when they were opened (the dose is due here today).
    names: Option<(Option<String>, Option<String>)>,
    visit: Option<Visit>,
    doses: Vec<DoseRow>,
    /// The dose to check in now, if it can be.
    check_in: Option<u8>,
    /// The visit's dose once checked in: its number and next step.
    steps: Option<(u8, &'static str)>,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// A reservation at the desk, found by its number.
pub async fn show(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Path(number): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, OfficeError> {
    let number = reservations::number(&staff, Duty::CheckIn, &number)?;
    render(
        &state,
        &staff,
        frame,
        &Lookup::Number(number),
        done.done.as_deref(),
    )
    .await
}

/// The desk's page of the reservation `lookup` finds.
pub(super) async fn render(
    state: &OfficeState,
    staff: &Staff,
    frame: Frame,
    lookup: &Lookup,
    done: Option<&str>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let ops = state.operations();
    let catalog = reference::catalog(ops).await?;
    let desk = checkin::desk(ops, state.keys(), &staff.actor(), lookup).await?;
    let message = match (desk.checked_in_at(), done) {
        (Some(_), Some("now")) => Some((true, t.checkin_done.to_owned())),
        (Some(at), _) => Some((true, t.checkin_before_at(at))),
        (None, _) => None,
    };
    let checked_in = desk.checked_in_at().is_some();
    let steps = desk
        .record()
        .filter(|_| checked_in)
        .map(|record| (record.dose.get(), step_label(t, record.next_step())));
    html(DeskPage {
        number: desk.series.number.to_string(),
        warnings: desk
            .warnings
            .iter()
            .map(|w| warning(t, &catalog, w))
            .collect(),
        message,
        names: desk.opened.as_ref().map(|opened| {
            (
                opened.get(Field::NameKanji).map(str::to_owned),
                opened.get(Field::NameKana).map(str::to_owned),
            )
        }),
        visit: desk.dose.as_ref().map(|d| Visit {
            dose: d.number.get(),
            at: t.time(d.starts_at),
            venue: catalog
                .venue(d.venue)
                .map_or_else(String::new, |v| v.name(t.lang).to_owned()),
            lane: catalog
                .lane(d.lane)
                .map_or_else(String::new, |l| l.name(t.lang).to_owned()),
        }),
        doses: dose_rows(t, &catalog, &desk.series, &desk.checked_in),
        check_in: desk.to_check_in().map(|d| d.number.get()),
        steps,
        frame,
        t,
    })
}

/// A warning as the desk reads it out.
fn warning(t: &Texts, catalog: &Catalog, warning: &Warning) -> String {
    match warning {
        Warning::Cancelled => t.warn_cancelled.to_owned(),
        Warning::WrongDay(day) => t.warn_wrong_day(*day),
        Warning::WrongVenue(venue) => {
            t.warn_wrong_venue(catalog.venue(*venue).map_or("-", |v| v.name(t.lang)))
        }
        Warning::EarlierDoseNotGiven => t.warn_earlier_not_given.to_owned(),
        Warning::AlreadyGiven(at) => t.warn_already_given(*at),
    }
}

/// What is next for a dose, as a heading says it.
pub(super) fn step_label(t: &Texts, step: Step) -> &'static str {
    match step {
        Step::Questionnaire => t.step_questionnaire,
        Step::Decision => t.step_decision,
        Step::Vaccination => t.step_vaccination,
        Step::Done => t.step_done,
    }
}

#[derive(Deserialize)]
pub struct CheckInForm {}

/// Checks the visit's dose in (once), then back to the desk's page: "checked
/// in", or "checked in before at …" when it was already.
pub async fn check_in(
    State(state): State<OfficeState>,
    StaffPage { staff, .. }: StaffPage,
    Path(number): Path<String>,
    CsrfForm(CheckInForm {}): CsrfForm<CheckInForm>,
) -> Result<Response, OfficeError> {
    let number = reservations::number(&staff, Duty::CheckIn, &number)?;
    let back = format!("/checkin/{number}");
    let done = checkin::check_in(
        state.operations(),
        &staff.actor(),
        staff.account.id,
        &Lookup::Number(number),
    )
    .await?;
    Ok(match done {
        CheckIn::Now(_) => Redirect::to(&format!("{back}?done=now")),
        CheckIn::Before(_) | CheckIn::NotDue => Redirect::to(&back),
    }
    .into_response())
}
