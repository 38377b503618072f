//! The patches of `vendor/samael` (see its SESSHU-PATCHES.md), tested on samael itself:
//! AES-256-GCM and RSA-OAEP's parameters, eduPersonTargetedID's NameID in an AttributeValue,
//! no comments or processing instructions in a decrypted assertion. The integration tests
//! (`crates/sesshu/tests/it/saml.rs`) do the same through a real IdP (pysaml2, xmlsec1).

#![allow(clippy::unwrap_used, clippy::expect_used)] // panics are how tests fail

use base64::Engine;
use openssl::encrypt::Encrypter;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::{Padding, Rsa};
use openssl::symm::{Cipher, encrypt_aead};
use samael::schema::{Assertion, Response};
use std::sync::OnceLock;

const TARGETED_ID: &str = "urn:oid:1.3.6.1.4.1.5923.1.1.1.10";
const EPPN: &str = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const OAEP11: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
const AES128_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
const AES256_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes256-gcm";

fn sp_key() -> &'static PKey<Private> {
    static KEY: OnceLock<PKey<Private>> = OnceLock::new();
    KEY.get_or_init(|| PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap())
}

/// An assertion as a GakuNin IdP sends it (trimmed), with `name_id` as the subject.
fn assertion(name_id: &str) -> String {
    format!(
        r#"<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_a1" IssueInstant="2026-01-01T00:00:00Z" Version="2.0"><saml2:Issuer>https://idp.example.ac.jp/idp/shibboleth</saml2:Issuer><saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{name_id}</saml2:NameID></saml2:Subject><saml2:AttributeStatement><saml2:Attribute Name="{EPPN}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml2:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xsi:type="xs:string">hanako@example.ac.jp</saml2:AttributeValue></saml2:Attribute><saml2:Attribute Name="{TARGETED_ID}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml2:AttributeValue>
  <saml2:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" NameQualifier="https://idp.example.ac.jp/idp/shibboleth" SPNameQualifier="https://sesshu.example/saml/metadata">Ab+3/xyz=</saml2:NameID>
</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion>"#
    )
}

/// How the AES key travels: the EncryptionMethod's algorithm and children, and the OAEP
/// parameters to wrap it with.
struct Transport {
    algorithm: &'static str,
    children: String,
    digest: MessageDigest,
    mgf: MessageDigest,
}

fn transport(algorithm: &'static str, digest: Option<&str>, mgf: Option<&str>) -> Transport {
    let md = |uri: Option<&str>| match uri {
        None | Some(SHA1) | Some("http://www.w3.org/2009/xmlenc11#mgf1sha1") => {
            MessageDigest::sha1()
        }
        Some(SHA256) | Some("http://www.w3.org/2009/xmlenc11#mgf1sha256") => {
            MessageDigest::sha256()
        }
        Some(other) => panic!("{other}"),
    };
    let mut children = String::new();
    if let Some(digest) = digest {
        children += &format!(r#"<ds:DigestMethod Algorithm="{digest}"/>"#);
    }
    if let Some(mgf) = mgf {
        children += &format!(
            r#"<xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="{mgf}"/>"#
        );
    }
    Transport {
        algorithm,
        children,
        digest: md(digest),
        mgf: if algorithm == MGF1P {
            MessageDigest::sha1()
        } else {
            md(mgf)
        },
    }
}

fn wrap(key: &[u8], transport: &Transport) -> Vec<u8> {
    let mut encrypter = Encrypter::new(sp_key()).unwrap();
    encrypter.set_rsa_padding(Padding::PKCS1_OAEP).unwrap();
    encrypter.set_rsa_oaep_md(transport.digest).unwrap();
    encrypter.set_rsa_mgf1_md(transport.mgf).unwrap();
    let mut out = vec![0; encrypter.encrypt_len(key).unwrap()];
    let len = encrypter.encrypt(key, &mut out).unwrap();
    out.truncate(len);
    out
}

/// XML Encryption 1.1's AES-GCM: IV(12) ‖ ciphertext ‖ tag(16).
fn seal(cipher: Cipher, key: &[u8], plaintext: &str) -> Vec<u8> {
    let iv: [u8; 12] = rand::random();
    let mut tag = [0u8; 16];
    let ciphertext =
        encrypt_aead(cipher, key, Some(&iv), &[], plaintext.as_bytes(), &mut tag).unwrap();
    [&iv[..], &ciphertext, &tag].concat()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A response with one EncryptedAssertion, laid out as Shibboleth and pysaml2 send it.
fn encrypted_response(
    content: &str,
    wrapped: &[u8],
    sealed: &[u8],
    transport: &Transport,
) -> String {
    format!(
        r#"<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml2:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="{content}"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="{}">{}</xenc:EncryptionMethod><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml2:EncryptedAssertion></saml2p:Response>"#,
        transport.algorithm,
        transport.children,
        b64(wrapped),
        b64(sealed),
    )
}

fn decrypt(xml: &str) -> Result<Assertion, samael::service_provider::Error> {
    let response: Response = xml.parse().unwrap();
    response.encrypted_assertion.unwrap().decrypt(sp_key())
}

fn encrypt_and_decrypt(
    content: &str,
    transport: &Transport,
    plaintext: &str,
) -> Result<Assertion, samael::service_provider::Error> {
    let (cipher, key_len) = if content == AES256_GCM {
        (Cipher::aes_256_gcm(), 32)
    } else {
        (Cipher::aes_128_gcm(), 16)
    };
    let key: Vec<u8> = (0..key_len).map(|_| rand::random()).collect();
    decrypt(&encrypted_response(
        content,
        &wrap(&key, transport),
        &seal(cipher, &key, plaintext),
        transport,
    ))
}

fn targeted_id(assertion: &Assertion) -> Option<samael::attribute::AttributeValueNameID> {
    assertion
        .attribute_statements
        .iter()
        .flatten()
        .flat_map(|s| &s.attributes)
        .filter(|a| a.name.as_deref() == Some(TARGETED_ID))
        .flat_map(|a| &a.values)
        .find_map(|v| v.name_id.clone())
}

#[test]
fn aes_gcm_128_and_256_decrypt_with_each_rsa_oaep_variant() {
    let transports = [
        transport(MGF1P, None, None),
        transport(MGF1P, Some(SHA1), None),
        transport(MGF1P, Some(SHA256), None),
        transport(OAEP11, None, None),
        transport(OAEP11, Some(SHA256), None),
        transport(
            OAEP11,
            Some(SHA256),
            Some("http://www.w3.org/2009/xmlenc11#mgf1sha256"),
        ),
    ];
    for content in [AES128_GCM, AES256_GCM] {
        for transport in &transports {
            let what = format!(
                "{content} with {} {}",
                transport.algorithm, transport.children
            );
            let assertion = encrypt_and_decrypt(content, transport, &assertion("pid-1"))
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(assertion.id, "_a1", "{what}");
            let name_id = assertion.subject.unwrap().name_id.unwrap();
            assert_eq!(name_id.value, "pid-1", "{what}");
        }
    }
}

#[test]
fn a_key_wrapped_with_other_oaep_parameters_than_declared_does_not_decrypt() {
    let key = [7u8; 32];
    let sha256 = transport(
        OAEP11,
        Some(SHA256),
        Some("http://www.w3.org/2009/xmlenc11#mgf1sha256"),
    );
    let wrapped = wrap(&key, &sha256);
    let sealed = seal(Cipher::aes_256_gcm(), &key, &assertion("pid-1"));
    // Declared SHA-1 (the default), wrapped with SHA-256.
    let declared = transport(OAEP11, None, None);
    assert!(
        decrypt(&encrypted_response(
            AES256_GCM, &wrapped, &sealed, &declared
        ))
        .is_err()
    );
    // An unknown digest is an error, not a guess.
    let mut unknown = transport(OAEP11, None, None);
    unknown.children = r#"<ds:DigestMethod Algorithm="urn:example:md5"/>"#.into();
    assert!(decrypt(&encrypted_response(AES256_GCM, &wrapped, &sealed, &unknown)).is_err());
    // The same bytes, declared right, decrypt.
    assert!(decrypt(&encrypted_response(AES256_GCM, &wrapped, &sealed, &sha256)).is_ok());
}

#[test]
fn a_short_cipher_value_or_a_key_of_the_wrong_size_is_an_error_not_a_panic() {
    let mgf1p = transport(MGF1P, None, None);
    let key16 = [1u8; 16];
    let sealed = seal(Cipher::aes_128_gcm(), &key16, &assertion("pid-1"));
    // A 128-bit key for AES-256-GCM.
    let xml = encrypted_response(AES256_GCM, &wrap(&key16, &mgf1p), &sealed, &mgf1p);
    assert!(decrypt(&xml).is_err());
    // Shorter than an IV and a tag.
    let key32 = [2u8; 32];
    let xml = encrypted_response(AES256_GCM, &wrap(&key32, &mgf1p), &[0u8; 10], &mgf1p);
    assert!(decrypt(&xml).is_err());
}

#[test]
fn a_decrypted_assertion_with_a_comment_or_processing_instruction_is_refused() {
    let mgf1p = transport(MGF1P, None, None);
    let clean = assertion("admin@example.ac.jp.evil.test");
    assert!(encrypt_and_decrypt(AES256_GCM, &mgf1p, &clean).is_ok());
    for hidden in [
        assertion("admin@example.ac.jp<!---->.evil.test"),
        assertion("admin@example.ac.jp<?x y?>.evil.test"),
        clean.replace(
            "hanako@example.ac.jp",
            "hanako@example.ac.jp<!-- -->.evil.test",
        ),
        clean.replace("<saml2:Subject>", "<!-- x --><saml2:Subject>"),
        format!("<!DOCTYPE saml2:Assertion>{clean}"),
    ] {
        let error = encrypt_and_decrypt(AES256_GCM, &mgf1p, &hidden)
            .expect_err("a decrypted assertion with hidden markup was accepted");
        assert!(
            error.to_string().contains("Decrypted assertion contains"),
            "{error}"
        );
    }
}

#[test]
fn eduperson_targeted_id_in_its_attribute_form_is_read_plain_and_encrypted() {
    let plain: Assertion = assertion("pid-1").parse().unwrap();
    let encrypted = encrypt_and_decrypt(
        AES128_GCM,
        &transport(MGF1P, None, None),
        &assertion("pid-1"),
    )
    .unwrap();
    for assertion in [plain, encrypted] {
        let id = targeted_id(&assertion).expect("ePTID read");
        assert_eq!(id.value, "Ab+3/xyz=");
        assert_eq!(
            id.name_qualifier.as_deref(),
            Some("https://idp.example.ac.jp/idp/shibboleth")
        );
        assert_eq!(
            id.sp_name_qualifier.as_deref(),
            Some("https://sesshu.example/saml/metadata")
        );
        assert_eq!(
            id.format.as_deref(),
            Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
        );
        // Plain values still read as text.
        let eppn =
            assertion.attribute_statements.as_ref().unwrap()[0].attributes[0].values[0].clone();
        assert_eq!(eppn.value.as_deref(), Some("hanako@example.ac.jp"));
        assert!(eppn.name_id.is_none());
    }
}
