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
use sesshu_domain::{AuditRecord, Duty, Scope};
use sesshu_http::CsrfForm;
use sesshu_store::audit::VerifyError;
use std::collections::HashMap;
use tower_sessions::Session;

const PAGE: u32 = 50;

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

fn row(t: &Texts, logins: &HashMap<String, String>, r: AuditRecord) -> Row {
    let actor = match logins.get(&r.entry.actor) {
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

pub async fn log(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    session: Session,
    Query(paging): Query<Paging>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ReadAudit, Scope::Any)?;
    let verified: Option<Result<u64, String>> = session
        .remove(VERIFIED_KEY)
        .await
        .map_err(|_| OfficeError::Internal)?;
    let t = frame.t;
    let records = state.store().audit_latest(paging.before, PAGE).await?;
    let older = (records.len() == PAGE as usize)
        .then(|| records.last().map(|r| r.seq))
        .flatten();
    // Accounts by how the trail names them, so a reader sees who.
    let logins: HashMap<String, String> = state
        .store()
        .admins()
        .await?
        .into_iter()
        .map(|a| (a.actor(), a.login.as_str().to_owned()))
        .collect();
    html(AuditPage {
        frame,
        t,
        rows: records.into_iter().map(|r| row(t, &logins, r)).collect(),
        older,
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
    staff.may(Duty::ReadAudit, Scope::Any)?;
    let verified = match sesshu_store::audit::verify(state.store().as_ref()).await {
        Ok(n) => Ok(n),
        Err(VerifyError::Broken(broken)) => {
            tracing::error!(
                seq = broken.seq,
                reason = broken.reason,
                "audit chain broken"
            );
            Err(broken.to_string())
        }
        Err(VerifyError::Store(e)) => return Err(e.into()),
    };
    session
        .insert(VERIFIED_KEY, verified)
        .await
        .map_err(|_| OfficeError::Internal)?;
    Ok(Redirect::to("/audit").into_response())
}
