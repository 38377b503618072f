//! Bulk reservation fixes from a CSV (システム管理者による予約修正): upload,
//! every problem with its line and column or a preview of every change,
//! then all of them in one transaction. The rules are `sesshu_core::fixes`;
//! `sesshu reservations apply` is the same from the command line.

use super::upload::{self, ProblemRow, problem_rows};
use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Request, State};
use axum::response::Response;
use serde::Deserialize;
use sesshu_core::fixes::{Appointment, FixPlan};
use sesshu_domain::{Catalog, Duty, Scope, Series};
use sesshu_http::CsrfForm;
use sesshu_operations::fixes::{self, Applied, Planned};
use sesshu_operations::reference;

/// A line of the preview (or of what was done).
#[derive(Debug)]
pub struct FixRow {
    pub line: usize,
    pub action: &'static str,
    pub whom: String,
    pub before: Vec<String>,
    pub after: String,
    pub reason: String,
    pub unchanged: bool,
}

#[derive(Template)]
#[template(path = "fixes.html")]
struct FixesPage {
    frame: Frame,
    t: &'static Texts,
    problems: Vec<ProblemRow>,
    rows: Vec<FixRow>,
    /// The file, decoded, for the confirmation to send back.
    text: String,
    counts: (usize, usize, usize),
    applied: Option<(usize, usize, usize)>,
}

impl FixesPage {
    fn new(frame: Frame) -> Self {
        let t = frame.t;
        Self {
            frame,
            t,
            problems: Vec::new(),
            rows: Vec::new(),
            text: String::new(),
            counts: (0, 0, 0),
            applied: None,
        }
    }
}

/// The upload form.
pub async fn form(StaffPage { staff, frame }: StaffPage) -> Result<Response, OfficeError> {
    staff.may(Duty::BulkFixes, Scope::Any)?;
    html(FixesPage::new(frame))
}

/// Reads and plans an uploaded file: its problems, or what it would change.
pub async fn preview(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    request: Request,
) -> Result<Response, OfficeError> {
    // The role first: a refused role's upload is not read at all.
    staff.may(Duty::BulkFixes, Scope::Any)?;
    let upload = match upload::form(&state, request).await {
        Ok(upload) => upload,
        Err(answer) => return Ok(answer),
    };
    let mut page = FixesPage::new(frame);
    let lang = page.t.lang;
    match upload::file_text(&upload, lang) {
        Ok(text) => page.text = text,
        Err(problems) => {
            page.problems = problems;
            return html(page);
        }
    }
    match fixes::plan(state.operations(), &staff.actor(), &page.text, lang).await? {
        Planned::Plan(plan) => {
            page.counts = plan.counts();
            page.rows = rows(&state, page.t, &plan, &[]).await?;
        }
        Planned::Problems(problems) => page.problems = problem_rows(problems),
    }
    html(page)
}

#[derive(Deserialize)]
pub struct ApplyForm {
    text: String,
}

/// Plans the confirmed file again (things may have changed since the
/// preview) and applies it in one transaction.
pub async fn apply(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    CsrfForm(form): CsrfForm<ApplyForm>,
) -> Result<Response, OfficeError> {
    let mut page = FixesPage::new(frame);
    let lang = page.t.lang;
    match fixes::apply(state.operations(), &staff.actor(), &form.text, lang).await? {
        Applied::Applied { plan, done } => {
            page.applied = Some(plan.counts());
            page.rows = rows(&state, page.t, &plan, &done).await?;
        }
        Applied::Problems(problems) => page.problems = problem_rows(problems),
    }
    html(page)
}

/// The preview's rows; once applied, `done` holds the series made or
/// changed (in the order of the lines that changed something), whose
/// numbers are shown for bookings.
async fn rows(
    state: &OfficeState,
    t: &Texts,
    plan: &FixPlan,
    done: &[Series],
) -> Result<Vec<FixRow>, OfficeError> {
    let catalog = reference::catalog(state.operations()).await?;
    let mut made = done.iter();
    Ok(plan
        .fixes
        .iter()
        .map(|fix| {
            let result = if fix.unchanged { None } else { made.next() };
            let whom = match (&fix.number, &fix.member, result) {
                (Some(number), _, _) => number.to_string(),
                (None, Some(member), Some(series)) => {
                    format!(
                        "{} {} → {}",
                        fix.institution,
                        member.as_str(),
                        series.number
                    )
                }
                (None, Some(member), None) => format!("{} {}", fix.institution, member.as_str()),
                (None, None, _) => String::new(),
            };
            FixRow {
                line: fix.line,
                action: fix.kind.label(t.lang),
                whom,
                before: fix
                    .before
                    .iter()
                    .map(|a| appointment(t, &catalog, a))
                    .collect(),
                after: fix
                    .to
                    .as_ref()
                    .map(|a| appointment(t, &catalog, a))
                    .unwrap_or_else(|| "—".into()),
                reason: fix.reason.clone(),
                unchanged: fix.unchanged,
            }
        })
        .collect())
}

fn appointment(t: &Texts, catalog: &Catalog, a: &Appointment) -> String {
    format!(
        "{} {} {}",
        a.dose.get(),
        t.time(a.starts_at),
        catalog
            .venue(a.venue)
            .map(|v| v.name(t.lang))
            .unwrap_or_default()
    )
}
