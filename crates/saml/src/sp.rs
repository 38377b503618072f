//! The service provider: its metadata, its AuthnRequests, and the check of
//! a response from one institution's IdP.

use crate::attributes::{Released, oid};
use crate::metadata::{ALGORITHMS, IdpMetadata};
use crate::precheck::Precheck;
use crate::{SamlError, SpCredentials};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use samael::schema::Assertion;
use samael::service_provider::{ServiceProvider, ServiceProviderBuilder};
use sesshu_auth::{Authenticated, Missing};
use sesshu_domain::{
    Institution, InstitutionId, MailAddress, Profile, SamlSettings, Subject, SubjectAttribute,
};
use std::collections::HashMap;
use std::fmt;

const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";

/// Allowed clock difference with an IdP.
const SKEW: Duration = Duration::seconds(60);
/// How old a response may be when it arrives.
const ISSUE_DELAY: Duration = Duration::seconds(90);

struct Idp {
    sp: ServiceProvider,
    metadata: IdpMetadata,
    settings: SamlSettings,
}

/// Sesshu's SAML service provider and the IdPs it trusts.
pub struct SamlSp {
    entity_id: String,
    acs_url: String,
    credentials: SpCredentials,
    idps: HashMap<InstitutionId, Idp>,
}

impl fmt::Debug for SamlSp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SamlSp")
            .field("entity_id", &self.entity_id)
            .field("idps", &self.idps.len())
            .finish_non_exhaustive()
    }
}

/// An AuthnRequest to send: its id (to remember) and the redirect.
#[derive(Debug, Clone)]
pub struct AuthnRequestUrl {
    pub id: String,
    pub url: String,
}

/// A response whose signature, audience, destination, recipient, times and
/// request all checked out.
#[derive(Clone)]
pub struct Verified {
    pub assertion_id: String,
    /// Keep the assertion id in the replay cache until then.
    pub not_on_or_after: DateTime<Utc>,
    pub released: Released,
    /// A persistent NameID, if the IdP sent one.
    pub persistent_name_id: Option<String>,
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("assertion_id", &self.assertion_id)
            .field("released", &self.released)
            .finish_non_exhaustive()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl SamlSp {
    /// The SP of a site reachable at `public_origin` (`https://host`).
    pub fn new(public_origin: &str, credentials: SpCredentials) -> Self {
        let origin = public_origin.trim_end_matches('/');
        Self {
            entity_id: format!("{origin}/saml/metadata"),
            acs_url: format!("{origin}/saml/acs"),
            credentials,
            idps: HashMap::new(),
        }
    }

    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    pub fn acs_url(&self) -> &str {
        &self.acs_url
    }

    pub fn trusts(&self, institution: InstitutionId) -> bool {
        self.idps.contains_key(&institution)
    }

    /// Trusts an institution's IdP.
    pub fn add_idp(
        &mut self,
        institution: InstitutionId,
        settings: SamlSettings,
        metadata: IdpMetadata,
    ) -> Result<(), SamlError> {
        let sp = ServiceProviderBuilder::default()
            .entity_id(Some(self.entity_id.clone()))
            .acs_url(Some(self.acs_url.clone()))
            .key(Some(self.credentials.key.clone()))
            .certificate(Some(self.credentials.certificate_der()?.into()))
            .idp_metadata(metadata.entity.clone())
            .allow_idp_initiated(false)
            .max_issue_delay(ISSUE_DELAY)
            .max_clock_skew(SKEW)
            .allowed_signature_algorithms(Some(ALGORITHMS.to_vec()))
            .build()
            .map_err(|e| SamlError::Internal(e.to_string()))?;
        // samael skips signature checks when it finds no signing key.
        if sp.idp_signing_certs().ok().flatten().is_none() {
            return Err(SamlError::Metadata("the IdP has no signing key".into()));
        }
        self.idps.insert(
            institution,
            Idp {
                sp,
                metadata,
                settings,
            },
        );
        Ok(())
    }

    /// The SP's metadata, for the federation (and IdPs) to register.
    pub fn metadata_xml(&self) -> Result<String, SamlError> {
        let cert =
            base64::engine::general_purpose::STANDARD.encode(self.credentials.certificate_der()?);
        let key = |usage: &str, methods: &str| {
            format!(
                r#"    <md:KeyDescriptor use="{usage}">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>{methods}
    </md:KeyDescriptor>
"#
            )
        };
        // What samael (0.0.22 with vendor/samael's patches) decrypts: AES-128-GCM and
        // AES-256-GCM content; RSA-OAEP key transport, as `xmlenc#rsa-oaep-mgf1p` (MGF1 with
        // SHA-1; SHA-1 or SHA-256 digest) or `xmlenc11#rsa-oaep` (offered here with SHA-256 and
        // MGF1 with SHA-256, as Shibboleth IdP v4/v5 may choose). Not CBC: GCM is Shibboleth's
        // default since v4, and XML Encryption's CBC mode has known attacks.
        let encryption = r#"
      <md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes128-gcm"/>
      <md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>
      <md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>
      <md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep">
        <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"/>
      </md:EncryptionMethod>"#;
        // eduPersonTargetedID's value is a NameID inside the AttributeValue: samael reads it
        // since vendor/samael's patch (it used to refuse the whole assertion).
        let requested = [
            (oid::EPPN, true),
            (oid::TARGETED_ID, false),
            (oid::AFFILIATION, true),
            (oid::SCOPED_AFFILIATION, false),
            (oid::JA_DISPLAY_NAME, false),
            (oid::DISPLAY_NAME, false),
            (oid::JA_OU, false),
            (oid::OU, false),
            (oid::MAIL, false),
        ]
        .iter()
        .map(|(name, required)| {
            format!(
                r#"      <md:RequestedAttribute FriendlyName="{}" Name="{name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" isRequired="{required}"/>
"#,
                oid::friendly(name).unwrap_or_default()
            )
        })
        .collect::<String>();
        Ok(format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity}">
  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
{signing}{encryption}    <md:NameIDFormat>{PERSISTENT}</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}" index="0" isDefault="true"/>
    <md:AttributeConsumingService index="0" isDefault="true">
      <md:ServiceName xml:lang="ja">ワクチン接種予約</md:ServiceName>
      <md:ServiceName xml:lang="en">Vaccination booking</md:ServiceName>
{requested}    </md:AttributeConsumingService>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"#,
            entity = escape(&self.entity_id),
            acs = escape(&self.acs_url),
            signing = key("signing", ""),
            encryption = key("encryption", encryption),
        ))
    }

    /// A fresh AuthnRequest to the institution's IdP (HTTP-Redirect).
    pub fn authn_request(&self, institution: InstitutionId) -> Result<AuthnRequestUrl, SamlError> {
        let idp = self
            .idps
            .get(&institution)
            .ok_or_else(|| SamlError::Metadata("no IdP configured".into()))?;
        let mut request = idp
            .sp
            .make_authentication_request(&idp.metadata.sso_url)
            .map_err(|e| SamlError::Internal(e.to_string()))?;
        // 128 random bits (samael draws 32): the id also keys our record.
        let id = format!("_{:032x}", rand::random::<u128>());
        request.id = id.clone();
        let url = request
            .redirect("")
            .map_err(|e| SamlError::Internal(e.to_string()))?
            .ok_or_else(|| SamlError::Internal("no destination".into()))?;
        Ok(AuthnRequestUrl {
            id,
            url: url.to_string(),
        })
    }

    /// Verifies a response of `institution`'s IdP to our request
    /// `pre.in_response_to` (which the caller has checked is ours, unused and
    /// unexpired). The caller must still record the assertion id (replay).
    pub fn verify(
        &self,
        institution: InstitutionId,
        xml: &str,
        pre: &Precheck,
    ) -> Result<Verified, SamlError> {
        let idp = self
            .idps
            .get(&institution)
            .ok_or_else(|| SamlError::Metadata("no IdP configured".into()))?;
        let assertion = idp
            .sp
            .parse_xml_response(xml, Some(&[pre.in_response_to.as_str()]))
            .map_err(|e| SamlError::Refused(e.to_string()))?;
        let idp_entity_id = idp.metadata.entity.entity_id.as_deref().unwrap_or_default();
        self.after_samael(&assertion, idp_entity_id)
    }

    /// What samael leaves to the caller.
    fn after_samael(
        &self,
        assertion: &Assertion,
        idp_entity_id: &str,
    ) -> Result<Verified, SamlError> {
        let conditions = assertion
            .conditions
            .as_ref()
            .ok_or_else(|| SamlError::Refused("no Conditions".into()))?;
        // samael checks an Audience only when one is present: require it.
        let audience_ok = conditions.audience_restrictions.as_ref().is_some_and(|rs| {
            !rs.is_empty()
                && rs
                    .iter()
                    .all(|r| r.audience.iter().any(|a| a == &self.entity_id))
        });
        if !audience_ok {
            return Err(SamlError::Refused("no Audience naming this SP".into()));
        }
        let confirmation_until = assertion
            .subject
            .as_ref()
            .and_then(|s| s.subject_confirmations.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|c| c.subject_confirmation_data.as_ref()?.not_on_or_after)
            .max();
        let not_on_or_after = [conditions.not_on_or_after, confirmation_until]
            .into_iter()
            .flatten()
            .max()
            .ok_or_else(|| SamlError::Refused("no NotOnOrAfter".into()))?
            + SKEW;

        let mut released = Released::default();
        for statement in assertion.attribute_statements.iter().flatten() {
            for attribute in &statement.attributes {
                let name = attribute.name.as_deref().unwrap_or_default();
                let Some(friendly) = oid::friendly(name) else {
                    continue;
                };
                let values = attribute
                    .values
                    .iter()
                    .filter_map(|v| match &v.name_id {
                        // eduPersonTargetedID: a NameID for this SP from this IdP.
                        Some(name_id) => {
                            let for_us = name_id
                                .name_qualifier
                                .as_deref()
                                .is_none_or(|q| q == idp_entity_id)
                                && name_id
                                    .sp_name_qualifier
                                    .as_deref()
                                    .is_none_or(|q| q == self.entity_id);
                            if !for_us {
                                tracing::warn!(
                                    attribute = friendly,
                                    "a NameID value qualified for another IdP or SP dropped"
                                );
                            }
                            for_us.then(|| name_id.value.clone())
                        }
                        None => v.value.clone(),
                    })
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty());
                released
                    .0
                    .entry(friendly.to_owned())
                    .or_default()
                    .extend(values);
            }
        }
        let persistent_name_id = assertion
            .subject
            .as_ref()
            .and_then(|s| s.name_id.as_ref())
            .filter(|n| n.format.as_deref() == Some(PERSISTENT))
            .map(|n| n.value.clone());
        Ok(Verified {
            assertion_id: assertion.id.clone(),
            not_on_or_after,
            released,
            persistent_name_id,
        })
    }

    /// What a verified login says about the person, by the institution's
    /// attribute mapping. Scoped values outside the IdP's scopes are dropped.
    pub fn authenticated(
        &self,
        institution: &Institution,
        verified: &Verified,
    ) -> Result<Authenticated, SamlError> {
        let idp = self
            .idps
            .get(&institution.id)
            .ok_or_else(|| SamlError::Metadata("no IdP configured".into()))?;
        let in_scope = |value: &str| {
            value.rsplit_once('@').is_some_and(|(_, scope)| {
                idp.metadata
                    .scopes
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(scope))
            })
        };
        let mut released = verified.released.clone();
        for scoped in ["eduPersonPrincipalName", "eduPersonScopedAffiliation"] {
            if let Some(values) = released.0.get_mut(scoped) {
                let before = values.len();
                values.retain(|v| in_scope(v));
                if values.len() != before {
                    tracing::warn!(idp = %institution.code, attribute = scoped, "values outside the IdP's scope dropped");
                }
            }
        }

        let eppn = released.first("eduPersonPrincipalName").map(str::to_owned);
        // The persistent NameID, else eduPersonTargetedID (a Shibboleth IdP usually derives
        // both from the same computed or stored ID: equal when both come).
        let targeted = verified
            .persistent_name_id
            .clone()
            .or_else(|| released.first("eduPersonTargetedID").map(str::to_owned));
        let (subject, reassignable) = match (idp.settings.subject, targeted, eppn) {
            (SubjectAttribute::TargetedId, Some(id), _) => (id, false),
            (SubjectAttribute::TargetedId, None, Some(eppn))
            | (SubjectAttribute::Eppn, _, Some(eppn)) => (eppn, true),
            _ => {
                return Err(SamlError::Refused(
                    "the IdP released no identifier (eduPersonTargetedID or eduPersonPrincipalName)".into(),
                ));
            }
        };
        let subject = Subject::parse(&subject).map_err(|e| SamlError::Refused(e.reason))?;

        let mapping = &institution.attributes;
        let mut affiliations = released.values(&mapping.user_type);
        if mapping.user_type == "eduPersonAffiliation" {
            affiliations.extend(released.values("eduPersonScopedAffiliation"));
        }
        let user_type = mapping.user_type_of(affiliations);
        let department = mapping.department.as_ref().and_then(|d| {
            released
                .values(d)
                .into_iter()
                .find_map(|v| mapping.department_of(v))
        });
        let text = |name: &Option<String>| {
            name.as_ref()
                .and_then(|n| released.first(n))
                .map(str::to_owned)
        };
        let profile = Profile {
            display_name: text(&mapping.display_name),
            display_name_ja: text(&mapping.display_name_ja),
            name_kana: text(&mapping.name_kana),
            mail: text(&mapping.mail).and_then(|m| MailAddress::parse(&m).ok()),
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
        Ok(Authenticated {
            institution: institution.id,
            subject,
            reassignable,
            user_type,
            department,
            profile: Some(profile),
            missing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDP: &str = "https://idp.example.ac.jp/idp/shibboleth";

    fn assertion(targeted_id: &str) -> Assertion {
        format!(
            r#"<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" IssueInstant="2026-01-01T00:00:00Z" Version="2.0"><saml2:Issuer>{IDP}</saml2:Issuer><saml2:Conditions NotOnOrAfter="2026-01-01T00:05:00Z"><saml2:AudienceRestriction><saml2:Audience>https://sesshu.example/saml/metadata</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions><saml2:AttributeStatement><saml2:Attribute Name="{}">{targeted_id}</saml2:Attribute></saml2:AttributeStatement></saml2:Assertion>"#,
            oid::TARGETED_ID
        )
        .parse()
        .unwrap()
    }

    fn released(sp: &SamlSp, targeted_id: &str) -> Vec<String> {
        let verified = sp.after_samael(&assertion(targeted_id), IDP).unwrap();
        verified
            .released
            .values("eduPersonTargetedID")
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn eduperson_targeted_id_is_the_value_of_its_name_id_when_qualified_for_us() {
        let sp = SamlSp::new(
            "https://sesshu.example",
            SpCredentials::generate("test").unwrap(),
        );
        let value = |qualifiers: &str| {
            format!(
                r#"<saml2:AttributeValue><saml2:NameID Format="{PERSISTENT}" {qualifiers}> Ab+3/xyz= </saml2:NameID></saml2:AttributeValue>"#
            )
        };
        let ours = format!(
            r#"NameQualifier="{IDP}" SPNameQualifier="https://sesshu.example/saml/metadata""#
        );
        assert_eq!(released(&sp, &value(&ours)), ["Ab+3/xyz="]);
        assert_eq!(released(&sp, &value("")), ["Ab+3/xyz="], "unqualified");
        assert!(
            released(
                &sp,
                &value(r#"SPNameQualifier="https://other-sp.example/shibboleth""#)
            )
            .is_empty(),
            "for another SP"
        );
        assert!(
            released(
                &sp,
                &value(r#"NameQualifier="https://other-idp.example/idp""#)
            )
            .is_empty(),
            "from another IdP"
        );
        // The older string form still reads as text.
        assert_eq!(
            released(
                &sp,
                "<saml2:AttributeValue>legacy-id</saml2:AttributeValue>"
            ),
            ["legacy-id"]
        );
    }
}
