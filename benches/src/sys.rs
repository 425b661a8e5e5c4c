//! The only `unsafe` of the benchmark: memory shared between two processes (a file
//! mapped `MAP_SHARED`), atomics inside it, bulk copies in and out of it, and the
//! futex calls the raw baselines block on.
//!
//! The region is shared only between the benchmark's own processes, but it is still
//! touched through atomics and raw copies alone: no `&[u8]` over it is ever formed.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::sync::atomic::AtomicU32;
use std::time::Duration;

use memmap2::MmapMut;

/// The size of the first page of a [`SharedPage`] (the words); bulk areas follow it.
pub(crate) const PAGE_LEN: usize = 4096;

/// A file of `PAGE_LEN` or more bytes, mapped shared by every process that opens it.
#[derive(Debug)]
pub(crate) struct SharedPage {
    map: MmapMut,
}

impl SharedPage {
    /// Creates (or truncates) the file at `path`, `len` zero bytes, and maps it.
    pub(crate) fn create(path: &Path, len: usize) -> io::Result<SharedPage> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        let len = len.max(PAGE_LEN);
        file.set_len(len as u64)?;
        SharedPage::map(&file, len)
    }

    /// Maps the `len` bytes of the file another process created with
    /// [`SharedPage::create`].
    pub(crate) fn open(path: &Path, len: usize) -> io::Result<SharedPage> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        let len = len.max(PAGE_LEN);
        if file.metadata()?.len() < len as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "shared page file is too short",
            ));
        }
        SharedPage::map(&file, len)
    }

    fn map(file: &File, len: usize) -> io::Result<SharedPage> {
        // SAFETY: the mapping is `MAP_SHARED` over a file only the benchmark's processes use; it is never viewed as a Rust slice (only through the atomics and raw copies below), so the other process changing it or the file being truncated cannot break a Rust reference invariant (a truncation would fault, not corrupt memory).
        let map = unsafe { memmap2::MmapOptions::new().len(len).map_mut(file)? };
        Ok(SharedPage { map })
    }

    /// Copies `src` into the region at `offset`.
    pub(crate) fn copy_in(&self, offset: usize, src: &[u8]) {
        assert!(offset + src.len() <= self.map.len(), "copy past the region");
        // SAFETY: the destination range is inside the mapping (checked above), which lives as long as `self`; `src` is private memory, so the ranges cannot overlap. The peer does not touch this range until the sequence word published after the copy says so.
        unsafe {
            std::ptr::copy_nonoverlapping(
                src.as_ptr(),
                self.map.as_ptr().add(offset).cast_mut(),
                src.len(),
            );
        }
    }

    /// Copies `dst.len()` bytes of the region at `offset` into `dst`.
    pub(crate) fn copy_out(&self, offset: usize, dst: &mut [u8]) {
        assert!(offset + dst.len() <= self.map.len(), "copy past the region");
        // SAFETY: the source range is inside the mapping (checked above), which lives as long as `self`; `dst` is private memory, so the ranges cannot overlap. The peer wrote this range before publishing the sequence word we waited for, and does not write it again until we answer.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.map.as_ptr().add(offset),
                dst.as_mut_ptr(),
                dst.len(),
            );
        }
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
        let a = SharedPage::create(&path, 3 * PAGE_LEN).unwrap();
        let b = SharedPage::open(&path, 3 * PAGE_LEN).unwrap();
        a.copy_in(PAGE_LEN + 10, b"bulk");
        let mut got = [0u8; 4];
        b.copy_out(PAGE_LEN + 10, &mut got);
        assert_eq!(&got, b"bulk");
        a.u32_at(64).store(7, SeqCst);
        assert_eq!(b.u32_at(64).load(SeqCst), 7);
        // Nobody sleeps: a wake is harmless, a wait on a stale value returns at once.
        futex_wake(b.u32_at(64));
        futex_wait(b.u32_at(64), 6, Duration::from_secs(5));
    }
}
