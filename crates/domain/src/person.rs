//! A person, as the booking core knows them: an opaque id per institution
//! login and the non-personal attributes that decide eligibility.

use crate::{DepartmentCode, InstitutionId, ParseError, PersonId, UserType};
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
    pub user_type: UserType,
    pub department: Option<DepartmentCode>,
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
    fn subjects_refuse_control_characters() {
        assert!(Subject::parse("a\nb").is_err());
        assert!(Subject::parse("   ").is_err());
        assert_eq!(Subject::parse(" alice ").unwrap().as_str(), "alice");
    }
}
