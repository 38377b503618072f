//! How an institution's people log in, and how what their login says maps to
//! Sesshu's attributes. Part of the institution master; plain data, checked
//! when it is parsed (a value that exists here is valid).

use crate::{DepartmentCode, ParseError, UserType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The login of an institution.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase", deny_unknown_fields)]
pub enum LoginMethod {
    /// Sesshu's built-in member directory (Argon2id hashes).
    #[default]
    Builtin,
    /// The institution's LDAP server (or one the operator hosts for it).
    Ldap(LdapSettings),
    /// GakuNin: the institution's SAML identity provider.
    Saml(SamlSettings),
}

impl LoginMethod {
    /// Whether people type a login and password into Sesshu's form.
    pub fn uses_password_form(&self) -> bool {
        matches!(self, LoginMethod::Builtin | LoginMethod::Ldap(_))
    }

    pub fn name(&self) -> &'static str {
        match self {
            LoginMethod::Builtin => "builtin",
            LoginMethod::Ldap(_) => "ldap",
            LoginMethod::Saml(_) => "saml",
        }
    }
}

/// An `ldap://` or `ldaps://` URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LdapUrl(String);

impl LdapUrl {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let rest = s
            .strip_prefix("ldaps://")
            .or_else(|| s.strip_prefix("ldap://"))
            .ok_or_else(|| ParseError::new("LDAP URL", "must start with ldap:// or ldaps://"))?;
        let host = rest.split(['/', '?']).next().unwrap_or_default();
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ParseError::new("LDAP URL", "must name a host"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_ldaps(&self) -> bool {
        self.0.starts_with("ldaps://")
    }

    /// The host of the URL, without port.
    pub fn host(&self) -> &str {
        let rest = self
            .0
            .trim_start_matches("ldaps://")
            .trim_start_matches("ldap://");
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        if let Some(v6) = authority.strip_prefix('[') {
            return v6.split(']').next().unwrap_or_default();
        }
        authority.split(':').next().unwrap_or_default()
    }

    /// Plain `ldap://` to this host is acceptable without StartTLS: only
    /// the loopback interface, where nothing crosses a network.
    pub fn is_loopback(&self) -> bool {
        matches!(self.host(), "127.0.0.1" | "::1" | "localhost")
    }
}

impl TryFrom<String> for LdapUrl {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<LdapUrl> for String {
    fn from(u: LdapUrl) -> String {
        u.0
    }
}

/// An LDAP search filter with one `{login}` placeholder, e.g. `(uid={login})`.
/// The login is escaped (RFC 4515) before it replaces the placeholder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FilterTemplate(String);

impl FilterTemplate {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if s.matches("{login}").count() != 1 {
            return Err(ParseError::new(
                "LDAP filter",
                "must contain {login} exactly once, e.g. (uid={login})",
            ));
        }
        let mut depth: i32 = 0;
        for c in s.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth < 0 {
                break;
            }
        }
        if !s.starts_with('(') || depth != 0 {
            return Err(ParseError::new(
                "LDAP filter",
                "must be one parenthesised filter with balanced parentheses",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The filter for a login that is already escaped for LDAP filters.
    pub fn with_escaped_login(&self, escaped: &str) -> String {
        self.0.replace("{login}", escaped)
    }
}

impl Default for FilterTemplate {
    fn default() -> Self {
        Self("(uid={login})".to_owned())
    }
}

impl TryFrom<String> for FilterTemplate {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<FilterTemplate> for String {
    fn from(f: FilterTemplate) -> String {
        f.0
    }
}

/// Where a secret (an LDAP bind password) is read from at start-up. The
/// master never holds the secret itself, so exports and the database don't.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SecretRef {
    /// A file readable only by Sesshu (mode 0600); surrounding whitespace is trimmed.
    File(String),
    /// An environment variable.
    Env(String),
}

/// An account Sesshu binds as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindAccount {
    pub dn: String,
    pub password: SecretRef,
}

/// A directory the operator hosts for an institution without one: member
/// uploads are written into it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostedDirectory {
    /// Where member entries live, e.g. `ou=people,dc=aoba,dc=example`.
    pub people: String,
    /// An account allowed to add, change and delete those entries.
    pub admin: BindAccount,
}

/// Login against an LDAP server: search for the person's entry, then bind
/// as that entry with their password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapSettings {
    pub url: LdapUrl,
    /// Upgrade `ldap://` with StartTLS. Required unless the URL is
    /// `ldaps://` or the server is on the loopback interface.
    #[serde(default)]
    pub starttls: bool,
    /// PEM file of the CA that signed the server's certificate; the system
    /// roots if absent.
    #[serde(default)]
    pub ca_file: Option<String>,
    /// The search base, e.g. `ou=people,dc=example,dc=ac,dc=jp`.
    pub base: String,
    #[serde(default)]
    pub filter: FilterTemplate,
    /// The account that searches; an anonymous search if absent.
    #[serde(default)]
    pub search_as: Option<BindAccount>,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
    /// Set when the operator hosts this directory (uploads write to it).
    #[serde(default)]
    pub hosted: Option<HostedDirectory>,
}

fn default_timeout() -> u32 {
    5
}

impl LdapSettings {
    /// The rules the types alone cannot say.
    pub fn check(&self) -> Result<(), ParseError> {
        if !self.url.is_ldaps() && !self.starttls && !self.url.is_loopback() {
            return Err(ParseError::new(
                "LDAP settings",
                "passwords would cross the network in clear: use ldaps:// or starttls = true",
            ));
        }
        if self.url.is_ldaps() && self.starttls {
            return Err(ParseError::new(
                "LDAP settings",
                "starttls is for ldap:// URLs; ldaps:// is TLS already",
            ));
        }
        if self.base.trim().is_empty() {
            return Err(ParseError::new("LDAP settings", "base must not be empty"));
        }
        if !(1..=60).contains(&self.timeout_seconds) {
            return Err(ParseError::new(
                "LDAP settings",
                "timeout_seconds must be between 1 and 60",
            ));
        }
        Ok(())
    }
}

/// Where an identity provider's metadata comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MetadataSource {
    File(String),
    Url(String),
}

/// Which value identifies a person across logins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectAttribute {
    /// eduPersonTargetedID (or a persistent NameID): opaque and never
    /// reassigned; preferred when the IdP releases it.
    #[default]
    TargetedId,
    /// eduPersonPrincipalName: readable, but may be reassigned after 24
    /// months of disuse.
    Eppn,
}

/// Login with an institution's SAML identity provider (GakuNin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlSettings {
    pub idp_entity_id: String,
    pub metadata: MetadataSource,
    /// PEM certificate that must have signed the metadata (GakuNin signs its
    /// federation metadata). Required when the metadata comes from a URL.
    #[serde(default)]
    pub metadata_signer: Option<String>,
    /// PEM file of the CA of the metadata URL's TLS certificate; the system
    /// roots if absent.
    #[serde(default)]
    pub metadata_ca: Option<String>,
    #[serde(default)]
    pub subject: SubjectAttribute,
}

impl SamlSettings {
    pub fn check(&self) -> Result<(), ParseError> {
        if self.idp_entity_id.trim().is_empty() {
            return Err(ParseError::new(
                "SAML settings",
                "idp_entity_id must not be empty",
            ));
        }
        if matches!(self.metadata, MetadataSource::Url(_)) && self.metadata_signer.is_none() {
            return Err(ParseError::new(
                "SAML settings",
                "metadata from a URL needs metadata_signer (the pinned certificate)",
            ));
        }
        if let MetadataSource::Url(url) = &self.metadata
            && !url.starts_with("https://")
        {
            return Err(ParseError::new(
                "SAML settings",
                "the metadata URL must be https://",
            ));
        }
        Ok(())
    }
}

/// Which attributes of a login fill Sesshu's attributes. Names are LDAP
/// attribute names (with options such as `cn;lang-ja`) or SAML attribute
/// names (the GakuNin friendly names, e.g. `jaDisplayName`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttributeMapping {
    /// The attribute whose values tell staff from students.
    pub user_type: String,
    /// Values of `user_type` that mean staff.
    pub staff: Vec<String>,
    /// Values of `user_type` that mean student.
    pub student: Vec<String>,
    /// The attribute that gives the department.
    pub department: Option<String>,
    /// Attribute values that are not department codes themselves, mapped
    /// to codes (e.g. `"工学研究科" = "eng"`).
    pub departments: BTreeMap<String, DepartmentCode>,
    pub display_name: Option<String>,
    pub display_name_ja: Option<String>,
    /// The reading of the name in kana (LDAP e.g. `cn;lang-ja;phonetic`).
    pub name_kana: Option<String>,
    pub mail: Option<String>,
}

impl Default for AttributeMapping {
    /// GakuNin's attributes.
    fn default() -> Self {
        Self {
            user_type: "eduPersonAffiliation".into(),
            staff: vec!["faculty".into(), "staff".into(), "employee".into()],
            student: vec!["student".into()],
            department: Some("jaOrganizationalUnitName".into()),
            departments: BTreeMap::new(),
            display_name: Some("displayName".into()),
            display_name_ja: Some("jaDisplayName".into()),
            name_kana: None,
            mail: Some("mail".into()),
        }
    }
}

impl AttributeMapping {
    /// The user type the values say; staff wins if both appear.
    pub fn user_type_of<'a>(&self, values: impl IntoIterator<Item = &'a str>) -> Option<UserType> {
        let mut found = None;
        for value in values {
            // eduPersonScopedAffiliation values carry a scope: staff@example.ac.jp
            let value = value.split('@').next().unwrap_or(value);
            if self.staff.iter().any(|s| s.eq_ignore_ascii_case(value)) {
                return Some(UserType::Staff);
            }
            if self.student.iter().any(|s| s.eq_ignore_ascii_case(value)) {
                found = Some(UserType::Student);
            }
        }
        found
    }

    /// The department code a value stands for, if any.
    pub fn department_of(&self, value: &str) -> Option<DepartmentCode> {
        self.departments
            .get(value)
            .cloned()
            .or_else(|| DepartmentCode::parse(value).ok())
    }
}

/// The consent text of an institution, in both languages, with its version:
/// a new version asks everybody again.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentText {
    pub version: String,
    pub text_ja: String,
    pub text_en: String,
}

impl fmt::Debug for ConsentText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsentText")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldap_urls_need_a_scheme_and_a_host() {
        assert!(LdapUrl::parse("ldaps://ldap.example.ac.jp").is_ok());
        assert_eq!(
            LdapUrl::parse("ldap://127.0.0.1:3890").unwrap().host(),
            "127.0.0.1"
        );
        assert_eq!(LdapUrl::parse("ldap://[::1]:389/").unwrap().host(), "::1");
        for bad in ["http://x", "ldap://", "ldap:///dc=x", "ldap://a b"] {
            assert!(LdapUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_ldap_is_only_for_loopback() {
        let settings = |url: &str, starttls: bool| LdapSettings {
            url: LdapUrl::parse(url).unwrap(),
            starttls,
            ca_file: None,
            base: "dc=example".into(),
            filter: FilterTemplate::default(),
            search_as: None,
            timeout_seconds: 5,
            hosted: None,
        };
        assert!(
            settings("ldap://ldap.example.ac.jp", false)
                .check()
                .is_err()
        );
        assert!(settings("ldap://ldap.example.ac.jp", true).check().is_ok());
        assert!(
            settings("ldaps://ldap.example.ac.jp", false)
                .check()
                .is_ok()
        );
        assert!(
            settings("ldaps://ldap.example.ac.jp", true)
                .check()
                .is_err()
        );
        assert!(settings("ldap://127.0.0.1:3890", false).check().is_ok());
    }

    #[test]
    fn filters_have_one_placeholder_and_balanced_parentheses() {
        assert!(FilterTemplate::parse("(&(objectClass=person)(uid={login}))").is_ok());
        for bad in [
            "(uid=x)",
            "uid={login}",
            "(uid={login}",
            "(uid={login})(cn={login})",
            "(a={login}))(",
        ] {
            assert!(FilterTemplate::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            FilterTemplate::default().with_escaped_login("a\\2a"),
            "(uid=a\\2a)"
        );
    }

    #[test]
    fn affiliations_map_to_user_types_staff_first() {
        let m = AttributeMapping::default();
        assert_eq!(
            m.user_type_of(["member", "student"]),
            Some(UserType::Student)
        );
        assert_eq!(m.user_type_of(["student", "staff"]), Some(UserType::Staff));
        assert_eq!(
            m.user_type_of(["faculty@aoba.example.ac.jp"]),
            Some(UserType::Staff)
        );
        assert_eq!(m.user_type_of(["member", "affiliate"]), None);
    }

    #[test]
    fn departments_map_by_table_or_by_code() {
        let mut m = AttributeMapping::default();
        m.departments
            .insert("工学研究科".into(), DepartmentCode::parse("eng").unwrap());
        assert_eq!(m.department_of("工学研究科").unwrap().as_str(), "eng");
        assert_eq!(m.department_of("med").unwrap().as_str(), "med");
        assert_eq!(m.department_of("理学部"), None);
    }

    #[test]
    fn login_methods_read_as_tagged_tables() {
        let m: LoginMethod = serde_json::from_str(
            r#"{"method":"ldap","url":"ldaps://ldap.example.ac.jp","base":"dc=example","search_as":{"dn":"cn=sesshu","password":{"file":"/etc/sesshu/ldap.secret"}}}"#,
        )
        .unwrap();
        let LoginMethod::Ldap(ldap) = m else {
            panic!("not ldap")
        };
        assert_eq!(ldap.filter, FilterTemplate::default());
        assert_eq!(ldap.timeout_seconds, 5);
        assert_eq!(
            ldap.search_as.unwrap().password,
            SecretRef::File("/etc/sesshu/ldap.secret".into())
        );
        let err = serde_json::from_str::<LoginMethod>(
            r#"{"method":"ldap","url":"ftp://x","base":"dc=x"}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("ldap://"), "{err}");
    }
}
