//! Reading a connection: the reader role, framing, and routing each frame.

use super::*;

/// What became of a frame a reader dispatched.
pub(super) enum Dispatched {
    Done,
    /// A oneway call whose object's queue is full: the call is handed back to wait
    /// until the queue drains, and nothing after it on this connection is read.
    Paused(Arc<crate::runtime::nodes::OnewayQueue>, Box<Call>),
}

/// Bytes and descriptors read but not yet consumed. Holding its lock is the reader role.
#[derive(Debug)]
pub(super) struct ReadBuf {
    pub(super) buf: Vec<u8>,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) fds: VecDeque<OwnedFd>,
    /// A big frame (or one with a blob) being read into buffers of its own.
    pub(super) big: Option<BigFrame>,
    /// A oneway call waiting for room in its object's queue.
    pub(super) paused: Option<Box<Call>>,
    /// How much longer a pool thread may sleep waiting for the rest of the frame
    /// being read; renewed when a frame completes.
    pub(super) patience: Duration,
}

/// A frame header's bytes.
pub(super) type Header = [u8; HEADER_LEN];

/// A complete frame read: header, body, and blob (see [`protocol::FRAME_BLOB`]).
type Frame = (Header, Vec<u8>, Option<Vec<u8>>);

/// A frame read straight into buffers of its own rather than through the shared read
/// buffer: its body, then (a [`protocol::FRAME_BLOB`] frame) its blob, whose buffer
/// becomes the parcel's kept-apart trailing array, and the blob's padding.
#[derive(Debug)]
pub(super) struct BigFrame {
    header: Header,
    body: Vec<u8>,
    body_len: usize,
    blob: Option<(Vec<u8>, usize)>,
    /// Padding bytes after the blob read so far, and how many there are.
    pad: (Vec<u8>, usize),
}

impl BigFrame {
    fn new(header: Header, body_len: usize, blob: Option<(usize, usize)>) -> BigFrame {
        BigFrame {
            header,
            body: crate::parcel::buffers::take(body_len),
            body_len,
            blob: blob.map(|(len, _)| (crate::parcel::buffers::take_for_user(len), len)),
            pad: (Vec::new(), blob.map_or(0, |(_, pad)| pad)),
        }
    }

    /// The buffer being filled and how many more bytes it takes; `None` when the
    /// frame is complete.
    fn next(&mut self) -> Option<(&mut Vec<u8>, usize)> {
        if self.body.len() < self.body_len {
            let want = self.body_len - self.body.len();
            return Some((&mut self.body, want));
        }
        if let Some((blob, len)) = &mut self.blob
            && blob.len() < *len
        {
            let want = *len - blob.len();
            return Some((blob, want));
        }
        let (pad, len) = &mut self.pad;
        (pad.len() < *len).then(|| {
            let want = *len - pad.len();
            (pad, want)
        })
    }

    /// Whether every byte of the frame is in.
    fn complete(&self) -> bool {
        self.body.len() == self.body_len
            && self.blob.as_ref().is_none_or(|(b, len)| b.len() == *len)
            && self.pad.0.len() == self.pad.1
    }

    /// Takes what it still needs from `bytes`; returns how many it took.
    fn feed(&mut self, mut bytes: &[u8]) -> usize {
        let mut taken = 0;
        while let Some((buf, want)) = self.next() {
            if bytes.is_empty() {
                break;
            }
            let n = want.min(bytes.len());
            crate::copy::extend(buf, &bytes[..n]);
            bytes = &bytes[n..];
            taken += n;
        }
        taken
    }

    /// The complete frame: header, body and blob.
    fn finish(self) -> Frame {
        (self.header, self.body, self.blob.map(|(blob, _)| blob))
    }
}

pub(super) const READ_BUF: usize = 64 * 1024;
/// The most bytes read into the shared read buffer when no frame is in it.
const FIRST_READ: usize = 16 * 1024;
/// Frames bigger than this are read straight into a buffer of their own, which then
/// becomes the parcel's data without another copy. Smaller ones (every frame fits in
/// `READ_BUF`) go through the shared read buffer.
const BIG_FRAME: usize = READ_BUF;

/// How long, in all, a pool thread may sleep waiting for the rest of one frame
/// (a sender streaming a big frame keeps it busy in short steps). Past that it only
/// spins, as for any other read, then hands the connection back to the poller: a
/// peer that trickles a frame cannot hold a pool thread for long.
pub(super) const MID_FRAME_PATIENCE: Duration = Duration::from_millis(20);
/// The longest single such sleep.
const MID_FRAME_WAIT: Duration = Duration::from_millis(5);
/// How long a pool thread that has just answered a call waits on that connection for
/// the next one (see `serve_more`).
const LINGER: Duration = Duration::from_millis(1);

impl ReadBuf {
    /// Resets the buffer when it is empty.
    fn compact(&mut self) {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }
}

impl Connection {
    pub(super) fn pause_on(&self, queue: Arc<crate::runtime::nodes::OnewayQueue>) {
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
    pub(super) fn resume(self: &Arc<Self>) {
        *self.paused.lock() = None;
        runtime().pool.submit(Work::Resume(self.clone()));
        let _state = self.state.lock();
        self.changed.notify_all();
    }

    /// Called after releasing the reader role: lets waiters and the poller know.
    pub(crate) fn after_read(self: &Arc<Self>) {
        if self.check_idle.swap(false, Ordering::AcqRel) {
            self.close_if_idle();
        }
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

    /// After running a call: if more arrives on this connection soon, read it
    /// (holding the reader role meanwhile). `None` when nothing came or another
    /// thread is reading.
    ///
    /// "Soon" is the spin budget, and then, on a ring connection and while another
    /// pool thread is idle in `epoll` to serve every other connection, a sleep of up
    /// to [`LINGER`] on the ring's futex: a caller that calls again at once wakes
    /// this thread directly, as in a raw futex ping-pong, instead of through a
    /// doorbell and `epoll`.
    pub(crate) fn serve_more(self: &Arc<Self>) -> Option<Vec<Work>> {
        let mut reader = self.reader.try_lock()?;
        let came = !self.is_dead()
            && if runtime().pool.has_idle_thread() {
                self.transport.linger(LINGER)
            } else {
                self.transport.spin_for_data()
            };
        if !came {
            drop(reader);
            self.after_read();
            return None;
        }
        let works = self.read_and_dispatch(&mut reader, false);
        drop(reader);
        self.after_read();
        Some(works)
    }

    /// Reads at least one frame (or, without `blocking`, whatever is ready) and
    /// dispatches every complete frame in the buffer. Returns work for the pool.
    pub(super) fn read_and_dispatch(
        self: &Arc<Self>,
        rb: &mut ReadBuf,
        blocking: bool,
    ) -> Vec<Work> {
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
                    Some(big) if big.complete() => Some(big.finish()),
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
                let Some((header, body, blob)) = frame else {
                    break;
                };
                rb.patience = MID_FRAME_PATIENCE;
                let fds_needed = usize::from(u16::from_le_bytes([header[6], header[7]]));
                if rb.fds.len() < fds_needed
                    && self.transport.wait_fds(&mut rb.fds, fds_needed).is_err()
                {
                    self.close("frame declares more file descriptors than arrived");
                    return works;
                }
                let Ok(message) = protocol::decode_body(&header, body, blob) else {
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
            // Descriptors nobody declared must not pile up: on a socket they come
            // with their frame, so any left with no frame pending were never
            // declared; on rings they may run ahead of their frame, but not by more
            // than a couple of frames' worth.
            let idle = rb.big.is_none() && rb.start == rb.end;
            let hoarded = if self.transport.fds_arrive_with_frames() {
                idle && !rb.fds.is_empty() && !self.transport.has_spilled()
            } else {
                rb.fds.len() > 2 * protocol::MAX_FDS_PER_FRAME
            };
            if hoarded {
                self.close(&format!(
                    "{} file descriptors sent without a frame declaring them",
                    rb.fds.len()
                ));
                return works;
            }
            if dispatched || self.is_dead() {
                return works;
            }
            let received = match rb.big.as_mut().and_then(BigFrame::next) {
                Some((buf, want)) => self.transport.recv_into(buf, want, &mut rb.fds, blocking),
                None => {
                    if rb.end == rb.buf.len() {
                        rb.buf.copy_within(rb.start..rb.end, 0);
                        rb.end -= rb.start;
                        rb.start = 0;
                    }
                    // At a frame's start, read only what a small frame needs: a big
                    // one then goes straight into buffers of its own (see
                    // `next_buffered_frame`) rather than through this one first.
                    let end = rb.end;
                    let mut room = rb.buf.len() - end;
                    if rb.start == end {
                        room = room.min(FIRST_READ);
                    }
                    let n =
                        self.transport
                            .recv(&mut rb.buf[end..end + room], &mut rb.fds, blocking);
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
                // wait for it (a bounded time, so a peer that stops mid-frame
                // cannot hold a pool thread) rather than go back to the poller.
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        && (rb.big.is_some() || rb.end > rb.start)
                        && self.wait_mid_frame(rb) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return works,
                // A call was handed to a thread waiting here (see `mailbox`).
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return works,
                Err(e) => {
                    self.close(&format!("receive failed: {e}"));
                    return works;
                }
            }
        }
    }

    /// Waits for more of a frame whose beginning has arrived: sleeping while the
    /// frame's patience lasts, then only spinning. `true` when bytes came.
    fn wait_mid_frame(&self, rb: &mut ReadBuf) -> bool {
        if rb.patience.is_zero() {
            return self.transport.spin_for_data();
        }
        let started = std::time::Instant::now();
        let came = self
            .transport
            .wait_for_data(rb.patience.min(MID_FRAME_WAIT));
        rb.patience = rb.patience.saturating_sub(started.elapsed());
        came
    }

    /// Takes the next complete frame out of the shared read buffer as (header, body,
    /// blob). A frame bigger than [`BIG_FRAME`], or with a blob, moves to buffers of
    /// its own instead (`rb.big`) and is completed by reading straight into them.
    /// `Err` is a protocol violation.
    fn next_buffered_frame(
        &self,
        rb: &mut ReadBuf,
        max_len: usize,
    ) -> std::result::Result<Option<Frame>, &'static str> {
        const IMPOSSIBLE: &str = "frame header with an impossible length";
        if rb.end - rb.start < HEADER_LEN {
            rb.compact();
            return Ok(None);
        }
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(&rb.buf[rb.start..rb.start + HEADER_LEN]);
        let h = protocol::decode_header(&header, max_len).map_err(|_| {
            if header[5] & !protocol::FRAME_BLOB != 0 {
                "frame header with unknown flags"
            } else {
                IMPOSSIBLE
            }
        })?;
        let buffered = rb.end - rb.start;
        let word_len = if h.blob { protocol::BLOB_WORD } else { 0 };
        if buffered < HEADER_LEN + word_len {
            // The blob length word is not all here: make room for it.
            rb.buf.copy_within(rb.start..rb.end, 0);
            rb.end -= rb.start;
            rb.start = 0;
            return Ok(None);
        }
        if h.len > BIG_FRAME || h.blob {
            let (body_len, blob) = if h.blob {
                let at = rb.start + HEADER_LEN;
                let mut word = [0u8; protocol::BLOB_WORD];
                word.copy_from_slice(&rb.buf[at..at + protocol::BLOB_WORD]);
                let (body, blob, pad) =
                    protocol::blob_layout(h.len, word).map_err(|_| IMPOSSIBLE)?;
                (body, Some((blob, pad)))
            } else {
                (h.len - HEADER_LEN, None)
            };
            let mut big = BigFrame::new(header, body_len, blob);
            rb.start += HEADER_LEN + word_len;
            rb.start += big.feed(&rb.buf[rb.start..rb.end]);
            rb.compact();
            if big.complete() {
                return Ok(Some(big.finish()));
            }
            rb.big = Some(big);
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
        let body = crate::copy::to_vec(&rb.buf[rb.start + HEADER_LEN..rb.start + h.len]);
        rb.start += h.len;
        Ok(Some((header, body, None)))
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
            Message::Reply { txn, mut result } => {
                if let Ok(parcel) = &result
                    && parcel.objects.len() > rt.config.max_objects_per_parcel
                {
                    tracing::warn!(
                        conn = self.id,
                        objects = parcel.objects.len(),
                        "reply with too many objects refused"
                    );
                    result = Err(StatusCode::BAD_VALUE.as_i32());
                }
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
                chain,
                parcel,
            } => {
                let max = rt.config.max_objects_per_parcel;
                if parcel.objects.len() > max {
                    // That call fails; the connection lives on.
                    tracing::warn!(
                        conn = self.id,
                        objects = parcel.objects.len(),
                        max,
                        "call with too many objects refused"
                    );
                    if flags & FLAG_ONEWAY == 0 {
                        let _ = self.send(
                            &Message::Reply {
                                txn,
                                result: Err(StatusCode::BAD_VALUE.as_i32()),
                            },
                            &[],
                        );
                    }
                    return Ok(Dispatched::Done);
                }
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
                    resolved: None,
                    chain,
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
                // A chain that came back through another process runs on its
                // waiting thread here, if it has one; otherwise the pool runs it.
                if let Some(call) = mailbox::hand_to_waiting_thread(call) {
                    works.push(Work::Call(call));
                }
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
                // If that was the peer's last reference, the connection may be idle.
                self.check_idle.store(true, Ordering::Release);
            }
            Message::Bye { reason } => {
                tracing::debug!(conn = self.id, %reason, "peer said goodbye");
                return Err(String::new());
            }
            Message::Received { txn, reply } => {
                // Let go outside the lock: dropping a proxy may send a release. An
                // acknowledgement of nothing held is ignored.
                let held = self.state.lock().held_for_peer.remove(&(txn, reply));
                drop(held);
            }
            Message::Hello { .. } => return Err("a second hello".to_owned()),
        }
        Ok(Dispatched::Done)
    }

    /// Queues a oneway call on its object, in arrival order; `Paused` (handing the
    /// call back) when the object's queue is full.
    fn enqueue_oneway(
        self: &Arc<Self>,
        mut call: Call,
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
                self.acknowledge(self.names_third_party(&call.parcel), call.txn, false);
                return Ok(Dispatched::Done);
            }
        };
        // The queued call keeps its object alive until it has run, as the caller's
        // reference may be released right behind it.
        call.resolved = Some(target.binder.clone());
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
}
