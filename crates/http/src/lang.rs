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

/// A listener's table of texts for `lang`, out of its two tables.
pub fn pick<T: ?Sized>(lang: Language, ja: &'static T, en: &'static T) -> &'static T {
    match lang {
        Language::Ja => ja,
        Language::En => en,
    }
}

/// The tag of the language other than `lang`, for the switch link.
pub fn other_tag(lang: Language) -> &'static str {
    pick(lang, Language::En.tag(), Language::Ja.tag())
}

/// The language lookup of a listener's `Texts` (a struct with a `lang`
/// field and two tables `JA` and `EN` in scope): `Texts::of(lang)`, and the
/// tags of its language and of the other one. Used inside `impl Texts`.
#[macro_export]
macro_rules! language_lookup {
    () => {
        pub fn of(lang: ::sesshu_domain::Language) -> &'static Self {
            $crate::lang::pick(lang, &JA, &EN)
        }

        pub fn lang_tag(&self) -> &'static str {
            self.lang.tag()
        }

        /// The tag of the other language, for the switch link.
        pub fn other_tag(&self) -> &'static str {
            $crate::lang::other_tag(self.lang)
        }
    };
}

/// The `Set-Cookie` value that remembers a chosen language for a year.
///
/// `HttpOnly` although the value is no secret: no script of ours reads it,
/// and a cookie that scripts cannot see is one less thing an injected
/// script can read or plant (wapiti's `cookieflags` reported it).
pub fn remember(lang: Language, secure: bool) -> Option<HeaderValue> {
    let cookie = Cookie::build((LANG_COOKIE, lang.tag()))
        .path("/")
        .max_age(time::Duration::days(365))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

/// A local path to go back to after the switch; anything else becomes `/`,
/// so the switch cannot redirect elsewhere.
///
/// "Local" is judged as a browser will read the `Location`, not as the text
/// looks: browsers drop tabs and newlines anywhere in a URL and read `\` as
/// `/`, so `/\t/evil.example/` is `//evil.example/`, another site. Only
/// visible ASCII is accepted (a path the site links to is percent-encoded
/// already), no backslash, and no second `/` right after the first; the
/// value then is also always a valid header (a control character never
/// reaches the response).
pub fn local_path(back: Option<String>) -> String {
    match back {
        Some(p) if is_local(&p) => p,
        _ => "/".to_owned(),
    }
}

fn is_local(path: &str) -> bool {
    let mut bytes = path.bytes();
    bytes.next() == Some(b'/')
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && bytes.next() != Some(b'/')
}

#[cfg(test)]
mod tests {
    use super::{local_path, remember};
    use sesshu_domain::Language;

    #[test]
    fn the_language_cookie_is_hidden_from_scripts_and_secure_where_asked() {
        let cookie = |secure| {
            remember(Language::En, secure)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        };
        let plain = cookie(false);
        assert!(plain.starts_with("lang=en;"), "{plain}");
        assert!(plain.contains("HttpOnly"), "{plain}");
        assert!(plain.contains("SameSite=Lax"), "{plain}");
        assert!(!plain.contains("Secure"), "{plain}");
        assert!(cookie(true).contains("Secure"), "{}", cookie(true));
    }

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

    #[test]
    fn what_a_browser_would_read_as_another_site_goes_home() {
        for hostile in [
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/\r/evil.example/",
            "/ /evil.example/",
            "/\u{b}/evil.example/",
            "/\0/evil.example/",
            "\t//evil.example/",
            "/\u{3000}/evil.example/",
            "/x\ny",
        ] {
            assert_eq!(local_path(Some(hostile.into())), "/", "{hostile:?}");
        }
        assert_eq!(
            local_path(Some("/me?lang=en&x=%2F%2Fa".into())),
            "/me?lang=en&x=%2F%2Fa",
            "a query and percent-encoded slashes stay on the site"
        );
        assert_eq!(local_path(Some("/".into())), "/");
    }
}
