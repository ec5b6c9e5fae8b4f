//! The host and port of an `opc.tcp` URL (OPC 10000-6 §7.1.1, §7.4).

use super::{Error, Result};

/// The port of an `opc.tcp` URL that names none (the IANA-registered
/// OPC UA port).
pub const DEFAULT_PORT: u16 = 4840;

/// The `host` and `port` of `opc.tcp://host[:port][/path]`; an IPv6 host is
/// written in brackets (`opc.tcp://[::1]:4840`) and returned without them.
pub fn host_and_port(url: &str) -> Result<(&str, u16)> {
    let invalid = || Error::InvalidUrl(url.to_owned());
    let rest = url
        .get(..10)
        .filter(|scheme| scheme.eq_ignore_ascii_case("opc.tcp://"))
        .and_then(|_| url.get(10..))
        .ok_or_else(invalid)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or_else(invalid)?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':').ok_or_else(invalid)?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() || host.contains(['[', ']', '@']) {
        return Err(invalid());
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => p.parse().map_err(|_| invalid())?,
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_ports_and_paths() {
        let ok = |url| host_and_port(url).unwrap();
        assert_eq!(ok("opc.tcp://127.0.0.1:4841"), ("127.0.0.1", 4841));
        assert_eq!(ok("opc.tcp://plc.local/UA/Server"), ("plc.local", 4840));
        assert_eq!(ok("OPC.TCP://h:1/x?y"), ("h", 1));
        assert_eq!(ok("opc.tcp://[::1]:4842/path"), ("::1", 4842));
        assert_eq!(ok("opc.tcp://[fe80::1]"), ("fe80::1", 4840));
    }

    #[test]
    fn what_is_not_an_opc_tcp_url() {
        for url in [
            "",
            "http://h:1",
            "opc.tcp://",
            "opc.tcp://:4840",
            "opc.tcp://h:port",
            "opc.tcp://h:70000",
            "opc.tcp://[::1",
            "opc.tcp://[::1]4840",
            "opc.tcp://user@h:1",
            "opc.tcp:/h",
        ] {
            let e = host_and_port(url).unwrap_err();
            assert_eq!(
                e.status_code(),
                crate::StatusCode::BAD_TCP_ENDPOINT_URL_INVALID,
                "{url}"
            );
        }
    }
}
