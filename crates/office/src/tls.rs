//! The back office's listener: HTTPS that requires a client certificate
//! from the configured CA, checked in the TLS handshake. A browser without
//! one, or with one from another CA, expired or revoked, never reaches an
//! HTTP handler.
//!
//! The certificate revocation list is re-read when its file changes, so
//! `sesshu certs revoke` takes effect on the next connection without a
//! restart.

use axum::Router;
use axum::extract::Request;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls::RootCertStore;
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// Where the listener's certificate and the client CA are.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The server's certificate chain (PEM).
    pub cert: PathBuf,
    /// The server's private key (PEM, PKCS#8 or SEC1 or PKCS#1).
    pub key: PathBuf,
    /// The CA whose client certificates are accepted (PEM).
    pub client_ca: PathBuf,
    /// Revoked client certificates (PEM CRLs), if any.
    pub client_crl: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("TLS configuration: {0}")]
    Config(String),
}

fn file_error(path: &Path, reason: impl ToString) -> TlsError {
    TlsError::File {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// Who is on the other end of a connection: its address and its client
/// certificate, for the audit trail.
#[derive(Clone, Debug)]
pub struct Peer {
    pub address: SocketAddr,
    /// The first 16 hex digits of the certificate's SHA-256.
    pub certificate: String,
}

impl Peer {
    /// How the audit trail says where a request came from.
    pub fn origin(&self) -> String {
        format!("{} cert:{}", self.address.ip(), self.certificate)
    }
}

impl TlsFiles {
    /// Reads every file and builds the rustls configuration (TLS 1.2 and
    /// 1.3, ring, client certificates mandatory).
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.cert)
            .map_err(|e| file_error(&self.cert, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| file_error(&self.cert, e))?;
        if chain.is_empty() {
            return Err(file_error(&self.cert, "no certificate in the file"));
        }
        let key = PrivateKeyDer::from_pem_file(&self.key).map_err(|e| file_error(&self.key, e))?;
        let mut roots = RootCertStore::empty();
        for ca in CertificateDer::pem_file_iter(&self.client_ca)
            .map_err(|e| file_error(&self.client_ca, e))?
        {
            let ca = ca.map_err(|e| file_error(&self.client_ca, e))?;
            roots.add(ca).map_err(|e| file_error(&self.client_ca, e))?;
        }
        if roots.is_empty() {
            return Err(file_error(&self.client_ca, "no CA certificate in the file"));
        }
        let crls: Vec<CertificateRevocationListDer<'static>> = match &self.client_crl {
            Some(path) => CertificateRevocationListDer::pem_file_iter(path)
                .map_err(|e| file_error(path, e))?
                .collect::<Result<_, _>>()
                .map_err(|e| file_error(path, e))?,
            None => Vec::new(),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .with_crls(crls)
                .build()
                .map_err(|e| TlsError::Config(e.to_string()))?;
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .map_err(|e| TlsError::Config(e.to_string()))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    fn crl_modified(&self) -> Option<SystemTime> {
        let path = self.client_crl.as_ref()?;
        std::fs::metadata(path).and_then(|m| m.modified()).ok()
    }
}

/// The configuration in use, rebuilt when the CRL file changes. A CRL that
/// does not read keeps the previous configuration (and says so in the log).
struct Current {
    files: TlsFiles,
    acceptor: TlsAcceptor,
    crl_modified: Option<SystemTime>,
}

impl Current {
    fn refresh(&mut self) {
        let modified = self.files.crl_modified();
        if modified == self.crl_modified {
            return;
        }
        self.crl_modified = modified;
        match self.files.server_config() {
            Ok(config) => {
                self.acceptor = TlsAcceptor::from(config);
                tracing::info!("client certificate revocation list reloaded");
            }
            Err(e) => tracing::error!(error = %e, "revocation list not reloaded; keeping the last"),
        }
    }
}

/// Serves `app` over TLS on `listener` until `shutdown` completes, then
/// lets open connections finish (at most ten seconds).
pub async fn serve(
    listener: TcpListener,
    files: TlsFiles,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TlsError> {
    let mut current = Current {
        acceptor: TlsAcceptor::from(files.server_config()?),
        crl_modified: files.crl_modified(),
        files,
    };
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, address) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        current.refresh();
        let acceptor = current.acceptor.clone();
        let app = app.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
            let tls = match handshake.await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    // No certificate, another CA, expired, revoked: refused
                    // here, before any HTTP.
                    tracing::info!(error = %e, "TLS handshake refused");
                    return;
                }
                Err(_) => {
                    tracing::info!("TLS handshake timed out");
                    return;
                }
            };
            let Some(certificate) = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(fingerprint)
            else {
                // The verifier makes a certificate mandatory: unreachable.
                return;
            };
            let peer = Peer {
                address,
                certificate,
            };
            let service = app.map_request(move |mut request: Request<_>| {
                request.extensions_mut().insert(peer.clone());
                request
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(TokioIo::new(tls), TowerToHyperService::new(service));
            if let Err(e) = watcher.watch(connection).await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("open connections did not finish in ten seconds");
    }
    Ok(())
}

fn fingerprint(certificate: &CertificateDer<'_>) -> String {
    Sha256::digest(certificate.as_ref())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}
