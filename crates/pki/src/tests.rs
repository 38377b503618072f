//! The CA as the office sees it: rustls's client certificate verifier (the
//! one the office listener uses), built from `ca.pem` and `crl.pem`.

use crate::{CA_CERT, CA_KEY, CRL, Ca, INDEX, IssuedClient, Kind, PkiError, Serial, Validity};
use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{CertificateError, RootCertStore};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// 2025-04-01T00:00:00Z: the tests' "now".
fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_743_465_600).unwrap()
}

fn unix(t: OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(t.unix_timestamp()).unwrap(),
    ))
}

/// A fresh folder, removed at the end of the test.
struct TestDir(PathBuf);

impl TestDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "sesshu_pki_{name}_{}_{}",
            std::process::id(),
            Serial::random()
        ));
        TestDir(dir)
    }

    fn join(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What the office does: trust `ca.pem`, refuse what `crl.pem` lists, and
/// check a client certificate at `at`.
fn office_accepts(ca_dir: &Path, cert_pem: &str, at: OffsetDateTime) -> Result<(), rustls::Error> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(ca_dir.join(CA_CERT)).unwrap())
        .unwrap();
    let crl = CertificateRevocationListDer::from_pem_file(ca_dir.join(CRL)).unwrap();
    let verifier = WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .with_crls([crl])
    .build()
    .unwrap();
    let cert = CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap();
    verifier
        .verify_client_cert(&cert, &[], unix(at))
        .map(|_| ())
}

fn refused_because(result: Result<(), rustls::Error>) -> CertificateError {
    match result {
        Err(rustls::Error::InvalidCertificate(e)) => e,
        other => panic!("expected a refused certificate, got {other:?}"),
    }
}

fn year() -> Validity {
    Validity::days(now(), 365)
}

#[test]
fn a_ca_is_created_with_a_private_key_and_never_overwritten() {
    let dir = TestDir::new("create");
    let ca = Ca::create(&dir.0, "Sesshu Office CA", now()).unwrap();

    let mode = std::fs::metadata(dir.join(CA_KEY))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "ca.key is readable by its owner only");
    for file in [CA_CERT, INDEX, CRL] {
        assert!(dir.join(file).exists(), "{file} is written");
    }
    assert_eq!(ca.crl_number(), 1);
    assert!(ca.issued().is_empty());
    assert!(ca.crl_pem().starts_with("-----BEGIN X509 CRL-----"));

    let before = std::fs::read(dir.join(CA_CERT)).unwrap();
    let again = Ca::create(&dir.0, "Another CA", now()).unwrap_err();
    assert!(matches!(again, PkiError::CaExists { .. }), "{again}");
    assert_eq!(std::fs::read(dir.join(CA_CERT)).unwrap(), before);

    // A key alone is a CA too: its certificate may be elsewhere.
    let other = TestDir::new("create_key_only");
    std::fs::create_dir_all(&other.0).unwrap();
    std::fs::write(other.join(CA_KEY), "x").unwrap();
    let refused = Ca::create(&other.0, "CA", now()).unwrap_err();
    assert!(
        matches!(refused, PkiError::CaExists { file: CA_KEY, .. }),
        "{refused}"
    );

    let opened = Ca::open(&dir.0).unwrap();
    assert_eq!(opened.cert_pem(), ca.cert_pem());
    assert_eq!(opened.crl_number(), 1);
}

#[test]
fn a_ca_does_not_open_with_the_key_of_another() {
    let one = TestDir::new("open_one");
    let two = TestDir::new("open_two");
    Ca::create(&one.0, "One", now()).unwrap();
    Ca::create(&two.0, "Two", now()).unwrap();
    std::fs::copy(two.join(CA_KEY), one.join(CA_KEY)).unwrap();
    let err = Ca::open(&one.0).unwrap_err();
    assert!(matches!(err, PkiError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains("ca.key"), "{err}");
}

#[test]
fn a_client_certificate_is_accepted_until_it_is_revoked() {
    let dir = TestDir::new("revoke");
    let mut ca = Ca::create(&dir.0, "Sesshu Office CA", now()).unwrap();
    let alice = ca.issue_client("Hanako Sato", year()).unwrap();
    let bob = ca.issue_client("Taro Suzuki", year()).unwrap();
    let at = now() + Duration::days(1);
    office_accepts(&dir.0, alice.cert_pem(), at).unwrap();
    office_accepts(&dir.0, bob.cert_pem(), at).unwrap();

    let revoked = ca.revoke(&alice.serial(), at).unwrap();
    assert!(!revoked.already);
    assert_eq!(revoked.entry.common_name, "Hanako Sato");
    assert_eq!(ca.crl_number(), 2);

    let err = refused_because(office_accepts(&dir.0, alice.cert_pem(), at));
    assert_eq!(err, CertificateError::Revoked);
    office_accepts(&dir.0, bob.cert_pem(), at).unwrap();

    // What the folder says after a restart.
    let mut reopened = Ca::open(&dir.0).unwrap();
    let entries = reopened.issued();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].serial, alice.serial());
    assert_eq!(entries[0].kind, Kind::Client);
    assert_eq!(entries[0].revoked_at, Some(at));
    assert_eq!(entries[1].revoked_at, None);

    // Twice is the same revocation, and a newer CRL.
    let again = reopened
        .revoke(&alice.serial(), at + Duration::days(1))
        .unwrap();
    assert!(again.already);
    assert_eq!(again.entry.revoked_at, Some(at));
    assert_eq!(reopened.crl_number(), 3);
    let err = refused_because(office_accepts(&dir.0, alice.cert_pem(), at));
    assert_eq!(err, CertificateError::Revoked);
}

#[test]
fn an_unknown_serial_cannot_be_revoked() {
    let dir = TestDir::new("unknown");
    let mut ca = Ca::create(&dir.0, "CA", now()).unwrap();
    let err = ca.revoke(&Serial::random(), now()).unwrap_err();
    assert!(matches!(err, PkiError::UnknownSerial(_)), "{err}");
    assert_eq!(ca.crl_number(), 1, "no new CRL");
}

#[test]
fn an_expired_certificate_is_refused() {
    let dir = TestDir::new("expired");
    let mut ca = Ca::create(&dir.0, "CA", now()).unwrap();
    let expired = Validity::new(now() - Duration::days(30), now() - Duration::days(1)).unwrap();
    let old = ca.issue_client("Hanako Sato", expired).unwrap();
    let err = refused_because(office_accepts(&dir.0, old.cert_pem(), now()));
    assert!(
        matches!(
            err,
            CertificateError::Expired | CertificateError::ExpiredContext { .. }
        ),
        "{err:?}"
    );
}

#[test]
fn a_certificate_of_another_ca_is_refused() {
    let ours = TestDir::new("ours");
    let theirs = TestDir::new("theirs");
    Ca::create(&ours.0, "Sesshu Office CA", now()).unwrap();
    // Same name, other key: names are not trust.
    let mut other = Ca::create(&theirs.0, "Sesshu Office CA", now()).unwrap();
    let stranger = other.issue_client("Hanako Sato", year()).unwrap();
    let err = refused_because(office_accepts(&ours.0, stranger.cert_pem(), now()));
    assert!(
        matches!(
            err,
            CertificateError::UnknownIssuer | CertificateError::BadSignature
        ),
        "{err:?}"
    );
}

#[test]
fn a_server_certificate_serves_its_names_and_is_no_client_certificate() {
    let dir = TestDir::new("server");
    let mut ca = Ca::create(&dir.0, "CA", now()).unwrap();
    let names = vec!["office.example.ac.jp".to_owned(), "192.0.2.10".to_owned()];
    let server = ca.issue_server(&names, year()).unwrap();
    assert_eq!(ca.issued()[0].kind, Kind::Server);
    assert_eq!(ca.issued()[0].common_name, "office.example.ac.jp");
    assert!(server.chain_pem().ends_with(ca.cert_pem()));

    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.cert_pem().as_bytes()).unwrap())
        .unwrap();
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .build()
    .unwrap();
    let cert = CertificateDer::from_pem_slice(server.cert_pem().as_bytes()).unwrap();
    for name in &names {
        let name = ServerName::try_from(name.as_str()).unwrap();
        verifier
            .verify_server_cert(&cert, &[], &name, &[], unix(now()))
            .unwrap();
    }
    let elsewhere = ServerName::try_from("elsewhere.example.ac.jp").unwrap();
    assert!(
        verifier
            .verify_server_cert(&cert, &[], &elsewhere, &[], unix(now()))
            .is_err()
    );

    let err = refused_because(office_accepts(&dir.0, server.cert_pem(), now()));
    assert!(
        matches!(
            err,
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. }
        ),
        "{err:?}"
    );
}

#[test]
fn names_and_validities_are_checked() {
    let dir = TestDir::new("checks");
    let mut ca = Ca::create(&dir.0, "CA", now()).unwrap();
    for bad in ["", " Hanako", "Hanako\n", &"x".repeat(65)] {
        assert!(matches!(
            ca.issue_client(bad, year()),
            Err(PkiError::BadName { .. })
        ));
    }
    assert!(matches!(
        ca.issue_server(&[], year()),
        Err(PkiError::BadName { .. })
    ));
    assert!(matches!(
        ca.issue_server(&["not a host".to_owned()], year()),
        Err(PkiError::BadName { .. })
    ));
    assert!(matches!(
        Validity::new(now(), now()),
        Err(PkiError::BadValidity { .. })
    ));
    assert!(matches!(
        ca.issue_client("Hanako Sato", Validity::days(now(), 20 * 365)),
        Err(PkiError::OutlivesCa { .. })
    ));
    assert!(ca.issued().is_empty(), "nothing refused is recorded");
}

#[test]
fn a_serial_reads_as_openssl_writes_it() {
    let serial = Serial::random();
    let hex = serial.to_string();
    assert_eq!(hex.len(), 32);
    let openssl_style = hex
        .to_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|pair| std::str::from_utf8(pair).unwrap())
        .collect::<Vec<_>>()
        .join(":");
    assert_eq!(openssl_style.parse::<Serial>().unwrap(), serial);
    assert_eq!(hex.parse::<Serial>().unwrap(), serial);
    assert!("1234".parse::<Serial>().is_err());
    assert!("zz".repeat(16).parse::<Serial>().is_err());
}

fn issue_one(dir: &TestDir) -> (Ca, IssuedClient) {
    let mut ca = Ca::create(&dir.0, "Sesshu Office CA", now()).unwrap();
    let client = ca.issue_client("Hanako Sato", year()).unwrap();
    (ca, client)
}

#[test]
fn the_pkcs12_file_opens_with_its_password_only() {
    let dir = TestDir::new("p12");
    let (ca, client) = issue_one(&dir);
    let password = crate::random_password();
    assert_eq!(password.chars().count(), 20);
    let p12 = client.to_pkcs12(&password).unwrap();

    let store = KeyStore::from_pkcs12(&p12, &password, Pkcs12ImportPolicy::Strict).unwrap();
    let (alias, chain) = store.private_key_chain().unwrap();
    assert_eq!(alias, "Hanako Sato");
    let key =
        rustls::pki_types::PrivateKeyDer::from_pem_slice(client.key_pem().as_bytes()).unwrap();
    assert_eq!(chain.key().as_der(), key.secret_der());
    let certs: Vec<&[u8]> = chain.certs().iter().map(|c| c.as_der()).collect();
    let leaf = CertificateDer::from_pem_slice(client.cert_pem().as_bytes()).unwrap();
    let root = CertificateDer::from_pem_slice(ca.cert_pem().as_bytes()).unwrap();
    assert_eq!(certs, vec![leaf.as_ref(), root.as_ref()]);

    assert!(KeyStore::from_pkcs12(&p12, "wrong password", Pkcs12ImportPolicy::Strict).is_err());
    assert!(matches!(client.to_pkcs12(""), Err(PkiError::EmptyPassword)));
}

/// OpenSSL 3 stands in for the browsers (and is what nginx uses). These
/// checks are skipped, with a note, only where there is no `openssl`.
fn openssl() -> Option<Command> {
    match Command::new("openssl").arg("version").output() {
        Ok(out) if out.status.success() => Some(Command::new("openssl")),
        _ => {
            eprintln!("no openssl binary: the OpenSSL checks are skipped");
            None
        }
    }
}

#[test]
fn openssl_reads_the_pkcs12_file() {
    let dir = TestDir::new("p12_openssl");
    let (_, client) = issue_one(&dir);
    let file = dir.join("hanako.p12");
    std::fs::write(&file, client.to_pkcs12("correct horse").unwrap()).unwrap();
    let Some(mut openssl) = openssl() else { return };
    let out = openssl
        .args(["pkcs12", "-in"])
        .arg(&file)
        .args(["-passin", "pass:correct horse", "-nokeys"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let certs = String::from_utf8_lossy(&out.stdout);
    assert_eq!(certs.matches("BEGIN CERTIFICATE").count(), 2, "{certs}");

    // The key too, and with which scheme (no legacy RC2 or 3DES).
    let out = Command::new("openssl")
        .args(["pkcs12", "-info", "-nodes", "-in"])
        .arg(&file)
        .args(["-passin", "pass:correct horse"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("BEGIN PRIVATE KEY"));
    let info = String::from_utf8_lossy(&out.stderr);
    assert!(info.contains("MAC: sha256"), "{info}");
    assert!(
        info.contains("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC"),
        "{info}"
    );
    assert!(!info.contains("RC2") && !info.contains("3DES"), "{info}");

    let wrong = Command::new("openssl")
        .args(["pkcs12", "-nokeys", "-in"])
        .arg(&file)
        .args(["-passin", "pass:wrong"])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
}

#[test]
fn openssl_checks_the_crl_as_nginx_would() {
    let dir = TestDir::new("crl_openssl");
    Ca::create(&dir.0, "Sesshu Office CA", now()).unwrap();
    // Issued and revoked by the CA as read back from its folder.
    let mut ca = Ca::open(&dir.0).unwrap();
    let client = ca.issue_client("Hanako Sato", year()).unwrap();
    let cert = dir.join("hanako.pem");
    std::fs::write(&cert, client.cert_pem()).unwrap();
    let Some(_) = openssl() else { return };
    let verify = || {
        Command::new("openssl")
            .args(["verify", "-crl_check", "-attime"])
            .arg((now() + Duration::days(1)).unix_timestamp().to_string())
            .arg("-CAfile")
            .arg(dir.join(CA_CERT))
            .arg("-CRLfile")
            .arg(dir.join(CRL))
            .arg(&cert)
            .output()
            .unwrap()
    };
    let out = verify();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    ca.revoke(&client.serial(), now() + Duration::hours(1))
        .unwrap();
    let out = verify();
    assert!(!out.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("certificate revoked"), "{said}");
}

/// NSS is what Firefox, and Chrome on Linux, import with. Skipped, with a
/// note, where its tools (Debian: libnss3-tools) are not installed.
#[test]
fn nss_imports_the_pkcs12_file() {
    let dir = TestDir::new("p12_nss");
    let (_, client) = issue_one(&dir);
    let file = dir.join("hanako.p12");
    std::fs::write(&file, client.to_pkcs12("correct horse").unwrap()).unwrap();
    let nss = dir.join("nssdb");
    std::fs::create_dir_all(&nss).unwrap();
    let db = format!("sql:{}", nss.display());
    let created = Command::new("certutil")
        .args(["-N", "--empty-password", "-d", &db])
        .output();
    if !created.as_ref().is_ok_and(|out| out.status.success()) {
        eprintln!("no NSS certutil/pk12util: the NSS import check is skipped");
        return;
    }
    let import = |password: &str| {
        Command::new("pk12util")
            .args(["-d", &db, "-W", password, "-i"])
            .arg(&file)
            .output()
            .unwrap()
    };
    assert!(!import("wrong").status.success());
    let out = import("correct horse");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys = Command::new("certutil")
        .args(["-K", "-d", &db])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&keys.stdout).contains("Hanako Sato"));
}
