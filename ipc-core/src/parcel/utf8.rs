//! `@utf8InCpp String` values: the same Rust types as `String` values, written as
//! UTF-8 instead of UTF-16.
//!
//! Generated code wraps such values in [`Utf8`]: `parcel.write(&Utf8(&name))` and
//! `parcel.read::<Utf8<String>>()?.0`. It works for strings, nullable strings, and
//! arrays and lists of them at any depth.

use super::{Deserialize, Parcel, Serialize};
use crate::{Result, StatusCode};

/// Marks a string (or a nullable string, or a sequence of them) as UTF-8 on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Utf8<T>(pub T);

/// A value written as UTF-8 strings.
pub trait Utf8Serialize {
    /// Writes `self`.
    fn serialize_utf8(&self, parcel: &mut Parcel) -> Result<()>;
}

/// A value read as UTF-8 strings.
pub trait Utf8Deserialize: Sized {
    /// Reads a value.
    fn deserialize_utf8(parcel: &mut Parcel) -> Result<Self>;
}

impl Utf8Serialize for str {
    fn serialize_utf8(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.write_str8(self)
    }
}

impl Utf8Serialize for String {
    fn serialize_utf8(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.write_str8(self)
    }
}

impl<T: Utf8Serialize + ?Sized> Utf8Serialize for &T {
    fn serialize_utf8(&self, parcel: &mut Parcel) -> Result<()> {
        (**self).serialize_utf8(parcel)
    }
}

/// Null strings and null arrays are both the length/count -1.
impl<T: Utf8Serialize> Utf8Serialize for Option<T> {
    fn serialize_utf8(&self, parcel: &mut Parcel) -> Result<()> {
        match self {
            Some(value) => value.serialize_utf8(parcel),
            None => {
                parcel.write_i32(-1);
                Ok(())
            }
        }
    }
}

impl<T: Utf8Serialize> Utf8Serialize for [T] {
    fn serialize_utf8(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.write_len(self.len())?;
        self.iter().try_for_each(|item| item.serialize_utf8(parcel))
    }
}

impl<T: Utf8Serialize> Utf8Serialize for Vec<T> {
    fn serialize_utf8(&self, parcel: &mut Parcel) -> Result<()> {
        self.as_slice().serialize_utf8(parcel)
    }
}

impl<T: Utf8Serialize, const N: usize> Utf8Serialize for [T; N] {
    fn serialize_utf8(&self, parcel: &mut Parcel) -> Result<()> {
        self.as_slice().serialize_utf8(parcel)
    }
}

impl Utf8Deserialize for String {
    fn deserialize_utf8(parcel: &mut Parcel) -> Result<Self> {
        parcel.read_string8()?.ok_or(StatusCode::UNEXPECTED_NULL)
    }
}

impl<T: Utf8Deserialize> Utf8Deserialize for Option<T> {
    fn deserialize_utf8(parcel: &mut Parcel) -> Result<Self> {
        let start = parcel.data_position();
        if parcel.read_i32()? == -1 {
            return Ok(None);
        }
        parcel.set_data_position(start)?;
        T::deserialize_utf8(parcel).map(Some)
    }
}

impl<T: Utf8Deserialize> Utf8Deserialize for Vec<T> {
    fn deserialize_utf8(parcel: &mut Parcel) -> Result<Self> {
        let count = parcel.read_count(4)?.ok_or(StatusCode::UNEXPECTED_NULL)?;
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push(T::deserialize_utf8(parcel)?);
        }
        Ok(out)
    }
}

impl<T: Utf8Deserialize, const N: usize> Utf8Deserialize for [T; N] {
    fn deserialize_utf8(parcel: &mut Parcel) -> Result<Self> {
        Vec::<T>::deserialize_utf8(parcel)?
            .try_into()
            .map_err(|_| StatusCode::BAD_VALUE)
    }
}

impl<T: Utf8Serialize> Serialize for Utf8<T> {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        self.0.serialize_utf8(parcel)
    }
}

impl<T: Utf8Deserialize> Deserialize for Utf8<T> {
    fn deserialize(parcel: &mut Parcel) -> Result<Self> {
        T::deserialize_utf8(parcel).map(Utf8)
    }
}
