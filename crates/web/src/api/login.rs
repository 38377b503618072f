//! `POST /api/v1/login` and `POST /api/v1/logout`.

use super::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::signed_in::sign_in;
use crate::state::AppState;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sesshu_domain::InstitutionCode;
use std::fmt;
use std::net::SocketAddr;
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
    /// `staff` or `student`.
    pub user_type: String,
}

/// Logs in with an institution's built-in directory and sets the session
/// cookie. A wrong login and a wrong password get the same answer.
#[utoipa::path(
    post,
    path = "/api/v1/login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = LoginResponse),
        (status = 400, description = "`invalid_body`", body = ErrorBody),
        (status = 403, description = "`cross_site_request`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: send application/json", body = ErrorBody),
        (status = 401, description = "`login_failed`", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`; see Retry-After", body = ErrorBody),
    ),
    tag = "session"
)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let institution = match InstitutionCode::parse(&request.institution) {
        Ok(code) => state.store().institution_by_code(&code).await?,
        Err(_) => None,
    }
    .ok_or(ApiError::LoginFailed)?;
    let now = state.clock().now();
    let person = state
        .directory()
        .login(
            &institution,
            &request.login,
            &request.password,
            peer.ip(),
            now,
        )
        .await?;
    sign_in(&session, &person, institution.id).await?;
    Ok(Json(LoginResponse {
        institution: institution.code.to_string(),
        user_type: person.user_type.as_str().to_owned(),
    }))
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
