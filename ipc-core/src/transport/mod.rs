//! Transports move frames and file descriptors between two connected processes. They
//! never look inside a frame. The runtime above sees only the [`Transport`] trait, so
//! the shared-memory ring transport slots in beside the Unix-socket one.

pub(crate) mod unix;

use std::collections::VecDeque;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};

/// A bidirectional, ordered, reliable byte stream with descriptor passing.
pub(crate) trait Transport: Send + Sync + std::fmt::Debug {
    /// Sends one whole frame and the descriptors that go with it. Callable from any
    /// thread; frames from concurrent callers never interleave.
    fn send(&self, frame: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<()>;

    /// Reads available bytes into `buf`, appending received descriptors to `fds` in
    /// order. Called by one thread at a time (the connection's reader). `Ok(0)` is the
    /// end of the stream: the peer is gone. Without `blocking`, returns `WouldBlock`
    /// when nothing is ready.
    fn recv(
        &self,
        buf: &mut [u8],
        fds: &mut VecDeque<OwnedFd>,
        blocking: bool,
    ) -> io::Result<usize>;

    /// The descriptor to watch for readability and hang-up.
    fn poll_fd(&self) -> BorrowedFd<'_>;

    /// Closes both directions, waking any thread blocked in `recv`.
    fn shutdown(&self);
}
