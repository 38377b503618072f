//! Signing in to the back office, and out.

use super::{Frame, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in;
use crate::state::OfficeState;
use crate::tls::Peer;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_auth::LoginError;
use sesshu_domain::{Language, LoginMethod, StaffDirectory};
use sesshu_http::CsrfForm;
use sesshu_operations::{reference, sign_in};
use tower_sessions::Session;

/// A directory an administrator can log in with.
#[derive(Debug)]
pub struct DirectoryOption {
    pub key: String,
    pub label: String,
}

/// An institution whose GakuNin IdP the office trusts: a link to log in.
#[derive(Debug)]
pub struct GakuninOption {
    pub code: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    frame: Frame,
    t: &'static Texts,
    directories: Vec<DirectoryOption>,
    gakunin: Vec<GakuninOption>,
    error: Option<&'static str>,
    logged_out: bool,
}

impl LoginPage {
    /// The login page, with `error` if a login was just refused.
    pub async fn render(
        state: &OfficeState,
        frame: Frame,
        error: Option<&'static str>,
    ) -> Result<Response, OfficeError> {
        Self::render_with(state, frame, error, false).await
    }

    async fn render_with(
        state: &OfficeState,
        frame: Frame,
        error: Option<&'static str>,
        logged_out: bool,
    ) -> Result<Response, OfficeError> {
        let t = frame.t;
        let mut directories = vec![DirectoryOption {
            key: StaffDirectory::Builtin.key(),
            label: t.builtin_directory.to_owned(),
        }];
        let mut gakunin = Vec::new();
        for institution in reference::institutions(state.operations()).await? {
            let label = match t.lang {
                Language::Ja => institution.name_ja.clone(),
                Language::En => institution.name_en.clone(),
            };
            match institution.login {
                LoginMethod::Ldap(_) => directories.push(DirectoryOption {
                    key: StaffDirectory::Institution {
                        institution: institution.id,
                    }
                    .key(),
                    label,
                }),
                LoginMethod::Saml(_) if trusts(state, &institution) => {
                    gakunin.push(GakuninOption {
                        code: institution.code.to_string(),
                        label,
                    });
                }
                _ => {}
            }
        }
        html(LoginPage {
            frame,
            t,
            directories,
            gakunin,
            error,
            logged_out,
        })
    }
}

#[cfg(feature = "saml")]
fn trusts(state: &OfficeState, institution: &sesshu_domain::Institution) -> bool {
    state.saml().is_some_and(|sp| sp.trusts(institution.id))
}

#[cfg(not(feature = "saml"))]
fn trusts(_: &OfficeState, _: &sesshu_domain::Institution) -> bool {
    false
}

#[derive(Deserialize)]
pub struct LoginQuery {
    bye: Option<String>,
}

pub async fn form(
    State(state): State<OfficeState>,
    session: Session,
    frame: Frame,
    Query(query): Query<LoginQuery>,
) -> Result<Response, OfficeError> {
    if signed_in::is_signed_in(&session).await {
        return Ok(Redirect::to("/").into_response());
    }
    LoginPage::render_with(&state, frame, None, query.bye.is_some()).await
}

#[derive(Deserialize)]
pub struct LoginForm {
    directory: String,
    login: String,
    password: String,
}

pub async fn submit(
    State(state): State<OfficeState>,
    session: Session,
    frame: Frame,
    peer: Peer,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let directory =
        StaffDirectory::from_key(&form.directory).map_err(|_| OfficeError::BadRequest)?;
    let now = state.clock().now();
    let refusal = match state
        .logins()
        .password(
            directory,
            &form.login,
            &form.password,
            peer.address.ip(),
            now,
        )
        .await
    {
        Ok(account) => Ok(account),
        Err(LoginError::Throttled { .. }) => Err(t.login_throttled),
        Err(LoginError::Store(e)) => return Err(e.into()),
        Err(_) => Err(t.login_failed),
    };
    let account = match refusal {
        Ok(account) => account,
        Err(error) => {
            let page = LoginPage::render(&state, frame, Some(error)).await?;
            return Ok((StatusCode::UNAUTHORIZED, page).into_response());
        }
    };
    sign_in::password_signed_in(state.operations(), &account, &peer.origin(), directory).await?;
    signed_in::sign_in(&session, &account, &peer).await?;
    tracing::info!(admin = %account.id, role = account.role.code(), "office login");
    Ok(Redirect::to("/").into_response())
}

#[derive(Deserialize)]
pub struct LogoutForm {}

pub async fn logout(
    session: Session,
    CsrfForm(LogoutForm {}): CsrfForm<LogoutForm>,
) -> Result<Response, OfficeError> {
    session.flush().await.map_err(|_| OfficeError::Internal)?;
    Ok(Redirect::to("/login?bye=1").into_response())
}
