//! CSRF protection for HTML forms.
//!
//! Two independent checks: every unsafe request must come from our own
//! origin ([`crate::origin`]), and every form must carry the token of the
//! browser's CSRF cookie (double submit). The cookie is `HttpOnly` and
//! `SameSite=Strict`; pages put its value in a hidden field when they render
//! a form. A JSON API needs no token if it accepts only `application/json`,
//! which a cross-site form cannot send.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use rand::RngCore;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use tower_sessions::cookie::{Cookie, SameSite};

/// The cookie of a listener's CSRF token, and whether it is `Secure`.
#[derive(Clone, Copy, Debug)]
pub struct CsrfCookie {
    pub name: &'static str,
    pub secure: bool,
}

/// The token to put in this page's forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// Why a form was refused. The response carries it as an extension, for the
/// listener's error renderer to write in the request's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrfRefusal {
    /// Not a urlencoded form, or a body that does not parse.
    Malformed,
    /// No token cookie, or a token that does not match it.
    Forbidden,
    /// [`issue`] did not run for this route: a wiring mistake.
    NotIssued,
}

impl IntoResponse for CsrfRefusal {
    fn into_response(self) -> Response {
        let status = match self {
            CsrfRefusal::Malformed => StatusCode::BAD_REQUEST,
            CsrfRefusal::Forbidden => StatusCode::FORBIDDEN,
            CsrfRefusal::NotIssued => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn from_cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 43)
}

/// Gives each browser a token cookie and each request its token (use with
/// `axum::middleware::from_fn_with_state`).
pub async fn issue(State(cookie): State<CsrfCookie>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let existing = from_cookie(&parts, cookie.name);
    let token = existing.clone().unwrap_or_else(generate);
    parts.extensions.insert(CsrfToken(token.clone()));
    parts.extensions.insert(cookie);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if existing.is_none() {
        let set = Cookie::build((cookie.name, token))
            .path("/")
            .http_only(true)
            .secure(cookie.secure)
            .same_site(SameSite::Strict)
            .build();
        if let Ok(value) = set.to_string().parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = CsrfRefusal;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, CsrfRefusal> {
        parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .ok_or(CsrfRefusal::NotIssued)
    }
}

/// A urlencoded form whose `csrf` field must match the browser's token
/// cookie.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct TokenField {
    csrf: String,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CsrfForm<T> {
    type Rejection = CsrfRefusal;

    async fn from_request(request: Request, state: &S) -> Result<Self, CsrfRefusal> {
        let (parts, body) = request.into_parts();
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(CsrfRefusal::Malformed);
        }
        let cookie = parts
            .extensions
            .get::<CsrfCookie>()
            .copied()
            .ok_or(CsrfRefusal::NotIssued)?;
        let expected = from_cookie(&parts, cookie.name).ok_or(CsrfRefusal::Forbidden)?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| CsrfRefusal::Malformed)?;
        let TokenField { csrf } =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| CsrfRefusal::Forbidden)?;
        if !bool::from(csrf.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(CsrfRefusal::Forbidden);
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(CsrfForm)
            .map_err(|_| CsrfRefusal::Malformed)
    }
}

/// A `multipart/form-data` upload (a file and its form) whose `csrf` field
/// must match the browser's token cookie: its text fields and its files,
/// each read whole (the listener's body limit applies).
#[derive(Debug, Default)]
pub struct CsrfUpload {
    pub fields: std::collections::HashMap<String, String>,
    /// Files by field name: their bytes (the browser's file name is not
    /// kept; it may say who a roster is about).
    pub files: std::collections::HashMap<String, Vec<u8>>,
}

impl<S: Send + Sync> FromRequest<S> for CsrfUpload {
    type Rejection = CsrfRefusal;

    async fn from_request(request: Request, state: &S) -> Result<Self, CsrfRefusal> {
        let cookie = request
            .extensions()
            .get::<CsrfCookie>()
            .copied()
            .ok_or(CsrfRefusal::NotIssued)?;
        let (parts, body) = request.into_parts();
        let expected = from_cookie(&parts, cookie.name).ok_or(CsrfRefusal::Forbidden)?;
        let mut multipart =
            axum::extract::Multipart::from_request(Request::from_parts(parts, body), state)
                .await
                .map_err(|_| CsrfRefusal::Malformed)?;
        let mut upload = CsrfUpload::default();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| CsrfRefusal::Malformed)?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let is_file = field.file_name().is_some();
            let bytes = field.bytes().await.map_err(|_| CsrfRefusal::Malformed)?;
            if is_file {
                upload.files.insert(name, bytes.to_vec());
            } else {
                let text = String::from_utf8(bytes.to_vec()).map_err(|_| CsrfRefusal::Malformed)?;
                upload.fields.insert(name, text);
            }
        }
        let csrf = upload.fields.get("csrf").ok_or(CsrfRefusal::Forbidden)?;
        if !bool::from(csrf.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(CsrfRefusal::Forbidden);
        }
        Ok(upload)
    }
}
