//! A certificate store in directories, as OPC 10000-12 Annex F lays it
//! out: `own/`, `trusted/`, `issuer/` (`issuers/` is read too) and
//! `rejected/`, each with `certs/` and, where it applies, `crl/` or
//! `private/`.
//!
//! Files are read as DER or PEM. The store is read again each time trust
//! lists are asked for; [`StoreValidator`](super::StoreValidator) keeps
//! what it read until the files change. Either way, changes an
//! administrator makes on disk apply to the next validation without a
//! restart. Certificates written by the store
//! are named by their SHA-1 thumbprint in hex, never by anything the
//! certificate says about itself.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::parse::der_blocks;
use super::store_listing::Listing;
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

/// The folders the trust lists are read from, in the order of
/// [`TrustListing`].
const TRUST_FOLDERS: [Folder; 4] = [
    Folder::TrustedCerts,
    Folder::IssuerCerts,
    Folder::TrustedCrl,
    Folder::IssuerCrl,
];

/// The files of the folders the trust lists are read from
/// (`trusted/certs`, `issuer/certs`, `trusted/crl`, `issuer/crl`, with the
/// `issuers/` spellings), with their metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrustListing([Listing; 4]);

impl TrustListing {
    /// Whether every entry could be listed, and every file's last change
    /// was long enough before `listed` for any later one to show
    /// ([`SETTLE_TIME`](super::store_listing::SETTLE_TIME)).
    pub(crate) fn settled(&self, listed: SystemTime) -> bool {
        self.0.iter().all(|l| l.settled(listed))
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

    fn dirs(&self, folder: Folder) -> Vec<PathBuf> {
        let mut dirs = vec![self.folder(folder)];
        if let Some(alt) = folder.alternative_path() {
            dirs.push(self.root.join(alt));
        }
        dirs
    }

    /// The files of `folder` that the store reads, with their metadata.
    pub(crate) fn listing(&self, folder: Folder) -> Listing {
        Listing::of(&self.dirs(folder))
    }

    /// The files the trust lists are read from, with their metadata.
    pub(crate) fn trust_listing(&self) -> TrustListing {
        TrustListing(TRUST_FOLDERS.map(|folder| self.listing(folder)))
    }

    /// Reads the files of `listing`; and whether each was read whole, at
    /// the length it was listed with (a file that changed in between, or
    /// could not be read, is skipped or read as it now is, as a validation
    /// reads it).
    fn read_blocks(listing: &Listing, label: &str) -> (Vec<(PathBuf, Vec<u8>)>, bool) {
        let mut complete = true;
        let mut blocks = Vec::new();
        for file in listing.files() {
            let Ok(data) = fs::read(file.path()) else {
                complete = false;
                continue;
            };
            complete &= u64::try_from(data.len()).is_ok_and(|n| n == file.len());
            blocks.extend(
                der_blocks(&data, label)
                    .into_iter()
                    .map(|der| (file.path().to_path_buf(), der)),
            );
        }
        (blocks, complete)
    }

    /// The certificates in `folder`, DER or PEM files alike.
    pub fn certificates(&self, folder: Folder) -> Vec<StoredCertificate> {
        Self::certificates_in(folder, &self.listing(folder)).0
    }

    fn certificates_in(folder: Folder, listing: &Listing) -> (Vec<StoredCertificate>, bool) {
        let (blocks, complete) = Self::read_blocks(listing, "CERTIFICATE");
        let certificates = blocks
            .into_iter()
            .map(|(path, der)| StoredCertificate {
                folder,
                thumbprint: thumbprint(&der),
                path,
                der,
            })
            .collect();
        (certificates, complete)
    }

    /// Reads the trusted list, the issuer list and all CRLs from disk.
    pub fn trust_lists(&self) -> TrustLists {
        self.read_trust_lists(&self.trust_listing()).0
    }

    /// Reads the trust lists from the files of `listing`; and whether every
    /// file was read whole, at the length it was listed with.
    pub(crate) fn read_trust_lists(&self, listing: &TrustListing) -> (TrustLists, bool) {
        let [trusted, issuers, trusted_crl, issuer_crl] = &listing.0;
        let der = |folder, listing| {
            let (certificates, complete) = Self::certificates_in(folder, listing);
            let der = certificates.into_iter().map(|c| c.der).collect::<Vec<_>>();
            (der, complete)
        };
        let crls = |listing| {
            let (blocks, complete) = Self::read_blocks(listing, "X509 CRL");
            let der = blocks.into_iter().map(|(_, der)| der);
            (der, complete)
        };
        let (trusted, trusted_ok) = der(Folder::TrustedCerts, trusted);
        let (issuers, issuers_ok) = der(Folder::IssuerCerts, issuers);
        let (trusted_crls, trusted_crl_ok) = crls(trusted_crl);
        let (issuer_crls, issuer_crl_ok) = crls(issuer_crl);
        let lists = TrustLists {
            trusted,
            issuers,
            crls: trusted_crls.chain(issuer_crls).collect(),
        };
        (
            lists,
            trusted_ok && issuers_ok && trusted_crl_ok && issuer_crl_ok,
        )
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
