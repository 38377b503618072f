//! The VRS file (ワクチン接種記録システム登録用): the period's counts and its
//! doses without a collected voucher (`GET /lists/vrs`), and the file
//! (`POST /lists/vrs.csv`).
//!
//! The download is a POST with the CSRF field: it changes what is stored
//! (each row written is marked as exported, which decides what the next
//! "only new" file holds), so it must not happen on a GET that a link
//! preview, a prefetch or another site's `<img>` could send.

use super::attachment;
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::pages::{Frame, StaffPage, html};
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use sesshu_domain::{Duty, Scope, TOKYO, tokyo_day};
use sesshu_http::CsrfForm;
use sesshu_operations::export::{Encoding, Unmappable};
use sesshu_operations::lists::Period;
use sesshu_operations::reference;
use sesshu_operations::vrs::{self, VrsExported, VrsRequest, VrsSummary};

#[derive(Clone, Debug, Default, Deserialize)]
pub struct VrsQuery {
    from: Option<String>,
    to: Option<String>,
    only_new: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct VrsForm {
    from: String,
    to: String,
    /// The checkbox: present when ticked.
    #[serde(default)]
    only_new: Option<String>,
}

/// A dose of the period whose voucher was not collected.
#[derive(Debug)]
struct MissingRow {
    number: String,
    dose: u8,
    given_on: String,
    institution: String,
}

#[derive(Template)]
#[template(path = "vrs.html")]
struct VrsPage {
    frame: Frame,
    t: &'static Texts,
    from: String,
    to: String,
    only_new: bool,
    headers: Vec<String>,
    encoding: &'static str,
    new: usize,
    exported_before: usize,
    rows: usize,
    missing: Vec<MissingRow>,
    /// The cells Shift_JIS cannot hold, after a refused download.
    unmappable: Vec<Unmappable>,
}

/// The form: a period (today unless told), "only new" (ticked unless
/// told), the layout's columns and encoding, and the period's counts.
pub async fn vrs(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Query(query): Query<VrsQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::VrsExport, Scope::Any)?;
    let today = tokyo_day(state.clock().now());
    let from = match query.from.as_deref() {
        None | Some("") => today,
        Some(day) => parse_day(day)?,
    };
    let to = match query.to.as_deref() {
        None | Some("") => from.max(today),
        Some(day) => parse_day(day)?,
    };
    let period = Period::new(from, to).ok_or(OfficeError::BadRequest)?;
    // A first visit has no query: only new, so that nothing goes twice.
    let only_new = query.from.is_none() || query.only_new.is_some();
    let summary = vrs::summary(state.operations(), &staff.actor(), period).await?;
    html(page(&state, frame, period, only_new, &summary, Vec::new()).await?)
}

/// The file of the period in the configured layout, its rows marked as
/// exported (audited); or, when the layout's Shift_JIS cannot hold a
/// cell, the form again with those cells (422), nothing marked.
pub async fn vrs_csv(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    CsrfForm(form): CsrfForm<VrsForm>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::VrsExport, Scope::Any)?;
    let (from, to) = (parse_day(&form.from)?, parse_day(&form.to)?);
    let period = Period::new(from, to).ok_or(OfficeError::BadRequest)?;
    let request = VrsRequest {
        period,
        only_new: form.only_new.is_some(),
    };
    let ops = state.operations();
    let actor = staff.actor();
    match vrs::export(ops, state.keys(), &actor, &state.config().vrs, request).await? {
        VrsExported::File(file) => {
            let (suffix, charset) = match file.encoding {
                Encoding::Utf8Bom => ("", "utf-8"),
                Encoding::Cp932 => ("_sjis", "shift_jis"),
            };
            Ok(attachment(
                &format!("vrs_{from}_{to}{suffix}.csv"),
                &format!("text/csv; charset={charset}"),
                file.bytes,
            ))
        }
        VrsExported::Unmappable(cells) => {
            let summary = vrs::summary(ops, &actor, period).await?;
            let mut response =
                html(page(&state, frame, period, request.only_new, &summary, cells).await?)?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}

async fn page(
    state: &OfficeState,
    frame: Frame,
    period: Period,
    only_new: bool,
    summary: &VrsSummary,
    unmappable: Vec<Unmappable>,
) -> Result<VrsPage, OfficeError> {
    let t = frame.t;
    let institutions = reference::institutions(state.operations()).await?;
    let layout = &state.config().vrs;
    let missing = summary
        .without_voucher
        .iter()
        .map(|w| MissingRow {
            number: w.number.to_string(),
            dose: w.dose.get(),
            given_on: w.at.with_timezone(&TOKYO).format("%Y-%m-%d").to_string(),
            institution: institutions
                .iter()
                .find(|i| i.id == w.institution)
                .map(|i| i.name(t.lang).to_owned())
                .unwrap_or_default(),
        })
        .collect();
    Ok(VrsPage {
        from: period.from().format("%Y-%m-%d").to_string(),
        to: period.to().format("%Y-%m-%d").to_string(),
        only_new,
        headers: layout.headers().into_iter().map(str::to_owned).collect(),
        encoding: match layout.encoding {
            Encoding::Utf8Bom => t.vrs_encoding_utf8,
            Encoding::Cp932 => t.vrs_encoding_cp932,
        },
        new: summary.new,
        exported_before: summary.exported_before,
        rows: summary.rows(only_new),
        missing,
        unmappable,
        frame,
        t,
    })
}

fn parse_day(text: &str) -> Result<NaiveDate, OfficeError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| OfficeError::BadRequest)
}
