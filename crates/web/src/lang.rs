//! Which language to answer in: the `lang` cookie set by the switch link,
//! else `Accept-Language`, else Japanese.

use crate::i18n::Texts;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use sesshu_domain::Language;
use std::convert::Infallible;

pub const LANG_COOKIE: &str = "lang";

/// The request's language.
#[derive(Clone, Copy, Debug)]
pub struct Lang(pub Language);

impl Lang {
    pub fn texts(self) -> &'static Texts {
        Texts::of(self.0)
    }
}

pub fn from_parts(parts: &Parts) -> Language {
    let from_cookie = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(tower_sessions::cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == LANG_COOKIE)
        .and_then(|c| Language::from_tag(c.value()));
    from_cookie.unwrap_or_else(|| {
        parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Language::negotiate)
            .unwrap_or_default()
    })
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Lang(from_parts(parts)))
    }
}
