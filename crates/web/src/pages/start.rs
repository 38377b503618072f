//! `/`: the start page, where a person picks their institution.

use super::{Frame, html};
use crate::error::ApiError;
use crate::error::PageError;
use crate::i18n::Texts;
use crate::lang::Lang;
use crate::signed_in::{PageUser, PageUserRejection};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Debug)]
struct InstitutionLink {
    href: String,
    code: String,
    name: String,
    other_name: String,
}

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    t: &'static Texts,
    frame: Frame,
    institutions: Vec<InstitutionLink>,
    /// Signed in, and both doses were received elsewhere: nothing to book.
    vaccinated: bool,
}

pub async fn start(
    State(state): State<AppState>,
    lang: Lang,
    frame: Frame,
    user: Result<PageUser, PageUserRejection>,
) -> Result<Response, PageError> {
    let vaccinated = match user {
        Ok(PageUser(user)) => {
            state
                .bookings()
                .to_book(&user.person)
                .await
                .map_err(ApiError::from)?
                == sesshu_domain::ToBook::Nothing
        }
        Err(_) => false,
    };
    let other = match lang.0 {
        sesshu_domain::Language::Ja => sesshu_domain::Language::En,
        sesshu_domain::Language::En => sesshu_domain::Language::Ja,
    };
    let institutions = state
        .store()
        .institutions()
        .await?
        .into_iter()
        .map(|i| InstitutionLink {
            href: match i.login {
                sesshu_domain::LoginMethod::Saml(_) => format!("/saml/login/{}", i.code),
                _ => format!("/login/{}", i.code),
            },
            code: i.code.to_string(),
            name: i.name(lang.0).to_owned(),
            other_name: i.name(other).to_owned(),
        })
        .collect();
    html(StartPage {
        t: lang.texts(),
        frame,
        institutions,
        vaccinated,
    })
}
