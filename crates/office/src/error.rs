//! The office's one error type, and how it becomes a page.
//!
//! Handlers return [`OfficeError`]; it turns into a bare response carrying
//! the error, and [`render_errors`] writes the page in the request's
//! language. Internal causes are logged where they happen, never shown.

use crate::i18n::Texts;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sesshu_domain::Denied;
use sesshu_http::CsrfRefusal;
use sesshu_http::page::{ErrorPage, Failure};
use sesshu_store::StoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfficeError {
    /// No signed-in administrator: to the login page.
    Unauthenticated,
    /// The role never does this (403).
    Forbidden,
    /// Absent, or outside the role's scope (404).
    NotFound,
    BadRequest,
    Busy,
    Internal,
}

impl From<Denied> for OfficeError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Forbidden => OfficeError::Forbidden,
            Denied::NotFound => OfficeError::NotFound,
        }
    }
}

impl From<StoreError> for OfficeError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => OfficeError::NotFound,
            other => sesshu_http::page::store_failure(&other).into(),
        }
    }
}

impl From<sesshu_operations::OperationError> for OfficeError {
    fn from(e: sesshu_operations::OperationError) -> Self {
        match e {
            sesshu_operations::OperationError::Denied(d) => d.into(),
            sesshu_operations::OperationError::NotFound => OfficeError::NotFound,
            sesshu_operations::OperationError::Unopenable => OfficeError::Internal,
            sesshu_operations::OperationError::Store(e) => e.into(),
        }
    }
}

impl From<sesshu_core::BookingError> for OfficeError {
    fn from(e: sesshu_core::BookingError) -> Self {
        match e {
            sesshu_core::BookingError::Store(e) => e.into(),
            sesshu_core::BookingError::NotFound => OfficeError::NotFound,
            other => {
                tracing::error!(error = %other, "a use case failed where no refusal was expected");
                OfficeError::Internal
            }
        }
    }
}

impl From<CsrfRefusal> for OfficeError {
    fn from(e: CsrfRefusal) -> Self {
        Failure::from(e).into()
    }
}

impl From<Failure> for OfficeError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::BadRequest => OfficeError::BadRequest,
            Failure::Forbidden => OfficeError::Forbidden,
            Failure::Busy => OfficeError::Busy,
            Failure::Internal => OfficeError::Internal,
        }
    }
}

impl OfficeError {
    pub fn status(self) -> StatusCode {
        match self {
            OfficeError::Unauthenticated => StatusCode::SEE_OTHER,
            OfficeError::Forbidden => StatusCode::FORBIDDEN,
            OfficeError::NotFound => StatusCode::NOT_FOUND,
            OfficeError::BadRequest => StatusCode::BAD_REQUEST,
            OfficeError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            OfficeError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for OfficeError {
    fn into_response(self) -> Response {
        if self == OfficeError::Unauthenticated {
            return Redirect::to("/login").into_response();
        }
        let mut response = self.status().into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Writes the page of an [`OfficeError`] (or a refused form) in the
/// request's language.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let t = Texts::of(sesshu_http::lang::negotiate(&parts));
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let error = match response.extensions_mut().remove::<CsrfRefusal>() {
        Some(refusal) => Some(OfficeError::from(refusal)),
        None => response.extensions_mut().remove::<OfficeError>(),
    };
    let Some(error) = error else {
        return response;
    };
    let (title, message) = match error {
        OfficeError::NotFound => (t.not_found_title, t.not_found),
        OfficeError::Forbidden => (t.error_title, t.error_forbidden),
        OfficeError::BadRequest => (t.error_title, t.error_bad_request),
        OfficeError::Busy => (t.error_title, t.error_busy),
        OfficeError::Unauthenticated | OfficeError::Internal => (t.error_title, t.error_generic),
    };
    ErrorPage {
        lang_tag: t.lang_tag(),
        app_name: t.app_name,
        title,
        message,
        stylesheet: "/static/office.css",
        icon: None,
        home: t.nav_home,
        refresh: None,
    }
    .answer(response)
}
