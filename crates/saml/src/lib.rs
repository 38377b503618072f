//! Sesshu as a SAML 2.0 service provider for GakuNin (学認).
//!
//! `samael` (with libxmlsec1) verifies signatures and decrypts assertions;
//! this crate closes what its defaults leave open and reads the GakuNin
//! attributes:
//!
//! - an IdP whose metadata has no signing key is refused at start-up
//!   (samael would then skip signature checks entirely);
//! - only RSA/ECDSA with SHA-256 or stronger are accepted (no SHA-1);
//! - before samael sees a response, [`precheck`] refuses DTDs and entities,
//!   comments (they let `c14n` hide text from the signature), duplicate
//!   IDs, anything but exactly one assertion, and a missing or wrong
//!   `Destination`;
//! - after it, an `Audience` naming this SP is required, and the caller
//!   records the assertion ID until its `NotOnOrAfter` (replay cache in the
//!   database) and accepts only `InResponseTo` of a request it issued;
//! - attributes are read only from the assertion samael verified, never
//!   from the raw XML; scoped values must carry a scope the IdP's metadata
//!   declares (`shibmd:Scope`); eduPersonTargetedID is its NameID's value,
//!   if qualified for this IdP and SP.
//!
//! samael is vendored with patches (`vendor/samael/SESSHU-PATCHES.md`):
//! AES-256-GCM and RSA-OAEP's digest and MGF, eduPersonTargetedID's NameID
//! inside an AttributeValue, and a decrypted assertion with a comment or
//! processing instruction refused (the precheck only sees ciphertext).

mod attributes;
mod credentials;
pub mod exchange;
#[cfg(test)]
mod fuzz;
mod metadata;
pub mod precheck;
mod sp;

pub use attributes::{Released, oid};
pub use credentials::SpCredentials;
pub use metadata::{IdpMetadata, load_idp_metadata};
pub use precheck::{Precheck, precheck};
pub use sp::{AuthnRequestUrl, SamlSp, Verified};

/// Why SAML refused something. The variants say what for the log; the
/// person is only told that the login failed.
#[derive(Debug, thiserror::Error)]
pub enum SamlError {
    #[error("SP credentials: {0}")]
    Credentials(String),
    #[error("IdP metadata: {0}")]
    Metadata(String),
    #[error("malformed response: {0}")]
    Malformed(&'static str),
    #[error("response refused: {0}")]
    Refused(String),
    #[error("no request of ours: unknown, used or expired InResponseTo")]
    UnknownRequest,
    #[error("replayed assertion")]
    Replayed,
    #[error("{0}")]
    Internal(String),
}
