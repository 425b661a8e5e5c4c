//! The object table: binder objects and file descriptors carried beside the bytes.
//!
//! In the bytes an object is an `i32` slot index into the table (-1 for null); the
//! table remembers the byte offset of each slot, and a read accepts an index only at
//! the offset it was written at, so data cannot forge a reference to an object it was
//! not given. The parcel owns its file descriptors: reading one moves it out of the
//! table into the returned value, so each is closed exactly once.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use super::{Deserialize, DeserializeArray, DeserializeOption, Parcel};
use super::{Serialize, SerializeArray, SerializeOption};
use crate::{Result, SpIBinder, StatusCode};

/// One entry of the object table.
#[derive(Debug)]
pub(crate) enum Object {
    /// A binder object (local or proxy).
    Binder(SpIBinder),
    /// A file descriptor; `None` once it has been read out of the parcel.
    Fd(Option<OwnedFd>),
}

impl Object {
    pub(crate) fn try_clone(&self) -> Result<Object> {
        Ok(match self {
            Object::Binder(binder) => Object::Binder(binder.clone()),
            Object::Fd(Some(fd)) => Object::Fd(Some(dup(fd.as_fd())?)),
            Object::Fd(None) => Object::Fd(None),
        })
    }
}

/// An object and the byte offset of the slot index that refers to it.
#[derive(Debug)]
pub(crate) struct ObjectEntry {
    pub(crate) offset: usize,
    pub(crate) object: Object,
}

fn dup(fd: BorrowedFd<'_>) -> Result<OwnedFd> {
    fd.try_clone_to_owned()
        .map_err(|e| StatusCode::from(-e.raw_os_error().unwrap_or(libc::EBADF)))
}

impl Parcel {
    fn push_object(&mut self, object: Object) -> Result<()> {
        let index = i32::try_from(self.objects.len()).map_err(|_| StatusCode::BAD_VALUE)?;
        self.objects.push(ObjectEntry {
            offset: self.pos,
            object,
        });
        self.write_i32(index);
        Ok(())
    }

    /// Finds the object whose slot is at the position, and moves past the slot.
    /// `Ok(None)` for a null slot.
    fn object_at_position(&mut self) -> Result<Option<&mut Object>> {
        let offset = self.pos;
        let index = self.read_i32()?;
        if index == -1 {
            return Ok(None);
        }
        let index = usize::try_from(index).map_err(|_| StatusCode::BAD_VALUE)?;
        match self.objects.get_mut(index) {
            Some(entry) if entry.offset == offset => Ok(Some(&mut entry.object)),
            _ => Err(StatusCode::BAD_VALUE),
        }
    }

    /// Writes a binder object (or a null binder).
    pub fn write_binder(&mut self, binder: Option<&SpIBinder>) -> Result<()> {
        match binder {
            Some(binder) => self.push_object(Object::Binder(binder.clone())),
            None => {
                self.write_i32(-1);
                Ok(())
            }
        }
    }

    /// Reads a binder object; `None` for a null binder.
    pub fn read_binder(&mut self) -> Result<Option<SpIBinder>> {
        match self.object_at_position()? {
            None => Ok(None),
            Some(Object::Binder(binder)) => Ok(Some(binder.clone())),
            Some(Object::Fd(_)) => Err(StatusCode::BAD_TYPE),
        }
    }

    /// Writes a duplicate of `fd`; the caller keeps its own.
    pub fn write_file_descriptor(&mut self, fd: BorrowedFd<'_>) -> Result<()> {
        let fd = dup(fd)?;
        self.write_owned_fd(fd)
    }

    /// Writes `fd`, giving it to the parcel (no duplicate is made).
    pub fn write_owned_fd(&mut self, fd: OwnedFd) -> Result<()> {
        self.push_object(Object::Fd(Some(fd)))
    }

    /// Reads a file descriptor, moving it out of the parcel; `None` for a null one.
    /// Reading the same descriptor twice is `BAD_VALUE`.
    pub fn read_file_descriptor(&mut self) -> Result<Option<OwnedFd>> {
        match self.object_at_position()? {
            None => Ok(None),
            Some(Object::Fd(fd)) => fd.take().map(Some).ok_or(StatusCode::BAD_VALUE),
            Some(Object::Binder(_)) => Err(StatusCode::BAD_TYPE),
        }
    }
}

/// An owned file descriptor that travels in parcels (AIDL `ParcelFileDescriptor`).
/// Closed when dropped.
#[derive(Debug)]
pub struct ParcelFileDescriptor(OwnedFd);

impl ParcelFileDescriptor {
    /// Wraps an owned descriptor.
    pub fn new(fd: impl Into<OwnedFd>) -> ParcelFileDescriptor {
        ParcelFileDescriptor(fd.into())
    }

    /// Gives back the descriptor.
    pub fn into_inner(self) -> OwnedFd {
        self.0
    }

    /// A second descriptor for the same open file.
    pub fn try_clone(&self) -> Result<ParcelFileDescriptor> {
        dup(self.0.as_fd()).map(ParcelFileDescriptor)
    }
}

impl AsFd for ParcelFileDescriptor {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl AsRawFd for ParcelFileDescriptor {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

impl From<OwnedFd> for ParcelFileDescriptor {
    fn from(fd: OwnedFd) -> Self {
        ParcelFileDescriptor(fd)
    }
}

impl From<ParcelFileDescriptor> for OwnedFd {
    fn from(pfd: ParcelFileDescriptor) -> Self {
        pfd.0
    }
}

impl Serialize for ParcelFileDescriptor {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.write_file_descriptor(self.0.as_fd())
    }
}

impl SerializeOption for ParcelFileDescriptor {
    fn serialize_option(this: Option<&Self>, parcel: &mut Parcel) -> Result<()> {
        match this {
            Some(pfd) => pfd.serialize(parcel),
            None => {
                parcel.write_i32(-1);
                Ok(())
            }
        }
    }
}

impl SerializeArray for ParcelFileDescriptor {}

impl Deserialize for ParcelFileDescriptor {
    fn deserialize(parcel: &mut Parcel) -> Result<Self> {
        parcel
            .read_file_descriptor()?
            .map(ParcelFileDescriptor)
            .ok_or(StatusCode::UNEXPECTED_NULL)
    }
}

impl DeserializeOption for ParcelFileDescriptor {
    fn deserialize_option(parcel: &mut Parcel) -> Result<Option<Self>> {
        Ok(parcel.read_file_descriptor()?.map(ParcelFileDescriptor))
    }
}

impl DeserializeArray for ParcelFileDescriptor {}

impl Serialize for SpIBinder {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.write_binder(Some(self))
    }
}

impl SerializeOption for SpIBinder {
    fn serialize_option(this: Option<&Self>, parcel: &mut Parcel) -> Result<()> {
        parcel.write_binder(this)
    }
}

impl SerializeArray for SpIBinder {}

impl Deserialize for SpIBinder {
    fn deserialize(parcel: &mut Parcel) -> Result<Self> {
        parcel.read_binder()?.ok_or(StatusCode::UNEXPECTED_NULL)
    }
}

impl DeserializeOption for SpIBinder {
    fn deserialize_option(parcel: &mut Parcel) -> Result<Option<Self>> {
        parcel.read_binder()
    }
}

impl DeserializeArray for SpIBinder {}
