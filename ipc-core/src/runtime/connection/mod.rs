//! A connection to one other process: the handshake, sending frames, and reading
//! them. One thread at a time reads a connection (it holds the *reader role*): a
//! thread waiting for its reply reads for itself, so on an uncontended round trip the
//! caller writes its request and reads its own reply, and the pool thread that reads
//! a request runs it. Frames a reader finds for other threads are handed to them.

use std::collections::{HashMap, VecDeque};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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

mod calls;
mod handshake;
mod mailbox;
mod reader;
mod wire;

pub(crate) use calls::{Call, Work, drain_oneway, run_call};
use reader::{READ_BUF, ReadBuf};

/// The credentials of the peer process, from `SO_PEERCRED` at connect time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Credentials {
    pub(crate) pid: i32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
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
    waiters: HashMap<u64, VecDeque<Delivery>, TxnHash>,
    /// Third processes' objects named in replies and oneway calls sent to the peer,
    /// held until the peer says it has its own references (`Received`), by
    /// (transaction id, whether it was a reply).
    held_for_peer: HashMap<(u64, bool), Vec<SpIBinder>>,
}

/// Hashing for maps keyed by this process's own transaction ids: sequential numbers
/// no peer chooses, so a multiply spreads them as well as SipHash does, for a
/// fraction of its cost on every call.
#[derive(Debug, Default, Clone, Copy)]
struct TxnHash;

impl std::hash::BuildHasher for TxnHash {
    type Hasher = TxnHasher;
    fn build_hasher(&self) -> TxnHasher {
        TxnHasher(0)
    }
}

#[derive(Debug)]
struct TxnHasher(u64);

impl std::hash::Hasher for TxnHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The most frames whose objects are held for a peer's `Received` at once; past
/// that, a frame's objects are let go when it is sent (and the peer may find them
/// gone), so a peer that never acknowledges cannot grow this without bound.
const MAX_HELD_FOR_PEER: usize = 16 * 1024;

/// A connection to another process.
#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) id: u64,
    /// This process opened the connection (it closes it when idle).
    initiated: bool,
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
    /// The peer gave references back: see whether the connection is idle.
    check_idle: AtomicBool,
    /// Proxies that reach the peer through this connection.
    live_proxies: AtomicUsize,
    /// Reading is paused until this object's oneway queue has room again.
    paused: Mutex<Option<Arc<super::nodes::OnewayQueue>>>,
}

/// Gives a sent message's parcel buffer back for reuse.
pub(crate) fn recycle(message: Message) {
    match message {
        Message::Transaction { parcel, .. }
        | Message::Reply {
            result: Ok(parcel), ..
        } => {
            crate::parcel::buffers::give(parcel.data);
            if let Some(blob) = parcel.blob {
                crate::parcel::buffers::give(*blob);
            }
        }
        _ => {}
    }
}

impl Connection {
    fn new(
        transport: Box<dyn Transport>,
        peer: Credentials,
        peer_address: String,
        peer_max: u32,
        initiated: bool,
    ) -> Arc<Connection> {
        Arc::new(Connection {
            id: super::pool::next_key(),
            initiated,
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
                patience: reader::MID_FRAME_PATIENCE,
            }),
            next_txn: AtomicU64::new(1),
            dead: AtomicBool::new(false),
            needs_rearm: AtomicBool::new(false),
            check_idle: AtomicBool::new(false),
            live_proxies: AtomicUsize::new(0),
            paused: Mutex::new(None),
        })
    }

    /// Closes a connection this process opened once nothing uses it any more: no
    /// proxy reaches its peer through it, no call on it waits for a reply, and the
    /// peer holds no reference to an object of ours. (The peer, which accepted it,
    /// sees the end of the stream and does the same.)
    pub(crate) fn close_if_idle(self: &Arc<Self>) {
        if !self.initiated || self.is_dead() || !self.state.lock().waiters.is_empty() {
            return;
        }
        let rt = runtime();
        if self.live_proxies.load(Ordering::Acquire) > 0 || rt.nodes.held_by(self.id) {
            return;
        }
        self.close("");
    }

    /// A proxy through this connection was made.
    pub(crate) fn proxy_made(&self) {
        self.live_proxies.fetch_add(1, Ordering::AcqRel);
    }

    /// A proxy through this connection went away.
    pub(crate) fn proxy_gone(&self) {
        self.live_proxies.fetch_sub(1, Ordering::AcqRel);
    }

    pub(crate) fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    pub(crate) fn poll_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.transport.poll_fd()
    }

    /// Sends a message without descriptors.
    ///
    /// A failed send ends the connection: the peer is gone, or stopped reading for
    /// longer than the send timeout (which is logged as the reason).
    pub(crate) fn send(self: &Arc<Self>, message: &Message, fds: &[OwnedFd]) -> Result<()> {
        self.send_with_blob(message, fds, None)
    }

    /// [`Connection::send`], the parcel's trailing array given apart (see
    /// [`protocol::encode_with_blob`]).
    fn send_with_blob(
        self: &Arc<Self>,
        message: &Message,
        fds: &[OwnedFd],
        blob: Option<&[u8]>,
    ) -> Result<()> {
        let frame = protocol::encode_with_blob(message, fds.len(), blob)?;
        let borrowed: Vec<_> = fds.iter().map(AsFd::as_fd).collect();
        self.transport.send(&frame.parts(), &borrowed).map_err(|e| {
            use std::io::ErrorKind::{BrokenPipe, ConnectionReset, NotConnected};
            if matches!(e.kind(), BrokenPipe | ConnectionReset | NotConnected) {
                // The peer is gone: nothing to report.
                tracing::debug!(conn = self.id, error = %e, "send failed");
                self.close("");
            } else {
                // It stopped reading, or corrupted the shared ring: say so.
                self.close(&e.to_string());
            }
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
        // Let go of what was held for the peer (outside the lock: dropping a proxy
        // may send a release).
        let held = std::mem::take(&mut self.state.lock().held_for_peer);
        drop(held);
        for proxy in super::proxies_of(self) {
            proxy.notify_death();
        }
    }

    /// Whether `parcel`, sent or received on this connection, names an object that
    /// neither end owns.
    pub(super) fn names_third_party(&self, parcel: &WireParcel) -> bool {
        protocol::names_third_party(parcel, &runtime().address, &self.peer_address)
    }

    /// Keeps `binders` (the objects of an unanswered frame about to be sent, which
    /// names a third process's object) until the peer acknowledges it with
    /// `Received`, so that dropping them here cannot free an object before the peer
    /// has taken its own reference from the owner. Called before the frame is sent,
    /// since the acknowledgement can come back at once.
    pub(super) fn hold_for_peer(&self, txn: u64, reply: bool, binders: Vec<SpIBinder>) {
        let mut state = self.state.lock();
        if self.is_dead() {
            return; // dropped after the lock, below
        }
        if state.held_for_peer.len() >= MAX_HELD_FOR_PEER {
            drop(state);
            tracing::warn!(
                conn = self.id,
                "peer has not acknowledged {MAX_HELD_FOR_PEER} frames; letting their objects go"
            );
            return;
        }
        state.held_for_peer.insert((txn, reply), binders);
    }

    /// Tells the peer this process has taken its references to the third-party
    /// objects of the frame it sent (if that frame named any).
    pub(super) fn acknowledge(
        self: &Arc<Self>,
        parcel_named_third_party: bool,
        txn: u64,
        reply: bool,
    ) {
        if parcel_named_third_party {
            let _ = self.send(&Message::Received { txn, reply }, &[]);
        }
    }

    /// Asks the owner for a reference on object `id` (it reached us from a third
    /// process) and waits until it is counted.
    pub(crate) fn acquire(self: &Arc<Self>, id: u64, token: Token) -> Result<()> {
        let txn = self.next_txn.fetch_add(1, Ordering::Relaxed);
        self.state.lock().waiters.insert(txn, VecDeque::new());
        let waiting = mailbox::waiting_on(self);
        if let Err(e) = self.send(&Message::Acquire { txn, id, token }, &[]) {
            self.state.lock().waiters.remove(&txn);
            return Err(e);
        }
        match self.wait_for_reply(txn, &waiting)? {
            (Ok(_), _, _) => Ok(()),
            (Err(code), _, _) => Err(StatusCode::from(code)),
        }
    }

    /// Sends a transaction to object `target` and (unless oneway) waits for the reply.
    /// `tail`, when given, is the bytes of a byte array that ends the request (`data` already ends
    /// with its count): they go from the caller's buffer straight to the connection.
    pub(crate) fn transact(
        self: &Arc<Self>,
        target: u64,
        token: Token,
        code: u32,
        data: Parcel,
        tail: Option<&[u8]>,
        flags: u32,
    ) -> Result<Parcel> {
        if self.is_dead() {
            return Err(StatusCode::DEAD_OBJECT);
        }
        let max = runtime()
            .config
            .max_transaction_size
            .min(self.peer_max_transaction);
        let size = data.data_size() + tail.map_or(0, |t| crate::parcel::pad4(t.len()));
        if size > max {
            tracing::error!(size, max, "transaction too large");
            return Err(StatusCode::FAILED_TRANSACTION);
        }
        // `keep` holds the parcel's binders until the reply is in (or, for a oneway
        // call naming a third process's object, until the peer says it took its
        // reference): a proxy dropped now would release the object before the peer
        // could take its own.
        let (parcel, fds, keep) = self.to_wire(data)?;
        let third_party = self.names_third_party(&parcel);
        let txn = self.next_txn.fetch_add(1, Ordering::Relaxed);
        let parent = identity::nested_parent(self.id);
        let oneway = flags & FLAG_ONEWAY != 0;
        // A oneway call never waits, so nothing can be routed back to its thread.
        let chain = if oneway {
            Vec::new()
        } else {
            identity::outgoing_chain()
        };
        if !oneway {
            self.state.lock().waiters.insert(txn, VecDeque::new());
        }
        let waiting = (!oneway).then(|| mailbox::waiting_on(self));
        // Held before sending: the peer's `Received` may come back at once. (If the
        // send fails, the connection closes and lets go of everything held.)
        let keep = if oneway && third_party {
            self.hold_for_peer(txn, false, keep);
            Vec::new()
        } else {
            keep
        };
        let message = Message::Transaction {
            txn,
            target,
            token,
            code,
            flags: flags & !protocol::FLAG_CHAIN,
            parent,
            chain,
            parcel,
        };
        let sent = self.send_with_blob(&message, &fds, tail);
        recycle(message);
        if let Err(e) = sent {
            self.state.lock().waiters.remove(&txn);
            self.close("");
            return Err(e);
        }
        let Some(waiting) = waiting else {
            return Ok(Parcel::new());
        };
        let result = match self.wait_for_reply(txn, &waiting)? {
            (Ok(parcel), fds, pinned) => {
                let third_party = self.names_third_party(&parcel);
                let result = self.from_wire(parcel, fds, pinned);
                self.acknowledge(third_party, txn, true);
                result
            }
            (Err(code), _, _) => Err(StatusCode::from(code)),
        };
        drop(keep);
        result
    }

    /// Waits for the reply to `txn`, reading the connection whenever no other thread
    /// is, and running nested calls made on behalf of `txn` on this thread.
    ///
    /// `waiting` registered this thread for calls of a chain that comes back through
    /// another process (see `mailbox`); it runs them too. It is made before the
    /// request is sent, since such a call can come back before this is reached.
    fn wait_for_reply(
        self: &Arc<Self>,
        txn: u64,
        waiting: &mailbox::Waiting,
    ) -> Result<ReplyParts> {
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
            // Checked under the state lock, which a thread handing a call over
            // takes to notify: no wake-up is lost.
            if let Some(call) = waiting.take() {
                drop(state);
                run_call(call);
                continue;
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

    /// Wakes the threads waiting on this connection, whether on its condition
    /// variable or reading it, so they look at their mailboxes.
    fn wake_waiter(&self) {
        {
            let _state = self.state.lock();
            self.changed.notify_all();
        }
        self.transport.interrupt_reader();
    }

    pub(crate) fn transport_kind(&self) -> &'static str {
        self.transport.kind()
    }

    pub(crate) fn wake_reader(&self) {
        self.transport.wake_reader();
    }
}
