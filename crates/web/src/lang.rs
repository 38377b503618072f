//! The request's language as an extractor (see [`sesshu_http::lang`]).

use crate::i18n::Texts;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sesshu_domain::Language;
use std::convert::Infallible;

/// The request's language.
#[derive(Clone, Copy, Debug)]
pub struct Lang(pub Language);

impl Lang {
    pub fn texts(self) -> &'static Texts {
        Texts::of(self.0)
    }
}

pub use sesshu_http::lang::negotiate as from_parts;

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Lang(from_parts(parts)))
    }
}
