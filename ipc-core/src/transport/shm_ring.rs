//! The shared-memory ring transport: the default fast path.
//!
//! A connection's client creates a sealed memfd holding one single-producer /
//! single-consumer byte ring per direction and passes it in its hello; both sides map
//! it. Frame bytes go through the rings; the Unix socket stays for the handshake,
//! file descriptors, doorbells and liveness (hang-up means the peer is gone).
//!
//! # Layout
//!
//! `[ring 0 control | ring 1 control | padding to 4 KiB | ring 0 data | ring 1 data]`.
//! Ring 0 carries client→server bytes, ring 1 server→client. Each control block
//! keeps every word a side writes in its own cache line:
//!
//! | offset | word | written by |
//! |---|---|---|
//! | 0 | `head: u64`, bytes ever written | producer |
//! | 64 | `tail: u64`, bytes ever read | consumer |
//! | 128 | `data_seq: u32`, futex the consumer sleeps on | producer |
//! | 132 | `consumer_state: u32`: 0 reading, 1 asleep on the futex, 2 "ring the doorbell" | consumer (producer: 2→0) |
//! | 192 | `space_seq: u32`, futex a producer waiting for room sleeps on | consumer |
//! | 196 | `producer_waiting: u32` | producer |
//!
//! # Waking (why no wake-up is lost)
//!
//! A consumer that finds the ring empty spins for the configured budget, then reads
//! `data_seq`, stores `consumer_state = 1`, re-reads `head`, and only if still empty
//! calls `FUTEX_WAIT(data_seq, seen)`. A producer stores `head`, then loads
//! `consumer_state`; if it is 1 it increments `data_seq` and calls `FUTEX_WAKE`. All
//! four accesses are `SeqCst`, so either the producer's load comes after the
//! consumer's store (it sees 1 and wakes, and the incremented `data_seq` makes a
//! `FUTEX_WAIT` that has not started yet return at once) or it comes before, and then
//! the consumer's re-read of `head` comes after the producer's store and sees the
//! data. Waiting for room works the same way with `space_seq`/`producer_waiting`.
//!
//! When no thread is reading the connection (the reader role is free), the consumer
//! side sets `consumer_state = 2`: the thread pool waits in `epoll` on the socket, so
//! the producer that flips the state from 2 to 0 sends one doorbell byte on the
//! socket instead of a futex wake. After setting 2 the releasing side re-checks the
//! ring and schedules a read itself if bytes slipped in.
//!
//! # A hostile peer
//!
//! Indices are read once per step and checked (`head - tail` may never exceed the ring
//! size); a violation closes the connection with a logged reason. Bytes are copied
//! out of the region before anything looks at them. Every futex sleep has a timeout
//! after which the socket is checked for hang-up, so a dead peer is always noticed.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed, Ordering::SeqCst};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
use parking_lot::Mutex;

use super::{Spill, Transport};
use crate::sys::shm::{SharedRegion, futex_wait, futex_wake};

const CONTROL_LEN: usize = 256;
const DATA_START: usize = 4096;
const HEAD: usize = 0;
const TAIL: usize = 64;
const DATA_SEQ: usize = 128;
const CONSUMER_STATE: usize = 132;
const SPACE_SEQ: usize = 192;
const PRODUCER_WAITING: usize = 196;

const READING: u32 = 0;
const SLEEPING: u32 = 1;
const DOORBELL: u32 = 2;

/// A frame bigger than the free space is published in steps of at most this many
/// bytes.
const STREAM_STEP: usize = 64 * 1024;

/// After sending a frame of `n` bytes, the waits that follow on the connection spin
/// `n / SPIN_BYTES_PER_NS` nanoseconds longer than the configured budget (about
/// 100 µs per MiB, at most [`MAX_SPIN_BONUS`]): the peer needs at least that long to
/// copy the frame out and act on it, so its answer often comes just after a plain
/// budget runs out, and a futex sleep and wake-up would cost more than the spin. Never
/// applies with a zero budget (pure blocking).
const SPIN_BYTES_PER_NS: u64 = 10;
const MAX_SPIN_BONUS: Duration = Duration::from_millis(1);

/// How long a futex sleep lasts before the socket is checked for a hang-up.
const LIVENESS_CHECK: Duration = Duration::from_millis(200);

/// The smallest and largest ring sizes accepted (each a power of two).
pub(crate) const MIN_RING: usize = 4096;
pub(crate) const MAX_RING: usize = 64 * 1024 * 1024;

/// The size of the shared region for rings of `ring_size` bytes.
pub(crate) fn region_len(ring_size: usize) -> usize {
    DATA_START + 2 * ring_size
}

/// Whether `size` is an acceptable ring size.
pub(crate) fn valid_ring_size(size: usize) -> bool {
    size.is_power_of_two() && (MIN_RING..=MAX_RING).contains(&size)
}

#[derive(Debug, Clone, Copy)]
struct Ring {
    control: usize,
    data: usize,
    size: usize,
}

/// Where received bytes go: a caller's slice (with how much of it is filled) or the
/// end of a buffer (with how many bytes may still be appended).
enum Sink<'a> {
    Slice(&'a mut [u8], usize),
    Vec(&'a mut Vec<u8>, usize),
}

impl Sink<'_> {
    fn room(&self) -> usize {
        match self {
            Sink::Slice(buf, filled) => buf.len() - filled,
            Sink::Vec(_, limit) => *limit,
        }
    }

    fn fill(&mut self, region: &SharedRegion, offset: usize, len: usize) {
        match self {
            Sink::Slice(buf, filled) => {
                region.copy_out(offset, &mut buf[*filled..*filled + len]);
                *filled += len;
            }
            Sink::Vec(buf, limit) => {
                region.append_to(offset, len, buf);
                *limit -= len;
            }
        }
    }

    fn take_spill(&mut self, spill: &mut Spill, fds: &mut VecDeque<OwnedFd>) -> usize {
        match self {
            Sink::Slice(buf, filled) => spill.take(&mut buf[*filled..], fds),
            Sink::Vec(buf, limit) => spill.take_into(buf, *limit, fds),
        }
    }
}

/// Which end of the connection this side is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

#[derive(Debug, Default)]
struct RecvSide {
    /// Bytes ever read from the incoming ring (this side's private copy).
    tail: u64,
    spill: Spill,
    peer_gone: bool,
}

/// One end of a shared-memory ring connection.
#[derive(Debug)]
pub(crate) struct ShmTransport {
    socket: UnixStream,
    region: SharedRegion,
    tx: Ring,
    rx: Ring,
    spin: Duration,
    /// Nanoseconds the next waits spin beyond `spin`, set by each send (see
    /// [`SPIN_BYTES_PER_NS`]).
    spin_bonus: AtomicU64,
    /// How long a send may wait for room before it fails ("peer stopped reading").
    send_timeout: Duration,
    /// Bytes ever written to the outgoing ring; held while sending.
    send: Mutex<u64>,
    recv: Mutex<RecvSide>,
    closed: AtomicBool,
    /// A blocking receive must return `Interrupted` (`interrupt_reader`).
    interrupted: AtomicBool,
}

impl ShmTransport {
    /// Creates the shared region for a new connection (client side). Returns the
    /// memfd to pass to the server in the hello.
    pub(crate) fn create(
        socket: UnixStream,
        ring_size: usize,
        spin: Duration,
    ) -> io::Result<(ShmTransport, OwnedFd)> {
        let (region, fd) = SharedRegion::create("binder-ipc-rings", region_len(ring_size))?;
        let transport = ShmTransport::new(socket, region, ring_size, Side::Client, spin);
        // Nobody reads yet on either side: producers must ring the doorbell.
        transport
            .region
            .u32_at(transport.rx.control + CONSUMER_STATE)
            .store(DOORBELL, SeqCst);
        transport
            .region
            .u32_at(transport.tx.control + CONSUMER_STATE)
            .store(DOORBELL, SeqCst);
        Ok((transport, fd))
    }

    /// Sets how long a send may wait for room before it fails.
    pub(crate) fn set_send_timeout(&mut self, timeout: Duration) {
        self.send_timeout = timeout;
    }

    /// Maps the region a client sent (server side).
    pub(crate) fn open(
        socket: UnixStream,
        fd: &OwnedFd,
        ring_size: usize,
        spin: Duration,
    ) -> io::Result<ShmTransport> {
        if !valid_ring_size(ring_size) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "invalid ring size",
            ));
        }
        let region = SharedRegion::open(fd, region_len(ring_size))?;
        Ok(ShmTransport::new(
            socket,
            region,
            ring_size,
            Side::Server,
            spin,
        ))
    }

    fn new(
        socket: UnixStream,
        region: SharedRegion,
        size: usize,
        side: Side,
        spin: Duration,
    ) -> ShmTransport {
        let ring = |i: usize| Ring {
            control: i * CONTROL_LEN,
            data: DATA_START + i * size,
            size,
        };
        let (tx, rx) = match side {
            Side::Client => (ring(0), ring(1)),
            Side::Server => (ring(1), ring(0)),
        };
        debug_assert!(region.len() >= region_len(size));
        ShmTransport {
            socket,
            region,
            tx,
            rx,
            spin,
            spin_bonus: AtomicU64::new(0),
            send_timeout: Duration::from_secs(10),
            send: Mutex::new(0),
            recv: Mutex::new(RecvSide::default()),
            closed: AtomicBool::new(false),
            interrupted: AtomicBool::new(false),
        }
    }

    fn corrupt(what: &str) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("peer corrupted the shared ring: {what}"),
        )
    }

    fn copy_to_ring(&self, pos: u64, src: &[u8]) {
        let size = self.tx.size;
        let off = (pos % size as u64) as usize;
        let first = src.len().min(size - off);
        self.region.copy_in(self.tx.data + off, &src[..first]);
        if first < src.len() {
            self.region.copy_in(self.tx.data, &src[first..]);
        }
    }

    /// Bytes waiting in the incoming ring, validated.
    fn available(&self, tail: u64) -> io::Result<usize> {
        let head = self.region.u64_at(self.rx.control + HEAD).load(SeqCst);
        let avail = head.wrapping_sub(tail);
        if avail > self.rx.size as u64 {
            return Err(ShmTransport::corrupt(&format!(
                "head {head} is {avail} bytes past tail {tail}"
            )));
        }
        Ok(avail as usize)
    }

    /// Copies ready bytes out of the incoming ring; 0 when it is empty.
    fn read_ring(&self, side: &mut RecvSide, sink: &mut Sink<'_>) -> io::Result<usize> {
        let avail = self.available(side.tail)?;
        let n = avail.min(sink.room());
        if n == 0 {
            return Ok(0);
        }
        let size = self.rx.size;
        let off = (side.tail % size as u64) as usize;
        let first = n.min(size - off);
        sink.fill(&self.region, self.rx.data + off, first);
        if first < n {
            sink.fill(&self.region, self.rx.data, n - first);
        }
        side.tail += n as u64;
        self.region
            .u64_at(self.rx.control + TAIL)
            .store(side.tail, SeqCst);
        if self
            .region
            .u32_at(self.rx.control + PRODUCER_WAITING)
            .load(SeqCst)
            != 0
        {
            let seq = self.region.u32_at(self.rx.control + SPACE_SEQ);
            seq.fetch_add(1, SeqCst);
            futex_wake(seq);
        }
        Ok(n)
    }

    /// `recv` into either kind of destination.
    fn recv_sink(
        &self,
        mut sink: Sink<'_>,
        fds: &mut VecDeque<OwnedFd>,
        blocking: bool,
    ) -> io::Result<usize> {
        let mut guard = self.recv.lock();
        let side = &mut *guard;
        let state = self.region.u32_at(self.rx.control + CONSUMER_STATE);
        loop {
            if !side.spill.is_empty() {
                return Ok(sink.take_spill(&mut side.spill, fds));
            }
            if blocking && self.interrupted.swap(false, SeqCst) {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = self.read_ring(side, &mut sink)?;
            if n > 0 {
                return Ok(n);
            }
            if side.peer_gone || self.closed.load(SeqCst) {
                return Ok(0);
            }
            if !blocking {
                self.drain_socket(side, fds)?;
                let n = self.read_ring(side, &mut sink)?;
                return if n > 0 || side.peer_gone {
                    Ok(n)
                } else {
                    Err(io::ErrorKind::WouldBlock.into())
                };
            }
            state.store(READING, SeqCst);
            let tail = side.tail;
            if self.spin_until(|| self.available(tail).map_or(true, |a| a > 0)) {
                continue;
            }
            // About to sleep: settle the socket first (descriptors, hang-up).
            self.drain_socket(side, fds)?;
            if side.peer_gone {
                continue;
            }
            let seq = self.region.u32_at(self.rx.control + DATA_SEQ);
            let seen = seq.load(SeqCst);
            state.store(SLEEPING, SeqCst);
            // An interrupt stores its flag before it bumps `data_seq`: either we see
            // the flag here, or the bump comes after `seen` and the wait returns.
            if self.available(side.tail)? == 0
                && !self.closed.load(SeqCst)
                && !self.interrupted.load(SeqCst)
            {
                futex_wait(seq, seen, LIVENESS_CHECK);
            }
            state.store(READING, SeqCst);
        }
    }

    /// Reads what the socket holds without blocking: descriptors go to `fds`,
    /// doorbells are dropped, end of stream marks the peer gone.
    fn drain_socket(&self, side: &mut RecvSide, fds: &mut VecDeque<OwnedFd>) -> io::Result<()> {
        let mut buf = [0u8; 256];
        loop {
            match crate::sys::recv_with_fds(self.socket.as_raw_fd(), &mut buf, fds, false) {
                Ok(0) => {
                    side.peer_gone = true;
                    return Ok(());
                }
                Ok(n) if buf[..n].iter().all(|b| *b == b'D' || *b == b'F') => continue,
                Ok(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "unexpected bytes on the socket of a ring connection",
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                    side.peer_gone = true;
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Spins until `ready()` or the budget runs out.
    fn spin_until(&self, mut ready: impl FnMut() -> bool) -> bool {
        if self.spin.is_zero() {
            return ready();
        }
        let bonus = Duration::from_nanos(self.spin_bonus.load(Relaxed)).min(MAX_SPIN_BONUS);
        let deadline = Instant::now() + self.spin + bonus;
        loop {
            for _ in 0..64 {
                if ready() {
                    return true;
                }
                std::hint::spin_loop();
            }
            if Instant::now() >= deadline {
                return ready();
            }
        }
    }

    fn peer_hung_up(&self) -> bool {
        let mut fds = [PollFd::new(self.socket.as_fd(), PollFlags::empty())];
        matches!(poll(&mut fds, PollTimeout::ZERO), Ok(1))
            && fds[0]
                .revents()
                .is_some_and(|r| r.intersects(PollFlags::POLLHUP | PollFlags::POLLERR))
    }

    /// Tells the consumer that bytes are in the ring.
    fn wake_consumer(&self) {
        let state = self.region.u32_at(self.tx.control + CONSUMER_STATE);
        match state.load(SeqCst) {
            SLEEPING => {
                let seq = self.region.u32_at(self.tx.control + DATA_SEQ);
                seq.fetch_add(1, SeqCst);
                futex_wake(seq);
            }
            DOORBELL
                if state
                    .compare_exchange(DOORBELL, READING, SeqCst, SeqCst)
                    .is_ok() =>
            {
                // A full socket already holds unread doorbells: nothing is lost.
                let _ = nix::sys::socket::send(
                    self.socket.as_raw_fd(),
                    b"D",
                    MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_NOSIGNAL,
                );
            }
            _ => {}
        }
    }

    /// Waits for room in the outgoing ring, reading ahead incoming bytes meanwhile.
    fn wait_for_room(&self, head: u64) -> io::Result<()> {
        let tail_word = self.region.u64_at(self.tx.control + TAIL);
        let has_room = || head.wrapping_sub(tail_word.load(SeqCst)) < self.tx.size as u64;
        if self.spin_until(has_room) {
            return Ok(());
        }
        self.spill_incoming()?;
        let seq = self.region.u32_at(self.tx.control + SPACE_SEQ);
        let waiting = self.region.u32_at(self.tx.control + PRODUCER_WAITING);
        let seen = seq.load(SeqCst);
        waiting.store(1, SeqCst);
        if !has_room() {
            if self.closed.load(SeqCst) || self.peer_hung_up() {
                waiting.store(0, SeqCst);
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            futex_wait(seq, seen, Duration::from_millis(20));
        }
        waiting.store(0, SeqCst);
        Ok(())
    }

    /// While our sender is stuck, keep the peer's sender moving: if no reader is
    /// active, move incoming ring bytes into the spill buffer.
    fn spill_incoming(&self) -> io::Result<()> {
        let Some(mut side) = self.recv.try_lock() else {
            return Ok(());
        };
        let mut fds = VecDeque::new();
        self.drain_socket(&mut side, &mut fds)?;
        let mut buf = Vec::new();
        let side = &mut *side;
        while side.spill.has_room() {
            buf.clear();
            let n = self.read_ring(side, &mut Sink::Vec(&mut buf, self.rx.size))?;
            if n == 0 {
                break;
            }
            side.spill.push(&buf, &mut VecDeque::new());
        }
        side.spill.push(&[], &mut fds);
        Ok(())
    }

    /// Writes one piece of a frame, waiting for room as needed; a piece bigger than
    /// the free space is published in steps, waking the consumer at each so it
    /// drains while we fill.
    fn write_part(&self, head: &mut u64, frame: &[u8]) -> io::Result<()> {
        let mut progress = Instant::now();
        let tail_word = self.region.u64_at(self.tx.control + TAIL);
        let head_word = self.region.u64_at(self.tx.control + HEAD);
        let mut written = 0;
        while written < frame.len() {
            if self.closed.load(SeqCst) {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            let tail = tail_word.load(SeqCst);
            let used = head.wrapping_sub(tail);
            if used > self.tx.size as u64 {
                return Err(ShmTransport::corrupt(&format!(
                    "tail {tail} is ahead of head {}",
                    *head
                )));
            }
            let free = self.tx.size - used as usize;
            if free == 0 {
                if progress.elapsed() > self.send_timeout {
                    return Err(super::stopped_reading(self.send_timeout));
                }
                self.wait_for_room(*head)?;
                continue;
            }
            // Publish in steps so the consumer copies out one step while we copy
            // in the next: the two copies overlap instead of taking turns.
            let n = free.min(frame.len() - written).min(STREAM_STEP);
            self.copy_to_ring(*head, &frame[written..written + n]);
            *head += n as u64;
            written += n;
            head_word.store(*head, SeqCst);
            progress = Instant::now();
            if written < frame.len() {
                self.wake_consumer();
            }
        }
        Ok(())
    }

    fn send_fds(&self, fds: &[BorrowedFd<'_>]) -> io::Result<()> {
        let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
        let rights = [ControlMessage::ScmRights(&raw)];
        loop {
            match sendmsg::<()>(
                self.socket.as_raw_fd(),
                &[IoSlice::new(b"F")],
                &rights,
                MsgFlags::MSG_NOSIGNAL,
                None,
            ) {
                Ok(_) => return Ok(()),
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl Transport for ShmTransport {
    fn send(&self, frame: &[&[u8]], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
        let mut head = self.send.lock();
        // Descriptors go first, so they are in the socket before their frame can be
        // read from the ring.
        if !fds.is_empty() {
            self.send_fds(fds)?;
        }
        // A frame that fits in the free space is published with one store of
        // `head`, so a reader never sees half of it; a bigger one streams through.
        let total: usize = frame.iter().map(|p| p.len()).sum();
        // (Stored only when it changes: most frames are small.)
        let bonus = total as u64 / SPIN_BYTES_PER_NS;
        if self.spin_bonus.load(Relaxed) != bonus {
            self.spin_bonus.store(bonus, Relaxed);
        }
        let tail = self.region.u64_at(self.tx.control + TAIL).load(SeqCst);
        let used = head.wrapping_sub(tail);
        if used <= self.tx.size as u64 && total <= self.tx.size - used as usize {
            let mut at = *head;
            for part in frame.iter().filter(|p| !p.is_empty()) {
                self.copy_to_ring(at, part);
                at += part.len() as u64;
            }
            *head = at;
            self.region.u64_at(self.tx.control + HEAD).store(at, SeqCst);
        } else {
            for part in frame.iter().filter(|p| !p.is_empty()) {
                self.write_part(&mut head, part)?;
            }
        }
        self.wake_consumer();
        Ok(())
    }

    fn recv(
        &self,
        buf: &mut [u8],
        fds: &mut VecDeque<OwnedFd>,
        blocking: bool,
    ) -> io::Result<usize> {
        self.recv_sink(Sink::Slice(buf, 0), fds, blocking)
    }

    fn recv_into(
        &self,
        buf: &mut Vec<u8>,
        limit: usize,
        fds: &mut VecDeque<OwnedFd>,
        blocking: bool,
    ) -> io::Result<usize> {
        self.recv_sink(Sink::Vec(buf, limit), fds, blocking)
    }

    fn wait_fds(&self, fds: &mut VecDeque<OwnedFd>, needed: usize) -> io::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut guard = self.recv.lock();
        let side = &mut *guard;
        loop {
            side.spill.take(&mut [], fds);
            if fds.len() >= needed {
                return Ok(());
            }
            self.drain_socket(side, fds)?;
            if fds.len() >= needed {
                return Ok(());
            }
            if side.peer_gone || Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "frame declares more file descriptors than arrived",
                ));
            }
            let mut pfd = [PollFd::new(self.socket.as_fd(), PollFlags::POLLIN)];
            let _ = poll(&mut pfd, PollTimeout::from(100u16));
        }
    }

    fn poll_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }

    fn release_reader(&self) -> bool {
        self.region
            .u32_at(self.rx.control + CONSUMER_STATE)
            .store(DOORBELL, SeqCst);
        let side = self.recv.lock();
        !side.spill.is_empty() || self.available(side.tail).map_or(true, |a| a > 0)
    }

    fn spin_for_data(&self) -> bool {
        let Some(side) = self.recv.try_lock() else {
            return false;
        };
        if !side.spill.is_empty() {
            return true;
        }
        self.region
            .u32_at(self.rx.control + CONSUMER_STATE)
            .store(READING, SeqCst);
        let tail = side.tail;
        self.spin_until(|| self.available(tail).map_or(true, |a| a > 0))
    }

    fn wait_for_data(&self, timeout: Duration) -> bool {
        let Some(side) = self.recv.try_lock() else {
            return false;
        };
        if !side.spill.is_empty() {
            return true;
        }
        let state = self.region.u32_at(self.rx.control + CONSUMER_STATE);
        state.store(READING, SeqCst);
        let tail = side.tail;
        let ready = || self.available(tail).map_or(true, |a| a > 0);
        if self.spin_until(ready) {
            return true;
        }
        // The same sleep as a blocking `recv`, bounded: the producer sees
        // `SLEEPING` and wakes the futex (see the module docs).
        let deadline = Instant::now() + timeout;
        let seq = self.region.u32_at(self.rx.control + DATA_SEQ);
        loop {
            let seen = seq.load(SeqCst);
            state.store(SLEEPING, SeqCst);
            if ready() || self.closed.load(SeqCst) {
                state.store(READING, SeqCst);
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                state.store(READING, SeqCst);
                return false;
            }
            futex_wait(seq, seen, (deadline - now).min(LIVENESS_CHECK));
            state.store(READING, SeqCst);
            if ready() || self.peer_hung_up() {
                return true;
            }
        }
    }

    fn linger(&self, timeout: Duration) -> bool {
        // Producers wake a consumer in SLEEPING through the futex, never the socket.
        self.wait_for_data(timeout)
    }

    fn interrupt_reader(&self) {
        self.interrupted.store(true, SeqCst);
        self.wake_reader();
    }

    fn wake_reader(&self) {
        let seq = self.region.u32_at(self.rx.control + DATA_SEQ);
        seq.fetch_add(1, SeqCst);
        futex_wake(seq);
    }

    fn shutdown(&self) {
        self.closed.store(true, SeqCst);
        let _ = self.socket.shutdown(std::net::Shutdown::Both);
        self.wake_reader();
        let seq = self.region.u32_at(self.tx.control + SPACE_SEQ);
        seq.fetch_add(1, SeqCst);
        futex_wake(seq);
    }

    fn kind(&self) -> &'static str {
        "shm"
    }

    fn fds_arrive_with_frames(&self) -> bool {
        // They come over the socket ahead of their frame's bytes in the ring.
        false
    }
}
