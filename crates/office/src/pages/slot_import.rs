//! Slots from a CSV (予約枠のCSV登録): upload, every problem with its line
//! and column (overlaps with each other and with existing slots included)
//! or the count per day, then all slots in one transaction with the
//! `slots.import` audit entry. The rules are `sesshu_domain::slot_csv`;
//! reading and creating are `sesshu_operations::slots`.

use super::upload::{self, ProblemRow, problem_rows};
use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::{Duty, Scope};
use sesshu_http::CsrfForm;
use sesshu_operations::slots::{SlotFile, SlotsImported, check_slot_file, import_slots};
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "slots_import.html")]
struct ImportPage {
    frame: Frame,
    t: &'static Texts,
    problems: Vec<ProblemRow>,
    total: usize,
    days: Vec<(String, usize)>,
    text: String,
    created: Option<String>,
}

impl ImportPage {
    fn new(frame: Frame) -> Self {
        let t = frame.t;
        Self {
            frame,
            t,
            problems: Vec::new(),
            total: 0,
            days: Vec::new(),
            text: String::new(),
            created: None,
        }
    }
}

#[derive(Deserialize)]
pub struct FormQuery {
    created: Option<usize>,
}

pub async fn form(
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<FormQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let mut page = ImportPage::new(frame);
    page.created = query.created.map(|n| page.t.slots_created(n));
    html(page)
}

pub async fn preview(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    request: Request,
) -> Result<Response, OfficeError> {
    // The role first: a refused role's upload is not read at all.
    staff.may(Duty::ManageSlots, Scope::Any)?;
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
    match check_slot_file(state.operations(), &staff.actor(), &page.text, lang).await? {
        SlotFile::Ready(rows) => {
            let mut days: BTreeMap<String, usize> = BTreeMap::new();
            for row in &rows {
                *days
                    .entry(sesshu_domain::tokyo_day(row.starts_at).to_string())
                    .or_default() += 1;
            }
            page.total = rows.len();
            page.days = days.into_iter().collect();
        }
        SlotFile::Problems(problems) => page.problems = problem_rows(problems),
    }
    html(page)
}

#[derive(Deserialize)]
pub struct ImportForm {
    text: String,
}

/// Checks the confirmed file again (slots may have been made meanwhile)
/// and creates all of it in one transaction.
pub async fn create(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    CsrfForm(form): CsrfForm<ImportForm>,
) -> Result<Response, OfficeError> {
    let lang = frame.t.lang;
    match import_slots(state.operations(), &staff.actor(), &form.text, lang).await? {
        SlotsImported::Created(n) => {
            Ok(Redirect::to(&format!("/slots/import?created={n}")).into_response())
        }
        SlotsImported::Problems(problems) => {
            let mut page = ImportPage::new(frame);
            page.problems = problem_rows(problems);
            html(page)
        }
    }
}
