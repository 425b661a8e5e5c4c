//! The Unix-domain-socket transport: frames are written to a `SOCK_STREAM` socket,
//! descriptors ride along in `SCM_RIGHTS` control messages attached to the first
//! byte of their frame.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::eventfd::{EfdFlags, EventFd};
use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
use parking_lot::Mutex;

use super::{Spill, Transport};

/// A connected Unix stream socket.
#[derive(Debug)]
pub(crate) struct UnixTransport {
    stream: UnixStream,
    /// Serializes senders so frames never interleave.
    send_lock: Mutex<()>,
    /// Held while receiving; what a blocked sender read ahead.
    recv: Mutex<Spill>,
    /// How long a send may make no progress before it fails.
    send_timeout: Duration,
    /// Polled beside the socket by a blocking receive; written by
    /// `interrupt_reader`. Made on first use by either (most connections never
    /// need it); `None` if it could not be made (a blocking receive then only ends
    /// with data).
    interrupt: OnceLock<Option<EventFd>>,
}

impl UnixTransport {
    pub(crate) fn new(stream: UnixStream, send_timeout: Duration) -> UnixTransport {
        UnixTransport {
            stream,
            send_lock: Mutex::new(()),
            recv: Mutex::new(Spill::default()),
            send_timeout,
            interrupt: OnceLock::new(),
        }
    }

    fn interrupt_fd(&self) -> Option<&EventFd> {
        self.interrupt
            .get_or_init(|| {
                EventFd::from_flags(EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK).ok()
            })
            .as_ref()
    }

    /// The socket is full: wait until it drains, reading ahead whatever the peer
    /// sends meanwhile if no reader is doing so.
    fn wait_writable(&self) -> io::Result<()> {
        let fd = self.stream.as_fd();
        let mut fds = [PollFd::new(fd, PollFlags::POLLOUT | PollFlags::POLLIN)];
        poll(&mut fds, PollTimeout::from(100u16))?;
        let revents = fds[0].revents().unwrap_or(PollFlags::empty());
        if revents.contains(PollFlags::POLLIN)
            && let Some(mut spill) = self.recv.try_lock()
            && spill.has_room()
            && !spill.eof
        {
            let mut buf = vec![0u8; 64 * 1024];
            let mut fds = VecDeque::new();
            match crate::sys::recv_with_fds(self.stream.as_raw_fd(), &mut buf, &mut fds, false) {
                Ok(0) => spill.eof = true,
                Ok(n) => spill.push(&buf[..n], &mut fds),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl Transport for UnixTransport {
    fn send(&self, frame: &[&[u8]], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
        let _guard = self.send_lock.lock();
        let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
        let total: usize = frame.iter().map(|p| p.len()).sum();
        let mut sent = 0;
        let mut progress = Instant::now();
        while sent < total {
            let rights = [ControlMessage::ScmRights(&raw)];
            let cmsgs: &[ControlMessage<'_>] = if sent == 0 && !raw.is_empty() {
                &rights
            } else {
                &[]
            };
            let iov: Vec<IoSlice<'_>> = super::remaining(frame, sent)
                .into_iter()
                .map(IoSlice::new)
                .collect();
            let flags = MsgFlags::MSG_NOSIGNAL | MsgFlags::MSG_DONTWAIT;
            match sendmsg::<()>(self.stream.as_raw_fd(), &iov, cmsgs, flags, None) {
                Ok(n) => {
                    sent += n;
                    progress = Instant::now();
                }
                Err(nix::errno::Errno::EINTR) => continue,
                Err(nix::errno::Errno::EAGAIN) if progress.elapsed() > self.send_timeout => {
                    return Err(super::stopped_reading(self.send_timeout));
                }
                Err(nix::errno::Errno::EAGAIN) => self.wait_writable()?,
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
        let mut spill = self.recv.lock();
        if !spill.is_empty() {
            return Ok(spill.take(buf, fds));
        }
        if spill.eof {
            return Ok(0);
        }
        let interrupt = if blocking { self.interrupt_fd() } else { None };
        let Some(interrupt) = interrupt else {
            return crate::sys::recv_with_fds(self.stream.as_raw_fd(), buf, fds, blocking);
        };
        loop {
            // Wait for the socket or an interrupt (level-triggered: one written
            // before we got here is seen at once; both sides make the same eventfd).
            let mut ready = [
                PollFd::new(self.stream.as_fd(), PollFlags::POLLIN),
                PollFd::new(interrupt.as_fd(), PollFlags::POLLIN),
            ];
            match poll(&mut ready, PollTimeout::NONE) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
            if ready[1]
                .revents()
                .is_some_and(|r| r.contains(PollFlags::POLLIN))
            {
                let _ = interrupt.read();
                return Err(io::ErrorKind::Interrupted.into());
            }
            match crate::sys::recv_with_fds(self.stream.as_raw_fd(), buf, fds, false) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                other => return other,
            }
        }
    }

    fn interrupt_reader(&self) {
        if let Some(interrupt) = self.interrupt_fd() {
            let _ = interrupt.write(1);
        }
    }

    fn has_spilled(&self) -> bool {
        // A sender holding the lock may be spilling right now: assume so.
        self.recv.try_lock().is_none_or(|spill| !spill.is_empty())
    }

    fn poll_fd(&self) -> BorrowedFd<'_> {
        self.stream.as_fd()
    }

    fn shutdown(&self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }

    fn kind(&self) -> &'static str {
        "socket"
    }
}
