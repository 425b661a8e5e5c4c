//! The only `unsafe` of the benchmark: a page of memory shared between two processes
//! (a file mapped `MAP_SHARED`), atomics inside it, and the futex calls the raw
//! baselines block on.
//!
//! The page is shared only between the benchmark's own processes, but it is still
//! touched through atomics alone: no `&[u8]` over it is ever formed.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::sync::atomic::AtomicU32;
use std::time::Duration;

use memmap2::MmapMut;

/// The size of a [`SharedPage`].
pub(crate) const PAGE_LEN: usize = 4096;

/// One page of a file, mapped shared by every process that opens it.
#[derive(Debug)]
pub(crate) struct SharedPage {
    map: MmapMut,
}

impl SharedPage {
    /// Creates (or truncates) the file at `path`, zero-filled, and maps it.
    pub(crate) fn create(path: &Path) -> io::Result<SharedPage> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        file.set_len(PAGE_LEN as u64)?;
        SharedPage::map(&file)
    }

    /// Maps the file another process created with [`SharedPage::create`].
    pub(crate) fn open(path: &Path) -> io::Result<SharedPage> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        if file.metadata()?.len() < PAGE_LEN as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "shared page file is too short",
            ));
        }
        SharedPage::map(&file)
    }

    fn map(file: &File) -> io::Result<SharedPage> {
        // SAFETY: the mapping is `MAP_SHARED` over a file only the benchmark's processes use; it is never viewed as a Rust slice (only through the atomics below), so the other process changing it or the file being truncated cannot break a Rust reference invariant (a truncation would fault, not corrupt memory).
        let map = unsafe { memmap2::MmapOptions::new().len(PAGE_LEN).map_mut(file)? };
        Ok(SharedPage { map })
    }

    /// The 32-bit word at `offset` (a multiple of 4 inside the page).
    pub(crate) fn u32_at(&self, offset: usize) -> &AtomicU32 {
        assert!(
            offset.is_multiple_of(4) && offset + 4 <= PAGE_LEN,
            "bad word offset {offset}"
        );
        // SAFETY: `offset` is in bounds and 4-aligned (checked above; the mapping is page-aligned), the mapping lives as long as `self`, and every access to the shared page, in this process and the peer, goes through atomics.
        unsafe { AtomicU32::from_ptr(self.map.as_ptr().add(offset).cast::<u32>().cast_mut()) }
    }
}

/// Sleeps while `word` holds `expected`, at most `timeout` (shared futex: the word
/// lives in memory mapped by two processes, so not `FUTEX_PRIVATE_FLAG`). Returns
/// early on a wake-up, a changed value, a signal or the timeout; callers re-check.
pub(crate) fn futex_wait(word: &AtomicU32, expected: u32, timeout: Duration) {
    let ts = libc::timespec {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as libc::c_long,
    };
    // SAFETY: `word` is a valid, aligned 32-bit location for the duration of the call, and `ts` outlives it; FUTEX_WAIT only reads both. Errors (EAGAIN, EINTR, ETIMEDOUT) all mean "re-check", which every caller does.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            &ts as *const libc::timespec,
            std::ptr::null::<u32>(),
            0u32,
        );
    }
}

/// Wakes one process sleeping in [`futex_wait`] on `word`.
pub(crate) fn futex_wake(word: &AtomicU32) {
    // SAFETY: `word` is a valid, aligned 32-bit location; FUTEX_WAKE does not access memory through the remaining (unused) arguments.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE,
            1u32,
            std::ptr::null::<libc::timespec>(),
            std::ptr::null::<u32>(),
            0u32,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering::SeqCst;

    #[test]
    fn two_mappings_of_one_file_share_words() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page");
        let a = SharedPage::create(&path).unwrap();
        let b = SharedPage::open(&path).unwrap();
        a.u32_at(64).store(7, SeqCst);
        assert_eq!(b.u32_at(64).load(SeqCst), 7);
        // Nobody sleeps: a wake is harmless, a wait on a stale value returns at once.
        futex_wake(b.u32_at(64));
        futex_wait(b.u32_at(64), 6, Duration::from_secs(5));
    }
}
