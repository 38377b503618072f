//! How people prove who they are, and what Sesshu keeps of it.
//!
//! Every login method ends in an [`Authenticated`]: who the institution says
//! the person is, before anything is stored. [`Logins`] then completes the
//! login: if the institution requires consent and the person has not agreed
//! to its current text, the login waits in memory (nothing written) until
//! they agree or decline.
//!
//! - [`builtin`]: Sesshu's own member directory (Argon2id);
//! - [`throttle`]: failed-login counting per account and address.

pub mod builtin;
#[cfg(test)]
mod fuzz;
pub mod hosted;
pub mod ldap;
mod logins;
pub mod password;
mod pending;
pub mod roster;
pub mod staff;
pub mod throttle;

pub use builtin::Directory;
pub use logins::{Completed, LoginError, Logins};
pub use password::PasswordPolicy;
pub use pending::PendingLogin;
pub use staff::StaffLogins;
pub use throttle::{LoginThrottle, ThrottleLimits};

use sesshu_domain::{DepartmentCode, InstitutionId, Profile, Subject, UserType};
use sesshu_vault::{Field, Owner, Sealed, SealingKey, VaultError};

/// Seals a profile's fields for `owner` (what is absent is not stored).
pub fn seal_profile(
    key: &SealingKey,
    owner: &Owner,
    profile: &Profile,
) -> Result<Vec<(Field, Sealed)>, VaultError> {
    let values = [
        (Field::NameRoman, profile.display_name.as_deref()),
        (Field::NameKanji, profile.display_name_ja.as_deref()),
        (Field::NameKana, profile.name_kana.as_deref()),
        (Field::Mail, profile.mail.as_ref().map(|m| m.as_str())),
    ];
    values
        .into_iter()
        .filter_map(|(field, value)| value.map(|v| (field, v)))
        .map(|(field, value)| Ok((field, key.seal(owner, field, value)?)))
        .collect()
}

/// What a successful login says about the person. Nothing of it is stored
/// until [`Logins::complete`] decides it may be.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub institution: InstitutionId,
    pub subject: Subject,
    /// The subject is an ePPN (it may be reassigned after 24 months).
    pub reassignable: bool,
    pub user_type: Option<UserType>,
    pub department: Option<DepartmentCode>,
    /// The personal data the login gave (LDAP, SAML); `None` when it is
    /// already in Sesshu's directory (the built-in one: uploaded, sealed).
    pub profile: Option<Profile>,
    /// What the institution's mapping asks for that the login did not give.
    pub missing: Vec<Missing>,
}

/// An attribute a login did not give. Only the user type is needed to book;
/// the others make the service poorer (no mail, no name on lists).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    UserType,
    Department,
    DisplayName,
    Mail,
}
