//! The two languages every text exists in.

use serde::{Deserialize, Serialize};

/// Japanese is the default; every text a person reads exists in both, and an
/// exhaustive `match` on this enum is how the compiler checks it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Ja,
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Ja, Language::En];

    /// The BCP 47 tag, as used in `lang` attributes and cookies.
    pub fn tag(self) -> &'static str {
        match self {
            Language::Ja => "ja",
            Language::En => "en",
        }
    }

    /// Parses a tag such as `ja`, `en`, `en-GB`, `ja-JP` (case-insensitive).
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "ja" => Some(Language::Ja),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    /// The best language for an `Accept-Language` header: the supported
    /// language with the highest quality, Japanese when none is supported.
    pub fn negotiate(accept_language: &str) -> Self {
        let mut best: Option<(f32, Language)> = None;
        for part in accept_language.split(',') {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Language::from_tag) else {
                continue;
            };
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::Ja => ja,
            Language::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_the_highest_quality_supported_language() {
        assert_eq!(Language::negotiate("en-US,en;q=0.9,ja;q=0.8"), Language::En);
        assert_eq!(Language::negotiate("fr,ja;q=0.5,en;q=0.4"), Language::Ja);
        assert_eq!(Language::negotiate("de, fr"), Language::Ja);
        assert_eq!(Language::negotiate(""), Language::Ja);
        assert_eq!(Language::negotiate("en;q=0, ja;q=0.1"), Language::Ja);
    }

    #[test]
    fn tags_parse_by_primary_subtag() {
        assert_eq!(Language::from_tag("EN-gb"), Some(Language::En));
        assert_eq!(Language::from_tag("ja_JP"), Some(Language::Ja));
        assert_eq!(Language::from_tag("zh"), None);
    }
}
