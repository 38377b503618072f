//! Opaque, stable ids: the resources' pseudonyms, keyed hashes of what they stand for.

use crate::OperationError;
use sesshu_domain::{DoseNumber, PersonId, SeriesId};
use sesshu_vault_open::Keyring;
use sha2::{Digest, Sha256};

/// What the pseudonyms' secret is derived for (a new text gives every
/// person a new pseudonym).
const PSEUDONYM_PURPOSE: &str = "fhir pseudonyms v1";

/// The resources' ids: HMAC-SHA256 of what they stand for (a person's id,
/// a dose) keyed with a secret derived from the office's current vault
/// key, shaped as a UUID (version 8, RFC 9562). Without the key an id says
/// nothing, not even how many people came before; with the same key the
/// same person has the same id in every export, so a consumer links their
/// doses. Rotating the vault key gives everyone new ids.
pub struct Pseudonyms {
    key: [u8; 32],
}

/// Never prints the key.
impl std::fmt::Debug for Pseudonyms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonyms")
    }
}

impl Pseudonyms {
    /// Pseudonyms of a fixed key, for the tests.
    #[cfg(test)]
    pub(super) fn with_key(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// The pseudonyms of the office's current key; none without a key.
    pub fn of(keys: &Keyring) -> Result<Self, OperationError> {
        match keys.derive_secret(PSEUDONYM_PURPOSE) {
            Some(Ok(key)) => Ok(Self { key }),
            Some(Err(e)) => {
                tracing::error!(error = %e, "no secret for the FHIR pseudonyms");
                Err(OperationError::Unopenable)
            }
            None => {
                tracing::error!("no vault key: the FHIR pseudonyms need one");
                Err(OperationError::Unopenable)
            }
        }
    }

    pub fn patient(&self, person: PersonId) -> String {
        self.uuid(&format!("patient/{}", person.get()))
    }

    pub fn immunization(&self, series: SeriesId, dose: DoseNumber) -> String {
        self.uuid(&format!("immunization/{}/{}", series.get(), dose.get()))
    }

    fn uuid(&self, what: &str) -> String {
        let mac = hmac_sha256(&self.key, what.as_bytes());
        let mut b = [0u8; 16];
        b.copy_from_slice(&mac[..16]);
        b[6] = (b[6] & 0x0f) | 0x80; // version 8: custom
        b[8] = (b[8] & 0x3f) | 0x80; // the RFC 9562 variant
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }
}

/// HMAC-SHA256 (RFC 2104) over the `sha2` the workspace already has.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

pub(super) fn urn(id: &str) -> String {
    format!("urn:uuid:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesshu_vault_open::OpeningKey;

    #[test]
    fn hmac_is_rfc_4231s() {
        // RFC 4231, test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn pseudonyms_are_stable_uuids_that_depend_on_the_key() {
        let key = OpeningKey::generate();
        let ring = Keyring::new([key.clone()]);
        let a = Pseudonyms::of(&ring).unwrap().patient(PersonId::new(42));
        let again = Pseudonyms::of(&Keyring::new([key])).unwrap();
        assert_eq!(
            again.patient(PersonId::new(42)),
            a,
            "the same in every export"
        );
        assert_ne!(again.patient(PersonId::new(43)), a);
        let other = Pseudonyms::of(&Keyring::new([OpeningKey::generate()])).unwrap();
        assert_ne!(
            other.patient(PersonId::new(42)),
            a,
            "another key, another id"
        );
        let parts: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12], "{a}");
        assert_eq!(&a[14..15], "8", "version 8: {a}");
        assert!("89ab".contains(&a[19..20]), "the variant: {a}");
        assert!(Pseudonyms::of(&Keyring::default()).is_err());
        assert_eq!(
            format!("{:?}", Pseudonyms::of(&ring).unwrap()),
            "Pseudonyms"
        );
    }
}
