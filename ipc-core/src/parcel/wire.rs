//! Taking a parcel apart for a transport and putting it back together.

use super::{Object, ObjectEntry, Parcel};
use crate::{Result, StatusCode};

impl Parcel {
    /// The bytes, the object table and a kept-apart trailing array, for sending.
    pub(crate) fn into_parts(self) -> (Vec<u8>, Vec<ObjectEntry>, Option<Vec<u8>>) {
        let mut this = self;
        (
            std::mem::take(&mut this.data),
            std::mem::take(&mut this.objects),
            this.tail.take().map(|tail| *tail),
        )
    }

    /// A received parcel. Every object's slot must lie inside the data and hold the
    /// object's own index, as the sender's writer left it, and the data must end
    /// with the count of a trailing array kept apart (`tail`); anything else is
    /// `BAD_VALUE`.
    pub(crate) fn from_parts(
        data: Vec<u8>,
        objects: Vec<ObjectEntry>,
        tail: Option<Vec<u8>>,
    ) -> Result<Parcel> {
        if let Some(tail) = &tail {
            let count = data.len().checked_sub(4).map(|at| &data[at..]);
            if count.map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize)
                != Some(tail.len())
            {
                return Err(StatusCode::BAD_VALUE);
            }
        }
        for (index, entry) in objects.iter().enumerate() {
            let slot = data
                .get(entry.offset..entry.offset.saturating_add(4))
                .ok_or(StatusCode::BAD_VALUE)?;
            let written = i32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]]);
            if usize::try_from(written).ok() != Some(index) {
                return Err(StatusCode::BAD_VALUE);
            }
        }
        let mut parcel = Parcel::with_data(data);
        parcel.objects = objects;
        parcel.tail = tail.map(Box::new);
        Ok(parcel)
    }
}

impl ObjectEntry {
    pub(crate) fn binder(offset: usize, binder: crate::SpIBinder) -> ObjectEntry {
        ObjectEntry {
            offset,
            object: Object::Binder(binder),
        }
    }

    pub(crate) fn fd(offset: usize, fd: std::os::fd::OwnedFd) -> ObjectEntry {
        ObjectEntry {
            offset,
            object: Object::Fd(Some(fd)),
        }
    }
}
