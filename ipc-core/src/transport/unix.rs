//! The Unix-domain-socket transport: frames are written to a `SOCK_STREAM` socket,
//! descriptors ride along in `SCM_RIGHTS` control messages attached to the first
//! byte of their frame.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
use parking_lot::Mutex;

use super::Transport;

/// A connected Unix stream socket.
#[derive(Debug)]
pub(crate) struct UnixTransport {
    stream: UnixStream,
    /// Serializes senders so frames never interleave.
    send_lock: Mutex<()>,
}

impl UnixTransport {
    pub(crate) fn new(stream: UnixStream) -> UnixTransport {
        UnixTransport {
            stream,
            send_lock: Mutex::new(()),
        }
    }
}

impl Transport for UnixTransport {
    fn send(&self, frame: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
        let _guard = self.send_lock.lock();
        let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
        let mut sent = 0;
        while sent < frame.len() {
            let rights = [ControlMessage::ScmRights(&raw)];
            let cmsgs: &[ControlMessage<'_>] = if sent == 0 && !raw.is_empty() {
                &rights
            } else {
                &[]
            };
            let iov = [IoSlice::new(&frame[sent..])];
            match sendmsg::<()>(
                self.stream.as_raw_fd(),
                &iov,
                cmsgs,
                MsgFlags::MSG_NOSIGNAL,
                None,
            ) {
                Ok(n) => sent += n,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn recv(
        &self,
        buf: &mut [u8],
        fds: &mut VecDeque<OwnedFd>,
        blocking: bool,
    ) -> io::Result<usize> {
        crate::sys::recv_with_fds(self.stream.as_raw_fd(), buf, fds, blocking)
    }

    fn poll_fd(&self) -> BorrowedFd<'_> {
        self.stream.as_fd()
    }

    fn shutdown(&self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}
