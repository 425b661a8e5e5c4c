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
    /// handshake deadline), never a pool thread. At most [`MAX_PENDING_PER_UID`]
    /// handshakes per uid and [`MAX_PENDING`] in all run at once; connections beyond
    /// that wait (each costs only its descriptor), per uid so that one uid's flood
    /// cannot hold up another's, and start as running handshakes end. Only a uid with
    /// [`MAX_WAITING_PER_UID`] connections already waiting has new ones dropped.
    pub(crate) fn handshake(self: &Arc<Self>, stream: UnixStream) {
        let uid =
            match nix::sys::socket::getsockopt(&stream, nix::sys::socket::sockopt::PeerCredentials)
            {
                Ok(creds) => creds.uid(),
                Err(_) => return,
            };
        {
            let mut pending = PENDING.lock();
            if !pending.may_start(uid) {
                let waiting = pending.waiting.entry(uid).or_default();
                if waiting.len() >= MAX_WAITING_PER_UID {
                    tracing::warn!(
                        uid,
                        "too many connections waiting for a handshake; connection dropped"
                    );
                } else {
                    waiting.push_back((self.clone(), stream));
                }
                return;
            }
            pending.start(uid);
        }
        spawn_handshakes(self.clone(), stream, uid);
    }
}

/// Runs handshakes on a new thread: this one, then any that waited for a slot.
fn spawn_handshakes(listener: Arc<ListenerInner>, stream: UnixStream, uid: u32) {
    let spawned = std::thread::Builder::new()
        .name("binder-handshake".into())
        // It only reads a hello and writes one: a small stack keeps the cap cheap.
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut next = Some((listener, stream, uid));
            while let Some((listener, stream, uid)) = next {
                let result = Connection::handshake_as_server(
                    stream,
                    listener.root.as_ref(),
                    listener.same_user_only,
                );
                if let Err(e) = result {
                    tracing::debug!(error = %e, "handshake failed");
                }
                next = PENDING.lock().finish_and_take_next(uid);
            }
        });
    if let Err(e) = spawned {
        // The connection is dropped; give its slot back.
        tracing::warn!(error = %e, "cannot spawn a handshake thread; connection dropped");
        PENDING.lock().finish(uid);
    }
}

/// The most handshakes in progress from one uid.
pub(crate) const MAX_PENDING_PER_UID: usize = 128;
/// The most handshakes in progress in all.
pub(crate) const MAX_PENDING: usize = 512;
/// The most connections of one uid waiting for a handshake slot.
pub(crate) const MAX_WAITING_PER_UID: usize = 4096;

type Waiting = (Arc<ListenerInner>, UnixStream);

#[derive(Default)]
struct Pending {
    total: usize,
    by_uid: std::collections::HashMap<u32, usize>,
    waiting: std::collections::HashMap<u32, std::collections::VecDeque<Waiting>>,
}

impl Pending {
    fn may_start(&self, uid: u32) -> bool {
        self.total < MAX_PENDING
            && self.by_uid.get(&uid).copied().unwrap_or(0) < MAX_PENDING_PER_UID
    }

    fn start(&mut self, uid: u32) {
        self.total += 1;
        *self.by_uid.entry(uid).or_insert(0) += 1;
    }

    fn finish(&mut self, uid: u32) {
        self.total = self.total.saturating_sub(1);
        if let Some(n) = self.by_uid.get_mut(&uid) {
            *n -= 1;
            if *n == 0 {
                self.by_uid.remove(&uid);
            }
        }
    }

    /// Ends handshake of `uid` and takes the next waiting connection that may start
    /// now (the same uid first), counting it as started.
    fn finish_and_take_next(&mut self, uid: u32) -> Option<(Arc<ListenerInner>, UnixStream, u32)> {
        self.finish(uid);
        let candidates: Vec<u32> = std::iter::once(uid)
            .chain(self.waiting.keys().copied().filter(|u| *u != uid))
            .collect();
        for candidate in candidates {
            if !self.may_start(candidate) {
                continue;
            }
            let Some(queue) = self.waiting.get_mut(&candidate) else {
                continue;
            };
            let Some((listener, stream)) = queue.pop_front() else {
                continue;
            };
            if queue.is_empty() {
                self.waiting.remove(&candidate);
            }
            self.start(candidate);
            return Some((listener, stream, candidate));
        }
        None
    }
}

static PENDING: std::sync::LazyLock<parking_lot::Mutex<Pending>> =
    std::sync::LazyLock::new(Default::default);

impl Drop for Listener {
    fn drop(&mut self) {
        runtime().pool.unwatch_listener(self.inner.key, &self.inner);
        if let Some(path) = &self.inner.path {
            let _ = std::fs::remove_file(path);
        }
    }
}
