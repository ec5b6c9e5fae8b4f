//! An application instance certificate and its private key (OPC 10000-6
//! §6.2.2), and reading them from files and from the `own/` folder of a
//! certificate store (OPC 10000-12 Annex F).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::StatusCode;
use crate::cert::{der_blocks, is_pem, split_chain};
use crate::key::{KeyError, PrivateKey};
use crate::policy::{OwnKey, SecurityPolicy};

/// The largest certificate or key file read, in bytes.
pub const MAX_IDENTITY_FILE_SIZE: u64 = 1024 * 1024;

/// An application instance certificate and its private key.
///
/// Made from a certificate and a [`PrivateKey`] with [`Identity::new`],
/// which checks that they belong together; read from files with
/// [`Identity::from_files`], or from a store's `own/` folder with
/// `Identity::from_store` (feature `cert-store`); or from a generated
/// certificate with `Identity::from` (feature `cert-generate`). A key kept
/// elsewhere (a hardware security module) is any [`OwnKey`], set in the
/// fields directly.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The DER certificate (optionally followed by its issuers), sent as
    /// SenderCertificate.
    pub certificate: Arc<[u8]>,
    /// The private key of the certificate.
    pub key: Arc<dyn OwnKey>,
}

/// Why an identity could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A file is larger than [`MAX_IDENTITY_FILE_SIZE`].
    #[error("{}: larger than {MAX_IDENTITY_FILE_SIZE} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// The certificate is not a DER or PEM X.509 certificate, optionally
    /// followed by its issuers.
    #[error("{}not an X.509 certificate in DER or PEM", at(path.as_deref()))]
    InvalidCertificate {
        /// The file, when it came from one.
        path: Option<PathBuf>,
    },
    /// The private key could not be read, or does not belong to the
    /// certificate.
    #[error("{}{error}", at(path.as_deref()))]
    Key {
        /// The file, when it came from one.
        path: Option<PathBuf>,
        /// What is wrong with it.
        #[source]
        error: KeyError,
    },
    /// The store's `own/certs` holds no certificate.
    #[error("no certificate in own/certs")]
    NoOwnCertificate,
    /// The store's `own/certs` holds several certificates: choose one by
    /// its thumbprint.
    #[error("{count} certificates in own/certs: choose one by its thumbprint")]
    SeveralOwnCertificates {
        /// How many there are.
        count: usize,
    },
    /// No certificate in the store's `own/certs` has the thumbprint asked
    /// for.
    #[error("no certificate with thumbprint {thumbprint} in own/certs")]
    UnknownThumbprint {
        /// The thumbprint, in hex.
        thumbprint: String,
    },
    /// The store's `own/private` holds no key for the certificate.
    #[error("no private key in own/private for {}", certificate.display())]
    NoPrivateKey {
        /// The certificate's file.
        certificate: PathBuf,
    },
}

fn at(path: Option<&Path>) -> String {
    path.map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
}

impl IdentityError {
    /// The StatusCode that stands for this error: `BadCertificateInvalid`
    /// for a certificate that cannot be read, the [`KeyError`]'s code for a
    /// key, `BadConfigurationError` for a file or store that cannot be
    /// read or lacks what is asked for.
    pub fn status_code(&self) -> StatusCode {
        match self {
            IdentityError::InvalidCertificate { .. } => StatusCode::BAD_CERTIFICATE_INVALID,
            IdentityError::Key { error, .. } => error.status_code(),
            IdentityError::Io { .. }
            | IdentityError::TooLarge { .. }
            | IdentityError::NoOwnCertificate
            | IdentityError::SeveralOwnCertificates { .. }
            | IdentityError::UnknownThumbprint { .. }
            | IdentityError::NoPrivateKey { .. } => StatusCode::BAD_CONFIGURATION_ERROR,
        }
    }

    fn in_file(self, file: &Path) -> Self {
        match self {
            IdentityError::InvalidCertificate { path: None } => IdentityError::InvalidCertificate {
                path: Some(file.to_owned()),
            },
            IdentityError::Key { path: None, error } => IdentityError::Key {
                path: Some(file.to_owned()),
                error,
            },
            other => other,
        }
    }
}

impl Identity {
    /// The identity of `certificate` (DER, optionally followed by its DER
    /// issuers) with its private key. A certificate that does not parse is
    /// [`IdentityError::InvalidCertificate`]; a key that is not the
    /// certificate's is [`KeyError::Mismatch`].
    pub fn new(
        certificate: impl Into<Arc<[u8]>>,
        key: PrivateKey,
    ) -> Result<Identity, IdentityError> {
        let certificate = certificate.into();
        let chain = split_chain(&certificate)
            .map_err(|_| IdentityError::InvalidCertificate { path: None })?;
        let leaf = chain
            .first()
            .ok_or(IdentityError::InvalidCertificate { path: None })?;
        if x509_parser::parse_x509_certificate(leaf).is_err() {
            return Err(IdentityError::InvalidCertificate { path: None });
        }
        if !key.matches_certificate(leaf) {
            return Err(IdentityError::Key {
                path: None,
                error: KeyError::Mismatch,
            });
        }
        Ok(Identity {
            certificate,
            key: Arc::new(key),
        })
    }

    /// The identity of a certificate and a key given as file contents, each
    /// PEM or DER. The certificate is one or more `CERTIFICATE` blocks (the
    /// leaf first, then its issuers) or DER; the key is PKCS#8, PKCS#1
    /// (RSA) or SEC1 (EC), as [`PrivateKey::from_pem_or_der`] reads it.
    pub fn from_pem_or_der(certificate: &[u8], key: &[u8]) -> Result<Identity, IdentityError> {
        let certificate = certificate_chain(certificate)?;
        let key = PrivateKey::from_pem_or_der(key)
            .map_err(|error| IdentityError::Key { path: None, error })?;
        Identity::new(certificate, key)
    }

    /// The identity of the certificate in the file `certificate` and the
    /// key in the file `key`, each PEM or DER, as
    /// [`from_pem_or_der`](Self::from_pem_or_der) reads them. Errors name
    /// the file they are about.
    pub fn from_files(
        certificate: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Identity, IdentityError> {
        let (certificate, key) = (certificate.as_ref(), key.as_ref());
        let chain = certificate_chain(&read(certificate)?).map_err(|e| e.in_file(certificate))?;
        let private =
            PrivateKey::from_pem_or_der(&read(key)?).map_err(|error| IdentityError::Key {
                path: Some(key.to_owned()),
                error,
            })?;
        Identity::new(chain, private).map_err(|e| match e {
            IdentityError::InvalidCertificate { .. } => e.in_file(certificate),
            other => other.in_file(key),
        })
    }
}

impl Identity {
    /// Whether this identity's certificate fits `policy`: its key is of
    /// the algorithm, curve and size the policy signs with (the RSA
    /// policies need an RSA key, ECC_nistP256 a P-256 key, and so on;
    /// OPC 10000-7). Never for policy None, which uses no certificate.
    pub fn fits(&self, policy: &dyn SecurityPolicy) -> bool {
        crate::cert::leaf(&self.certificate).is_ok_and(|leaf| policy.peer_key(leaf).is_ok())
    }
}

/// The DER chain in a certificate file's contents: DER as it is, or the
/// `CERTIFICATE` blocks of PEM, concatenated.
fn certificate_chain(data: &[u8]) -> Result<Vec<u8>, IdentityError> {
    let chain = if is_pem(data) {
        der_blocks(data, "CERTIFICATE").concat()
    } else {
        data.to_vec()
    };
    if chain.is_empty() {
        return Err(IdentityError::InvalidCertificate { path: None });
    }
    Ok(chain)
}

/// Reads a file of at most [`MAX_IDENTITY_FILE_SIZE`] bytes; the contents
/// may be a key, so the buffer is zeroized when dropped.
fn read(path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>, IdentityError> {
    let io = |source| IdentityError::Io {
        path: path.to_owned(),
        source,
    };
    let file = fs::File::open(path).map_err(io)?;
    let mut data = zeroize::Zeroizing::new(Vec::new());
    file.take(MAX_IDENTITY_FILE_SIZE + 1)
        .read_to_end(&mut data)
        .map_err(io)?;
    if data.len() as u64 > MAX_IDENTITY_FILE_SIZE {
        return Err(IdentityError::TooLarge {
            path: path.to_owned(),
        });
    }
    Ok(data)
}

#[cfg(feature = "cert-store")]
mod store {
    use super::{Identity, IdentityError, read};
    use crate::cert::{DirectoryStore, Folder, StoredCertificate, thumbprint_hex};
    use crate::key::PrivateKey;

    /// File endings a key in `own/private` may have.
    const KEY_EXTENSIONS: [&str; 3] = ["pem", "der", "key"];

    impl Identity {
        /// The identity in the store's `own/` folder, when `own/certs`
        /// holds exactly one certificate: that certificate and its key in
        /// `own/private`, as [`DirectoryStore::install_own`] writes them.
        ///
        /// The key is `own/private/<thumbprint>.pem` (or `.der`, `.key`),
        /// or else the file named like the certificate's file with one of
        /// those endings (as other stacks name it). Several certificates
        /// are [`IdentityError::SeveralOwnCertificates`]: choose one with
        /// [`from_store_with_thumbprint`](Self::from_store_with_thumbprint).
        pub fn from_store(store: &DirectoryStore) -> Result<Identity, IdentityError> {
            let mut own = store.certificates(Folder::OwnCerts);
            match own.len() {
                0 => Err(IdentityError::NoOwnCertificate),
                1 => own
                    .pop()
                    .ok_or(IdentityError::NoOwnCertificate)
                    .and_then(|cert| load(store, &cert)),
                count => Err(IdentityError::SeveralOwnCertificates { count }),
            }
        }

        /// The identity in the store's `own/` folder whose certificate has
        /// this SHA-1 thumbprint, with its key found as
        /// [`from_store`](Self::from_store) finds it.
        pub fn from_store_with_thumbprint(
            store: &DirectoryStore,
            thumbprint: &[u8; 20],
        ) -> Result<Identity, IdentityError> {
            let cert = store.find(Folder::OwnCerts, thumbprint).ok_or_else(|| {
                IdentityError::UnknownThumbprint {
                    thumbprint: thumbprint_hex(thumbprint),
                }
            })?;
            load(store, &cert)
        }
    }

    fn load(store: &DirectoryStore, cert: &StoredCertificate) -> Result<Identity, IdentityError> {
        let private = store.folder(Folder::OwnPrivate);
        let stem = cert
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        let names = core::iter::once(thumbprint_hex(&cert.thumbprint)).chain(stem);
        let key_path = names
            .flat_map(|name| KEY_EXTENSIONS.map(|ext| private.join(format!("{name}.{ext}"))))
            .find(|path| path.is_file())
            .ok_or_else(|| IdentityError::NoPrivateKey {
                certificate: cert.path.clone(),
            })?;
        let key =
            PrivateKey::from_pem_or_der(&read(&key_path)?).map_err(|error| IdentityError::Key {
                path: Some(key_path.clone()),
                error,
            })?;
        Identity::new(cert.der.clone(), key).map_err(|e| match e {
            IdentityError::InvalidCertificate { .. } => IdentityError::InvalidCertificate {
                path: Some(cert.path.clone()),
            },
            other => other.in_file(&key_path),
        })
    }
}

#[cfg(feature = "cert-generate")]
impl From<crate::cert::GeneratedCertificate> for Identity {
    /// A generated certificate and its key, which belong together by
    /// construction: no encoding and no check.
    fn from(generated: crate::cert::GeneratedCertificate) -> Self {
        Identity {
            certificate: generated.der.into(),
            key: Arc::new(generated.key),
        }
    }
}
