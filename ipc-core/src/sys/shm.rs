//! Memory shared with another process: a sealed memfd mapped by both sides, the
//! atomic words inside it, futexes on those words, and byte copies in and out.
//!
//! The peer can write anything at any time. Nothing here ever hands out a `&[u8]`
//! or any non-atomic reference into the region: bytes are copied out into private
//! memory (and validated there by the caller), and control words are only touched
//! through atomics, for which every bit pattern is a valid value. The memfd is
//! sealed against shrinking and growing before it is shared, and the receiver checks
//! the seals, so the mapping can never lose pages underneath us (no `SIGBUS`).

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, AtomicU64};
use std::time::Duration;

use memmap2::{MmapOptions, MmapRaw};
use nix::fcntl::{FcntlArg, SealFlag, fcntl};
use nix::sys::memfd::{MFdFlags, memfd_create};

/// A shared mapping of a sealed memfd.
#[derive(Debug)]
pub(crate) struct SharedRegion {
    map: MmapRaw,
    len: usize,
}

const REQUIRED_SEALS: SealFlag = SealFlag::F_SEAL_SHRINK.union(SealFlag::F_SEAL_GROW);

impl SharedRegion {
    /// Creates a zeroed region of `len` bytes and the sealed memfd to share it by.
    pub(crate) fn create(name: &str, len: usize) -> io::Result<(SharedRegion, OwnedFd)> {
        let fd = memfd_create(name, MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING)?;
        nix::unistd::ftruncate(
            &fd,
            i64::try_from(len).map_err(|_| io::ErrorKind::InvalidInput)?,
        )?;
        fcntl(
            &fd,
            FcntlArg::F_ADD_SEALS(REQUIRED_SEALS | SealFlag::F_SEAL_SEAL),
        )?;
        let region = SharedRegion::map(&fd, len)?;
        Ok((region, fd))
    }

    /// Maps a region received from a peer, after checking that it is a sealed memfd
    /// of exactly `len` bytes.
    pub(crate) fn open(fd: &OwnedFd, len: usize) -> io::Result<SharedRegion> {
        let seals = SealFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GET_SEALS)?);
        if !seals.contains(REQUIRED_SEALS) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "shared region is not sealed against resizing",
            ));
        }
        let size = nix::sys::stat::fstat(fd)?.st_size;
        if u64::try_from(size).ok() != Some(len as u64) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "shared region has the wrong size",
            ));
        }
        SharedRegion::map(fd, len)
    }

    fn map(fd: &OwnedFd, len: usize) -> io::Result<SharedRegion> {
        let map = MmapOptions::new().len(len).map_raw(fd.as_raw_fd())?;
        Ok(SharedRegion { map, len })
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn check(&self, offset: usize, size: usize, align: usize) {
        // Offsets come from this crate's fixed layout, never from the peer: a failure
        // here is a bug in the layout code, not bad input.
        assert!(
            offset.is_multiple_of(align)
                && offset.checked_add(size).is_some_and(|end| end <= self.len),
            "bad shared offset"
        );
    }

    /// The 64-bit atomic word at `offset` (8-aligned, inside the region).
    pub(crate) fn u64_at(&self, offset: usize) -> &AtomicU64 {
        self.check(offset, 8, 8);
        // SAFETY: the word is inside the mapping (checked above) and 8-aligned (the mapping is page-aligned and the offset is a multiple of 8); the mapping lives as long as `self`, which the returned reference borrows. Concurrent writes from the other process are what atomics are for, and any bit pattern is a valid u64.
        unsafe { AtomicU64::from_ptr(self.map.as_mut_ptr().add(offset).cast()) }
    }

    /// The 32-bit atomic word at `offset` (4-aligned, inside the region).
    pub(crate) fn u32_at(&self, offset: usize) -> &AtomicU32 {
        self.check(offset, 4, 4);
        // SAFETY: as for `u64_at`, with 4-byte size and alignment.
        unsafe { AtomicU32::from_ptr(self.map.as_mut_ptr().add(offset).cast()) }
    }

    /// Copies `dst.len()` bytes out of the region from `offset`.
    pub(crate) fn copy_out(&self, offset: usize, dst: &mut [u8]) {
        self.check(offset, dst.len(), 1);
        // SAFETY: the source range is inside the mapping (checked above) and the destination is private memory that cannot overlap it. The peer may be writing the same bytes concurrently; we never form a reference to them, and what we copy is treated as untrusted bytes and validated afterwards.
        unsafe { copy_bytes(self.map.as_ptr().add(offset), dst.as_mut_ptr(), dst.len()) }
    }

    /// Appends `len` bytes of the region from `offset` to `dst`, without first
    /// zero-filling the destination.
    pub(crate) fn append_to(&self, offset: usize, len: usize, dst: &mut Vec<u8>) {
        self.check(offset, len, 1);
        dst.reserve(len);
        let start = dst.len();
        // SAFETY: the source range is inside the mapping (checked above); `reserve` made room for `len` bytes after `start`, which is private memory that cannot overlap the mapping; after the copy those bytes are initialized, so extending the length over them is sound. As in `copy_out`, the peer may race the copy; the bytes are untrusted and validated by the caller.
        unsafe {
            copy_bytes(
                self.map.as_ptr().add(offset),
                dst.as_mut_ptr().add(start),
                len,
            );
            dst.set_len(start + len);
        }
    }

    /// Copies `src` into the region at `offset`.
    pub(crate) fn copy_in(&self, offset: usize, src: &[u8]) {
        self.check(offset, src.len(), 1);
        // SAFETY: the destination range is inside the writable shared mapping (checked above), the source is private memory that cannot overlap it, and no reference to the destination bytes exists on this side.
        unsafe { copy_bytes(src.as_ptr(), self.map.as_mut_ptr().add(offset), src.len()) }
    }
}

/// Copies `len` bytes from `src` to `dst`, in pieces when their addresses fall in
/// the window where one big `memcpy` is slow (see `crate::copy`).
///
/// # Safety
///
/// `src` must be valid for reading and `dst` for writing `len` bytes, and the two
/// ranges must not overlap.
unsafe fn copy_bytes(src: *const u8, dst: *mut u8, len: usize) {
    let step = crate::copy::piece(dst as usize, src as usize, len);
    let mut done = 0;
    while done < len {
        let n = step.min(len - done);
        // SAFETY: `done + n <= len`, so both pieces lie inside the ranges the caller vouched for, which do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(src.add(done), dst.add(done), n) };
        done += n;
    }
}

/// Sleeps while `word` holds `expected`, for at most `timeout` (a shared, not
/// private, futex: the waker is another process). Returns on a wake-up, a changed
/// value, a signal, or the timeout; the caller re-checks its condition either way.
pub(crate) fn futex_wait(word: &AtomicU32, expected: u32, timeout: Duration) {
    let ts = libc::timespec {
        tv_sec: timeout.as_secs().min(i64::MAX as u64) as libc::time_t,
        tv_nsec: libc::c_long::from(timeout.subsec_nanos() as i32),
    };
    // SAFETY: FUTEX_WAIT reads the aligned 32-bit word behind a live reference and the timespec on our stack; it writes nothing. Failures (EAGAIN when the value changed, ETIMEDOUT, EINTR) all mean "re-check", which every caller does.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            &ts as *const libc::timespec,
            std::ptr::null::<u32>(),
            0,
        );
    }
}

/// Wakes every thread (of any process) sleeping on `word`.
pub(crate) fn futex_wake(word: &AtomicU32) {
    // SAFETY: FUTEX_WAKE only uses the word's address as a key; it neither reads nor writes memory through it.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE,
            i32::MAX,
            std::ptr::null::<libc::timespec>(),
            std::ptr::null::<u32>(),
            0,
        );
    }
}
