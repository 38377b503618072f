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
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sesshu_domain::{Clock, InstitutionCode, LoginMethod, SystemClock};
use sesshu_saml::SamlError;
use tower_sessions::Session;

pub async fn metadata(State(state): State<AppState>) -> Result<Response, PageError> {
    let sp = state.saml().ok_or(PageError::NotFound)?;
    sesshu_http::saml::metadata(sp).ok_or(PageError::Internal)
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
    // SAML's times are wall-clock times (the IdP's, and samael's checks).
    let url =
        sesshu_saml::exchange::start(sp, state.store().as_ref(), &institution, SystemClock.now())
            .await
            .map_err(|e| {
                tracing::error!(institution = %institution.code, error = %e, "AuthnRequest");
                PageError::Internal
            })?;
    Ok(Redirect::to(&url).into_response())
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
    let outcome =
        sesshu_saml::exchange::consume(sp, state.store().as_ref(), &body, SystemClock.now()).await;
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
