//! What the folders of a [`DirectoryStore`](super::DirectoryStore) hold,
//! by name and metadata, without reading a file: enough to tell whether
//! anything changed since an earlier look (OPC 10000-12 Annex F: the
//! administrator changes the trust lists by changing files).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::store::{MAX_FILE_SIZE, MAX_FILES_PER_FOLDER};

/// How long after its last change a file's metadata is taken to show any
/// further change. File times are as coarse as the file system keeps them
/// (FAT: 2 s; many others 1 s; the Linux kernel stamps files from a clock
/// that moves in ticks of a few milliseconds), so a file rewritten twice
/// within one such step, with the same length, can look unchanged. A file
/// whose times are at least this much older than the moment its folder
/// was listed cannot: any later write is stamped with a later time.
pub(crate) const SETTLE_TIME: Duration = Duration::from_secs(3);

/// A file of a folder as listed: its path and what its metadata says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileStamp {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
    /// The status change time (Unix `st_ctime`): set by every write, by
    /// setting the modification time back, and by renaming into place.
    changed: Option<SystemTime>,
    /// Device and inode (Unix): a file replaced by renaming another over it
    /// is another file.
    id: Option<(u64, u64)>,
}

impl FileStamp {
    fn new(path: PathBuf, metadata: &fs::Metadata) -> Self {
        let (changed, id) = unix_stamp(metadata);
        FileStamp {
            path,
            len: metadata.len(),
            modified: metadata.modified().ok(),
            changed,
            id,
        }
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The file's length when listed.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file's last change was at least [`SETTLE_TIME`] before
    /// `listed`. Without a modification time, never.
    fn settled(&self, listed: SystemTime) -> bool {
        let Some(modified) = self.modified else {
            return false;
        };
        let latest = self.changed.map_or(modified, |c| c.max(modified));
        latest
            .checked_add(SETTLE_TIME)
            .is_some_and(|settled| settled <= listed)
    }
}

#[cfg(unix)]
fn unix_stamp(metadata: &fs::Metadata) -> (Option<SystemTime>, Option<(u64, u64)>) {
    use std::os::unix::fs::MetadataExt;
    let changed = u64::try_from(metadata.ctime())
        .ok()
        .zip(u32::try_from(metadata.ctime_nsec()).ok())
        .and_then(|(s, ns)| SystemTime::UNIX_EPOCH.checked_add(Duration::new(s, ns)));
    (changed, Some((metadata.dev(), metadata.ino())))
}

#[cfg(not(unix))]
fn unix_stamp(_: &fs::Metadata) -> (Option<SystemTime>, Option<(u64, u64)>) {
    (None, None)
}

/// The files of one store folder (and of its alternative spelling), as the
/// store reads them: regular files of at most
/// [`MAX_FILE_SIZE`](super::MAX_FILE_SIZE) bytes among the first
/// [`MAX_FILES_PER_FOLDER`](super::MAX_FILES_PER_FOLDER) entries of each
/// directory, sorted by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listing {
    files: Vec<FileStamp>,
    /// Whether every entry could be listed and stat'ed. A folder that
    /// cannot be opened at all (missing, say) counts as empty and complete,
    /// as the store reads it.
    complete: bool,
}

impl Listing {
    /// Lists `dirs`.
    pub(crate) fn of(dirs: &[PathBuf]) -> Self {
        let mut files = Vec::new();
        let mut complete = true;
        for dir in dirs {
            let Ok(entries) = fs::read_dir(dir) else {
                continue;
            };
            let mut listed = 0;
            for entry in entries {
                if listed == MAX_FILES_PER_FOLDER {
                    break;
                }
                let Ok(entry) = entry else {
                    complete = false;
                    continue;
                };
                listed += 1;
                let (Ok(kind), Ok(metadata)) = (entry.file_type(), entry.metadata()) else {
                    complete = false;
                    continue;
                };
                if kind.is_file() && metadata.len() <= MAX_FILE_SIZE {
                    files.push(FileStamp::new(entry.path(), &metadata));
                }
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Listing { files, complete }
    }

    /// The files, sorted by path.
    pub(crate) fn files(&self) -> &[FileStamp] {
        &self.files
    }

    /// Whether every entry could be listed, and every file's last change
    /// was at least [`SETTLE_TIME`] before `listed`.
    pub(crate) fn settled(&self, listed: SystemTime) -> bool {
        self.complete && self.files.iter().all(|f| f.settled(listed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(modified: u64, changed: Option<u64>) -> FileStamp {
        let at = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        FileStamp {
            path: PathBuf::from("trusted/certs/a.der"),
            len: 1000,
            modified: Some(at(modified)),
            changed: changed.map(at),
            id: None,
        }
    }

    #[test]
    fn a_file_settles_only_when_its_last_change_is_old_enough() {
        let listed = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let settle = SETTLE_TIME.as_secs();
        // Changed within the last SETTLE_TIME: a same-second, same-length
        // rewrite after the listing would look the same.
        assert!(!stamp(1_000, None).settled(listed));
        assert!(!stamp(1_000 - settle + 1, None).settled(listed));
        assert!(stamp(1_000 - settle, None).settled(listed));
        // The later of the two times counts: a modification time set back
        // is a recent status change.
        assert!(!stamp(10, Some(1_000)).settled(listed));
        assert!(stamp(10, Some(1_000 - settle)).settled(listed));
        // A time in the future never settles.
        assert!(!stamp(2_000, None).settled(listed));
        let none = FileStamp {
            modified: None,
            ..stamp(0, None)
        };
        assert!(!none.settled(listed));
    }

    #[test]
    fn an_incomplete_listing_never_settles() {
        let listed = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let old = Listing {
            files: vec![stamp(1, Some(1))],
            complete: true,
        };
        assert!(old.settled(listed));
        assert!(
            !Listing {
                complete: false,
                ..old
            }
            .settled(listed)
        );
    }
}
