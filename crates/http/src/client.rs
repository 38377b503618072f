//! Who the client is when a reverse proxy stands in front: the address a
//! login's throttle counts, taken from the proxy's `X-Forwarded-For` only
//! when the connection comes from a configured proxy (anyone else could
//! write that header).

use axum::http::HeaderMap;
use std::net::IpAddr;

/// The client's address: `peer` itself, unless `peer` is one of `trusted`
/// (the proxies); then the right-most address of `X-Forwarded-For` that is
/// not a trusted proxy — each proxy appends the address it saw, so what
/// lies left of that was written by the client and is not believed.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            // A hop no proxy of ours would write: stop at the last one
            // believed.
            Err(_) => break,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROXY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn behind_the_proxy_the_address_it_saw_counts() {
        assert_eq!(
            client_address(PROXY, &forwarded("198.51.100.7"), &[PROXY]),
            CLIENT
        );
        assert_eq!(
            client_address(PROXY, &forwarded("203.0.113.9, 198.51.100.7"), &[PROXY]),
            CLIENT,
            "what the client wrote itself, left of the proxy's entry, is not believed"
        );
        assert_eq!(
            client_address(PROXY, &forwarded("198.51.100.7, 127.0.0.1"), &[PROXY]),
            CLIENT,
            "a chain of trusted proxies is walked"
        );
    }

    #[test]
    fn the_header_is_ignored_from_anyone_but_a_trusted_proxy() {
        assert_eq!(
            client_address(CLIENT, &forwarded("10.0.0.1"), &[PROXY]),
            CLIENT
        );
        assert_eq!(client_address(PROXY, &forwarded("10.0.0.1"), &[]), PROXY);
        assert_eq!(client_address(PROXY, &HeaderMap::new(), &[PROXY]), PROXY);
        assert_eq!(
            client_address(PROXY, &forwarded("garbage"), &[PROXY]),
            PROXY
        );
    }
}
