//! Where mail goes: an SMTP server (STARTTLS, implicit TLS, or plain to a
//! loopback relay; optional authentication), or a folder with one `.eml`
//! file per mail (the embedded default). A failure says whether trying
//! again can help, and never names an address.

use crate::MailError;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use sesshu_domain::SecretRef;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// STARTTLS, required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// None: only to a relay on this machine.
    None,
}

/// `[mail.smtp]` of the configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Default: 587 (STARTTLS), 465 (TLS), 25 (none).
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub security: Security,
    #[serde(default)]
    pub username: Option<String>,
    /// `{ file = "/etc/sesshu/smtp.secret" }` or `{ env = "SMTP_PASSWORD" }`.
    #[serde(default)]
    pub password: Option<SecretRef>,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

fn default_timeout() -> u64 {
    20
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn read_secret(secret: &SecretRef) -> Result<String, MailError> {
    match secret {
        SecretRef::File(path) => std::fs::read_to_string(path)
            .map(|s| s.trim().to_owned())
            .map_err(|_| MailError::Settings(format!("cannot read the SMTP password file {path}"))),
        SecretRef::Env(name) => std::env::var(name)
            .map_err(|_| MailError::Settings(format!("the variable {name} is not set"))),
    }
}

/// Where the worker sends.
#[derive(Clone)]
pub enum MailTransport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl std::fmt::Debug for MailTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MailTransport::Smtp(_) => f.write_str("MailTransport::Smtp"),
            MailTransport::Folder(_, dir) => write!(f, "MailTransport::Folder({})", dir.display()),
        }
    }
}

/// The server took the mail (or the file is written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The server's reply, e.g. `250 OK queued as 4QX…`; for a folder, the file.
    pub reply: String,
}

/// A mail that did not go.
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
pub struct SendError {
    reason: String,
    permanent: bool,
    unreachable: bool,
}

impl SendError {
    /// The server refused it for good (SMTP 5xx): trying again will not help.
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }

    /// The server could not be reached (refused, timed out, TLS failed):
    /// the next mails would fail the same way.
    pub fn is_unreachable(&self) -> bool {
        self.unreachable
    }

    fn smtp(e: &lettre::transport::smtp::Error) -> Self {
        let unreachable = !e.is_response() && !e.is_permanent() && !e.is_transient();
        let reason = match e.status() {
            Some(code) => format!("{code} {}", redact(&e.to_string())),
            None if e.is_timeout() => "the mail server did not answer in time".to_owned(),
            None => redact(&e.to_string()),
        };
        Self {
            reason,
            permanent: e.is_permanent(),
            unreachable,
        }
    }
}

/// `text` with every word that holds an `@`, and every `<…>` (a bare
/// local part is often a login), replaced by `<address>`: SMTP errors quote
/// the recipient, and the reason is stored unsealed and shown.
pub fn redact(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let bracketed = word
                .find('<')
                .is_some_and(|open| word[open..].contains('>'));
            if word.contains('@') || bracketed {
                "<address>"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl MailTransport {
    pub fn smtp(config: &SmtpConfig) -> Result<Self, MailError> {
        let host = config.host.trim();
        let builder = match config.security {
            Security::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| MailError::Settings(e.to_string()))?
                .port(config.port.unwrap_or(587)),
            Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| MailError::Settings(e.to_string()))?
                .port(config.port.unwrap_or(465)),
            Security::None if is_loopback(host) => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(config.port.unwrap_or(25))
            }
            Security::None => {
                return Err(MailError::Settings(format!(
                    "security = \"none\" sends mail unencrypted: only to a relay on this \
                     machine, not to {host}"
                )));
            }
        };
        let builder = builder.timeout(Some(Duration::from_secs(config.timeout_seconds.max(1))));
        let builder = match (&config.username, &config.password) {
            (Some(user), Some(password)) => {
                builder.credentials(Credentials::new(user.clone(), read_secret(password)?))
            }
            (None, None) => builder,
            _ => {
                return Err(MailError::Settings(
                    "[mail.smtp] needs both username and password, or neither".into(),
                ));
            }
        };
        Ok(MailTransport::Smtp(builder.build()))
    }

    /// One `.eml` file per mail in `dir` (made if missing).
    pub fn folder(dir: &Path) -> Result<Self, MailError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| MailError::Settings(format!("{}: {e}", dir.display())))?;
        Ok(MailTransport::Folder(
            AsyncFileTransport::<Tokio1Executor>::new(dir),
            dir.to_path_buf(),
        ))
    }

    /// Hands `message` over: `Ok` once the server has taken it.
    pub async fn send(&self, message: &Message) -> Result<Accepted, SendError> {
        match self {
            MailTransport::Smtp(smtp) => match smtp.send(message.clone()).await {
                Ok(response) => Ok(Accepted {
                    reply: redact(&format!(
                        "{} {}",
                        response.code(),
                        response.message().collect::<Vec<_>>().join(" ")
                    )),
                }),
                Err(e) => Err(SendError::smtp(&e)),
            },
            MailTransport::Folder(folder, _) => match folder.send(message.clone()).await {
                Ok(id) => Ok(Accepted {
                    reply: format!("written {id}.eml"),
                }),
                Err(e) => Err(SendError {
                    reason: format!("the outbox folder: {e}"),
                    permanent: false,
                    unreachable: true,
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::{Envelope, Rendered, build};
    use sesshu_domain::MailAddress;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    #[test]
    fn addresses_in_server_replies_are_not_kept() {
        assert_eq!(
            redact("5.1.1 <hanako@example.ac.jp>: Recipient address rejected"),
            "5.1.1 <address> Recipient address rejected"
        );
        assert_eq!(
            redact("550 user taro.yamada@example.ac.jp\tunknown, <s1234567> too"),
            "550 user <address> <address> too"
        );
    }

    fn plain(port: u16) -> MailTransport {
        MailTransport::smtp(&SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            security: Security::None,
            username: None,
            password: None,
            timeout_seconds: 5,
        })
        .unwrap()
    }

    fn message() -> Message {
        let rendered = Rendered {
            subject: "Vaccination booking confirmed (KX7M-4QP9)".into(),
            text: "text".into(),
            html: "<p>html</p>".into(),
            ics: None,
            qr_png: None,
        };
        let envelope = Envelope {
            from: MailAddress::parse("noreply@aoba.example.ac.jp").unwrap(),
            from_name: "Aoba University".into(),
            reply_to: None,
            to: MailAddress::parse("hanako@example.ac.jp").unwrap(),
            message_id: "<sesshu-mail-7@vaccine.example.ac.jp>".into(),
        };
        build(
            &rendered,
            &envelope,
            chrono::DateTime::from_timestamp(1_796_000_000, 0).unwrap(),
        )
        .unwrap()
    }

    /// An SMTP server on loopback for one connection that answers RCPT TO
    /// with `rcpt` and DATA's end with `queued`; everything else is 250.
    async fn server(rcpt: &'static str, queued: &'static str) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 test ESMTP\r\n").await.unwrap();
            let mut in_data = false;
            while let Ok(Some(line)) = lines.next_line().await {
                let reply = if in_data {
                    if line != "." {
                        continue;
                    }
                    in_data = false;
                    queued
                } else {
                    match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                        Some("RCPT") => rcpt,
                        Some("DATA") => {
                            in_data = true;
                            "354 go on"
                        }
                        Some("QUIT") => "221 bye",
                        _ => "250 test",
                    }
                };
                write
                    .write_all(format!("{reply}\r\n").as_bytes())
                    .await
                    .unwrap();
                if reply.starts_with("221") {
                    break;
                }
            }
        });
        port
    }

    #[tokio::test]
    async fn an_accepted_mail_keeps_the_reply_without_addresses() {
        let port = server(
            "250 ok",
            "250 2.0.0 queued as 4QX9 for <hanako@example.ac.jp>",
        )
        .await;
        let accepted = plain(port).send(&message()).await.unwrap();
        assert_eq!(accepted.reply, "250 2.0.0 queued as 4QX9 for <address>");
    }

    #[tokio::test]
    async fn a_refused_recipient_is_permanent_and_not_named() {
        let port = server(
            "550 5.1.1 <hanako@example.ac.jp>: Recipient address rejected: hanako@example.ac.jp",
            "250 ok",
        )
        .await;
        let e = plain(port).send(&message()).await.unwrap_err();
        assert!(e.is_permanent(), "{e}");
        assert!(!e.is_unreachable(), "{e}");
        let shown = e.to_string();
        assert!(shown.starts_with("550"), "{shown}");
        assert!(!shown.contains('@') && !shown.contains("hanako"), "{shown}");
        assert!(!format!("{e:?}").contains("hanako"), "{e:?}");
    }

    #[tokio::test]
    async fn a_busy_server_is_transient() {
        let port = server("451 4.3.0 <hanako@example.ac.jp> try again later", "250 ok").await;
        let e = plain(port).send(&message()).await.unwrap_err();
        assert!(!e.is_permanent(), "{e}");
        assert!(!e.is_unreachable(), "{e}");
        assert!(e.to_string().starts_with("451"), "{e}");
        assert!(!e.to_string().contains("hanako"), "{e}");
    }

    #[tokio::test]
    async fn a_server_that_is_not_there_is_transient_and_unreachable() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let e = plain(port).send(&message()).await.unwrap_err();
        assert!(!e.is_permanent(), "{e}");
        assert!(e.is_unreachable(), "{e}");
    }

    #[test]
    fn plain_smtp_only_to_this_machine() {
        let config = |host: &str| SmtpConfig {
            host: host.into(),
            port: Some(2525),
            security: Security::None,
            username: None,
            password: None,
            timeout_seconds: 5,
        };
        assert!(MailTransport::smtp(&config("127.0.0.1")).is_ok());
        assert!(MailTransport::smtp(&config("localhost")).is_ok());
        assert!(MailTransport::smtp(&config("::1")).is_ok());
        let refused = MailTransport::smtp(&config("smtp.example.ac.jp")).unwrap_err();
        assert!(refused.to_string().contains("unencrypted"), "{refused}");
    }
}
