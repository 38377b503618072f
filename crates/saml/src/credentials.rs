//! The SP's key and certificate: signing nothing yet, but the IdP encrypts
//! assertions to the certificate (RSA-OAEP, so the key is RSA).

use crate::SamlError;
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use std::fmt;
use std::path::Path;

#[derive(Clone)]
pub struct SpCredentials {
    pub key: PKey<Private>,
    pub certificate: X509,
}

impl fmt::Debug for SpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpCredentials").finish_non_exhaustive()
    }
}

fn err(e: impl fmt::Display) -> SamlError {
    SamlError::Credentials(e.to_string())
}

impl SpCredentials {
    /// Reads a PEM key and certificate.
    pub fn load(key_file: &Path, cert_file: &Path) -> Result<Self, SamlError> {
        let key =
            std::fs::read(key_file).map_err(|e| err(format!("{}: {e}", key_file.display())))?;
        let cert =
            std::fs::read(cert_file).map_err(|e| err(format!("{}: {e}", cert_file.display())))?;
        Ok(Self {
            key: PKey::private_key_from_pem(&key).map_err(err)?,
            certificate: X509::from_pem(&cert).map_err(err)?,
        })
    }

    /// A new RSA-2048 key with a self-signed certificate for `entity_id`,
    /// valid ten years (SAML metadata pins certificates; expiry is not
    /// checked by IdPs).
    pub fn generate(entity_id: &str) -> Result<Self, SamlError> {
        let key = PKey::from_rsa(Rsa::generate(2048).map_err(err)?).map_err(err)?;
        let mut name = X509NameBuilder::new().map_err(err)?;
        let cn: String = entity_id.chars().take(64).collect();
        name.append_entry_by_text("CN", &cn).map_err(err)?;
        let name = name.build();
        let mut serial = BigNum::new().map_err(err)?;
        serial
            .rand(128, MsbOption::MAYBE_ZERO, false)
            .map_err(err)?;
        let mut builder = X509::builder().map_err(err)?;
        builder.set_version(2).map_err(err)?;
        let serial = serial.to_asn1_integer().map_err(err)?;
        builder.set_serial_number(&serial).map_err(err)?;
        builder.set_subject_name(&name).map_err(err)?;
        builder.set_issuer_name(&name).map_err(err)?;
        builder.set_pubkey(&key).map_err(err)?;
        let not_before = Asn1Time::days_from_now(0).map_err(err)?;
        let not_after = Asn1Time::days_from_now(3650).map_err(err)?;
        builder.set_not_before(&not_before).map_err(err)?;
        builder.set_not_after(&not_after).map_err(err)?;
        builder.sign(&key, MessageDigest::sha256()).map_err(err)?;
        Ok(Self {
            key,
            certificate: builder.build(),
        })
    }

    /// Reads the files, or creates them (key mode 0600) if neither exists.
    pub fn load_or_generate(
        key_file: &Path,
        cert_file: &Path,
        entity_id: &str,
    ) -> Result<Self, SamlError> {
        if key_file.exists() || cert_file.exists() {
            return Self::load(key_file, cert_file);
        }
        let new = Self::generate(entity_id)?;
        let key_pem = new.key.private_key_to_pem_pkcs8().map_err(err)?;
        write_private(key_file, &key_pem)?;
        std::fs::write(cert_file, new.certificate.to_pem().map_err(err)?).map_err(err)?;
        Ok(new)
    }

    pub fn certificate_der(&self) -> Result<Vec<u8>, SamlError> {
        self.certificate.to_der().map_err(err)
    }

    pub fn certificate_pem(&self) -> Result<String, SamlError> {
        String::from_utf8(self.certificate.to_pem().map_err(err)?).map_err(err)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), SamlError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| err(format!("{}: {e}", path.display())))?;
    file.write_all(bytes).map_err(err)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), SamlError> {
    std::fs::write(path, bytes).map_err(err)
}
