//! The trust lists of a [`DirectoryStore`] as last read and parsed, kept
//! while the store's folders show no change (OPC 10000-12 Annex F).

use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use super::store::{DirectoryStore, TrustListing};
use super::trust_index::TrustIndex;
use super::validate::TrustLists;

/// The trust lists read at one moment, indexed, with the listing they were
/// read from.
#[derive(Debug)]
pub(crate) struct Snapshot {
    listing: TrustListing,
    /// Whether a later listing equal to `listing` proves the files
    /// unchanged: every file was read whole and had settled.
    reusable: bool,
    /// The trusted and issuer certificates. The CRLs are in `index` only.
    lists: TrustLists,
    index: TrustIndex,
}

impl Snapshot {
    /// The trusted and issuer certificates (the CRLs are in
    /// [`index`](Self::index)).
    pub(crate) fn lists(&self) -> &TrustLists {
        &self.lists
    }

    /// The lists indexed.
    pub(crate) fn index(&self) -> &TrustIndex {
        &self.index
    }
}

/// The last [`Snapshot`] of a store, shared by the threads that validate.
///
/// Each [`current`](Self::current) call lists the folders the trust lists
/// come from (`trusted/certs`, `issuer/certs`, `trusted/crl`,
/// `issuer/crl`, and the `issuers/` spellings): one directory read and one
/// `stat` per file, no file opened. The snapshot is used again when that
/// listing equals the one it was read from, file by file: the same paths,
/// each with the same length, modification time and (on Unix) status
/// change time, device and inode. Otherwise the files are read and parsed
/// anew. So a file added, removed, renamed, rewritten or replaced by
/// another moved over it shows at the next validation; on Unix, so does a
/// file rewritten and then set back to its old modification time (the
/// status change time tells), which elsewhere shows only if its length
/// changed.
///
/// Directory modification times alone would not do: rewriting a file in
/// place does not change its directory. Names and lengths alone would miss
/// a certificate replaced by one of the same length; and on a file system
/// with coarse times (whole seconds, FAT's two seconds, the kernel's clock
/// ticks) even the times of a file rewritten twice within one step are
/// equal. So a snapshot is used again only if every file it read had last
/// changed at least `SETTLE_TIME` (3 s) before the listing it was read
/// from: any write after that listing is then stamped with a later time.
/// Until its files are that old, or while a file's times lie in the
/// future, a store is read anew for each validation, as it always was;
/// likewise while an entry cannot be stat'ed or a file cannot be read,
/// which is then skipped as before. Folders that cannot be opened count as
/// empty, as before.
///
/// One snapshot is kept, replaced by the next one read; a snapshot is
/// freed when the last validation using it ends. Its size is bounded by
/// the store's limits ([`MAX_FILES_PER_FOLDER`](super::MAX_FILES_PER_FOLDER)
/// files of at most [`MAX_FILE_SIZE`](super::MAX_FILE_SIZE) bytes per
/// folder), like a single read of the store.
#[derive(Default)]
pub(crate) struct TrustCache {
    current: RwLock<Option<Arc<Snapshot>>>,
    /// How many snapshots were read from disk.
    #[cfg(test)]
    loads: std::sync::atomic::AtomicUsize,
}

impl core::fmt::Debug for TrustCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let held = self
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        f.debug_struct("TrustCache")
            .field("held", &held)
            .finish_non_exhaustive()
    }
}

impl TrustCache {
    /// The trust lists of `store` as they are now on disk: the last
    /// snapshot if the folders show no change since it was read, else a
    /// new one.
    pub(crate) fn current(&self, store: &DirectoryStore) -> Arc<Snapshot> {
        let listed = SystemTime::now();
        let listing = store.trust_listing();
        if let Some(snapshot) = self
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|s| s.reusable && s.listing == listing)
        {
            return Arc::clone(snapshot);
        }
        #[cfg(test)]
        self.loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let (mut lists, complete) = store.read_trust_lists(&listing);
        let index = TrustIndex::new(&lists);
        lists.crls = Vec::new();
        let snapshot = Arc::new(Snapshot {
            reusable: complete && listing.settled(listed),
            listing,
            lists,
            index,
        });
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&snapshot));
        snapshot
    }

    /// How many snapshots were read from disk.
    #[cfg(test)]
    pub(crate) fn loads(&self) -> usize {
        self.loads.load(std::sync::atomic::Ordering::SeqCst)
    }
}
