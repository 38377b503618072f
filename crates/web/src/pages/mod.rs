//! The recipient pages: server-rendered, no JavaScript needed, Japanese or
//! English.
//!
//! Every page gets a [`Frame`] (language switch, sign-in state, the CSRF
//! token for its forms). Forms post, then redirect (303) to a page that
//! shows the outcome, so reloading never repeats an action.

mod book;
pub(crate) mod consent;
mod days;
mod history;
pub(crate) mod login;
mod me;
#[cfg(feature = "saml")]
mod saml;
mod start;
mod voucher;

use crate::error::PageError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use sesshu_auth::Missing;
use sesshu_http::CsrfToken;
use tower_sessions::Session;

pub fn routes() -> Router<AppState> {
    let router = Router::new();
    #[cfg(feature = "saml")]
    let router = router
        .route("/saml/metadata", get(saml::metadata))
        .route("/saml/login/{code}", get(saml::login))
        .route(
            "/saml/acs",
            post(saml::acs).layer(axum::extract::DefaultBodyLimit::max(
                sesshu_saml::precheck::MAX_RESPONSE * 2,
            )),
        );
    router
        .route("/", get(start::start))
        .route("/login/{code}", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/consent", get(consent::form).post(consent::accept))
        .route("/consent/decline", post(consent::decline))
        .route("/days", get(days::days))
        .route("/days/{date}", get(days::day))
        .route("/reservations", post(book::book))
        .route("/me", get(me::me))
        .route("/me/change", post(book::change))
        .route("/me/cancel", get(me::confirm_cancel).post(me::cancel))
        .route("/me/voucher", get(voucher::back).post(voucher::give))
        .route("/me/elsewhere", get(history::back).post(history::declare))
        .route("/me/elsewhere/withdraw", post(history::withdraw))
        .route("/lang/{tag}", get(switch_language))
        .merge(
            // The same for everyone: compressed when the client asks. (The
            // pages are not: they carry the CSRF token beside what the person
            // typed, which compression would leak to a watcher of sizes.)
            Router::new()
                .route("/static/style.css", get(stylesheet))
                .route("/static/favicon.svg", get(favicon))
                .route("/static/voucher.js", get(voucher::script))
                .route("/static/jsQR.js", get(voucher::decoder))
                .layer(tower_http::compression::CompressionLayer::new()),
        )
        .fallback(|| async { PageError::NotFound })
}

/// What the frame of every page needs.
#[derive(Debug)]
pub struct Frame {
    pub csrf: String,
    pub signed_in: bool,
    /// The link that switches language and comes back here.
    pub switch_language: String,
    /// What the person should know on every page (an attribute their
    /// institution did not give).
    pub notices: Vec<&'static str>,
}

impl FromRequestParts<AppState> for Frame {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let CsrfToken(csrf) = CsrfToken::from_request_parts(parts, state).await?;
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::Internal)?;
        let signed_in = session
            .get::<sesshu_domain::PersonId>(crate::signed_in::PERSON_KEY)
            .await
            .map_err(|_| PageError::Internal)?
            .is_some();
        let here = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let lang = crate::lang::from_parts(parts);
        let t = crate::i18n::Texts::of(lang);
        let other = t.other_tag();
        let missing: Vec<Missing> = if signed_in {
            session
                .get(crate::signed_in::MISSING_KEY)
                .await
                .map_err(|_| PageError::Internal)?
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let notices = missing
            .iter()
            .filter_map(|m| match m {
                Missing::UserType => Some(t.missing_user_type),
                Missing::Mail => Some(t.missing_mail),
                Missing::Department | Missing::DisplayName => None,
            })
            .collect();
        let back = serde_urlencoded::to_string([("back", here.as_str())]).unwrap_or_default();
        Ok(Frame {
            csrf,
            signed_in,
            switch_language: format!("/lang/{other}?{back}"),
            notices,
        })
    }
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

async fn switch_language(
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(tag): Path<String>,
    Query(back): Query<Back>,
) -> Result<Response, PageError> {
    let lang = sesshu_domain::Language::from_tag(&tag).ok_or(PageError::NotFound)?;
    let cookie = sesshu_http::lang::remember(lang, state.config().secure_cookies)
        .ok_or(PageError::Internal)?;
    let mut response = Redirect::to(&sesshu_http::lang::local_path(back.back)).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        concat!(
            include_str!("../../../http/static/base.css"),
            include_str!("../../static/style.css")
        ),
    )
}

async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/favicon.svg"),
    )
}

/// Renders an askama page.
fn html(page: impl askama::Template) -> Result<Response, PageError> {
    sesshu_http::page::render(&page).ok_or(PageError::Internal)
}
