//! The CA in its folder: create, open, issue, revoke.

use crate::files::{self, PRIVATE, PUBLIC};
use crate::index::{Index, IssuedEntry, Kind, Serial};
use crate::issued::{IssuedClient, IssuedServer};
use crate::validity::{CLOCK_SKEW, Validity, whole_seconds};
use crate::{CA_CERT, CA_KEY, CRL, INDEX, PkiError};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    PublicKeyData, RevokedCertParams, SanType, SerialNumber,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

/// How long a new CA is valid.
const CA_VALIDITY: Duration = Duration::days(3653);

/// The CA of one folder (see the crate documentation for its files).
#[derive(Debug)]
pub struct Ca {
    dir: PathBuf,
    cert: CertificateDer<'static>,
    cert_pem: String,
    not_after: OffsetDateTime,
    issuer: Issuer<'static, KeyPair>,
    index: Index,
    crl_pem: String,
}

/// What [`Ca::revoke`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The certificate, as the index now has it (`revoked_at` set).
    pub entry: IssuedEntry,
    /// It was revoked before; only the CRL was written again.
    pub already: bool,
}

impl Ca {
    /// Makes a new CA named `common_name` in `dir` (created if missing),
    /// valid for ten years from `now`, with an empty CRL (number 1). A
    /// folder that holds a CA already is refused.
    pub fn create(dir: &Path, common_name: &str, now: OffsetDateTime) -> Result<Ca, PkiError> {
        check_common_name(common_name)?;
        files::create_dir(dir)?;
        for file in [CA_KEY, CA_CERT, INDEX, CRL] {
            if dir.join(file).exists() {
                return Err(PkiError::CaExists {
                    dir: dir.to_owned(),
                    file,
                });
            }
        }

        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(common_name);
        params.serial_number = Some(SerialNumber::from_slice(Serial::random().as_bytes()));
        params.not_before = whole_seconds(now - CLOCK_SKEW);
        params.not_after = whole_seconds(now + CA_VALIDITY);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;

        // The key first, created 0600 and only if absent: two runs racing
        // into one folder cannot both get past this line.
        let key_path = dir.join(CA_KEY);
        files::write_new(&key_path, key.serialize_pem().as_bytes(), PRIVATE).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                PkiError::CaExists {
                    dir: dir.to_owned(),
                    file: CA_KEY,
                }
            } else {
                PkiError::io("write", &key_path)(e)
            }
        })?;
        let cert_path = dir.join(CA_CERT);
        files::write_new(&cert_path, cert.pem().as_bytes(), PUBLIC)
            .map_err(PkiError::io("write", &cert_path))?;

        let mut ca = Ca {
            dir: dir.to_owned(),
            cert: cert.der().clone(),
            cert_pem: cert.pem(),
            not_after: params.not_after,
            issuer: Issuer::new(params, key),
            index: Index::default(),
            crl_pem: String::new(),
        };
        ca.write_crl(now)?;
        Ok(ca)
    }

    /// Opens the CA in `dir`, checking that its key belongs to its
    /// certificate.
    pub fn open(dir: &Path) -> Result<Ca, PkiError> {
        let cert_path = dir.join(CA_CERT);
        let key_path = dir.join(CA_KEY);
        let index_path = dir.join(INDEX);

        let cert_pem = files::read(&cert_path)?;
        let cert = CertificateDer::from_pem_slice(cert_pem.as_bytes())
            .map_err(|e| PkiError::damaged(&cert_path, format!("no PEM certificate: {e}")))?;
        let (_, parsed) = x509_parser::parse_x509_certificate(&cert)
            .map_err(|e| PkiError::damaged(&cert_path, format!("not an X.509 certificate: {e}")))?;
        if !parsed.is_ca() {
            return Err(PkiError::damaged(&cert_path, "not a CA certificate"));
        }
        let not_after = parsed.validity().not_after.to_datetime();
        let spki = parsed.public_key().raw.to_vec();

        let key = KeyPair::from_pem(&files::read(&key_path)?)
            .map_err(|e| PkiError::damaged(&key_path, format!("not a PKCS#8 private key: {e}")))?;
        if key.subject_public_key_info() != spki {
            return Err(PkiError::damaged(
                &key_path,
                format!("this key does not belong to {}", cert_path.display()),
            ));
        }
        let issuer = Issuer::from_ca_cert_der(&cert, key)
            .map_err(|e| PkiError::damaged(&cert_path, e.to_string()))?;

        let index = Index::parse(&files::read(&index_path)?)
            .map_err(|e| PkiError::damaged(&index_path, e))?;
        let crl_pem = files::read(&dir.join(CRL))?;
        Ok(Ca {
            dir: dir.to_owned(),
            cert,
            cert_pem,
            not_after,
            issuer,
            index,
            crl_pem,
        })
    }

    /// A certificate for a person's browser: extended key usage
    /// clientAuth, key usage digitalSignature, subject CN `common_name`.
    pub fn issue_client(
        &mut self,
        common_name: &str,
        validity: Validity,
    ) -> Result<IssuedClient, PkiError> {
        check_common_name(common_name)?;
        let (serial, cert, key) = self.issue(Kind::Client, common_name, Vec::new(), validity)?;
        Ok(IssuedClient {
            serial,
            common_name: common_name.to_owned(),
            cert_pem: cert.pem(),
            cert: cert.der().clone(),
            key_der: key.serialize_der(),
            key_pem: key.serialize_pem(),
            ca_cert: self.cert.clone(),
        })
    }

    /// The office listener's certificate: each of `names` (DNS names or IP
    /// addresses) in subjectAltName, the first also as CN; extended key
    /// usage serverAuth.
    pub fn issue_server(
        &mut self,
        names: &[String],
        validity: Validity,
    ) -> Result<IssuedServer, PkiError> {
        let Some(first) = names.first() else {
            return Err(PkiError::BadName {
                name: String::new(),
                why: "a server certificate needs at least one DNS name or IP address",
            });
        };
        let sans = names
            .iter()
            .map(|name| subject_alt_name(name))
            .collect::<Result<Vec<_>, _>>()?;
        check_common_name(first)?;
        let (serial, cert, key) = self.issue(Kind::Server, first, sans, validity)?;
        Ok(IssuedServer {
            serial,
            names: names.to_vec(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            ca_cert_pem: self.cert_pem.clone(),
        })
    }

    /// Revokes a certificate this CA issued and writes a new `crl.pem`
    /// (the next CRL number). Revoking again keeps the first revocation
    /// time and writes the CRL again.
    pub fn revoke(&mut self, serial: &Serial, now: OffsetDateTime) -> Result<Revoked, PkiError> {
        let mut index = self.index.clone();
        let entry = index
            .find_mut(serial)
            .ok_or(PkiError::UnknownSerial(*serial))?;
        let already = entry.revoked_at.is_some();
        entry.revoked_at.get_or_insert(whole_seconds(now));
        let entry = entry.clone();
        // The index first: should the CRL not be written, the index still
        // says revoked, and revoking again writes the CRL.
        self.save_index(index)?;
        self.write_crl(now)?;
        Ok(Revoked { entry, already })
    }

    /// Every certificate issued, oldest first.
    pub fn issued(&self) -> &[IssuedEntry] {
        &self.index.certificates
    }

    /// The current CRL (the content of `crl.pem`).
    pub fn crl_pem(&self) -> &str {
        &self.crl_pem
    }

    /// The number of the current CRL.
    pub fn crl_number(&self) -> u64 {
        self.index.crl_number
    }

    /// The CA certificate (the content of `ca.pem`).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the CRL is: the file the office's `client_crl` points to.
    pub fn crl_path(&self) -> PathBuf {
        self.dir.join(CRL)
    }

    /// Signs a new certificate and records it in the index; nothing is
    /// handed out unless the index was written.
    fn issue(
        &mut self,
        kind: Kind,
        common_name: &str,
        subject_alt_names: Vec<SanType>,
        validity: Validity,
    ) -> Result<(Serial, rcgen::Certificate, KeyPair), PkiError> {
        if validity.not_after() > self.not_after {
            return Err(PkiError::OutlivesCa {
                not_after: validity.not_after(),
                ca_not_after: self.not_after,
            });
        }
        let serial = loop {
            let serial = Serial::random();
            if self.index.certificates.iter().all(|c| c.serial != serial) {
                break serial;
            }
        };
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(common_name);
        params.serial_number = Some(SerialNumber::from_slice(serial.as_bytes()));
        params.not_before = validity.not_before();
        params.not_after = validity.not_after();
        params.subject_alt_names = subject_alt_names;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![match kind {
            Kind::Client => ExtendedKeyUsagePurpose::ClientAuth,
            Kind::Server => ExtendedKeyUsagePurpose::ServerAuth,
        }];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;

        let mut index = self.index.clone();
        index.certificates.push(IssuedEntry {
            serial,
            kind,
            common_name: common_name.to_owned(),
            not_before: validity.not_before(),
            not_after: validity.not_after(),
            revoked_at: None,
        });
        self.save_index(index)?;
        Ok((serial, cert, key))
    }

    /// Signs the next CRL (every revoked certificate), valid until the CA
    /// expires: it is a file the operator copies, not one fetched on a
    /// schedule, and OpenSSL (nginx) refuses every client certificate once
    /// a CRL is past its nextUpdate.
    fn write_crl(&mut self, now: OffsetDateTime) -> Result<(), PkiError> {
        let this_update = whole_seconds(now);
        if this_update >= self.not_after {
            return Err(PkiError::CaExpired(self.not_after));
        }
        let mut index = self.index.clone();
        index.crl_number += 1;
        let params = CertificateRevocationListParams {
            this_update,
            next_update: self.not_after,
            crl_number: SerialNumber::from(index.crl_number),
            issuing_distribution_point: None,
            revoked_certs: index
                .certificates
                .iter()
                .filter_map(|c| {
                    Some(RevokedCertParams {
                        serial_number: SerialNumber::from_slice(c.serial.as_bytes()),
                        revocation_time: c.revoked_at?,
                        reason_code: None,
                        invalidity_date: None,
                    })
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl_pem = params.signed_by(&self.issuer)?.pem()?;
        self.save_index(index)?;
        files::replace(&self.crl_path(), crl_pem.as_bytes(), PUBLIC)?;
        self.crl_pem = crl_pem;
        Ok(())
    }

    fn save_index(&mut self, index: Index) -> Result<(), PkiError> {
        let path = self.dir.join(INDEX);
        let text = index
            .render()
            .map_err(|e| PkiError::damaged(&path, format!("cannot render: {e}")))?;
        files::replace(&path, text.as_bytes(), PRIVATE)?;
        self.index = index;
        Ok(())
    }
}

fn distinguished_name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

/// X.520 allows 64 characters in a common name; control characters would
/// garble every list that shows it.
fn check_common_name(name: &str) -> Result<(), PkiError> {
    let why = if name.trim().is_empty() {
        "it is empty"
    } else if name.chars().count() > 64 {
        "it is longer than 64 characters"
    } else if name.chars().any(char::is_control) {
        "it contains control characters"
    } else if name.trim() != name {
        "it starts or ends with a space"
    } else {
        return Ok(());
    };
    Err(PkiError::BadName {
        name: name.to_owned(),
        why,
    })
}

fn subject_alt_name(name: &str) -> Result<SanType, PkiError> {
    let bad = |why| PkiError::BadName {
        name: name.to_owned(),
        why,
    };
    match ServerName::try_from(name).map_err(|_| bad("not a DNS name or an IP address"))? {
        ServerName::IpAddress(ip) => Ok(SanType::IpAddress(std::net::IpAddr::from(ip))),
        ServerName::DnsName(dns) => Ok(SanType::DnsName(
            dns.as_ref()
                .try_into()
                .map_err(|_| bad("not a DNS name or an IP address"))?,
        )),
        _ => Err(bad("not a DNS name or an IP address")),
    }
}
