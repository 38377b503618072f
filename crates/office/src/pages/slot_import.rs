//! Slots from a CSV (予約枠のCSV登録): upload, every problem with its line
//! and column (overlaps with each other and with existing slots included)
//! or the count per day, then all slots in one transaction with the
//! `slots.import` audit entry. The rules are `sesshu_domain::slot_csv`.

use super::upload::{self, ProblemRow, problem_rows};
use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::slot_csv::{self, SlotRow};
use sesshu_domain::upload::UploadError;
use sesshu_domain::{Duty, Language, Scope};
use sesshu_http::CsrfForm;
use sesshu_store::{NewSlot, SlotQuery};
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
    match read(&state, &page.text, lang).await? {
        Ok(rows) => {
            let mut days: BTreeMap<String, usize> = BTreeMap::new();
            for row in &rows {
                *days
                    .entry(sesshu_domain::tokyo_day(row.starts_at).to_string())
                    .or_default() += 1;
            }
            page.total = rows.len();
            page.days = days.into_iter().collect();
        }
        Err(problems) => page.problems = problem_rows(problems),
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
    staff.may(Duty::ManageSlots, Scope::Any)?;
    let lang = frame.t.lang;
    let rows = match read(&state, &form.text, lang).await? {
        Ok(rows) => rows,
        Err(problems) => {
            let mut page = ImportPage::new(frame);
            page.problems = problem_rows(problems);
            return html(page);
        }
    };
    let now = state.clock().now();
    let new: Vec<NewSlot> = rows
        .iter()
        .map(|r| NewSlot {
            venue: r.venue,
            lane: r.lane,
            vaccine: r.vaccine,
            dose: r.dose,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            capacity: r.capacity,
            opens_at: r.opens_at.unwrap_or(now),
            eligibility: r.eligibility.clone(),
        })
        .collect();
    let (first, last) = (
        rows.iter().map(|r| r.starts_at).min(),
        rows.iter().map(|r| r.starts_at).max(),
    );
    let entry = staff.audit(
        now,
        sesshu_domain::AuditAction::SlotsImport,
        Vec::new(),
        format!(
            "{} slots from a CSV, {}..{}",
            new.len(),
            first.map(sesshu_domain::tokyo_day).unwrap_or_default(),
            last.map(sesshu_domain::tokyo_day).unwrap_or_default()
        ),
    );
    let ids = state.store().create_slots(&new, &entry).await?;
    Ok(Redirect::to(&format!("/slots/import?created={}", ids.len())).into_response())
}

/// The file's slots, checked against the catalog and the slots around
/// their days.
async fn read(
    state: &OfficeState,
    text: &str,
    lang: Language,
) -> Result<Result<Vec<SlotRow>, Vec<UploadError>>, OfficeError> {
    let store = state.store();
    let catalog = store.catalog().await?;
    let institutions = store.institutions().await?;
    // Read once for the days, then with the slots of those days.
    let rows = match slot_csv::parse(text.as_bytes(), &catalog, &institutions, &[], lang) {
        Ok(rows) => rows,
        Err(problems) => return Ok(Err(problems)),
    };
    let from = rows.iter().map(|r| r.starts_at).min();
    let to = rows.iter().map(|r| r.ends_at).max();
    let existing = match from.zip(to) {
        // A day earlier too: a long slot may reach into the first row's.
        Some((from, to)) => {
            store
                .slots(&SlotQuery::between(from - chrono::Duration::days(1), to))
                .await?
        }
        None => Vec::new(),
    };
    Ok(slot_csv::parse(
        text.as_bytes(),
        &catalog,
        &institutions,
        &existing,
        lang,
    ))
}
