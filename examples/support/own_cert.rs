//! The application's own certificate in its PKI folder: which one is used
//! when `own/certs` holds several, and noticing when a new one is installed
//! (by `pki create`, `DirectoryStore::install_own`, or files copied there).

use std::path::PathBuf;
use std::time::SystemTime;

use uasc::cert::{DirectoryStore, Folder, thumbprint, thumbprint_hex};
use uasc::channel::Identity;

/// The identity of the certificate in `own/certs` written last (by file
/// modification time), with its key from `own/private`.
pub fn newest_identity(store: &DirectoryStore) -> Result<Identity, String> {
    let newest = store
        .certificates(Folder::OwnCerts)
        .into_iter()
        .max_by_key(|cert| modified(&cert.path))
        .ok_or_else(|| {
            format!(
                "{}: no certificate",
                store.folder(Folder::OwnCerts).display()
            )
        })?;
    Identity::from_store_with_thumbprint(store, &newest.thumbprint).map_err(|e| e.to_string())
}

/// The SHA-1 thumbprint of an identity's certificate, in hex.
pub fn identity_thumbprint(identity: &Identity) -> String {
    let chain: &[u8] = &identity.certificate;
    let leaf = uasc::cert::leaf(chain).unwrap_or(chain);
    thumbprint_hex(&thumbprint(leaf))
}

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// What the `own/` folders hold, file by file: name, length, modification
/// time. A new certificate or key changes it.
type Listing = Vec<(PathBuf, u64, Option<SystemTime>)>;

fn listing(store: &DirectoryStore) -> Listing {
    let mut out = Listing::new();
    for folder in [Folder::OwnCerts, Folder::OwnPrivate] {
        let Ok(entries) = std::fs::read_dir(store.folder(folder)) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(meta) = entry.metadata() {
                out.push((entry.path(), meta.len(), meta.modified().ok()));
            }
        }
    }
    out.sort();
    out
}

/// Watches a PKI folder's `own/` certificates and keys, polled by its
/// owner.
pub struct OwnWatcher {
    store: DirectoryStore,
    seen: Listing,
    current: String,
}

impl OwnWatcher {
    /// Watches `store`, whose identity in use now is `current`.
    pub fn new(store: DirectoryStore, current: &Identity) -> Self {
        let seen = listing(&store);
        OwnWatcher {
            store,
            seen,
            current: identity_thumbprint(current),
        }
    }

    /// Looks at `own/` again: a new identity if the newest certificate
    /// there is another one than the one in use, an error if `own/`
    /// changed but its newest certificate cannot be used (its key not
    /// written yet, say: it is tried again at the next change), `None` if
    /// nothing changed.
    pub fn poll(&mut self) -> Option<Result<Identity, String>> {
        let now = listing(&self.store);
        if now == self.seen {
            return None;
        }
        self.seen = now;
        match newest_identity(&self.store) {
            Ok(identity) if identity_thumbprint(&identity) == self.current => None,
            Ok(identity) => {
                self.current = identity_thumbprint(&identity);
                Some(Ok(identity))
            }
            Err(e) => Some(Err(e)),
        }
    }
}
