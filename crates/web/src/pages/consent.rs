//! `/consent`: the consent step of a login (個人情報提供の同意). The login
//! waits in memory; agreeing stores it, declining forgets it.

use super::{Frame, html};
use crate::error::{ApiError, PageError};
use crate::i18n::Texts;
use crate::lang::Lang;
use crate::signed_in::{PENDING_KEY, sign_in};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_auth::{Missing, PendingLogin};
use sesshu_domain::{Institution, Language};
use sesshu_http::CsrfForm;
use tower_sessions::Session;

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage {
    t: &'static Texts,
    frame: Frame,
    institution: String,
    received: Vec<&'static str>,
    text: Vec<String>,
    version: String,
}

/// Whom to contact, as the message page shows it.
#[derive(Debug)]
pub struct ContactView {
    pub office: String,
    pub mail: String,
    pub phone: String,
    pub url: String,
}

impl ContactView {
    pub fn of(institution: &Institution, lang: Language) -> Self {
        let c = &institution.contact;
        Self {
            office: format!(
                "{} {}",
                institution.name(lang),
                lang.pick(&c.office_ja, &c.office_en)
            ),
            mail: c.mail.clone(),
            phone: c.phone.clone(),
            url: c.url.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub t: &'static Texts,
    pub frame: Frame,
    pub title: &'static str,
    pub message: &'static str,
    pub contact: Option<ContactView>,
}

/// The waiting login of this session and its institution.
async fn waiting(
    state: &AppState,
    session: &Session,
) -> Result<Option<(String, PendingLogin, Institution)>, PageError> {
    let Some(token) = session
        .get::<String>(PENDING_KEY)
        .await
        .map_err(|_| PageError::Internal)?
    else {
        return Ok(None);
    };
    let Some(pending) = state.logins().pending(&token, state.clock().now()) else {
        return Ok(None);
    };
    let institution = state
        .store()
        .institution(pending.authenticated.institution)
        .await?
        .ok_or(PageError::Internal)?;
    Ok(Some((token, pending, institution)))
}

fn expired(t: &'static Texts, frame: Frame) -> Result<Response, PageError> {
    html(MessagePage {
        t,
        frame,
        title: t.consent_title,
        message: t.consent_expired,
        contact: None,
    })
}

pub async fn form(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    session: Session,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let Some((_, pending, institution)) = waiting(&state, &session).await? else {
        return expired(t, frame);
    };
    let Some(consent) = &institution.consent else {
        return expired(t, frame);
    };
    let a = &pending.authenticated;
    let mut received = Vec::new();
    if !a.missing.contains(&Missing::DisplayName) {
        received.push(t.attribute_name);
    }
    if !a.missing.contains(&Missing::Mail) {
        received.push(t.attribute_mail);
    }
    if a.user_type.is_some() {
        received.push(t.attribute_affiliation);
    }
    if a.department.is_some() {
        received.push(t.attribute_department);
    }
    let text = lang
        .0
        .pick(&consent.text_ja, &consent.text_en)
        .split("\n\n")
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    html(ConsentPage {
        t,
        frame,
        institution: institution.name(lang.0).to_owned(),
        received,
        text,
        version: consent.version.clone(),
    })
}

#[derive(Deserialize)]
pub struct Answer {}

pub async fn accept(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    session: Session,
    CsrfForm(Answer {}): CsrfForm<Answer>,
) -> Result<Response, PageError> {
    let Some((token, _, institution)) = waiting(&state, &session).await? else {
        return expired(lang.texts(), frame);
    };
    let now = state.clock().now();
    let (person, authenticated) = state
        .logins()
        .consent(&institution, &token, now)
        .await
        .map_err(ApiError::from)?;
    sign_in(&session, &person, institution.id, &authenticated.missing).await?;
    Ok(Redirect::to("/days").into_response())
}

pub async fn decline(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    session: Session,
    CsrfForm(Answer {}): CsrfForm<Answer>,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let waiting = waiting(&state, &session).await?;
    session.flush().await.map_err(|_| PageError::Internal)?;
    let Some((token, _, institution)) = waiting else {
        return expired(t, frame);
    };
    state.logins().decline(&token, state.clock().now());
    html(MessagePage {
        t,
        frame: Frame {
            signed_in: false,
            ..frame
        },
        title: t.declined_title,
        message: t.declined_text,
        contact: Some(ContactView::of(&institution, lang.0)),
    })
}
