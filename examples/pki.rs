//! A small certificate-store tool over the directory layout of
//! OPC 10000-12 Annex F.
//!
//! ```text
//! pki create --pki DIR --app-uri URI --host NAME [--host NAME…] [--key rsa2048|rsa3072|rsa4096|p256|p384|brainpoolp256r1|brainpoolp384r1|ed25519|ed448] [--days N]
//! pki list   --pki DIR
//! pki trust  --pki DIR THUMBPRINT      (moves rejected/certs → trusted/certs)
//! pki reject --pki DIR THUMBPRINT      (moves trusted/certs → rejected/certs)
//! pki show   FILE
//! pki verify --pki DIR [--role client|server] [--app-uri URI] [--host NAME] [--policy NAME] CERT
//! ```
//!
//! `verify` prints the StatusCode name (`Good`, or e.g.
//! `BadCertificateRevoked`) and exits 0 only on `Good`.

use std::process::ExitCode;
use std::time::SystemTime;

use rand::SeedableRng;
use rand::rngs::{StdRng, SysRng};
use uasc::StatusCode;
use uasc::cert::{
    CertificateParams, CertificateValidator, DirectoryStore, Folder, GeneratedCertificate,
    KeyAlgorithm, SignatureAlgorithm, StoreValidator, ValidationContext, der_blocks,
    parse_certificate, parse_thumbprint, thumbprint, thumbprint_hex,
};
use uasc::key::KeyKind;
use uasc::policy::{Role, by_name};

const USAGE: &str = "usage:
  pki create --pki DIR --app-uri URI --host NAME [--host NAME...] [--key rsa2048|rsa3072|rsa4096|p256|p384|brainpoolp256r1|brainpoolp384r1|ed25519|ed448] [--days N]
  pki list   --pki DIR
  pki trust  --pki DIR THUMBPRINT
  pki reject --pki DIR THUMBPRINT
  pki show   FILE
  pki verify --pki DIR [--role client|server] [--app-uri URI] [--host NAME] [--policy NAME] CERT";

/// Options (`--name value`, repeatable) and positional arguments.
struct Args {
    options: Vec<(String, String)>,
    positional: Vec<String>,
}

impl Args {
    fn parse(args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut options = Vec::new();
        let mut positional = Vec::new();
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let value = args
                    .next()
                    .ok_or_else(|| format!("--{name} needs a value"))?;
                options.push((name.to_owned(), value));
            } else {
                positional.push(arg);
            }
        }
        Ok(Args {
            options,
            positional,
        })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.options
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn require(&self, name: &str) -> Result<&str, String> {
        self.get(name)
            .ok_or_else(|| format!("--{name} is required"))
    }

    fn check(&self, allowed: &[&str], positional: usize) -> Result<(), String> {
        if let Some((name, _)) = self
            .options
            .iter()
            .find(|(n, _)| !allowed.contains(&n.as_str()))
        {
            return Err(format!("unknown option --{name}"));
        }
        if self.positional.len() != positional {
            return Err(format!("expected {positional} argument(s)"));
        }
        Ok(())
    }

    fn store(&self) -> Result<DirectoryStore, String> {
        let dir = self.require("pki")?;
        DirectoryStore::open(dir).map_err(|e| format!("{dir}: {e}"))
    }
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1)) {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Runs one command (the arguments after the program name) and returns
/// the exit status: 0 for success, 1 for a certificate `verify` refused.
pub fn run(args: impl IntoIterator<Item = String>) -> Result<u8, String> {
    let mut args = args.into_iter();
    let command = args.next().ok_or_else(|| USAGE.to_owned())?;
    let args = Args::parse(args)?;
    match command.as_str() {
        "create" => create(&args),
        "list" => list(&args),
        "trust" => move_certificate(&args, true),
        "reject" => move_certificate(&args, false),
        "show" => show(&args),
        "verify" => verify(&args),
        _ => Err(format!("unknown command {command}\n{USAGE}")),
    }
}

fn create(args: &Args) -> Result<u8, String> {
    args.check(&["pki", "app-uri", "host", "key", "days"], 0)?;
    let store = args.store()?;
    let uri = args.require("app-uri")?;
    let hosts = args.all("host");
    let Some(first_host) = hosts.first() else {
        return Err("--host is required".into());
    };
    let kind = match args.get("key") {
        None => KeyKind::Rsa(2048),
        Some(name) => KeyKind::from_name(name).ok_or_else(|| format!("unknown key {name}"))?,
    };
    let days = match args.get("days") {
        None => 365,
        Some(d) => d.parse().map_err(|_| format!("bad --days {d}"))?,
    };
    let name = uri
        .rsplit([':', '/'])
        .find(|s| !s.is_empty())
        .unwrap_or(first_host);
    let params = CertificateParams::application(name, uri, &hosts, days);
    let mut rng = StdRng::try_from_rng(&mut SysRng).map_err(|e| e.to_string())?;
    let generated =
        GeneratedCertificate::generate(kind, &params, None, &mut rng).map_err(|e| e.to_string())?;
    let (cert, key) = store
        .install_own(&generated.der, &generated.key)
        .map_err(|e| e.to_string())?;
    println!(
        "thumbprint  {}",
        thumbprint_hex(&thumbprint(&generated.der))
    );
    println!("certificate {}", cert.display());
    println!("private key {}", key.display());
    Ok(0)
}

fn list(args: &Args) -> Result<u8, String> {
    args.check(&["pki"], 0)?;
    let store = args.store()?;
    for folder in [
        Folder::OwnCerts,
        Folder::TrustedCerts,
        Folder::IssuerCerts,
        Folder::RejectedCerts,
    ] {
        println!("{}:", folder.relative_path());
        for cert in store.certificates(folder) {
            let subject = parse_certificate(&cert.der)
                .map(|c| c.subject().to_string())
                .unwrap_or_else(|_| "(unparsable)".into());
            println!("  {}  {}", thumbprint_hex(&cert.thumbprint), subject);
        }
    }
    Ok(0)
}

fn move_certificate(args: &Args, trust: bool) -> Result<u8, String> {
    args.check(&["pki"], 1)?;
    let store = args.store()?;
    let hex = args.positional.first().map(String::as_str).unwrap_or("");
    let thumb = parse_thumbprint(hex).ok_or_else(|| format!("not a thumbprint: {hex}"))?;
    let moved = if trust {
        store.trust(&thumb)
    } else {
        store.untrust(&thumb)
    };
    let path = moved.map_err(|e| format!("{hex}: {e}"))?;
    println!("{}", path.display());
    Ok(0)
}

fn read_chain(path: &str) -> Result<Vec<u8>, String> {
    let data = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(der_blocks(&data, "CERTIFICATE").concat())
}

fn show(args: &Args) -> Result<u8, String> {
    args.check(&[], 1)?;
    let path = args.positional.first().map(String::as_str).unwrap_or("");
    let chain = read_chain(path)?;
    let der = uasc::cert::leaf(&chain).map_err(|e| e.to_string())?;
    let cert = parse_certificate(der).map_err(|e| e.to_string())?;
    println!("thumbprint  {}", thumbprint_hex(&thumbprint(der)));
    println!("subject     {}", cert.subject());
    println!("issuer      {}", cert.issuer());
    println!("serial      {}", cert.raw_serial_as_string());
    println!("not before  {}", cert.validity().not_before);
    println!("not after   {}", cert.validity().not_after);
    println!("key         {:?}", KeyAlgorithm::of(cert.public_key()));
    println!(
        "signature   {:?}",
        SignatureAlgorithm::from_identifier(&cert.signature_algorithm)
    );
    println!("CA          {}", cert.is_ca());
    if let Ok(Some(ku)) = cert.key_usage() {
        println!("key usage   {}", ku.value);
    }
    if let Ok(Some(eku)) = cert.extended_key_usage() {
        println!(
            "ext. usage  serverAuth={} clientAuth={}",
            eku.value.server_auth, eku.value.client_auth
        );
    }
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            println!("alt name    {name}");
        }
    }
    Ok(0)
}

fn verify(args: &Args) -> Result<u8, String> {
    args.check(&["pki", "role", "app-uri", "host", "policy"], 1)?;
    let store = args.store()?;
    let role = match args.get("role").unwrap_or("server") {
        "server" => Role::Server,
        "client" => Role::Client,
        other => return Err(format!("unknown role {other}")),
    };
    let policy_name = args.get("policy").unwrap_or("Basic256Sha256");
    let policy = by_name(policy_name).ok_or_else(|| format!("unknown policy {policy_name}"))?;
    let path = args.positional.first().map(String::as_str).unwrap_or("");
    let chain = read_chain(path)?;
    let context = ValidationContext {
        application_uri: args.get("app-uri"),
        host_name: args.get("host"),
        ..ValidationContext::new(role, policy.descriptor(), SystemTime::now())
    };
    let code = match StoreValidator::new(store).validate(&chain, &context) {
        Ok(()) => StatusCode::GOOD,
        Err(e) => e.status_code(),
    };
    println!("{code}");
    Ok(if code.is_good() { 0 } else { 1 })
}
