//! Opening sealed personal data: the back office's private key.
//!
//! Only the back office links this crate. `cargo tree -p sesshu-web` does
//! not list it (a test checks), so the public process's code has no way to
//! call [`OpeningKey::open`].

use base64::Engine;
use hpke::{Deserializable, OpModeR, Serializable};
use sesshu_vault::{Aead, Field, Kdf, Kem, KeyId, Owner, Sealed, SealingKey, VaultError, aad};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// The first line of a private key file.
pub const PRIVATE_HEADER: &str = "sesshu-vault-private-key-v1";

/// A private key, with its public half.
#[derive(Clone)]
pub struct OpeningKey {
    private: <Kem as hpke::Kem>::PrivateKey,
    sealing: SealingKey,
}

/// Never prints the key.
impl fmt::Debug for OpeningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpeningKey({})", self.sealing.id())
    }
}

impl OpeningKey {
    pub fn generate() -> Self {
        let (private, public) = <Kem as hpke::Kem>::gen_keypair();
        let sealing =
            SealingKey::from_bytes(&public.to_bytes()).unwrap_or_else(|_| unreachable_public_key());
        Self { private, sealing }
    }

    pub fn id(&self) -> &KeyId {
        self.sealing.id()
    }

    pub fn sealing_key(&self) -> &SealingKey {
        &self.sealing
    }

    /// The private key file's text: header, base64 private key, base64
    /// public key.
    pub fn to_text(&self) -> String {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let public = self.sealing.to_text();
        let public = public.lines().nth(1).unwrap_or_default();
        format!(
            "{PRIVATE_HEADER}\n{}\n{public}\n",
            b64(&self.private.to_bytes())
        )
    }

    pub fn from_text(text: &str) -> Result<Self, VaultError> {
        let mut lines = text.lines().map(str::trim);
        if lines.next() != Some(PRIVATE_HEADER) {
            return Err(VaultError::KeyFile(format!(
                "the first line must be {PRIVATE_HEADER}"
            )));
        }
        let decode = |line: Option<&str>| {
            base64::engine::general_purpose::STANDARD
                .decode(line.unwrap_or_default())
                .map_err(|_| VaultError::KeyFile("not base64".into()))
        };
        let private = <Kem as hpke::Kem>::PrivateKey::from_bytes(&decode(lines.next())?)
            .map_err(|_| VaultError::KeyFile("not an X25519 private key".into()))?;
        let sealing = SealingKey::from_bytes(&decode(lines.next())?)?;
        let derived = <Kem as hpke::Kem>::sk_to_pk(&private);
        if SealingKey::from_bytes(&derived.to_bytes())?.id() != sealing.id() {
            return Err(VaultError::KeyFile(
                "the public key does not match the private key".into(),
            ));
        }
        Ok(Self { private, sealing })
    }

    /// Reads a private key file, refusing one that others may read.
    pub fn read(path: &Path) -> Result<Self, VaultError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|e| VaultError::KeyFile(format!("{}: {e}", path.display())))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(VaultError::KeyFile(format!(
                    "{} is readable by others (mode {:o}); chmod 600 it",
                    path.display(),
                    mode & 0o777
                )));
            }
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| VaultError::KeyFile(format!("{}: {e}", path.display())))?;
        Self::from_text(&text)
    }

    /// Writes `private` (mode 0600, refusing to overwrite) and `public`.
    pub fn write(&self, private: &Path, public: &Path) -> Result<(), VaultError> {
        let io = |e: std::io::Error| VaultError::KeyFile(e.to_string());
        write_new_private(private, self.to_text().as_bytes()).map_err(io)?;
        std::fs::write(public, self.sealing.to_text()).map_err(io)
    }

    /// Opens `owner`'s `field`.
    pub fn open(&self, owner: &Owner, field: Field, sealed: &Sealed) -> Result<String, VaultError> {
        if &sealed.key_id != self.id() {
            return Err(VaultError::UnknownKey(sealed.key_id.to_string()));
        }
        let (enc, ciphertext) = sealed.parts()?;
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(enc).map_err(|_| VaultError::Open)?;
        let plaintext = hpke::single_shot_open::<Aead, Kdf, Kem>(
            &OpModeR::Base,
            &self.private,
            &enc,
            sesshu_vault::INFO,
            ciphertext,
            &aad(owner, field),
        )
        .map_err(|_| VaultError::Open)?;
        String::from_utf8(plaintext).map_err(|_| VaultError::Open)
    }

    /// A 32-byte secret for `purpose`, derived from the private key with
    /// HPKE's labelled HKDF-SHA256 (RFC 9180 §4): it keys a hash that only
    /// the holder of this key can compute (the FHIR export's pseudonyms),
    /// without a second secret to keep. Another purpose gives an unrelated
    /// secret, and the key cannot be recovered from one.
    pub fn derive_secret(&self, purpose: &str) -> Result<[u8; 32], VaultError> {
        let mut out = [0u8; 32];
        <Kdf as hpke::kdf::Kdf>::extract_and_expand(
            &self.private.to_bytes(),
            b"sesshu-derived-secret-v1",
            purpose.as_bytes(),
            &mut out,
        )
        .map_err(|_| VaultError::Open)?;
        Ok(out)
    }
}

fn unreachable_public_key() -> SealingKey {
    // A freshly generated X25519 public key always parses.
    #[allow(clippy::panic)]
    {
        panic!("a generated public key did not parse")
    }
}

#[cfg(unix)]
fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// Every private key the office still has, for reading values sealed before
/// a rotation.
#[derive(Debug, Default, Clone)]
pub struct Keyring {
    keys: HashMap<KeyId, OpeningKey>,
    /// The first key given: new values are sealed to its public half.
    current: Option<KeyId>,
}

impl Keyring {
    /// The current key first, then older ones.
    pub fn new(keys: impl IntoIterator<Item = OpeningKey>) -> Self {
        let keys: Vec<OpeningKey> = keys.into_iter().collect();
        Self {
            current: keys.first().map(|k| k.id().clone()),
            keys: keys.into_iter().map(|k| (k.id().clone(), k)).collect(),
        }
    }

    /// The public half of the current key, to seal new values to (the
    /// office writing a member upload).
    pub fn sealing_key(&self) -> Option<&SealingKey> {
        self.current
            .as_ref()
            .and_then(|id| self.keys.get(id))
            .map(OpeningKey::sealing_key)
    }

    pub fn open(&self, owner: &Owner, field: Field, sealed: &Sealed) -> Result<String, VaultError> {
        self.keys
            .get(&sealed.key_id)
            .ok_or_else(|| VaultError::UnknownKey(sealed.key_id.to_string()))?
            .open(owner, field, sealed)
    }

    /// [`OpeningKey::derive_secret`] of the current key: `None` without a
    /// key. It changes when the key is rotated.
    pub fn derive_secret(&self, purpose: &str) -> Option<Result<[u8; 32], VaultError>> {
        self.current
            .as_ref()
            .and_then(|id| self.keys.get(id))
            .map(|key| key.derive_secret(purpose))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hanako() -> Owner {
        Owner::login(3, "hanako")
    }

    #[test]
    fn a_sealed_value_opens_with_the_private_key_only_for_its_owner_and_field() {
        let key = OpeningKey::generate();
        let sealed = key
            .sealing_key()
            .seal(&hanako(), Field::Mail, "hanako@example.ac.jp")
            .unwrap();
        assert_eq!(
            key.open(&hanako(), Field::Mail, &sealed).unwrap(),
            "hanako@example.ac.jp"
        );
        assert!(matches!(
            key.open(&Owner::login(3, "taro"), Field::Mail, &sealed),
            Err(VaultError::Open)
        ));
        assert!(matches!(
            key.open(&hanako(), Field::NameKanji, &sealed),
            Err(VaultError::Open)
        ));
        let other = OpeningKey::generate();
        assert!(other.open(&hanako(), Field::Mail, &sealed).is_err());
    }

    #[test]
    fn an_altered_ciphertext_does_not_open() {
        let key = OpeningKey::generate();
        let mut sealed = key
            .sealing_key()
            .seal(&hanako(), Field::Mail, "x@y")
            .unwrap();
        let last = sealed.blob.len() - 1;
        sealed.blob[last] ^= 1;
        assert!(key.open(&hanako(), Field::Mail, &sealed).is_err());
    }

    #[test]
    fn the_same_value_seals_differently_each_time() {
        let key = OpeningKey::generate();
        let a = key
            .sealing_key()
            .seal(&hanako(), Field::Mail, "x@y")
            .unwrap();
        let b = key
            .sealing_key()
            .seal(&hanako(), Field::Mail, "x@y")
            .unwrap();
        assert_ne!(a.blob, b.blob);
    }

    #[test]
    fn key_files_round_trip_and_never_print_the_private_key() {
        let key = OpeningKey::generate();
        let again = OpeningKey::from_text(&key.to_text()).unwrap();
        assert_eq!(again.id(), key.id());
        let public = SealingKey::from_text(&key.sealing_key().to_text()).unwrap();
        assert_eq!(public.id(), key.id());
        let private_line = key.to_text().lines().nth(1).unwrap().to_owned();
        assert!(!format!("{key:?}").contains(&private_line));
        assert!(OpeningKey::from_text("nonsense").is_err());
    }

    #[test]
    fn a_keyring_opens_values_of_every_key_it_holds() {
        let (old, new) = (OpeningKey::generate(), OpeningKey::generate());
        let sealed = old
            .sealing_key()
            .seal(&hanako(), Field::NameKana, "はなこ")
            .unwrap();
        assert!(
            Keyring::new([new.clone()])
                .open(&hanako(), Field::NameKana, &sealed)
                .is_err()
        );
        let ring = Keyring::new([old, new]);
        assert_eq!(
            ring.open(&hanako(), Field::NameKana, &sealed).unwrap(),
            "はなこ"
        );
    }

    #[test]
    fn a_derived_secret_is_the_keys_own_for_each_purpose() {
        let key = OpeningKey::generate();
        let again = OpeningKey::from_text(&key.to_text()).unwrap();
        let secret = key.derive_secret("fhir").unwrap();
        assert_eq!(again.derive_secret("fhir").unwrap(), secret, "stable");
        assert_ne!(key.derive_secret("other").unwrap(), secret, "per purpose");
        let other = OpeningKey::generate().derive_secret("fhir").unwrap();
        assert_ne!(other, secret, "per key");
        let ring = Keyring::new([key, OpeningKey::generate()]);
        assert_eq!(
            ring.derive_secret("fhir").unwrap().unwrap(),
            secret,
            "the current key's"
        );
        assert!(Keyring::default().derive_secret("fhir").is_none());
    }
}
