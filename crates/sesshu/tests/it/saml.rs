//! GakuNin login against a real IdP implementation: PyPI `pysaml2` signs
//! (and encrypts) the responses (`scripts/saml/idp.py`), and every attack of
//! the list must be refused — each case fails if its check is removed.

use crate::helpers::*;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::json;
use sesshu_domain::{
    AttributeMapping, Contact, InstitutionCode, LoginMethod, MetadataSource, SamlSettings,
    SubjectAttribute,
};
use sesshu_store::NewInstitution;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const IDP: &str = "https://idp.test.example/idp/shibboleth";

fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn python() -> PathBuf {
    let venv = repo().join(".test-env/venv/bin/python");
    assert!(
        venv.exists(),
        "SAML tests need the test venv with pysaml2: run scripts/test-env.sh install"
    );
    venv
}

fn idp_py(args: &[&str]) -> String {
    let output = Command::new(python())
        .arg(repo().join("scripts/saml/idp.py"))
        .args(args)
        .output()
        .expect("run idp.py");
    assert!(
        output.status.success(),
        "idp.py {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// The test IdP's keys and metadata, made once per test run.
fn idp_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("sesshu_idp_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("IdP dir");
        idp_py(&["init", dir.to_str().expect("path")]);
        dir
    })
}

fn institution(metadata: &str, subject: SubjectAttribute) -> NewInstitution {
    institution_at(&idp_dir().join(metadata), subject)
}

fn institution_at(metadata: &Path, subject: SubjectAttribute) -> NewInstitution {
    NewInstitution {
        login: LoginMethod::Saml(SamlSettings {
            idp_entity_id: IDP.into(),
            metadata: MetadataSource::File(metadata.to_string_lossy().into_owned()),
            metadata_signer: None,
            metadata_ca: None,
            subject,
        }),
        attributes: AttributeMapping::default(),
        contact: Contact {
            mail: "vaccine@gakunin.example.ac.jp".into(),
            ..Contact::default()
        },
        ..NewInstitution::builtin(
            InstitutionCode::parse("gakunin").unwrap(),
            "学認大学",
            "GakuNin University",
        )
    }
}

/// An app that trusts the test IdP, and its SP metadata on disk (for idp.py).
async fn saml_app(backend: Backend) -> Option<(TestApp, PathBuf)> {
    let app = TestApp::spawn_saml(
        backend,
        vec![institution(
            "idp-metadata.xml",
            SubjectAttribute::TargetedId,
        )],
    )
    .await?;
    let (status, xml) = app.client().page("/saml/metadata").await;
    assert_eq!(status, StatusCode::OK);
    let path = idp_dir().join(format!("sp-{}.xml", app.base.rsplit(':').next().unwrap()));
    std::fs::write(&path, xml).unwrap();
    Some((app, path))
}

/// Starts a login at the SP; returns the AuthnRequest's ID.
async fn start_login(app: &TestApp, client: &Client) -> String {
    let response = client
        .http
        .get(app.url("/saml/login/gakunin"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("http://127.0.0.1:8081/sso?SAMLRequest="),
        "{location}"
    );
    let query = location.split_once('?').unwrap().1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let request = &pairs.iter().find(|(k, _)| k == "SAMLRequest").unwrap().1;
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(request)
        .unwrap();
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_string(&mut xml)
        .unwrap();
    let start = xml.find(" ID=\"").unwrap() + 5;
    xml[start..start + xml[start..].find('"').unwrap()].to_owned()
}

fn response(sp: &Path, request: &str, variant: &str, extra: &[&str]) -> String {
    let dir = idp_dir().to_str().unwrap().to_owned();
    let mut args = vec![
        "response",
        &dir,
        "--sp-metadata",
        sp.to_str().unwrap(),
        "--in-response-to",
        request,
        "--variant",
        variant,
    ];
    args.extend_from_slice(extra);
    idp_py(&args).trim().to_owned()
}

/// Posts a response to the ACS as the IdP's page would (cross-site).
async fn post(app: &TestApp, client: &Client, saml_response: &str) -> reqwest::Response {
    client
        .http
        .post(app.url("/saml/acs"))
        .header("origin", "http://127.0.0.1:8081")
        .header("sec-fetch-site", "cross-site")
        .form(&[("SAMLResponse", saml_response), ("RelayState", "")])
        .send()
        .await
        .unwrap()
}

async fn signed_in(client: &Client) -> bool {
    client.get("/api/v1/me/reservations").await.0 == StatusCode::OK
}

on_both_databases! {
    async fn administrators_log_in_to_the_office_with_gakunin(app) {
        let Some((app, _)) = saml_app(app.backend).await else { return };
        let office = crate::office_kit::TestOffice::spawn_with(&app, |office, base| {
            let store = app.store.clone();
            async move {
                let credentials = sesshu_saml::SpCredentials::generate("sesshu-office-test").unwrap();
                office.with_saml(sesshu::app::saml_sp(&base, credentials, &store).await.unwrap())
            }
        })
        .await;
        let mut office = office;
        let gakunin = app
            .store
            .institution_by_code(&InstitutionCode::parse("gakunin").unwrap())
            .await
            .unwrap()
            .unwrap();
        let entry = sesshu_domain::AuditEntry {
            at: start_of_tests(),
            actor: "test".into(),
            role: "test".into(),
            action: sesshu_domain::AuditAction::AdminCreate,
            objects: Vec::new(),
            detail: String::new(),
            origin: "local".into(),
        };
        app.store
            .insert_admin(
                &sesshu_store::NewAdmin {
                    directory: sesshu_domain::StaffDirectory::Institution { institution: gakunin.id },
                    login: sesshu_domain::Subject::parse("hanako@example.ac.jp").unwrap(),
                    role: sesshu_domain::Role::Operator,
                    password_hash: None,
                    at: start_of_tests(),
                },
                &entry,
            )
            .await
            .unwrap();
        let certificate = office.certificate("hanako's PC");
        let browser = office.browser(Some(&certificate));
        let login_page = browser.get("/login").await;
        assert!(login_page.html.contains("/saml/login/gakunin"), "GakuNin is offered");
        let metadata = browser.get("/saml/metadata").await;
        assert_eq!(metadata.status, StatusCode::OK);
        assert!(metadata.html.contains(&format!("{}/saml/acs", office.base)), "the office is its own SP");
        let sp = idp_dir().join(format!("office-sp-{}.xml", office.base.rsplit(':').next().unwrap()));
        std::fs::write(&sp, &metadata.html).unwrap();

        let log_in = |subject: &'static str| {
            let (browser, sp, base) = (&browser, sp.clone(), office.base.clone());
            async move {
                let redirect = browser.get("/saml/login/gakunin").await;
                assert_eq!(redirect.status, StatusCode::SEE_OTHER);
                let location = redirect.location.unwrap();
                let query = location.split_once('?').unwrap().1;
                let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
                let request = &pairs.iter().find(|(k, _)| k == "SAMLRequest").unwrap().1;
                let deflated = base64::engine::general_purpose::STANDARD.decode(request).unwrap();
                let mut xml = String::new();
                flate2::read::DeflateDecoder::new(&deflated[..]).read_to_string(&mut xml).unwrap();
                let start = xml.find(" ID=\"").unwrap() + 5;
                let id = xml[start..start + xml[start..].find('"').unwrap()].to_owned();
                let attrs = json!({"eduPersonPrincipalName": subject, "eduPersonAffiliation": ["staff"]}).to_string();
                let b64 = response(&sp, &id, "good", &["--attrs", &attrs]);
                browser
                    .http
                    .post(format!("{base}/saml/acs"))
                    .header("origin", "http://127.0.0.1:8081")
                    .header("sec-fetch-site", "cross-site")
                    .form(&[("SAMLResponse", b64.as_str()), ("RelayState", "")])
                    .send()
                    .await
                    .unwrap()
            }
        };
        let stranger = log_in("taro@example.ac.jp").await;
        assert_eq!(stranger.status(), StatusCode::FORBIDDEN, "a GakuNin login is not an office account");
        assert!(browser.get("/").await.to_login());

        let answer = log_in("hanako@example.ac.jp").await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert_eq!(answer.headers()["location"], "/");
        let home = browser.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "signed in as the operator");
        let logins = crate::office_kit::audited(&app, "office.login").await;
        assert_eq!(logins.len(), 1);
        assert!(logins[0].detail.contains("GakuNin"), "{:?}", logins[0]);
    }

    async fn a_signed_response_logs_in_with_the_gakunin_attributes(app) {
        let Some((app, sp)) = saml_app(app.backend).await else { return };
        let client = app.client();
        let request = start_login(&app, &client).await;
        let attrs = json!({
            "eduPersonPrincipalName": "hanako@example.ac.jp",
            "eduPersonAffiliation": ["member", "student"],
            "jaDisplayName": "山田 花子",
            "displayName": "Hanako Yamada",
            "mail": "hanako@example.ac.jp",
        })
        .to_string();
        let answer = post(&app, &client, &response(&sp, &request, "good", &["--attrs", &attrs])).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert_eq!(answer.headers()["location"], "/days");
        assert!(signed_in(&client).await);

        let institution = app
            .store
            .institution_by_code(&InstitutionCode::parse("gakunin").unwrap())
            .await
            .unwrap()
            .unwrap();
        let person = app
            .store
            .person_by_subject(institution.id, &sesshu_domain::Subject::parse("hanako@example.ac.jp").unwrap())
            .await
            .unwrap()
            .expect("the ePPN identifies the person (no persistent NameID was sent)");
        assert_eq!(person.user_type, Some(sesshu_domain::UserType::Student));
        let profile = app.personal(institution.id, "hanako@example.ac.jp").await;
        assert_eq!(profile.display_name_ja.as_deref(), Some("山田 花子"));
        assert_eq!(profile.mail.unwrap().as_str(), "hanako@example.ac.jp");
    }

    async fn an_encrypted_assertion_logs_in_and_a_persistent_name_id_identifies(app) {
        let Some((app, sp)) = saml_app(app.backend).await else { return };
        let client = app.client();
        let request = start_login(&app, &client).await;
        let b64 = response(
            &sp,
            &request,
            "good",
            &["--encrypt", "--enc-alg", "aes128-gcm", "--name-id-format", "persistent", "--name-id", "opaque-4711"],
        );
        let answer = post(&app, &client, &b64).await;
        assert_eq!(answer.headers()["location"], "/days");
        let institution = app
            .store
            .institution_by_code(&InstitutionCode::parse("gakunin").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(app
            .store
            .person_by_subject(institution.id, &sesshu_domain::Subject::parse("opaque-4711").unwrap())
            .await
            .unwrap()
            .is_some());
    }

    async fn an_aes256_gcm_encrypted_assertion_logs_in_with_either_rsa_oaep(app) {
        let Some((app, sp)) = saml_app(app.backend).await else { return };
        let metadata = std::fs::read_to_string(&sp).unwrap();
        for offered in [
            "http://www.w3.org/2009/xmlenc11#aes256-gcm",
            "http://www.w3.org/2009/xmlenc11#aes128-gcm",
            "http://www.w3.org/2009/xmlenc11#rsa-oaep",
        ] {
            assert!(metadata.contains(&format!("Algorithm=\"{offered}\"")), "SP metadata offers {offered}");
        }
        let institution = app
            .store
            .institution_by_code(&InstitutionCode::parse("gakunin").unwrap())
            .await
            .unwrap()
            .unwrap();
        // xmlsec1's RSA-OAEP (MGF1 and digest SHA-1), and XML Encryption 1.1's with SHA-256
        // and MGF1-SHA-256 (Shibboleth IdP v4/v5).
        for (key_alg, name_id) in [("rsa-oaep-mgf1p", "opaque-aes256-1"), ("rsa-oaep", "opaque-aes256-2")] {
            let client = app.client();
            let request = start_login(&app, &client).await;
            let b64 = response(
                &sp,
                &request,
                "good",
                &["--encrypt", "--enc-alg", "aes256-gcm", "--key-alg", key_alg,
                  "--name-id-format", "persistent", "--name-id", name_id],
            );
            let xml = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(&b64).unwrap()).unwrap();
            assert!(xml.contains("xmlenc11#aes256-gcm") && !xml.contains("<saml2:Assertion"), "{key_alg}: encrypted with AES-256-GCM");
            let answer = post(&app, &client, &b64).await;
            assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{key_alg}");
            assert_eq!(answer.headers()["location"], "/days", "{key_alg}");
            assert!(signed_in(&client).await, "{key_alg}");
            assert!(
                app.store
                    .person_by_subject(institution.id, &sesshu_domain::Subject::parse(name_id).unwrap())
                    .await
                    .unwrap()
                    .is_some(),
                "{key_alg}: the persistent NameID identifies"
            );
        }
    }

    async fn eduperson_targeted_id_identifies_when_there_is_no_persistent_name_id(app) {
        let Some((app, sp)) = saml_app(app.backend).await else { return };
        let metadata = std::fs::read_to_string(&sp).unwrap();
        assert!(
            metadata.contains(r#"FriendlyName="eduPersonTargetedID" Name="urn:oid:1.3.6.1.4.1.5923.1.1.1.10" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" isRequired="false""#),
            "SP metadata requests ePTID (optional)"
        );
        let institution = app
            .store
            .institution_by_code(&InstitutionCode::parse("gakunin").unwrap())
            .await
            .unwrap()
            .unwrap();
        let person = |subject: &'static str| {
            let store = app.store.clone();
            async move {
                store
                    .person_by_subject(institution.id, &sesshu_domain::Subject::parse(subject).unwrap())
                    .await
                    .unwrap()
            }
        };
        // ePTID in its SAML 2.0 form (a NameID in the AttributeValue), plain and encrypted;
        // the NameID is transient.
        for (encrypt, eppn, targeted) in [
            (false, "hanako@example.ac.jp", "eptid-Hk3+q/7w=="),
            (true, "taro@example.ac.jp", "eptid-Tr9+z/1x=="),
        ] {
            let client = app.client();
            let request = start_login(&app, &client).await;
            let attrs = json!({
                "eduPersonPrincipalName": eppn,
                "eduPersonTargetedID": targeted,
                "eduPersonAffiliation": ["member", "student"],
                "mail": eppn,
            })
            .to_string();
            let mut extra = vec!["--attrs", attrs.as_str()];
            if encrypt {
                extra.extend(["--encrypt", "--enc-alg", "aes256-gcm"]);
            }
            let b64 = response(&sp, &request, "good", &extra);
            let xml = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(&b64).unwrap()).unwrap();
            if !encrypt {
                assert!(
                    xml.contains(r#"<saml2:AttributeValue><saml2:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent""#),
                    "ePTID in its SAML 2.0 form: {xml}"
                );
            }
            let answer = post(&app, &client, &b64).await;
            assert_eq!(answer.status(), StatusCode::SEE_OTHER, "encrypted: {encrypt}");
            assert_eq!(answer.headers()["location"], "/days");
            assert!(signed_in(&client).await);
            let found = person(targeted).await.expect("ePTID identifies the person");
            assert_eq!(found.user_type, Some(sesshu_domain::UserType::Student));
            assert!(person(eppn).await.is_none(), "not the ePPN");
        }

        // A persistent NameID, when there is one, comes first.
        let client = app.client();
        let request = start_login(&app, &client).await;
        let attrs = json!({"eduPersonPrincipalName": "jiro@example.ac.jp", "eduPersonTargetedID": "eptid-other"}).to_string();
        let b64 = response(&sp, &request, "good", &["--attrs", &attrs, "--name-id-format", "persistent", "--name-id", "pid-jiro"]);
        assert_eq!(post(&app, &client, &b64).await.status(), StatusCode::SEE_OTHER);
        assert!(person("pid-jiro").await.is_some());
        assert!(person("eptid-other").await.is_none());
    }

    async fn a_comment_inside_an_encrypted_assertion_is_refused(app) {
        let Some((app, sp)) = saml_app(app.backend).await else { return };
        let institution = app
            .store
            .institution_by_code(&InstitutionCode::parse("gakunin").unwrap())
            .await
            .unwrap()
            .unwrap();
        // The IdP splits the value with a comment before encrypting: the checks before
        // decryption see only ciphertext. A persistent NameID is the subject (no scope
        // check), so without the check after decryption
        // `admin@example.ac.jp<!---->.evil.test` would log someone in.
        for (variant, enc_alg, key_alg) in [
            ("comment-in-nameid", "aes256-gcm", "rsa-oaep-mgf1p"),
            ("comment-in-nameid", "aes128-gcm", "rsa-oaep-mgf1p"),
            ("comment-in-nameid", "aes256-gcm", "rsa-oaep"),
            ("comment-in-attribute", "aes256-gcm", "rsa-oaep-mgf1p"),
        ] {
            let what = format!("{variant} {enc_alg} {key_alg}");
            let client = app.client();
            let request = start_login(&app, &client).await;
            let mut extra = vec!["--encrypt", "--enc-alg", enc_alg, "--key-alg", key_alg];
            if variant == "comment-in-nameid" {
                extra.extend(["--name-id-format", "persistent"]);
            }
            let b64 = response(&sp, &request, variant, &extra);
            let xml = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(&b64).unwrap()).unwrap();
            assert!(!xml.contains("<!--") && xml.contains("EncryptedAssertion"), "{what}: the comment is inside the ciphertext");
            let answer = post(&app, &client, &b64).await;
            assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{what} was not refused");
            let page = answer.text().await.unwrap();
            assert!(page.contains("ログインできませんでした"), "{what}: {page:.300}");
            assert!(!signed_in(&client).await, "{what} signed in");
        }
        for subject in ["admin@example.ac.jp.evil.test", "admin@example.ac.jp"] {
            assert!(
                app.store
                    .person_by_subject(institution.id, &sesshu_domain::Subject::parse(subject).unwrap())
                    .await
                    .unwrap()
                    .is_none(),
                "{subject}"
            );
        }
    }

    async fn encryption_the_metadata_does_not_offer_is_refused_before_decryption(app) {
        let Some((app, sp)) = saml_app(app.backend).await else { return };
        // Signed by the real IdP, encrypted for our key: only the algorithm is wrong
        // (CBC and RSA PKCS#1 v1.5 are open to padding-oracle attacks), or the value is
        // shorter than any IV (it panicked the handler).
        for (variant, enc_alg, key_alg) in [
            ("good", "aes128-cbc", "rsa-oaep-mgf1p"),
            ("good", "aes128-gcm", "rsa-1_5"),
            ("short-cipher-value", "aes128-cbc", "rsa-oaep-mgf1p"),
            ("short-cipher-value", "aes128-gcm", "rsa-oaep-mgf1p"),
            ("short-cipher-value", "aes256-gcm", "rsa-oaep"),
        ] {
            let what = format!("{variant} {enc_alg} {key_alg}");
            let client = app.client();
            let request = start_login(&app, &client).await;
            let b64 = response(
                &sp,
                &request,
                variant,
                &["--encrypt", "--enc-alg", enc_alg, "--key-alg", key_alg, "--name-id-format", "persistent"],
            );
            let answer = post(&app, &client, &b64).await;
            assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{what} was not refused");
            let page = answer.text().await.unwrap();
            assert!(page.contains("ログインできませんでした"), "{what}: {page:.300}");
            assert!(!signed_in(&client).await, "{what} signed in");
        }
    }

    async fn every_forged_or_stale_response_is_refused(app) {
        let Some((app, sp)) = saml_app(app.backend).await else { return };
        let variants = [
            "unsigned", "signature-stripped", "wrong-key", "sha1",
            "xsw1", "xsw2", "xsw3", "xsw4", "xsw5", "xsw6", "xsw7", "xsw8",
            "comment-in-nameid", "comment-in-attribute",
            "wrong-audience", "no-audience", "wrong-destination", "no-destination", "wrong-recipient",
            "expired", "not-yet-valid", "two-assertions", "duplicate-ids",
            "dtd-entity", "billion-laughs", "xxe", "wrong-issuer", "status-error",
        ];
        for variant in variants {
            let client = app.client();
            let request = start_login(&app, &client).await;
            // A persistent NameID becomes the subject: without the comment
            // check, `admin@…<!---->.evil.test` would log someone in.
            let extra: &[&str] = if variant == "comment-in-nameid" {
                &["--name-id-format", "persistent"]
            } else {
                &[]
            };
            let answer = post(&app, &client, &response(&sp, &request, variant, extra)).await;
            assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{variant} was not refused");
            let page = answer.text().await.unwrap();
            assert!(page.contains("ログインできませんでした"), "{variant}: {page:.300}");
            assert!(!signed_in(&client).await, "{variant} signed in");
        }
    }

    async fn a_response_is_accepted_once_and_only_for_a_request_of_ours(app) {
        let Some((app, sp)) = saml_app(app.backend).await else { return };
        let client = app.client();
        let request = start_login(&app, &client).await;
        let b64 = response(&sp, &request, "good", &[]);
        assert_eq!(post(&app, &client, &b64).await.status(), StatusCode::SEE_OTHER);
        let again = app.client();
        assert_eq!(post(&app, &again, &b64).await.status(), StatusCode::FORBIDDEN, "replayed");
        assert!(!signed_in(&again).await);

        // A request we never issued; an IdP-initiated login.
        let stranger = app.client();
        let forged = response(&sp, "_never-issued", "good", &[]);
        assert_eq!(post(&app, &stranger, &forged).await.status(), StatusCode::FORBIDDEN);
        let dir = idp_dir().to_str().unwrap().to_owned();
        let unsolicited = idp_py(&["response", &dir, "--sp-metadata", sp.to_str().unwrap(), "--variant", "idp-initiated"]);
        assert_eq!(post(&app, &stranger, unsolicited.trim()).await.status(), StatusCode::FORBIDDEN);

        // A request that has expired (issued long ago).
        let now = sesshu_domain::Clock::now(&sesshu_domain::SystemClock);
        let institution = app.store.institution_by_code(&InstitutionCode::parse("gakunin").unwrap()).await.unwrap().unwrap();
        app.store
            .saml_request_issued("_stale-request", institution.id, now - chrono::Duration::minutes(1), now - chrono::Duration::minutes(11))
            .await
            .unwrap();
        let stale = response(&sp, "_stale-request", "good", &[]);
        assert_eq!(post(&app, &stranger, &stale).await.status(), StatusCode::FORBIDDEN);
        assert!(!signed_in(&stranger).await);
    }

    async fn an_oversized_response_is_refused_before_it_is_read(app) {
        let Some((app, sp)) = saml_app(app.backend).await else { return };
        let client = app.client();
        let request = start_login(&app, &client).await;
        let answer = post(&app, &client, &response(&sp, &request, "oversized", &[])).await;
        assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let cookies: Vec<_> = answer.headers().get_all("set-cookie").iter().collect();
        assert!(
            cookies.iter().all(|c| !c.to_str().unwrap().starts_with("sesshu_session=")),
            "no session: {cookies:?}"
        );
    }

    async fn withheld_attributes_still_log_in_with_a_clear_message(app) {
        let Some((app, sp)) = saml_app(app.backend).await else { return };
        let client = app.client();
        let request = start_login(&app, &client).await;
        let attrs = json!({"eduPersonPrincipalName": "taro@example.ac.jp"}).to_string();
        let answer = post(&app, &client, &response(&sp, &request, "good", &["--attrs", &attrs])).await;
        assert_eq!(answer.headers()["location"], "/days");
        let (_, page) = client.page("/days").await;
        let text = visible_text(&page);
        assert!(text.contains("教職員・学生の別が提供されなかった"), "{text}");
        assert!(text.contains("メールアドレスが提供されなかった"));

        // An ePPN outside the IdP's scope is not believed: no identifier.
        let other = app.client();
        let request = start_login(&app, &other).await;
        let attrs = json!({"eduPersonPrincipalName": "mallory@evil.example"}).to_string();
        let answer = post(&app, &other, &response(&sp, &request, "good", &["--attrs", &attrs])).await;
        assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_sp_refuses_to_trust_an_idp_without_a_signing_key() {
    let store = sesshu::open_store(
        &std::env::temp_dir()
            .join(format!("sesshu_nokey_{}.sqlite", std::process::id()))
            .to_string_lossy(),
        2,
    )
    .await
    .unwrap();
    store
        .upsert_institutions(&[institution(
            "idp-metadata-nokey.xml",
            SubjectAttribute::Eppn,
        )])
        .await
        .unwrap();
    let credentials = sesshu_saml::SpCredentials::generate("test").unwrap();
    let error = sesshu::app::saml_sp("http://127.0.0.1:1", credentials, &store)
        .await
        .unwrap_err();
    assert!(format!("{error:#}").contains("no signing key"), "{error:#}");
}

#[test]
fn federation_metadata_is_trusted_only_when_signed_by_the_pinned_key_and_current() {
    let dir = idp_dir();
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let federation = std::fs::read(dir.join("federation.pem")).unwrap();
    let idp_cert = std::fs::read(dir.join("idp.pem")).unwrap();
    let now = sesshu_domain::Clock::now(&sesshu_domain::SystemClock);
    let load =
        |xml: &str, signer: Option<&[u8]>| sesshu_saml::load_idp_metadata(xml, IDP, signer, now);

    let good = load(&read("federation-metadata.xml"), Some(&federation)).unwrap();
    assert_eq!(good.scopes, vec!["example.ac.jp".to_owned()]);
    assert_eq!(good.sso_url, "http://127.0.0.1:8081/sso");
    for (file, signer) in [
        ("federation-metadata-tampered.xml", &federation),
        ("federation-metadata-expired.xml", &federation),
        ("federation-metadata.xml", &idp_cert),
        ("idp-metadata.xml", &federation),
    ] {
        let result = load(&read(file), Some(signer));
        assert!(result.is_err(), "{file} was trusted");
    }
    assert!(load(&read("idp-metadata-nokey.xml"), None).is_err());
    let with_dtd = format!(
        "<!DOCTYPE x [<!ENTITY e \"y\">]>{}",
        read("idp-metadata.xml")
    );
    assert!(load(&with_dtd, None).is_err());
}

/// The test IdP as a web server, for the browser journey.
pub(crate) struct BrowserIdp {
    child: std::process::Child,
    port: u16,
    dir: PathBuf,
}

impl BrowserIdp {
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for BrowserIdp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An app that trusts an IdP served on its own port, which logs in
/// `hanako` / `secret`.
pub(crate) async fn app_with_browser_idp() -> (TestApp, BrowserIdp) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir =
        std::env::temp_dir().join(format!("sesshu_browser_idp_{}_{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir_text = dir.to_str().unwrap().to_owned();
    idp_py(&[
        "init",
        &dir_text,
        "--sso-url",
        &format!("http://127.0.0.1:{port}/sso"),
    ]);
    let app = TestApp::spawn_saml(
        Backend::Sqlite,
        vec![institution_at(
            &dir.join("idp-metadata.xml"),
            SubjectAttribute::TargetedId,
        )],
    )
    .await
    .unwrap();
    let (_, xml) = app.client().page("/saml/metadata").await;
    let sp = dir.join("sp.xml");
    std::fs::write(&sp, xml).unwrap();
    let attrs = json!({
        "eduPersonPrincipalName": "hanako@example.ac.jp",
        "eduPersonAffiliation": ["member", "student"],
        "jaDisplayName": "山田 花子",
        "displayName": "Hanako Yamada",
        "mail": "hanako@example.ac.jp",
    })
    .to_string();
    let mut child = Command::new(python())
        .arg(repo().join("scripts/saml/idp.py"))
        .args([
            "serve",
            &dir_text,
            "--sp-metadata",
            sp.to_str().unwrap(),
            "--port",
            &port.to_string(),
        ])
        .args([
            "--attrs",
            &attrs,
            "--login",
            "hanako",
            "--password",
            "secret",
            "--encrypt",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start the test IdP");
    let stdout = child.stdout.take().unwrap();
    let ready = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.starts_with("listening on"))
    });
    let ready = tokio::time::timeout(std::time::Duration::from_secs(30), ready).await;
    assert!(matches!(ready, Ok(Ok(true))), "the test IdP did not start");
    (app, BrowserIdp { child, port, dir })
}

/// A throwaway HTTPS server for a folder, with its own CA.
struct HttpsFolder {
    child: std::process::Child,
    port: u16,
    ca: PathBuf,
}

impl Drop for HttpsFolder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success(), "openssl {args:?}");
}

fn serve_https(dir: &Path) -> HttpsFolder {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "1",
            "-subj",
            "/CN=Sesshu test CA",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "1",
            "-extfile",
            "san.ext",
        ],
    );
    let script = "import http.server, ssl, sys\n\
        s = http.server.HTTPServer(('127.0.0.1', 0), http.server.SimpleHTTPRequestHandler)\n\
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
        c.load_cert_chain('server.pem', 'server.key')\n\
        s.socket = c.wrap_socket(s.socket, server_side=True)\n\
        print(s.server_address[1], flush=True)\n\
        s.serve_forever()\n";
    let mut child = Command::new(python())
        .args(["-c", script])
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("HTTPS server");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    HttpsFolder {
        child,
        port: line.trim().parse().expect("port"),
        ca: dir.join("ca.pem"),
    }
}

#[tokio::test]
async fn federation_metadata_from_a_url_is_fetched_over_tls_and_its_signature_checked() {
    let dir = std::env::temp_dir().join(format!("sesshu_metadata_url_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for file in [
        "federation-metadata.xml",
        "federation-metadata-tampered.xml",
    ] {
        std::fs::copy(idp_dir().join(file), dir.join(file)).unwrap();
    }
    let https = serve_https(&dir);
    let store = sesshu::open_store(&dir.join("db.sqlite").to_string_lossy(), 2)
        .await
        .unwrap();
    let signer = idp_dir()
        .join("federation.pem")
        .to_string_lossy()
        .into_owned();
    let trust = |file: &str, ca: Option<&Path>| {
        let mut new = institution("idp-metadata.xml", SubjectAttribute::TargetedId);
        if let LoginMethod::Saml(saml) = &mut new.login {
            saml.metadata = MetadataSource::Url(format!("https://127.0.0.1:{}/{file}", https.port));
            saml.metadata_signer = Some(signer.clone());
            saml.metadata_ca = ca.map(|p| p.to_string_lossy().into_owned());
        }
        new
    };
    let sp = |new: NewInstitution| {
        let store = store.clone();
        async move {
            store.upsert_institutions(&[new]).await.unwrap();
            let credentials = sesshu_saml::SpCredentials::generate("test").unwrap();
            sesshu::app::saml_sp("http://127.0.0.1:1", credentials, &store).await
        }
    };

    let trusted = sp(trust("federation-metadata.xml", Some(&https.ca)))
        .await
        .unwrap();
    assert_eq!(trusted.entity_id(), "http://127.0.0.1:1/saml/metadata");

    let tampered = sp(trust("federation-metadata-tampered.xml", Some(&https.ca)))
        .await
        .unwrap_err();
    assert!(
        format!("{tampered:#}").contains("does not verify"),
        "{tampered:#}"
    );
    let unknown_ca = sp(trust("federation-metadata.xml", None))
        .await
        .unwrap_err();
    assert!(
        format!("{unknown_ca:#}").contains("IdP metadata https://"),
        "{unknown_ca:#}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
