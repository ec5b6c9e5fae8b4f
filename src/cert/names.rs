//! The names a certificate must carry: the host name of a server and the
//! ApplicationUri of an application (OPC 10000-4 §6.1.3, steps "Host Name"
//! and "URI"; OPC 10000-6 §6.2.2 subjectAltName).

use std::net::IpAddr;

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;

fn alt_names<'c>(cert: &'c X509Certificate<'_>) -> Vec<&'c GeneralName<'c>> {
    match cert.subject_alternative_name() {
        Ok(Some(san)) => san.value.general_names.iter().collect(),
        _ => Vec::new(),
    }
}

/// Whether a dNSName or iPAddress in the subjectAltName names `host`.
/// DNS names compare without case and without a trailing dot; an address
/// compares by value (`::1` matches `0:0::1`).
pub fn host_name_matches(cert: &X509Certificate<'_>, host: &str) -> bool {
    let want = host.trim_end_matches('.');
    let ip: Option<IpAddr> = want
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok();
    alt_names(cert).into_iter().any(|name| match name {
        GeneralName::DNSName(dns) => dns.trim_end_matches('.').eq_ignore_ascii_case(want),
        GeneralName::IPAddress(bytes) => ip.is_some_and(|ip| match ip {
            IpAddr::V4(v4) => v4.octets().as_slice() == *bytes,
            IpAddr::V6(v6) => v6.octets().as_slice() == *bytes,
        }),
        _ => false,
    })
}

/// Whether a uniformResourceIdentifier in the subjectAltName equals
/// `application_uri` exactly.
pub fn uri_matches(cert: &X509Certificate<'_>, application_uri: &str) -> bool {
    alt_names(cert)
        .into_iter()
        .any(|name| matches!(name, GeneralName::URI(uri) if *uri == application_uri))
}
