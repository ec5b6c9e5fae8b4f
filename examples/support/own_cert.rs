//! The application's own certificates in its PKI folder: which ones are
//! used when `own/certs` holds several, and noticing when a new one is
//! installed (by `pki create`, `DirectoryStore::install_own`, or files
//! copied there).

use std::path::PathBuf;
use std::time::SystemTime;

use uasc::cert::{DirectoryStore, Folder, thumbprint, thumbprint_hex};
use uasc::channel::Identity;
use uasc::policy::BuiltinPolicy;

use super::app::select;

/// The identities of the certificates in `own/certs` that have their key
/// in `own/private`, the one written last (by file modification time)
/// first.
pub fn own_identities(store: &DirectoryStore) -> Vec<Identity> {
    let mut certs = store.certificates(Folder::OwnCerts);
    certs.sort_by_key(|cert| std::cmp::Reverse(modified(&cert.path)));
    certs
        .iter()
        .filter_map(|cert| Identity::from_store_with_thumbprint(store, &cert.thumbprint).ok())
        .collect()
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
    policies: Vec<&'static BuiltinPolicy>,
    seen: Listing,
    current: Vec<String>,
}

impl OwnWatcher {
    /// Watches `store` for the identities of `policies`, which are
    /// `current` now.
    pub fn new(
        store: DirectoryStore,
        policies: &[&'static BuiltinPolicy],
        current: &[Identity],
    ) -> Self {
        let seen = listing(&store);
        OwnWatcher {
            store,
            policies: policies.to_vec(),
            seen,
            current: current.iter().map(identity_thumbprint).collect(),
        }
    }

    /// Looks at `own/` again: the identities to use now, with the ones
    /// that are new among them, if the newest certificate of a type is
    /// another one than the one in use; `None` if nothing changed (a
    /// certificate whose key is not written yet is tried again at the next
    /// change).
    pub fn poll(&mut self) -> Option<(Vec<Identity>, Vec<String>)> {
        let now = listing(&self.store);
        if now == self.seen {
            return None;
        }
        self.seen = now;
        let identities = select(own_identities(&self.store), &self.policies);
        let thumbprints: Vec<String> = identities.iter().map(identity_thumbprint).collect();
        if thumbprints.is_empty() || thumbprints == self.current {
            return None;
        }
        let new = thumbprints
            .iter()
            .filter(|t| !self.current.contains(t))
            .cloned()
            .collect();
        self.current = thumbprints;
        Some((identities, new))
    }
}
