//! Sealing personal data for the back office.
//!
//! The public process holds only the back office's public key: it can seal
//! what a person gives it (names, mail, …) but never open it again. Opening
//! lives in `sesshu-vault-open`, which the public process's crates do not
//! depend on.
//!
//! A [`Sealed`] value is HPKE (RFC 9180, base mode) with DHKEM(X25519,
//! HKDF-SHA256), HKDF-SHA256 and ChaCha20-Poly1305. Its associated data is
//! the owner and the field, so a ciphertext copied to another person or
//! another field does not open. Each one records the id of the key it was
//! sealed to, so keys can be rotated.

use base64::Engine;
use hpke::{Deserializable, OpModeS, Serializable};
use sha2::{Digest, Sha256};
use std::fmt;

pub type Kem = hpke::kem::X25519HkdfSha256;
pub type Kdf = hpke::kdf::HkdfSha256;
pub type Aead = hpke::aead::ChaCha20Poly1305;

/// HPKE `info`: binds every ciphertext to this use and format version.
pub const INFO: &[u8] = b"sesshu personal data v1";

/// The first line of a public key file.
pub const PUBLIC_HEADER: &str = "sesshu-vault-public-key-v1";

/// Length of the encapsulated key that starts every sealed blob.
const ENC_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("not a key file: {0}")]
    KeyFile(String),
    #[error("sealing failed")]
    Seal,
    #[error("the value does not open (wrong key, owner or field, or altered)")]
    Open,
    #[error("no key {0} in the keyring")]
    UnknownKey(String),
}

/// Which key sealed a value: the first 16 hex digits of SHA-256 of the
/// public key, so it needs no registry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    pub fn of(public: &[u8]) -> Self {
        let digest = Sha256::digest(public);
        Self(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
    }

    pub fn parse(s: &str) -> Self {
        Self(s.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whose data a value is: an institution and the person's login there
/// (the identity of a person and of their directory entry).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Owner(String);

impl Owner {
    pub fn login(institution: i64, subject: &str) -> Self {
        Self(format!("{institution}/{subject}"))
    }

    /// The owner of a dose's values: the person, the reservation (its
    /// number) and the dose, so a value copied to another dose or another
    /// reservation does not open.
    pub fn dose(&self, reservation: &str, dose: u8) -> Self {
        Self(format!("{}\u{1f}{reservation}\u{1f}{dose}", self.0))
    }

    /// As stored: the `owner` column.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn from_stored(s: String) -> Self {
        Self(s)
    }
}

/// Redacted: the owner contains a login.
impl fmt::Debug for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Owner(..)")
    }
}

/// A field of personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// The name in Latin letters.
    NameRoman,
    /// The name in kanji.
    NameKanji,
    /// The reading of the name in kana.
    NameKana,
    Mail,
    /// A dose's questionnaire answers that decide (temperature, items).
    Questionnaire,
    /// Why a dose was postponed or not given.
    DecisionReason,
    /// A dose's voucher (接種券) number.
    Voucher,
}

impl Field {
    /// The fields of a person's profile (`personal_data`); [`Field::parse`]
    /// reads these.
    pub const ALL: [Field; 4] = [
        Field::NameRoman,
        Field::NameKanji,
        Field::NameKana,
        Field::Mail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::NameRoman => "name_roman",
            Field::NameKanji => "name_kanji",
            Field::NameKana => "name_kana",
            Field::Mail => "mail",
            Field::Questionnaire => "questionnaire",
            Field::DecisionReason => "decision_reason",
            Field::Voucher => "voucher",
        }
    }

    /// The fields of a dose (`dose_data`), sealed for the owner of
    /// [`Owner::dose`].
    pub const DOSE: [Field; 3] = [Field::Questionnaire, Field::DecisionReason, Field::Voucher];

    pub fn parse(s: &str) -> Option<Self> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// The associated data of a value: owner and field.
pub fn aad(owner: &Owner, field: Field) -> Vec<u8> {
    format!("{}\u{0}{}", owner.as_str(), field.as_str()).into_bytes()
}

/// A sealed value: `enc || ciphertext`, and the key it was sealed to.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: KeyId,
    pub blob: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed({}, {} bytes)", self.key_id, self.blob.len())
    }
}

impl Sealed {
    /// The encapsulated key and the ciphertext.
    pub fn parts(&self) -> Result<(&[u8], &[u8]), VaultError> {
        if self.blob.len() < ENC_LEN {
            return Err(VaultError::Open);
        }
        Ok(self.blob.split_at(ENC_LEN))
    }
}

/// The back office's public key: seals, cannot open.
#[derive(Clone)]
pub struct SealingKey {
    id: KeyId,
    public: <Kem as hpke::Kem>::PublicKey,
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealingKey({})", self.id)
    }
}

impl SealingKey {
    pub fn from_bytes(public: &[u8]) -> Result<Self, VaultError> {
        let key = <Kem as hpke::Kem>::PublicKey::from_bytes(public)
            .map_err(|_| VaultError::KeyFile("not an X25519 public key".into()))?;
        Ok(Self {
            id: KeyId::of(public),
            public: key,
        })
    }

    /// Reads a public key file: the header line, then base64.
    pub fn from_text(text: &str) -> Result<Self, VaultError> {
        let mut lines = text.lines();
        if lines.next().map(str::trim) != Some(PUBLIC_HEADER) {
            return Err(VaultError::KeyFile(format!(
                "the first line must be {PUBLIC_HEADER}"
            )));
        }
        let encoded: String = lines.map(str::trim).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| VaultError::KeyFile("the key is not base64".into()))?;
        Self::from_bytes(&bytes)
    }

    pub fn to_text(&self) -> String {
        format!(
            "{PUBLIC_HEADER}\n{}\n",
            base64::engine::general_purpose::STANDARD.encode(self.public.to_bytes())
        )
    }

    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// Seals `plaintext` as `owner`'s `field`.
    pub fn seal(&self, owner: &Owner, field: Field, plaintext: &str) -> Result<Sealed, VaultError> {
        let (enc, ciphertext) = hpke::single_shot_seal::<Aead, Kdf, Kem>(
            &OpModeS::Base,
            &self.public,
            INFO,
            plaintext.as_bytes(),
            &aad(owner, field),
        )
        .map_err(|_| VaultError::Seal)?;
        let mut blob = enc.to_bytes().to_vec();
        blob.extend_from_slice(&ciphertext);
        Ok(Sealed {
            key_id: self.id.clone(),
            blob,
        })
    }
}
