//! `index.toml`: what the CA has issued and revoked.

use crate::PkiError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

/// A certificate's serial number: 16 random bytes, a positive integer of
/// exactly 16 bytes (first byte 0x40..=0x7f), so its hex form is the same
/// everywhere (`openssl x509 -serial` prints it in capitals).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial([u8; 16]);

impl Serial {
    pub(crate) fn random() -> Self {
        let mut bytes: [u8; 16] = rand::random();
        bytes[0] = (bytes[0] & 0x3f) | 0x40;
        Serial(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Serial({self})")
    }
}

/// Hex, either case, with or without colons (`5C:1F:…` as OpenSSL shows it).
impl FromStr for Serial {
    type Err = PkiError;

    fn from_str(text: &str) -> Result<Self, PkiError> {
        let bad = || PkiError::BadSerial(text.to_owned());
        let digits: Vec<u8> = text.trim().bytes().filter(|b| *b != b':').collect();
        if digits.len() != 32 {
            return Err(bad());
        }
        let mut bytes = [0u8; 16];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| bad())?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
        }
        Ok(Serial(bytes))
    }
}

impl Serialize for Serial {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Serial {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A person's browser (extended key usage clientAuth).
    Client,
    /// The office listener (extended key usage serverAuth).
    Server,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Client => "client",
            Kind::Server => "server",
        })
    }
}

/// One certificate the CA issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedEntry {
    pub serial: Serial,
    pub kind: Kind,
    /// The subject's common name (a server: its first name).
    pub common_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Index {
    /// The number of the CRL in `crl.pem`; each new CRL takes the next.
    pub crl_number: u64,
    #[serde(default, rename = "certificate")]
    pub certificates: Vec<IssuedEntry>,
}

const HEADER: &str = "# The certificates this CA issued, and the number of its last CRL.\n\
                      # Written by `sesshu certs`: do not edit.\n\n";

impl Index {
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    pub fn render(&self) -> Result<String, String> {
        let body = toml::to_string(self).map_err(|e| e.to_string())?;
        Ok(format!("{HEADER}{body}"))
    }

    pub fn find_mut(&mut self, serial: &Serial) -> Option<&mut IssuedEntry> {
        self.certificates.iter_mut().find(|c| &c.serial == serial)
    }
}
