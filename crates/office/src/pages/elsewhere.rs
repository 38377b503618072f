//! Doses received elsewhere: the declarations waiting for confirmation
//! (`/elsewhere`), confirming, recording or correcting and removing one
//! (from that list or a reservation's page, which shows the person's
//! history: [`HistoryBlock`]), and the history import (`/elsewhere/import`:
//! upload, every problem with its line and column or a preview, then all
//! of it in one transaction). The work is `sesshu_operations::elsewhere`.

use super::upload::{self, ProblemRow, problem_rows};
use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_core::elsewhere::History;
use sesshu_domain::elsewhere::{Entry, parse_day};
use sesshu_domain::{
    Catalog, DoseNumber, Duty, Institution, InstitutionId, ReservationNumber, Scope, Subject, TOKYO,
};
use sesshu_http::CsrfForm;
use sesshu_operations::elsewhere::{self, ImportApplied, ImportPlanned, PlannedLine, Whose};
use sesshu_operations::reference;

/// A dose given here, as the history shows it.
#[derive(Debug)]
pub struct HereRow {
    pub dose: u8,
    pub date: String,
    pub vaccine: String,
    pub venue: String,
    pub number: String,
}

/// A dose received elsewhere, as the history shows it.
#[derive(Debug)]
pub struct ElsewhereRow {
    pub dose: u8,
    /// `YYYY-MM-DD`, for the correction's form.
    pub iso: String,
    pub date: String,
    pub product: String,
    pub place: String,
    pub source: &'static str,
    /// When and by which account it was confirmed.
    pub confirmed: Option<String>,
}

/// A person's history on the reservation page, with the forms of the
/// office (when the role may change the person's institution's
/// reservations).
#[derive(Debug)]
pub struct HistoryBlock {
    pub here: Vec<HereRow>,
    pub elsewhere: Vec<ElsewhereRow>,
    pub can_change: bool,
    pub institution: i64,
    pub member: String,
    /// The reservation the forms come back to.
    pub back: String,
    /// The doses with no entry elsewhere, for the form that records one.
    pub unrecorded: Vec<u8>,
}

impl HistoryBlock {
    pub fn is_empty(&self) -> bool {
        self.here.is_empty() && self.elsewhere.is_empty()
    }
}

fn date_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&TOKYO)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The history block of a reservation's page.
pub fn history_block(
    t: &Texts,
    catalog: &Catalog,
    history: &History,
    (institution, member): (InstitutionId, &Subject),
    back: &ReservationNumber,
    can_change: bool,
) -> HistoryBlock {
    HistoryBlock {
        here: history
            .here
            .iter()
            .map(|g| HereRow {
                dose: g.dose.get(),
                date: date_time(g.at),
                vaccine: catalog
                    .vaccine(g.vaccine)
                    .map(|v| v.name(t.lang).to_owned())
                    .unwrap_or_default(),
                venue: catalog
                    .venue(g.venue)
                    .map(|v| v.name(t.lang).to_owned())
                    .unwrap_or_default(),
                number: g.number.to_string(),
            })
            .collect(),
        elsewhere: history
            .elsewhere
            .iter()
            .map(|d| ElsewhereRow {
                dose: d.dose.get(),
                iso: d.given_on.format("%Y-%m-%d").to_string(),
                date: d.given_on.format("%Y-%m-%d").to_string(),
                product: d.product.clone(),
                place: d.place.clone(),
                source: t.elsewhere_source(d.source),
                confirmed: d
                    .confirmed
                    .map(|(at, by)| format!("{} (admin:{by})", date_time(at))),
            })
            .collect(),
        can_change,
        institution: institution.get(),
        member: member.as_str().to_owned(),
        back: back.to_string(),
        unrecorded: [DoseNumber::FIRST, DoseNumber::SECOND]
            .into_iter()
            .filter(|n| history.elsewhere(*n).is_none())
            .map(DoseNumber::get)
            .collect(),
    }
}

/// Where a form goes back to: the reservation it came from (`back`, a
/// reservation number), else the list of declarations.
fn back_to(back: Option<&str>, outcome: &str) -> Response {
    match back.and_then(|b| ReservationNumber::parse(b).ok()) {
        Some(number) => Redirect::to(&format!("/reservations/{number}?{outcome}")),
        None => Redirect::to(&format!("/elsewhere?{outcome}")),
    }
    .into_response()
}

fn whose(staff: &Staff, institution: InstitutionId, member: &str) -> Result<Whose, OfficeError> {
    staff.may(Duty::ChangeReservations, Scope::Institution(institution))?;
    let member = Subject::parse(member).map_err(|_| OfficeError::NotFound)?;
    Ok(Whose {
        institution,
        member,
    })
}

/// A declaration waiting, as listed.
#[derive(Debug)]
struct WaitingRow {
    institution_id: i64,
    institution: String,
    member: String,
    dose: u8,
    date: String,
    product: String,
    place: String,
    declared_at: String,
    reservation: Option<String>,
}

#[derive(Template)]
#[template(path = "elsewhere.html")]
struct WaitingPage {
    frame: Frame,
    t: &'static Texts,
    rows: Vec<WaitingRow>,
    /// The institutions to filter by (operators), with the one chosen.
    institutions: Vec<(i64, String, bool)>,
    can_confirm: bool,
    can_import: bool,
    done: Option<&'static str>,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct WaitingQuery {
    institution: Option<i64>,
    done: Option<String>,
    error: Option<String>,
}

/// The declarations not yet confirmed (institution staff: their own
/// institution's), with a button to confirm each.
pub async fn waiting(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<WaitingQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ViewReservations, Scope::Any)?;
    let t = frame.t;
    let ops = state.operations();
    let all = super::institutions_for(&state, &staff, Duty::ViewReservations).await?;
    let chosen = query
        .institution
        .and_then(|id| all.iter().find(|i| i.id.get() == id))
        .map(|i| i.id);
    let waiting = elsewhere::waiting(ops, &staff.actor(), chosen).await?;
    let name = |id: InstitutionId| {
        all.iter()
            .find(|i| i.id == id)
            .map(|i: &Institution| i.name(t.lang).to_owned())
            .unwrap_or_default()
    };
    let rows = waiting
        .iter()
        .map(|w| WaitingRow {
            institution_id: w.institution.get(),
            institution: name(w.institution),
            member: w.member.as_str().to_owned(),
            dose: w.dose.dose.get(),
            date: w.dose.given_on.format("%Y-%m-%d").to_string(),
            product: w.dose.product.clone(),
            place: w.dose.place.clone(),
            declared_at: date_time(w.dose.recorded_at),
            reservation: w.reservation.as_ref().map(ToString::to_string),
        })
        .collect();
    html(WaitingPage {
        rows,
        institutions: if staff.account.role.institution().is_some() {
            Vec::new()
        } else {
            all.iter()
                .map(|i| (i.id.get(), i.name(t.lang).to_owned(), Some(i.id) == chosen))
                .collect()
        },
        can_confirm: staff.may(Duty::ChangeReservations, Scope::Any).is_ok(),
        can_import: staff.may(Duty::ManageMembers, Scope::Any).is_ok(),
        done: match query.done.as_deref() {
            Some("confirmed") => Some(t.done_elsewhere_confirmed),
            Some("recorded") => Some(t.done_elsewhere_recorded),
            Some("removed") => Some(t.done_elsewhere_removed),
            Some("nothing") => Some(t.done_elsewhere_nothing),
            _ => None,
        },
        error: query.error.as_deref().and_then(|code| error_text(t, code)),
        frame,
        t,
    })
}

/// What went wrong with an office's form about a dose elsewhere, by the
/// code in its query.
pub fn error_text(t: &Texts, code: &str) -> Option<&'static str> {
    match code {
        "elsewhere_form" => Some(t.error_elsewhere_form),
        other => t.elsewhere_problem(other),
    }
}

/// The text of a `done=` of the forms here, on a reservation's page.
pub fn done_text(t: &Texts, code: &str) -> Option<&'static str> {
    match code {
        "elsewhere_confirmed" => Some(t.done_elsewhere_confirmed),
        "elsewhere_recorded" => Some(t.done_elsewhere_recorded),
        "elsewhere_removed" => Some(t.done_elsewhere_removed),
        "elsewhere_nothing" => Some(t.done_elsewhere_nothing),
        _ => None,
    }
}

/// A dose of a member, from a form.
#[derive(Deserialize)]
pub struct DoseForm {
    institution: InstitutionId,
    member: String,
    dose: u8,
    back: Option<String>,
}

/// The outcome's code in the query: `done=…` on the list, `done=elsewhere_…`
/// on a reservation's page.
fn outcome(back: Option<&str>, what: &str) -> String {
    if back.is_some_and(|b| ReservationNumber::parse(b).is_ok()) {
        format!("done=elsewhere_{what}")
    } else {
        format!("done={what}")
    }
}

/// Confirms a dose as declared (audited).
pub async fn confirm(
    State(state): State<OfficeState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<DoseForm>,
) -> Result<Response, OfficeError> {
    let whose = whose(&staff, form.institution, &form.member)?;
    let dose = DoseNumber::new(form.dose).map_err(|_| OfficeError::NotFound)?;
    let done = elsewhere::confirm(
        state.operations(),
        &staff.actor(),
        staff.account.id,
        &whose,
        dose,
    )
    .await?;
    let back = form.back.as_deref();
    Ok(back_to(
        back,
        &outcome(back, if done { "confirmed" } else { "nothing" }),
    ))
}

/// Removes a dose (audited).
pub async fn remove(
    State(state): State<OfficeState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<DoseForm>,
) -> Result<Response, OfficeError> {
    let whose = whose(&staff, form.institution, &form.member)?;
    let dose = DoseNumber::new(form.dose).map_err(|_| OfficeError::NotFound)?;
    let done = elsewhere::remove(state.operations(), &staff.actor(), &whose, dose).await?;
    let back = form.back.as_deref();
    Ok(back_to(
        back,
        &outcome(back, if done { "removed" } else { "nothing" }),
    ))
}

/// A dose as the office records or corrects it.
#[derive(Deserialize)]
pub struct RecordForm {
    institution: InstitutionId,
    member: String,
    dose: String,
    given_on: String,
    product: String,
    #[serde(default)]
    place: String,
    back: Option<String>,
}

/// Records or corrects a dose (audited; then confirmed by this account).
pub async fn record(
    State(state): State<OfficeState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<RecordForm>,
) -> Result<Response, OfficeError> {
    let whose = whose(&staff, form.institution, &form.member)?;
    let back = form.back.as_deref();
    let (Some(dose), Some(given_on)) = (
        form.dose.parse::<DoseNumber>().ok(),
        parse_day(&form.given_on),
    ) else {
        return Ok(back_to(back, "error=elsewhere_form"));
    };
    let entry = Entry {
        dose,
        given_on,
        product: &form.product,
        place: &form.place,
    };
    match elsewhere::record(
        state.operations(),
        &staff.actor(),
        staff.account.id,
        &whose,
        entry,
    )
    .await?
    {
        Ok(_) => Ok(back_to(back, &outcome(back, "recorded"))),
        Err(problems) => {
            let code = problems.first().map_or("elsewhere_form", |p| p.code());
            Ok(back_to(back, &format!("error={code}")))
        }
    }
}

/// A line of the import's preview.
#[derive(Debug)]
struct ImportRow {
    line: usize,
    institution: String,
    member: String,
    dose: u8,
    date: String,
    product: String,
    place: String,
    replaces: Option<String>,
}

#[derive(Template)]
#[template(path = "elsewhere_import.html")]
struct ImportPage {
    frame: Frame,
    t: &'static Texts,
    problems: Vec<ProblemRow>,
    rows: Vec<ImportRow>,
    text: String,
    applied: bool,
}

impl ImportPage {
    fn new(frame: Frame) -> Self {
        let t = frame.t;
        Self {
            frame,
            t,
            problems: Vec::new(),
            rows: Vec::new(),
            text: String::new(),
            applied: false,
        }
    }
}

async fn import_rows(
    state: &OfficeState,
    t: &Texts,
    planned: &[PlannedLine],
) -> Result<Vec<ImportRow>, OfficeError> {
    let institutions = reference::institutions(state.operations()).await?;
    Ok(planned
        .iter()
        .map(|p| ImportRow {
            line: p.line.line,
            institution: institutions
                .iter()
                .find(|i| i.id == p.line.institution)
                .map(|i| i.code.to_string())
                .unwrap_or_default(),
            member: p.line.member.as_str().to_owned(),
            dose: p.line.declaration.dose.get(),
            date: p.line.declaration.given_on.format("%Y-%m-%d").to_string(),
            product: p.line.declaration.product.clone(),
            place: p.line.declaration.place.clone(),
            replaces: p.replaces.as_ref().map(|d| {
                format!(
                    "{} {} ({})",
                    d.given_on.format("%Y-%m-%d"),
                    d.product,
                    t.elsewhere_source(d.source)
                )
            }),
        })
        .collect())
}

/// The upload form.
pub async fn import_form(StaffPage { staff, frame }: StaffPage) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageMembers, Scope::Any)?;
    html(ImportPage::new(frame))
}

/// Reads and checks an uploaded file: its problems, or what it would write.
pub async fn import_preview(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    request: Request,
) -> Result<Response, OfficeError> {
    // The role first: a refused role's upload is not read at all.
    staff.may(Duty::ManageMembers, Scope::Any)?;
    let upload = match upload::form(&state, request).await {
        Ok(upload) => upload,
        Err(answer) => return Ok(answer),
    };
    let mut page = ImportPage::new(frame);
    let lang = page.t.lang;
    match upload::file_text(&upload, lang) {
        Ok(text) => page.text = text,
        Err(problems) => {
            page.problems = problems;
            return html(page);
        }
    }
    match elsewhere::plan_import(state.operations(), &staff.actor(), &page.text, lang).await? {
        ImportPlanned::Plan(planned) => page.rows = import_rows(&state, page.t, &planned).await?,
        ImportPlanned::Problems(problems) => page.problems = problem_rows(problems),
    }
    html(page)
}

#[derive(Deserialize)]
pub struct ImportForm {
    text: String,
}

/// Checks the confirmed file again and writes all of it in one
/// transaction (one `elsewhere.import` entry), or nothing.
pub async fn import_apply(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    CsrfForm(form): CsrfForm<ImportForm>,
) -> Result<Response, OfficeError> {
    let mut page = ImportPage::new(frame);
    let lang = page.t.lang;
    match elsewhere::apply_import(
        state.operations(),
        &staff.actor(),
        staff.account.id,
        &form.text,
        lang,
    )
    .await?
    {
        ImportApplied::Applied(planned) => {
            page.applied = true;
            page.rows = import_rows(&state, page.t, &planned).await?;
        }
        ImportApplied::Problems(problems) => page.problems = problem_rows(problems),
    }
    html(page)
}
