//! Institutions of the consortium and the non-personal attributes of their
//! members (user type, department).

use crate::{
    AttributeMapping, ChangeDeadline, ConsentText, InstitutionId, Language, LoginMethod,
    MailAddress, ParseError,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// The short code of an institution (`demo`, `aoba-u`): lowercase ASCII
/// letters, digits and `-`, 1 to 32 characters. It appears in URLs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InstitutionCode(String);

impl InstitutionCode {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::new(
                "institution code",
                "use 1 to 32 lowercase letters, digits or '-', not starting with '-'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for InstitutionCode {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<InstitutionCode> for String {
    fn from(c: InstitutionCode) -> String {
        c.0
    }
}

impl fmt::Display for InstitutionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A department code within an institution (`med`, `eng-2`): ASCII letters,
/// digits, `-` and `_`, 1 to 32 characters. Non-personal: it feeds statistics.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DepartmentCode(String);

impl DepartmentCode {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::new(
                "department code",
                "use 1 to 32 ASCII letters, digits, '-' or '_'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DepartmentCode {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<DepartmentCode> for String {
    fn from(c: DepartmentCode) -> String {
        c.0
    }
}

impl fmt::Display for DepartmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a member is to their institution; it decides eligibility and feeds
/// statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserType {
    Staff,
    Student,
}

impl UserType {
    pub const ALL: [UserType; 2] = [UserType::Staff, UserType::Student];

    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Staff => "staff",
            UserType::Student => "student",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s {
            "staff" => Ok(UserType::Staff),
            "student" => Ok(UserType::Student),
            _ => Err(ParseError::new(
                "user type",
                "expected 'staff' or 'student'",
            )),
        }
    }

    pub fn name(self, lang: Language) -> &'static str {
        match (self, lang) {
            (UserType::Staff, Language::Ja) => "教職員",
            (UserType::Staff, Language::En) => "Staff",
            (UserType::Student, Language::Ja) => "学生",
            (UserType::Student, Language::En) => "Student",
        }
    }
}

impl fmt::Display for UserType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whom a person contacts about their reservation: shown once the change
/// deadline has passed, and in mails.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Contact {
    pub office_ja: String,
    pub office_en: String,
    pub mail: String,
    pub phone: String,
    pub url: String,
}

/// How mails to an institution's people are sent: the notice ("what to
/// bring", 持ち物・注意事項) every mail carries, and the sender address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// The sender of this institution's mails; `None`: the system's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<MailAddress>,
    pub notice_ja: String,
    pub notice_en: String,
}

impl MailSettings {
    /// The notice in this language (empty if the institution has none).
    pub fn notice(&self, lang: Language) -> &str {
        lang.pick(&self.notice_ja, &self.notice_en)
    }
}

/// An institution of the consortium, as far as booking needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Institution {
    pub id: InstitutionId,
    pub code: InstitutionCode,
    pub name_ja: String,
    pub name_en: String,
    pub contact: Contact,
    pub mail: MailSettings,
    /// Member types that may book at all (e.g. only staff in the first wave).
    pub eligible_user_types: BTreeSet<UserType>,
    /// Until when a person may change or cancel their own series.
    pub deadline: ChangeDeadline,
    pub login: LoginMethod,
    pub attributes: AttributeMapping,
    /// Required consent before a login's attributes are stored; none if
    /// the institution requires none.
    pub consent: Option<ConsentText>,
    pub departments: Vec<Department>,
}

/// A department of an institution, for lists and statistics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub code: DepartmentCode,
    pub name_ja: String,
    pub name_en: String,
}

impl Institution {
    pub fn name(&self, lang: Language) -> &str {
        lang.pick(&self.name_ja, &self.name_en)
    }

    /// What every mail to this institution's people says about what to
    /// bring and how to come, in this language.
    pub fn notice(&self, lang: Language) -> &str {
        self.mail.notice(lang)
    }

    /// Whether a person who last consented to `consented` (a version) must
    /// be asked again before their login is stored.
    pub fn needs_consent(&self, consented: Option<&str>) -> bool {
        match &self.consent {
            None => false,
            Some(current) => consented != Some(current.version.as_str()),
        }
    }
}

impl std::str::FromStr for InstitutionCode {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn institution_codes_are_url_safe() {
        assert!(InstitutionCode::parse("aoba-u").is_ok());
        assert!(InstitutionCode::parse("demo2").is_ok());
        for bad in ["", "Demo", "a b", "-x", "x/y", "大学", &"a".repeat(33)] {
            assert!(InstitutionCode::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn department_codes_refuse_punctuation() {
        assert!(DepartmentCode::parse("med_2").is_ok());
        assert!(DepartmentCode::parse("med;drop").is_err());
    }
}
