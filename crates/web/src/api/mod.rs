//! `/api/v1`: the JSON API used by other clients and the load tool.
//!
//! Every error is `{"code": …, "message": …}` (see [`crate::error::ApiError`]).
//! Bodies must be `application/json`. Sessions are the same cookie as the
//! pages'; log in with `POST /api/v1/login`.

pub(crate) mod availability;
mod elsewhere;
mod login;
mod model;
mod reservations;
mod vouchers;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post, put};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

/// The OpenAPI description, served at `/api/v1/openapi.json`.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Sesshu API",
        description = "Vaccination appointment booking for a consortium of universities. \
            Log in with POST /api/v1/login; the session cookie it sets authenticates the \
            /me endpoints. State-changing requests from browsers must be same-origin.",
    ),
    paths(
        availability::availability,
        login::login,
        login::consent,
        login::logout,
        reservations::list,
        reservations::create,
        reservations::change,
        reservations::cancel,
        vouchers::give,
        elsewhere::list,
        elsewhere::show,
        elsewhere::declare,
        elsewhere::withdraw,
    ),
    components(schemas(
        ErrorBody,
        model::SlotJson,
        model::SeriesJson,
        model::DoseJson,
        model::VoucherJson,
        login::LoginRequest,
        login::LoginResponse,
        login::ConsentRequired,
        login::ConsentAnswer,
        reservations::SlotChoice,
        vouchers::VoucherBody,
        elsewhere::ElsewhereDoseJson,
        elsewhere::ElsewhereBody,
    ))
)]
pub struct ApiDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/openapi.json",
            get(openapi).layer(tower_http::compression::CompressionLayer::new()),
        )
        .route("/availability", get(availability::availability))
        .route("/login", post(login::login))
        .route("/consent", post(login::consent))
        .route("/logout", post(login::logout))
        .route(
            "/me/reservations",
            get(reservations::list).post(reservations::create),
        )
        .route(
            "/me/reservations/{id}",
            patch(reservations::change).delete(reservations::cancel),
        )
        .route(
            "/me/reservations/{id}/doses/{dose}/voucher",
            put(vouchers::give),
        )
        .route("/me/doses-elsewhere", get(elsewhere::list))
        .route(
            "/me/doses-elsewhere/{dose}",
            get(elsewhere::show)
                .put(elsewhere::declare)
                .delete(elsewhere::withdraw),
        )
        .fallback(|| async { ApiError::NotFound })
}

async fn openapi() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}

/// A JSON body: `application/json` only, errors in the API's shape.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| ApiError::BadRequest("invalid_body"))?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|_| ApiError::BadRequest("invalid_body"))
    }
}
