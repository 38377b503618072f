//! GakuNin login: `/saml/metadata`, `/saml/login/{code}` (SP-initiated,
//! HTTP-Redirect) and the assertion consumer `/saml/acs` (HTTP-POST).
//!
//! The ACS is the one state-changing route that accepts a cross-site POST:
//! the IdP's page submits it. What protects it is SAML's own checks (see
//! `sesshu-saml`): a response signed by the institution's IdP, to a request
//! this SP issued and has not seen answered, not replayed.

use super::{Frame, html};
use crate::error::{ApiError, PageError};
use crate::i18n::Texts;
use crate::lang::Lang;
use crate::pages::consent::MessagePage;
use crate::pages::login::finish_login;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use serde::Deserialize;
use sesshu_domain::{Clock, InstitutionCode, LoginMethod, SystemClock};
use sesshu_saml::{SamlError, precheck};
use tower_sessions::Session;

/// How long an AuthnRequest may wait for its answer.
const REQUEST_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

pub async fn metadata(State(state): State<AppState>) -> Result<Response, PageError> {
    let sp = state.saml().ok_or(PageError::NotFound)?;
    let xml = sp.metadata_xml().map_err(|e| {
        tracing::error!(error = %e, "SP metadata");
        PageError::Internal
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/samlmetadata+xml"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        xml,
    )
        .into_response())
}

pub async fn login(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let sp = state.saml().ok_or(PageError::NotFound)?;
    let code = InstitutionCode::parse(&code).map_err(|_| PageError::NotFound)?;
    let institution = state
        .store()
        .institution_by_code(&code)
        .await?
        .ok_or(PageError::NotFound)?;
    if !matches!(institution.login, LoginMethod::Saml(_)) || !sp.trusts(institution.id) {
        return Err(PageError::NotFound);
    }
    let request = sp.authn_request(institution.id).map_err(|e| {
        tracing::error!(institution = %institution.code, error = %e, "AuthnRequest");
        PageError::Internal
    })?;
    // SAML's times are wall-clock times (the IdP's, and samael's checks).
    let now = SystemClock.now();
    state
        .store()
        .saml_request_issued(&request.id, institution.id, now + REQUEST_LIFETIME, now)
        .await?;
    Ok(Redirect::to(&request.url).into_response())
}

#[derive(Deserialize)]
struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    response: String,
}

/// Why a response was refused, for the person: only that it was.
fn refused(t: &'static Texts, frame: Frame) -> Result<Response, PageError> {
    let page = html(MessagePage {
        t,
        frame,
        title: t.saml_failed_title,
        message: t.saml_failed,
        contact: None,
    })?;
    Ok((StatusCode::FORBIDDEN, page).into_response())
}

pub async fn acs(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    session: Session,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let sp = state.saml().ok_or(PageError::NotFound)?;
    let outcome = async {
        let form: AcsForm = serde_urlencoded::from_bytes(&body)
            .map_err(|_| SamlError::Malformed("no SAMLResponse form field"))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(form.response.trim())
            .map_err(|_| SamlError::Malformed("SAMLResponse is not base64"))?;
        let xml = String::from_utf8(bytes).map_err(|_| SamlError::Malformed("not UTF-8"))?;
        let pre = precheck(&xml, sp.acs_url())?;
        let now = SystemClock.now();
        let institution_id = state
            .store()
            .saml_request_answered(&pre.in_response_to, now)
            .await
            .map_err(|e| SamlError::Internal(e.to_string()))?
            .ok_or(SamlError::UnknownRequest)?;
        let verified = sp.verify(institution_id, &xml, &pre)?;
        let first_use = state
            .store()
            .saml_assertion_first_use(&verified.assertion_id, verified.not_on_or_after, now)
            .await
            .map_err(|e| SamlError::Internal(e.to_string()))?;
        if !first_use {
            return Err(SamlError::Replayed);
        }
        let institution = state
            .store()
            .institution(institution_id)
            .await
            .map_err(|e| SamlError::Internal(e.to_string()))?
            .ok_or_else(|| SamlError::Internal("institution vanished".into()))?;
        let authenticated = sp.authenticated(&institution, &verified)?;
        Ok((institution, authenticated))
    }
    .await;
    match outcome {
        Ok((institution, authenticated)) => {
            tracing::info!(institution = %institution.code, "SAML response accepted");
            finish_login(&state, &session, &institution, authenticated).await
        }
        Err(SamlError::Internal(e)) => {
            tracing::error!(error = %e, "SAML login failed on our side");
            Err(ApiError::Internal.into())
        }
        Err(e) => {
            tracing::warn!(reason = %e, "SAML response refused");
            refused(t, frame)
        }
    }
}
