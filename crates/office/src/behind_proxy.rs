//! The office behind a reverse proxy that checks client certificates
//! itself (nginx `ssl_verify_client on`), for sites that need one TLS front.
//!
//! The office then listens on loopback only, over plain HTTP, and takes the
//! proxy's word for the certificate: every request must say that the proxy
//! verified one (`X-Client-Verify: SUCCESS`) and which (`X-Client-Fingerprint`),
//! or it is refused. The proxy must set these headers itself, overwriting
//! whatever a browser sent (`proxy_set_header` does). Sesshu's own TLS
//! listener ([`crate::tls`]) remains the recommended setup: there nothing but
//! the handshake decides.

use crate::tls::Peer;
use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use tokio::net::TcpListener;

pub const VERIFY_HEADER: &str = "x-client-verify";
pub const FINGERPRINT_HEADER: &str = "x-client-fingerprint";
pub const REAL_IP_HEADER: &str = "x-real-ip";

/// Serves `app` on `listener`, which must be a loopback address.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let address = listener.local_addr()?;
    if !address.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "behind a proxy the office listens on loopback only, not {address}: anything \
                 that reaches the port would pass without a certificate"
            ),
        ));
    }
    let app = app.layer(axum::middleware::from_fn(peer_from_proxy));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// The peer as the proxy describes it; no description, no entry.
async fn peer_from_proxy(
    ConnectInfo(proxy): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let verified = header(VERIFY_HEADER) == Some("SUCCESS");
    // nginx's `$ssl_client_fingerprint`: SHA-1 in hex.
    let fingerprint = header(FINGERPRINT_HEADER)
        .filter(|f| f.len() >= 16 && f.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|f| f[..16].to_ascii_lowercase());
    let ip = header(REAL_IP_HEADER)
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .unwrap_or(proxy.ip());
    let (true, Some(certificate)) = (verified, fingerprint) else {
        tracing::warn!("a request reached the office without a verified client certificate");
        return (
            StatusCode::FORBIDDEN,
            "クライアント証明書が必要です。 A client certificate is required.",
        )
            .into_response();
    };
    request.extensions_mut().insert(Peer {
        address: SocketAddr::new(ip, 0),
        certificate,
    });
    next.run(request).await
}
