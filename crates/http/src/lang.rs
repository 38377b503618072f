//! Which language to answer in: the `lang` cookie set by a language switch,
//! else `Accept-Language`, else Japanese.

use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use sesshu_domain::Language;
use tower_sessions::cookie::{Cookie, SameSite};

pub const LANG_COOKIE: &str = "lang";

/// The request's language.
pub fn negotiate(parts: &Parts) -> Language {
    let from_cookie = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
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

/// The `Set-Cookie` value that remembers a chosen language for a year.
pub fn remember(lang: Language, secure: bool) -> Option<HeaderValue> {
    let cookie = Cookie::build((LANG_COOKIE, lang.tag()))
        .path("/")
        .max_age(time::Duration::days(365))
        .secure(secure)
        .same_site(SameSite::Lax)
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

/// A local path to go back to after the switch; anything else (`//host`,
/// `https://…`) becomes `/`, so the switch cannot redirect elsewhere.
pub fn local_path(back: Option<String>) -> String {
    match back {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p,
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn the_language_switch_only_returns_to_local_paths() {
        assert_eq!(
            local_path(Some("/days/2026-12-10".into())),
            "/days/2026-12-10"
        );
        assert_eq!(local_path(Some("//evil.example/x".into())), "/");
        assert_eq!(local_path(Some("https://evil.example".into())), "/");
        assert_eq!(local_path(Some("/\\evil.example".into())), "/");
        assert_eq!(local_path(None), "/");
    }
}
