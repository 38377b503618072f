//! The venue's desk on the vaccination day. The lookup (this file): one
//! field that takes the token of a confirmation's QR code — scanned by the
//! device's camera (`static/checkin.js` with the vendored jsQR decoder), or
//! typed by a handheld scanner — or a reservation number typed; posted, so
//! that no token is ever in a URL or a log line. The desk's page of a
//! reservation with its warnings and the check-in (`desk.rs`), and each
//! dose's questionnaire, decision, vaccination and correction (`dose.rs`),
//! and its voucher (`voucher.rs`).
//! The work is done by `sesshu_operations::{checkin, vaccination, vouchers}`.

mod desk;
mod dose;
mod voucher;

pub use desk::{check_in, show};
pub use dose::{correct, decide, page as dose, questionnaire, vaccinate};
pub(crate) use dose::{error_text, refusal_code};
pub use voucher::{collect as collect_voucher, enter as enter_voucher};

use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::{CheckInToken, Denied, Duty, Scope};
use sesshu_http::CsrfForm;
use sesshu_operations::OperationError;
use sesshu_operations::checkin::{self, Lookup};

/// The office's policy (no third party, nothing inline) with the office's
/// own scripts allowed: the lookup page's camera.
const CSP_WITH_SCRIPTS: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                                img-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                                base-uri 'none'";

#[derive(Template)]
#[template(path = "checkin_form.html")]
struct FormPage {
    frame: Frame,
    t: &'static Texts,
    /// What was typed, when it was not a token (a token is never echoed).
    typed: String,
    not_found: bool,
}

fn form_page(frame: Frame, typed: String, not_found: bool) -> Result<Response, OfficeError> {
    let t = frame.t;
    let mut response = html(FormPage {
        frame,
        t,
        typed,
        not_found,
    })?;
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP_WITH_SCRIPTS),
    );
    // Its camera, nothing else of the device.
    response.headers_mut().insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(self), microphone=(), geolocation=()"),
    );
    if not_found {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    Ok(response)
}

/// The desk's form: scan or type.
pub async fn form(StaffPage { staff, frame }: StaffPage) -> Result<Response, OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    form_page(frame, String::new(), false)
}

#[derive(Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    lookup: String,
}

/// Finds the reservation the field names and shows it at
/// `/checkin/{number}`; one that staff of this venue find by its token
/// only (it is at another venue) is shown here, with its warning. Not
/// found: the form again, saying so (404).
pub async fn lookup(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    CsrfForm(form): CsrfForm<LookupForm>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::CheckIn, Scope::Any)?;
    let typed = || {
        if CheckInToken::parse(&form.lookup).is_ok() {
            String::new()
        } else {
            form.lookup.trim().chars().take(40).collect()
        }
    };
    let Some(lookup) = Lookup::parse(&form.lookup) else {
        return form_page(frame, typed(), true);
    };
    let located = match checkin::locate(state.operations(), &staff.actor(), &lookup).await {
        Ok(located) => located,
        Err(OperationError::NotFound | OperationError::Denied(Denied::NotFound)) => {
            return form_page(frame, typed(), true);
        }
        Err(e) => return Err(e.into()),
    };
    if located.by_number {
        return Ok(Redirect::to(&format!("/checkin/{}", located.number)).into_response());
    }
    desk::render(&state, &staff, frame, &lookup, None).await
}

/// The desk's camera: `static/checkin.js`.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        include_str!("../../../static/checkin.js"),
    )
}

/// The QR decoder the camera uses: jsQR 1.4.0 as published
/// (`static/vendor/`, with its licence).
pub async fn decoder() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        include_str!("../../../static/vendor/jsQR.js"),
    )
}
