//! `ParcelableHolder`: an extension slot in a parcelable that can carry any other
//! parcelable, kept as raw parcel data until someone asks for it by type.
//!
//! Wire form (Android's): an `i32` stability, an `i32` byte size of what follows (0
//! when empty), then the held parcelable's descriptor as UTF-16 and its contents.

use super::{Parcel, Parcelable, ParcelableMetadata};
use crate::{Result, StatusCode};

/// Android's "local" stability: the only one this runtime speaks.
const STABILITY_LOCAL: i32 = 0;

/// Holds any parcelable, identified by its descriptor.
#[derive(Debug, Default)]
pub struct ParcelableHolder {
    /// Descriptor then contents; empty when nothing is held.
    data: Parcel,
}

impl ParcelableHolder {
    /// An empty holder.
    pub fn new() -> ParcelableHolder {
        ParcelableHolder::default()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.data.data_size() == 0
    }

    /// Empties the holder.
    pub fn reset(&mut self) {
        self.data.clear();
    }

    /// Stores `value` (replacing what was held).
    pub fn set_parcelable<T: Parcelable + ParcelableMetadata>(&mut self, value: &T) -> Result<()> {
        let mut data = Parcel::new();
        data.write_str16(T::descriptor())?;
        value.write_to_parcel(&mut data)?;
        self.data = data;
        Ok(())
    }

    /// The held value if it is a `T`; `None` when empty, `BAD_TYPE` when it holds
    /// another type.
    pub fn get_parcelable<T>(&self) -> Result<Option<T>>
    where
        T: Parcelable + ParcelableMetadata + Default,
    {
        if self.is_empty() {
            return Ok(None);
        }
        let mut data = Parcel::new();
        data.append_from(&self.data, 0, self.data.data_size())?;
        data.set_data_position(0)?;
        if !data.read_str16_equals(T::descriptor())? {
            return Err(StatusCode::BAD_TYPE);
        }
        let mut value = T::default();
        value.read_from_parcel(&mut data)?;
        Ok(Some(value))
    }

    /// The descriptor of the held parcelable, if any.
    pub fn descriptor(&self) -> Result<Option<String>> {
        if self.is_empty() {
            return Ok(None);
        }
        let mut data = Parcel::new();
        data.append_from(&self.data, 0, self.data.data_size())?;
        data.set_data_position(0)?;
        data.read_string16()
    }
}

impl Parcelable for ParcelableHolder {
    fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.write_i32(STABILITY_LOCAL);
        parcel.write_len(self.data.data_size())?;
        parcel.append_from(&self.data, 0, self.data.data_size())
    }

    fn read_from_parcel(&mut self, parcel: &mut Parcel) -> Result<()> {
        if parcel.read_i32()? != STABILITY_LOCAL {
            return Err(StatusCode::BAD_VALUE);
        }
        let size = usize::try_from(parcel.read_i32()?).map_err(|_| StatusCode::BAD_VALUE)?;
        if size > parcel.data_avail() {
            return Err(StatusCode::NOT_ENOUGH_DATA);
        }
        let start = parcel.data_position();
        let mut data = Parcel::new();
        data.append_from(parcel, start, size)?;
        parcel.set_data_position(start + size)?;
        self.data = data;
        Ok(())
    }
}

crate::impl_parcelable!(ParcelableHolder);
