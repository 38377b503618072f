//! Structural checks on a raw SAML response, before any signature work.
//!
//! These refuse what no honest IdP sends and what signature-wrapping and
//! parser-confusion attacks need: a DTD (entity expansion), comments (a
//! canonicalised signature ignores them, a parser may stop at them),
//! duplicate IDs, more or fewer than one assertion, an assertion anywhere
//! but directly in the response, a missing or foreign `Destination`, and no
//! `InResponseTo` (Sesshu never accepts IdP-initiated logins), and any
//! encryption but what the SP's metadata offers (AES-GCM content, RSA-OAEP
//! key transport): XML Encryption's CBC mode and RSA PKCS#1 v1.5 are open
//! to padding-oracle attacks, so a value so encrypted is never decrypted.
//! Nothing read here is trusted: `InResponseTo` only says which of our
//! requests to check the signed response against.

use crate::SamlError;
use std::collections::HashSet;

const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";

/// The content encryption the SP accepts (its metadata's offer).
const CONTENT_ALGORITHMS: [&str; 2] = [
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    "http://www.w3.org/2009/xmlenc11#aes256-gcm",
];
/// The key transport the SP accepts.
const KEY_ALGORITHMS: [&str; 2] = [
    "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
    "http://www.w3.org/2009/xmlenc11#rsa-oaep",
];

/// The largest response accepted (bytes of XML). A GakuNin response with an
/// encrypted assertion is some 10–20 KiB.
pub const MAX_RESPONSE: usize = 256 * 1024;

/// What the precheck learned: the request this response answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Precheck {
    pub in_response_to: String,
}

pub fn precheck(xml: &str, acs_url: &str) -> Result<Precheck, SamlError> {
    if xml.len() > MAX_RESPONSE {
        return Err(SamlError::Malformed("response too large"));
    }
    let document = roxmltree::Document::parse(xml).map_err(|e| match e {
        roxmltree::Error::DtdDetected => SamlError::Malformed("DTD in response"),
        _ => SamlError::Malformed("not well-formed XML"),
    })?;
    let mut ids = HashSet::new();
    let mut assertions = 0;
    for node in document.descendants() {
        if node.is_comment() {
            return Err(SamlError::Malformed("comment in response"));
        }
        if node.is_pi() {
            return Err(SamlError::Malformed("processing instruction in response"));
        }
        if node.is_element() {
            for attribute in node.attributes() {
                if matches!(attribute.name(), "ID" | "Id" | "id") && !ids.insert(attribute.value())
                {
                    return Err(SamlError::Malformed("duplicate ID"));
                }
            }
            if node.has_tag_name((XENC, "EncryptionMethod")) {
                check_encryption(node)?;
            }
            if node.has_tag_name((ASSERTION, "Assertion"))
                || node.has_tag_name((ASSERTION, "EncryptedAssertion"))
            {
                assertions += 1;
                let parent_is_root = node
                    .parent_element()
                    .is_some_and(|p| p == document.root_element());
                if !parent_is_root {
                    return Err(SamlError::Malformed("assertion outside the response"));
                }
            }
        }
    }
    let root = document.root_element();
    if !root.has_tag_name((PROTOCOL, "Response")) {
        return Err(SamlError::Malformed("not a samlp:Response"));
    }
    if assertions != 1 {
        return Err(SamlError::Malformed("not exactly one assertion"));
    }
    match root.attribute("Destination") {
        Some(destination) if destination == acs_url => {}
        Some(_) => {
            return Err(SamlError::Refused(
                "Destination is not this SP's ACS".into(),
            ));
        }
        None => return Err(SamlError::Refused("Destination missing".into())),
    }
    let in_response_to = root
        .attribute("InResponseTo")
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .ok_or_else(|| {
            SamlError::Refused("no InResponseTo: IdP-initiated login is not accepted".into())
        })?;
    Ok(Precheck {
        in_response_to: in_response_to.to_owned(),
    })
}

/// An `EncryptionMethod` names an algorithm the SP accepts for what it
/// encrypts: the content of an `EncryptedData`, the key of an
/// `EncryptedKey`.
fn check_encryption(method: roxmltree::Node<'_, '_>) -> Result<(), SamlError> {
    let algorithm = method.attribute("Algorithm").unwrap_or_default();
    let accepted: &[&str] = match method.parent_element() {
        Some(p) if p.has_tag_name((XENC, "EncryptedData")) => &CONTENT_ALGORITHMS,
        Some(p) if p.has_tag_name((XENC, "EncryptedKey")) => &KEY_ALGORITHMS,
        _ => return Err(SamlError::Malformed("EncryptionMethod out of place")),
    };
    if accepted.contains(&algorithm) {
        Ok(())
    } else {
        // The value is the sender's: not echoed into the log.
        Err(SamlError::Refused(
            "encryption other than AES-GCM with RSA-OAEP".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACS: &str = "https://sesshu.example/saml/acs";

    fn response(inner: &str, attrs: &str) -> String {
        format!(
            r#"<samlp:Response xmlns:samlp="{PROTOCOL}" xmlns:saml="{ASSERTION}" ID="_r" {attrs}>{inner}</samlp:Response>"#
        )
    }

    const GOOD_ATTRS: &str =
        r#"Destination="https://sesshu.example/saml/acs" InResponseTo="_req1""#;

    #[test]
    fn a_plain_response_passes_and_names_its_request() {
        let xml = response(r#"<saml:Assertion ID="_a"/>"#, GOOD_ATTRS);
        assert_eq!(precheck(&xml, ACS).unwrap().in_response_to, "_req1");
        let encrypted = response(r#"<saml:EncryptedAssertion/>"#, GOOD_ATTRS);
        assert!(precheck(&encrypted, ACS).is_ok());
    }

    #[test]
    fn structural_tricks_are_refused() {
        let cases = [
            response(
                r#"<saml:Assertion ID="_a"/><saml:Assertion ID="_b"/>"#,
                GOOD_ATTRS,
            ),
            response("", GOOD_ATTRS),
            response(
                r#"<saml:Assertion ID="_a"><!-- x --></saml:Assertion>"#,
                GOOD_ATTRS,
            ),
            response(r#"<saml:Assertion ID="_r"/>"#, GOOD_ATTRS),
            response(r#"<x><saml:Assertion ID="_a"/></x>"#, GOOD_ATTRS),
            response(r#"<saml:Assertion ID="_a"/>"#, r#"InResponseTo="_req1""#),
            response(
                r#"<saml:Assertion ID="_a"/>"#,
                r#"Destination="https://evil.example/acs" InResponseTo="_req1""#,
            ),
            response(
                r#"<saml:Assertion ID="_a"/>"#,
                r#"Destination="https://sesshu.example/saml/acs""#,
            ),
            format!(
                "<!DOCTYPE r [<!ENTITY e \"x\">]>{}",
                response(r#"<saml:Assertion ID="_a"/>"#, GOOD_ATTRS)
            ),
            "x".repeat(MAX_RESPONSE + 1),
        ];
        for (i, xml) in cases.iter().enumerate() {
            assert!(precheck(xml, ACS).is_err(), "case {i} passed: {xml:.200}");
        }
    }

    fn encrypted(content: &str, key: &str) -> String {
        response(
            &format!(
                r#"<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="{XENC}"><xenc:EncryptionMethod Algorithm="{content}"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="{key}"/></xenc:EncryptedKey></ds:KeyInfo></xenc:EncryptedData></saml:EncryptedAssertion>"#
            ),
            GOOD_ATTRS,
        )
    }

    #[test]
    fn only_aes_gcm_with_rsa_oaep_is_decrypted() {
        let gcm = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
        let oaep = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
        assert!(precheck(&encrypted(gcm, oaep), ACS).is_ok());
        assert!(
            precheck(
                &encrypted(
                    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
                    "http://www.w3.org/2009/xmlenc11#rsa-oaep"
                ),
                ACS
            )
            .is_ok()
        );
        for (content, key) in [
            ("http://www.w3.org/2001/04/xmlenc#aes128-cbc", oaep),
            ("http://www.w3.org/2001/04/xmlenc#aes256-cbc", oaep),
            ("http://www.w3.org/2001/04/xmlenc#tripledes-cbc", oaep),
            (gcm, "http://www.w3.org/2001/04/xmlenc#rsa-1_5"),
            (gcm, ""),
        ] {
            assert!(
                matches!(
                    precheck(&encrypted(content, key), ACS),
                    Err(SamlError::Refused(_))
                ),
                "{content} with {key}"
            );
        }
    }
}
