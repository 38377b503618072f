//! The audit log viewer: newest first, fifty at a time, and verification
//! of the whole chain.

use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::{Duty, Scope};
use sesshu_http::CsrfForm;
use sesshu_operations::audit::{self, ChainCheck, TrailEntry};
use tower_sessions::Session;

/// One row as shown.
#[derive(Debug)]
pub struct Row {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub objects: String,
    pub detail: String,
    pub origin: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    frame: Frame,
    t: &'static Texts,
    rows: Vec<Row>,
    older: Option<i64>,
    paged: bool,
    verified: Option<Result<u64, String>>,
}

#[derive(Deserialize)]
pub struct Paging {
    before: Option<i64>,
}

/// The session key of the last verification's outcome, shown once.
const VERIFIED_KEY: &str = "audit_verified";

fn row(t: &Texts, TrailEntry { record: r, login }: TrailEntry) -> Row {
    let actor = match login {
        Some(login) => format!("{login} ({})", r.entry.actor),
        None => r.entry.actor,
    };
    Row {
        seq: r.seq,
        at: t.precise_time(r.entry.at),
        actor,
        role: t.role_code(&r.entry.role).to_owned(),
        action: r.entry.action.code().to_owned(),
        objects: r
            .entry
            .objects
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        detail: r.entry.detail,
        origin: r.entry.origin,
    }
}

/// The latest entries (or those before `before`), newest first.
pub async fn log(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    session: Session,
    Query(paging): Query<Paging>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ReadAudit, Scope::Any)?;
    // The outcome is shown once, and only to a reader of the trail.
    let verified: Option<Result<u64, String>> = session
        .remove(VERIFIED_KEY)
        .await
        .map_err(|_| OfficeError::Internal)?;
    let t = frame.t;
    let page = audit::trail(state.operations(), &staff.actor(), paging.before).await?;
    html(AuditPage {
        frame,
        t,
        rows: page.entries.into_iter().map(|e| row(t, e)).collect(),
        older: page.older,
        paged: paging.before.is_some(),
        verified,
    })
}

#[derive(Deserialize)]
pub struct VerifyForm {}

/// Follows the whole chain, then shows the log with the outcome (a reload
/// of the log does not verify again).
pub async fn verify(
    State(state): State<OfficeState>,
    staff: Staff,
    session: Session,
    CsrfForm(VerifyForm {}): CsrfForm<VerifyForm>,
) -> Result<Response, OfficeError> {
    let verified: Result<u64, String> =
        match audit::verify_chain(state.operations(), &staff.actor()).await? {
            ChainCheck::Intact { entries } => Ok(entries),
            ChainCheck::Broken(broken) => Err(broken.to_string()),
        };
    session
        .insert(VERIFIED_KEY, verified)
        .await
        .map_err(|_| OfficeError::Internal)?;
    Ok(Redirect::to("/audit").into_response())
}
