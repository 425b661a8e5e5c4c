//! The only place with `unsafe` code: thin wrappers over system calls whose
//! preconditions the type system cannot express.
#![allow(unsafe_code)]

use std::collections::VecDeque;
use std::io::{self, IoSliceMut};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};

/// The most descriptors one `recvmsg` accepts (the kernel's `SCM_MAX_FD` is 253).
const MAX_RECEIVED_FDS: usize = 253;

/// `recvmsg` on a socket: reads into `buf` and appends every descriptor received with
/// the bytes to `fds`, each owned (close-on-exec, closed on drop). Retries on `EINTR`.
/// A truncated control message (more descriptors than fit) is `InvalidData`.
pub(crate) fn recv_with_fds(
    socket: RawFd,
    buf: &mut [u8],
    fds: &mut VecDeque<OwnedFd>,
    blocking: bool,
) -> io::Result<usize> {
    let mut cmsg = nix::cmsg_space!([RawFd; MAX_RECEIVED_FDS]);
    let mut flags = MsgFlags::MSG_CMSG_CLOEXEC;
    if !blocking {
        flags |= MsgFlags::MSG_DONTWAIT;
    }
    loop {
        let mut iov = [IoSliceMut::new(buf)];
        let msg = match recvmsg::<()>(socket, &mut iov, Some(&mut cmsg), flags) {
            Ok(msg) => msg,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        };
        for c in msg.cmsgs().map_err(io::Error::from)? {
            if let ControlMessageOwned::ScmRights(received) = c {
                for raw in received {
                    // SAFETY: the kernel installed `raw` in this process during the recvmsg call above; nothing else has seen it, so wrapping it makes this the one owner that closes it.
                    fds.push_back(unsafe { OwnedFd::from_raw_fd(raw) });
                }
            }
        }
        if msg.flags.contains(MsgFlags::MSG_CTRUNC) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "control message truncated",
            ));
        }
        return Ok(msg.bytes);
    }
}
pub(crate) mod shm;
