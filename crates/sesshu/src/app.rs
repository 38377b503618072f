//! Wiring: the store chosen once at start-up, the router, the listener.

use crate::Config;
use anyhow::Context;
use secrecy::ExposeSecret;
use sesshu_auth::{Directory, LoginThrottle, Logins, PasswordPolicy};
use sesshu_domain::{Clock, SystemClock};
use sesshu_store::DynStore;
use sesshu_store_postgres::PgStore;
use sesshu_store_sqlite::SqliteStore;
#[cfg(feature = "saml")]
use sesshu_web::WithSaml as _;
use sesshu_web::{AppState, WebConfig};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Opens the database named by `url` and applies its migrations. This is the
/// only place that asks which database Sesshu runs on.
pub async fn open_store(url: &str, max_connections: u32) -> anyhow::Result<DynStore> {
    open_store_with(url, max_connections, true).await
}

/// Opens the database named by `url`, applying migrations if `migrate` (a
/// process logged in with a role that may not change the schema, such as
/// the public process on PostgreSQL, must not).
pub async fn open_store_with(
    url: &str,
    max_connections: u32,
    migrate: bool,
) -> anyhow::Result<DynStore> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PgStore::connect(url, max_connections)
            .await
            .context("cannot connect to PostgreSQL")?;
        if migrate {
            store
                .migrate()
                .await
                .context("PostgreSQL migrations failed")?;
        }
        Ok(Arc::new(store))
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        if let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let store = SqliteStore::connect(path)
            .await
            .context("cannot open the SQLite database")?;
        if migrate {
            store.migrate().await.context("SQLite migrations failed")?;
        }
        Ok(Arc::new(store))
    }
}

/// What the application is built from.
#[derive(Debug)]
pub struct Parts {
    pub store: DynStore,
    pub clock: Arc<dyn Clock>,
    pub web: WebConfig,
    pub passwords: PasswordPolicy,
    pub throttle: sesshu_auth::ThrottleLimits,
    /// The back office's public key: personal data is sealed to it.
    pub sealing: sesshu_vault::SealingKey,
}

impl Parts {
    pub fn from_config(
        config: &Config,
        store: DynStore,
        clock: Arc<dyn Clock>,
        sealing: sesshu_vault::SealingKey,
    ) -> Self {
        Self {
            store,
            clock,
            web: config.web(),
            passwords: PasswordPolicy::default(),
            throttle: config.login_throttle.limits(),
            sealing,
        }
    }
}

/// The public process, bound and ready to serve.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    state: AppState,
    /// `GET /metrics`, on a listener of its own.
    metrics: Option<TcpListener>,
}

impl Application {
    /// Builds the app and binds `listen` (port 0 picks a free port), so the
    /// address is known before anything is served.
    pub async fn build(parts: Parts, listen: SocketAddr) -> anyhow::Result<Self> {
        let listener = bind(listen).await?;
        Ok(Self::build_inner(parts, listener, |state| state))
    }

    /// The app with GakuNin login through `sp`, on a bound `listener` (the
    /// SP must know its URL, so bind first).
    #[cfg(feature = "saml")]
    pub fn build_with_saml(parts: Parts, listener: TcpListener, sp: sesshu_saml::SamlSp) -> Self {
        Self::build_inner(parts, listener, |state| state.with_saml(sp))
    }

    fn build_inner(
        parts: Parts,
        listener: TcpListener,
        extend: impl FnOnce(AppState) -> AppState,
    ) -> Self {
        let directory = Directory::new(parts.store.clone(), parts.passwords);
        let logins = Logins::new(
            parts.store.clone(),
            directory,
            Arc::new(LoginThrottle::new(parts.throttle)),
            parts.sealing,
        );
        let state = extend(AppState::new(parts.store, parts.clock, logins, parts.web));
        let router = sesshu_web::router(state.clone());
        Self {
            listener,
            router,
            state,
            metrics: None,
        }
    }

    /// Serves `GET /metrics` on `listen` too (see [`sesshu_web::metrics_router`]).
    pub async fn with_metrics(self, listen: Option<SocketAddr>) -> anyhow::Result<Self> {
        Ok(Self {
            metrics: bind_metrics(listen).await?,
            ..self
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Where `/metrics` is served, if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes open requests.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let purge = tokio::spawn(purge_sessions(self.state.store()));
        let metrics = self
            .metrics
            .map(|l| serve_metrics(l, sesshu_web::metrics_router(self.state.clone())));
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        purge.abort();
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        served.context("server failed")
    }
}

async fn bind_metrics(listen: Option<SocketAddr>) -> anyhow::Result<Option<TcpListener>> {
    match listen {
        Some(listen) => {
            let listener = bind(listen).await.context("metrics_listen")?;
            tracing::info!(address = %listener.local_addr()?, "metrics at /metrics");
            Ok(Some(listener))
        }
        None => Ok(None),
    }
}

/// Serves a process's `/metrics` until aborted.
fn serve_metrics(listener: TcpListener, router: axum::Router) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::warn!(error = %e, "metrics listener failed");
        }
    })
}

/// Deletes expired sessions every ten minutes (wall-clock, as tower-sessions
/// stamps them).
async fn purge_sessions(store: DynStore) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        match store.sessions_purge(SystemClock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(sessions = n, "expired sessions deleted"),
            Err(e) => tracing::warn!(error = %e, "session purge failed"),
        }
    }
}

/// What the back office is built from.
#[derive(Debug)]
pub struct OfficeParts {
    pub store: DynStore,
    pub clock: Arc<dyn Clock>,
    /// The private keys: the office opens personal data.
    pub keys: sesshu_vault_open::Keyring,
    pub passwords: PasswordPolicy,
    pub throttle: sesshu_auth::ThrottleLimits,
    pub config: sesshu_office::OfficeConfig,
    /// Mail: the office runs the outbox worker (docs/mail.md).
    pub mail: Option<MailParts>,
}

/// Where the office's mail worker sends, and how it runs.
#[derive(Debug)]
pub struct MailParts {
    pub transport: sesshu_mail::MailTransport,
    pub settings: sesshu_mail::WorkerSettings,
}

/// How the back office meets its browsers.
#[derive(Clone, Debug)]
pub enum OfficeTransport {
    /// Its own HTTPS listener, client certificates checked in the handshake.
    Tls(sesshu_office::tls::TlsFiles),
    /// Plain HTTP on loopback behind a proxy that checks them.
    BehindProxy,
}

/// The back-office process, bound and ready to serve.
#[derive(Debug)]
pub struct OfficeApplication {
    listener: TcpListener,
    state: sesshu_office::OfficeState,
    transport: OfficeTransport,
    store: DynStore,
    worker: Option<sesshu_mail::Worker>,
    metrics: Option<TcpListener>,
}

impl OfficeApplication {
    /// Builds the office, checks its TLS files now (a wrong path fails at
    /// start, not at the first connection) and binds `listen`.
    pub async fn build(
        parts: OfficeParts,
        listen: SocketAddr,
        transport: OfficeTransport,
    ) -> anyhow::Result<Self> {
        match &transport {
            OfficeTransport::Tls(files) => {
                files.server_config().context("the office's TLS files")?;
            }
            OfficeTransport::BehindProxy => anyhow::ensure!(
                listen.ip().is_loopback(),
                "behind a proxy the office listens on loopback only, not {listen}"
            ),
        }
        let listener = bind(listen).await?;
        let hashes = Directory::new(parts.store.clone(), parts.passwords.clone());
        let logins = sesshu_auth::StaffLogins::new(
            parts.store.clone(),
            hashes,
            Arc::new(LoginThrottle::new(parts.throttle)),
        );
        let worker = parts.mail.map(|mail| {
            sesshu_mail::Worker::new(
                parts.store.clone(),
                parts.keys.clone(),
                mail.transport,
                parts.clock.clone(),
                mail.settings,
            )
        });
        let state = sesshu_office::OfficeState::new(
            parts.store.clone(),
            parts.clock,
            parts.keys,
            logins,
            parts.passwords,
            parts.config,
        );
        Ok(Self {
            listener,
            state,
            transport,
            store: parts.store,
            worker,
            metrics: None,
        })
    }

    /// Serves `GET /metrics` on `listen` too (see [`sesshu_office::metrics_router`]).
    pub async fn with_metrics(self, listen: Option<SocketAddr>) -> anyhow::Result<Self> {
        Ok(Self {
            metrics: bind_metrics(listen).await?,
            ..self
        })
    }

    /// Where `/metrics` is served, if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The office with GakuNin login for administrators through `sp` (an
    /// SP on the office's own origin).
    #[cfg(feature = "saml")]
    pub fn with_saml(self, sp: sesshu_saml::SamlSp) -> Self {
        Self {
            state: self.state.with_saml(sp),
            ..self
        }
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then finishes open requests.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let purge = tokio::spawn(purge_sessions(self.store.clone()));
        // The mail worker stops with the listener: it finishes the mail in
        // hand, so a restart does not send it twice.
        let (stop, mut stopping) = tokio::sync::watch::channel(false);
        let worker = self.worker.map(|worker| {
            tokio::spawn(worker.run(async move {
                let _ = stopping.changed().await;
            }))
        });
        let shutdown = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let metrics = self
            .metrics
            .map(|l| serve_metrics(l, sesshu_office::metrics_router(self.state.clone())));
        let router = sesshu_office::router(self.state);
        let served = match self.transport {
            OfficeTransport::Tls(files) => {
                sesshu_office::tls::serve(self.listener, files, router, shutdown)
                    .await
                    .map_err(anyhow::Error::from)
            }
            OfficeTransport::BehindProxy => {
                sesshu_office::behind_proxy::serve(self.listener, router, shutdown)
                    .await
                    .map_err(anyhow::Error::from)
            }
        };
        purge.abort();
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        served.context("office server failed")
    }
}

/// Installs ring as the process's one TLS crypto provider (rustls, lettre
/// and ldap3 would otherwise disagree). Idempotent.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Binds `listen` (port 0 picks a free port).
pub async fn bind(listen: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// The database URL of a config, for opening the store.
pub fn database_url(config: &Config) -> &str {
    config.database_url.expose_secret()
}

/// The SAML service provider for every institution that logs in with
/// GakuNin: their IdP metadata is read (and its signature checked) now, and
/// start-up fails if any is unusable. Changing institutions needs a restart.
#[cfg(feature = "saml")]
pub async fn saml_sp(
    public_origin: &str,
    credentials: sesshu_saml::SpCredentials,
    store: &DynStore,
) -> anyhow::Result<sesshu_saml::SamlSp> {
    use sesshu_domain::{LoginMethod, MetadataSource};
    let mut sp = sesshu_saml::SamlSp::new(public_origin, credentials);
    let now = SystemClock.now();
    for institution in store.institutions().await? {
        let LoginMethod::Saml(settings) = &institution.login else {
            continue;
        };
        let xml = match &settings.metadata {
            MetadataSource::File(path) => std::fs::read_to_string(path)
                .with_context(|| format!("{}: IdP metadata {path}", institution.code))?,
            MetadataSource::Url(url) => fetch_metadata(url, settings.metadata_ca.as_deref())
                .await
                .with_context(|| format!("{}: IdP metadata {url}", institution.code))?,
        };
        let signer = settings
            .metadata_signer
            .as_ref()
            .map(|path| {
                std::fs::read(path)
                    .with_context(|| format!("{}: metadata signer {path}", institution.code))
            })
            .transpose()?;
        let metadata =
            sesshu_saml::load_idp_metadata(&xml, &settings.idp_entity_id, signer.as_deref(), now)
                .with_context(|| format!("{}: IdP {}", institution.code, settings.idp_entity_id))?;
        sp.add_idp(institution.id, settings.clone(), metadata)
            .with_context(|| format!("{}: IdP {}", institution.code, settings.idp_entity_id))?;
        tracing::info!(institution = %institution.code, "GakuNin IdP trusted");
    }
    Ok(sp)
}

/// Downloads federation metadata over HTTPS (the master requires `https://`
/// and a pinned signer for URLs: TLS only keeps the download private, the
/// signature is what is trusted).
#[cfg(feature = "saml")]
async fn fetch_metadata(url: &str, ca_file: Option<&str>) -> anyhow::Result<String> {
    /// GakuNin's aggregate is some megabytes; refuse anything absurd.
    const MAX: usize = 64 << 20;
    install_tls_provider();
    let mut client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .https_only(true);
    if let Some(ca) = ca_file {
        let pem = std::fs::read(ca).with_context(|| format!("metadata CA {ca}"))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .with_context(|| format!("metadata CA {ca}"))?;
        client = client.tls_certs_only(certs);
    }
    let response = client.build()?.get(url).send().await?.error_for_status()?;
    if response.content_length().is_some_and(|n| n > MAX as u64) {
        anyhow::bail!("larger than {MAX} bytes");
    }
    let bytes = response.bytes().await?;
    anyhow::ensure!(bytes.len() <= MAX, "larger than {MAX} bytes");
    Ok(String::from_utf8(bytes.to_vec())?)
}
