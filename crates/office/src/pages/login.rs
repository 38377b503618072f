//! Signing in to the back office, and out.

use super::{Frame, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::{self, audit_entry};
use crate::state::OfficeState;
use crate::tls::Peer;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_auth::LoginError;
use sesshu_domain::{Language, LoginMethod, StaffDirectory};
use sesshu_http::CsrfForm;
use tower_sessions::Session;

/// A directory an administrator can log in with.
#[derive(Debug)]
pub struct DirectoryOption {
    pub key: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    frame: Frame,
    t: &'static Texts,
    directories: Vec<DirectoryOption>,
    error: Option<&'static str>,
}

/// The built-in directory, then every institution that logs in with LDAP.
async fn directories(state: &OfficeState, t: &Texts) -> Result<Vec<DirectoryOption>, OfficeError> {
    let mut options = vec![DirectoryOption {
        key: StaffDirectory::Builtin.key(),
        label: t.builtin_directory.to_owned(),
    }];
    for institution in state.store().institutions().await? {
        if matches!(institution.login, LoginMethod::Ldap(_)) {
            options.push(DirectoryOption {
                key: StaffDirectory::Institution {
                    institution: institution.id,
                }
                .key(),
                label: match t.lang {
                    Language::Ja => institution.name_ja.clone(),
                    Language::En => institution.name_en.clone(),
                },
            });
        }
    }
    Ok(options)
}

pub async fn form(
    State(state): State<OfficeState>,
    session: Session,
    frame: Frame,
) -> Result<Response, OfficeError> {
    if signed_in::is_signed_in(&session).await {
        return Ok(Redirect::to("/").into_response());
    }
    let t = frame.t;
    html(LoginPage {
        directories: directories(&state, t).await?,
        frame,
        t,
        error: None,
    })
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
            let page = html(LoginPage {
                directories: directories(&state, t).await?,
                frame,
                t,
                error: Some(error),
            })?;
            return Ok((StatusCode::UNAUTHORIZED, page).into_response());
        }
    };
    let entry = audit_entry(
        &account,
        &peer,
        now,
        "office.login",
        vec![account.actor()],
        format!("directory {}", directory.key()),
    );
    state.store().admin_signed_in(account.id, &entry).await?;
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
    Ok(Redirect::to("/login").into_response())
}
