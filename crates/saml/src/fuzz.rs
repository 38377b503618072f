//! Property-based fuzzing of what reads a posted SAML response before
//! samael does (docs/fuzzing.md): the assertion consumer's entry
//! ([`crate::exchange::consume`]: the form, base64, UTF-8) and the
//! structural precheck. No input panics; every refusal is a [`SamlError`]
//! that says what was wrong (an XML response has no line a person is shown:
//! the person is only told the login failed); no content encryption but
//! AES-GCM is ever let through; nothing is accepted without an IdP's
//! signature. `PROPTEST_CASES` sets the number of cases (a long run);
//! without it the few that CI can afford. Failures are not persisted: a
//! shrunk case worth keeping becomes a regression test here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // panics are how tests fail

use crate::precheck::{MAX_RESPONSE, precheck};
use crate::{SamlError, SamlSp, SpCredentials, exchange};
use base64::Engine;
use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sesshu_domain::InstitutionCode;
use sesshu_store::{DynStore, NewInstitution};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// `PROPTEST_CASES` when set, else `cases`; no failure file in the tree.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        failure_persistence: None,
        ..Config::with_cases(cases)
    }
}

const ORIGIN: &str = "https://sesshu.example";
const ACS: &str = "https://sesshu.example/saml/acs";
const GCM: [&str; 2] = [
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    "http://www.w3.org/2009/xmlenc11#aes256-gcm",
];
const OAEP: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";

fn escaped(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

/// A response as an IdP shapes it (unsigned: no signature is needed to
/// reach what is fuzzed here), answering `request`, its assertion
/// encrypted with `content`.
fn response(request: &str, content: &str) -> String {
    format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="2026-12-01T00:00:00Z" Destination="{ACS}" InResponseTo="{request}"><saml:Issuer>https://idp.example.ac.jp/idp/shibboleth</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="{content}"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="{OAEP}"/><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>q83vEjRWeJA=</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion></samlp:Response>"#,
        content = escaped(content)
    )
}

/// A change to a response's text.
#[derive(Clone, Debug)]
enum Edit {
    /// Text put in at a place (on a character boundary).
    Insert(Index, String),
    /// The text ends early.
    Truncate(Index),
    /// A range of the text is gone.
    Cut(Index, Index),
    /// The response grows past what is accepted.
    Huge,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (
            any::<Index>(),
            prop_oneof![
                Just("<!-- x -->".to_owned()),
                Just("<?pi x?>".to_owned()),
                Just("<!DOCTYPE r [<!ENTITY e \"x\">]>".to_owned()),
                Just("&e;".to_owned()),
                Just("<![CDATA[<saml:Assertion/>]]>".to_owned()),
                Just(r#"<saml:Assertion ID="_a2"/>"#.to_owned()),
                Just(r#"<x><saml:Assertion ID="_a3"/></x>"#.to_owned()),
                Just(r#" ID="_r1""#.to_owned()),
                Just(
                    r#"<xenc:EncryptionMethod xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>"#
                        .to_owned()
                ),
                Just("<".to_owned()),
                Just("\u{0}".to_owned()),
                "\\PC{0,12}",
            ],
        )
            .prop_map(|(at, s)| Edit::Insert(at, s)),
        1 => any::<Index>().prop_map(Edit::Truncate),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::Cut(a, b)),
        1 => Just(Edit::Huge),
    ]
}

fn boundary(text: &str, at: Index) -> usize {
    let mut at = at.index(text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn edited(mut text: String, edits: &[Edit]) -> String {
    for edit in edits {
        match edit {
            Edit::Insert(at, s) => {
                let at = boundary(&text, *at);
                text.insert_str(at, s);
            }
            Edit::Truncate(at) => {
                let at = boundary(&text, *at);
                text.truncate(at);
            }
            Edit::Cut(a, b) => {
                let (a, b) = (boundary(&text, *a), boundary(&text, *b));
                text.replace_range(a.min(b)..a.max(b), "");
            }
            Edit::Huge => text = text.repeat(MAX_RESPONSE / text.len().max(1) + 1),
        }
    }
    text
}

/// A content encryption as an attacker names it: what is accepted, CBC,
/// and anything.
fn content_algorithm() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(GCM[0].to_owned()),
        Just(GCM[1].to_owned()),
        Just("http://www.w3.org/2001/04/xmlenc#aes128-cbc".to_owned()),
        Just("http://www.w3.org/2001/04/xmlenc#aes256-cbc".to_owned()),
        Just("http://www.w3.org/2001/04/xmlenc#tripledes-cbc".to_owned()),
        Just(format!("{} ", GCM[0])),
        Just(GCM[0].to_uppercase()),
        "\\PC{0,40}",
    ]
}

/// A precheck passed only what it promises: the response to one of our
/// requests, at our ACS, the request named as the text names it.
fn prechecked(xml: &str) -> Result<(), TestCaseError> {
    if let Ok(pre) = precheck(xml, ACS) {
        prop_assert!(xml.len() <= MAX_RESPONSE);
        prop_assert!(!pre.in_response_to.is_empty() && pre.in_response_to.len() <= 128);
        prop_assert!(xml.contains(ACS), "passed without our Destination");
        prop_assert!(!xml.contains("<!--") && !xml.contains("<!DOCTYPE"), "{xml}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn any_text_is_prechecked_or_refused(xml in "\\PC{0,400}") {
        prechecked(&xml)?;
    }

    #[test]
    fn an_edited_response_is_prechecked_or_refused(
        edits in prop::collection::vec(edit(), 1..4),
        content in content_algorithm(),
    ) {
        prechecked(&edited(response("_req1", &content), &edits))?;
    }

    /// The algorithm is the sender's to name: only AES-GCM passes, named
    /// exactly.
    #[test]
    fn no_content_encryption_but_aes_gcm_passes(content in content_algorithm()) {
        let outcome = precheck(&response("_req1", &content), ACS);
        if GCM.contains(&content.as_str()) {
            prop_assert!(outcome.is_ok(), "{outcome:?}");
        } else {
            prop_assert!(matches!(outcome, Err(SamlError::Refused(_))), "{content}: {outcome:?}");
        }
    }
}

// The assertion consumer's entry.

/// What is posted to the ACS: any bytes, a form with any value, or the
/// form with a response, edited, in base64.
#[derive(Clone, Debug)]
enum Posted {
    Bytes(Vec<u8>),
    Field(String),
    /// The response's `InResponseTo` is [`REQUEST`], replaced by the
    /// request the case issues.
    Response(String),
}

const REQUEST: &str = "_request_of_this_case";

fn posted() -> impl Strategy<Value = Posted> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..256).prop_map(Posted::Bytes),
        1 => "\\PC{0,64}".prop_map(Posted::Field),
        1 => prop::collection::vec(any::<u8>(), 0..256)
            .prop_map(|b| Posted::Field(base64::engine::general_purpose::STANDARD.encode(b))),
        4 => (prop::collection::vec(edit(), 0..3), content_algorithm())
            .prop_map(|(edits, content)| Posted::Response(edited(response(REQUEST, &content), &edits))),
    ]
}

fn form(value: &str) -> Vec<u8> {
    serde_urlencoded::to_string([("SAMLResponse", value)])
        .unwrap()
        .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn no_body_posted_to_the_acs_logs_anyone_in() {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "sesshu-saml-fuzz-{}-{}.sqlite",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&path);
    let store = sesshu_store_sqlite::SqliteStore::connect(path.to_str().unwrap())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let store: DynStore = Arc::new(store);
    let institution = store
        .insert_institution(&NewInstitution::builtin(
            InstitutionCode::parse("aoba").unwrap(),
            "青葉大学",
            "Aoba University",
        ))
        .await
        .unwrap();
    let sp = SamlSp::new(ORIGIN, SpCredentials::generate(ORIGIN).unwrap());
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let runtime = tokio::runtime::Handle::current();
    let consumed = |body: &[u8]| {
        tokio::task::block_in_place(|| {
            runtime.block_on(exchange::consume(&sp, store.as_ref(), body, now))
        })
    };
    let mut runner = TestRunner::new(config(128));
    let outcome = runner.run(&posted(), |posted| {
        let body = match posted {
            Posted::Bytes(bytes) => bytes,
            Posted::Field(value) => form(&value),
            // Each response answers a request of its own, issued before it
            // is posted.
            Posted::Response(xml) => {
                let request = format!("_fuzz{:032x}", rand::random::<u128>());
                tokio::task::block_in_place(|| {
                    runtime.block_on(store.saml_request_issued(
                        &request,
                        institution,
                        now + exchange::REQUEST_LIFETIME,
                        now,
                    ))
                })
                .unwrap();
                form(
                    &base64::engine::general_purpose::STANDARD
                        .encode(xml.replace(REQUEST, &request)),
                )
            }
        };
        match consumed(&body) {
            Ok(_) => prop_assert!(false, "logged in without a signature"),
            // No IdP is trusted for the institution: a response that passed
            // the precheck ends there, having answered our request.
            Err(
                SamlError::Malformed(_)
                | SamlError::Refused(_)
                | SamlError::UnknownRequest
                | SamlError::Metadata(_),
            ) => {}
            Err(other) => prop_assert!(false, "not a refusal: {other}"),
        }
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    let _ = std::fs::remove_file(&path);
}
