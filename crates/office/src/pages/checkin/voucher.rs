//! A dose's voucher (接種券) at the desk: marked as collected once its
//! sticker is on the questionnaire (twice: said so, recorded once), or
//! entered there when the person brought it without giving it online —
//! its OCR line (typed, or its QR code read by the scanner) or the
//! municipality code and the number apart. The number is posted, sealed
//! by `sesshu_operations::vouchers`, and never shown again, put in a URL
//! or logged: a voucher that does not check is answered with the dose's
//! page and what is wrong with it (422), not with what was typed.

use super::dose::{self, Back, Shown};
use crate::error::OfficeError;
use crate::pages::StaffPage;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sesshu_http::CsrfForm;
use sesshu_operations::vouchers::{self, Entered, Typed};
use sesshu_store::Collected;

/// The voucher as the desk typed it. No `Debug`: it holds the number.
#[derive(Deserialize)]
pub struct VoucherForm {
    #[serde(default)]
    line: String,
    #[serde(default)]
    municipality: String,
    #[serde(default)]
    number: String,
}

impl VoucherForm {
    /// The OCR line if one was typed, else the code and number; `None`:
    /// nothing was.
    fn typed(&self) -> Option<Typed<'_>> {
        if !self.line.trim().is_empty() {
            Some(Typed::Line(&self.line))
        } else if self.municipality.trim().is_empty() && self.number.trim().is_empty() {
            None
        } else {
            Some(Typed::Parts {
                municipality: &self.municipality,
                number: &self.number,
            })
        }
    }
}

/// Enters the dose's voucher, sealed and audited.
pub async fn enter(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Path((number, dose)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<VoucherForm>,
) -> Result<Response, OfficeError> {
    let target = dose::target(&state, &staff, &number, &dose).await?;
    let back = Back::of(&target);
    let Some(typed) = form.typed() else {
        return Ok(back.error("voucher_empty"));
    };
    let entered = vouchers::enter(
        state.operations(),
        state.keys(),
        &staff.actor(),
        &target,
        typed,
    )
    .await?;
    match entered {
        Entered::Done => Ok(back.done("voucher_entered")),
        Entered::Collected => Ok(back.error("voucher_collected")),
        Entered::Invalid(problem) => {
            let shown = Shown {
                done: None,
                error: None,
                voucher_error: Some(problem.message(frame.t.lang)),
            };
            let mut page = dose::render(&state, &staff, frame, &target, shown).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page)
        }
    }
}

/// Marks the dose's voucher as collected (once).
pub async fn collect(
    State(state): State<OfficeState>,
    staff: Staff,
    Path((number, dose)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    let target = dose::target(&state, &staff, &number, &dose).await?;
    let back = Back::of(&target);
    let collected = vouchers::collect(
        state.operations(),
        &staff.actor(),
        staff.account.id,
        &target,
    )
    .await?;
    Ok(match collected {
        Collected::Now(_) => back.done("voucher_collected"),
        Collected::Before(_) => back.done("voucher_before"),
        Collected::NotGiven => back.error("voucher_not_given"),
    })
}
