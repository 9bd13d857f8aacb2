//! Who may drive the admin API. "Loopback only" by peer address is not enough on a developer's
//! machine: a web page in their browser is on loopback too. It can send a cross-site request
//! (a no-cors `text/plain` POST needs no preflight), and through DNS rebinding it can even read
//! the answers under a hostile name that resolves to 127.0.0.1. So the admin API also refuses a
//! `Host` that is not a loopback name or address, an `Origin` that is not the sandbox's own, and
//! a POST that is not `application/json` (which a cross-site page cannot send without a
//! preflight the sandbox never approves).

use axum::http::{header, HeaderMap, Method, StatusCode};
use std::net::{IpAddr, SocketAddr};

/// Why an admin request is refused, if it is.
pub(crate) fn refusal(
    method: &Method,
    headers: &HeaderMap,
    peer: SocketAddr,
    port: u16,
) -> Option<(StatusCode, &'static str)> {
    if !peer.ip().is_loopback() {
        return Some((StatusCode::FORBIDDEN, "the admin API answers loopback only"));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if !is_loopback_authority(host) {
        return Some((
            StatusCode::FORBIDDEN,
            "the admin API answers only to a loopback Host (localhost, 127.0.0.1, [::1])",
        ));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let own = origin.to_str().ok().is_some_and(|o| is_own_origin(o, port));
        if !own {
            return Some((
                StatusCode::FORBIDDEN,
                "the admin API refuses requests from other origins",
            ));
        }
    }
    if method == Method::POST && !is_json(headers) {
        return Some((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "admin POSTs must be sent as Content-Type: application/json",
        ));
    }
    None
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// `host[:port]` naming this machine's loopback: `localhost` (and its subdomains, which
/// browsers resolve to loopback themselves), `127.0.0.0/8`, `[::1]`.
fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((inside, after)) if after.is_empty() || after.starts_with(':') => inside,
            _ => return false,
        },
        None => authority.rsplit_once(':').map_or(authority, |(host, _port)| host),
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The sandbox's own pages: http, a loopback host, the sandbox's port.
fn is_own_origin(origin: &str, port: u16) -> bool {
    let Ok(url) = url::Url::parse(origin) else {
        return false;
    };
    let authority = match url.host() {
        Some(url::Host::Domain(name)) => name.to_owned(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        None => return false,
    };
    url.scheme() == "http" && url.port_or_known_default() == Some(port) && is_loopback_authority(&authority)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_only() {
        for good in [
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:1",
            "app.localhost:3",
            "[::1]:9",
            "127.9.9.9",
        ] {
            assert!(is_loopback_authority(good), "{good}");
        }
        for bad in [
            "evil.example",
            "evil.example:80",
            "127.0.0.1.evil.example",
            "localhost.evil",
            "[::2]",
            "",
            "0.0.0.0:1",
            "[::1]x",
        ] {
            assert!(!is_loopback_authority(bad), "{bad}");
        }
    }

    #[test]
    fn own_origin_is_http_loopback_on_the_port() {
        assert!(is_own_origin("http://127.0.0.1:7878", 7878));
        assert!(is_own_origin("http://localhost:7878", 7878));
        assert!(is_own_origin("http://[::1]:7878", 7878));
        assert!(!is_own_origin("http://127.0.0.1:3000", 7878));
        assert!(!is_own_origin("https://127.0.0.1:7878", 7878));
        assert!(!is_own_origin("http://evil.example:7878", 7878));
        assert!(!is_own_origin("null", 7878));
    }
}
