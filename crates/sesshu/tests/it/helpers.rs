//! The test application and its clients.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use sesshu::app::Parts;
use sesshu::{Application, open_store};
use sesshu_auth::{PasswordPolicy, ThrottleLimits};
use sesshu_domain::{
    Contact, DoseInterval, DoseNumber, InstitutionCode, InstitutionId, LaneId, MailAddress,
    ManualClock, Profile, SlotEligibility, SlotId, Subject, TOKYO, UserType, VaccineId, VenueId,
};
use sesshu_store::{DynStore, NewInstitution, NewLane, NewMember, NewSlot, NewVaccine, NewVenue};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::OnceCell;

/// Runs each test body once on SQLite and once on PostgreSQL.
macro_rules! on_both_databases {
    ($($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block)*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    let $app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await;
                    $body
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    let Some($app) = $crate::helpers::TestApp::spawn_postgres().await else {
                        return;
                    };
                    $body
                }
            }
        )*
    };
}
pub(crate) use on_both_databases;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A Tokyo wall-clock time.
pub fn tokyo(date: &str, time: &str) -> DateTime<Utc> {
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date");
    let time = NaiveTime::parse_from_str(time, "%H:%M").expect("time");
    TOKYO
        .from_local_datetime(&day.and_time(time))
        .single()
        .expect("Tokyo time")
        .with_timezone(&Utc)
}

/// The minute every test starts at: Tuesday 1 December 2026, 09:00 in Tokyo.
pub fn start_of_tests() -> DateTime<Utc> {
    tokyo("2026-12-01", "09:00")
}

/// The reference data every test has.
#[derive(Clone, Debug)]
pub struct Fixture {
    pub uni: InstitutionId,
    pub staff_only: InstitutionId,
    pub venue: VenueId,
    pub lane_a: LaneId,
    pub lane_b: LaneId,
    pub vaccine: VaccineId,
}

pub struct TestApp {
    pub base: String,
    /// The base URL of the process's `/metrics` listener.
    pub metrics: String,
    pub clock: Arc<ManualClock>,
    pub store: DynStore,
    pub fixture: Fixture,
    pub backend: Backend,
    /// The URL of this test's database.
    pub database_url: String,
    /// The back office's key pair: tests read personal data as it would.
    pub vault: sesshu_vault_open::OpeningKey,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    sqlite_dir: Option<PathBuf>,
}

/// A door no test crowd fills.
const WIDE_OPEN: sesshu_http::admission::AdmissionLimits =
    sesshu_http::admission::AdmissionLimits {
        in_flight: 4096,
        queue: 4096,
        wait: std::time::Duration::from_secs(60),
        retry_after: std::time::Duration::from_secs(1),
    };

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The server URL of the private PostgreSQL cluster the test scripts start.
fn postgres_server() -> Option<String> {
    match std::env::var("SESSHU_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("SESSHU_TEST_SKIP_POSTGRES").as_deref() == Ok("1") => None,
        _ => panic!(
            "PostgreSQL tests need SESSHU_TEST_POSTGRES_URL: run scripts/test.sh, or \
             `scripts/test-env.sh up && . .test-env/env`. (SESSHU_TEST_SKIP_POSTGRES=1 skips \
             them locally; CI never sets it.)"
        ),
    }
}

fn with_database(server: &str, database: &str) -> String {
    let (base, _) = server.rsplit_once('/').expect("URL with a database");
    format!("{base}/{database}")
}

/// A migrated database that each test's database is cloned from.
static TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn postgres_template(server: &str) -> String {
    TEMPLATE
        .get_or_init(|| async {
            let admin = sqlx::PgPool::connect(server)
                .await
                .expect("connect to PostgreSQL");
            // Databases of earlier runs.
            let stale: Vec<String> = sqlx::query_scalar(
                "SELECT datname FROM pg_database WHERE datname LIKE 'sesshu\\_t\\_%' \
                 OR datname LIKE 'sesshu\\_tpl\\_%'",
            )
            .fetch_all(&admin)
            .await
            .expect("list databases");
            // Only those of test processes that have ended: another run may be
            // using its databases right now.
            let ended = |name: &str| {
                let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
                pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
            };
            for name in stale.iter().filter(|n| ended(n)) {
                let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&admin).await;
            }
            let template = format!("sesshu_tpl_{}_", std::process::id());
            let create = format!("CREATE DATABASE \"{template}\"");
            sqlx::query(sqlx::AssertSqlSafe(create))
                .execute(&admin)
                .await
                .expect("create template database");
            let store =
                sesshu_store_postgres::PgStore::connect(&with_database(server, &template), 1)
                    .await
                    .expect("connect to template");
            store.migrate().await.expect("migrate template");
            store.pool().close().await;
            admin.close().await;
            template
        })
        .await
        .clone()
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(unique("sesshu_test"));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = dir.join("test.sqlite").to_string_lossy().into_owned();
                let store = open_store(&url, 16).await.expect("open SQLite");
                Self::start(store, backend, url, Some(dir)).await
            }
            Backend::Postgres => Self::spawn_postgres()
                .await
                .expect("PostgreSQL tests are skipped"),
        }
    }

    /// `None` only when PostgreSQL tests are explicitly skipped.
    pub async fn spawn_postgres() -> Option<TestApp> {
        let (store, url) = new_postgres_database().await?;
        Some(Self::start(store, Backend::Postgres, url, None).await)
    }

    async fn start(
        store: DynStore,
        backend: Backend,
        database_url: String,
        sqlite_dir: Option<PathBuf>,
    ) -> TestApp {
        Self::start_with(store, backend, database_url, sqlite_dir, Extra::None).await
    }

    /// An app on SQLite configured as for TLS (`secure_cookies = true`).
    pub async fn spawn_secure() -> TestApp {
        let dir = std::env::temp_dir().join(unique("sesshu_test"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = dir.join("test.sqlite").to_string_lossy().into_owned();
        let store = open_store(&url, 16).await.expect("open SQLite");
        Self::start_with(store, Backend::Sqlite, url, Some(dir), Extra::SecureCookies).await
    }

    /// An app on SQLite whose door in front of logins, bookings and the
    /// personal pages has `admission`, and whose API has `requests`.
    pub async fn spawn_with_door(
        admission: sesshu_http::admission::AdmissionLimits,
        requests: sesshu_http::limits::RequestLimitSettings,
    ) -> TestApp {
        let dir = std::env::temp_dir().join(unique("sesshu_test"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = dir.join("test.sqlite").to_string_lossy().into_owned();
        let store = open_store(&url, 16).await.expect("open SQLite");
        Self::start_with(
            store,
            Backend::Sqlite,
            url,
            Some(dir),
            Extra::Door(admission, requests),
        )
        .await
    }

    /// An app whose SAML service provider trusts the IdPs of `institutions`
    /// (added to the database first, as the master import would).
    #[cfg(feature = "saml")]
    pub async fn spawn_saml(
        backend: Backend,
        institutions: Vec<sesshu_store::NewInstitution>,
    ) -> Option<TestApp> {
        let (store, url, dir) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(unique("sesshu_test"));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = dir.join("test.sqlite").to_string_lossy().into_owned();
                (
                    open_store(&url, 16).await.expect("open SQLite"),
                    url,
                    Some(dir),
                )
            }
            Backend::Postgres => {
                let (store, url) = new_postgres_database().await?;
                (store, url, None)
            }
        };
        Some(Self::start_with(store, backend, url, dir, Extra::Saml(institutions)).await)
    }

    async fn start_with(
        store: DynStore,
        backend: Backend,
        database_url: String,
        sqlite_dir: Option<PathBuf>,
        extra: Extra,
    ) -> TestApp {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "info,sqlx=warn".into()),
            )
            .with_test_writer()
            .try_init();
        let clock = Arc::new(ManualClock::new(start_of_tests()));
        let vault = sesshu_vault_open::OpeningKey::generate();
        let fixture = match store
            .institution_by_code(&InstitutionCode::parse("uni").expect("code"))
            .await
            .expect("read")
        {
            Some(_) => seeded(&store).await,
            None => seed(&store).await,
        };
        let parts = Parts {
            store: store.clone(),
            clock: clock.clone(),
            web: sesshu_web::WebConfig {
                secure_cookies: matches!(extra, Extra::SecureCookies),
                session_idle_minutes: 60,
                public_origin: None,
                // As behind nginx on the same host: a test may say who the
                // client is with `X-Forwarded-For`.
                trusted_proxies: vec![std::net::Ipv4Addr::LOCALHOST.into()],
                // Tests race crowds through the API: the doors let them all
                // in unless a test asks for a door (`spawn_with_door`).
                admission: match &extra {
                    Extra::Door(limits, _) => *limits,
                    _ => WIDE_OPEN,
                },
                login_admission: match &extra {
                    Extra::Door(limits, _) => *limits,
                    _ => WIDE_OPEN,
                },
                request_limits: match &extra {
                    Extra::Door(_, limits) => *limits,
                    // Tests race crowds from one address and one session.
                    _ => sesshu_http::limits::RequestLimitSettings {
                        per_address: sesshu_http::limits::Rate {
                            per_second: 0,
                            burst: 0,
                        },
                        per_session: sesshu_http::limits::Rate {
                            per_second: 0,
                            burst: 0,
                        },
                    },
                },
            },
            passwords: PasswordPolicy::insecure_fast_for_tests(),
            throttle: ThrottleLimits::default(),
            sealing: vault.sealing_key().clone(),
        };
        let listener = sesshu::app::bind("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let app = match extra {
            Extra::None | Extra::SecureCookies | Extra::Door(..) => {
                drop(listener);
                Application::build(
                    parts,
                    base.trim_start_matches("http://").parse().expect("addr"),
                )
                .await
                .expect("build app")
            }
            #[cfg(feature = "saml")]
            Extra::Saml(institutions) => {
                store
                    .upsert_institutions(&institutions)
                    .await
                    .expect("institutions");
                let credentials =
                    sesshu_saml::SpCredentials::generate("sesshu-test").expect("SP credentials");
                let sp = sesshu::app::saml_sp(&base, credentials, &store)
                    .await
                    .expect("the SP trusts the IdPs");
                Application::build_with_saml(parts, listener, sp)
            }
        };
        let app = app
            .with_metrics(Some("127.0.0.1:0".parse().expect("addr")))
            .await
            .expect("metrics listener");
        let metrics = format!("http://{}", app.metrics_addr().expect("metrics bound"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.run(async {
                let _ = rx.await;
            })
            .await
            .expect("server");
        });
        TestApp {
            base,
            metrics,
            clock,
            store,
            fixture,
            backend,
            database_url,
            vault,
            shutdown: Some(tx),
            server: Some(server),
            sqlite_dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Adds a member to the built-in directory of `institution` (password
    /// `secret`).
    pub async fn member(&self, institution: InstitutionId, login: &str, user_type: UserType) {
        let hash = PasswordPolicy::insecure_fast_for_tests()
            .hash("secret")
            .expect("hash");
        self.store
            .upsert_members(
                &[NewMember {
                    institution,
                    login: Subject::parse(login).expect("login"),
                    password_hash: hash,
                    user_type,
                    department: None,
                    personal: sesshu_auth::seal_profile(
                        self.vault.sealing_key(),
                        &sesshu_store::Owner::login(institution.get(), login),
                        &Profile {
                            display_name: Some(format!("{login} Example")),
                            display_name_ja: Some(format!("{login} 例")),
                            name_kana: None,
                            mail: Some(
                                MailAddress::parse(&format!("{login}@example.ac.jp"))
                                    .expect("mail"),
                            ),
                        },
                    )
                    .expect("seal"),
                    disabled: false,
                }],
                start_of_tests(),
            )
            .await
            .expect("member");
    }

    /// A person's personal data as the back office reads it: opened with
    /// the vault's private key.
    pub async fn personal(&self, institution: InstitutionId, subject: &str) -> Profile {
        let owner = sesshu_store::Owner::login(institution.get(), subject);
        let mut profile = Profile::default();
        for (field, sealed) in self.store.personal_data(&owner).await.expect("read") {
            let value = self.vault.open(&owner, field, &sealed).expect("opens");
            match field {
                sesshu_store::Field::NameRoman => profile.display_name = Some(value),
                sesshu_store::Field::NameKanji => profile.display_name_ja = Some(value),
                sesshu_store::Field::NameKana => profile.name_kana = Some(value),
                sesshu_store::Field::Mail => {
                    profile.mail = Some(MailAddress::parse(&value).expect("mail"))
                }
                other => panic!("a dose's field in personal_data: {other:?}"),
            }
        }
        profile
    }

    /// A store on this test's PostgreSQL database that logs in as the
    /// public process does: a login role in `sesshu_public` (the grants of
    /// the migrations); and its URL.
    pub async fn public_role_store(&self) -> (DynStore, String) {
        assert_eq!(self.backend, Backend::Postgres, "roles are PostgreSQL's");
        let role = format!("sesshu_pub_test_{}", std::process::id());
        let admin = sqlx::PgPool::connect(&self.database_url)
            .await
            .expect("connect");
        let create = format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN \
             CREATE ROLE {role} LOGIN IN ROLE sesshu_public; END IF; END $$"
        );
        sqlx::query(sqlx::AssertSqlSafe(create))
            .execute(&admin)
            .await
            .expect("the public role");
        admin.close().await;
        let url = self
            .database_url
            .replacen("postgres@", &format!("{role}@"), 1);
        let store = sesshu::app::open_store_with(&url, 4, false)
            .await
            .expect("connect as the public role");
        (store, url)
    }

    /// A logged-in API client for a new student of `uni`.
    /// What the audit trail's entries say, one line each (action, actor,
    /// objects, detail; not the hashes, whose hex digits may hold any short
    /// run of digits by chance): for "no personal value in the trail".
    pub async fn audit_text(&self) -> String {
        self.store
            .audit_records(0, 10_000)
            .await
            .expect("audit trail")
            .iter()
            .map(|r| {
                let e = &r.entry;
                format!(
                    "{} {} {:?} {}\n",
                    e.action.code(),
                    e.actor,
                    e.objects,
                    e.detail
                )
            })
            .collect()
    }

    /// A new office account of `role` (a built-in login whose password is
    /// never used: operations are called with its id).
    pub async fn admin_account(&self, role: sesshu_domain::Role) -> sesshu_domain::AdminId {
        let at = sesshu_domain::Clock::now(self.clock.as_ref());
        let entry = sesshu_domain::AuditEntry {
            at,
            actor: "test".into(),
            role: "test".into(),
            action: sesshu_domain::AuditAction::AdminCreate,
            objects: Vec::new(),
            detail: String::new(),
            origin: "local".into(),
        };
        self.store
            .insert_admin(
                &sesshu_store::NewAdmin {
                    directory: sesshu_domain::StaffDirectory::Builtin,
                    login: Subject::parse(&unique("desk")).expect("login"),
                    role,
                    password_hash: Some("unused".into()),
                    at,
                },
                &entry,
            )
            .await
            .expect("admin account")
    }

    pub async fn student(&self, login: &str) -> Client {
        self.member(self.fixture.uni, login, UserType::Student)
            .await;
        let client = self.client();
        client.login("uni", login, "secret").await;
        client
    }

    pub fn client(&self) -> Client {
        // reqwest is built with TLS when the `saml` feature is on.
        sesshu::app::install_tls_provider();
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: self.base.clone(),
        }
    }

    /// Adds a slot at a Tokyo date and time, 30 minutes long, open now.
    pub async fn slot(
        &self,
        dose: u8,
        date: &str,
        time: &str,
        lane: LaneId,
        capacity: u32,
    ) -> SlotId {
        self.slot_with(dose, date, time, lane, capacity, SlotEligibility::default())
            .await
    }

    pub async fn slot_with(
        &self,
        dose: u8,
        date: &str,
        time: &str,
        lane: LaneId,
        capacity: u32,
        eligibility: SlotEligibility,
    ) -> SlotId {
        let starts_at = tokyo(date, time);
        self.store
            .insert_slots(&[NewSlot {
                venue: self.fixture.venue,
                lane,
                vaccine: self.fixture.vaccine,
                dose: DoseNumber::new(dose).expect("dose"),
                starts_at,
                ends_at: starts_at + chrono::Duration::minutes(30),
                capacity,
                opens_at: start_of_tests() - chrono::Duration::days(1),
                eligibility,
            }])
            .await
            .expect("slot")[0]
    }

    /// `free` of a slot as the public availability API reports it.
    pub async fn free(&self, slot: SlotId) -> i64 {
        let slot = self.store.slot(slot).await.expect("slot").expect("exists");
        let day = slot
            .starts_at
            .with_timezone(&TOKYO)
            .format("%Y-%m-%d")
            .to_string();
        let (status, body) = self
            .client()
            .get(&format!("/api/v1/availability?from={day}&to={day}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body.as_array()
            .expect("array")
            .iter()
            .find(|s| s["slot_id"] == slot.id.get())
            .map(|s| s["free"].as_i64().expect("free"))
            .expect("slot listed")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if let Some(dir) = self.sqlite_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A fresh database cloned from the migrated template; `None` only when
/// PostgreSQL tests are explicitly skipped.
async fn new_postgres_database() -> Option<(DynStore, String)> {
    let server = postgres_server()?;
    let template = postgres_template(&server).await;
    let name = unique("sesshu_t");
    let admin = sqlx::PgPool::connect(&server).await.expect("connect");
    let create = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
    sqlx::query(sqlx::AssertSqlSafe(create))
        .execute(&admin)
        .await
        .expect("create test database");
    admin.close().await;
    let url = with_database(&server, &name);
    let store = open_store(&url, 32).await.expect("open PostgreSQL");
    Some((store, url))
}

/// What else an app is built with.
enum Extra {
    None,
    /// As deployed behind TLS: `Secure` cookies and HSTS (the server itself
    /// still answers plain HTTP on loopback).
    SecureCookies,
    /// A door of these limits in front of the expensive routes, and these
    /// request limits on the API.
    Door(
        sesshu_http::admission::AdmissionLimits,
        sesshu_http::limits::RequestLimitSettings,
    ),
    #[cfg(feature = "saml")]
    Saml(Vec<sesshu_store::NewInstitution>),
}

/// The fixture of a database seeded before.
async fn seeded(store: &DynStore) -> Fixture {
    let code = |c: &str| InstitutionCode::parse(c).expect("code");
    let uni = store
        .institution_by_code(&code("uni"))
        .await
        .expect("read")
        .expect("uni");
    let staff_only = store
        .institution_by_code(&code("staffonly"))
        .await
        .expect("read")
        .expect("staffonly");
    let catalog = store.catalog().await.expect("catalog");
    Fixture {
        uni: uni.id,
        staff_only: staff_only.id,
        venue: catalog.venues[0].id,
        lane_a: catalog.lanes[0].id,
        lane_b: catalog.lanes[1].id,
        vaccine: catalog.vaccines[0].id,
    }
}

/// Institutions `uni` (staff and students) and `staffonly` (staff only), a
/// venue with lanes A and B, and a vaccine with a 28-day interval.
async fn seed(store: &DynStore) -> Fixture {
    let institution = |code: &str, types: &[UserType]| NewInstitution {
        code: InstitutionCode::parse(code).expect("code"),
        name_ja: format!("{code}大学"),
        name_en: format!("{code} University"),
        contact: Contact {
            office_ja: "接種係".into(),
            office_en: "Vaccination desk".into(),
            mail: format!("vaccine@{code}.example.ac.jp"),
            phone: "022-123-4567".into(),
            url: format!("https://{code}.example.ac.jp/vaccine"),
        },
        eligible_user_types: types.iter().copied().collect::<BTreeSet<_>>(),
        ..NewInstitution::builtin(
            InstitutionCode::parse(code).expect("code"),
            &format!("{code}大学"),
            &format!("{code} University"),
        )
    };
    let uni = store
        .insert_institution(&institution("uni", &[UserType::Staff, UserType::Student]))
        .await
        .expect("uni");
    let staff_only = store
        .insert_institution(&institution("staffonly", &[UserType::Staff]))
        .await
        .expect("staffonly");
    let venue = store
        .insert_venue(&NewVenue {
            name_ja: "駅前会場".into(),
            name_en: "Station Venue".into(),
        })
        .await
        .expect("venue");
    let lane = |name: &str| NewLane {
        venue,
        name_ja: format!("レーン{name}"),
        name_en: format!("Lane {name}"),
    };
    let lane_a = store.insert_lane(&lane("A")).await.expect("lane");
    let lane_b = store.insert_lane(&lane("B")).await.expect("lane");
    let vaccine = store
        .insert_vaccine(&NewVaccine {
            name_ja: "モデルナ".into(),
            name_en: "Moderna".into(),
            second_dose_after: Some(DoseInterval { days: 28 }),
            codes: sesshu_domain::VaccineCodes {
                cvx: "207".into(),
                maker: "武田薬品工業株式会社".into(),
            },
        })
        .await
        .expect("vaccine");
    Fixture {
        uni,
        staff_only,
        venue,
        lane_a,
        lane_b,
        vaccine,
    }
}

/// An HTTP client with its own cookie jar: one person's browser or script.
#[derive(Clone, Debug)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub async fn login(&self, institution: &str, login: &str, password: &str) {
        let (status, body) = self
            .post(
                "/api/v1/login",
                &serde_json::json!({"institution": institution, "login": login, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login failed: {body}");
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        json(response).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .expect("POST");
        json(response).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .http
            .patch(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .expect("PATCH");
        json(response).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .delete(format!("{}{path}", self.base))
            .send()
            .await
            .expect("DELETE");
        json(response).await
    }

    /// Books `slot` through the API.
    pub async fn book(&self, slot: SlotId) -> (StatusCode, Value) {
        self.post(
            "/api/v1/me/reservations",
            &serde_json::json!({"slot_id": slot.get()}),
        )
        .await
    }

    /// Fetches a page, returning its status and HTML.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET page");
        let status = response.status();
        (status, response.text().await.expect("HTML"))
    }
}

async fn json(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// The value of `<input name="NAME" value="…">` in a page.
pub fn form_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_owned()
}

/// The text of a page as a reader sees it: tags removed, whitespace collapsed.
pub fn visible_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
