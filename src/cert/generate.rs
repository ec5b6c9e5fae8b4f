//! Application instance certificates and keys, CA certificates and CRLs,
//! made for an application or for tests (OPC 10000-6 §6.2.2: the
//! subjectAltName carries the ApplicationUri and the host names; key usage
//! and extended key usage as OPC 10000-4 §6.1.3 checks them).

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use rand_core::CryptoRng;
use sha1::{Digest, Sha1};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::der::asn1::{BitString, Ia5String, OctetString};
use x509_cert::der::{Any, Decode, Encode, Tag};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{
    DynSignatureAlgorithmIdentifier, EncodePublicKey, SignatureBitStringEncoding,
    SubjectPublicKeyInfoOwned,
};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate};

use crate::key::{EcdsaPrivateKey, KeyKind, PrivateKey};
use crate::{Error, Result, StatusCode};

fn failed(_: impl core::fmt::Debug) -> Error {
    Error::Certificate(StatusCode::BAD_CERTIFICATE_INVALID)
}

/// The SubjectPublicKeyInfo of `key`.
fn spki(key: &PrivateKey) -> Result<SubjectPublicKeyInfoOwned> {
    SubjectPublicKeyInfoOwned::from_der(&key.public_key_der().map_err(failed)?).map_err(failed)
}

/// The key identifier of RFC 5280 §4.2.1.2 method 1: SHA-1 of the
/// subjectPublicKey bits.
fn key_id(key: &PrivateKey) -> Result<OctetString> {
    let id = Sha1::digest(spki(key)?.subject_public_key.raw_bytes());
    OctetString::new(id.to_vec()).map_err(failed)
}

/// Signs `data` with `key`, returning the AlgorithmIdentifier and the
/// signature bits. `hash` and `pss` apply to RSA keys (PKCS#1 v1.5, or
/// RSA-PSS with MGF1 and a salt as long as the hash); ECDSA uses SHA-256 on
/// P-256 and SHA-384 on P-384.
fn sign(
    key: &PrivateKey,
    hash: SigningHash,
    pss: bool,
    data: &[u8],
) -> Result<(x509_cert::spki::AlgorithmIdentifierOwned, BitString)> {
    fn with<S, Sig>(
        signer: &S,
        data: &[u8],
    ) -> Result<(x509_cert::spki::AlgorithmIdentifierOwned, BitString)>
    where
        S: rsa::signature::Signer<Sig> + DynSignatureAlgorithmIdentifier,
        Sig: SignatureBitStringEncoding,
    {
        let alg = signer.signature_algorithm_identifier().map_err(failed)?;
        let sig = signer.try_sign(data).map_err(failed)?;
        Ok((alg, sig.to_bitstring().map_err(failed)?))
    }
    use rsa::pkcs1v15::{Signature as RsaSig, SigningKey as RsaKey};
    use rsa::pss::{Signature as PssSig, SigningKey as PssKey};
    match (key, hash) {
        (PrivateKey::Rsa(k), SigningHash::Sha1) if pss => {
            with::<_, PssSig>(&PssKey::<sha1::Sha1>::new(k.inner().clone()), data)
        }
        (PrivateKey::Rsa(k), SigningHash::Sha256) if pss => {
            with::<_, PssSig>(&PssKey::<sha2::Sha256>::new(k.inner().clone()), data)
        }
        (PrivateKey::Rsa(k), SigningHash::Sha384) if pss => {
            with::<_, PssSig>(&PssKey::<sha2::Sha384>::new(k.inner().clone()), data)
        }
        (PrivateKey::Rsa(k), SigningHash::Sha512) if pss => {
            with::<_, PssSig>(&PssKey::<sha2::Sha512>::new(k.inner().clone()), data)
        }
        (PrivateKey::Rsa(k), SigningHash::Sha1) => {
            with::<_, RsaSig>(&RsaKey::<sha1::Sha1>::new(k.inner().clone()), data)
        }
        (PrivateKey::Rsa(k), SigningHash::Sha256) => {
            with::<_, RsaSig>(&RsaKey::<sha2::Sha256>::new(k.inner().clone()), data)
        }
        (PrivateKey::Rsa(k), SigningHash::Sha384) => {
            with::<_, RsaSig>(&RsaKey::<sha2::Sha384>::new(k.inner().clone()), data)
        }
        (PrivateKey::Rsa(k), SigningHash::Sha512) => {
            with::<_, RsaSig>(&RsaKey::<sha2::Sha512>::new(k.inner().clone()), data)
        }
        (PrivateKey::Ecdsa(EcdsaPrivateKey::P256(k)), _) => {
            with::<_, p256::ecdsa::DerSignature>(k, data)
        }
        (PrivateKey::Ecdsa(EcdsaPrivateKey::P384(k)), _) => {
            with::<_, p384::ecdsa::DerSignature>(k, data)
        }
        (PrivateKey::Ecdsa(EcdsaPrivateKey::BrainpoolP256r1(k)), _) => {
            with::<_, bp256::r1::ecdsa::DerSignature>(k, data)
        }
        (PrivateKey::Ecdsa(EcdsaPrivateKey::BrainpoolP384r1(k)), _) => {
            with::<_, bp384::r1::ecdsa::DerSignature>(k, data)
        }
        (PrivateKey::Ed25519(k), _) => with::<_, ed25519_dalek::Signature>(k.inner(), data),
        (PrivateKey::Ed448(k), _) => with::<_, ed448_goldilocks::Signature>(k.inner(), data),
    }
}
/// The hash an RSA key signs certificates and CRLs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SigningHash {
    /// SHA-1: only for testing that it is refused.
    Sha1,
    /// SHA-256.
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// The key usage bits a certificate asserts (RFC 5280 §4.2.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Usage {
    /// digitalSignature.
    pub digital_signature: bool,
    /// nonRepudiation (contentCommitment).
    pub non_repudiation: bool,
    /// keyEncipherment.
    pub key_encipherment: bool,
    /// dataEncipherment.
    pub data_encipherment: bool,
    /// keyCertSign.
    pub key_cert_sign: bool,
    /// cRLSign.
    pub crl_sign: bool,
}

impl Usage {
    /// What an application instance certificate asserts (OPC 10000-6
    /// §6.2.2): digitalSignature, nonRepudiation, keyEncipherment,
    /// dataEncipherment. The encipherment bits are dropped for keys other
    /// than RSA.
    pub const APPLICATION: Usage = Usage {
        digital_signature: true,
        non_repudiation: true,
        key_encipherment: true,
        data_encipherment: true,
        key_cert_sign: false,
        crl_sign: false,
    };

    /// What a CA asserts: digitalSignature, keyCertSign, cRLSign.
    pub const CA: Usage = Usage {
        digital_signature: true,
        non_repudiation: false,
        key_encipherment: false,
        data_encipherment: false,
        key_cert_sign: true,
        crl_sign: true,
    };

    fn to_extension(self, rsa: bool) -> KeyUsage {
        let mut flags = x509_cert::der::flagset::FlagSet::<KeyUsages>::default();
        if self.digital_signature {
            flags |= KeyUsages::DigitalSignature;
        }
        if self.non_repudiation {
            flags |= KeyUsages::NonRepudiation;
        }
        if self.key_encipherment && rsa {
            flags |= KeyUsages::KeyEncipherment;
        }
        if self.data_encipherment && rsa {
            flags |= KeyUsages::DataEncipherment;
        }
        if self.key_cert_sign {
            flags |= KeyUsages::KeyCertSign;
        }
        if self.crl_sign {
            flags |= KeyUsages::CRLSign;
        }
        KeyUsage(flags)
    }
}

/// The extended key usages a certificate asserts (RFC 5280 §4.2.1.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ExtendedUsage {
    /// id-kp-serverAuth.
    pub server_auth: bool,
    /// id-kp-clientAuth.
    pub client_auth: bool,
}

/// What goes into a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateParams {
    /// The subject's common name (the subject is `CN=<common_name>`).
    pub common_name: String,
    /// The ApplicationUri, as a URI subjectAltName.
    pub application_uri: Option<String>,
    /// DNS subjectAltNames.
    pub dns_names: Vec<String>,
    /// IP address subjectAltNames.
    pub ip_addresses: Vec<IpAddr>,
    /// Start of the validity period.
    pub not_before: SystemTime,
    /// End of the validity period.
    pub not_after: SystemTime,
    /// Whether the subject is a CA (basicConstraints cA).
    pub ca: bool,
    /// The CA's pathLenConstraint: how many CA certificates may follow it
    /// down to a leaf; `None` for no limit.
    pub path_len: Option<u8>,
    /// The key usage extension; `None` leaves it out.
    pub key_usage: Option<Usage>,
    /// The extended key usage extension; `None` leaves it out.
    pub extended_key_usage: Option<ExtendedUsage>,
    /// The serial number, as unsigned big-endian bytes.
    pub serial: Vec<u8>,
    /// The hash RSA issuers sign with.
    pub hash: SigningHash,
    /// Whether an RSA issuer signs with RSA-PSS rather than PKCS#1 v1.5.
    pub rsa_pss: bool,
}

impl CertificateParams {
    /// An application instance certificate valid from an hour ago for
    /// `days` days, with serverAuth and clientAuth, naming
    /// `application_uri` and `hosts` (each an IP address or a DNS name;
    /// a name given twice is written once).
    pub fn application(
        common_name: &str,
        application_uri: &str,
        hosts: &[&str],
        days: u64,
    ) -> Self {
        let now = SystemTime::now();
        let (ips, dns): (Vec<&str>, Vec<&str>) =
            hosts.iter().partition(|h| h.parse::<IpAddr>().is_ok());
        CertificateParams {
            common_name: common_name.to_owned(),
            application_uri: Some(application_uri.to_owned()),
            dns_names: dns.into_iter().fold(Vec::new(), |mut out, h| {
                if !out.iter().any(|d: &String| d.eq_ignore_ascii_case(h)) {
                    out.push(h.to_owned());
                }
                out
            }),
            ip_addresses: ips.into_iter().filter_map(|h| h.parse().ok()).fold(
                Vec::new(),
                |mut out, ip| {
                    if !out.contains(&ip) {
                        out.push(ip);
                    }
                    out
                },
            ),
            not_before: now - Duration::from_secs(3600),
            not_after: now + Duration::from_secs(days.saturating_mul(86_400)),
            ca: false,
            path_len: None,
            key_usage: Some(Usage::APPLICATION),
            extended_key_usage: Some(ExtendedUsage {
                server_auth: true,
                client_auth: true,
            }),
            serial: serial_from_time(now),
            hash: SigningHash::Sha256,
            rsa_pss: false,
        }
    }

    /// A CA certificate valid from an hour ago for `days` days.
    pub fn ca(common_name: &str, days: u64) -> Self {
        CertificateParams {
            application_uri: None,
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            ca: true,
            key_usage: Some(Usage::CA),
            extended_key_usage: None,
            ..Self::application(common_name, "", &[], days)
        }
    }

    fn extensions(
        &self,
        subject_key: &PrivateKey,
        issuer_key: &PrivateKey,
    ) -> Result<Vec<Extension>> {
        fn ext<E>(value: &E, subject: &Name) -> Result<Extension>
        where
            E: x509_cert::ext::Criticality + x509_cert::der::oid::AssociatedOid + Encode,
        {
            value.to_extension(subject, &[]).map_err(failed)
        }
        let subject = subject_name(&self.common_name)?;
        let rsa = matches!(subject_key, PrivateKey::Rsa(_));
        let mut out = vec![
            ext(
                &BasicConstraints {
                    ca: self.ca,
                    path_len_constraint: self.path_len.filter(|_| self.ca),
                },
                &subject,
            )?,
            ext(&SubjectKeyIdentifier(key_id(subject_key)?), &subject)?,
            ext(
                &AuthorityKeyIdentifier {
                    key_identifier: Some(key_id(issuer_key)?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
                &subject,
            )?,
        ];
        if let Some(usage) = self.key_usage {
            out.push(ext(&usage.to_extension(rsa), &subject)?);
        }
        if let Some(eku) = self.extended_key_usage {
            let mut oids = Vec::new();
            if eku.server_auth {
                oids.push(x509_cert::der::oid::db::rfc5280::ID_KP_SERVER_AUTH);
            }
            if eku.client_auth {
                oids.push(x509_cert::der::oid::db::rfc5280::ID_KP_CLIENT_AUTH);
            }
            out.push(ext(&ExtendedKeyUsage(oids), &subject)?);
        }
        let mut names = Vec::new();
        if let Some(uri) = &self.application_uri {
            names.push(GeneralName::UniformResourceIdentifier(
                Ia5String::new(uri).map_err(failed)?,
            ));
        }
        for dns in &self.dns_names {
            names.push(GeneralName::DnsName(Ia5String::new(dns).map_err(failed)?));
        }
        for ip in &self.ip_addresses {
            names.push(GeneralName::from(*ip));
        }
        if !names.is_empty() {
            out.push(ext(&SubjectAltName(names), &subject)?);
        }
        Ok(out)
    }

    /// Makes the certificate for `subject_key`, signed by `issuer`, or
    /// self-signed when `issuer` is `None`. Returns its DER encoding.
    pub fn sign(&self, subject_key: &PrivateKey, issuer: Option<&Issuer<'_>>) -> Result<Vec<u8>> {
        let (issuer_name, issuer_key) = match issuer {
            Some(i) => (i.name()?, i.key),
            None => (subject_name(&self.common_name)?, subject_key),
        };
        let profile = Profile {
            subject: subject_name(&self.common_name)?,
            issuer: issuer_name,
            extensions: self.extensions(subject_key, issuer_key)?,
        };
        let serial = serial_number(&self.serial)?;
        let validity = Validity::new(time(self.not_before)?, time(self.not_after)?);
        let mut builder = CertificateBuilder::new(profile, serial, validity, spki(subject_key)?)
            .map_err(failed)?;
        let signer = HashedKey {
            key: issuer_key,
            hash: self.hash,
            pss: self.rsa_pss,
        };
        let tbs = builder.finalize(&signer).map_err(failed)?;
        let (_, signature) = sign(issuer_key, self.hash, self.rsa_pss, &tbs)?;
        let cert: Certificate = builder.assemble(signature, &signer).map_err(failed)?;
        cert.to_der().map_err(failed)
    }
}

/// A serial number unique enough for generated certificates: the time in
/// nanoseconds.
fn serial_from_time(now: SystemTime) -> Vec<u8> {
    let nanos = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    nanos.to_be_bytes().to_vec()
}

/// `bytes` as a positive DER INTEGER body: leading zeros trimmed, a zero
/// prepended when the top bit is set.
fn positive(bytes: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    match trimmed.first() {
        None => vec![1],
        Some(&b) if b & 0x80 != 0 => [&[0u8][..], &trimmed].concat(),
        Some(_) => trimmed,
    }
}

fn serial_number(bytes: &[u8]) -> Result<SerialNumber> {
    SerialNumber::new(&positive(bytes)).map_err(failed)
}

fn time(t: SystemTime) -> Result<Time> {
    Time::try_from(t).map_err(failed)
}

fn subject_name(common_name: &str) -> Result<Name> {
    let value = Any::new(Tag::Utf8String, common_name.as_bytes()).map_err(failed)?;
    let atv = x509_cert::attr::AttributeTypeAndValue {
        oid: x509_cert::der::oid::db::rfc4519::CN,
        value,
    };
    let rdn = RelativeDistinguishedName::try_from(vec![atv]).map_err(failed)?;
    let mut seq = RdnSequence::default();
    seq.push(rdn);
    Name::from_der(&seq.to_der().map_err(failed)?).map_err(failed)
}

/// The CA that signs a certificate or CRL: its certificate and its key.
#[derive(Debug, Clone, Copy)]
pub struct Issuer<'a> {
    /// The CA's DER certificate.
    pub certificate_der: &'a [u8],
    /// The CA's key.
    pub key: &'a PrivateKey,
}

impl Issuer<'_> {
    fn name(&self) -> Result<Name> {
        let cert = Certificate::from_der(self.certificate_der).map_err(failed)?;
        Ok(cert.tbs_certificate().subject().clone())
    }
}

/// A certificate and the key it was made for.
#[derive(Debug, Clone)]
pub struct GeneratedCertificate {
    /// The DER certificate.
    pub der: Vec<u8>,
    /// Its private key.
    pub key: PrivateKey,
}

impl GeneratedCertificate {
    /// Generates a key of `kind` and a certificate for it from `params`,
    /// signed by `issuer` or self-signed.
    pub fn generate<R: CryptoRng + ?Sized>(
        kind: KeyKind,
        params: &CertificateParams,
        issuer: Option<&Issuer<'_>>,
        rng: &mut R,
    ) -> Result<Self> {
        let key = PrivateKey::generate(kind, rng).map_err(failed)?;
        let der = params.sign(&key, issuer)?;
        Ok(GeneratedCertificate { der, key })
    }

    /// This certificate as the issuer of others.
    pub fn as_issuer(&self) -> Issuer<'_> {
        Issuer {
            certificate_der: &self.der,
            key: &self.key,
        }
    }
}

/// A certificate a CRL revokes, by serial number (unsigned big-endian).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// The revoked certificate's serial number.
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub revoked_at: SystemTime,
}

/// Makes a CRL (RFC 5280 §5) issued by `issuer`, listing `revoked`, valid
/// from `this_update` to `next_update`. Returns its DER encoding.
pub fn generate_crl(
    issuer: &Issuer<'_>,
    revoked: &[RevokedEntry],
    this_update: SystemTime,
    next_update: SystemTime,
    hash: SigningHash,
) -> Result<Vec<u8>> {
    let entries = revoked
        .iter()
        .map(|r| {
            Ok(x509_cert::crl::RevokedCert {
                serial_number: serial_number(&r.serial)?,
                revocation_date: time(r.revoked_at)?,
                crl_entry_extensions: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let signer = HashedKey {
        key: issuer.key,
        hash,
        pss: false,
    };
    let mut tbs = x509_cert::crl::TbsCertList {
        version: x509_cert::Version::V2,
        signature: signer.signature_algorithm_identifier().map_err(failed)?,
        issuer: issuer.name()?,
        this_update: time(this_update)?,
        next_update: Some(time(next_update)?),
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        crl_extensions: None,
    };
    let (alg, signature) = sign(issuer.key, hash, false, &tbs.to_der().map_err(failed)?)?;
    tbs.signature = alg.clone();
    let crl = x509_cert::crl::CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: alg,
        signature,
    };
    crl.to_der().map_err(failed)
}

/// A key with the hash it signs with, giving the builder the
/// AlgorithmIdentifier and public key it asks for.
struct HashedKey<'a> {
    key: &'a PrivateKey,
    hash: SigningHash,
    pss: bool,
}

impl DynSignatureAlgorithmIdentifier for HashedKey<'_> {
    fn signature_algorithm_identifier(
        &self,
    ) -> x509_cert::spki::Result<x509_cert::spki::AlgorithmIdentifierOwned> {
        use rsa::pkcs1v15::SigningKey as RsaKey;
        use rsa::pss::SigningKey as PssKey;
        match (self.key, self.hash) {
            (PrivateKey::Rsa(k), SigningHash::Sha1) if self.pss => {
                PssKey::<sha1::Sha1>::new(k.inner().clone()).signature_algorithm_identifier()
            }
            (PrivateKey::Rsa(k), SigningHash::Sha256) if self.pss => {
                PssKey::<sha2::Sha256>::new(k.inner().clone()).signature_algorithm_identifier()
            }
            (PrivateKey::Rsa(k), SigningHash::Sha384) if self.pss => {
                PssKey::<sha2::Sha384>::new(k.inner().clone()).signature_algorithm_identifier()
            }
            (PrivateKey::Rsa(k), SigningHash::Sha512) if self.pss => {
                PssKey::<sha2::Sha512>::new(k.inner().clone()).signature_algorithm_identifier()
            }
            (PrivateKey::Rsa(k), SigningHash::Sha1) => {
                RsaKey::<sha1::Sha1>::new(k.inner().clone()).signature_algorithm_identifier()
            }
            (PrivateKey::Rsa(k), SigningHash::Sha256) => {
                RsaKey::<sha2::Sha256>::new(k.inner().clone()).signature_algorithm_identifier()
            }
            (PrivateKey::Rsa(k), SigningHash::Sha384) => {
                RsaKey::<sha2::Sha384>::new(k.inner().clone()).signature_algorithm_identifier()
            }
            (PrivateKey::Rsa(k), SigningHash::Sha512) => {
                RsaKey::<sha2::Sha512>::new(k.inner().clone()).signature_algorithm_identifier()
            }
            (PrivateKey::Ecdsa(EcdsaPrivateKey::P256(k)), _) => {
                DynSignatureAlgorithmIdentifier::signature_algorithm_identifier(k)
            }
            (PrivateKey::Ecdsa(EcdsaPrivateKey::P384(k)), _) => {
                DynSignatureAlgorithmIdentifier::signature_algorithm_identifier(k)
            }
            (PrivateKey::Ecdsa(EcdsaPrivateKey::BrainpoolP256r1(k)), _) => {
                DynSignatureAlgorithmIdentifier::signature_algorithm_identifier(k)
            }
            (PrivateKey::Ecdsa(EcdsaPrivateKey::BrainpoolP384r1(k)), _) => {
                DynSignatureAlgorithmIdentifier::signature_algorithm_identifier(k)
            }
            (PrivateKey::Ed25519(k), _) => {
                DynSignatureAlgorithmIdentifier::signature_algorithm_identifier(k.inner())
            }
            (PrivateKey::Ed448(k), _) => {
                DynSignatureAlgorithmIdentifier::signature_algorithm_identifier(k.inner())
            }
        }
    }
}

impl rsa::signature::Keypair for HashedKey<'_> {
    type VerifyingKey = PublicDer;

    fn verifying_key(&self) -> PublicDer {
        PublicDer(self.key.public_key_der().unwrap_or_default())
    }
}

/// A public key as its DER SubjectPublicKeyInfo.
#[derive(Clone)]
struct PublicDer(Vec<u8>);

impl EncodePublicKey for PublicDer {
    fn to_public_key_der(&self) -> x509_cert::spki::Result<x509_cert::der::Document> {
        x509_cert::der::Document::try_from(self.0.as_slice()).map_err(Into::into)
    }
}

/// The builder profile: the subject, issuer and extensions chosen in
/// [`CertificateParams`], nothing added.
struct Profile {
    subject: Name,
    issuer: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: x509_cert::spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: x509_cert::spki::SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}
