//! A tantivy directory that skips fsync, with a guard that throws the index away after
//! a reboot that was not preceded by a clean shutdown.
//!
//! The index is derived data: the log is the truth and the index can always be rebuilt
//! from it. Fsyncing it at every commit (five times a second) queues behind, and in
//! front of, the log's own fsync on the same disk, and that was most of the node's
//! publish-latency tail. Without fsync, what a commit wrote sits in the page cache:
//! a crashed or killed process loses none of it, only a machine that goes down can. So
//! the guard records the boot id while the index has unsynced writes, and an index
//! found after a different boot without a clean close is deleted and rebuilt from the
//! log. A clean close fsyncs every file first.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, TerminatingWrite,
    WatchCallback, WatchHandle, WritePtr,
};

/// Name of the guard file inside the index directory.
const GUARD: &str = "herald-sync-state";

/// [`MmapDirectory`] for reads, plain buffered writes without fsync.
#[derive(Clone, Debug)]
pub struct LazySyncDirectory {
    inner: MmapDirectory,
    root: PathBuf,
}

impl LazySyncDirectory {
    pub fn open(root: &Path) -> Result<LazySyncDirectory, tantivy::directory::error::OpenDirectoryError> {
        Ok(LazySyncDirectory {
            inner: MmapDirectory::open(root)?,
            root: root.to_path_buf(),
        })
    }
}

/// A file writer whose `terminate` flushes to the OS but does not wait for the disk.
struct NoSyncWriter(File);

impl Write for NoSyncWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl TerminatingWrite for NoSyncWriter {
    fn terminate_ref(&mut self, _: AntiCallToken) -> io::Result<()> {
        self.0.flush()
    }
}

impl Directory for LazySyncDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.root.join(path))
            .map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    OpenWriteError::FileAlreadyExists(path.to_path_buf())
                } else {
                    OpenWriteError::wrap_io_error(e, path.to_path_buf())
                }
            })?;
        Ok(BufWriter::new(Box::new(NoSyncWriter(file))))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        // Atomic against readers and process crashes (write aside, then rename); the
        // guard covers machine crashes.
        let target = self.root.join(path);
        let tmp = self.root.join(format!(".{}.tmp", path.display()));
        std::fs::write(&tmp, data)?;
        std::fs::rename(&tmp, &target)
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.inner.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}

/// This boot of the machine, or None where the OS does not say.
fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_string())
}

/// What the guard says about an index directory found on open.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// Nothing to fear: new, cleanly closed, or written during this very boot.
    Usable,
    /// Written without fsync during an earlier boot and not closed cleanly: its files may
    /// be torn, so it must be rebuilt from the log.
    MaybeTorn,
}

/// Reads the guard of `dir`.
pub fn check(dir: &Path) -> Found {
    let Ok(state) = std::fs::read_to_string(dir.join(GUARD)) else {
        return Found::Usable;
    };
    let mut parts = state.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some("clean"), _) => Found::Usable,
        (Some("dirty"), Some(boot)) if boot_id().as_deref() == Some(boot) => Found::Usable,
        _ => Found::MaybeTorn,
    }
}

fn write_guard(dir: &Path, state: &str) -> io::Result<()> {
    let path = dir.join(GUARD);
    let mut f = File::create(&path)?;
    f.write_all(state.as_bytes())?;
    // The guard itself must be durable before any unsynced index write depends on it.
    f.sync_all()?;
    File::open(dir)?.sync_all()
}

/// Marks `dir` as holding unsynced writes from this boot. Call before writing.
pub fn mark_dirty(dir: &Path) -> io::Result<()> {
    let state = match boot_id() {
        Some(b) => format!("dirty {b}\n"),
        // No boot id: no way to tell a reboot from a restart, so treat every unclean
        // start as a possible tear.
        None => "dirty unknown\n".to_string(),
    };
    write_guard(dir, &state)
}

/// Fsyncs every file of `dir` and marks it clean. Call after the last commit.
pub fn sync_and_mark_clean(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() && entry.file_name() != GUARD {
            File::open(entry.path())?.sync_all()?;
        }
    }
    File::open(dir)?.sync_all()?;
    write_guard(dir, "clean\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_states() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(check(dir.path()), Found::Usable, "a new directory");
        mark_dirty(dir.path()).unwrap();
        let expected = if boot_id().is_some() {
            Found::Usable
        } else {
            Found::MaybeTorn
        };
        assert_eq!(
            check(dir.path()),
            expected,
            "dirty during this boot: a process crash keeps the page cache"
        );
        std::fs::write(dir.path().join(GUARD), "dirty 00000000-another-boot\n").unwrap();
        assert_eq!(check(dir.path()), Found::MaybeTorn, "dirty from another boot");
        std::fs::write(dir.path().join("segment.idx"), b"data").unwrap();
        sync_and_mark_clean(dir.path()).unwrap();
        assert_eq!(check(dir.path()), Found::Usable);
        std::fs::write(dir.path().join(GUARD), "garbage").unwrap();
        assert_eq!(
            check(dir.path()),
            Found::MaybeTorn,
            "an unreadable guard is not trusted"
        );
    }
}
