//! The connection protocol: the messages two processes exchange and their byte
//! encoding (see `docs/PROTOCOL.md`). Pure code: no I/O. Decoding never panics and
//! never trusts a length it has not checked against the bytes it has.
//!
//! Every frame is a 16-byte header (`u32` total length, `u8` kind, `u8` frame flags,
//! `u16` number of file descriptors sent with the frame, `u64` transaction id) and a
//! body whose layout depends on the kind. A transaction or reply whose parcel ends
//! with a big byte array may send that array last, out of the body, in a buffer of
//! its own on both sides (see [`FRAME_BLOB`]).

use crate::{Result, StatusCode};

/// The protocol version this build speaks.
pub(crate) const PROTOCOL_VERSION: u32 = 3;
/// Identifies the protocol in the handshake: `"BIPC"`.
pub(crate) const MAGIC: u32 = u32::from_le_bytes(*b"BIPC");
/// Size of the frame header.
pub(crate) const HEADER_LEN: usize = 16;
/// Frame flag (header byte 5): the parcel's data ends with a byte array (its `i32`
/// count is the last word of the body's data) whose bytes are not in the body: a
/// `u32` blob length follows the header, and the frame ends with the blob's bytes
/// and zero padding to 4. Only transactions and successful replies carry one. The
/// receiver reads the blob into a buffer of its own, which the array's reader can
/// take over without a copy.
pub(crate) const FRAME_BLOB: u8 = 0x01;
/// The blob length word after the header of a [`FRAME_BLOB`] frame.
pub(crate) const BLOB_WORD: usize = 4;
/// Bytes a frame may add around its parcel (header, addresses of objects, ...), on top
/// of the maximum transaction size.
pub(crate) const FRAME_OVERHEAD: usize = 64 * 1024;
/// The most file descriptors one frame carries (one `SCM_RIGHTS` message).
pub(crate) const MAX_FDS_PER_FRAME: usize = 250;
/// `Hello::transport`: frames go over the Unix socket.
pub(crate) const TRANSPORT_SOCKET: u8 = 0;
/// `Hello::transport`: frames go through shared-memory rings.
pub(crate) const TRANSPORT_SHM: u8 = 1;
/// Length of an object token: 128 random bits.
pub(crate) const TOKEN_LEN: usize = 16;

/// `Transaction::flags` on the wire only: a chain of calling threads follows the
/// `parent` field. Never seen by handlers (stripped when decoded, refused from
/// callers).
pub(crate) const FLAG_CHAIN: u32 = 0x4000_0000;
/// The most calling threads a chain names (the innermost are kept).
pub(crate) const MAX_CHAIN: usize = 32;

/// An object capability token.
pub(crate) type Token = [u8; TOKEN_LEN];

/// The kinds of frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kind {
    Hello = 1,
    Transaction = 2,
    Reply = 3,
    Acquire = 4,
    Release = 5,
    Bye = 6,
    Received = 7,
}

impl Kind {
    fn from_u8(value: u8) -> Option<Kind> {
        Some(match value {
            1 => Kind::Hello,
            2 => Kind::Transaction,
            3 => Kind::Reply,
            4 => Kind::Acquire,
            5 => Kind::Release,
            6 => Kind::Bye,
            7 => Kind::Received,
            _ => return None,
        })
    }
}

/// A reference to a binder object on the wire: the owning process's address, the
/// object's id in that process, and its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireRef {
    pub(crate) owner: String,
    pub(crate) id: u64,
    pub(crate) token: Token,
}

/// An entry of a parcel's object table on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WireObject {
    /// The next file descriptor of the frame.
    Fd {
        offset: u32,
    },
    Binder {
        offset: u32,
        reference: WireRef,
    },
}

/// A parcel on the wire: its bytes and object table (fds travel beside the frame).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct WireParcel {
    pub(crate) data: Vec<u8>,
    pub(crate) objects: Vec<WireObject>,
    /// The bytes of a byte array that ends the parcel, when kept apart from `data`
    /// (whose last word is then the array's count): sent as the frame's blob.
    #[allow(
        clippy::box_collection,
        reason = "boxed so that every message, most without a blob, stays small to move"
    )]
    pub(crate) blob: Option<Box<Vec<u8>>>,
}

impl WireParcel {
    pub(crate) fn fd_count(&self) -> usize {
        self.objects
            .iter()
            .filter(|o| matches!(o, WireObject::Fd { .. }))
            .count()
    }
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Message {
    /// The handshake, sent by both sides first: version, the sender's address, the
    /// largest transaction it accepts, and (from a server) its root object.
    Hello {
        version: u32,
        address: String,
        max_transaction: u32,
        /// The transport: from a client, the one it proposes (a ring connection's
        /// memfd travels with the hello); from a server, the one it accepted.
        transport: u8,
        /// The size of each ring in bytes (shared-memory transport).
        ring_size: u32,
        root: Option<(u64, Token)>,
    },
    /// A call to object `target` of the receiver. `parent` is non-zero when the call
    /// is made on behalf of transaction `parent` that the receiver sent (a nested call).
    Transaction {
        txn: u64,
        target: u64,
        token: Token,
        code: u32,
        flags: u32,
        parent: u64,
        /// The threads this call is made on behalf of, outermost first (each a
        /// random token of its process's thread), ending with the calling thread;
        /// a receiver with one of them waiting for a reply runs the call on it.
        chain: Vec<u64>,
        parcel: WireParcel,
    },
    /// The answer to transaction `txn`: a reply parcel, or a status code when the
    /// transaction failed.
    Reply {
        txn: u64,
        result: std::result::Result<WireParcel, i32>,
    },
    /// The sender holds a reference to the receiver's object (sent when the reference
    /// came from a third process); answered with an empty `Reply` to `txn`.
    Acquire { txn: u64, id: u64, token: Token },
    /// The sender drops `count` references to the receiver's object.
    Release { id: u64, token: Token, count: u32 },
    /// The sender is closing the connection, and why.
    Bye { reason: String },
    /// The sender has taken its own references to the third processes' objects
    /// named by a frame it received (see [`names_third_party`]): the reply to its
    /// transaction `txn` when `reply`, else the receiver's oneway transaction `txn`.
    /// The receiver held those objects for it until now.
    Received { txn: u64, reply: bool },
}

/// Whether `parcel`, travelling between the processes at addresses `a` and `b`,
/// names an object that neither owns. The receiver must then take a reference from
/// the owner, and a frame that is not answered (a reply or a oneway call) is
/// acknowledged with [`Message::Received`] once it has.
pub(crate) fn names_third_party(parcel: &WireParcel, a: &str, b: &str) -> bool {
    parcel.objects.iter().any(|object| {
        matches!(object, WireObject::Binder { reference, .. }
            if reference.owner != a && reference.owner != b)
    })
}

/// A frame's header, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) len: usize,
    pub(crate) fds: usize,
    /// The frame carries a blob ([`FRAME_BLOB`]).
    pub(crate) blob: bool,
}

/// Reads a header; `BAD_VALUE` when the length is impossible or above `max_len`, or
/// an unknown flag is set.
pub(crate) fn decode_header(bytes: &[u8; HEADER_LEN], max_len: usize) -> Result<Header> {
    let len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let fds = u16::from_le_bytes([bytes[6], bytes[7]]) as usize;
    let flags = bytes[5];
    let blob = flags & FRAME_BLOB != 0;
    let min = HEADER_LEN + if blob { BLOB_WORD } else { 0 };
    if len < min || len > max_len || fds > MAX_FDS_PER_FRAME || flags & !FRAME_BLOB != 0 {
        return Err(StatusCode::BAD_VALUE);
    }
    Ok(Header { len, fds, blob })
}

/// Where the pieces of a [`FRAME_BLOB`] frame of `len` bytes lie, from its blob
/// length word: (body length, blob length, padding after the blob). `BAD_VALUE`
/// when they do not fit in `len`.
pub(crate) fn blob_layout(len: usize, word: [u8; BLOB_WORD]) -> Result<(usize, usize, usize)> {
    let blob = u32::from_le_bytes(word) as usize;
    let padded = crate::parcel::pad4(blob);
    let body = len
        .checked_sub(HEADER_LEN + BLOB_WORD + padded)
        .ok_or(StatusCode::BAD_VALUE)?;
    Ok((body, blob, padded - blob))
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, v: &[u8]) -> Result<()> {
        self.u32(u32::try_from(v.len()).map_err(|_| StatusCode::BAD_VALUE)?);
        self.0.extend_from_slice(v);
        Ok(())
    }
    /// A parcel's object table (its data travels at the front of the body).
    fn objects(&mut self, p: &WireParcel) -> Result<()> {
        self.u32(u32::try_from(p.objects.len()).map_err(|_| StatusCode::BAD_VALUE)?);
        for object in &p.objects {
            match object {
                WireObject::Fd { offset } => {
                    self.u8(0);
                    self.u32(*offset);
                }
                WireObject::Binder { offset, reference } => {
                    self.u8(1);
                    self.u32(*offset);
                    self.bytes(reference.owner.as_bytes())?;
                    self.u64(reference.id);
                    self.0.extend_from_slice(&reference.token);
                }
            }
        }
        Ok(())
    }
}

/// An encoded frame in pieces, so a parcel's data is never copied to build it:
/// `head` (the header), the parcel data (borrowed from the message), `tail`
/// (everything else of the body), then a blob and its padding (borrowed, empty when
/// the frame has none). Messages without a parcel have it all in `head`.
#[derive(Debug)]
pub(crate) struct Frame<'a> {
    head: Vec<u8>,
    data: &'a [u8],
    tail: Vec<u8>,
    blob: &'a [u8],
    pad: &'static [u8],
}

impl Frame<'_> {
    /// The pieces, in order.
    pub(crate) fn parts(&self) -> [&[u8]; 5] {
        [&self.head, self.data, &self.tail, self.blob, self.pad]
    }

    /// The whole frame in one buffer (tests).
    #[cfg(test)]
    pub(crate) fn to_vec(&self) -> Vec<u8> {
        self.parts().concat()
    }
}

/// Encodes `message` into a frame; `fds` is the number of descriptors sent with it.
///
/// A body that carries a parcel (transaction, successful reply) is laid out data
/// first: `data ‖ fields ‖ object table ‖ u32 data length`, so a receiver can read a
/// big body into one buffer and keep its front as the parcel's data without copying.
pub(crate) fn encode(message: &Message, fds: usize) -> Result<Frame<'_>> {
    encode_with_blob(message, fds, None)
}

/// [`encode`], with the bytes of the byte array that ends the parcel given apart
/// (borrowed from the caller; the parcel's data ends with the array's count): sent
/// as the frame's blob. A parcel's own blob ([`WireParcel::blob`]) is used when
/// `blob` is `None`.
pub(crate) fn encode_with_blob<'a>(
    message: &'a Message,
    fds: usize,
    blob: Option<&'a [u8]>,
) -> Result<Frame<'a>> {
    let (kind, txn) = match message {
        Message::Hello { .. } => (Kind::Hello, 0),
        Message::Transaction { txn, .. } => (Kind::Transaction, *txn),
        Message::Reply { txn, .. } => (Kind::Reply, *txn),
        Message::Acquire { txn, .. } => (Kind::Acquire, *txn),
        Message::Release { .. } => (Kind::Release, 0),
        Message::Bye { .. } => (Kind::Bye, 0),
        Message::Received { txn, .. } => (Kind::Received, *txn),
    };
    let fds = u16::try_from(fds).map_err(|_| StatusCode::BAD_VALUE)?;
    let mut head = Writer(Vec::with_capacity(128));
    head.u32(0); // length, patched below
    head.u8(kind as u8);
    head.u8(0);
    head.0.extend_from_slice(&fds.to_le_bytes());
    head.u64(txn);
    let mut tail = Writer(Vec::new());
    let mut data: &[u8] = &[];
    let mut blob = blob;
    match message {
        Message::Hello {
            version,
            address,
            max_transaction,
            transport,
            ring_size,
            root,
        } => {
            head.u32(MAGIC);
            head.u32(*version);
            head.bytes(address.as_bytes())?;
            head.u32(*max_transaction);
            head.u8(*transport);
            head.u32(*ring_size);
            match root {
                Some((id, token)) => {
                    head.u8(1);
                    head.u64(*id);
                    head.0.extend_from_slice(token);
                }
                None => head.u8(0),
            }
        }
        Message::Transaction {
            target,
            token,
            code,
            flags,
            parent,
            chain,
            parcel,
            ..
        } => {
            data = &parcel.data;
            blob = blob.or(parcel.blob.as_deref().map(Vec::as_slice));
            tail.0.reserve(64 + 8 * chain.len());
            tail.u64(*target);
            tail.0.extend_from_slice(token);
            tail.u32(*code);
            let chain = &chain[chain.len().saturating_sub(MAX_CHAIN)..];
            if chain.is_empty() {
                tail.u32(*flags & !FLAG_CHAIN);
                tail.u64(*parent);
            } else {
                tail.u32(*flags | FLAG_CHAIN);
                tail.u64(*parent);
                tail.u8(chain.len() as u8);
                for thread in chain {
                    tail.u64(*thread);
                }
            }
            tail.objects(parcel)?;
            tail.u32(u32::try_from(data.len()).map_err(|_| StatusCode::BAD_VALUE)?);
        }
        Message::Reply { result, .. } => match result {
            Ok(parcel) => {
                data = &parcel.data;
                blob = blob.or(parcel.blob.as_deref().map(Vec::as_slice));
                tail.u32(0);
                tail.objects(parcel)?;
                tail.u32(u32::try_from(data.len()).map_err(|_| StatusCode::BAD_VALUE)?);
            }
            Err(code) => head.u32(*code as u32),
        },
        Message::Acquire { id, token, .. } => {
            head.u64(*id);
            head.0.extend_from_slice(token);
        }
        Message::Release { id, token, count } => {
            head.u64(*id);
            head.0.extend_from_slice(token);
            head.u32(*count);
        }
        Message::Bye { reason } => head.bytes(reason.as_bytes())?,
        Message::Received { reply, .. } => head.u8(u8::from(*reply)),
    }
    let with_parcel = matches!(
        message,
        Message::Transaction { .. } | Message::Reply { result: Ok(_), .. }
    );
    let mut pad: &'static [u8] = &[];
    let blob = match blob {
        Some(blob) if with_parcel => {
            head.0[5] = FRAME_BLOB;
            let len = u32::try_from(blob.len()).map_err(|_| StatusCode::BAD_VALUE)?;
            // The word goes right after the header, before the body.
            head.0.splice(HEADER_LEN..HEADER_LEN, len.to_le_bytes());
            pad = &[0u8; 3][..crate::parcel::pad4(blob.len()) - blob.len()];
            blob
        }
        Some(_) => return Err(StatusCode::BAD_VALUE),
        None => &[],
    };
    let total = head.0.len() + data.len() + tail.0.len() + blob.len() + pad.len();
    let len = u32::try_from(total).map_err(|_| StatusCode::BAD_VALUE)?;
    head.0[..4].copy_from_slice(&len.to_le_bytes());
    Ok(Frame {
        head: head.0,
        data,
        tail: tail.0,
        blob,
        pad,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.bytes.len() {
            return Err(StatusCode::BAD_VALUE);
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64> {
        let mut out = [0u8; 8];
        out.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(out))
    }
    fn token(&mut self) -> Result<Token> {
        let mut out = [0u8; TOKEN_LEN];
        out.copy_from_slice(self.take(TOKEN_LEN)?);
        Ok(out)
    }
    fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.u32()? as usize;
        self.take(len)
    }
    fn string(&mut self) -> Result<String> {
        let bytes = self.bytes()?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| StatusCode::BAD_VALUE)
    }
    fn objects(&mut self) -> Result<Vec<WireObject>> {
        let count = self.u32()? as usize;
        // Every entry takes at least 5 bytes: refuse counts the frame cannot hold.
        if count > self.bytes.len() / 5 {
            return Err(StatusCode::BAD_VALUE);
        }
        let mut objects = Vec::with_capacity(count);
        for _ in 0..count {
            let kind = self.u8()?;
            let offset = self.u32()?;
            objects.push(match kind {
                0 => WireObject::Fd { offset },
                1 => {
                    let owner = self.string()?;
                    let id = self.u64()?;
                    let token = self.token()?;
                    WireObject::Binder {
                        offset,
                        reference: WireRef { owner, id, token },
                    }
                }
                _ => return Err(StatusCode::BAD_VALUE),
            });
        }
        Ok(objects)
    }
}

/// Splits a data-first body: the parcel data (which stays in `body`, truncated to
/// it) and the bytes after it, minus the trailing length.
fn split_body(body: &mut Vec<u8>) -> Result<Vec<u8>> {
    let data_len = data_len(body)?;
    let rest = body[data_len..body.len() - 4].to_vec();
    body.truncate(data_len);
    Ok(rest)
}

/// The parcel data length a data-first body ends with, checked against the body.
fn data_len(body: &[u8]) -> Result<usize> {
    let trailer = body.len().checked_sub(4).ok_or(StatusCode::BAD_VALUE)?;
    let data_len = u32::from_le_bytes(
        body[trailer..]
            .try_into()
            .map_err(|_| StatusCode::BAD_VALUE)?,
    ) as usize;
    if data_len > trailer {
        return Err(StatusCode::BAD_VALUE);
    }
    Ok(data_len)
}

/// Decodes a whole frame held in one buffer (handshake and tests).
pub(crate) fn decode(frame: &[u8]) -> Result<Message> {
    let header: &[u8; HEADER_LEN] = frame
        .get(..HEADER_LEN)
        .and_then(|h| h.try_into().ok())
        .ok_or(StatusCode::BAD_VALUE)?;
    let h = decode_header(header, usize::MAX)?;
    if !h.blob {
        return decode_body(header, frame[HEADER_LEN..].to_vec(), None);
    }
    let word = frame
        .get(HEADER_LEN..HEADER_LEN + BLOB_WORD)
        .and_then(|w| w.try_into().ok())
        .ok_or(StatusCode::BAD_VALUE)?;
    let (body, blob, _) = blob_layout(h.len, word)?;
    let start = HEADER_LEN + BLOB_WORD;
    let body_bytes = frame
        .get(start..start + body)
        .ok_or(StatusCode::BAD_VALUE)?;
    let blob_bytes = frame
        .get(start + body..start + body + blob)
        .ok_or(StatusCode::BAD_VALUE)?;
    if frame.len() != h.len {
        return Err(StatusCode::BAD_VALUE);
    }
    decode_body(header, body_bytes.to_vec(), Some(blob_bytes.to_vec()))
}

/// Decodes a frame from its header, its body and (for a [`FRAME_BLOB`] frame) its
/// blob. The declared length must match, no byte may be left over, and a frame must
/// declare exactly the descriptors its body uses. A parcel's data is kept in `body`'s
/// buffer and its blob in `blob`'s, not copied.
pub(crate) fn decode_body(
    header: &[u8; HEADER_LEN],
    mut body: Vec<u8>,
    blob: Option<Vec<u8>>,
) -> Result<Message> {
    let decoded = decode_header(header, usize::MAX)?;
    let blob_len = blob
        .as_ref()
        .map_or(0, |b| BLOB_WORD + crate::parcel::pad4(b.len()));
    if decoded.blob != blob.is_some() || decoded.len != HEADER_LEN + body.len() + blob_len {
        return Err(StatusCode::BAD_VALUE);
    }
    let kind = Kind::from_u8(header[4]).ok_or(StatusCode::BAD_VALUE)?;
    let txn = u64::from_le_bytes(
        header[8..16]
            .try_into()
            .map_err(|_| StatusCode::BAD_VALUE)?,
    );
    let with_parcel =
        matches!(kind, Kind::Transaction) || (matches!(kind, Kind::Reply) && body.len() != 4);
    if let Some(blob) = &blob {
        // Only a parcel carries a blob, and its data ends with the array's count.
        let count = if with_parcel {
            let end = data_len(&body)?;
            body.get(end.saturating_sub(4)..end)
                .filter(|w| w.len() == 4)
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize)
        } else {
            None
        };
        if count != Some(blob.len()) {
            return Err(StatusCode::BAD_VALUE);
        }
    }
    let rest = if with_parcel {
        split_body(&mut body)?
    } else {
        std::mem::take(&mut body)
    };
    let mut r = Reader { bytes: &rest };
    let message = match kind {
        Kind::Hello => {
            if r.u32()? != MAGIC {
                return Err(StatusCode::BAD_VALUE);
            }
            let version = r.u32()?;
            let address = r.string()?;
            let max_transaction = r.u32()?;
            let transport = r.u8()?;
            let ring_size = r.u32()?;
            let root = match r.u8()? {
                0 => None,
                1 => Some((r.u64()?, r.token()?)),
                _ => return Err(StatusCode::BAD_VALUE),
            };
            Message::Hello {
                version,
                address,
                max_transaction,
                transport,
                ring_size,
                root,
            }
        }
        Kind::Transaction => {
            let target = r.u64()?;
            let token = r.token()?;
            let code = r.u32()?;
            let flags = r.u32()?;
            let parent = r.u64()?;
            let mut chain = Vec::new();
            if flags & FLAG_CHAIN != 0 {
                let len = usize::from(r.u8()?);
                if len == 0 || len > MAX_CHAIN {
                    return Err(StatusCode::BAD_VALUE);
                }
                chain.reserve_exact(len);
                for _ in 0..len {
                    chain.push(r.u64()?);
                }
            }
            let parcel = WireParcel {
                objects: r.objects()?,
                data: body,
                blob: blob.map(Box::new),
            };
            Message::Transaction {
                txn,
                target,
                token,
                code,
                flags: flags & !FLAG_CHAIN,
                parent,
                chain,
                parcel,
            }
        }
        Kind::Reply => {
            let status = r.u32()? as i32;
            let result = match (status, with_parcel) {
                (0, true) => Ok(WireParcel {
                    objects: r.objects()?,
                    data: body,
                    blob: blob.map(Box::new),
                }),
                (0, false) => return Err(StatusCode::BAD_VALUE),
                (_, true) => return Err(StatusCode::BAD_VALUE),
                (code, false) => Err(code),
            };
            Message::Reply { txn, result }
        }
        Kind::Acquire => Message::Acquire {
            txn,
            id: r.u64()?,
            token: r.token()?,
        },
        Kind::Release => Message::Release {
            id: r.u64()?,
            token: r.token()?,
            count: r.u32()?,
        },
        Kind::Bye => Message::Bye {
            reason: r.string()?,
        },
        Kind::Received => Message::Received {
            txn,
            reply: match r.u8()? {
                0 => false,
                1 => true,
                _ => return Err(StatusCode::BAD_VALUE),
            },
        },
    };
    if !r.bytes.is_empty() {
        return Err(StatusCode::BAD_VALUE);
    }
    let fds_declared = usize::from(u16::from_le_bytes([header[6], header[7]]));
    let fds_used = match &message {
        Message::Transaction { parcel, .. }
        | Message::Reply {
            result: Ok(parcel), ..
        } => parcel.fd_count(),
        // A client's hello proposing rings carries the region's memfd.
        Message::Hello { transport, .. } if *transport == TRANSPORT_SHM => fds_declared.min(1),
        _ => 0,
    };
    if fds_declared != fds_used {
        return Err(StatusCode::BAD_VALUE);
    }
    Ok(message)
}

#[cfg(test)]
mod tests;
