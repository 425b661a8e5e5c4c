//! Parcels: the marshaling buffer every transaction carries.
//!
//! A [`Parcel`] is a byte buffer laid out like Android's (little-endian, every write
//! padded to 4 bytes; see `docs/PROTOCOL.md` for the full layout) plus an *object
//! table* beside the bytes that holds the binder objects and file descriptors the
//! bytes refer to. The parcel owns its file descriptors: each is closed exactly once,
//! when the parcel drops or when the value read out of it drops.
//!
//! Values go in and out through the [`Serialize`] and [`Deserialize`] traits, which
//! every AIDL type implements:
//!
//! ```
//! use ipc_core::Parcel;
//!
//! let mut parcel = Parcel::new();
//! parcel.write(&42i32)?;
//! parcel.write("héllo")?;
//! parcel.write(&vec![1i64, 2, 3])?;
//! parcel.write(&None::<String>)?;
//!
//! parcel.set_data_position(0)?;
//! assert_eq!(parcel.read::<i32>()?, 42);
//! assert_eq!(parcel.read::<String>()?, "héllo");
//! assert_eq!(parcel.read::<Vec<i64>>()?, [1, 2, 3]);
//! assert_eq!(parcel.read::<Option<String>>()?, None);
//! # Ok::<(), ipc_core::StatusCode>(())
//! ```
//!
//! Every read is bounds-checked and returns a [`StatusCode`] error on bad input; a
//! length that claims more than the remaining data is rejected before anything is
//! allocated.

pub(crate) mod buffers;
mod holder;
mod object;
mod parcelable;
mod primitive;
mod string;
mod traits;
mod utf8;
mod wire;

#[cfg(test)]
mod tests;

pub use holder::ParcelableHolder;
pub use object::ParcelFileDescriptor;
pub(crate) use object::{Object, ObjectEntry};
pub use parcelable::{
    MAX_PARCELABLE_NESTING, Parcelable, ParcelableMetadata, read_presence_marker,
};
pub use traits::{
    Deserialize, DeserializeArray, DeserializeOption, Serialize, SerializeArray, SerializeOption,
};
pub use utf8::{Utf8, Utf8Deserialize, Utf8Serialize};

use crate::{Result, StatusCode};

/// The interface-token header Android writes after the strict-mode and work-source
/// words: `'SYST'`.
const INTERFACE_HEADER: i32 = i32::from_be_bytes(*b"SYST");
/// The strict-mode word of an interface token: Android's `STRICT_MODE_PENALTY_GATHER`
/// with no policy bits (we have no strict mode, but keep the same bytes).
const STRICT_MODE_WORD: i32 = i32::MIN;
/// "No work source" in an interface token.
const UNSET_WORK_SOURCE: i32 = -1;

/// Byte arrays at least this big, at the end of a parcel, travel apart from it (see
/// [`Parcel::write_byte_array_owned`] and `SpIBinder::transact_with_tail`). Measured
/// (echo, same machine): 4 KiB 2.6 vs 2.75 µs, 16 KiB 5.5 vs 6.4, 32 KiB 8.3 vs 10.1
/// against a 64 KiB threshold; a 1 KiB threshold made 1–2 KiB echoes at most 0.1 µs
/// faster, within the noise, so small arrays keep the simpler path.
pub(crate) const BLOB_MIN: usize = 4096;

/// Rounds `len` up to a multiple of 4.
pub(crate) const fn pad4(len: usize) -> usize {
    (len + 3) & !3
}

/// Where a byte array lies in a parcel's data: see
/// [`Parcel::read_byte_array_in_place`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteArrayAt {
    start: usize,
    len: usize,
}

/// A marshaling buffer: bytes laid out like Android's Parcel, plus the binder objects
/// and file descriptors they refer to.
///
/// Writes go at the current [data position](Parcel::data_position) and move it;
/// writing at the end appends. Reads start wherever the position is and never go
/// past the end of the data (or of the parcelable being read, inside
/// [`Parcel::sized_read`]).
#[derive(Default)]
pub struct Parcel {
    data: Vec<u8>,
    /// A byte array that ends the parcel, kept in a buffer of its own: the parcel's
    /// bytes are `data ‖ tail ‖ zero padding to 4`, and `data` ends with the array's
    /// count. A big array received at the end of a parcel comes this way, and a
    /// reader of it takes the buffer over instead of copying it (see
    /// [`Parcel::read_byte_array`]); a stub's returned array leaves this way. Anything
    /// else that touches those bytes first moves them into `data` (`flatten`).
    #[allow(
        clippy::box_collection,
        reason = "boxed so that every parcel, most without a tail, stays small to move"
    )]
    tail: Option<Box<Vec<u8>>>,
    pos: usize,
    /// Reads stop here: the data size, or the end of the enclosing sized parcelable.
    limit: Option<usize>,
    objects: Vec<ObjectEntry>,
    /// How many parcelables the current read is inside (see `Parcel::read_parcelable`).
    nesting: usize,
}

impl Drop for Parcel {
    fn drop(&mut self) {
        buffers::give(std::mem::take(&mut self.data));
        if let Some(tail) = self.tail.take() {
            buffers::give(*tail);
        }
    }
}

impl std::fmt::Debug for Parcel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parcel")
            .field("data_size", &self.data_size())
            .field("data_position", &self.pos)
            .field("objects", &self.objects)
            .finish()
    }
}

impl Parcel {
    /// An empty parcel.
    pub fn new() -> Parcel {
        Parcel::default()
    }

    /// An empty parcel with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Parcel {
        Parcel::with_data(buffers::take(capacity))
    }

    /// A parcel holding `data` with no objects, positioned at its start (for reading
    /// bytes that came from elsewhere).
    pub fn from_bytes(data: &[u8]) -> Parcel {
        Parcel::with_data(data.to_vec())
    }

    /// A parcel over `data`, positioned at its start, with no objects.
    pub(crate) fn with_data(data: Vec<u8>) -> Parcel {
        Parcel {
            data,
            tail: None,
            pos: 0,
            limit: None,
            nesting: 0,
            objects: Vec::new(),
        }
    }

    /// The parcel's bytes. (`&mut` because a big byte array that ends a received
    /// parcel is kept in a buffer of its own until something needs the bytes in one
    /// piece: this moves it into place.)
    pub fn data(&mut self) -> &[u8] {
        self.flatten();
        &self.data
    }

    /// The size of the data in bytes.
    pub fn data_size(&self) -> usize {
        self.data.len() + self.tail.as_ref().map_or(0, |t| pad4(t.len()))
    }

    /// Moves a kept-apart trailing array (see `tail`) into `data`, with its padding.
    #[inline]
    fn flatten(&mut self) {
        if self.tail.is_some() {
            self.flatten_tail();
        }
    }

    #[cold]
    fn flatten_tail(&mut self) {
        if let Some(tail) = self.tail.take() {
            let end = self.data.len() + pad4(tail.len());
            self.data.reserve(end - self.data.len());
            crate::copy::extend(&mut self.data, &tail);
            self.data.resize(end, 0);
            buffers::give(*tail);
        }
    }

    /// The current read/write position.
    pub fn data_position(&self) -> usize {
        self.pos
    }

    /// Moves the read/write position; it may not pass the end of the data.
    pub fn set_data_position(&mut self, pos: usize) -> Result<()> {
        if pos > self.data_size() {
            return Err(StatusCode::BAD_INDEX);
        }
        self.pos = pos;
        Ok(())
    }

    /// Bytes left to read from the current position (within the enclosing sized
    /// parcelable, if a read is inside one).
    pub fn data_avail(&self) -> usize {
        self.read_end().saturating_sub(self.pos)
    }

    /// Whether any data is left to read (see [`Parcel::data_avail`]). Generated
    /// parcelable readers use it to leave fields missing from older data at their
    /// defaults.
    pub fn has_more_data(&self) -> bool {
        self.data_avail() > 0
    }

    /// The number of objects (binders and file descriptors) in the object table.
    pub fn object_count(&self) -> usize {
        self.objects.len()
    }

    /// Whether the parcel carries any file descriptors.
    pub fn has_fds(&self) -> bool {
        self.objects
            .iter()
            .any(|e| matches!(e.object, Object::Fd(_)))
    }

    /// Empties the parcel (closing any file descriptors it still owns) and keeps its
    /// buffer for reuse.
    pub fn clear(&mut self) {
        self.data.clear();
        self.tail = None;
        self.objects.clear();
        self.pos = 0;
        self.limit = None;
    }

    fn read_end(&self) -> usize {
        let size = self.data_size();
        self.limit.unwrap_or(size).min(size)
    }

    // ---- raw writes ------------------------------------------------------------

    /// Writes `bytes` at the position (overwriting or appending) and moves past them.
    fn put(&mut self, bytes: &[u8]) {
        self.flatten();
        let needed = self.pos.max(self.data.len()) + bytes.len();
        if needed > self.data.capacity() && needed >= buffers::BIG {
            // Growing big: move to a recycled buffer rather than a fresh mapping.
            let mut bigger = buffers::take(needed.max(self.data.capacity() * 2));
            crate::copy::extend(&mut bigger, &self.data);
            buffers::give(std::mem::replace(&mut self.data, bigger));
        }
        if self.pos == self.data.len() {
            crate::copy::extend(&mut self.data, bytes);
        } else {
            let end = self.pos + bytes.len();
            if end > self.data.len() {
                self.data.resize(end, 0);
            }
            crate::copy::copy(&mut self.data[self.pos..end], bytes);
        }
        self.pos += bytes.len();
    }

    /// Writes `bytes` followed by zero padding up to a multiple of 4.
    fn put_padded(&mut self, bytes: &[u8]) {
        self.put(bytes);
        let padding = pad4(bytes.len()) - bytes.len();
        self.put(&[0u8; 3][..padding]);
    }

    /// Writes an `i32`.
    pub fn write_i32(&mut self, value: i32) {
        self.put(&value.to_le_bytes());
    }

    /// Writes a `u32` (as its 4 bytes).
    pub fn write_u32(&mut self, value: u32) {
        self.put(&value.to_le_bytes());
    }

    /// Writes an `i64`.
    pub fn write_i64(&mut self, value: i64) {
        self.put(&value.to_le_bytes());
    }

    /// Writes a `u64` (as its 8 bytes).
    pub fn write_u64(&mut self, value: u64) {
        self.put(&value.to_le_bytes());
    }

    /// Writes an `f32`.
    pub fn write_f32(&mut self, value: f32) {
        self.put(&value.to_le_bytes());
    }

    /// Writes an `f64`.
    pub fn write_f64(&mut self, value: f64) {
        self.put(&value.to_le_bytes());
    }

    /// Writes a length or count as an `i32`; more than `i32::MAX` is `BAD_VALUE`.
    pub(crate) fn write_len(&mut self, len: usize) -> Result<()> {
        let len = i32::try_from(len).map_err(|_| StatusCode::BAD_VALUE)?;
        self.write_i32(len);
        Ok(())
    }

    /// Writes a byte array in one copy: an `i32` count then the bytes, padded.
    /// `None` writes the null count, -1.
    pub fn write_byte_array(&mut self, bytes: Option<&[u8]>) -> Result<()> {
        match bytes {
            None => self.write_i32(-1),
            Some(bytes) => {
                self.write_len(bytes.len())?;
                self.put_padded(bytes);
            }
        }
        Ok(())
    }

    /// Writes a byte array like [`Parcel::write_byte_array`], keeping the buffer
    /// instead of copying it when the array is big (`BLOB_MIN`) and written at the end: a server
    /// stub returns a `byte[]` this way, and its bytes go from that buffer straight to
    /// the connection. Anything written after it moves it into the parcel's buffer.
    pub fn write_byte_array_owned(&mut self, bytes: Vec<u8>) -> Result<()> {
        if bytes.len() < BLOB_MIN || self.tail.is_some() || self.pos != self.data.len() {
            return self.write_byte_array(Some(&bytes));
        }
        self.write_len(bytes.len())?;
        self.tail = Some(Box::new(bytes));
        self.pos = self.data_size();
        Ok(())
    }

    /// Copies `len` bytes of `other`'s data from `start`, and the objects recorded in
    /// that range, to this parcel's position (file descriptors are duplicated).
    pub fn append_from(&mut self, other: &Parcel, start: usize, len: usize) -> Result<()> {
        let end = start.checked_add(len).ok_or(StatusCode::BAD_VALUE)?;
        if end > other.data_size() {
            return Err(StatusCode::BAD_VALUE);
        }
        let base = self.pos;
        match &other.tail {
            Some(tail) if end > other.data.len() => {
                // Part of the range is in `other`'s kept-apart array: join the pieces.
                let mut bytes = other.data.get(start..).unwrap_or(&[]).to_vec();
                let from = start.saturating_sub(other.data.len()).min(tail.len());
                let to = (end - other.data.len()).min(tail.len());
                bytes.extend_from_slice(&tail[from..to.max(from)]);
                bytes.resize(len, 0);
                self.put(&bytes);
            }
            _ => self.put(&other.data[start..end]),
        }
        // Only objects whose whole slot lies in the range come along (as in Android's
        // appendFrom); a slot cut by the range's end is just bytes.
        for entry in other
            .objects
            .iter()
            .filter(|e| e.offset >= start && e.offset.saturating_add(4) <= end)
        {
            let object = entry.object.try_clone()?;
            let new_offset = base + (entry.offset - start);
            let index = self.objects.len();
            self.objects.push(ObjectEntry {
                offset: new_offset,
                object,
            });
            let slot = i32::try_from(index).map_err(|_| StatusCode::BAD_VALUE)?;
            self.data[new_offset..new_offset + 4].copy_from_slice(&slot.to_le_bytes());
        }
        Ok(())
    }

    // ---- raw reads -------------------------------------------------------------

    /// Takes the next `len` bytes.
    fn take(&mut self, len: usize) -> Result<&[u8]> {
        if len > self.data_avail() {
            return Err(StatusCode::NOT_ENOUGH_DATA);
        }
        if self.pos + len > self.data.len() {
            self.flatten();
        }
        let start = self.pos;
        self.pos += len;
        Ok(&self.data[start..start + len])
    }

    /// Takes the next `len` bytes and the padding after them.
    fn take_padded(&mut self, len: usize) -> Result<&[u8]> {
        let padded = len.checked_add(3).ok_or(StatusCode::BAD_VALUE)? & !3;
        let bytes = self.take(padded)?;
        Ok(&bytes[..len])
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Reads an `i32`.
    pub fn read_i32(&mut self) -> Result<i32> {
        self.take_array().map(i32::from_le_bytes)
    }

    /// Reads a `u32`.
    pub fn read_u32(&mut self) -> Result<u32> {
        self.take_array().map(u32::from_le_bytes)
    }

    /// Reads an `i64`.
    pub fn read_i64(&mut self) -> Result<i64> {
        self.take_array().map(i64::from_le_bytes)
    }

    /// Reads a `u64`.
    pub fn read_u64(&mut self) -> Result<u64> {
        self.take_array().map(u64::from_le_bytes)
    }

    /// Reads an `f32`.
    pub fn read_f32(&mut self) -> Result<f32> {
        self.take_array().map(f32::from_le_bytes)
    }

    /// Reads an `f64`.
    pub fn read_f64(&mut self) -> Result<f64> {
        self.take_array().map(f64::from_le_bytes)
    }

    /// Reads a count written by a sequence writer: `None` for the null count -1,
    /// `BAD_VALUE` for any other negative count, and `NOT_ENOUGH_DATA` when the
    /// remaining data cannot hold `count` elements of at least `min_element_size`
    /// bytes each. Checked before anything is allocated.
    pub(crate) fn read_count(&mut self, min_element_size: usize) -> Result<Option<usize>> {
        let count = self.read_i32()?;
        if count == -1 {
            return Ok(None);
        }
        let count = usize::try_from(count).map_err(|_| StatusCode::BAD_VALUE)?;
        if count.saturating_mul(min_element_size) > self.data_avail() {
            return Err(StatusCode::NOT_ENOUGH_DATA);
        }
        Ok(Some(count))
    }

    /// Reads a byte array written by [`Parcel::write_byte_array`] in one copy.
    ///
    /// A big array that ends a received parcel arrives in a buffer of its own, which
    /// this hands over without copying; the parcel then ends where the array's bytes
    /// began (reading them again finds no data).
    pub fn read_byte_array(&mut self) -> Result<Option<Vec<u8>>> {
        if self.at_tail_count() {
            self.pos = self.data.len();
            return Ok(self.tail.take().map(|tail| *tail));
        }
        match self.read_count(1)? {
            None => Ok(None),
            Some(len) => self
                .take_padded(len)
                .map(|bytes| Some(crate::copy::to_vec(bytes))),
        }
    }

    /// Reads past a byte array written by [`Parcel::write_byte_array`] without
    /// copying it, returning where its bytes lie (`None` for a null array); borrow
    /// them with [`Parcel::byte_array_at`]. Server stubs hand an `in byte[]`
    /// argument to the service this way, as a slice of the request itself.
    pub fn read_byte_array_in_place(&mut self) -> Result<Option<ByteArrayAt>> {
        if self.at_tail_count() {
            let start = self.data.len();
            let len = self.tail.as_ref().map_or(0, |tail| tail.len());
            self.pos = self.data_size();
            return Ok(Some(ByteArrayAt { start, len }));
        }
        match self.read_count(1)? {
            None => Ok(None),
            Some(len) => {
                let start = self.pos;
                self.take_padded(len)?;
                Ok(Some(ByteArrayAt { start, len }))
            }
        }
    }

    /// The bytes of an array found by [`Parcel::read_byte_array_in_place`] on this
    /// parcel (empty if the data has since shrunk below it).
    pub fn byte_array_at(&self, at: ByteArrayAt) -> &[u8] {
        match &self.tail {
            Some(tail) if at.start == self.data.len() => tail.get(..at.len).unwrap_or(&[]),
            _ => self.data.get(at.start..at.start + at.len).unwrap_or(&[]),
        }
    }

    /// Whether the position is at the count of a kept-apart trailing array that
    /// reads may reach the end of: the array can be read without touching its bytes.
    fn at_tail_count(&self) -> bool {
        let Some(tail) = &self.tail else {
            return false;
        };
        let Some(word) = self.data.get(self.pos..) else {
            return false;
        };
        word.len() == 4
            && self.read_end() == self.data_size()
            && i32::from_le_bytes([word[0], word[1], word[2], word[3]]) as usize == tail.len()
    }

    // ---- typed access ------------------------------------------------------------

    /// Writes any serializable value (see [`Serialize`]).
    pub fn write<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    /// Reads a value of type `T` (see [`Deserialize`]).
    pub fn read<T: Deserialize>(&mut self) -> Result<T> {
        T::deserialize(self)
    }

    /// Reads into an existing value: how `out` and `inout` arguments come back.
    pub fn read_onto<T: Deserialize>(&mut self, value: &mut T) -> Result<()> {
        value.deserialize_from(self)
    }

    /// Writes the transaction header that names the target interface: Android's
    /// strict-mode word, work-source word, `'SYST'` header, then the descriptor as
    /// UTF-16.
    pub fn write_interface_token(&mut self, descriptor: &str) -> Result<()> {
        self.write_i32(STRICT_MODE_WORD);
        self.write_i32(UNSET_WORK_SOURCE);
        self.write_i32(INTERFACE_HEADER);
        self.write_str16(descriptor)
    }

    /// Reads an interface token and checks that it names `descriptor`; anything else
    /// is `BAD_TYPE`.
    pub fn enforce_interface(&mut self, descriptor: &str) -> Result<()> {
        let _strict_mode = self.read_i32()?;
        let _work_source = self.read_i32()?;
        if self.read_i32()? != INTERFACE_HEADER {
            return Err(StatusCode::BAD_TYPE);
        }
        if self.read_str16_equals(descriptor)? {
            Ok(())
        } else {
            Err(StatusCode::BAD_TYPE)
        }
    }

    /// Writes the enclosing `i32` size (counting itself) around whatever `body` writes:
    /// the envelope of a structured parcelable.
    pub fn sized_write<F>(&mut self, body: F) -> Result<()>
    where
        F: FnOnce(&mut Parcel) -> Result<()>,
    {
        let start = self.pos;
        self.write_i32(0);
        body(self)?;
        let end = self.pos;
        let size = i32::try_from(end - start).map_err(|_| StatusCode::BAD_VALUE)?;
        self.pos = start;
        self.write_i32(size);
        self.pos = end;
        Ok(())
    }

    /// Reads a size-prefixed envelope: `body` reads the fields it knows, and reads
    /// cannot pass the envelope's end (a field missing from older data is left as it
    /// was — check [`Parcel::has_more_data`]); afterwards the position moves to the
    /// envelope's end, skipping fields from newer data that `body` did not read.
    pub fn sized_read<F>(&mut self, body: F) -> Result<()>
    where
        F: FnOnce(&mut Parcel) -> Result<()>,
    {
        let start = self.pos;
        let size = self.read_i32()?;
        let size = usize::try_from(size).map_err(|_| StatusCode::BAD_VALUE)?;
        if size < 4 {
            return Err(StatusCode::BAD_VALUE);
        }
        let end = start.checked_add(size).ok_or(StatusCode::BAD_VALUE)?;
        if end > self.read_end() {
            return Err(StatusCode::NOT_ENOUGH_DATA);
        }
        let outer = self.limit.replace(end);
        let result = body(self);
        self.limit = outer;
        result?;
        self.pos = end;
        Ok(())
    }
}
