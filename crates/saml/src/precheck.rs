//! Structural checks on a raw SAML response, before any signature work.
//!
//! These refuse what no honest IdP sends and what signature-wrapping and
//! parser-confusion attacks need: a DTD (entity expansion), comments (a
//! canonicalised signature ignores them, a parser may stop at them),
//! duplicate IDs, more or fewer than one assertion, an assertion anywhere
//! but directly in the response, a missing or foreign `Destination`, and no
//! `InResponseTo` (Sesshu never accepts IdP-initiated logins). Nothing read
//! here is trusted: `InResponseTo` only says which of our requests to check
//! the signed response against.

use crate::SamlError;
use std::collections::HashSet;

const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

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
}
