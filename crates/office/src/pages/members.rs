//! The member roster (名簿) for institution staff: upload a member CSV into
//! the directory Sesshu holds for their institution — checked whole, every
//! change shown, then written — and the counts of members per department.
//! `sesshu members import` does the same from the command line; both go
//! through `sesshu_operations::roster`.

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
use sesshu_auth::roster::{self as rules, MissingMembers, Plan};
use sesshu_domain::AuditObject;
use sesshu_domain::{Duty, Institution, InstitutionId, Scope};
use sesshu_http::CsrfForm;
use sesshu_operations::roster::{self, RosterFailure};

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
        .and_then(|id| all.iter().find(|i| i.id.0 == id))
        .or(all.first())
        .cloned();
    let mut page = MembersPage {
        institutions: all
            .iter()
            .map(|i| {
                (
                    i.id.0,
                    i.name(t.lang).to_owned(),
                    Some(i.id) == institution.as_ref().map(|c| c.id),
                )
            })
            .collect(),
        institution: institution.as_ref().map_or(0, |i| i.id.0),
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
        match counts(state, t, institution).await {
            Ok(counts) => page.counts = counts,
            Err(e) => page.failure = Some(failure(&e)),
        }
    }
    Ok(page)
}

/// Enabled and eligible members per department, by the department's name.
async fn counts(
    state: &OfficeState,
    t: &Texts,
    institution: &Institution,
) -> Result<Vec<(String, usize, usize)>, RosterFailure> {
    let directory = roster::directory(institution)?;
    let members = roster::census(state.store(), institution.id, directory).await?;
    Ok(roster::department_counts(institution, &members)
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
        .collect())
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
    let id = InstitutionId(
        id.and_then(|i| i.parse().ok())
            .ok_or(OfficeError::NotFound)?,
    );
    staff.may(Duty::ManageMembers, Scope::Institution(id))?;
    state
        .store()
        .institution(id)
        .await?
        .ok_or(OfficeError::NotFound)
}

/// Checks a file and plans it against the directory (opening the members'
/// personal data to compare, audited first).
async fn plan(
    state: &OfficeState,
    staff: &Staff,
    institution: &Institution,
    text: &str,
    missing: MissingMembers,
    page: &mut MembersPage,
) -> Result<Option<Plan>, OfficeError> {
    let directory = match roster::directory(institution) {
        Ok(d) => d,
        Err(e) => {
            page.failure = Some(failure(&e));
            return Ok(None);
        }
    };
    let rows = match rules::parse(text) {
        Ok(rows) => rows,
        Err(problems) => {
            page.problems = problem_rows(problems);
            return Ok(None);
        }
    };
    let refused = roster::refused_rows(directory, &rows);
    if !refused.is_empty() {
        page.problems = problem_rows(refused);
        return Ok(None);
    }
    let entry = staff.audit(
        state.clock().now(),
        sesshu_domain::AuditAction::PersonalView,
        vec![AuditObject::Institution(institution.id)],
        "member roster compared with an upload",
    );
    state.store().audit(&entry).await?;
    let current =
        match roster::current(state.store(), institution.id, directory, state.keys()).await {
            Ok(current) => current,
            Err(e) => {
                page.failure = Some(failure(&e));
                return Ok(None);
            }
        };
    match rules::plan(rows, current, missing) {
        Ok(plan) => Ok(Some(plan)),
        Err(problems) => {
            page.problems = problem_rows(problems);
            Ok(None)
        }
    }
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
    let mut page = page(&state, &staff, frame, Some(institution.id.0)).await?;
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
    let text = page.text.clone();
    if let Some(plan) = plan(&state, &staff, &institution, &text, missing, &mut page).await? {
        page.plan = Some(PlanView::new(page.t, &plan));
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
    let mut page = page(&state, &staff, frame, Some(institution.id.0)).await?;
    let (missing, missing_code) = missing(Some(&form.missing));
    page.missing = missing_code.into();
    let Some(plan) = plan(&state, &staff, &institution, &form.text, missing, &mut page).await?
    else {
        return html(page);
    };
    let Ok(directory) = roster::directory(&institution) else {
        return Err(OfficeError::NotFound);
    };
    let summary = format!(
        "{} added, {} updated, {} disabled, {} removed",
        plan.add.len(),
        plan.update.len(),
        plan.disable.len(),
        plan.remove.len()
    );
    let objects = vec![AuditObject::InstitutionCode(institution.code.clone())];
    let written = roster::apply(
        state.store(),
        institution.id,
        directory,
        roster::Secrets {
            policy: state.passwords(),
            sealing: state.keys().sealing_key(),
        },
        &plan,
        state.clock().now(),
        &mut |_| {},
    )
    .await;
    let now = state.clock().now();
    match written {
        Ok(_) => {
            state
                .store()
                .audit(&staff.audit(
                    now,
                    sesshu_domain::AuditAction::MembersImport,
                    objects,
                    summary,
                ))
                .await?;
            page.plan = Some(PlanView::new(page.t, &plan));
            page.applied = true;
        }
        Err(RosterFailure::Partial(partial)) => {
            state
                .store()
                .audit(&staff.audit(
                    now,
                    sesshu_domain::AuditAction::MembersImportPartial,
                    objects,
                    format!("{} changes written; failed at one", partial.done.len()),
                ))
                .await?;
            page.failure = Some(format!("{} ({})", partial.failed, partial.error));
            page.written = partial.done;
        }
        Err(e) => page.failure = Some(failure(&e)),
    }
    // The counts after the change.
    if let Ok(fresh) = counts(&state, page.t, &institution).await {
        page.counts = fresh;
    }
    html(page)
}
