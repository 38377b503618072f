//! IdP metadata: one IdP's `EntityDescriptor`, from its own file or from a
//! federation's signed aggregate (GakuNin signs its metadata).

use crate::SamlError;
use chrono::{DateTime, Utc};
use samael::crypto::{AllowedSignatureAlgorithm, Crypto, CryptoProvider, ReduceMode};
use samael::metadata::{EntityDescriptor, HTTP_REDIRECT_BINDING};

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const SHIBMD: &str = "urn:mace:shibboleth:metadata:1.0";

/// The signature algorithms accepted anywhere: SHA-256 or stronger.
pub(crate) const ALGORITHMS: [AllowedSignatureAlgorithm; 6] = [
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
    AllowedSignatureAlgorithm::EcdsaSha256,
    AllowedSignatureAlgorithm::EcdsaSha384,
    AllowedSignatureAlgorithm::EcdsaSha512,
];

/// What Sesshu needs of an IdP's metadata.
#[derive(Clone, Debug)]
pub struct IdpMetadata {
    pub entity: EntityDescriptor,
    /// Where AuthnRequests go (HTTP-Redirect binding).
    pub sso_url: String,
    /// The scopes (`shibmd:Scope`) the IdP may assert: `example.ac.jp`.
    pub scopes: Vec<String>,
    /// The earliest `validUntil` on the way to the entity.
    pub valid_until: Option<DateTime<Utc>>,
}

fn bad(reason: impl Into<String>) -> SamlError {
    SamlError::Metadata(reason.into())
}

fn parse(xml: &str) -> Result<roxmltree::Document<'_>, SamlError> {
    // roxmltree refuses DTDs (and so entity declarations) by default.
    roxmltree::Document::parse(xml).map_err(|e| bad(format!("not well-formed XML: {e}")))
}

fn valid_until(node: roxmltree::Node<'_, '_>) -> Result<Option<DateTime<Utc>>, SamlError> {
    node.attribute("validUntil")
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| bad(format!("validUntil {v:?} is not a time")))
        })
        .transpose()
}

/// Reads the metadata of the IdP `entity_id` from `xml`: an
/// `EntityDescriptor`, or an `EntitiesDescriptor` that contains it.
///
/// With `signer` (a PEM certificate), the document must carry a valid
/// signature by it with SHA-256 or stronger, and only the signed content
/// is read. Expired metadata (`validUntil`) and an IdP without a signing
/// key are refused.
pub fn load_idp_metadata(
    xml: &str,
    entity_id: &str,
    signer: Option<&[u8]>,
    now: DateTime<Utc>,
) -> Result<IdpMetadata, SamlError> {
    // Refuse DTDs before libxml2 sees the document.
    parse(xml)?;
    let verified;
    let text = match signer {
        None => xml,
        Some(pem) => {
            let cert = openssl::x509::X509::from_pem(pem)
                .and_then(|c| c.to_der())
                .map_err(|e| bad(format!("the signer certificate: {e}")))?;
            verified = Crypto::reduce_xml_to_signed_with_allowed_algorithms(
                xml,
                &[cert.into()],
                ReduceMode::ValidateAndMarkNoAncestors,
                Some(&ALGORITHMS),
            )
            .map_err(|_| bad("the signature does not verify with the pinned certificate"))?;
            &verified
        }
    };
    let document = parse(text)?;
    let root = document.root_element();
    let entity = root
        .descendants()
        .chain(std::iter::once(root))
        .find(|n| {
            n.has_tag_name((MD, "EntityDescriptor")) && n.attribute("entityID") == Some(entity_id)
        })
        .ok_or_else(|| bad(format!("no EntityDescriptor for {entity_id}")))?;

    let mut until: Option<DateTime<Utc>> = None;
    for node in entity.ancestors().filter(|n| n.is_element()) {
        if let Some(t) = valid_until(node)? {
            until = Some(until.map_or(t, |u| u.min(t)));
        }
    }
    if let Some(t) = until
        && t <= now
    {
        return Err(bad(format!("expired: validUntil {t}")));
    }

    let mut scopes = Vec::new();
    for scope in entity
        .descendants()
        .filter(|n| n.has_tag_name((SHIBMD, "Scope")))
    {
        if scope.attribute("regexp") == Some("true") {
            tracing::warn!(
                idp = entity_id,
                "regexp scope ignored; only literal scopes are accepted"
            );
            continue;
        }
        if let Some(value) = scope.text().map(str::trim).filter(|v| !v.is_empty()) {
            scopes.push(value.to_ascii_lowercase());
        }
    }

    let descriptor: EntityDescriptor = text[entity.range()]
        .parse()
        .map_err(|e| bad(format!("EntityDescriptor: {e}")))?;
    let idp = descriptor
        .idp_sso_descriptors
        .as_ref()
        .and_then(|d| d.first())
        .ok_or_else(|| bad("no IDPSSODescriptor"))?;
    let has_signing_key = idp.key_descriptors.iter().any(|k| {
        matches!(k.key_use.as_deref(), None | Some("") | Some("signing"))
            && k.key_info
                .x509_data
                .as_ref()
                .is_some_and(|x| !x.certificates.is_empty())
    });
    if !has_signing_key {
        // samael would then accept unsigned responses.
        return Err(bad("the IdP has no signing key: refusing to trust it"));
    }
    let sso_url = idp
        .single_sign_on_services
        .iter()
        .find(|s| s.binding == HTTP_REDIRECT_BINDING)
        .map(|s| s.location.clone())
        .ok_or_else(|| bad("no SingleSignOnService with the HTTP-Redirect binding"))?;
    Ok(IdpMetadata {
        entity: descriptor,
        sso_url,
        scopes,
        valid_until: until,
    })
}
