//! `/login/{code}`: the built-in directory's login form; `/logout`.

use super::{Frame, html};
use crate::client::ClientIp;
use crate::error::ApiError;
use crate::error::PageError;
use crate::i18n::Texts;
use crate::lang::Lang;
use crate::signed_in::{hold_for_consent, sign_in};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_auth::{Completed, LoginError};
use sesshu_domain::{Institution, InstitutionCode};
use sesshu_http::CsrfForm;
use tower_sessions::Session;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: &'static Texts,
    frame: Frame,
    code: String,
    institution: String,
    login: String,
    error: Option<&'static str>,
}

async fn institution(state: &AppState, code: &str) -> Result<Institution, PageError> {
    let code = InstitutionCode::parse(code).map_err(|_| PageError::NotFound)?;
    state
        .store()
        .institution_by_code(&code)
        .await?
        .ok_or(PageError::NotFound)
}

pub async fn form(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let institution = institution(&state, &code).await?;
    if let sesshu_domain::LoginMethod::Saml(_) = institution.login {
        #[cfg(feature = "saml")]
        if state.saml().is_some_and(|sp| sp.trusts(institution.id)) {
            return Ok(Redirect::to(&format!("/saml/login/{}", institution.code)).into_response());
        }
        let t = lang.texts();
        return html(crate::pages::consent::MessagePage {
            t,
            frame,
            title: t.login_title,
            message: t.login_elsewhere,
            contact: Some(crate::pages::consent::ContactView::of(&institution, lang.0)),
        });
    }
    html(LoginPage {
        t: lang.texts(),
        frame,
        code: institution.code.to_string(),
        institution: institution.name(lang.0).to_owned(),
        login: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
}

pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    ClientIp(from): ClientIp,
    session: Session,
    Path(code): Path<String>,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, PageError> {
    let institution = institution(&state, &code).await?;
    let t = lang.texts();
    let now = state.clock().now();
    let logins = state.logins();
    let result = logins
        .password(&institution, &form.login, &form.password, from, now)
        .await;
    let (status, error) = match result {
        Ok(authenticated) => {
            return finish_login(&state, &session, &institution, authenticated).await;
        }
        Err(LoginError::Refused | LoginError::WrongMethod) => {
            (StatusCode::UNAUTHORIZED, t.login_failed)
        }
        Err(LoginError::Throttled { .. }) => (StatusCode::TOO_MANY_REQUESTS, t.login_throttled),
        Err(e) => return Err(ApiError::from(e).into()),
    };
    let page = html(LoginPage {
        t,
        frame,
        code: institution.code.to_string(),
        institution: institution.name(lang.0).to_owned(),
        login: form.login,
        error: Some(error),
    })?;
    Ok((status, page).into_response())
}

/// Stores the login (or holds it for consent) and goes on to the right page.
pub async fn finish_login(
    state: &AppState,
    session: &Session,
    institution: &Institution,
    authenticated: sesshu_auth::Authenticated,
) -> Result<Response, PageError> {
    let now = state.clock().now();
    match state
        .logins()
        .complete(institution, authenticated, now)
        .await
        .map_err(ApiError::from)?
    {
        Completed::SignedIn(person, authenticated) => {
            sign_in(session, &person, institution.id, &authenticated.missing).await?;
            let has_series = state
                .bookings()
                .active_series(&person)
                .await
                .map_err(ApiError::from)?
                .is_some();
            Ok(Redirect::to(if has_series { "/me" } else { "/days" }).into_response())
        }
        Completed::NeedsConsent(token) => {
            hold_for_consent(session, &token).await?;
            Ok(Redirect::to("/consent").into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {}

pub async fn logout(
    session: Session,
    CsrfForm(LogoutForm {}): CsrfForm<LogoutForm>,
) -> Result<Response, PageError> {
    session.flush().await.map_err(|_| PageError::Internal)?;
    Ok(Redirect::to("/").into_response())
}
