//! Configuration: defaults, then a TOML file, then `SESSHU_*` environment
//! variables (e.g. `SESSHU_DATABASE_URL`, `SESSHU_LISTEN`).

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::SecretString;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

mod mail;
mod rush;

pub use mail::MailConfig;
pub use rush::{AdmissionSettings, RequestLimits, Throttle};

/// A new setting needs its name in [`KEYS`] too, to be read from the
/// environment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the public process listens.
    #[serde(default = "defaults::listen")]
    pub listen: SocketAddr,
    /// `postgres://user:password@host/db`, or `sqlite://path` / a path.
    /// Kept secret: it may carry a password, and never appears in logs.
    #[serde(default = "defaults::database_url")]
    pub database_url: SecretString,
    #[serde(default = "defaults::database_max_connections")]
    pub database_max_connections: u32,
    /// The origin people reach the site at, e.g. `https://vaccine.example.ac.jp`.
    #[serde(default)]
    pub public_origin: Option<String>,
    /// Mark cookies `Secure` and send HSTS (TLS ends here or at a proxy).
    #[serde(default = "defaults::yes")]
    pub secure_cookies: bool,
    #[serde(default = "defaults::session_idle_minutes")]
    pub session_idle_minutes: i64,
    #[serde(default)]
    pub login_throttle: Throttle,
    /// How many expensive requests (logins, bookings, personal pages) the
    /// public process serves at once, and how it turns the rest away.
    #[serde(default)]
    pub admission: AdmissionSettings,
    /// Requests per client address and per session on the public API
    /// (`0` per second: no limit).
    #[serde(default)]
    pub request_limits: RequestLimits,
    /// Where the public process serves `GET /metrics` (Prometheus), e.g.
    /// `127.0.0.1:9464`: a listener of its own, off the public face. None:
    /// not served.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
    /// The reverse proxies in front of the public process (their addresses,
    /// e.g. `["127.0.0.1"]` for nginx on the same host): from them, and only
    /// from them, `X-Forwarded-For` says who the client is (docs/deploy.md).
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `text` or `json`.
    #[serde(default = "defaults::log_format")]
    pub log_format: String,
    /// Apply migrations when `serve` starts. Off for a process whose
    /// database role may not change the schema (the public process on
    /// PostgreSQL): run `sesshu migrate` as the owner instead.
    #[serde(default = "defaults::yes")]
    pub migrate_on_start: bool,
    /// The SAML service provider (GakuNin), if built with `--features saml`.
    #[serde(default)]
    pub saml: Option<SamlConfig>,
    /// The back office's keys for personal data (`sesshu keys generate`).
    #[serde(default)]
    pub vault: Option<VaultConfig>,
    /// The back office (`sesshu office`).
    #[serde(default)]
    pub office: Option<OfficeSettings>,
    /// Mail to people, sent by the back office's worker (docs/mail.md).
    #[serde(default)]
    pub mail: Option<MailConfig>,
    /// How long personal data is kept after a campaign (docs/retention.md).
    #[serde(default)]
    pub retention: RetentionConfig,
}

/// Retention (docs/retention.md): the consortium's default months, and the
/// back office's daily purge.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// The months personal data is kept after an institution's campaign
    /// ends when the institution sets none of its own (0–120).
    #[serde(default = "defaults::retention_months")]
    pub default_months: u16,
    /// Whether `sesshu office` purges every day what is past its time. Off
    /// unless set: a purge cannot be undone, so it is switched on once the
    /// campaigns' end days are set and a `sesshu retention purge --dry-run`
    /// has been read.
    #[serde(default)]
    pub daily: bool,
    /// When the daily purge runs, Asia/Tokyo `HH:MM`.
    #[serde(default = "defaults::retention_at")]
    pub at: String,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            default_months: defaults::retention_months(),
            daily: false,
            at: defaults::retention_at(),
        }
    }
}

impl RetentionConfig {
    pub fn default_months(&self) -> anyhow::Result<sesshu_domain::RetentionMonths> {
        sesshu_domain::RetentionMonths::new(self.default_months)
            .map_err(|e| anyhow::anyhow!("[retention] default_months: {e}"))
    }

    pub fn time_of_day(&self) -> anyhow::Result<chrono::NaiveTime> {
        chrono::NaiveTime::parse_from_str(&self.at, "%H:%M")
            .map_err(|_| anyhow::anyhow!("[retention] at = {:?}: HH:MM", self.at))
    }
}

/// The back office's listener: HTTPS with mandatory client certificates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeSettings {
    #[serde(default = "defaults::office_listen")]
    pub listen: SocketAddr,
    /// Plain HTTP on loopback behind a reverse proxy that verifies client
    /// certificates (docs/deploy.md); then no `tls_*`/`client_*` settings.
    #[serde(default)]
    pub behind_proxy: bool,
    /// The listener's certificate chain (PEM).
    #[serde(default)]
    pub tls_cert: Option<std::path::PathBuf>,
    /// Its private key (PEM).
    #[serde(default)]
    pub tls_key: Option<std::path::PathBuf>,
    /// The CA whose client certificates are accepted (PEM).
    #[serde(default)]
    pub client_ca: Option<std::path::PathBuf>,
    /// Revoked client certificates (PEM CRL), re-read when it changes.
    #[serde(default)]
    pub client_crl: Option<std::path::PathBuf>,
    #[serde(default = "defaults::office_idle_minutes")]
    pub session_idle_minutes: i64,
    /// The origin staff reach the office at (`https://office.example.ac.jp`):
    /// its GakuNin SP's entity ID and ACS derive from it. With `[saml]`
    /// configured and a build with SAML, administrators may log in with
    /// GakuNin.
    #[serde(default)]
    pub public_origin: Option<String>,
    /// The columns of the prefecture's list (docs/prefecture.md); default:
    /// the standard ones.
    #[serde(default)]
    pub prefecture_columns: Option<std::path::PathBuf>,
    /// The layout of the VRS file (docs/vrs.md); default: the one of
    /// docs/vrs-columns.toml. `sesshu vrs export` reads it too.
    #[serde(default)]
    pub vrs_columns: Option<std::path::PathBuf>,
    /// Where the office serves `GET /metrics` (Prometheus), plain HTTP,
    /// e.g. `127.0.0.1:9465`. None: not served.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
}

impl OfficeSettings {
    /// How the office meets its browsers: its own TLS (all of `tls_cert`,
    /// `tls_key`, `client_ca`), or behind a proxy (none of them).
    pub fn transport(&self) -> anyhow::Result<crate::app::OfficeTransport> {
        use crate::app::OfficeTransport;
        match (
            self.behind_proxy,
            &self.tls_cert,
            &self.tls_key,
            &self.client_ca,
        ) {
            (false, Some(cert), Some(key), Some(client_ca)) => {
                Ok(OfficeTransport::Tls(sesshu_office::tls::TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                    client_ca: client_ca.clone(),
                    client_crl: self.client_crl.clone(),
                }))
            }
            (true, None, None, None) if self.client_crl.is_none() => {
                Ok(OfficeTransport::BehindProxy)
            }
            (true, ..) => anyhow::bail!(
                "[office] behind_proxy = true: the proxy does TLS; remove tls_cert, tls_key, \
                 client_ca and client_crl"
            ),
            (false, ..) => anyhow::bail!(
                "[office] needs tls_cert, tls_key and client_ca (or behind_proxy = true, see \
                 docs/deploy.md)"
            ),
        }
    }

    pub fn office_config(&self) -> anyhow::Result<sesshu_office::OfficeConfig> {
        use anyhow::Context;
        let prefecture = match &self.prefecture_columns {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("[office] prefecture_columns {}", path.display()))?;
                sesshu_operations::prefecture::PrefectureColumns::parse(&text).map_err(|e| {
                    anyhow::anyhow!("[office] prefecture_columns {}: {e}", path.display())
                })?
            }
            None => sesshu_operations::prefecture::PrefectureColumns::standard(),
        };
        let vrs = match &self.vrs_columns {
            Some(path) => {
                read_vrs_columns(path).map_err(|e| anyhow::anyhow!("[office] vrs_columns {e:#}"))?
            }
            None => sesshu_operations::vrs::VrsColumns::standard(),
        };
        Ok(sesshu_office::OfficeConfig {
            session_idle_minutes: self.session_idle_minutes,
            mail: None,
            prefecture,
            vrs,
        })
    }
}

/// Reads a VRS layout file (docs/vrs.md); an error names the file, then
/// the line and column.
pub fn read_vrs_columns(
    path: &std::path::Path,
) -> anyhow::Result<sesshu_operations::vrs::VrsColumns> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    sesshu_operations::vrs::VrsColumns::parse(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Where the vault keys are. The public process needs only the public key;
/// the back office (and commands that read personal data) the private one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultConfig {
    pub public_key_file: std::path::PathBuf,
    #[serde(default)]
    pub private_key_file: Option<std::path::PathBuf>,
}

impl VaultConfig {
    pub fn sealing_key(&self) -> anyhow::Result<sesshu_vault::SealingKey> {
        use anyhow::Context;
        let text = std::fs::read_to_string(&self.public_key_file)
            .with_context(|| format!("vault public key {}", self.public_key_file.display()))?;
        sesshu_vault::SealingKey::from_text(&text)
            .with_context(|| format!("vault public key {}", self.public_key_file.display()))
    }

    pub fn opening_key(&self) -> anyhow::Result<sesshu_vault_open::OpeningKey> {
        use anyhow::Context;
        let path = self
            .private_key_file
            .as_ref()
            .context("[vault] private_key_file is needed here (the back office's key)")?;
        sesshu_vault_open::OpeningKey::read(path)
            .with_context(|| format!("vault private key {}", path.display()))
    }
}

/// The SP's key and certificate (PEM). The entity ID and ACS URL follow
/// from `public_origin`: `{origin}/saml/metadata`, `{origin}/saml/acs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlConfig {
    pub key_file: std::path::PathBuf,
    pub cert_file: std::path::PathBuf,
}

mod defaults {
    use secrecy::SecretString;
    use std::net::SocketAddr;

    /// One year: what the consortium's consent texts promise unless an
    /// institution's says otherwise.
    pub fn retention_months() -> u16 {
        12
    }

    pub fn retention_at() -> String {
        "03:30".to_owned()
    }

    pub fn listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8080))
    }
    pub fn database_url() -> SecretString {
        SecretString::from("sesshu-data/sesshu.sqlite")
    }
    pub fn database_max_connections() -> u32 {
        16
    }
    pub fn yes() -> bool {
        true
    }
    pub fn session_idle_minutes() -> i64 {
        60
    }
    pub fn log_format() -> String {
        "text".into()
    }
    pub fn office_listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8443))
    }
    pub fn office_idle_minutes() -> i64 {
        30
    }
}

/// The top-level settings, as `SESSHU_<KEY>` reads them.
const KEYS: [&str; 18] = [
    "listen",
    "database_url",
    "database_max_connections",
    "public_origin",
    "secure_cookies",
    "session_idle_minutes",
    "login_throttle",
    "admission",
    "request_limits",
    "metrics_listen",
    "trusted_proxies",
    "log_format",
    "saml",
    "vault",
    "migrate_on_start",
    "office",
    "mail",
    "retention",
];

impl Config {
    /// Defaults, overridden by `file` (if given), overridden by `SESSHU_*`.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::new();
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        // Only the variables that name a setting: others may share the
        // prefix (the test scripts' SESSHU_TEST_*), and a typo in the file is
        // still an error.
        let env = Env::prefixed("SESSHU_").split("__").filter(|key| {
            let top = key.as_str().split('.').next().unwrap_or_default();
            KEYS.iter().any(|k| top.eq_ignore_ascii_case(k))
        });
        figment.merge(env).extract().map_err(Box::new)
    }

    pub fn web(&self) -> sesshu_web::WebConfig {
        sesshu_web::WebConfig {
            secure_cookies: self.secure_cookies,
            session_idle_minutes: self.session_idle_minutes,
            public_origin: self.public_origin.clone(),
            trusted_proxies: self.trusted_proxies.clone(),
            admission: self.admission.limits(),
            login_admission: self.admission.login_limits(),
            request_limits: self.request_limits.settings(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail decides the closures' type
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    // Each test runs in a figment `Jail`: its own directory and environment,
    // one test at a time, since the environment is the process's.

    #[test]
    fn a_file_overrides_defaults_and_the_url_never_prints() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "sesshu.toml",
                "listen = \"0.0.0.0:9000\"\ndatabase_url = \"postgres://u:hunter2@db/sesshu\"\n\
                 [login_throttle]\nfailures_per_account = 3\n",
            )?;
            let config = Config::load(Some(Path::new("sesshu.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(config.listen.port(), 9000);
            assert_eq!(config.login_throttle.failures_per_account, 3);
            assert_eq!(config.login_throttle.failures_per_address, 50);
            assert!(config.database_url.expose_secret().contains("hunter2"));
            assert!(!format!("{config:?}").contains("hunter2"));
            Ok(())
        });
    }

    #[test]
    fn other_variables_with_the_prefix_are_ignored_and_settings_are_read() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SESSHU_TEST_POSTGRES_URL", "postgres://elsewhere/test");
            jail.set_env("SESSHU_LISTEN", "127.0.0.1:9191");
            jail.set_env("SESSHU_LOGIN_THROTTLE__FAILURES_PER_ADDRESS", "7");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(config.listen.port(), 9191);
            assert_eq!(config.login_throttle.failures_per_address, 7);
            Ok(())
        });
    }

    #[test]
    fn voucher_reminders_default_to_three_days_then_weekly_twice_and_are_checked() {
        figment::Jail::expect_with(|jail| {
            let mail = "[mail]\nfrom = \"vaccine@example.ac.jp\"\noutbox = \"out\"\n";
            jail.create_file("default.toml", mail)?;
            let config =
                Config::load(Some(Path::new("default.toml"))).map_err(|e| e.to_string())?;
            let plan = config.mail.as_ref().unwrap().voucher_reminders().unwrap();
            assert_eq!(
                plan,
                sesshu_store::ReminderPlan {
                    first_after_days: 3,
                    every_days: 7,
                    max: 2
                }
            );
            jail.create_file(
                "set.toml",
                &format!(
                    "{mail}voucher_reminder_first_days = 5\nvoucher_reminder_every_days = 14\n\
                     voucher_reminder_max = 0\n"
                ),
            )?;
            let config = Config::load(Some(Path::new("set.toml"))).map_err(|e| e.to_string())?;
            let mail_config = config.mail.as_ref().unwrap();
            let settings = mail_config.worker("https://vaccine.example.ac.jp").unwrap();
            assert_eq!(
                settings.voucher_reminders,
                sesshu_store::ReminderPlan {
                    first_after_days: 5,
                    every_days: 14,
                    max: 0
                },
                "0: off"
            );
            for (line, name) in [
                (
                    "voucher_reminder_first_days = 0",
                    "voucher_reminder_first_days",
                ),
                (
                    "voucher_reminder_every_days = 400",
                    "voucher_reminder_every_days",
                ),
                ("voucher_reminder_max = 11", "voucher_reminder_max"),
            ] {
                jail.create_file("bad.toml", &format!("{mail}{line}\n"))?;
                let config =
                    Config::load(Some(Path::new("bad.toml"))).map_err(|e| e.to_string())?;
                let error = config
                    .mail
                    .as_ref()
                    .unwrap()
                    .worker("https://x.example")
                    .unwrap_err();
                assert!(error.to_string().contains(name), "{line}: {error}");
            }
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("sesshu.toml", "listn = \"0.0.0.0:9000\"\n")?;
            let error = Config::load(Some(Path::new("sesshu.toml"))).unwrap_err();
            assert!(error.to_string().contains("listn"), "{error}");
            Ok(())
        });
    }
}
