//! The back office under test: the real TLS listener on a free port, with a
//! CA made for the test, next to a [`TestApp`] (same store, same clock,
//! its vault's private key).

#![allow(dead_code)]

use crate::helpers::{TestApp, form_value};
use reqwest::StatusCode;
use sesshu::app::{OfficeApplication, OfficeParts};
use sesshu_auth::{PasswordPolicy, ThrottleLimits};
use sesshu_domain::{AdminId, AuditEntry, Role, StaffDirectory, Subject};
use sesshu_pki::{Ca, OffsetDateTime, Validity};
use sesshu_store::NewAdmin;
use std::path::PathBuf;
use std::sync::Mutex;

/// The password of every test administrator.
pub const PASSWORD: &str = "office-secret-1";

/// A client certificate with its key (PEM), as a browser would hold it.
#[derive(Clone, Debug)]
pub struct Certificate {
    pub cert_pem: String,
    pub key_pem: String,
    pub serial: sesshu_pki::Serial,
}

pub struct TestOffice {
    pub base: String,
    pub ca: Ca,
    pub dir: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

impl TestOffice {
    /// The office of `app`: a new CA, a server certificate for 127.0.0.1,
    /// the CA's CRL as the revocation list.
    pub async fn spawn(app: &TestApp) -> TestOffice {
        Self::spawn_with(app, |office, _| async { office }).await
    }

    /// The office of `app`, changed by `extend` (given its base URL) before
    /// it serves.
    pub async fn spawn_with<F, Fut>(app: &TestApp, extend: F) -> TestOffice
    where
        F: FnOnce(OfficeApplication, String) -> Fut,
        Fut: std::future::Future<Output = OfficeApplication>,
    {
        sesshu::app::install_tls_provider();
        let dir = std::env::temp_dir().join(format!(
            "sesshu_office_{}_{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut ca = Ca::create(&dir.join("ca"), "Sesshu test CA", now()).unwrap();
        let server = ca
            .issue_server(
                &["127.0.0.1".to_owned(), "localhost".to_owned()],
                Validity::days(now(), 30),
            )
            .unwrap();
        std::fs::write(dir.join("server.pem"), server.chain_pem()).unwrap();
        std::fs::write(dir.join("server.key"), server.key_pem()).unwrap();
        let tls = sesshu_office::tls::TlsFiles {
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
            client_ca: dir.join("ca").join(sesshu_pki::CA_CERT),
            client_crl: Some(ca.crl_path()),
        };
        let office = OfficeApplication::build(
            OfficeParts {
                store: app.store.clone(),
                clock: app.clock.clone(),
                keys: sesshu_vault_open::Keyring::new([app.vault.clone()]),
                passwords: PasswordPolicy::insecure_fast_for_tests(),
                throttle: ThrottleLimits::default(),
                // The mail pages read the outbox folder; tests run the
                // worker themselves (see `tests/it/mail.rs`).
                config: sesshu_office::OfficeConfig {
                    mail: Some(sesshu_office::OfficeMail {
                        site_url: app.base.clone(),
                        outbox: Some(dir.join("outbox")),
                    }),
                    ..sesshu_office::OfficeConfig::default()
                },
                mail: None,
            },
            "127.0.0.1:0".parse().unwrap(),
            sesshu::app::OfficeTransport::Tls(tls),
        )
        .await
        .expect("office builds");
        let base = format!("https://127.0.0.1:{}", office.local_addr().unwrap().port());
        let office = extend(office, base.clone()).await;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            office
                .run(async {
                    let _ = rx.await;
                })
                .await
                .expect("office server");
        });
        TestOffice {
            base,
            ca,
            dir,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// The outbox folder the office's mail pages list.
    pub fn outbox(&self) -> PathBuf {
        self.dir.join("outbox")
    }

    /// A client certificate from the office's CA.
    pub fn certificate(&mut self, name: &str) -> Certificate {
        self.certificate_valid(name, Validity::days(now(), 30))
    }

    pub fn certificate_valid(&mut self, name: &str, validity: Validity) -> Certificate {
        let issued = self.ca.issue_client(name, validity).unwrap();
        Certificate {
            cert_pem: issued.cert_pem().to_owned(),
            key_pem: issued.key_pem().to_owned(),
            serial: issued.serial(),
        }
    }

    /// A client certificate from the office's CA as a PKCS#12 file (key,
    /// certificate, CA) encrypted with `password`: what a browser imports.
    /// The file is in [`TestOffice::dir`], removed with the office.
    pub fn pkcs12(&mut self, name: &str, password: &str) -> PathBuf {
        let issued = self
            .ca
            .issue_client(name, Validity::days(now(), 30))
            .unwrap();
        let file = self.dir.join(format!("{}.p12", issued.serial()));
        std::fs::write(&file, issued.to_pkcs12(password).unwrap()).unwrap();
        file
    }

    /// A browser with `certificate` that trusts the office's CA.
    pub fn browser(&self, certificate: Option<&Certificate>) -> OfficeClient {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let mut builder = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .tls_certs_only([
                reqwest::Certificate::from_pem(self.ca.cert_pem().as_bytes()).unwrap(),
            ]);
        if let Some(c) = certificate {
            let pem = format!("{}{}", c.key_pem, c.cert_pem);
            builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap());
        }
        OfficeClient {
            http: builder.build().unwrap(),
            base: self.base.clone(),
            jar,
            csrf: Mutex::new(None),
        }
    }

    /// Creates a built-in administrator account (password [`PASSWORD`]).
    pub async fn account(&self, app: &TestApp, login: &str, role: Role) -> AdminId {
        let entry = AuditEntry {
            at: sesshu_domain::Clock::now(app.clock.as_ref()),
            actor: "test".into(),
            role: "test".into(),
            action: sesshu_domain::AuditAction::AdminCreate,
            objects: Vec::new(),
            detail: String::new(),
            origin: "local".into(),
        };
        app.store
            .insert_admin(
                &NewAdmin {
                    directory: StaffDirectory::Builtin,
                    login: Subject::parse(login).unwrap(),
                    role,
                    password_hash: Some(
                        PasswordPolicy::insecure_fast_for_tests()
                            .hash(PASSWORD)
                            .unwrap(),
                    ),
                    at: sesshu_domain::Clock::now(app.clock.as_ref()),
                },
                &entry,
            )
            .await
            .unwrap()
    }

    /// A browser with its own certificate, signed in as a new account.
    pub async fn signed_in(&mut self, app: &TestApp, login: &str, role: Role) -> OfficeClient {
        self.account(app, login, role).await;
        let certificate = self.certificate(login);
        let browser = self.browser(Some(&certificate));
        browser.log_in("builtin", login, PASSWORD).await;
        browser
    }
}

impl Drop for TestOffice {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// What a page answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub html: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    /// Sent to the login page.
    pub fn to_login(&self) -> bool {
        self.status == StatusCode::SEE_OTHER && self.location.as_deref() == Some("/login")
    }
}

/// One office browser: its certificate, its cookies, its CSRF token.
pub struct OfficeClient {
    pub http: reqwest::Client,
    pub base: String,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    csrf: Mutex<Option<String>>,
}

impl OfficeClient {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The `Cookie` header this browser sends.
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = self.base.parse().unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    async fn answer(&self, response: reqwest::Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let html = response.text().await.unwrap();
        if html.contains("name=\"csrf\" value=\"") {
            *self.csrf.lock().unwrap() = Some(form_value(&html, "csrf"));
        }
        Answer {
            status,
            location,
            html,
            headers,
        }
    }

    /// GET; `Err` if the connection is refused (the TLS handshake).
    pub async fn try_get(&self, path: &str) -> Result<Answer, reqwest::Error> {
        let response = self.http.get(format!("{}{path}", self.base)).send().await?;
        Ok(self.answer(response).await)
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.try_get(path).await.expect("GET")
    }

    /// Posts a form with this browser's CSRF token (fetched from the login
    /// page first if no page gave one yet).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        if self.csrf.lock().unwrap().is_none() {
            self.get("/login").await;
        }
        let token = self.csrf.lock().unwrap().clone().expect("a CSRF token");
        let mut form: Vec<(&str, &str)> = vec![("csrf", &token)];
        form.extend_from_slice(fields);
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await
            .expect("POST");
        self.answer(response).await
    }

    /// Posts a file (`multipart/form-data`, field `file`) with this
    /// browser's CSRF token.
    pub async fn upload(&self, path: &str, name: &str, bytes: Vec<u8>) -> Answer {
        self.upload_with(path, &[], name, bytes).await
    }

    /// [`OfficeClient::upload`] with more form fields.
    pub async fn upload_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        name: &str,
        bytes: Vec<u8>,
    ) -> Answer {
        if self.csrf.lock().unwrap().is_none() {
            self.get("/login").await;
        }
        let token = self.csrf.lock().unwrap().clone().expect("a CSRF token");
        let mut form = reqwest::multipart::Form::new().text("csrf", token);
        for (name, value) in fields {
            form = form.text((*name).to_owned(), (*value).to_owned());
        }
        let form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .multipart(form)
            .send()
            .await
            .expect("POST");
        self.answer(response).await
    }

    pub async fn log_in(&self, directory: &str, login: &str, password: &str) {
        let answer = self
            .post(
                "/login",
                &[
                    ("directory", directory),
                    ("login", login),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.html);
        assert_eq!(answer.location.as_deref(), Some("/"));
    }
}

/// The audit entries with `action`, oldest first.
pub async fn audited(app: &TestApp, action: &str) -> Vec<AuditEntry> {
    app.store
        .audit_records(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry)
        .filter(|e| e.action == action)
        .collect()
}
