//! The traits every AIDL type implements to go in and out of a [`Parcel`].
//!
//! They follow the shape of Android's Rust binder crate so generated code stays
//! plain: [`Serialize`]/[`Deserialize`] for a value, [`SerializeOption`]/
//! [`DeserializeOption`] for how the type writes and reads its null form (a -1 length
//! for strings and arrays, a 0 marker for parcelables, a null slot for objects), and
//! [`SerializeArray`]/[`DeserializeArray`] for how a sequence of the type is laid out
//! (an `i32` count then the elements, except bytes, which are packed).

use super::Parcel;
use crate::{Result, StatusCode};

/// A value that can be written to a parcel.
pub trait Serialize {
    /// Appends `self` at the parcel's position.
    fn serialize(&self, parcel: &mut Parcel) -> Result<()>;
}

/// A value that can be read from a parcel.
pub trait Deserialize: Sized {
    /// Reads a value at the parcel's position.
    fn deserialize(parcel: &mut Parcel) -> Result<Self>;

    /// Reads a value into `self` (how `out`/`inout` arguments come back).
    fn deserialize_from(&mut self, parcel: &mut Parcel) -> Result<()> {
        *self = Self::deserialize(parcel)?;
        Ok(())
    }
}

/// How a sequence of `Self` is written. The default is an `i32` count then each
/// element.
pub trait SerializeArray: Serialize + Sized {
    /// Writes `slice` as an array.
    fn serialize_array(slice: &[Self], parcel: &mut Parcel) -> Result<()> {
        parcel.write_len(slice.len())?;
        slice.iter().try_for_each(|item| item.serialize(parcel))
    }
}

/// How a sequence of `Self` is read.
pub trait DeserializeArray: Deserialize {
    /// The fewest bytes one element takes on the wire: a claimed count is checked
    /// against the remaining data with it before anything is allocated.
    const MIN_WIRE_SIZE: usize = 4;

    /// Reads an array; `None` when the null count (-1) was written.
    fn deserialize_array(parcel: &mut Parcel) -> Result<Option<Vec<Self>>> {
        let Some(count) = parcel.read_count(Self::MIN_WIRE_SIZE)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push(Self::deserialize(parcel)?);
        }
        Ok(Some(out))
    }
}

/// How the null form of `Self` is written (`@nullable` values).
pub trait SerializeOption: Serialize {
    /// Writes `Some(value)` or the type's null form.
    fn serialize_option(this: Option<&Self>, parcel: &mut Parcel) -> Result<()>;
}

/// How the null form of `Self` is read.
pub trait DeserializeOption: Deserialize {
    /// Reads a value or `None` for the type's null form.
    fn deserialize_option(parcel: &mut Parcel) -> Result<Option<Self>>;

    /// Reads into an existing `Option`.
    fn deserialize_option_from(this: &mut Option<Self>, parcel: &mut Parcel) -> Result<()> {
        *this = Self::deserialize_option(parcel)?;
        Ok(())
    }
}

impl<T: Serialize + ?Sized> Serialize for &T {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        (**self).serialize(parcel)
    }
}

impl<T: SerializeOption + ?Sized> SerializeOption for &T {
    fn serialize_option(this: Option<&Self>, parcel: &mut Parcel) -> Result<()> {
        T::serialize_option(this.copied(), parcel)
    }
}

impl<T: SerializeOption> Serialize for Option<T> {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        T::serialize_option(self.as_ref(), parcel)
    }
}

impl<T: DeserializeOption> Deserialize for Option<T> {
    fn deserialize(parcel: &mut Parcel) -> Result<Self> {
        T::deserialize_option(parcel)
    }

    fn deserialize_from(&mut self, parcel: &mut Parcel) -> Result<()> {
        T::deserialize_option_from(self, parcel)
    }
}

/// `@nullable` elements: `List<@nullable String>` is `Vec<Option<String>>`.
impl<T: SerializeOption> SerializeArray for Option<T> {}

impl<T: DeserializeOption> DeserializeArray for Option<T> {}

impl<T: SerializeArray> Serialize for [T] {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        T::serialize_array(self, parcel)
    }
}

impl<T: SerializeArray> SerializeOption for [T] {
    fn serialize_option(this: Option<&Self>, parcel: &mut Parcel) -> Result<()> {
        match this {
            Some(slice) => T::serialize_array(slice, parcel),
            None => {
                parcel.write_i32(-1);
                Ok(())
            }
        }
    }
}

impl<T: SerializeArray> Serialize for Vec<T> {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        T::serialize_array(self, parcel)
    }
}

impl<T: SerializeArray> SerializeOption for Vec<T> {
    fn serialize_option(this: Option<&Self>, parcel: &mut Parcel) -> Result<()> {
        <[T]>::serialize_option(this.map(Vec::as_slice), parcel)
    }
}

/// Nested arrays: `int[][]` is `Vec<Vec<i32>>`.
impl<T: SerializeArray> SerializeArray for Vec<T> {}

impl<T: DeserializeArray> Deserialize for Vec<T> {
    fn deserialize(parcel: &mut Parcel) -> Result<Self> {
        T::deserialize_array(parcel)?.ok_or(StatusCode::UNEXPECTED_NULL)
    }
}

impl<T: DeserializeArray> DeserializeOption for Vec<T> {
    fn deserialize_option(parcel: &mut Parcel) -> Result<Option<Self>> {
        T::deserialize_array(parcel)
    }
}

impl<T: DeserializeArray> DeserializeArray for Vec<T> {}

/// Fixed-size arrays are written like any array (count first); reading checks that
/// the count is exactly `N`.
impl<T: SerializeArray, const N: usize> Serialize for [T; N] {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        T::serialize_array(self, parcel)
    }
}

impl<T: SerializeArray, const N: usize> SerializeOption for [T; N] {
    fn serialize_option(this: Option<&Self>, parcel: &mut Parcel) -> Result<()> {
        <[T]>::serialize_option(this.map(|a| a.as_slice()), parcel)
    }
}

impl<T: SerializeArray, const N: usize> SerializeArray for [T; N] {}

fn fixed<T, const N: usize>(items: Vec<T>) -> Result<[T; N]> {
    items.try_into().map_err(|_| StatusCode::BAD_VALUE)
}

impl<T: DeserializeArray, const N: usize> Deserialize for [T; N] {
    fn deserialize(parcel: &mut Parcel) -> Result<Self> {
        fixed(T::deserialize_array(parcel)?.ok_or(StatusCode::UNEXPECTED_NULL)?)
    }
}

impl<T: DeserializeArray, const N: usize> DeserializeOption for [T; N] {
    fn deserialize_option(parcel: &mut Parcel) -> Result<Option<Self>> {
        T::deserialize_array(parcel)?.map(fixed).transpose()
    }
}

impl<T: DeserializeArray, const N: usize> DeserializeArray for [T; N] {}

impl Parcel {
    /// Writes the length of an `out` array argument (or -1 for null), so the callee
    /// can size its output the way Android's Java side expects.
    pub fn write_slice_size<T>(&mut self, slice: Option<&[T]>) -> Result<()> {
        match slice {
            Some(slice) => self.write_len(slice.len()),
            None => {
                self.write_i32(-1);
                Ok(())
            }
        }
    }

    /// Reads the length written by [`Parcel::write_slice_size`] and resizes `out`
    /// to it with default elements. A null length is `UNEXPECTED_NULL`; a length
    /// whose elements would exceed the maximum transaction size is `BAD_VALUE`.
    pub fn resize_out_vec<T: Default>(&mut self, out: &mut Vec<T>) -> Result<()> {
        let len = self
            .read_out_len::<T>()?
            .ok_or(StatusCode::UNEXPECTED_NULL)?;
        out.resize_with(len, T::default);
        Ok(())
    }

    /// [`Parcel::resize_out_vec`] for a nullable array.
    pub fn resize_nullable_out_vec<T: Default>(&mut self, out: &mut Option<Vec<T>>) -> Result<()> {
        *out = self.read_out_len::<T>()?.map(|len| {
            let mut v = Vec::new();
            v.resize_with(len, T::default);
            v
        });
        Ok(())
    }

    fn read_out_len<T>(&mut self) -> Result<Option<usize>> {
        let len = self.read_i32()?;
        if len == -1 {
            return Ok(None);
        }
        let len = usize::try_from(len).map_err(|_| StatusCode::BAD_VALUE)?;
        let bytes = len.saturating_mul(std::mem::size_of::<T>().max(1));
        if bytes > crate::DEFAULT_MAX_TRANSACTION_SIZE {
            return Err(StatusCode::BAD_VALUE);
        }
        Ok(Some(len))
    }
}

/// Boxes are transparent: `@nullable(heap=true)` and recursive parcelables use them.
impl<T: Serialize + ?Sized> Serialize for Box<T> {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        (**self).serialize(parcel)
    }
}

impl<T: SerializeOption> SerializeOption for Box<T> {
    fn serialize_option(this: Option<&Self>, parcel: &mut Parcel) -> Result<()> {
        T::serialize_option(this.map(|b| &**b), parcel)
    }
}

impl<T: SerializeArray> SerializeArray for Box<T> {}

impl<T: Deserialize> Deserialize for Box<T> {
    fn deserialize(parcel: &mut Parcel) -> Result<Self> {
        T::deserialize(parcel).map(Box::new)
    }

    fn deserialize_from(&mut self, parcel: &mut Parcel) -> Result<()> {
        (**self).deserialize_from(parcel)
    }
}

impl<T: DeserializeOption> DeserializeOption for Box<T> {
    fn deserialize_option(parcel: &mut Parcel) -> Result<Option<Self>> {
        Ok(T::deserialize_option(parcel)?.map(Box::new))
    }
}

impl<T: DeserializeArray> DeserializeArray for Box<T> {
    const MIN_WIRE_SIZE: usize = T::MIN_WIRE_SIZE;
}
