//! GakuNin login for administrators: the office is its own service provider
//! (its metadata at `/saml/metadata`), and a verified login must match an
//! administrator account of that institution's directory.

use super::Frame;
use super::login::LoginPage;
use crate::error::OfficeError;
use crate::path::Id;
use crate::signed_in;
use crate::state::OfficeState;
use crate::tls::Peer;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sesshu_domain::InstitutionCode;
use sesshu_operations::sign_in;
use sesshu_saml::SamlError;
use tower_sessions::Session;

pub async fn metadata(State(state): State<OfficeState>) -> Result<Response, OfficeError> {
    let sp = state.saml().ok_or(OfficeError::NotFound)?;
    sesshu_http::saml::metadata(sp).ok_or(OfficeError::Internal)
}

pub async fn login(
    State(state): State<OfficeState>,
    Id(code): Id<InstitutionCode>,
) -> Result<Response, OfficeError> {
    let sp = state.saml().ok_or(OfficeError::NotFound)?;
    let institution = sign_in::gakunin_institution(state.operations(), &code).await?;
    if !sp.trusts(institution.id) {
        return Err(OfficeError::NotFound);
    }
    let url = sign_in::gakunin_request(state.operations(), sp, &institution)
        .await
        .map_err(|e| {
            tracing::error!(institution = %institution.code, error = %e, "office AuthnRequest");
            OfficeError::Internal
        })?;
    Ok(Redirect::to(&url).into_response())
}

pub async fn acs(
    State(state): State<OfficeState>,
    session: Session,
    frame: Frame,
    peer: Peer,
    body: Bytes,
) -> Result<Response, OfficeError> {
    let sp = state.saml().ok_or(OfficeError::NotFound)?;
    let (institution, authenticated) =
        match sign_in::gakunin_response(state.operations(), sp, &body).await {
            Ok(done) => done,
            Err(SamlError::Internal(e)) => {
                tracing::error!(error = %e, "office SAML login failed on our side");
                return Err(OfficeError::Internal);
            }
            Err(e) => {
                tracing::warn!(reason = %e, "office SAML response refused");
                return refused(&state, frame).await;
            }
        };
    let signed_in = sign_in::gakunin_signed_in(
        state.operations(),
        &peer.origin(),
        institution.id,
        &authenticated.subject,
    )
    .await?;
    let Some(account) = signed_in else {
        tracing::info!(institution = %institution.code, "GakuNin login without an office account");
        return refused(&state, frame).await;
    };
    signed_in::sign_in(&session, &account, &peer).await?;
    tracing::info!(admin = %account.id, role = account.role.code(), "office login");
    Ok(Redirect::to("/").into_response())
}

/// The login page again, saying the login was refused (which step, only
/// the log knows).
async fn refused(state: &OfficeState, frame: Frame) -> Result<Response, OfficeError> {
    let error = frame.t.login_failed_gakunin;
    let page = LoginPage::render(state, frame, Some(error)).await?;
    Ok((StatusCode::FORBIDDEN, page).into_response())
}
