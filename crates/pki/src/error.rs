use crate::Serial;
use std::path::PathBuf;
use time::OffsetDateTime;

/// Everything that can go wrong with the CA. Messages name the file and
/// what is wrong with it, for the operator who reads them.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: there is a CA here already ({file} exists), and a CA is never overwritten", dir.display())]
    CaExists { dir: PathBuf, file: &'static str },
    #[error("{}: {what}", path.display())]
    Damaged { path: PathBuf, what: String },
    #[error("no certificate with serial {0} was issued by this CA")]
    UnknownSerial(Serial),
    #[error("{0:?} is not a serial number of this CA (32 hex digits, colons allowed)")]
    BadSerial(String),
    #[error(
        "a certificate must end after it starts ({} .. {})",
        rfc3339(not_before),
        rfc3339(not_after)
    )]
    BadValidity {
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    },
    #[error(
        "the certificate would be valid until {not_after}, after the CA itself ({ca_not_after})"
    )]
    OutlivesCa {
        not_after: OffsetDateTime,
        ca_not_after: OffsetDateTime,
    },
    #[error("the CA expired at {}: make a new one", rfc3339(.0))]
    CaExpired(OffsetDateTime),
    #[error("{name:?} cannot be a certificate name: {why}")]
    BadName { name: String, why: &'static str },
    #[error("an empty password would leave the private key in the PKCS#12 file unprotected")]
    EmptyPassword,
    #[error("signing: {0}")]
    Signing(#[from] rcgen::Error),
    #[error("PKCS#12: {0}")]
    Pkcs12(#[from] p12_keystore::error::Error),
}

impl PkiError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| PkiError::Io {
            action,
            path,
            source,
        }
    }

    pub(crate) fn damaged(path: impl Into<PathBuf>, what: impl Into<String>) -> Self {
        PkiError::Damaged {
            path: path.into(),
            what: what.into(),
        }
    }
}

fn rfc3339(t: &OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}
