//! Transports move frames and file descriptors between two connected processes. They
//! never look inside a frame. The runtime sees only the [`Transport`] trait; the
//! Unix-socket transport ([`unix`]) and the shared-memory ring transport
//! ([`shm_ring`]) implement it, and the same test suite runs against both.
//!
//! Both present a byte stream: `send` writes one whole frame, `recv` returns whatever
//! bytes are ready. A sender that cannot make progress because the peer is not
//! reading keeps draining its own incoming side into a bounded *spill* buffer, so two
//! peers sending big messages to each other at once cannot deadlock.

pub(crate) mod shm_ring;
pub(crate) mod unix;

use std::collections::VecDeque;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};

/// A bidirectional, ordered, reliable byte stream with descriptor passing.
pub(crate) trait Transport: Send + Sync + std::fmt::Debug {
    /// Sends one whole frame, given as consecutive pieces (so a parcel's data is
    /// written straight from the parcel), and the descriptors that go with it.
    /// Callable from any thread; frames from concurrent callers never interleave.
    fn send(&self, frame: &[&[u8]], fds: &[BorrowedFd<'_>]) -> io::Result<()>;

    /// Reads ready bytes into `buf` and appends received descriptors to `fds` in
    /// order. Called by one thread at a time (the connection's reader). `Ok(0)` is
    /// the end of the stream: the peer is gone. Without `blocking`, returns
    /// `WouldBlock` when nothing is ready.
    fn recv(
        &self,
        buf: &mut [u8],
        fds: &mut VecDeque<OwnedFd>,
        blocking: bool,
    ) -> io::Result<usize>;

    /// Like [`Transport::recv`], but appends at most `limit` bytes to `buf` (used to
    /// read a big frame straight into its own buffer).
    fn recv_into(
        &self,
        buf: &mut Vec<u8>,
        limit: usize,
        fds: &mut VecDeque<OwnedFd>,
        blocking: bool,
    ) -> io::Result<usize> {
        // Grow by what can arrive at once, not by what the peer claims will come.
        let limit = limit.min(RECV_CHUNK);
        let start = buf.len();
        buf.resize(start + limit, 0);
        let result = self.recv(&mut buf[start..], fds, blocking);
        buf.truncate(start + *result.as_ref().unwrap_or(&0));
        result
    }

    /// Makes sure at least `needed` descriptors are in `fds` (a frame that declares
    /// them has been read). By default they always arrive with their frame's bytes.
    fn wait_fds(&self, fds: &mut VecDeque<OwnedFd>, needed: usize) -> io::Result<()> {
        if fds.len() >= needed {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "frame declares more file descriptors than arrived",
            ))
        }
    }

    /// Whether a frame's descriptors always arrive with the frame's own bytes (then
    /// any left over once every complete frame is consumed were never declared).
    fn fds_arrive_with_frames(&self) -> bool {
        true
    }

    /// Whether bytes read ahead by a blocked sender wait to be received (their
    /// descriptors may already have been handed over).
    fn has_spilled(&self) -> bool {
        false
    }

    /// The descriptor the thread pool watches: readable when there is something to
    /// read (or a doorbell), hung up when the peer is gone.
    fn poll_fd(&self) -> BorrowedFd<'_>;

    /// The reader role is being released: from now on the pool must be woken through
    /// `poll_fd`. Returns `true` when bytes are already waiting that nobody was told
    /// about; the caller then arranges for a pool thread to read.
    fn release_reader(&self) -> bool {
        false
    }

    /// Waits up to the spin budget for incoming bytes without sleeping; `true` if
    /// some arrived. Only called by the reader-role holder.
    fn spin_for_data(&self) -> bool {
        false
    }

    /// Waits up to `timeout` for incoming bytes, sleeping rather than spinning once
    /// the spin budget is spent; `true` if some arrived (or the peer hung up, which
    /// the next `recv` reports). Used for the rest of a frame whose beginning has
    /// arrived. Only called by the reader-role holder.
    fn wait_for_data(&self, timeout: std::time::Duration) -> bool {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        let ms = u16::try_from(timeout.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(self.poll_fd(), PollFlags::POLLIN)];
        matches!(poll(&mut fds, PollTimeout::from(ms)), Ok(n) if n > 0)
    }

    /// After answering a call, waits up to `timeout` for the next frame on this
    /// connection, if the transport can wake this thread without the poller (whose
    /// watch on the connection stays armed meanwhile); `true` if bytes came. By
    /// default only spins: a socket's readiness would also wake a pool thread in
    /// `epoll`.
    fn linger(&self, timeout: std::time::Duration) -> bool {
        let _ = timeout;
        self.spin_for_data()
    }

    /// Makes a blocking `recv` in progress (or the next one) return `Interrupted`,
    /// so that its thread looks at calls handed to it.
    fn interrupt_reader(&self);

    /// Wakes a thread sleeping in `recv` so it re-checks the peer's liveness.
    fn wake_reader(&self) {}

    /// Closes both directions, waking any thread blocked in `recv` or `send`.
    fn shutdown(&self);

    /// `"socket"` or `"shm"`, for logs and diagnostics.
    fn kind(&self) -> &'static str;
}

/// The most a receive into a growing buffer asks for at once.
const RECV_CHUNK: usize = 256 * 1024;

/// The error of a send that waited `timeout` for a peer that does not read.
pub(crate) fn stopped_reading(timeout: std::time::Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "peer stopped reading (nothing taken for {} ms)",
            timeout.as_millis()
        ),
    )
}

/// The pieces of `frame` that remain after the first `skip` bytes.
pub(crate) fn remaining<'a>(frame: &[&'a [u8]], mut skip: usize) -> Vec<&'a [u8]> {
    let mut out = Vec::with_capacity(frame.len());
    for part in frame {
        if skip >= part.len() {
            skip -= part.len();
        } else {
            out.push(&part[skip..]);
            skip = 0;
        }
    }
    out
}

/// Incoming bytes and descriptors a blocked sender read ahead for the reader.
#[derive(Debug, Default)]
pub(crate) struct Spill {
    bytes: VecDeque<u8>,
    fds: VecDeque<OwnedFd>,
    /// The peer closed its side; reported once the spilled bytes are consumed.
    pub(crate) eof: bool,
}

/// The most bytes a blocked sender reads ahead: one maximum-size frame and change.
pub(crate) const SPILL_LIMIT: usize = crate::DEFAULT_MAX_TRANSACTION_SIZE + 2 * 1024 * 1024;

impl Spill {
    pub(crate) fn has_room(&self) -> bool {
        self.bytes.len() < SPILL_LIMIT
    }

    pub(crate) fn push(&mut self, bytes: &[u8], fds: &mut VecDeque<OwnedFd>) {
        self.bytes.extend(bytes);
        self.fds.append(fds);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty() && self.fds.is_empty()
    }

    /// Appends at most `limit` spilled bytes to `buf` (and all spilled descriptors
    /// to `fds`).
    pub(crate) fn take_into(
        &mut self,
        buf: &mut Vec<u8>,
        limit: usize,
        fds: &mut VecDeque<OwnedFd>,
    ) -> usize {
        fds.append(&mut self.fds);
        let n = limit.min(self.bytes.len());
        buf.extend(self.bytes.drain(..n));
        n
    }

    /// Moves spilled bytes into `buf` (and all spilled descriptors into `fds`).
    pub(crate) fn take(&mut self, buf: &mut [u8], fds: &mut VecDeque<OwnedFd>) -> usize {
        fds.append(&mut self.fds);
        let n = buf.len().min(self.bytes.len());
        for (dst, src) in buf.iter_mut().zip(self.bytes.drain(..n)) {
            *dst = src;
        }
        n
    }
}
