//! The vouchers (接種券) on the page "my reservation": where each dose's
//! voucher is, and the forms that give it (`POST /me/voucher`): the 18-digit
//! OCR line (typed, or read from the voucher's QR code by `static/voucher.js`
//! with the office's vendored jsQR), or the municipality code and the voucher
//! number typed apart. The work is `sesshu_core::Vouchers`.
//!
//! A problem shows the page again with the form as typed and what is wrong
//! in the person's language; what was typed goes into no URL and no log.

use super::Frame;
use super::me;
use crate::error::{ApiError, PageError};
use crate::i18n::Texts;
use crate::lang::Lang;
use crate::signed_in::PageUser;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_core::vouchers::{GiveError, Part, Typed};
use sesshu_domain::{DoseNumber, Series};
use sesshu_http::CsrfForm;
use sesshu_store::VoucherState;

/// How much of a typed value is shown again in its field.
const ECHO_CHARS: usize = 40;

/// One dose's voucher on the page.
#[derive(Debug)]
pub(super) struct VoucherView {
    pub dose: u8,
    pub label: &'static str,
    pub given_at: Option<String>,
    pub collected_at: Option<String>,
    /// What the forms show again after a problem.
    pub retry: Option<Retry>,
}

impl VoucherView {
    /// The forms are offered until the desk has collected the voucher.
    pub fn open(&self) -> bool {
        self.collected_at.is_none()
    }

    fn typed(&self, part: Part) -> &str {
        match &self.retry {
            Some(r) if r.form == Form::of(part) => r.value(part),
            _ => "",
        }
    }

    pub fn line(&self) -> &str {
        self.typed(Part::Line)
    }

    pub fn municipality(&self) -> &str {
        self.typed(Part::Municipality)
    }

    pub fn number(&self) -> &str {
        self.typed(Part::Number)
    }

    /// The problem, if it is in the field `part` (`line`, `municipality`,
    /// `number`).
    pub fn error_in(&self, part: &str) -> Option<&str> {
        let retry = self.retry.as_ref()?;
        let name = match retry.part {
            Part::Line => "line",
            Part::Municipality => "municipality",
            Part::Number => "number",
        };
        (name == part).then_some(retry.message.as_str())
    }

    /// The code and number typed apart came back with a problem: that form
    /// is shown open.
    pub fn parts_open(&self) -> bool {
        self.retry.as_ref().is_some_and(|r| r.form == Form::Parts)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Line,
    Parts,
}

impl Form {
    fn of(part: Part) -> Form {
        match part {
            Part::Line => Form::Line,
            Part::Municipality | Part::Number => Form::Parts,
        }
    }
}

/// A form that came back with a problem: what it held, and what is wrong
/// where. Its `Debug` never shows what was typed.
pub(super) struct Retry {
    dose: DoseNumber,
    form: Form,
    line: String,
    municipality: String,
    number: String,
    part: Part,
    message: String,
}

impl Retry {
    fn value(&self, part: Part) -> &str {
        match part {
            Part::Line => &self.line,
            Part::Municipality => &self.municipality,
            Part::Number => &self.number,
        }
    }
}

impl std::fmt::Debug for Retry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Retry")
            .field("dose", &self.dose)
            .field("part", &self.part)
            .finish_non_exhaustive()
    }
}

/// The vouchers of the doses of `series`, with the form that came back.
pub(super) fn views(
    t: &'static Texts,
    series: &Series,
    states: &[VoucherState],
    mut retry: Option<Retry>,
) -> Vec<VoucherView> {
    series
        .doses
        .iter()
        .map(|d| {
            let state = states.iter().find(|s| s.dose == d.number);
            VoucherView {
                dose: d.number.get(),
                label: if d.number == DoseNumber::FIRST {
                    t.first_dose
                } else {
                    t.second_dose
                },
                given_at: state.map(|s| t.date_time(s.given_at)),
                collected_at: state.and_then(|s| s.collected_at).map(|at| t.date_time(at)),
                retry: retry.take_if(|r| r.dose == d.number),
            }
        })
        .collect()
}

/// The fields of both forms: a form has either the line or the two parts.
#[derive(Deserialize)]
pub struct VoucherForm {
    dose: u8,
    ocr_line: Option<String>,
    municipality_code: Option<String>,
    voucher_number: Option<String>,
}

fn echo(value: Option<&String>) -> String {
    value.map_or_else(String::new, |v| v.trim().chars().take(ECHO_CHARS).collect())
}

/// `POST /me/voucher`: gives the voucher of a dose of the active
/// reservation.
pub async fn give(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    PageUser(user): PageUser,
    CsrfForm(form): CsrfForm<VoucherForm>,
) -> Result<Response, PageError> {
    let dose = DoseNumber::new(form.dose).map_err(|_| PageError::BadRequest)?;
    let typed = match (
        &form.ocr_line,
        &form.municipality_code,
        &form.voucher_number,
    ) {
        (Some(line), None, None) => Typed::Line(line),
        (None, Some(municipality), Some(number)) => Typed::Parts {
            municipality,
            number,
        },
        _ => return Err(PageError::BadRequest),
    };
    let Some(series) = me::active(&state, &user).await? else {
        return Ok(Redirect::to("/me").into_response());
    };
    let given = state
        .vouchers()
        .give_for(&user.person, &series, dose, typed)
        .await;
    match given {
        Ok(_) => Ok(Redirect::to("/me?done=voucher").into_response()),
        Err(GiveError::Invalid(part, problem)) => {
            let retry = Retry {
                dose,
                form: Form::of(part),
                line: echo(form.ocr_line.as_ref()),
                municipality: echo(form.municipality_code.as_ref()),
                number: echo(form.voucher_number.as_ref()),
                part,
                message: problem.message(lang.0),
            };
            me::render(&state, lang, frame, &user, None, None, Some(retry)).await
        }
        Err(GiveError::Collected) => {
            Ok(Redirect::to("/me?error=voucher_collected").into_response())
        }
        Err(GiveError::NotFound | GiveError::NotActive) => Ok(Redirect::to("/me").into_response()),
        Err(e) => Err(ApiError::from(e).into()),
    }
}

/// The form's page is "my reservation" (a language switch after a problem
/// comes back here).
pub async fn back() -> Redirect {
    Redirect::to("/me")
}

/// The voucher's camera: `static/voucher.js`.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/voucher.js"),
    )
}

/// The QR decoder the camera uses: the office's vendored jsQR 1.4.0, as
/// published (`office/static/vendor/`, with its licence and hash), one file
/// for both sites.
pub async fn decoder() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../../office/static/vendor/jsQR.js"),
    )
}
