//! The audit log viewer: newest first, fifty at a time, and verification
//! of the whole chain.

use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use sesshu_domain::{AuditRecord, Duty, Scope};
use sesshu_http::CsrfForm;
use sesshu_store::audit::VerifyError;

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

fn row(t: &Texts, r: AuditRecord) -> Row {
    Row {
        seq: r.seq,
        at: t.precise_time(r.entry.at),
        actor: r.entry.actor,
        role: r.entry.role,
        action: r.entry.action,
        objects: r.entry.objects.join(", "),
        detail: r.entry.detail,
        origin: r.entry.origin,
    }
}

async fn page(
    state: &OfficeState,
    frame: Frame,
    before: Option<i64>,
    verified: Option<Result<u64, String>>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let records = state.store().audit_latest(before, PAGE).await?;
    let older = (records.len() == PAGE as usize)
        .then(|| records.last().map(|r| r.seq))
        .flatten();
    html(AuditPage {
        frame,
        t,
        rows: records.into_iter().map(|r| row(t, r)).collect(),
        older,
        paged: before.is_some(),
        verified,
    })
}

pub async fn log(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(paging): Query<Paging>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ReadAudit, Scope::Any)?;
    page(&state, frame, paging.before, None).await
}

#[derive(Deserialize)]
pub struct VerifyForm {}

pub async fn verify(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
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
    page(&state, frame, None, Some(verified)).await
}
