//! The per-process runtime (Android's `ProcessState`): connections to other
//! processes, the objects this process exports, the proxies it holds, and its thread
//! pool.
//!
//! A server publishes a root object on a socket path with [`serve`]; a client
//! [`connect`]s to the path and gets a proxy for that root. Objects then travel
//! inside parcels. Every process also has a private address (an abstract Unix
//! socket, bound the first time it exports an object) so that a proxy handed on to a
//! third process lets that process reach the owner directly.

pub(crate) mod connection;
mod identity;
mod listener;
mod nodes;
mod pool;

use std::collections::HashMap;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::{Arc, OnceLock, Weak};

use parking_lot::Mutex;

pub use identity::{calling_gid, calling_pid, calling_uid};
pub use listener::Listener;
pub use pool::{join_thread_pool, set_max_threads, start_thread_pool};

use crate::binder::proxy::Proxy;
use crate::protocol::{self, Message, Token, WireRef};
use crate::{Result, SpIBinder, StatusCode};
use connection::Connection;

/// How frames travel between two processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Shared-memory rings (the default); the socket carries only set-up,
    /// descriptors, doorbells and liveness.
    SharedMemory,
    /// Everything over the Unix socket.
    Socket,
}

/// Limits and settings of this process's runtime. Set them with [`configure`]
/// before the first connection, or through the environment:
/// `BINDER_IPC_TRANSPORT` (`shm` or `socket`), `BINDER_IPC_SPIN_US`,
/// `BINDER_IPC_RING_SIZE` (bytes, a power of two), `BINDER_IPC_MAX_TRANSACTION_SIZE`
/// (bytes), `BINDER_IPC_MAX_PENDING_ONEWAY`, `BINDER_IPC_SEND_TIMEOUT_MS`,
/// `BINDER_IPC_MAX_CONNECTIONS_PER_UID` and `BINDER_IPC_MAX_OBJECTS_PER_PARCEL`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The transport this process proposes for connections it opens, and accepts
    /// for connections it serves (a socket-only process answers a ring proposal
    /// with "socket"). Default: shared memory.
    pub transport: TransportKind,
    /// How long a thread waiting for data on a ring spins before it sleeps on the
    /// futex (0: sleep at once). Default 20 µs.
    pub spin: std::time::Duration,
    /// The size of each ring of a connection this process opens. Default 1 MiB
    /// (what Android gives a process for all its incoming transactions), so a
    /// transaction of up to about that size goes through in one pass.
    pub ring_size: usize,
    /// The largest transaction (parcel bytes) this process sends or accepts; the
    /// smaller of the two peers' limits applies. Default 64 MiB.
    pub max_transaction_size: usize,
    /// The most oneway calls queued for one object. When a queue is full the runtime
    /// stops reading the connection that feeds it until the object catches up, so a
    /// fast sender is slowed down (its socket fills) rather than served unbounded
    /// memory. Default 1024.
    pub max_pending_oneway: usize,
    /// How long a send may wait for a peer that does not read before the
    /// connection is closed ("peer stopped reading"). Default 10 s.
    pub send_timeout: std::time::Duration,
    /// The most connections this process accepts from one uid. Default 256.
    pub max_connections_per_uid: usize,
    /// The most objects (binders and descriptors) in one parcel. Default 1024.
    pub max_objects_per_parcel: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            transport: TransportKind::SharedMemory,
            spin: std::time::Duration::from_micros(20),
            ring_size: 1024 * 1024,
            max_transaction_size: crate::DEFAULT_MAX_TRANSACTION_SIZE,
            max_pending_oneway: 1024,
            send_timeout: std::time::Duration::from_secs(10),
            max_connections_per_uid: 256,
            max_objects_per_parcel: 1024,
        }
    }
}

impl Config {
    /// This configuration with another transport.
    pub fn with_transport(mut self, transport: TransportKind) -> Config {
        self.transport = transport;
        self
    }

    /// This configuration with another spin budget.
    pub fn with_spin(mut self, spin: std::time::Duration) -> Config {
        self.spin = spin;
        self
    }

    /// The defaults, overridden by the environment variables named above.
    pub fn from_env() -> Config {
        let mut config = Config::default();
        match std::env::var("BINDER_IPC_TRANSPORT").as_deref() {
            Ok("socket") => config.transport = TransportKind::Socket,
            Ok("shm") | Err(_) => {}
            Ok(other) => tracing::warn!(
                value = other,
                "BINDER_IPC_TRANSPORT is `shm` or `socket`; using shm"
            ),
        }
        if let Some(us) = env_usize("BINDER_IPC_SPIN_US") {
            config.spin = std::time::Duration::from_micros(us as u64);
        }
        if let Some(size) = env_usize("BINDER_IPC_RING_SIZE") {
            if crate::transport::shm_ring::valid_ring_size(size) {
                config.ring_size = size;
            } else {
                tracing::warn!(
                    size,
                    "BINDER_IPC_RING_SIZE must be a power of two from 4 KiB to 64 MiB"
                );
            }
        }
        if let Some(v) = env_usize("BINDER_IPC_MAX_TRANSACTION_SIZE") {
            config.max_transaction_size =
                v.clamp(4096, u32::MAX as usize - protocol::FRAME_OVERHEAD);
        }
        if let Some(ms) = env_usize("BINDER_IPC_SEND_TIMEOUT_MS") {
            config.send_timeout = std::time::Duration::from_millis(ms.max(1) as u64);
        }
        if let Some(v) = env_usize("BINDER_IPC_MAX_CONNECTIONS_PER_UID") {
            config.max_connections_per_uid = v.max(1);
        }
        if let Some(v) = env_usize("BINDER_IPC_MAX_OBJECTS_PER_PARCEL") {
            config.max_objects_per_parcel = v;
        }
        if let Some(v) = env_usize("BINDER_IPC_MAX_PENDING_ONEWAY") {
            config.max_pending_oneway = v.max(1);
        }
        config
    }
}

fn env_usize(name: &str) -> Option<usize> {
    let value = std::env::var(name).ok()?;
    match value.trim().parse() {
        Ok(v) => Some(v),
        Err(_) => {
            tracing::warn!(name, value, "ignoring a malformed setting");
            None
        }
    }
}

static CONFIG: OnceLock<Config> = OnceLock::new();

/// Sets this process's runtime configuration. Must come before anything else uses the
/// runtime; afterwards it is `INVALID_OPERATION`.
pub fn configure(config: Config) -> Result<()> {
    if RUNTIME.get().is_some() {
        return Err(StatusCode::INVALID_OPERATION);
    }
    CONFIG
        .set(config)
        .map_err(|_| StatusCode::INVALID_OPERATION)
}

/// The process-wide state.
pub(crate) struct Runtime {
    pub(crate) config: Config,
    /// This process's address: an abstract socket name, bound on first export.
    pub(crate) address: String,
    address_listener: OnceLock<std::result::Result<Listener, StatusCode>>,
    pub(crate) pool: pool::Pool,
    pub(crate) nodes: nodes::Nodes,
    connections: Mutex<Connections>,
    proxies: Mutex<HashMap<(String, u64), Weak<Proxy>>>,
}

#[derive(Default)]
struct Connections {
    by_id: HashMap<u64, Arc<Connection>>,
    by_address: HashMap<String, Arc<Connection>>,
}

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

pub(crate) fn runtime() -> &'static Runtime {
    RUNTIME.get_or_init(|| {
        let mut nonce = [0u8; 8];
        crate::random::fill(&mut nonce);
        let hex: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        Runtime {
            config: CONFIG.get_or_init(Config::from_env).clone(),
            address: format!("binder-ipc/{}/{hex}", std::process::id()),
            address_listener: OnceLock::new(),
            pool: pool::Pool::new(),
            nodes: nodes::Nodes::default(),
            connections: Mutex::new(Connections::default()),
            proxies: Mutex::new(HashMap::new()),
        }
    })
}

/// Publishes `root` on a Unix socket at `path`: every process that [`connect`]s
/// there gets a proxy for it. Incoming connections and calls are served by the
/// thread pool, which this starts. A stale socket file left by a dead process is
/// replaced; a live one is `ALREADY_EXISTS`. The socket file is removed when the
/// returned [`Listener`] drops.
pub fn serve(path: impl AsRef<Path>, root: &SpIBinder) -> Result<Listener> {
    let listener = Listener::bind_path(path.as_ref(), Some(root.clone()))?;
    start_thread_pool();
    Ok(listener)
}

/// Publishes `root` on a socket that is already bound and listening (for example one
/// handed over by systemd socket activation). The socket is not unlinked on drop.
pub fn serve_listener(
    socket: std::os::unix::net::UnixListener,
    root: &SpIBinder,
) -> Result<Listener> {
    let listener = Listener::adopt(socket, Some(root.clone()))?;
    start_thread_pool();
    Ok(listener)
}

/// Connects to the process serving `path` and returns a proxy for its root object.
pub fn connect(path: impl AsRef<Path>) -> Result<SpIBinder> {
    let stream = UnixStream::connect(path.as_ref()).map_err(|e| {
        tracing::debug!(path = %path.as_ref().display(), error = %e, "connect failed");
        io_status(&e)
    })?;
    let (conn, root) = Connection::handshake_as_client(stream, None)?;
    let Some(root) = root else {
        conn.close_if_idle();
        return Err(StatusCode::NAME_NOT_FOUND);
    };
    let reference = WireRef {
        owner: conn.peer_address.clone(),
        id: root.0,
        token: root.1,
    };
    let binder = proxy_for(&conn, &reference, 1);
    // The root may already have had a proxy on another connection to that process.
    conn.close_if_idle();
    binder
}

/// What the runtime knows about one connection (for diagnostics).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// The peer's pid, uid and gid, from `SO_PEERCRED` at connect time.
    pub pid: i32,
    /// See `pid`.
    pub uid: u32,
    /// See `pid`.
    pub gid: u32,
    /// `"shm"` or `"socket"`.
    pub transport: &'static str,
}

/// The live connections of this process.
pub fn connections() -> Vec<ConnectionInfo> {
    let conns = runtime().connections.lock();
    let mut out: Vec<ConnectionInfo> = conns
        .by_id
        .values()
        .map(|c| ConnectionInfo {
            pid: c.peer.pid,
            uid: c.peer.uid,
            gid: c.peer.gid,
            transport: c.transport_kind(),
        })
        .collect();
    out.sort_by_key(|c| c.pid);
    out
}

/// Maps an I/O error to the closest status code.
pub(crate) fn io_status(e: &std::io::Error) -> StatusCode {
    match e.kind() {
        std::io::ErrorKind::NotFound => StatusCode::NAME_NOT_FOUND,
        std::io::ErrorKind::PermissionDenied => StatusCode::PERMISSION_DENIED,
        std::io::ErrorKind::ConnectionRefused => StatusCode::DEAD_OBJECT,
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => StatusCode::TIMED_OUT,
        _ => e
            .raw_os_error()
            .map(|n| StatusCode::from(-n))
            .unwrap_or(StatusCode::UNKNOWN_ERROR),
    }
}

impl Runtime {
    pub(crate) fn max_transaction_u32(&self) -> u32 {
        u32::try_from(self.config.max_transaction_size).unwrap_or(u32::MAX)
    }

    /// Makes sure other processes can reach this one at its address.
    pub(crate) fn ensure_reachable(&self) -> Result<()> {
        self.address_listener
            .get_or_init(|| Listener::bind_abstract(&self.address))
            .as_ref()
            .map(|_| ())
            .map_err(|e| *e)
    }

    pub(crate) fn register(&self, conn: &Arc<Connection>) {
        let mut conns = self.connections.lock();
        conns.by_id.insert(conn.id, conn.clone());
        conns
            .by_address
            .entry(conn.peer_address.clone())
            .or_insert_with(|| conn.clone());
    }

    /// How many live connections this process has from `uid`.
    pub(crate) fn connections_from(&self, uid: u32) -> usize {
        self.connections
            .lock()
            .by_id
            .values()
            .filter(|c| c.peer.uid == uid && !c.is_dead())
            .count()
    }

    pub(crate) fn unregister(&self, conn: &Connection) {
        let mut conns = self.connections.lock();
        conns.by_id.remove(&conn.id);
        if conns
            .by_address
            .get(&conn.peer_address)
            .is_some_and(|c| c.id == conn.id)
        {
            conns.by_address.remove(&conn.peer_address);
        }
    }

    /// A live connection to the process at `address`, connecting if there is none.
    /// (`introduction`: the object we were handed there, which admits us even when
    /// that process runs as another uid.)
    fn connection_to(&self, address: &str, introduction: (u64, Token)) -> Result<Arc<Connection>> {
        if let Some(conn) = self
            .connections
            .lock()
            .by_address
            .get(address)
            .filter(|c| !c.is_dead())
        {
            return Ok(conn.clone());
        }
        use std::os::linux::net::SocketAddrExt;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(address.as_bytes())
            .map_err(|_| StatusCode::BAD_VALUE)?;
        let stream = UnixStream::connect_addr(&addr).map_err(|e| io_status(&e))?;
        let (conn, _) = Connection::handshake_as_client(stream, Some(introduction))?;
        Ok(conn)
    }
}

/// The proxy for `reference`, reached through `conn` (when the owner is `conn`'s
/// peer) or through a connection to the owner. `held` is how many references the
/// owner already counts for us with this reference: 1 when the owner itself sent it,
/// 0 when it came from a third process (then we ask the owner for one).
pub(crate) fn proxy_for(
    conn: &Arc<Connection>,
    reference: &WireRef,
    held: u32,
) -> Result<SpIBinder> {
    let rt = runtime();
    let key = (reference.owner.clone(), reference.id);
    // Upgrade under the lock, but let any Arc go only after it: dropping the last
    // reference to a proxy takes the same lock.
    let existing = rt.proxies.lock().get(&key).and_then(Weak::upgrade);
    if let Some(proxy) = existing {
        return adopt(conn, proxy, reference, held);
    }
    let (owner_conn, held) = if held == 0 {
        let owner_conn = rt.connection_to(&reference.owner, (reference.id, reference.token))?;
        owner_conn.acquire(reference.id, reference.token)?;
        (owner_conn, 1)
    } else {
        (conn.clone(), held)
    };
    let proxy = Arc::new(Proxy::new(
        owner_conn,
        reference.owner.clone(),
        reference.id,
        reference.token,
        held,
    ));
    let raced = {
        let mut proxies = rt.proxies.lock();
        match proxies.get(&key).and_then(Weak::upgrade) {
            Some(existing) => Some(existing),
            None => {
                proxies.insert(key, Arc::downgrade(&proxy));
                None
            }
        }
    };
    match raced {
        // Another thread made one meanwhile: keep theirs, and ours gives its
        // references back when it drops here.
        Some(existing) => Ok(SpIBinder::from_object(existing)),
        None => Ok(SpIBinder::from_object(proxy)),
    }
}

/// Uses the existing proxy for `reference`. The `held` references the owner just
/// counted for `conn` join the proxy when it talks through `conn`; otherwise (two
/// connections to the same process) they go straight back on `conn`, where they
/// were counted.
fn adopt(
    conn: &Arc<Connection>,
    proxy: Arc<Proxy>,
    reference: &WireRef,
    held: u32,
) -> Result<SpIBinder> {
    if proxy.token != reference.token {
        return Err(StatusCode::BAD_VALUE);
    }
    if held > 0 {
        if proxy.conn.id == conn.id {
            proxy
                .held
                .fetch_add(held, std::sync::atomic::Ordering::Relaxed);
        } else {
            let _ = conn.send(
                &Message::Release {
                    id: reference.id,
                    token: reference.token,
                    count: held,
                },
                &[],
            );
        }
    }
    Ok(SpIBinder::from_object(proxy))
}

/// A proxy's last reference went away: give its references back to the owner.
pub(crate) fn proxy_dropped(proxy: &Proxy) {
    let rt = runtime();
    {
        let mut proxies = rt.proxies.lock();
        let key = (proxy.owner.clone(), proxy.id);
        if proxies.get(&key).is_some_and(|w| w.strong_count() == 0) {
            proxies.remove(&key);
        }
    }
    let count = proxy.held.load(std::sync::atomic::Ordering::Relaxed);
    if count > 0 && !proxy.conn.is_dead() {
        let _ = proxy.conn.send(
            &Message::Release {
                id: proxy.id,
                token: proxy.token,
                count,
            },
            &[],
        );
    }
    proxy.conn.proxy_gone();
    proxy.conn.close_if_idle();
}

/// Every live proxy whose owner is reached through `conn`.
pub(crate) fn proxies_of(conn: &Connection) -> Vec<Arc<Proxy>> {
    // As in `proxy_for`: no Arc is dropped while the lock is held.
    let all: Vec<Arc<Proxy>> = runtime()
        .proxies
        .lock()
        .values()
        .filter_map(Weak::upgrade)
        .collect();
    all.into_iter().filter(|p| p.conn.id == conn.id).collect()
}

/// Makes a local token: 128 random bits.
pub(crate) fn new_token() -> Token {
    let mut token = [0u8; 16];
    crate::random::fill(&mut token);
    token
}
