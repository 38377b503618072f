//! The web layer's errors and how they become responses.
//!
//! Handlers return [`ApiError`] (JSON API) or [`PageError`] (pages). Both
//! turn into a bare response carrying the error; [`render_errors`] then
//! writes the body in the request's language, so a handler never has to
//! know the language to fail. Internal causes are logged where they happen
//! and never shown.

use crate::i18n::Texts;
use crate::lang;
use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sesshu_auth::LoginError;
use sesshu_core::BookingError;
use sesshu_core::vouchers::GiveError;
use sesshu_domain::{Language, Rejection, VoucherError};
use sesshu_http::CsrfRefusal;
use sesshu_http::page::{ErrorPage, Failure, replace_body};
use utoipa::ToSchema;

/// An error of the JSON API: a status, a stable `code` and a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// A booking rule refused the request.
    Rejected(Rejection),
    NotFound,
    /// No session, or it expired.
    Unauthenticated,
    /// Wrong login or password (which one is not said).
    LoginFailed,
    /// No login waits for consent (expired, or never started).
    ConsentExpired,
    Throttled {
        retry_after: DateTime<Utc>,
    },
    /// The body or a parameter does not parse.
    BadRequest(&'static str),
    UnsupportedMediaType,
    /// A browser request from another site.
    CrossSite,
    IdempotencyKeyReused,
    /// Not a voucher for the dose (which problem; never the digits).
    VoucherInvalid(VoucherError),
    /// The desk collected the dose's voucher: it is not replaced.
    VoucherCollected,
    /// A dose received elsewhere that the rules refuse (the first problem
    /// found; the pages show them all).
    Elsewhere(sesshu_domain::elsewhere::Problem),
    /// The database is overloaded or contended, or the door is full; retry.
    Busy,
    /// This address or session sent more requests than its share.
    TooManyRequests,
    Internal,
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `slot_full`.
    #[schema(example = "slot_full")]
    pub code: &'static str,
    /// What to tell the person, in their language.
    pub message: String,
}

impl ApiError {
    pub fn status(self) -> StatusCode {
        match self {
            ApiError::Rejected(r) => match r {
                Rejection::NotEligible => StatusCode::FORBIDDEN,
                Rejection::NotFirstDose
                | Rejection::SecondDoseOnly
                | Rejection::IntervalNotMet
                | Rejection::OtherVaccine => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            },
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Unauthenticated | ApiError::LoginFailed | ApiError::ConsentExpired => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::CrossSite => StatusCode::FORBIDDEN,
            ApiError::IdempotencyKeyReused | ApiError::VoucherInvalid(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::VoucherCollected => StatusCode::CONFLICT,
            ApiError::Elsewhere(problem) => {
                use sesshu_domain::elsewhere::Problem;
                match problem {
                    Problem::HeldHere | Problem::OfficeEntry | Problem::ReservedHere => {
                        StatusCode::CONFLICT
                    }
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                }
            }
            ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ApiError::Rejected(r) => r.code(),
            ApiError::NotFound => "not_found",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::LoginFailed => "login_failed",
            ApiError::ConsentExpired => "consent_expired",
            ApiError::Throttled { .. } => "too_many_attempts",
            ApiError::BadRequest(code) => code,
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::CrossSite => "cross_site_request",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::VoucherInvalid(_) => "voucher_invalid",
            ApiError::VoucherCollected => "voucher_collected",
            ApiError::Elsewhere(problem) => problem.code(),
            ApiError::Busy => "busy",
            ApiError::TooManyRequests => "too_many_requests",
            ApiError::Internal => "internal_error",
        }
    }

    pub fn message(self, lang: Language) -> String {
        let t = Texts::of(lang);
        let text = match (self, lang) {
            (ApiError::VoucherInvalid(e), _) => return e.message(lang),
            (ApiError::Elsewhere(problem), _) => return problem.message(lang),
            (ApiError::VoucherCollected, _) => t.voucher_collected,
            (ApiError::Rejected(r), _) => r.message(lang),
            (ApiError::NotFound, _) => t.not_found,
            (ApiError::Unauthenticated, Language::Ja) => "ログインしてください。",
            (ApiError::Unauthenticated, Language::En) => "Please log in.",
            (ApiError::LoginFailed, _) => t.login_failed,
            (ApiError::ConsentExpired, _) => t.consent_expired,
            (ApiError::Throttled { .. }, _) => t.login_throttled,
            (ApiError::BadRequest(_), Language::Ja) => "リクエストの形式が正しくありません。",
            (ApiError::BadRequest(_), Language::En) => "The request is malformed.",
            (ApiError::UnsupportedMediaType, Language::Ja) => {
                "本文は application/json で送ってください。"
            }
            (ApiError::UnsupportedMediaType, Language::En) => "Send the body as application/json.",
            (ApiError::CrossSite, _) => t.error_forbidden,
            (ApiError::IdempotencyKeyReused, Language::Ja) => {
                "この Idempotency-Key は別のリクエストに使われています。"
            }
            (ApiError::IdempotencyKeyReused, Language::En) => {
                "This Idempotency-Key was used for a different request."
            }
            (ApiError::Busy, _) => t.error_busy,
            (ApiError::TooManyRequests, Language::Ja) => {
                "短い間にリクエストが多すぎます。少し待ってからもう一度お試しください。"
            }
            (ApiError::TooManyRequests, Language::En) => {
                "Too many requests in a short time. Please wait a moment and try again."
            }
            (ApiError::Internal, _) => t.error_generic,
        };
        text.to_owned()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if let ApiError::Throttled { retry_after } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_seconds(retry_after));
        }
        response.extensions_mut().insert(self);
        response
    }
}

fn retry_seconds(at: DateTime<Utc>) -> HeaderValue {
    // Relative to the system clock is fine for a hint to the client.
    #[allow(clippy::disallowed_methods)]
    let seconds = (at - Utc::now()).num_seconds().max(1);
    HeaderValue::from(seconds)
}

impl From<BookingError> for ApiError {
    fn from(e: BookingError) -> Self {
        match e {
            BookingError::Rejected(r) => ApiError::Rejected(r),
            BookingError::NotFound => ApiError::NotFound,
            BookingError::IdempotencyKeyReused => ApiError::IdempotencyKeyReused,
            BookingError::Store(e) => store_failure(&e),
        }
    }
}

impl From<GiveError> for ApiError {
    fn from(e: GiveError) -> Self {
        match e {
            GiveError::Invalid(_, problem) => ApiError::VoucherInvalid(problem),
            GiveError::Collected => ApiError::VoucherCollected,
            GiveError::NotFound => ApiError::NotFound,
            GiveError::NotActive => ApiError::Rejected(Rejection::NotActive),
            GiveError::Sealing => {
                tracing::error!("sealing a voucher failed");
                ApiError::Internal
            }
            GiveError::Store(e) => store_failure(&e),
        }
    }
}

impl From<sesshu_core::elsewhere::DeclareError> for ApiError {
    fn from(e: sesshu_core::elsewhere::DeclareError) -> Self {
        use sesshu_core::elsewhere::DeclareError;
        match e {
            DeclareError::Refused(problems) => problems
                .first()
                .map_or(ApiError::BadRequest("invalid_body"), |p| {
                    ApiError::Elsewhere(*p)
                }),
            DeclareError::NotFound => ApiError::NotFound,
            DeclareError::Store(e) => store_failure(&e),
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(e: LoginError) -> Self {
        match e {
            // A password for an institution that logs in elsewhere gets the
            // same answer as a wrong one.
            LoginError::Refused | LoginError::WrongMethod => ApiError::LoginFailed,
            LoginError::Throttled { retry_after } => ApiError::Throttled { retry_after },
            LoginError::ConsentExpired => ApiError::ConsentExpired,
            LoginError::Sealing => {
                tracing::error!("sealing personal data failed");
                ApiError::Internal
            }
            LoginError::Store(e) => store_failure(&e),
        }
    }
}

impl From<sesshu_store::StoreError> for ApiError {
    fn from(e: sesshu_store::StoreError) -> Self {
        store_failure(&e)
    }
}

fn store_failure(e: &sesshu_store::StoreError) -> ApiError {
    match sesshu_http::page::store_failure(e) {
        Failure::Busy => ApiError::Busy,
        _ => ApiError::Internal,
    }
}

/// An error of the pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageError {
    NotFound,
    BadRequest,
    /// CSRF token or origin check failed.
    Forbidden,
    Busy,
    /// Turned away at the door under a rush ([`crate::admission`]): the
    /// page says when to retry, and a `GET` reloads itself then.
    Shed {
        retry_after: u64,
        reload: bool,
    },
    Internal,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::BadRequest => StatusCode::BAD_REQUEST,
            PageError::Forbidden => StatusCode::FORBIDDEN,
            PageError::Busy | PageError::Shed { .. } => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound => PageError::NotFound,
            ApiError::Busy | ApiError::TooManyRequests => PageError::Busy,
            ApiError::CrossSite => PageError::Forbidden,
            ApiError::BadRequest(_) | ApiError::UnsupportedMediaType => PageError::BadRequest,
            _ => PageError::Internal,
        }
    }
}

impl From<sesshu_store::StoreError> for PageError {
    fn from(e: sesshu_store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<CsrfRefusal> for PageError {
    fn from(e: CsrfRefusal) -> Self {
        match Failure::from(e) {
            Failure::BadRequest => PageError::BadRequest,
            Failure::Forbidden => PageError::Forbidden,
            Failure::Busy => PageError::Busy,
            Failure::Internal => PageError::Internal,
        }
    }
}

/// Writes the body of an [`ApiError`] or [`PageError`] response in the
/// request's language.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let lang = lang::from_parts(&parts);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(error) = response.extensions_mut().remove::<ApiError>() {
        let body = ErrorBody {
            code: error.code(),
            message: error.message(lang),
        };
        return replace_body(response, Json(body));
    }
    let page_error = match response.extensions_mut().remove::<CsrfRefusal>() {
        Some(refusal) => Some(PageError::from(refusal)),
        None => response.extensions_mut().remove::<PageError>(),
    };
    if let Some(error) = page_error {
        let t = Texts::of(lang);
        let shed_message;
        let (title, message, refresh) = match error {
            PageError::NotFound => (t.not_found_title, t.not_found, None),
            PageError::Forbidden => (t.error_title, t.error_forbidden, None),
            PageError::Busy => (t.error_title, t.error_busy, None),
            PageError::Shed {
                retry_after,
                reload,
            } => {
                shed_message = if reload {
                    t.busy_retrying(retry_after)
                } else {
                    t.busy_resend(retry_after)
                };
                let refresh = reload.then_some(retry_after);
                (t.busy_title, shed_message.as_str(), refresh)
            }
            PageError::BadRequest | PageError::Internal => (t.error_title, t.error_generic, None),
        };
        let page = ErrorPage {
            lang_tag: t.lang_tag(),
            app_name: t.app_name,
            title,
            message,
            stylesheet: "/static/style.css",
            icon: Some("/static/favicon.svg"),
            home: t.app_name,
            refresh,
        };
        return page.answer(response);
    }
    response
}
