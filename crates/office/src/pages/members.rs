//! The member roster (名簿) for institution staff: upload a member CSV into
//! the directory Sesshu holds for their institution — checked whole, every
//! change shown, then written — and the counts of members per department.
//! The page goes through `sesshu_operations::members`, and
//! `sesshu members import` does the same from the command line; both read
//! and write the directory through `sesshu_operations::roster`.

use super::upload::{self, ProblemRow, problem_rows};
use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, Request, State};
use axum::response::Response;
use serde::Deserialize;
use sesshu_auth::roster::{MissingMembers, Plan};
use sesshu_domain::{Duty, Institution, InstitutionId, Scope};
use sesshu_http::CsrfForm;
use sesshu_operations::members::{self, Applied, Census, MembersUpload, Preview};
use sesshu_operations::roster::{self, DepartmentCount, RosterFailure};

/// A plan as shown: the counts and the logins of each kind of change.
#[derive(Debug)]
pub struct PlanView {
    pub add: Vec<String>,
    pub update: Vec<String>,
    pub disable: Vec<String>,
    pub remove: Vec<String>,
    pub unchanged: usize,
    pub is_empty: bool,
    pub lists: Vec<(&'static str, Vec<String>)>,
}

impl PlanView {
    fn new(t: &Texts, plan: &Plan) -> Self {
        let add: Vec<String> = plan
            .add
            .iter()
            .map(|r| r.login.as_str().to_owned())
            .collect();
        let update: Vec<String> = plan
            .update
            .iter()
            .map(|(r, fields)| format!("{} ({})", r.login.as_str(), fields.join(", ")))
            .collect();
        let disable: Vec<String> = plan.disable.iter().map(|l| l.as_str().to_owned()).collect();
        let remove: Vec<String> = plan.remove.iter().map(|l| l.as_str().to_owned()).collect();
        Self {
            lists: vec![
                (t.members_add, add.clone()),
                (t.members_update, update.clone()),
                (t.members_disable, disable.clone()),
                (t.members_remove, remove.clone()),
            ],
            add,
            update,
            disable,
            remove,
            unchanged: plan.unchanged,
            is_empty: plan.is_empty(),
        }
    }
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    frame: Frame,
    t: &'static Texts,
    institutions: Vec<(i64, String, bool)>,
    institution: i64,
    /// Sesshu holds this institution's directory: uploads and counts.
    held: bool,
    counts: Vec<(String, usize, usize)>,
    problems: Vec<ProblemRow>,
    failure: Option<String>,
    plan: Option<PlanView>,
    applied: bool,
    /// What a hosted directory took before it failed.
    written: Vec<String>,
    missing: String,
    text: String,
}

#[derive(Deserialize)]
pub struct MembersQuery {
    institution: Option<i64>,
}

/// The page for one institution (the role's own, or the first).
async fn page(
    state: &OfficeState,
    staff: &Staff,
    frame: Frame,
    chosen: Option<i64>,
) -> Result<MembersPage, OfficeError> {
    let t = frame.t;
    let all = super::institutions_for(state, staff, Duty::ManageMembers).await?;
    let institution = chosen
        .and_then(|id| all.iter().find(|i| i.id.get() == id))
        .or(all.first())
        .cloned();
    let mut page = MembersPage {
        institutions: all
            .iter()
            .map(|i| {
                (
                    i.id.get(),
                    i.name(t.lang).to_owned(),
                    Some(i.id) == institution.as_ref().map(|c| c.id),
                )
            })
            .collect(),
        institution: institution.as_ref().map_or(0, |i| i.id.get()),
        held: false,
        counts: Vec::new(),
        problems: Vec::new(),
        failure: None,
        plan: None,
        applied: false,
        written: Vec::new(),
        missing: "disable".into(),
        text: String::new(),
        frame,
        t,
    };
    if let Some(institution) = &institution
        && roster::directory(institution).is_ok()
    {
        page.held = true;
        match counts(state, staff, t, institution).await? {
            Ok(counts) => page.counts = counts,
            Err(e) => page.failure = Some(failure(&e)),
        }
    }
    Ok(page)
}

/// Enabled and eligible members per department, by the department's name.
async fn counts(
    state: &OfficeState,
    staff: &Staff,
    t: &Texts,
    institution: &Institution,
) -> Result<Result<Vec<(String, usize, usize)>, RosterFailure>, OfficeError> {
    match members::census(state.operations(), &staff.actor(), institution.id).await? {
        Census::Counted(counts) => Ok(Ok(named_counts(t, institution, counts))),
        Census::Unreadable(e) => Ok(Err(e)),
    }
}

fn named_counts(
    t: &Texts,
    institution: &Institution,
    counts: Vec<DepartmentCount>,
) -> Vec<(String, usize, usize)> {
    counts
        .into_iter()
        .map(|c| {
            let name = match &c.department {
                Some(code) => institution
                    .departments
                    .iter()
                    .find(|d| &d.code == code)
                    .map_or_else(
                        || code.as_str().to_owned(),
                        |d| t.lang.pick(&d.name_ja, &d.name_en).to_owned(),
                    ),
                None => t.members_no_department.to_owned(),
            };
            (name, c.eligible, c.members)
        })
        .collect()
}

fn failure(e: &RosterFailure) -> String {
    tracing::warn!(error = %e, "member roster");
    e.to_string()
}

pub async fn show(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<MembersQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageMembers, Scope::Any)?;
    let page = page(&state, &staff, frame, query.institution).await?;
    html(page)
}

fn missing(value: Option<&str>) -> (MissingMembers, &'static str) {
    match value {
        Some("remove") => (MissingMembers::Remove, "remove"),
        Some("keep") => (MissingMembers::Keep, "keep"),
        _ => (MissingMembers::Disable, "disable"),
    }
}

/// The institution a form names, if the role may upload for it.
async fn institution_for(
    state: &OfficeState,
    staff: &Staff,
    id: Option<&str>,
) -> Result<Institution, OfficeError> {
    let id: InstitutionId = id
        .and_then(|i| i.parse().ok())
        .ok_or(OfficeError::NotFound)?;
    Ok(members::institution(state.operations(), &staff.actor(), id).await?)
}

pub async fn preview(
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
    let institution = institution_for(
        &state,
        &staff,
        upload.fields.get("institution").map(String::as_str),
    )
    .await?;
    let mut page = page(&state, &staff, frame, Some(institution.id.get())).await?;
    let (missing, missing_code) = missing(upload.fields.get("missing").map(String::as_str));
    page.missing = missing_code.into();
    // The roster's messages are in English (`sesshu_auth::roster`).
    match upload::file_text(&upload, sesshu_domain::Language::En) {
        Ok(text) => page.text = text,
        Err(problems) => {
            page.problems = problems;
            return html(page);
        }
    }
    let upload = MembersUpload {
        institution: institution.id,
        text: page.text.clone(),
        missing,
    };
    match members::preview(state.operations(), &staff.actor(), state.keys(), &upload).await? {
        Preview::Plan(plan) => page.plan = Some(PlanView::new(page.t, &plan)),
        Preview::Problems(problems) => page.problems = problem_rows(problems),
        Preview::Failed(e) => page.failure = Some(failure(&e)),
    }
    html(page)
}

#[derive(Deserialize)]
pub struct ApplyForm {
    institution: String,
    missing: String,
    text: String,
}

/// Plans the confirmed file again (the directory may have changed) and
/// writes it.
pub async fn apply(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    CsrfForm(form): CsrfForm<ApplyForm>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageMembers, Scope::Any)?;
    let institution = institution_for(&state, &staff, Some(&form.institution)).await?;
    let mut page = page(&state, &staff, frame, Some(institution.id.get())).await?;
    let (missing, missing_code) = missing(Some(&form.missing));
    page.missing = missing_code.into();
    let upload = MembersUpload {
        institution: institution.id,
        text: form.text,
        missing,
    };
    let applied = members::apply(
        state.operations(),
        &staff.actor(),
        state.keys(),
        state.passwords(),
        &upload,
    )
    .await?;
    match applied {
        Applied::Written(plan) => {
            page.plan = Some(PlanView::new(page.t, &plan));
            page.applied = true;
        }
        Applied::Partial(partial) => {
            page.failure = Some(format!("{} ({})", partial.failed, partial.error));
            page.written = partial.done;
        }
        Applied::Problems(problems) => {
            page.problems = problem_rows(problems);
            return html(page);
        }
        Applied::Unplanned(e) => {
            page.failure = Some(failure(&e));
            return html(page);
        }
        Applied::Failed(e) => page.failure = Some(failure(&e)),
    }
    // The counts after the change.
    if let Ok(Ok(fresh)) = counts(&state, &staff, page.t, &institution).await {
        page.counts = fresh;
    }
    html(page)
}
