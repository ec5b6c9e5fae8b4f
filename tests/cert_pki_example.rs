//! The `pki` example, driven in-process: create an application
//! certificate, refuse it as untrusted, trust it from rejected/, verify,
//! withdraw trust.
#![cfg(all(feature = "cert-generate", feature = "cert-store"))]

#[allow(dead_code)]
#[path = "../examples/pki.rs"]
mod pki;

mod cert_support;
mod common;

use cert_support::TempDir;

fn run(args: &[&str]) -> Result<u8, String> {
    pki::run(args.iter().map(|s| (*s).to_owned()))
}

fn only_file(dir: &std::path::Path) -> std::path::PathBuf {
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().unwrap()
}

#[test]
fn create_verify_trust_reject() {
    let dir = TempDir::new("pki-example");
    let server = dir.path().join("server");
    let client = dir.path().join("client");
    let (server, client) = (server.to_str().unwrap(), client.to_str().unwrap());
    let uri = "urn:example:pki-test";
    assert_eq!(
        run(&[
            "create",
            "--pki",
            server,
            "--app-uri",
            uri,
            "--host",
            "localhost",
            "--host",
            "127.0.0.1",
            "--key",
            "rsa2048"
        ]),
        Ok(0)
    );
    let cert = only_file(&dir.path().join("server/own/certs"));
    let key = only_file(&dir.path().join("server/own/private"));
    let pem = std::fs::read_to_string(key).unwrap();
    assert!(uasc::key::PrivateKey::from_pem(&pem).is_ok());
    let cert = cert.to_str().unwrap();
    let thumb = std::path::Path::new(cert)
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();

    assert_eq!(run(&["show", cert]), Ok(0));
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--pki", client];
        args.extend_from_slice(extra);
        args.push(cert);
        run(&args)
    };
    assert_eq!(verify(&["--app-uri", uri, "--host", "localhost"]), Ok(1));
    assert!(
        dir.path()
            .join(format!("client/rejected/certs/{thumb}.der"))
            .exists()
    );
    assert_eq!(run(&["list", "--pki", client]), Ok(0));

    assert_eq!(run(&["trust", "--pki", client, &thumb]), Ok(0));
    assert_eq!(verify(&["--app-uri", uri, "--host", "localhost"]), Ok(0));
    assert_eq!(verify(&["--host", "127.0.0.1", "--role", "server"]), Ok(0));
    assert_eq!(
        verify(&["--role", "client", "--policy", "Basic256Sha256"]),
        Ok(0)
    );
    assert_eq!(verify(&["--app-uri", "urn:example:other"]), Ok(1));
    assert_eq!(verify(&["--host", "other.example"]), Ok(1));

    assert_eq!(run(&["reject", "--pki", client, &thumb]), Ok(0));
    assert_eq!(verify(&["--app-uri", uri]), Ok(1));

    // Bad input is an error, never a path.
    assert!(run(&["trust", "--pki", client, "../../etc/passwd"]).is_err());
    assert!(run(&["verify", "--pki", client, "--policy", "Nope", cert]).is_err());
    assert!(run(&["frobnicate"]).is_err());
}

/// `create --key` makes an identity for every ECC curve, and `verify
/// --policy` accepts it for the policies of that curve and no other.
#[test]
fn create_makes_an_identity_for_each_ecc_policy() {
    let ecc: Vec<_> = uasc::policy::ALL
        .iter()
        .filter(|p| p.descriptor().is_ecc())
        .map(|p| p.descriptor())
        .collect();
    for name in uasc::key::KeyKind::NAMES
        .iter()
        .filter(|n| !n.starts_with("rsa"))
    {
        let kind = uasc::key::KeyKind::from_name(name).unwrap();
        let dir = TempDir::new("pki-ecc");
        let own = dir.path().join("own");
        let peer = dir.path().join("peer");
        let (own, peer) = (own.to_str().unwrap(), peer.to_str().unwrap());
        let created = run(&[
            "create",
            "--pki",
            own,
            "--app-uri",
            "urn:example:ecc",
            "--host",
            "localhost",
            "--key",
            name,
        ]);
        assert_eq!(created, Ok(0), "{name}");
        let cert = only_file(&dir.path().join("own/own/certs"));
        let key = only_file(&dir.path().join("own/own/private"));
        let key = uasc::key::PrivateKey::from_pem(&std::fs::read_to_string(key).unwrap()).unwrap();
        assert_eq!(key.kind(), kind, "{name}");
        let cert = cert.to_str().unwrap();
        let thumb = std::path::Path::new(cert)
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        // Untrusted under a policy it fits: refused and kept in rejected/.
        let fits = ecc
            .iter()
            .find(|d| d.certificate_key_kind() == Some(kind))
            .unwrap()
            .name;
        assert_eq!(
            run(&["verify", "--pki", peer, "--policy", fits, cert]),
            Ok(1),
            "{name}"
        );
        assert_eq!(run(&["trust", "--pki", peer, &thumb]), Ok(0), "{name}");
        let mut fitting = 0;
        for d in &ecc {
            let expected = if d.certificate_key_kind() == Some(kind) {
                fitting += 1;
                0
            } else {
                1
            };
            assert_eq!(
                run(&["verify", "--pki", peer, "--policy", d.name, cert]),
                Ok(expected),
                "{name} under {}",
                d.name
            );
        }
        assert!(fitting >= 1, "{name}: no policy takes it");
    }
}
