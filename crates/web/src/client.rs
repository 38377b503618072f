//! The client's address, as the login throttle counts it: the peer, or
//! behind a configured reverse proxy the address the proxy saw.

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sesshu_http::client::client_address;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Who sent the request (see [`sesshu_http::client::client_address`]).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        // Served with connect info always (`sesshu::app`); a router without
        // it (a unit test) counts everyone as one local client.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip());
        Ok(ClientIp(client_address(
            peer,
            &parts.headers,
            &state.config().trusted_proxies,
        )))
    }
}
