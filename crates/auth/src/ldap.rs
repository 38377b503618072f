//! LDAP: log in against an institution's directory (search, then bind as the
//! person), and write member uploads into a directory the operator hosts.
//!
//! Connections are made per operation, over `ldaps://` or `ldap://` with
//! StartTLS (plain `ldap://` only to loopback; the master refuses anything
//! else). Every operation has the institution's timeout.

use crate::{Authenticated, Missing};
use ldap3::{LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
use rustls::ClientConfig;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use sesshu_domain::{
    AttributeMapping, Institution, LdapSettings, MailAddress, Profile, SecretRef, Subject,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Why an LDAP operation failed on the server's side (not the person's).
#[derive(Debug, thiserror::Error)]
pub enum LdapFailure {
    #[error("LDAP server: {0}")]
    Server(#[from] ldap3::LdapError),
    #[error("cannot read {0}")]
    Secret(String),
    #[error("TLS settings: {0}")]
    Tls(String),
}

impl LdapFailure {
    /// A description safe for the log: no DN or value from the server,
    /// which may name the person.
    pub fn summary(&self) -> String {
        match self {
            LdapFailure::Server(ldap3::LdapError::LdapResult { result }) => {
                format!("LDAP result code {}", result.rc)
            }
            LdapFailure::Server(ldap3::LdapError::Timeout { .. }) => "timeout".to_owned(),
            LdapFailure::Server(ldap3::LdapError::Io { source }) => {
                format!("connection failed: {}", source.kind())
            }
            LdapFailure::Server(_) => "protocol or TLS failure".to_owned(),
            other => other.to_string(),
        }
    }
}

/// Reads a secret from where the master says it is.
pub fn read_secret(secret: &SecretRef) -> Result<String, LdapFailure> {
    match secret {
        SecretRef::File(path) => std::fs::read_to_string(path)
            .map(|s| s.trim().to_owned())
            .map_err(|_| LdapFailure::Secret(format!("secret file {path}"))),
        SecretRef::Env(name) => {
            std::env::var(name).map_err(|_| LdapFailure::Secret(format!("variable {name}")))
        }
    }
}

fn tls_config(ca_file: &str) -> Result<Arc<ClientConfig>, LdapFailure> {
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca_file)
        .map_err(|e| LdapFailure::Tls(format!("{ca_file}: {e}")))?;
    for cert in certs {
        let cert = cert.map_err(|e| LdapFailure::Tls(format!("{ca_file}: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| LdapFailure::Tls(format!("{ca_file}: {e}")))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| LdapFailure::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// An open connection, driven in the background until dropped.
pub(crate) struct Connection {
    pub(crate) ldap: ldap3::Ldap,
    timeout: Duration,
}

impl Connection {
    pub(crate) async fn open(settings: &LdapSettings) -> Result<Self, LdapFailure> {
        let timeout = Duration::from_secs(u64::from(settings.timeout_seconds));
        let mut conn = LdapConnSettings::new()
            .set_conn_timeout(timeout)
            .set_starttls(settings.starttls);
        if let Some(ca) = &settings.ca_file {
            conn = conn.set_config(tls_config(ca)?);
        }
        let (driver, ldap) = LdapConnAsync::with_settings(conn, settings.url.as_str()).await?;
        ldap3::drive!(driver);
        Ok(Self { ldap, timeout })
    }

    /// Binds; `Ok(false)` for wrong credentials.
    pub(crate) async fn bind(&mut self, dn: &str, password: &str) -> Result<bool, LdapFailure> {
        if password.is_empty() {
            // An empty password is an unauthenticated bind (RFC 4513 5.1.2),
            // which some servers accept: never send one.
            return Ok(false);
        }
        let result = self
            .ldap
            .with_timeout(self.timeout)
            .simple_bind(dn, password)
            .await?;
        match result.rc {
            0 => Ok(true),
            49 => Ok(false),
            _ => Err(ldap3::LdapError::from(result).into()),
        }
    }

    pub(crate) async fn bind_as(
        &mut self,
        account: &sesshu_domain::BindAccount,
    ) -> Result<(), LdapFailure> {
        let password = read_secret(&account.password)?;
        if self.bind(&account.dn, &password).await? {
            Ok(())
        } else {
            Err(LdapFailure::Secret(format!(
                "the password of {} (refused by the server)",
                account.dn
            )))
        }
    }

    pub(crate) async fn search(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<SearchEntry>, LdapFailure> {
        let (entries, _) = self
            .ldap
            .with_timeout(self.timeout)
            .search(base, scope, filter, attrs.to_vec())
            .await?
            .success()?;
        Ok(entries.into_iter().map(SearchEntry::construct).collect())
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) async fn close(mut self) {
        let _ = self.ldap.unbind().await;
    }
}

/// The attributes a login asks the directory for.
fn wanted(mapping: &AttributeMapping) -> Vec<&str> {
    let mut attrs = vec![mapping.user_type.as_str()];
    attrs.extend(
        [
            &mapping.department,
            &mapping.display_name,
            &mapping.display_name_ja,
            &mapping.name_kana,
            &mapping.mail,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str),
    );
    attrs
}

/// The values of an attribute, its name matched without regard to case
/// (`cn;lang-ja` matches `CN;lang-ja`).
fn values<'a>(attrs: &'a HashMap<String, Vec<String>>, name: &str) -> Vec<&'a str> {
    attrs
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .flat_map(|(_, v)| v.iter().map(String::as_str))
        .collect()
}

fn first(attrs: &HashMap<String, Vec<String>>, name: Option<&String>) -> Option<String> {
    name.and_then(|n| values(attrs, n).first().map(|v| (*v).to_owned()))
        .filter(|v| !v.trim().is_empty())
}

/// What a directory entry says, mapped by the institution's attribute
/// mapping.
pub(crate) fn authenticated_from(
    institution: &Institution,
    subject: Subject,
    attrs: &HashMap<String, Vec<String>>,
) -> Authenticated {
    let mapping = &institution.attributes;
    let user_type = mapping.user_type_of(values(attrs, &mapping.user_type));
    let department = mapping.department.as_ref().and_then(|d| {
        values(attrs, d)
            .into_iter()
            .find_map(|v| mapping.department_of(v))
    });
    let profile = Profile {
        display_name: first(attrs, mapping.display_name.as_ref()),
        display_name_ja: first(attrs, mapping.display_name_ja.as_ref()),
        name_kana: first(attrs, mapping.name_kana.as_ref()),
        mail: first(attrs, mapping.mail.as_ref()).and_then(|m| MailAddress::parse(&m).ok()),
    };
    let mut missing = Vec::new();
    if user_type.is_none() {
        missing.push(Missing::UserType);
    }
    if department.is_none() {
        missing.push(Missing::Department);
    }
    if profile.display_name.is_none() && profile.display_name_ja.is_none() {
        missing.push(Missing::DisplayName);
    }
    if profile.mail.is_none() {
        missing.push(Missing::Mail);
    }
    Authenticated {
        institution: institution.id,
        subject,
        reassignable: false,
        user_type,
        department,
        profile: Some(profile),
        missing,
    }
}

/// Checks a login and password against the institution's LDAP server:
/// search for the one entry the filter finds, then bind as it.
///
/// `Ok(Err(reason))` is a refusal by the person's fault (unknown login,
/// wrong password); `Err` is the server's (down, TLS, timeout).
pub async fn authenticate(
    institution: &Institution,
    settings: &LdapSettings,
    login: &str,
    password: &str,
) -> Result<Result<Authenticated, &'static str>, LdapFailure> {
    // The login is case-insensitive in LDAP; one person, one subject.
    let login = login.trim().to_lowercase();
    let Ok(subject) = Subject::parse(&login) else {
        return Ok(Err("malformed login"));
    };
    if password.is_empty() {
        return Ok(Err("empty password"));
    }
    let mut conn = Connection::open(settings).await?;
    if let Some(account) = &settings.search_as {
        conn.bind_as(account).await?;
    }
    let filter = settings
        .filter
        .with_escaped_login(&ldap3::ldap_escape(login.as_str()));
    let mut entries = conn
        .search(
            &settings.base,
            Scope::Subtree,
            &filter,
            &wanted(&institution.attributes),
        )
        .await?;
    let entry = match entries.len() {
        0 => {
            conn.close().await;
            return Ok(Err("unknown login"));
        }
        1 => entries.remove(0),
        _ => {
            conn.close().await;
            return Ok(Err("ambiguous login: the filter finds several entries"));
        }
    };
    let bound = conn.bind(&entry.dn, password).await?;
    conn.close().await;
    if !bound {
        return Ok(Err("wrong password"));
    }
    Ok(Ok(authenticated_from(institution, subject, &entry.attrs)))
}
