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

    pub(crate) fn handshake(&self, stream: UnixStream) {
        if let Err(e) =
            Connection::handshake_as_server(stream, self.root.as_ref(), self.same_user_only)
        {
            tracing::debug!(error = %e, "handshake failed");
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
