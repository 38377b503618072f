//! A person, as the booking core knows them: an opaque id per institution
//! login and the non-personal attributes that decide eligibility.

use crate::{DepartmentCode, InstitutionId, ParseError, PersonId, UserType};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The login identifier a person has at their institution (a directory login,
/// later a SAML subject). Unique per institution; never shown in logs.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Subject(String);

impl Subject {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        if s.is_empty() || s.len() > 256 || s.chars().any(char::is_control) {
            return Err(ParseError::new(
                "login",
                "must be 1 to 256 characters without control characters",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Redacted: a login may be a staff or student number.
impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Subject(..)")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: PersonId,
    pub institution: InstitutionId,
    /// `None` when the login did not say (an attribute withheld): such a
    /// person is eligible for nothing until the office sorts it out.
    pub user_type: Option<UserType>,
    pub department: Option<DepartmentCode>,
}

/// A mail address: one `@`, no spaces or control characters, at most 254
/// bytes. Enough to refuse garbage and header injection; deliverability is
/// the mail server's to judge.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MailAddress(String);

impl MailAddress {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        let valid = s.len() <= 254
            && s.matches('@').count() == 1
            && !s.starts_with('@')
            && !s.ends_with('@')
            && !s.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
            });
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::new(
                "mail address",
                "expected one address like name@example.ac.jp",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MailAddress {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<MailAddress> for String {
    fn from(m: MailAddress) -> String {
        m.0
    }
}

impl fmt::Debug for MailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MailAddress(..)")
    }
}

/// What a login says about the person that is personal: kept only with
/// their consent, never logged (the `Debug` output is redacted).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The name in Latin letters (or as the login gives it).
    pub display_name: Option<String>,
    /// The name in kanji.
    pub display_name_ja: Option<String>,
    /// The reading of the name in kana.
    pub name_kana: Option<String>,
    pub mail: Option<MailAddress>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("display_name", &self.display_name.as_ref().map(|_| ".."))
            .field(
                "display_name_ja",
                &self.display_name_ja.as_ref().map(|_| ".."),
            )
            .field("name_kana", &self.name_kana.as_ref().map(|_| ".."))
            .field("mail", &self.mail.as_ref().map(|_| ".."))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_do_not_print_in_debug_output() {
        let s = Subject::parse("s1234567").unwrap();
        assert!(!format!("{s:?}").contains("1234567"));
    }

    #[test]
    fn mail_addresses_refuse_lists_and_injection() {
        assert!(MailAddress::parse("hanako@aoba.example.ac.jp").is_ok());
        for bad in [
            "",
            "a",
            "a@b@c",
            "a b@c",
            "a@b\r\nBcc: x@y",
            "a@b,c@d",
            "<a@b>",
            "@b",
            "a@",
        ] {
            assert!(MailAddress::parse(bad).is_err(), "{bad:?}");
        }
        assert!(!format!("{:?}", MailAddress::parse("x@y").unwrap()).contains("x@y"));
    }

    #[test]
    fn subjects_refuse_control_characters() {
        assert!(Subject::parse("a\nb").is_err());
        assert!(Subject::parse("   ").is_err());
        assert_eq!(Subject::parse(" alice ").unwrap().as_str(), "alice");
    }
}
