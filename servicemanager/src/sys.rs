//! The one thing that needs `unsafe`: taking ownership of the socket systemd passes
//! as file descriptor 3.
#![allow(unsafe_code)]

use std::os::fd::{FromRawFd, OwnedFd};

/// `SD_LISTEN_FDS_START`: the first descriptor systemd passes.
const LISTEN_FDS_START: i32 = 3;

/// Takes descriptor 3. Call at most once, and only after checking that
/// `LISTEN_PID`/`LISTEN_FDS` say systemd passed it to this process.
pub(crate) fn take_listen_fd() -> OwnedFd {
    // SAFETY: systemd (or whoever set LISTEN_PID to our pid, per the socket-activation protocol) opened descriptor 3 for us; nothing in this process has wrapped it, and the caller (`systemd::listen_socket`, run once from `main`) takes it once.
    unsafe { OwnedFd::from_raw_fd(LISTEN_FDS_START) }
}
