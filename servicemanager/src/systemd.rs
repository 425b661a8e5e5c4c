//! systemd integration: socket activation (`LISTEN_PID`/`LISTEN_FDS`, descriptor 3)
//! and readiness notification (`READY=1` to `$NOTIFY_SOCKET`). Both are plain
//! protocols; no libsystemd needed.

use std::os::unix::net::{SocketAddr, UnixDatagram, UnixListener};

use anyhow::{Context, bail};
use nix::fcntl::{FcntlArg, FdFlag, fcntl};
use nix::sys::stat::{SFlag, fstat};

/// The listening socket systemd passed, if this process was socket-activated.
pub fn listen_socket() -> anyhow::Result<Option<UnixListener>> {
    let Some(pid) = std::env::var_os("LISTEN_PID") else {
        return Ok(None);
    };
    if pid.to_str().and_then(|p| p.parse::<u32>().ok()) != Some(std::process::id()) {
        // Meant for another process (e.g. inherited from a parent): ignore.
        return Ok(None);
    }
    let count = std::env::var("LISTEN_FDS").unwrap_or_default();
    match count.parse::<u32>() {
        Ok(1) => {}
        Ok(0) | Err(_) => bail!("LISTEN_PID is set but LISTEN_FDS is {count:?}"),
        Ok(n) => bail!("socket activation passed {n} sockets; servicemanager takes exactly one"),
    }
    let fd = crate::sys::take_listen_fd();
    let stat = fstat(&fd).context("socket activation: descriptor 3")?;
    if SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT != SFlag::S_IFSOCK {
        bail!("socket activation: descriptor 3 is not a socket");
    }
    // systemd passes it inheritable; our children must not get it.
    fcntl(&fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).context("socket activation: FD_CLOEXEC")?;
    Ok(Some(UnixListener::from(fd)))
}

/// Sends `state` (e.g. `READY=1`) to `$NOTIFY_SOCKET`, if set. A name starting
/// with `@` is in the abstract namespace.
pub fn notify(state: &str) -> anyhow::Result<()> {
    let Some(target) = std::env::var_os("NOTIFY_SOCKET") else {
        return Ok(());
    };
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(target.as_os_str());
    let addr = if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        SocketAddr::from_abstract_name(name)?
    } else {
        SocketAddr::from_pathname(std::path::Path::new(&target))?
    };
    let socket = UnixDatagram::unbound()?;
    socket
        .send_to_addr(state.as_bytes(), &addr)
        .with_context(|| format!("NOTIFY_SOCKET {}", target.to_string_lossy()))?;
    Ok(())
}
