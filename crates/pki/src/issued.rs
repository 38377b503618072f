//! What issuing hands back: the certificate and its new private key (which
//! the CA does not keep).

use crate::{PkiError, Serial};
use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
    PrivateKeyChain,
};
use rand::Rng;
use rustls_pki_types::CertificateDer;
use std::fmt;

/// PBKDF2 rounds for the PKCS#12 encryption and its MAC (OpenSSL 3 uses
/// 2048; a browser imports a file once, so it can afford more).
const PKCS12_ITERATIONS: u32 = 100_000;

/// A person's certificate and key, to be handed over as PKCS#12.
pub struct IssuedClient {
    pub(crate) serial: Serial,
    pub(crate) common_name: String,
    pub(crate) cert: CertificateDer<'static>,
    pub(crate) cert_pem: String,
    pub(crate) key_der: Vec<u8>,
    pub(crate) key_pem: String,
    pub(crate) ca_cert: CertificateDer<'static>,
}

impl IssuedClient {
    pub fn serial(&self) -> Serial {
        self.serial
    }

    pub fn common_name(&self) -> &str {
        &self.common_name
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The private key, PKCS#8 PEM.
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// Key, certificate and CA certificate in one PKCS#12 file, encrypted
    /// with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and MACed with
    /// HMAC-SHA256: Chromium (NSS), Firefox and OpenSSL 3 import it.
    pub fn to_pkcs12(&self, password: &str) -> Result<Vec<u8>, PkiError> {
        if password.is_empty() {
            return Err(PkiError::EmptyPassword);
        }
        let chain = PrivateKeyChain::new(
            self.serial.as_bytes().as_slice(),
            PrivateKey::from_der(&self.key_der)?,
            [
                Certificate::from_der(&self.cert)?,
                Certificate::from_der(&self.ca_cert)?,
            ],
        );
        // The alias becomes the key's friendlyName, a BMPString: what a
        // browser lists. A name outside the BMP falls back to the serial.
        let alias = if self.common_name.chars().all(|c| u32::from(c) <= 0xffff) {
            self.common_name.clone()
        } else {
            self.serial.to_string()
        };
        let mut store = KeyStore::new();
        store.add_entry(&alias, KeyStoreEntry::PrivateKeyChain(chain));
        Ok(store
            .writer(password)
            .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
            .encryption_iterations(PKCS12_ITERATIONS)
            .mac_algorithm(MacAlgorithm::HmacSha256)
            .mac_iterations(PKCS12_ITERATIONS)
            .write()?)
    }
}

impl fmt::Debug for IssuedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedClient")
            .field("serial", &self.serial)
            .field("common_name", &self.common_name)
            .field("key", &"[elided]")
            .finish_non_exhaustive()
    }
}

/// The office listener's certificate and key.
pub struct IssuedServer {
    pub(crate) serial: Serial,
    pub(crate) names: Vec<String>,
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
    pub(crate) ca_cert_pem: String,
}

impl IssuedServer {
    pub fn serial(&self) -> Serial {
        self.serial
    }

    /// The subjectAltNames (DNS names and IP addresses).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The server certificate alone (the leaf).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The server certificate followed by the CA certificate.
    pub fn chain_pem(&self) -> String {
        format!("{}{}", self.cert_pem, self.ca_cert_pem)
    }

    /// The private key, PKCS#8 PEM.
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }
}

impl fmt::Debug for IssuedServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedServer")
            .field("serial", &self.serial)
            .field("names", &self.names)
            .field("key", &"[elided]")
            .finish_non_exhaustive()
    }
}

/// A password for a PKCS#12 file: 20 letters and digits, without the ones
/// that read alike (0 O o 1 l I), about 116 bits.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}
