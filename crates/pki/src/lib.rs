//! The back office's small certificate authority.
//!
//! The office listener asks every browser for a client certificate issued by
//! this CA and refuses the ones its CRL lists. [`Ca`] keeps everything in one
//! folder (the operator's machine, not the office server):
//!
//! | file         | what                                                         |
//! |--------------|--------------------------------------------------------------|
//! | `ca.pem`     | the CA certificate (the office's `client_ca`)                |
//! | `ca.key`     | its private key, PKCS#8 PEM, mode 0600                       |
//! | `index.toml` | every certificate issued, and the number of the last CRL     |
//! | `crl.pem`    | the current CRL (the office's `client_crl`), rewritten on each revocation |
//!
//! `index.toml` is written by this crate only (replaced whole, never edited
//! in place):
//!
//! ```toml
//! crl_number = 2
//!
//! [[certificate]]
//! serial = "5c1f…"                        # 32 hex digits
//! kind = "client"                         # or "server"
//! common_name = "Hanako Sato"
//! not_before = "2025-04-01T09:00:00Z"     # RFC 3339, UTC
//! not_after = "2026-04-01T10:00:00Z"
//! revoked_at = "2025-06-01T12:00:00Z"     # absent while not revoked
//! ```
//!
//! Keys are ECDSA P-256, serial numbers 16 random bytes. Time is a parameter
//! (`now`): nothing here reads the clock.

mod ca;
mod error;
mod files;
mod index;
mod issued;
mod validity;

#[cfg(test)]
mod tests;

pub use ca::{Ca, Revoked};
pub use error::PkiError;
pub use index::{IssuedEntry, Kind, Serial};
pub use issued::{IssuedClient, IssuedServer, random_password};
pub use time::OffsetDateTime;
pub use validity::Validity;

/// File names inside a CA folder.
pub const CA_CERT: &str = "ca.pem";
pub const CA_KEY: &str = "ca.key";
pub const INDEX: &str = "index.toml";
pub const CRL: &str = "crl.pem";
