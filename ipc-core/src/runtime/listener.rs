//! Listening sockets: a path a server publishes its root object on, and the abstract
//! address every exporting process is reachable at.

use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::connection::Connection;
use super::runtime;
use crate::{Result, SpIBinder, StatusCode};

/// A published socket. The socket stops accepting, and its file is removed, when
/// this drops.
#[derive(Debug)]
pub struct Listener {
    inner: Arc<ListenerInner>,
}

#[derive(Debug)]
pub(crate) struct ListenerInner {
    key: u64,
    pub(crate) socket: UnixListener,
    root: Option<SpIBinder>,
    path: Option<PathBuf>,
    same_user_only: bool,
}

impl Listener {
    pub(crate) fn bind_path(path: &Path, root: Option<SpIBinder>) -> Result<Listener> {
        if path.exists() {
            match UnixStream::connect(path) {
                Ok(_) => return Err(StatusCode::ALREADY_EXISTS),
                Err(_) => {
                    // Nobody answers: a socket left by a dead process.
                    let _ = std::fs::remove_file(path);
                }
            }
        }
        let socket = UnixListener::bind(path).map_err(|e| super::io_status(&e))?;
        Listener::start(socket, root, Some(path.to_owned()), false)
    }

    pub(crate) fn adopt(socket: UnixListener, root: Option<SpIBinder>) -> Result<Listener> {
        Listener::start(socket, root, None, false)
    }

    pub(crate) fn bind_abstract(name: &str) -> Result<Listener> {
        use std::os::linux::net::SocketAddrExt;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
            .map_err(|_| StatusCode::BAD_VALUE)?;
        let socket = UnixListener::bind_addr(&addr).map_err(|e| super::io_status(&e))?;
        Listener::start(socket, None, None, true)
    }

    fn start(
        socket: UnixListener,
        root: Option<SpIBinder>,
        path: Option<PathBuf>,
        same_user_only: bool,
    ) -> Result<Listener> {
        socket
            .set_nonblocking(true)
            .map_err(|e| super::io_status(&e))?;
        let key = super::pool::next_key();
        let inner = Arc::new(ListenerInner {
            key,
            socket,
            root,
            path,
            same_user_only,
        });
        runtime()
            .pool
            .watch_listener(key, &inner)
            .map_err(|e| super::io_status(&e))?;
        Ok(Listener { inner })
    }

    /// The socket's path (`None` for an abstract address).
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }
}

impl ListenerInner {
    /// Accepts one pending connection, if any.
    pub(crate) fn accept(&self) -> Option<UnixStream> {
        match self.socket.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                Some(stream)
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => None,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                None
            }
        }
    }

    /// Runs the handshake of an accepted connection on a thread of its own, so a
    /// peer that connects and says nothing holds that thread (for at most the
    /// handshake deadline), never a pool thread. At most
    /// [`MAX_PENDING_PER_UID`] handshakes per uid and [`MAX_PENDING`] in all run at
    /// once; a connection beyond that is closed at once.
    pub(crate) fn handshake(self: &Arc<Self>, stream: UnixStream) {
        let uid =
            match nix::sys::socket::getsockopt(&stream, nix::sys::socket::sockopt::PeerCredentials)
            {
                Ok(creds) => creds.uid(),
                Err(_) => return,
            };
        {
            let mut pending = PENDING.lock();
            let from_uid = pending.by_uid.get(&uid).copied().unwrap_or(0);
            if from_uid >= MAX_PENDING_PER_UID || pending.total >= MAX_PENDING {
                tracing::warn!(uid, "too many handshakes in progress; connection dropped");
                return;
            }
            pending.total += 1;
            *pending.by_uid.entry(uid).or_insert(0) += 1;
        }
        let listener = self.clone();
        let spawned = std::thread::Builder::new()
            .name("binder-handshake".into())
            // It only reads a hello and writes one: a small stack keeps the cap cheap.
            .stack_size(256 * 1024)
            .spawn(move || {
                let result = Connection::handshake_as_server(
                    stream,
                    listener.root.as_ref(),
                    listener.same_user_only,
                );
                if let Err(e) = result {
                    tracing::debug!(error = %e, "handshake failed");
                }
                handshake_done(uid);
            });
        if spawned.is_err() {
            handshake_done(uid);
        }
    }
}

/// The most handshakes in progress from one uid.
pub(crate) const MAX_PENDING_PER_UID: usize = 128;
/// The most handshakes in progress in all.
pub(crate) const MAX_PENDING: usize = 512;

#[derive(Default)]
struct Pending {
    total: usize,
    by_uid: std::collections::HashMap<u32, usize>,
}

static PENDING: std::sync::LazyLock<parking_lot::Mutex<Pending>> =
    std::sync::LazyLock::new(Default::default);

fn handshake_done(uid: u32) {
    let mut pending = PENDING.lock();
    pending.total = pending.total.saturating_sub(1);
    if let Some(n) = pending.by_uid.get_mut(&uid) {
        *n -= 1;
        if *n == 0 {
            pending.by_uid.remove(&uid);
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        runtime().pool.unwatch_listener(self.inner.key, &self.inner);
        if let Some(path) = &self.inner.path {
            let _ = std::fs::remove_file(path);
        }
    }
}
