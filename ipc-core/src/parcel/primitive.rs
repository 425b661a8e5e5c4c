//! Primitives: `boolean`, `byte`, `char`, `int`, `long`, `float`, `double`, their
//! arrays, and `String`.
//!
//! `boolean`, `byte` and `char` take a full `i32` each, as in Android; arrays of bytes
//! are packed (one bulk copy), arrays of everything else hold full-width elements.

use super::{Deserialize, Serialize};
use super::{DeserializeArray, DeserializeOption, Parcel, SerializeArray, SerializeOption};
use crate::{Result, StatusCode};

macro_rules! primitive {
    ($ty:ty, $value:ident, $write:expr, $read:expr, $min:expr) => {
        impl Serialize for $ty {
            fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
                let $value = *self;
                $write(parcel, $value);
                Ok(())
            }
        }

        impl Deserialize for $ty {
            fn deserialize(parcel: &mut Parcel) -> Result<Self> {
                $read(parcel)
            }
        }

        impl SerializeArray for $ty {}

        impl DeserializeArray for $ty {
            const MIN_WIRE_SIZE: usize = $min;
        }
    };
}

primitive!(
    bool,
    v,
    |p: &mut Parcel, v: bool| p.write_i32(i32::from(v)),
    |p: &mut Parcel| p.read_i32().map(|v| v != 0),
    4
);
primitive!(
    u16,
    v,
    |p: &mut Parcel, v: u16| p.write_i32(i32::from(v)),
    |p: &mut Parcel| p.read_i32().map(|v| v as u16),
    4
);
primitive!(i32, v, Parcel::write_i32, Parcel::read_i32, 4);
primitive!(u32, v, Parcel::write_u32, Parcel::read_u32, 4);
primitive!(i64, v, Parcel::write_i64, Parcel::read_i64, 8);
primitive!(u64, v, Parcel::write_u64, Parcel::read_u64, 8);
primitive!(f32, v, Parcel::write_f32, Parcel::read_f32, 4);
primitive!(f64, v, Parcel::write_f64, Parcel::read_f64, 8);

// Bytes: one i32 each on their own, packed in arrays.
impl Serialize for u8 {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.write_i32(i32::from(*self));
        Ok(())
    }
}

impl Deserialize for u8 {
    fn deserialize(parcel: &mut Parcel) -> Result<Self> {
        // Android's readByte keeps the low byte of the i32.
        parcel.read_i32().map(|v| v as u8)
    }
}

impl SerializeArray for u8 {
    fn serialize_array(slice: &[Self], parcel: &mut Parcel) -> Result<()> {
        parcel.write_byte_array(Some(slice))
    }
}

impl DeserializeArray for u8 {
    const MIN_WIRE_SIZE: usize = 1;

    fn deserialize_array(parcel: &mut Parcel) -> Result<Option<Vec<Self>>> {
        parcel.read_byte_array()
    }
}

impl Serialize for i8 {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.write_i32(i32::from(*self));
        Ok(())
    }
}

impl Deserialize for i8 {
    fn deserialize(parcel: &mut Parcel) -> Result<Self> {
        parcel.read_i32().map(|v| v as i8)
    }
}

impl SerializeArray for i8 {
    fn serialize_array(slice: &[Self], parcel: &mut Parcel) -> Result<()> {
        parcel.write_len(slice.len())?;
        let bytes: Vec<u8> = slice.iter().map(|&b| b as u8).collect();
        parcel.put_padded(&bytes);
        Ok(())
    }
}

impl DeserializeArray for i8 {
    const MIN_WIRE_SIZE: usize = 1;

    fn deserialize_array(parcel: &mut Parcel) -> Result<Option<Vec<Self>>> {
        Ok(parcel
            .read_byte_array()?
            .map(|v| v.into_iter().map(|b| b as i8).collect()))
    }
}

// Strings (UTF-16 on the wire).
impl Serialize for str {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.write_str16(self)
    }
}

impl SerializeOption for str {
    fn serialize_option(this: Option<&Self>, parcel: &mut Parcel) -> Result<()> {
        parcel.write_string16(this)
    }
}

impl Serialize for String {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.write_str16(self)
    }
}

impl SerializeOption for String {
    fn serialize_option(this: Option<&Self>, parcel: &mut Parcel) -> Result<()> {
        parcel.write_string16(this.map(String::as_str))
    }
}

impl SerializeArray for String {}

impl Deserialize for String {
    fn deserialize(parcel: &mut Parcel) -> Result<Self> {
        parcel.read_string16()?.ok_or(StatusCode::UNEXPECTED_NULL)
    }
}

impl DeserializeOption for String {
    fn deserialize_option(parcel: &mut Parcel) -> Result<Option<Self>> {
        parcel.read_string16()
    }
}

impl DeserializeArray for String {}
