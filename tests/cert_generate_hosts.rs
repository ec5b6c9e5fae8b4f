//! The example server names its host in its certificate as well as
//! `localhost` and `127.0.0.1`; with `--host 127.0.0.1` that same address
//! came twice in the subjectAltName. Each name is written once.
#![cfg(feature = "cert-generate")]

use std::net::IpAddr;

use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::cert::{CertificateParams, GeneratedCertificate};
use uasc::key::KeyKind;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

#[test]
fn a_host_given_twice_is_named_once() {
    let hosts = ["localhost", "127.0.0.1", "127.0.0.1", "LOCALHOST", "::1"];
    let params = CertificateParams::application("server", "urn:uasc:test", &hosts, 1);
    assert_eq!(params.dns_names, vec!["localhost".to_owned()]);
    let ips: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
    assert_eq!(params.ip_addresses, ips);

    let mut rng = StdRng::seed_from_u64(7);
    let made = GeneratedCertificate::generate(KeyKind::Rsa(2048), &params, None, &mut rng).unwrap();
    let (_, cert) = X509Certificate::from_der(&made.der).unwrap();
    let san = cert.subject_alternative_name().unwrap().unwrap();
    let names: Vec<String> = san
        .value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::URI(u) => format!("uri {u}"),
            GeneralName::DNSName(d) => format!("dns {d}"),
            GeneralName::IPAddress(b) => format!("ip {b:?}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        vec![
            "uri urn:uasc:test".to_owned(),
            "dns localhost".to_owned(),
            format!("ip {:?}", [127u8, 0, 0, 1]),
            format!(
                "ip {:?}",
                "::1".parse::<std::net::Ipv6Addr>().unwrap().octets()
            ),
        ]
    );
}
