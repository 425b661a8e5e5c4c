//! A connection to one other process: the handshake, sending frames, and reading
//! them. One thread at a time reads a connection (it holds the *reader role*): a
//! thread waiting for its reply reads for itself, so on an uncontended round trip the
//! caller writes its request and reads its own reply, and the pool thread that reads
//! a request runs it. Frames a reader finds for other threads are handed to them.

use std::collections::{HashMap, VecDeque};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use super::identity::{self, Incoming};
use super::nodes::{LookupError, Target};
use super::{proxy_for, runtime};
use crate::binder::proxy::Proxy;
use crate::parcel::{Object, ObjectEntry};
use crate::protocol::{
    self, HEADER_LEN, Message, PROTOCOL_VERSION, TRANSPORT_SHM, TRANSPORT_SOCKET, Token,
    WireObject, WireParcel, WireRef,
};
use crate::transport::Transport;
use crate::transport::shm_ring::ShmTransport;
use crate::transport::unix::UnixTransport;
use crate::{FLAG_ONEWAY, Parcel, Result, SpIBinder, StatusCode};

/// How long a peer may take to complete the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// A server's root object as its hello names it: id and token.
pub(crate) type RootRef = (u64, Token);

/// The credentials of the peer process, from `SO_PEERCRED` at connect time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Credentials {
    pub(crate) pid: i32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// An incoming call, with the descriptors that came with it.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) conn: Arc<Connection>,
    pub(crate) txn: u64,
    pub(crate) target: u64,
    pub(crate) token: Token,
    pub(crate) code: u32,
    pub(crate) flags: u32,
    pub(crate) parcel: WireParcel,
    pub(crate) fds: Vec<OwnedFd>,
    /// This process's own objects the parcel names, resolved when the frame was read.
    pub(crate) pinned: Vec<Option<SpIBinder>>,
}

/// Work a reader found that some thread must do.
#[derive(Debug)]
pub(crate) enum Work {
    /// Run a two-way call.
    Call(Call),
    /// Run the queued oneway calls of one object until its queue is empty.
    Drain(Arc<super::nodes::OnewayQueue>),
    /// Read a connection again: it was paused on a full oneway queue that drained.
    Resume(Arc<Connection>),
}

/// What became of a frame a reader dispatched.
enum Dispatched {
    Done,
    /// A oneway call whose object's queue is full: the call is handed back to wait
    /// until the queue drains, and nothing after it on this connection is read.
    Paused(Arc<super::nodes::OnewayQueue>, Box<Call>),
}

/// A reply as read: the parcel (or failure status), its descriptors, and this
/// process's own objects it names, resolved in stream order.
type ReplyParts = (
    std::result::Result<WireParcel, i32>,
    Vec<OwnedFd>,
    Vec<Option<SpIBinder>>,
);

/// What a waiting thread is handed.
#[derive(Debug)]
enum Delivery {
    Reply(ReplyParts),
    Nested(Call),
}

#[derive(Debug, Default)]
struct State {
    /// Threads waiting for replies, by transaction id, and what has arrived for them.
    waiters: HashMap<u64, VecDeque<Delivery>>,
}

/// Bytes and descriptors read but not yet consumed. Holding its lock is the reader role.
#[derive(Debug)]
struct ReadBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    fds: VecDeque<OwnedFd>,
    /// A big frame being read into its own buffer: header, body so far, body size.
    big: Option<(Header, Vec<u8>, usize)>,
    /// A oneway call waiting for room in its object's queue.
    paused: Option<Box<Call>>,
}

/// A frame header's bytes.
type Header = [u8; HEADER_LEN];

const READ_BUF: usize = 64 * 1024;
/// Frames bigger than this are read straight into a buffer of their own, which then
/// becomes the parcel's data without another copy. Smaller ones (every frame fits in
/// `READ_BUF`) go through the shared read buffer.
const BIG_FRAME: usize = READ_BUF;

impl ReadBuf {
    /// Resets the buffer when it is empty.
    fn compact(&mut self) {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }
}

/// A connection to another process.
#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) id: u64,
    transport: Box<dyn Transport>,
    pub(crate) peer: Credentials,
    pub(crate) peer_address: String,
    /// The largest transaction the peer accepts (from its hello).
    peer_max_transaction: usize,
    state: Mutex<State>,
    changed: Condvar,
    reader: Mutex<ReadBuf>,
    next_txn: AtomicU64,
    dead: AtomicBool,
    /// A pool thread was told the socket is readable but another thread was reading:
    /// whoever releases the reader role re-arms the poller.
    pub(crate) needs_rearm: AtomicBool,
    /// Reading is paused until this object's oneway queue has room again.
    paused: Mutex<Option<Arc<super::nodes::OnewayQueue>>>,
}

fn peer_credentials(stream: &UnixStream) -> Result<Credentials> {
    let creds = nix::sys::socket::getsockopt(stream, nix::sys::socket::sockopt::PeerCredentials)
        .map_err(|e| StatusCode::from(-(e as i32)))?;
    Ok(Credentials {
        pid: creds.pid(),
        uid: creds.uid(),
        gid: creds.gid(),
    })
}

/// Reads exactly one frame from a blocking stream (handshake only), with the
/// descriptors that came with it.
fn read_one_frame(stream: &UnixStream, max_len: usize) -> Result<(Message, Vec<OwnedFd>)> {
    let mut fds = VecDeque::new();
    let mut read_exact = |buf: &mut [u8]| -> Result<()> {
        let mut got = 0;
        while got < buf.len() {
            match crate::sys::recv_with_fds(stream.as_raw_fd(), &mut buf[got..], &mut fds, true) {
                Ok(0) => return Err(StatusCode::DEAD_OBJECT),
                Ok(n) => got += n,
                Err(e) => return Err(super::io_status(&e)),
            }
        }
        Ok(())
    };
    let mut header = [0u8; HEADER_LEN];
    read_exact(&mut header)?;
    let h = protocol::decode_header(&header, max_len)?;
    let mut frame = vec![0u8; h.len];
    frame[..HEADER_LEN].copy_from_slice(&header);
    read_exact(&mut frame[HEADER_LEN..])?;
    let message = protocol::decode(&frame)?;
    Ok((message, fds.into_iter().collect()))
}

fn send_on(stream: &UnixStream, message: &Message, fds: &[OwnedFd]) -> Result<()> {
    let frame = protocol::encode(message, fds.len())?;
    let borrowed: Vec<_> = fds.iter().map(AsFd::as_fd).collect();
    // A throwaway socket transport: it only writes, so it needs no reader state.
    UnixTransport::new(stream.try_clone().map_err(|e| super::io_status(&e))?)
        .send(&frame.parts(), &borrowed)
        .map_err(|e| super::io_status(&e))
}

impl Connection {
    fn new(
        transport: Box<dyn Transport>,
        peer: Credentials,
        peer_address: String,
        peer_max: u32,
    ) -> Arc<Connection> {
        Arc::new(Connection {
            id: super::pool::next_key(),
            transport,
            peer,
            peer_address,
            peer_max_transaction: peer_max as usize,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            reader: Mutex::new(ReadBuf {
                big: None,
                paused: None,
                buf: vec![0; READ_BUF],
                start: 0,
                end: 0,
                fds: VecDeque::new(),
            }),
            next_txn: AtomicU64::new(1),
            dead: AtomicBool::new(false),
            needs_rearm: AtomicBool::new(false),
            paused: Mutex::new(None),
        })
    }

    /// The client side of the handshake: say hello (proposing rings, with their
    /// memfd, unless this process is configured for sockets), hear the server's hello
    /// (with its root object, if it has one, and the transport it accepted), and
    /// register the connection.
    pub(crate) fn handshake_as_client(
        stream: UnixStream,
    ) -> Result<(Arc<Connection>, Option<RootRef>)> {
        let rt = runtime();
        let peer = peer_credentials(&stream)?;
        let _ = stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
        let mut rings = None;
        let mut fds = Vec::new();
        if rt.config.transport == super::TransportKind::SharedMemory {
            let socket = stream.try_clone().map_err(|e| super::io_status(&e))?;
            match ShmTransport::create(socket, rt.config.ring_size, rt.config.spin) {
                Ok((transport, memfd)) => {
                    rings = Some(transport);
                    fds.push(memfd);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot create shared rings; using the socket")
                }
            }
        }
        let hello = Message::Hello {
            version: PROTOCOL_VERSION,
            address: rt.address.clone(),
            max_transaction: rt.max_transaction_u32(),
            transport: if rings.is_some() {
                TRANSPORT_SHM
            } else {
                TRANSPORT_SOCKET
            },
            ring_size: rings.as_ref().map_or(0, |_| rt.config.ring_size as u32),
            root: None,
        };
        send_on(&stream, &hello, &fds)?;
        drop(fds);
        let (address, peer_max, accepted, root) = match read_one_frame(&stream, 64 * 1024)?.0 {
            Message::Hello {
                version,
                address,
                max_transaction,
                transport,
                root,
                ..
            } if version == PROTOCOL_VERSION => (address, max_transaction, transport, root),
            Message::Hello { version, .. } => {
                tracing::warn!(version, "server speaks another protocol version");
                return Err(StatusCode::BAD_VALUE);
            }
            Message::Bye { reason } => {
                tracing::warn!(%reason, "server refused the connection");
                return Err(StatusCode::PERMISSION_DENIED);
            }
            _ => return Err(StatusCode::BAD_VALUE),
        };
        let _ = stream.set_read_timeout(None);
        let transport: Box<dyn Transport> = match rings {
            Some(rings) if accepted == TRANSPORT_SHM => Box::new(rings),
            _ => Box::new(UnixTransport::new(stream)),
        };
        let conn = Connection::new(transport, peer, address, peer_max);
        rt.register(&conn);
        rt.pool.watch_connection(&conn);
        Ok((conn, root))
    }

    /// The server side: hear the client's hello, map its rings if it proposed them
    /// (and this process allows them), answer with our hello and the root object,
    /// and register the connection.
    pub(crate) fn handshake_as_server(
        stream: UnixStream,
        root: Option<&SpIBinder>,
        same_user_only: bool,
    ) -> Result<Arc<Connection>> {
        let rt = runtime();
        let peer = peer_credentials(&stream)?;
        let _ = stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
        let refuse = |reason: String| {
            tracing::warn!(pid = peer.pid, uid = peer.uid, %reason, "refusing connection");
            let _ = send_on(&stream, &Message::Bye { reason }, &[]);
        };
        let my_uid = nix::unistd::getuid().as_raw();
        if same_user_only && peer.uid != my_uid && peer.uid != 0 {
            refuse(format!(
                "uid {} may not connect to a process of uid {my_uid}",
                peer.uid
            ));
            return Err(StatusCode::PERMISSION_DENIED);
        }
        let (address, peer_max, proposed, ring_size, fds) = match read_one_frame(&stream, 64 * 1024)
        {
            Ok((
                Message::Hello {
                    version,
                    address,
                    max_transaction,
                    transport,
                    ring_size,
                    ..
                },
                fds,
            )) if version == PROTOCOL_VERSION => {
                (address, max_transaction, transport, ring_size, fds)
            }
            Ok((Message::Hello { version, .. }, _)) => {
                refuse(format!(
                    "unsupported protocol version {version}; this process speaks {PROTOCOL_VERSION}"
                ));
                return Err(StatusCode::BAD_VALUE);
            }
            Ok((other, _)) => {
                refuse(format!("expected a hello, got {:?}", kind_name(&other)));
                return Err(StatusCode::BAD_VALUE);
            }
            Err(e) => {
                refuse(format!("bad handshake: {e}"));
                return Err(e);
            }
        };
        let socket = || stream.try_clone().map_err(|e| super::io_status(&e));
        let transport: Box<dyn Transport> = match fds.first() {
            Some(memfd)
                if proposed == TRANSPORT_SHM
                    && rt.config.transport == super::TransportKind::SharedMemory =>
            {
                match ShmTransport::open(socket()?, memfd, ring_size as usize, rt.config.spin) {
                    Ok(rings) => Box::new(rings),
                    Err(e) => {
                        refuse(format!("unusable shared rings: {e}"));
                        return Err(StatusCode::BAD_VALUE);
                    }
                }
            }
            _ => Box::new(UnixTransport::new(socket()?)),
        };
        let accepted = if transport.kind() == "shm" {
            TRANSPORT_SHM
        } else {
            TRANSPORT_SOCKET
        };
        let conn = Connection::new(transport, peer, address, peer_max);
        if root.is_some() {
            // The peer may hand the root on to a third process, which must reach us.
            rt.ensure_reachable()?;
        }
        let root = root.map(|root| rt.nodes.export(root, conn.id));
        let hello = Message::Hello {
            version: PROTOCOL_VERSION,
            address: rt.address.clone(),
            max_transaction: rt.max_transaction_u32(),
            transport: accepted,
            ring_size,
            root,
        };
        if let Err(e) = send_on(&stream, &hello, &[]) {
            rt.nodes.drop_connection(conn.id);
            return Err(e);
        }
        let _ = stream.set_read_timeout(None);
        rt.register(&conn);
        rt.pool.watch_connection(&conn);
        Ok(conn)
    }

    pub(crate) fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    pub(crate) fn poll_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.transport.poll_fd()
    }

    /// Sends a message without descriptors.
    pub(crate) fn send(&self, message: &Message, fds: &[OwnedFd]) -> Result<()> {
        let frame = protocol::encode(message, fds.len())?;
        let borrowed: Vec<_> = fds.iter().map(AsFd::as_fd).collect();
        self.transport.send(&frame.parts(), &borrowed).map_err(|e| {
            tracing::debug!(conn = self.id, error = %e, "send failed");
            StatusCode::DEAD_OBJECT
        })
    }

    /// Closes the connection: wakes every waiter with `DEAD_OBJECT`, tells every
    /// proxy's death recipients, and gives back every reference the peer held.
    pub(crate) fn close(self: &Arc<Self>, reason: &str) {
        if self.dead.swap(true, Ordering::AcqRel) {
            return;
        }
        if reason.is_empty() {
            tracing::debug!(
                conn = self.id,
                pid = self.peer.pid,
                "connection closed by peer"
            );
        } else {
            tracing::warn!(conn = self.id, pid = self.peer.pid, uid = self.peer.uid, %reason, "closing connection");
            let _ = self.send(
                &Message::Bye {
                    reason: reason.to_owned(),
                },
                &[],
            );
        }
        self.transport.shutdown();
        let rt = runtime();
        rt.pool.unwatch_connection(self);
        rt.unregister(self);
        {
            let _state = self.state.lock();
            self.changed.notify_all();
        }
        rt.nodes.drop_connection(self.id);
        for proxy in super::proxies_of(self) {
            proxy.notify_death();
        }
    }

    /// Asks the owner for a reference on object `id` (it reached us from a third
    /// process) and waits until it is counted.
    pub(crate) fn acquire(self: &Arc<Self>, id: u64, token: Token) -> Result<()> {
        let txn = self.next_txn.fetch_add(1, Ordering::Relaxed);
        self.state.lock().waiters.insert(txn, VecDeque::new());
        if let Err(e) = self.send(&Message::Acquire { txn, id, token }, &[]) {
            self.state.lock().waiters.remove(&txn);
            return Err(e);
        }
        match self.wait_for_reply(txn)? {
            (Ok(_), _, _) => Ok(()),
            (Err(code), _, _) => Err(StatusCode::from(code)),
        }
    }

    /// Sends a transaction to object `target` and (unless oneway) waits for the reply.
    pub(crate) fn transact(
        self: &Arc<Self>,
        target: u64,
        token: Token,
        code: u32,
        data: Parcel,
        flags: u32,
    ) -> Result<Parcel> {
        if self.is_dead() {
            return Err(StatusCode::DEAD_OBJECT);
        }
        let max = runtime()
            .config
            .max_transaction_size
            .min(self.peer_max_transaction);
        if data.data_size() > max {
            tracing::error!(size = data.data_size(), max, "transaction too large");
            return Err(StatusCode::FAILED_TRANSACTION);
        }
        // `_keep` holds the parcel's binders until the reply is in: a proxy dropped
        // now would release the object before the peer could take its reference.
        let (parcel, fds, _keep) = self.to_wire(data)?;
        let txn = self.next_txn.fetch_add(1, Ordering::Relaxed);
        let parent = identity::nested_parent(self.id);
        let oneway = flags & FLAG_ONEWAY != 0;
        if !oneway {
            self.state.lock().waiters.insert(txn, VecDeque::new());
        }
        let message = Message::Transaction {
            txn,
            target,
            token,
            code,
            flags,
            parent,
            parcel,
        };
        if let Err(e) = self.send(&message, &fds) {
            self.state.lock().waiters.remove(&txn);
            self.close("");
            return Err(e);
        }
        if oneway {
            return Ok(Parcel::new());
        }
        match self.wait_for_reply(txn)? {
            (Ok(parcel), fds, pinned) => self.from_wire(parcel, fds, pinned),
            (Err(code), _, _) => Err(StatusCode::from(code)),
        }
    }

    /// Waits for the reply to `txn`, reading the connection whenever no other thread
    /// is, and running nested calls made on behalf of `txn` on this thread.
    fn wait_for_reply(self: &Arc<Self>, txn: u64) -> Result<ReplyParts> {
        loop {
            let mut state = self.state.lock();
            match state.waiters.get_mut(&txn).and_then(VecDeque::pop_front) {
                Some(Delivery::Reply(parts)) => {
                    state.waiters.remove(&txn);
                    return Ok(parts);
                }
                Some(Delivery::Nested(call)) => {
                    drop(state);
                    run_call(call);
                    continue;
                }
                None => {}
            }
            if self.is_dead() {
                state.waiters.remove(&txn);
                return Err(StatusCode::DEAD_OBJECT);
            }
            if self.paused_for_others() {
                self.changed.wait(&mut state);
                continue;
            }
            let Some(mut reader) = self.reader.try_lock() else {
                self.changed.wait(&mut state);
                continue;
            };
            drop(state);
            let works = self.read_and_dispatch(&mut reader, true);
            drop(reader);
            self.after_read();
            // A waiting thread runs only what is addressed to it; the rest goes to the pool.
            for work in works {
                runtime().pool.submit(work);
            }
        }
    }

    fn pause_on(&self, queue: Arc<super::nodes::OnewayQueue>) {
        *self.paused.lock() = Some(queue);
    }

    /// Whether reading is paused on a oneway queue this thread is not draining.
    pub(crate) fn paused_for_others(&self) -> bool {
        match &*self.paused.lock() {
            Some(queue) => queue.state.lock().drainer != Some(std::thread::current().id()),
            None => false,
        }
    }

    /// Lifts a pause: a pool thread reads on, and waiting threads may read again.
    fn resume(self: &Arc<Self>) {
        *self.paused.lock() = None;
        runtime().pool.submit(Work::Resume(self.clone()));
        let _state = self.state.lock();
        self.changed.notify_all();
    }

    /// Called after releasing the reader role: lets waiters and the poller know.
    pub(crate) fn after_read(self: &Arc<Self>) {
        if self.transport.release_reader() && !self.is_dead() && !self.paused_for_others() {
            // Bytes came in while nobody would be told about them: read on.
            runtime().pool.submit(Work::Resume(self.clone()));
        }
        if self.needs_rearm.swap(false, Ordering::AcqRel) && !self.is_dead() {
            runtime().pool.rearm_connection(self);
        }
        let _state = self.state.lock();
        self.changed.notify_all();
    }

    /// Pool-thread entry: read what is ready without blocking. `None` when another
    /// thread holds the reader role.
    pub(crate) fn try_read_for_pool(self: &Arc<Self>) -> Option<Vec<Work>> {
        let mut reader = self.reader.try_lock()?;
        let works = self.read_and_dispatch(&mut reader, false);
        drop(reader);
        Some(works)
    }

    /// After running a call: if more arrives on this connection within the spin
    /// budget, read it (holding the reader role meanwhile). `None` when nothing came
    /// or another thread is reading.
    pub(crate) fn serve_more(self: &Arc<Self>) -> Option<Vec<Work>> {
        let mut reader = self.reader.try_lock()?;
        if self.is_dead() || !self.transport.spin_for_data() {
            drop(reader);
            self.after_read();
            return None;
        }
        let works = self.read_and_dispatch(&mut reader, false);
        drop(reader);
        self.after_read();
        Some(works)
    }

    pub(crate) fn transport_kind(&self) -> &'static str {
        self.transport.kind()
    }

    pub(crate) fn wake_reader(&self) {
        self.transport.wake_reader();
    }

    /// Reads at least one frame (or, without `blocking`, whatever is ready) and
    /// dispatches every complete frame in the buffer. Returns work for the pool.
    fn read_and_dispatch(self: &Arc<Self>, rb: &mut ReadBuf, blocking: bool) -> Vec<Work> {
        let mut works = Vec::new();
        let max_len = runtime().config.max_transaction_size + protocol::FRAME_OVERHEAD;
        // A oneway call that waited for room in its object's queue goes first.
        if let Some(call) = rb.paused.take() {
            match self.enqueue_oneway(*call, &mut works) {
                Ok(Dispatched::Done) => {}
                Ok(Dispatched::Paused(queue, call)) => {
                    rb.paused = Some(call);
                    self.pause_on(queue);
                    return works;
                }
                Err(reason) => {
                    self.close(&reason);
                    return works;
                }
            }
        }
        loop {
            let mut dispatched = false;
            // Every complete frame: a big one read into its own buffer, or the ones
            // already in the shared read buffer.
            loop {
                let frame = match rb.big.take() {
                    Some((header, body, need)) if body.len() == need => Some((header, body)),
                    Some(big) => {
                        rb.big = Some(big);
                        None
                    }
                    None => self
                        .next_buffered_frame(rb, max_len)
                        .unwrap_or_else(|reason| {
                            self.close(reason);
                            None
                        }),
                };
                let Some((header, body)) = frame else { break };
                let fds_needed = usize::from(u16::from_le_bytes([header[6], header[7]]));
                if rb.fds.len() < fds_needed
                    && self.transport.wait_fds(&mut rb.fds, fds_needed).is_err()
                {
                    self.close("frame declares more file descriptors than arrived");
                    return works;
                }
                let Ok(message) = protocol::decode_body(&header, body) else {
                    self.close("malformed frame");
                    return works;
                };
                let fds: Vec<OwnedFd> = rb.fds.drain(..fds_needed).collect();
                match self.dispatch(message, fds, &mut works) {
                    Ok(Dispatched::Done) => dispatched = true,
                    Ok(Dispatched::Paused(queue, call)) => {
                        rb.paused = Some(call);
                        self.pause_on(queue);
                        return works;
                    }
                    Err(reason) => {
                        self.close(&reason);
                        return works;
                    }
                }
                if self.is_dead() {
                    return works;
                }
            }
            if dispatched || self.is_dead() {
                return works;
            }
            let received = match &mut rb.big {
                Some((_, body, need)) => {
                    let want = *need - body.len();
                    self.transport.recv_into(body, want, &mut rb.fds, blocking)
                }
                None => {
                    if rb.end == rb.buf.len() {
                        rb.buf.copy_within(rb.start..rb.end, 0);
                        rb.end -= rb.start;
                        rb.start = 0;
                    }
                    let end = rb.end;
                    let n = self
                        .transport
                        .recv(&mut rb.buf[end..], &mut rb.fds, blocking);
                    if let Ok(n) = n {
                        rb.end += n;
                    }
                    n
                }
            };
            match received {
                Ok(0) => {
                    let partial = rb.end > rb.start || rb.big.is_some();
                    self.close(if partial {
                        "peer disconnected in the middle of a frame"
                    } else {
                        ""
                    });
                    return works;
                }
                Ok(_) => {}
                // Half a frame is here and the sender is still writing the rest:
                // wait for it a little rather than go back to the poller.
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        && (rb.big.is_some() || rb.end > rb.start)
                        && self.transport.spin_for_data() => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return works,
                Err(e) => {
                    self.close(&format!("receive failed: {e}"));
                    return works;
                }
            }
        }
    }

    /// Takes the next complete frame out of the shared read buffer as (header,
    /// body). A frame bigger than [`BIG_FRAME`] moves to its own buffer instead
    /// (`rb.big`) and is completed by reading straight into it. `Err` is a
    /// protocol violation.
    fn next_buffered_frame(
        &self,
        rb: &mut ReadBuf,
        max_len: usize,
    ) -> std::result::Result<Option<(Header, Vec<u8>)>, &'static str> {
        if rb.end - rb.start < HEADER_LEN {
            rb.compact();
            return Ok(None);
        }
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(&rb.buf[rb.start..rb.start + HEADER_LEN]);
        let h = protocol::decode_header(&header, max_len)
            .map_err(|_| "frame header with an impossible length")?;
        let buffered = rb.end - rb.start;
        if h.len > BIG_FRAME {
            let need = h.len - HEADER_LEN;
            let mut body = Vec::with_capacity(need);
            let take = (buffered - HEADER_LEN).min(need);
            body.extend_from_slice(&rb.buf[rb.start + HEADER_LEN..rb.start + HEADER_LEN + take]);
            rb.start += HEADER_LEN + take;
            rb.compact();
            if body.len() == need {
                return Ok(Some((header, body)));
            }
            rb.big = Some((header, body, need));
            return Ok(None);
        }
        if buffered < h.len {
            // Make room for the rest of the frame.
            if rb.buf.len() - rb.start < h.len {
                rb.buf.copy_within(rb.start..rb.end, 0);
                rb.end -= rb.start;
                rb.start = 0;
            }
            return Ok(None);
        }
        let body = rb.buf[rb.start + HEADER_LEN..rb.start + h.len].to_vec();
        rb.start += h.len;
        Ok(Some((header, body)))
    }

    /// Routes one frame. An `Err` is a protocol violation: the connection is closed
    /// with that reason.
    fn dispatch(
        self: &Arc<Self>,
        message: Message,
        fds: Vec<OwnedFd>,
        works: &mut Vec<Work>,
    ) -> std::result::Result<Dispatched, String> {
        let rt = runtime();
        match message {
            Message::Reply { txn, result } => {
                // Resolve our own objects now: a release that follows this reply
                // must not free them before the waiting thread takes the reply.
                let pinned = match &result {
                    Ok(parcel) => self.pin_local(parcel)?,
                    Err(_) => Vec::new(),
                };
                let mut state = self.state.lock();
                let queue = state
                    .waiters
                    .get_mut(&txn)
                    .ok_or_else(|| format!("reply to transaction {txn} that was never sent"))?;
                queue.push_back(Delivery::Reply((result, fds, pinned)));
                self.changed.notify_all();
            }
            Message::Transaction {
                txn,
                target,
                token,
                code,
                flags,
                parent,
                parcel,
            } => {
                let pinned = self.pin_local(&parcel)?;
                let call = Call {
                    conn: self.clone(),
                    txn,
                    target,
                    token,
                    code,
                    flags,
                    parcel,
                    fds,
                    pinned,
                };
                if flags & FLAG_ONEWAY != 0 {
                    return self.enqueue_oneway(call, works);
                }
                if parent != 0 {
                    let mut state = self.state.lock();
                    if let Some(queue) = state.waiters.get_mut(&parent) {
                        queue.push_back(Delivery::Nested(call));
                        self.changed.notify_all();
                        return Ok(Dispatched::Done);
                    }
                }
                works.push(Work::Call(call));
            }
            Message::Acquire { txn, id, token } => {
                let result = match rt.nodes.lookup(id, &token) {
                    Ok(Target { binder, .. }) => {
                        rt.nodes.export(&binder, self.id);
                        Ok(WireParcel::default())
                    }
                    Err(LookupError::BadToken) => {
                        return Err(format!("acquire of object {id} with a wrong token"));
                    }
                    Err(LookupError::Unknown) => Err(StatusCode::DEAD_OBJECT.as_i32()),
                };
                let _ = self.send(&Message::Reply { txn, result }, &[]);
            }
            Message::Release { id, token, count } => {
                rt.nodes
                    .release(self.id, id, &token, u64::from(count))
                    .map_err(|_| {
                        format!(
                            "release of {count} references on object {id} that it does not hold"
                        )
                    })?;
            }
            Message::Bye { reason } => {
                tracing::debug!(conn = self.id, %reason, "peer said goodbye");
                return Err(String::new());
            }
            Message::Hello { .. } => return Err("a second hello".to_owned()),
        }
        Ok(Dispatched::Done)
    }

    /// Turns an outgoing parcel into its wire form: local objects are exported (and
    /// counted for this peer), proxies become references to their owner, and file
    /// descriptors move to the frame.
    ///
    /// Also returns the parcel's binders, which the caller keeps alive until the
    /// frame is sent (and, for a two-way call, answered), so that a proxy dropped
    /// with the parcel cannot release its object before the peer references it.
    fn to_wire(&self, parcel: Parcel) -> Result<(WireParcel, Vec<OwnedFd>, Vec<SpIBinder>)> {
        let rt = runtime();
        let (data, objects) = parcel.into_parts();
        // Check everything that can fail before exporting (and counting) anything.
        let mut fd_count = 0;
        for entry in &objects {
            match &entry.object {
                Object::Fd(Some(_)) => fd_count += 1,
                Object::Fd(None) => return Err(StatusCode::BAD_VALUE),
                Object::Binder(binder) => {
                    if binder.is_remote()
                        && binder.object().as_any().downcast_ref::<Proxy>().is_none()
                    {
                        // Only proxies of this runtime can cross processes.
                        return Err(StatusCode::BAD_TYPE);
                    }
                }
            }
            u32::try_from(entry.offset).map_err(|_| StatusCode::BAD_VALUE)?;
        }
        if fd_count > protocol::MAX_FDS_PER_FRAME {
            return Err(StatusCode::FDS_NOT_ALLOWED);
        }
        let mut wire = WireParcel {
            data,
            objects: Vec::with_capacity(objects.len()),
        };
        let mut fds = Vec::with_capacity(fd_count);
        let mut keep = Vec::new();
        for entry in objects {
            let offset = u32::try_from(entry.offset).map_err(|_| StatusCode::BAD_VALUE)?;
            match entry.object {
                Object::Fd(Some(fd)) => {
                    fds.push(fd);
                    wire.objects.push(WireObject::Fd { offset });
                }
                Object::Fd(None) => return Err(StatusCode::BAD_VALUE),
                Object::Binder(binder) => {
                    let reference = match binder.object().as_any().downcast_ref::<Proxy>() {
                        Some(proxy) => WireRef {
                            owner: proxy.owner.clone(),
                            id: proxy.id,
                            token: proxy.token,
                        },
                        None => {
                            rt.ensure_reachable()?;
                            let (id, token) = rt.nodes.export(&binder, self.id);
                            WireRef {
                                owner: rt.address.clone(),
                                id,
                                token,
                            }
                        }
                    };
                    wire.objects.push(WireObject::Binder { offset, reference });
                    keep.push(binder);
                }
            }
        }
        Ok((wire, fds, keep))
    }

    /// Queues a oneway call on its object, in arrival order; `Paused` (handing the
    /// call back) when the object's queue is full.
    fn enqueue_oneway(
        self: &Arc<Self>,
        call: Call,
        works: &mut Vec<Work>,
    ) -> std::result::Result<Dispatched, String> {
        let rt = runtime();
        let target = match rt.nodes.lookup(call.target, &call.token) {
            Ok(target) => target,
            Err(LookupError::BadToken) => {
                return Err(format!(
                    "oneway call to object {} with a wrong token",
                    call.target
                ));
            }
            Err(LookupError::Unknown) => {
                tracing::debug!(
                    target = call.target,
                    "oneway call to an object that no longer exists dropped"
                );
                return Ok(Dispatched::Done);
            }
        };
        let mut queue = target.oneway.state.lock();
        let drainer = queue.drainer == Some(std::thread::current().id());
        // The drainer itself may read past the bound: it may be waiting for a reply
        // that sits behind this frame.
        if queue.queue.len() >= rt.config.max_pending_oneway && !drainer {
            queue.blocked.push(self.clone());
            return Ok(Dispatched::Paused(target.oneway.clone(), Box::new(call)));
        }
        queue.queue.push_back(call);
        if !queue.busy {
            queue.busy = true;
            works.push(Work::Drain(target.oneway.clone()));
        }
        Ok(Dispatched::Done)
    }

    /// Resolves the references to this process's own objects in a received parcel,
    /// in order (`None` for an object that no longer exists). A wrong token is a
    /// protocol violation.
    fn pin_local(&self, wire: &WireParcel) -> std::result::Result<Vec<Option<SpIBinder>>, String> {
        let rt = runtime();
        let mut pinned = Vec::new();
        for object in &wire.objects {
            if let WireObject::Binder { reference, .. } = object
                && reference.owner == rt.address
            {
                match rt.nodes.lookup(reference.id, &reference.token) {
                    Ok(target) => pinned.push(Some(target.binder)),
                    Err(LookupError::Unknown) => pinned.push(None),
                    Err(LookupError::BadToken) => {
                        return Err(format!(
                            "reference to object {} with a wrong token",
                            reference.id
                        ));
                    }
                }
            }
        }
        Ok(pinned)
    }

    /// Turns a received wire parcel into a parcel: references become local objects
    /// or proxies, descriptors are attached in order.
    pub(crate) fn from_wire(
        self: &Arc<Self>,
        wire: WireParcel,
        fds: Vec<OwnedFd>,
        pinned: Vec<Option<SpIBinder>>,
    ) -> Result<Parcel> {
        let rt = runtime();
        let mut fds = fds.into_iter();
        let mut pinned = pinned.into_iter();
        let mut objects = Vec::with_capacity(wire.objects.len());
        for object in wire.objects {
            match object {
                WireObject::Fd { offset } => {
                    let fd = fds.next().ok_or(StatusCode::BAD_VALUE)?;
                    objects.push(ObjectEntry::fd(offset as usize, fd));
                }
                WireObject::Binder { offset, reference } => {
                    let binder = if reference.owner == rt.address {
                        pinned.next().flatten().ok_or(StatusCode::BAD_VALUE)?
                    } else if reference.owner == self.peer_address {
                        proxy_for(self, &reference, 1)?
                    } else {
                        proxy_for(self, &reference, 0)?
                    };
                    objects.push(ObjectEntry::binder(offset as usize, binder));
                }
            }
        }
        Parcel::from_parts(wire.data, objects)
    }
}

fn kind_name(message: &Message) -> &'static str {
    match message {
        Message::Hello { .. } => "hello",
        Message::Transaction { .. } => "transaction",
        Message::Reply { .. } => "reply",
        Message::Acquire { .. } => "acquire",
        Message::Release { .. } => "release",
        Message::Bye { .. } => "bye",
    }
}

/// Runs an incoming call on this thread and (for a two-way call) sends the reply.
pub(crate) fn run_call(call: Call) {
    let rt = runtime();
    let conn = call.conn.clone();
    let oneway = call.flags & FLAG_ONEWAY != 0;
    let target = match rt.nodes.lookup(call.target, &call.token) {
        Ok(target) => target.binder,
        Err(LookupError::BadToken) => {
            conn.close(&format!(
                "call to object {} with a wrong token",
                call.target
            ));
            return;
        }
        Err(LookupError::Unknown) => {
            if !oneway {
                let _ = conn.send(
                    &Message::Reply {
                        txn: call.txn,
                        result: Err(StatusCode::DEAD_OBJECT.as_i32()),
                    },
                    &[],
                );
            }
            return;
        }
    };
    let incoming = Incoming {
        conn: conn.id,
        txn: call.txn,
        pid: conn.peer.pid,
        uid: conn.peer.uid,
        gid: conn.peer.gid,
    };
    let result = identity::with_incoming(incoming, || {
        let data = conn.from_wire(call.parcel, call.fds, call.pinned)?;
        target.transact(call.code, data, call.flags)
    });
    if oneway {
        if let Err(e) = result {
            tracing::debug!(code = call.code, error = %e, "oneway call failed");
        }
        return;
    }
    let (result, fds, keep) = match result.and_then(|reply| conn.to_wire(reply)) {
        Ok((parcel, fds, keep)) => (Ok(parcel), fds, keep),
        Err(code) => (Err(code.as_i32()), Vec::new(), Vec::new()),
    };
    let _ = conn.send(
        &Message::Reply {
            txn: call.txn,
            result,
        },
        &fds,
    );
    // Only now may a proxy in the reply release its object: the release follows the
    // reply on this connection. (A reference to a third process's object in a reply
    // or a oneway call can still race with its release: see ARCHITECTURE.md.)
    drop(keep);
}

/// Runs the oneway calls queued for one object, one at a time, until none is left.
pub(crate) fn drain_oneway(queue: &super::nodes::OnewayQueue) {
    let max = runtime().config.max_pending_oneway;
    queue.state.lock().drainer = Some(std::thread::current().id());
    loop {
        let (call, blocked) = {
            let mut state = queue.state.lock();
            let Some(call) = state.queue.pop_front() else {
                state.busy = false;
                state.drainer = None;
                return;
            };
            let blocked = if state.queue.len() < max {
                std::mem::take(&mut state.blocked)
            } else {
                Vec::new()
            };
            (call, blocked)
        };
        for conn in blocked {
            conn.resume();
        }
        run_call(call);
    }
}
