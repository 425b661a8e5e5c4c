//! Frames built by hand from `docs/PROTOCOL.md`, and raw peers that speak them,
//! for tests of peers that misbehave. Nothing here uses `ipc-core`'s encoder: a
//! hostile peer is whatever bytes it chooses to send.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// Frame kinds (PROTOCOL.md, "Frames").
pub const HELLO: u8 = 1;
/// See [`HELLO`].
pub const TRANSACTION: u8 = 2;
/// See [`HELLO`].
pub const REPLY: u8 = 3;
/// See [`HELLO`].
pub const ACQUIRE: u8 = 4;
/// See [`HELLO`].
pub const RELEASE: u8 = 5;
/// See [`HELLO`].
pub const BYE: u8 = 6;
/// See [`HELLO`].
pub const RECEIVED: u8 = 7;

/// The protocol version a well-behaved peer says in its hello.
pub const VERSION: u32 = 3;

/// How long a raw peer waits for the server before the test fails.
const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// A 16-byte header followed by `body`; `fds` is the declared descriptor count.
pub fn frame(kind: u8, txn: u64, fds: u16, body: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(16 + body.len());
    f.extend(((16 + body.len()) as u32).to_le_bytes());
    f.push(kind);
    f.push(0);
    f.extend(fds.to_le_bytes());
    f.extend(txn.to_le_bytes());
    f.extend(body);
    f
}

/// A `str` field: `u32` byte length, then the bytes.
pub fn str_field(s: &[u8]) -> Vec<u8> {
    let mut out = (s.len() as u32).to_le_bytes().to_vec();
    out.extend(s);
    out
}

/// A client hello body: magic, `version`, address, limit, transport, ring size, no root.
pub fn hello_body(version: u32, transport: u8, ring_size: u32) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(b"BIPC");
    body.extend(version.to_le_bytes());
    body.extend(str_field(b"raw-hostile-peer"));
    body.extend((1u32 << 20).to_le_bytes());
    body.push(transport);
    body.extend(ring_size.to_le_bytes());
    body.push(0);
    body
}

/// A client hello (socket transport) that introduces itself with an object of the
/// server it was handed (`id`, `token`): how another uid is admitted to a private
/// address.
pub fn hello_with_introduction(id: u64, token: [u8; 16]) -> Vec<u8> {
    let mut body = hello_body(VERSION, 0, 0);
    *body.last_mut().unwrap() = 1;
    body.extend(id.to_le_bytes());
    body.extend(token);
    frame(HELLO, 0, 0, &body)
}

/// A well-formed client hello proposing the socket transport.
pub fn hello() -> Vec<u8> {
    frame(HELLO, 0, 0, &hello_body(VERSION, 0, 0))
}

/// An encoded object table entry for a binder.
pub fn binder_entry(offset: u32, owner: &[u8], id: u64, token: [u8; 16]) -> Vec<u8> {
    let mut e = vec![1u8];
    e.extend(offset.to_le_bytes());
    e.extend(str_field(owner));
    e.extend(id.to_le_bytes());
    e.extend(token);
    e
}

/// An encoded object table entry for a descriptor.
pub fn fd_entry(offset: u32) -> Vec<u8> {
    let mut e = vec![0u8];
    e.extend(offset.to_le_bytes());
    e
}

/// A transaction frame: data first, then target, token, code, flags, parent, the
/// object table (`count` entries already encoded in `table`) and the data length.
#[allow(clippy::too_many_arguments)]
pub fn transaction_with(
    txn: u64,
    target: u64,
    token: [u8; 16],
    code: u32,
    flags: u32,
    data: &[u8],
    count: u32,
    table: &[u8],
    fds: u16,
) -> Vec<u8> {
    let mut body = transaction_head(data, target, token, code, flags);
    body.extend(count.to_le_bytes());
    body.extend(table);
    body.extend((data.len() as u32).to_le_bytes());
    frame(TRANSACTION, txn, fds, &body)
}

/// A transaction body up to its `parent` field (0): the data, then target, token,
/// code and flags.
fn transaction_head(data: &[u8], target: u64, token: [u8; 16], code: u32, flags: u32) -> Vec<u8> {
    let mut body = data.to_vec();
    body.extend(target.to_le_bytes());
    body.extend(token);
    body.extend(code.to_le_bytes());
    body.extend(flags.to_le_bytes());
    body.extend(0u64.to_le_bytes());
    body
}

/// A two-way transaction carrying a chain of calling threads (`FLAG_CHAIN`, then
/// a `u8` count and the `u64` tokens after `parent`).
pub fn transaction_with_chain(
    txn: u64,
    target: u64,
    token: [u8; 16],
    code: u32,
    chain: &[u64],
    data: &[u8],
) -> Vec<u8> {
    let mut body = transaction_head(data, target, token, code, FLAG_CHAIN);
    body.push(chain.len() as u8);
    for thread in chain {
        body.extend(thread.to_le_bytes());
    }
    body.extend(0u32.to_le_bytes()); // no objects
    body.extend((data.len() as u32).to_le_bytes());
    frame(TRANSACTION, txn, 0, &body)
}

/// Header byte 5 flag: the frame's parcel ends with a byte array sent after the body
/// (a `u32` blob length right after the header, the blob and its padding last).
pub const FRAME_BLOB: u8 = 0x01;

/// `frame` (header and body) with `blob` attached as its blob: the flag set, the
/// length word inserted after the header, the blob and zero padding appended, and
/// the length fixed. The caller makes the data end with the array's count.
pub fn with_blob(frame: &[u8], blob: &[u8]) -> Vec<u8> {
    let mut out = frame[..16].to_vec();
    out[5] |= FRAME_BLOB;
    out.extend((blob.len() as u32).to_le_bytes());
    out.extend(&frame[16..]);
    out.extend(blob);
    out.resize(out.len() + (4 - blob.len() % 4) % 4, 0);
    let len = out.len() as u32;
    out[..4].copy_from_slice(&len.to_le_bytes());
    out
}

/// `Transaction::flags` bit: a chain of calling threads follows `parent`.
pub const FLAG_CHAIN: u32 = 0x4000_0000;

/// A plain transaction without objects.
pub fn transaction(
    txn: u64,
    target: u64,
    token: [u8; 16],
    code: u32,
    flags: u32,
    data: &[u8],
) -> Vec<u8> {
    transaction_with(txn, target, token, code, flags, data, 0, &[], 0)
}

/// A release of `count` references.
pub fn release(id: u64, token: [u8; 16], count: u32) -> Vec<u8> {
    let mut body = id.to_le_bytes().to_vec();
    body.extend(token);
    body.extend(count.to_le_bytes());
    frame(RELEASE, 0, 0, &body)
}

/// An acquire, answered by a reply to `txn`.
pub fn acquire(txn: u64, id: u64, token: [u8; 16]) -> Vec<u8> {
    let mut body = id.to_le_bytes().to_vec();
    body.extend(token);
    frame(ACQUIRE, txn, 0, &body)
}

/// Reads one frame: kind, transaction id, body. `None` at end of stream or error.
pub fn read_frame(stream: &mut UnixStream) -> Option<(u8, u64, Vec<u8>)> {
    let mut header = [0u8; 16];
    stream.read_exact(&mut header).ok()?;
    let len = u32::from_le_bytes(header[..4].try_into().ok()?) as usize;
    let mut body = vec![0u8; len.checked_sub(16)?];
    stream.read_exact(&mut body).ok()?;
    Some((
        header[4],
        u64::from_le_bytes(header[8..16].try_into().ok()?),
        body,
    ))
}

/// Reads until the end of the stream; returns the reason of the last bye, or "".
pub fn goodbye(stream: &mut UnixStream) -> String {
    let mut reason = String::new();
    while let Some((kind, _, body)) = read_frame(stream) {
        if kind == BYE && body.len() >= 4 {
            reason = String::from_utf8_lossy(&body[4..]).into_owned();
        }
    }
    reason
}

/// What a reply said: `Err(status)` for a 4-byte failure body, else the parcel data.
pub fn reply_result(body: &[u8]) -> Result<Vec<u8>, i32> {
    if body.len() == 4 {
        return Err(i32::from_le_bytes(body.try_into().unwrap()));
    }
    let data_len = u32::from_le_bytes(body[body.len() - 4..].try_into().unwrap()) as usize;
    Ok(body[..data_len].to_vec())
}

/// The root id and token named by a server's hello body.
pub fn root_of(hello: &[u8]) -> (u64, [u8; 16]) {
    let addr_len = u32::from_le_bytes(hello[8..12].try_into().unwrap()) as usize;
    let at = 12 + addr_len + 4 + 1 + 4;
    assert_eq!(hello[at], 1, "the server names a root");
    let id = u64::from_le_bytes(hello[at + 1..at + 9].try_into().unwrap());
    (id, hello[at + 9..at + 25].try_into().unwrap())
}

/// The sender's address named by a hello body.
pub fn address_of(hello: &[u8]) -> Vec<u8> {
    let addr_len = u32::from_le_bytes(hello[8..12].try_into().unwrap()) as usize;
    hello[12..12 + addr_len].to_vec()
}

/// Connects to `path` with read/write timeouts set.
pub fn connect(path: &Path) -> UnixStream {
    let s = UnixStream::connect(path).unwrap_or_else(|e| panic!("connect {}: {e}", path.display()));
    s.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(READ_TIMEOUT)).unwrap();
    s
}

/// A raw peer after a socket-transport handshake.
#[derive(Debug)]
pub struct RawPeer {
    /// The connection.
    pub stream: UnixStream,
    /// The server's root object id.
    pub id: u64,
    /// The root's token.
    pub token: [u8; 16],
    /// The server's address (abstract socket name).
    pub address: Vec<u8>,
    next_txn: u64,
    /// Replies read while waiting for another one (calls may finish in any order).
    early: std::collections::HashMap<u64, Result<Vec<u8>, i32>>,
}

impl RawPeer {
    /// Connects and completes the handshake.
    pub fn connect(path: &Path) -> RawPeer {
        let mut stream = connect(path);
        stream.write_all(&hello()).unwrap();
        let (kind, _, body) = read_frame(&mut stream).expect("the server's hello");
        assert_eq!(kind, HELLO, "the server answers the hello");
        let (id, token) = root_of(&body);
        RawPeer {
            stream,
            id,
            token,
            address: address_of(&body),
            next_txn: 1,
            early: std::collections::HashMap::new(),
        }
    }

    /// A fresh transaction id.
    pub fn txn(&mut self) -> u64 {
        self.next_txn += 1;
        self.next_txn
    }

    /// Sends bytes; `false` if the server has already hung up.
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).is_ok()
    }

    /// Calls the root with `code` and parcel `data`; the reply's result.
    pub fn call(&mut self, code: u32, data: &[u8]) -> Result<Vec<u8>, i32> {
        let txn = self.txn();
        let frame = transaction(txn, self.id, self.token, code, 0, data);
        self.stream.write_all(&frame).expect("send a call");
        self.reply_to(txn)
    }

    /// Reads frames until the reply to `txn`.
    pub fn reply_to(&mut self, txn: u64) -> Result<Vec<u8>, i32> {
        loop {
            let Some((kind, id, body)) = read_frame(&mut self.stream) else {
                let mut early: Vec<u64> = self.early.keys().copied().collect();
                early.sort_unstable();
                panic!("no reply to transaction {txn}; replies to others kept: {early:?}");
            };
            if kind == REPLY && id == txn {
                return reply_result(&body);
            }
            assert_ne!(
                kind,
                BYE,
                "the server hung up: {}",
                String::from_utf8_lossy(&body)
            );
        }
    }

    /// Reads to the end of the stream; the bye's reason.
    pub fn goodbye(mut self) -> String {
        goodbye(&mut self.stream)
    }
}

/// Sends `bytes` with descriptors attached (`SCM_RIGHTS`).
pub fn send_with_fds(stream: &UnixStream, bytes: &[u8], fds: &[i32]) -> nix::Result<usize> {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    let iov = [std::io::IoSlice::new(bytes)];
    let cmsg = [ControlMessage::ScmRights(fds)];
    sendmsg::<()>(
        stream.as_raw_fd(),
        &iov,
        &cmsg,
        MsgFlags::MSG_NOSIGNAL,
        None,
    )
}

/// The first bytes of an encoded [`ipc_core::Parcel`] holding `values`.
pub fn ints(values: &[i32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A shared-memory ring region made by hand (PROTOCOL.md, "Shared-memory rings"),
/// reached with `pread`/`pwrite` on the memfd rather than a mapping: the server maps
/// the same pages, so it sees every write, and the test needs no `unsafe`.
#[derive(Debug)]
pub struct Rings {
    /// The memfd.
    pub file: std::fs::File,
    /// Bytes per ring.
    pub size: usize,
}

/// Offsets in the region.
pub const RING0: u64 = 0;
/// See [`RING0`].
pub const RING1: u64 = 256;
/// Offset of `tail` in a control block.
pub const TAIL: u64 = 64;
/// Offset of `consumer_state` in a control block.
pub const CONSUMER_STATE: u64 = 132;

impl Rings {
    /// A region for rings of `size` bytes; `sealed` adds the seals the server requires.
    pub fn new(size: usize, sealed: bool) -> Rings {
        use nix::sys::memfd::{MFdFlags, memfd_create};
        let fd: OwnedFd = memfd_create("rel-hostile", MFdFlags::MFD_ALLOW_SEALING).unwrap();
        let file = std::fs::File::from(fd);
        file.set_len((4096 + 2 * size) as u64).unwrap();
        if sealed {
            let seals = nix::fcntl::SealFlag::F_SEAL_SHRINK | nix::fcntl::SealFlag::F_SEAL_GROW;
            nix::fcntl::fcntl(&file, nix::fcntl::FcntlArg::F_ADD_SEALS(seals)).unwrap();
        }
        let rings = Rings { file, size };
        // Both consumers start as "ring the doorbell".
        rings.put_u32(RING0 + CONSUMER_STATE, 2);
        rings.put_u32(RING1 + CONSUMER_STATE, 2);
        rings
    }

    /// Writes a `u64` word.
    pub fn put_u64(&self, at: u64, v: u64) {
        self.file.write_all_at(&v.to_le_bytes(), at).unwrap();
    }

    /// Writes a `u32` word.
    pub fn put_u32(&self, at: u64, v: u32) {
        self.file.write_all_at(&v.to_le_bytes(), at).unwrap();
    }

    /// Reads a `u64` word.
    pub fn get_u64(&self, at: u64) -> u64 {
        let mut b = [0u8; 8];
        self.file.read_exact_at(&mut b, at).unwrap();
        u64::from_le_bytes(b)
    }

    /// Writes `bytes` into ring 0 (client → server) at byte position `head`
    /// (wrapping) and publishes `head + len`.
    pub fn produce(&self, head: u64, bytes: &[u8]) -> u64 {
        let size = self.size as u64;
        for (i, b) in bytes.iter().enumerate() {
            let at = 4096 + (head + i as u64) % size;
            self.file.write_all_at(&[*b], at).unwrap();
        }
        let new_head = head + bytes.len() as u64;
        self.put_u64(RING0, new_head);
        new_head
    }

    /// Connects to `path` proposing these rings; returns the stream and the server's
    /// hello body, or the bye's reason if it refused.
    pub fn handshake(
        &self,
        path: &Path,
        ring_size_claim: u32,
    ) -> (UnixStream, Result<Vec<u8>, String>) {
        let mut s = connect(path);
        let hello = frame(HELLO, 0, 1, &hello_body(VERSION, 1, ring_size_claim));
        send_with_fds(&s, &hello, &[self.file.as_raw_fd()]).unwrap();
        match read_frame(&mut s) {
            Some((HELLO, _, body)) => (s, Ok(body)),
            Some((BYE, _, body)) => (s, Err(String::from_utf8_lossy(&body[4..]).into_owned())),
            other => panic!("unexpected answer to a ring hello: {other:?}"),
        }
    }
}
