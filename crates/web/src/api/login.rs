//! `POST /api/v1/login` and `POST /api/v1/logout`.

use super::ApiJson;
use crate::client::ClientIp;
use crate::error::{ApiError, ErrorBody};
use crate::lang::Lang;
use crate::signed_in::{PENDING_KEY, hold_for_consent, sign_in};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sesshu_auth::Completed;
use sesshu_domain::InstitutionCode;
use std::fmt;
use tower_sessions::Session;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Institution code, e.g. `demo`.
    institution: String,
    login: String,
    password: String,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("institution", &self.institution)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub institution: String,
    /// `staff` or `student`; `null` when the institution did not say (the
    /// person can book nothing until the office sorts it out).
    pub user_type: Option<String>,
}

/// What the consent step asks, when the institution requires consent.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentRequired {
    pub institution: String,
    /// The version of the text; agreeing records it.
    pub version: String,
    /// The consent text in the request's language.
    pub text: String,
}

/// Logs in with a login and password (an institution's built-in directory
/// or its LDAP server) and sets the session cookie. A wrong login and a
/// wrong password get the same answer.
///
/// If the institution requires consent that the person has not given, the
/// answer is 202 with the text: nothing is stored until
/// `POST /api/v1/consent` accepts it.
#[utoipa::path(
    post,
    path = "/api/v1/login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = LoginResponse),
        (status = 202, description = "Consent needed first: POST /api/v1/consent", body = ConsentRequired),
        (status = 400, description = "`invalid_body`", body = ErrorBody),
        (status = 401, description = "`login_failed`", body = ErrorBody),
        (status = 403, description = "`cross_site_request`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: send application/json", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`; see Retry-After", body = ErrorBody),
    ),
    tag = "session"
)]
pub async fn login(
    State(state): State<AppState>,
    Lang(lang): Lang,
    ClientIp(from): ClientIp,
    session: Session,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let institution = match InstitutionCode::parse(&request.institution) {
        Ok(code) => state.store().institution_by_code(&code).await?,
        Err(_) => None,
    }
    .ok_or(ApiError::LoginFailed)?;
    let now = state.clock().now();
    let logins = state.logins();
    let authenticated = logins
        .password(&institution, &request.login, &request.password, from, now)
        .await?;
    match logins.complete(&institution, authenticated, now).await? {
        Completed::SignedIn(person, authenticated) => {
            sign_in(&session, &person, institution.id, &authenticated.missing).await?;
            Ok(Json(LoginResponse {
                institution: institution.code.to_string(),
                user_type: person.user_type.map(|t| t.as_str().to_owned()),
            })
            .into_response())
        }
        Completed::NeedsConsent(token) => {
            hold_for_consent(&session, &token).await?;
            let consent = institution.consent.as_ref().ok_or(ApiError::Internal)?;
            let body = ConsentRequired {
                institution: institution.code.to_string(),
                version: consent.version.clone(),
                text: lang.pick(&consent.text_ja, &consent.text_en).to_owned(),
            };
            Ok((StatusCode::ACCEPTED, Json(body)).into_response())
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConsentAnswer {
    /// `true` agrees to the institution's consent text; `false` declines
    /// and nothing of the login is stored.
    accept: bool,
}

/// Answers the consent step of a login.
#[utoipa::path(
    post,
    path = "/api/v1/consent",
    request_body = ConsentAnswer,
    responses(
        (status = 200, description = "Agreed: logged in", body = LoginResponse),
        (status = 204, description = "Declined: nothing stored, session ended"),
        (status = 400, description = "`invalid_body`: not a consent answer", body = ErrorBody),
        (status = 401, description = "`consent_expired`: no login waits; log in again", body = ErrorBody),
        (status = 403, description = "`cross_site_request`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: send application/json", body = ErrorBody),
    ),
    tag = "session"
)]
pub async fn consent(
    State(state): State<AppState>,
    session: Session,
    ApiJson(answer): ApiJson<ConsentAnswer>,
) -> Result<Response, ApiError> {
    let token: String = session
        .get(PENDING_KEY)
        .await
        .map_err(|_| ApiError::Internal)?
        .ok_or(ApiError::ConsentExpired)?;
    let now = state.clock().now();
    let logins = state.logins();
    let waiting = logins
        .pending(&token, now)
        .ok_or(ApiError::ConsentExpired)?;
    if !answer.accept {
        logins.decline(&token, now);
        session.flush().await.map_err(|_| ApiError::Internal)?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let institution = state
        .store()
        .institution(waiting.authenticated.institution)
        .await?
        .ok_or(ApiError::Internal)?;
    let (person, authenticated) = logins.consent(&institution, &token, now).await?;
    sign_in(&session, &person, institution.id, &authenticated.missing).await?;
    Ok(Json(LoginResponse {
        institution: institution.code.to_string(),
        user_type: person.user_type.map(|t| t.as_str().to_owned()),
    })
    .into_response())
}

/// Ends the session.
#[utoipa::path(
    post,
    path = "/api/v1/logout",
    responses(
        (status = 204, description = "Logged out"),
        (status = 403, description = "`cross_site_request`", body = ErrorBody),
    ),
    tag = "session"
)]
pub async fn logout(session: Session) -> Result<StatusCode, ApiError> {
    session.flush().await.map_err(|_| ApiError::Internal)?;
    Ok(StatusCode::NO_CONTENT)
}
