//! How people prove who they are.
//!
//! This way is the built-in member directory ([`directory`]): members
//! of an institution with Argon2id password hashes. SAML (GakuNin) and LDAP
//! come next and return the same thing: a [`sesshu_domain::Person`].

pub mod directory;
pub mod password;
pub mod throttle;

pub use directory::{Directory, LoginError};
pub use password::PasswordPolicy;
pub use throttle::{LoginThrottle, ThrottleLimits};
