//! `sesshu certs`: the back office's CA (docs/deploy.md). Run it where the
//! CA folder lives, the operator's machine; the office gets `ca.pem`,
//! `crl.pem` and its own server certificate, never `ca.key`.

use anyhow::Context;
use clap::Subcommand;
use sesshu_domain::{Clock, SystemClock};
use sesshu_pki::{Ca, Kind, OffsetDateTime, Serial, Validity};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Create a CA in DIR: ca.pem, ca.key (mode 0600), index.toml, an empty
    /// crl.pem. A folder that holds a CA already is refused.
    Init {
        #[arg(long)]
        dir: PathBuf,
        /// The CA's common name, e.g. "Sesshu Office CA, Example University".
        #[arg(long)]
        name: String,
    },
    /// Issue a person's client certificate as a PKCS#12 file for the browser.
    IssueClient {
        #[arg(long)]
        dir: PathBuf,
        /// The common name: who holds it.
        #[arg(long)]
        name: String,
        /// The .p12 file to write (mode 0600; an existing file is refused).
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..))]
        days: u32,
        /// The file's password, from the first line of this file; without
        /// it a password is made up and shown once.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Issue the office listener's server certificate.
    IssueServer {
        #[arg(long)]
        dir: PathBuf,
        /// DNS names or IP addresses the office is reached at (the first is
        /// also the common name).
        #[arg(long = "name", required = true, num_args = 1..)]
        names: Vec<String>,
        /// The certificate (PEM) to write.
        #[arg(long)]
        cert_out: PathBuf,
        /// The private key (PKCS#8 PEM, mode 0600) to write.
        #[arg(long)]
        key_out: PathBuf,
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..))]
        days: u32,
    },
    /// Revoke a certificate and write the new crl.pem.
    Revoke {
        #[arg(long)]
        dir: PathBuf,
        /// The serial number, as `list` shows it (OpenSSL's 5C:1F:… works too).
        #[arg(long)]
        serial: Serial,
    },
    /// List the certificates issued.
    List {
        #[arg(long)]
        dir: PathBuf,
    },
}

/// What a command changed, for the caller's audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertsOutcome {
    Created {
        dir: PathBuf,
        common_name: String,
    },
    Issued {
        kind: Kind,
        serial: Serial,
        common_name: String,
    },
    Revoked {
        serial: Serial,
        common_name: String,
        /// Revoked before: only the CRL was written again.
        already: bool,
    },
    Listed,
}

#[allow(clippy::print_stdout)] // a command's report is its output
pub fn run(command: CertsCommand) -> anyhow::Result<CertsOutcome> {
    match command {
        CertsCommand::Init { dir, name } => {
            let ca = Ca::create(&dir, &name, now()?)?;
            println!(
                "CA {name:?} created in {}, valid until {}:",
                dir.display(),
                ca.not_after().date()
            );
            println!(
                "  {}  its private key: keep this folder on the operator's machine, never on the office server",
                dir.join(sesshu_pki::CA_KEY).display()
            );
            println!(
                "  {}  the office's client_ca",
                dir.join(sesshu_pki::CA_CERT).display()
            );
            println!("  {}  the office's client_crl", ca.crl_path().display());
            Ok(CertsOutcome::Created {
                dir,
                common_name: name,
            })
        }
        CertsCommand::IssueClient {
            dir,
            name,
            out,
            days,
            password_file,
        } => {
            let (password, made_up) = match password_file {
                Some(file) => (read_password(&file)?, false),
                None => (sesshu_pki::random_password(), true),
            };
            refuse_existing(&out)?;
            let mut ca = open(&dir)?;
            let client = ca.issue_client(&name, Validity::days(now()?, days))?;
            let p12 = client.to_pkcs12(&password)?;
            write_new(&out, &p12, 0o600)?;
            println!(
                "client certificate for {name:?} issued, serial {}",
                client.serial()
            );
            println!(
                "  {} (PKCS#12: key, certificate and CA certificate; mode 0600)",
                out.display()
            );
            if made_up {
                println!("  PKCS#12 password (shown only now, not stored): {password}");
            }
            println!("Hand the file and the password over separately.");
            Ok(CertsOutcome::Issued {
                kind: Kind::Client,
                serial: client.serial(),
                common_name: name,
            })
        }
        CertsCommand::IssueServer {
            dir,
            names,
            cert_out,
            key_out,
            days,
        } => {
            anyhow::ensure!(
                cert_out != key_out,
                "--cert-out and --key-out are the same file"
            );
            refuse_existing(&cert_out)?;
            refuse_existing(&key_out)?;
            let mut ca = open(&dir)?;
            let server = ca.issue_server(&names, Validity::days(now()?, days))?;
            write_new(&key_out, server.key_pem().as_bytes(), 0o600)?;
            write_new(&cert_out, server.cert_pem().as_bytes(), 0o644)?;
            println!(
                "server certificate for {} issued, serial {}",
                names.join(", "),
                server.serial()
            );
            println!("  {}  the office's tls_cert", cert_out.display());
            println!("  {}  the office's tls_key (mode 0600)", key_out.display());
            Ok(CertsOutcome::Issued {
                kind: Kind::Server,
                serial: server.serial(),
                common_name: names.first().cloned().unwrap_or_default(),
            })
        }
        CertsCommand::Revoke { dir, serial } => {
            let mut ca = open(&dir)?;
            let revoked = ca.revoke(&serial, now()?)?;
            let entry = &revoked.entry;
            if revoked.already {
                println!(
                    "{} ({:?}) was revoked already, on {}; the CRL is written again",
                    serial,
                    entry.common_name,
                    entry
                        .revoked_at
                        .map(|t| t.date().to_string())
                        .unwrap_or_default()
                );
            } else {
                println!("{} {serial} ({:?}) revoked", entry.kind, entry.common_name);
            }
            println!(
                "new CRL (number {}): {}",
                ca.crl_number(),
                ca.crl_path().display()
            );
            println!(
                "Copy it over the office's client_crl file: the office re-reads it when it changes."
            );
            Ok(CertsOutcome::Revoked {
                serial,
                common_name: entry.common_name.clone(),
                already: revoked.already,
            })
        }
        CertsCommand::List { dir } => {
            let ca = open(&dir)?;
            println!(
                "{:<32}  {:<6}  {:<11}  {:<10}  common name",
                "serial", "kind", "valid until", "revoked"
            );
            for entry in ca.issued() {
                let revoked = entry
                    .revoked_at
                    .map(|t| t.date().to_string())
                    .unwrap_or_else(|| "-".to_owned());
                println!(
                    "{:<32}  {:<6}  {:<11}  {:<10}  {}",
                    entry.serial.to_string(),
                    entry.kind.to_string(),
                    entry.not_after.date().to_string(),
                    revoked,
                    entry.common_name
                );
            }
            println!(
                "{} certificates; CRL number {}",
                ca.issued().len(),
                ca.crl_number()
            );
            Ok(CertsOutcome::Listed)
        }
    }
}

fn now() -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(SystemClock.now().timestamp())
        .context("the system clock is out of range")
}

fn open(dir: &Path) -> anyhow::Result<Ca> {
    Ca::open(dir).with_context(|| format!("no usable CA in {}", dir.display()))
}

/// The first line of `file`, without its line break.
fn read_password(file: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the password file {}", file.display()))?;
    let password = text.lines().next().unwrap_or_default().to_owned();
    anyhow::ensure!(
        !password.is_empty(),
        "the password file {} is empty",
        file.display()
    );
    Ok(password)
}

/// Checked before issuing, so that a certificate is not recorded as issued
/// and then lost for want of a place to write it.
fn refuse_existing(path: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        !path.exists(),
        "{} exists: remove it first, or choose another file",
        path.display()
    );
    Ok(())
}

/// Creates `path` with `mode` from the start (a key is never readable by
/// others, not even for a moment).
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    struct TestDir(PathBuf);

    impl Drop for TestDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_operator_creates_issues_revokes_and_lists() {
        let work =
            TestDir(std::env::temp_dir().join(format!("sesshu_certs_cli_{}", std::process::id())));
        std::fs::create_dir_all(&work.0).unwrap();
        let dir = work.0.join("ca");
        let outcome = run(CertsCommand::Init {
            dir: dir.clone(),
            name: "Sesshu Office CA".to_owned(),
        })
        .unwrap();
        assert!(matches!(outcome, CertsOutcome::Created { .. }));

        let password = work.0.join("password");
        std::fs::write(&password, "correct horse\n").unwrap();
        let p12 = work.0.join("hanako.p12");
        let issue = |out: &Path| CertsCommand::IssueClient {
            dir: dir.clone(),
            name: "Hanako Sato".to_owned(),
            out: out.to_owned(),
            days: 30,
            password_file: Some(password.clone()),
        };
        let CertsOutcome::Issued {
            kind: Kind::Client,
            serial,
            common_name,
        } = run(issue(&p12)).unwrap()
        else {
            panic!("not issued")
        };
        assert_eq!(common_name, "Hanako Sato");
        assert_eq!(mode(&p12), 0o600);
        assert!(
            run(issue(&p12)).is_err(),
            "an existing file is not overwritten"
        );

        let (cert, key) = (work.0.join("office.pem"), work.0.join("office.key"));
        let outcome = run(CertsCommand::IssueServer {
            dir: dir.clone(),
            names: vec!["office.example.ac.jp".to_owned(), "127.0.0.1".to_owned()],
            cert_out: cert.clone(),
            key_out: key.clone(),
            days: 90,
        })
        .unwrap();
        assert!(matches!(
            outcome,
            CertsOutcome::Issued {
                kind: Kind::Server,
                ..
            }
        ));
        assert_eq!(mode(&key), 0o600);
        assert!(
            std::fs::read_to_string(&cert)
                .unwrap()
                .starts_with("-----BEGIN CERTIFICATE-----")
        );

        let revoke = || CertsCommand::Revoke {
            dir: dir.clone(),
            serial,
        };
        assert_eq!(
            run(revoke()).unwrap(),
            CertsOutcome::Revoked {
                serial,
                common_name: "Hanako Sato".to_owned(),
                already: false,
            }
        );
        assert!(matches!(
            run(revoke()).unwrap(),
            CertsOutcome::Revoked { already: true, .. }
        ));
        assert_eq!(
            run(CertsCommand::List { dir: dir.clone() }).unwrap(),
            CertsOutcome::Listed
        );

        let ca = Ca::open(&dir).unwrap();
        assert_eq!(ca.issued().len(), 2);
        assert!(ca.issued()[0].revoked_at.is_some());
        assert_eq!(ca.crl_number(), 3);

        let empty = work.0.join("empty");
        std::fs::write(&empty, "\n").unwrap();
        let refused = run(CertsCommand::IssueClient {
            dir: dir.clone(),
            name: "Taro Suzuki".to_owned(),
            out: work.0.join("taro.p12"),
            days: 30,
            password_file: Some(empty),
        });
        assert!(refused.is_err());
        assert_eq!(Ca::open(&dir).unwrap().issued().len(), 2, "nothing issued");
    }

    #[test]
    fn the_command_line_parses() {
        use clap::Parser;
        #[derive(Debug, Parser)]
        struct Cli {
            #[command(subcommand)]
            command: CertsCommand,
        }
        let cli = Cli::try_parse_from([
            "certs",
            "issue-server",
            "--dir",
            "ca",
            "--name",
            "office.example.ac.jp",
            "192.0.2.10",
            "--name",
            "office",
            "--cert-out",
            "c.pem",
            "--key-out",
            "k.pem",
        ])
        .unwrap();
        let CertsCommand::IssueServer { names, days, .. } = cli.command else {
            panic!("not issue-server")
        };
        assert_eq!(names, ["office.example.ac.jp", "192.0.2.10", "office"]);
        assert_eq!(days, 365);
        assert!(
            Cli::try_parse_from(["certs", "revoke", "--dir", "ca", "--serial", "nope"]).is_err()
        );
        assert!(
            Cli::try_parse_from([
                "certs",
                "issue-client",
                "--dir",
                "ca",
                "--name",
                "x",
                "--out",
                "x.p12",
                "--days",
                "0"
            ])
            .is_err()
        );
    }
}
