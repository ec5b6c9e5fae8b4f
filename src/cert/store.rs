//! A certificate store in directories, as OPC 10000-12 Annex F lays it
//! out: `own/`, `trusted/`, `issuer/` (`issuers/` is read too) and
//! `rejected/`, each with `certs/` and, where it applies, `crl/` or
//! `private/`.
//!
//! Files are read as DER or PEM. The store is read again each time trust
//! lists are asked for, so changes an administrator makes on disk apply to
//! the next validation without a restart. Certificates written by the store
//! are named by their SHA-1 thumbprint in hex, never by anything the
//! certificate says about itself.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::parse::der_blocks;
use super::validate::TrustLists;
use super::{thumbprint, thumbprint_hex};
use crate::key::PrivateKey;

/// The default number of certificates kept in `rejected/certs`.
pub const DEFAULT_REJECTED_CAP: usize = 100;

/// The most files read from one folder.
pub const MAX_FILES_PER_FOLDER: usize = 10_000;

/// The largest file read from the store, in bytes.
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// One folder of the store (OPC 10000-12 Annex F, Table F.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Folder {
    /// `own/certs`: the application instance certificates.
    OwnCerts,
    /// `own/private`: their private keys.
    OwnPrivate,
    /// `trusted/certs`: trusted applications and CAs.
    TrustedCerts,
    /// `trusted/crl`: CRLs of the trusted CAs.
    TrustedCrl,
    /// `issuer/certs`: CAs for chain building only.
    IssuerCerts,
    /// `issuer/crl`: their CRLs.
    IssuerCrl,
    /// `rejected/certs`: certificates refused as untrusted.
    RejectedCerts,
}

impl Folder {
    /// Every folder, in the order above.
    pub const ALL: [Folder; 7] = [
        Folder::OwnCerts,
        Folder::OwnPrivate,
        Folder::TrustedCerts,
        Folder::TrustedCrl,
        Folder::IssuerCerts,
        Folder::IssuerCrl,
        Folder::RejectedCerts,
    ];

    /// The folder's path below the store root.
    pub const fn relative_path(self) -> &'static str {
        match self {
            Folder::OwnCerts => "own/certs",
            Folder::OwnPrivate => "own/private",
            Folder::TrustedCerts => "trusted/certs",
            Folder::TrustedCrl => "trusted/crl",
            Folder::IssuerCerts => "issuer/certs",
            Folder::IssuerCrl => "issuer/crl",
            Folder::RejectedCerts => "rejected/certs",
        }
    }

    /// The plural spelling other stacks use, read as well.
    const fn alternative_path(self) -> Option<&'static str> {
        match self {
            Folder::IssuerCerts => Some("issuers/certs"),
            Folder::IssuerCrl => Some("issuers/crl"),
            _ => None,
        }
    }
}

/// A certificate found in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCertificate {
    /// The folder it is in.
    pub folder: Folder,
    /// Its file.
    pub path: PathBuf,
    /// Its DER encoding.
    pub der: Vec<u8>,
    /// Its SHA-1 thumbprint.
    pub thumbprint: [u8; 20],
}

/// A certificate store rooted at a directory (OPC 10000-12 Annex F).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryStore {
    root: PathBuf,
    rejected_cap: usize,
}

impl DirectoryStore {
    /// Opens the store at `root`, creating any folder that is missing.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let store = DirectoryStore {
            root: root.into(),
            rejected_cap: DEFAULT_REJECTED_CAP,
        };
        for folder in Folder::ALL {
            fs::create_dir_all(store.folder(folder))?;
        }
        Ok(store)
    }

    /// Keeps at most `cap` certificates in `rejected/certs` (at least one);
    /// the oldest are removed first.
    #[must_use]
    pub fn with_rejected_cap(mut self, cap: usize) -> Self {
        self.rejected_cap = cap.max(1);
        self
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of `folder`.
    pub fn folder(&self, folder: Folder) -> PathBuf {
        self.root.join(folder.relative_path())
    }

    fn files(&self, folder: Folder) -> Vec<PathBuf> {
        let mut dirs = vec![self.folder(folder)];
        if let Some(alt) = folder.alternative_path() {
            dirs.push(self.root.join(alt));
        }
        let mut files = Vec::new();
        for dir in dirs {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten().take(MAX_FILES_PER_FOLDER) {
                let is_file = entry.file_type().is_ok_and(|t| t.is_file());
                let small = entry.metadata().is_ok_and(|m| m.len() <= MAX_FILE_SIZE);
                if is_file && small {
                    files.push(entry.path());
                }
            }
        }
        files.sort();
        files
    }

    fn read_blocks(&self, folder: Folder, label: &str) -> Vec<(PathBuf, Vec<u8>)> {
        self.files(folder)
            .into_iter()
            .filter_map(|path| fs::read(&path).ok().map(|data| (path, data)))
            .flat_map(|(path, data)| {
                der_blocks(&data, label)
                    .into_iter()
                    .map(move |der| (path.clone(), der))
            })
            .collect()
    }

    /// The certificates in `folder`, DER or PEM files alike.
    pub fn certificates(&self, folder: Folder) -> Vec<StoredCertificate> {
        self.read_blocks(folder, "CERTIFICATE")
            .into_iter()
            .map(|(path, der)| StoredCertificate {
                folder,
                thumbprint: thumbprint(&der),
                path,
                der,
            })
            .collect()
    }

    /// Reads the trusted list, the issuer list and all CRLs from disk.
    pub fn trust_lists(&self) -> TrustLists {
        let der = |folder| {
            self.certificates(folder)
                .into_iter()
                .map(|c| c.der)
                .collect::<Vec<_>>()
        };
        let mut crls: Vec<Vec<u8>> = self
            .read_blocks(Folder::TrustedCrl, "X509 CRL")
            .into_iter()
            .map(|(_, der)| der)
            .collect();
        crls.extend(
            self.read_blocks(Folder::IssuerCrl, "X509 CRL")
                .into_iter()
                .map(|(_, der)| der),
        );
        TrustLists {
            trusted: der(Folder::TrustedCerts),
            issuers: der(Folder::IssuerCerts),
            crls,
        }
    }

    /// The certificate with `thumbprint` in `folder`, whatever its file is
    /// called.
    pub fn find(&self, folder: Folder, thumbprint: &[u8; 20]) -> Option<StoredCertificate> {
        self.certificates(folder)
            .into_iter()
            .find(|c| &c.thumbprint == thumbprint)
    }

    /// Writes `der` to `folder` as `<thumbprint>.der`.
    pub fn add(&self, folder: Folder, der: &[u8]) -> io::Result<PathBuf> {
        let path = self
            .folder(folder)
            .join(format!("{}.der", thumbprint_hex(&thumbprint(der))));
        fs::write(&path, der)?;
        Ok(path)
    }

    /// Writes a refused certificate to `rejected/certs` as
    /// `<thumbprint>.der`, then removes the oldest files there beyond the
    /// cap.
    pub fn reject(&self, der: &[u8]) -> io::Result<PathBuf> {
        let path = self.add(Folder::RejectedCerts, der)?;
        self.trim_rejected()?;
        Ok(path)
    }

    fn trim_rejected(&self) -> io::Result<()> {
        let mut files: Vec<(SystemTime, PathBuf)> =
            fs::read_dir(self.folder(Folder::RejectedCerts))?
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| {
                    let modified = e
                        .metadata()
                        .and_then(|m| m.modified())
                        .unwrap_or(SystemTime::UNIX_EPOCH);
                    (modified, e.path())
                })
                .collect();
        if files.len() <= self.rejected_cap {
            return Ok(());
        }
        files.sort();
        let excess = files.len() - self.rejected_cap;
        for (_, path) in files.into_iter().take(excess) {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Moves the certificate with `thumbprint` from `from` to `to`, named
    /// `<thumbprint>.der` there.
    pub fn move_certificate(
        &self,
        thumbprint: &[u8; 20],
        from: Folder,
        to: Folder,
    ) -> io::Result<PathBuf> {
        let found = self
            .find(from, thumbprint)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such certificate"))?;
        let path = self.add(to, &found.der)?;
        fs::remove_file(&found.path)?;
        Ok(path)
    }

    /// Trusts a rejected certificate: moves it from `rejected/certs` to
    /// `trusted/certs`.
    pub fn trust(&self, thumbprint: &[u8; 20]) -> io::Result<PathBuf> {
        self.move_certificate(thumbprint, Folder::RejectedCerts, Folder::TrustedCerts)
    }

    /// Withdraws trust: moves a certificate from `trusted/certs` to
    /// `rejected/certs`.
    pub fn untrust(&self, thumbprint: &[u8; 20]) -> io::Result<PathBuf> {
        let path =
            self.move_certificate(thumbprint, Folder::TrustedCerts, Folder::RejectedCerts)?;
        self.trim_rejected()?;
        Ok(path)
    }

    /// Installs the application instance certificate and its key as
    /// `own/certs/<thumbprint>.der` and `own/private/<thumbprint>.pem`
    /// (PKCS#8 PEM, readable by the owner only on Unix), where
    /// [`Identity::from_store`](crate::channel::Identity::from_store) finds
    /// them.
    pub fn install_own(&self, der: &[u8], key: &PrivateKey) -> io::Result<(PathBuf, PathBuf)> {
        let pem = key.to_pkcs8_pem().map_err(io::Error::other)?;
        let cert = self.add(Folder::OwnCerts, der)?;
        let path = self
            .folder(Folder::OwnPrivate)
            .join(format!("{}.pem", thumbprint_hex(&thumbprint(der))));
        write_private(&path, &pem)?;
        Ok((cert, path))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, pem: &str) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(pem.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, pem: &str) -> io::Result<()> {
    fs::write(path, pem)
}
