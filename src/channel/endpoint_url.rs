//! The host of an EndpointUrl (OPC 10000-6 §7.1.2.3: `opc.tcp://host:port/path`),
//! which a client checks the server's certificate against (OPC 10000-4
//! §6.1.3, Host Name).

/// The host part of `url`: a DNS name or an IPv4 address as written, or an
/// IPv6 address without its brackets. `None` when `url` has no
/// `scheme://` or an empty host.
///
/// ```
/// use uasc::channel::endpoint_host;
///
/// assert_eq!(endpoint_host("opc.tcp://plc-7.example:4840/ua"), Some("plc-7.example"));
/// assert_eq!(endpoint_host("opc.tcp://127.0.0.1:4840"), Some("127.0.0.1"));
/// assert_eq!(endpoint_host("opc.tcp://[::1]:4840/"), Some("::1"));
/// assert_eq!(endpoint_host("opc.tcp://user@host"), Some("host"));
/// assert_eq!(endpoint_host("no scheme"), None);
/// ```
pub fn endpoint_host(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split_once(']')?.0,
        None => host_port.split(':').next().unwrap_or_default(),
    };
    (!host.is_empty()).then_some(host)
}
